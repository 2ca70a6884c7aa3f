"""From reports to rows: which columns, which rows, each cell in words.

A plain object, no cliff: the command hands it the reports as they come
and cliff's formatter the rows it makes.
"""

from oio_election_sync import exitcodes as X
from oio_election_sync import render
from oio_election_sync.exitcodes import ElectionError


def columns_of(columns, several, asked):
    """The columns of a run, from a peer row's; ``asked``: the ``-c``
    columns."""
    columns = tuple(columns)
    if several:
        # CID only when asked for (-c CID): what --cid --from-file
        # reads back, e.g. a scan's problems fed to a repair
        cid = ("CID",) if "CID" in (asked or ()) else ()
        columns = ("Reference",) + cid + columns + ("Verdict",)
    return columns


def check_columns(asked, columns):
    """An unknown ``-c`` column is a usage error, before anything is sent."""
    unknown = [c for c in asked or () if c not in columns]
    if unknown:
        raise ElectionError(
            "unknown column %s for -c: choose among %s"
            % (", ".join(repr(c) for c in unknown), ", ".join(columns)),
            X.EXIT_USAGE,
        )


class Output:
    """The rows of a run. ``clean``: text formats get cells made safe to
    print (json and yaml escape what they need); ``wrap``: ``{column:
    callable}`` that turns a cell's value into what the formatter prints
    (debug's Body)."""

    def __init__(
        self,
        columns,
        summary,
        only_problems,
        clean,
        wrap=None,
        cell=None,
        table=False,
    ):
        self.table = table  # a table: words that fit its width
        self.columns = columns
        self.summary = summary  # report -> its line
        self.only_problems = only_problems
        self.clean = clean
        self.wrap = wrap or {}
        # --by-base: one record per base, its structured cells made by
        # ``cell(words, data)``
        self.cell = cell

    def _shown(self, report):
        return not (
            self.only_problems
            and report.exit_code == X.EXIT_OK
            and not report.changed
        )

    def record(self, values):
        """A record's row: ``(words, data)`` values become cells."""
        row = []
        for column in self.columns:
            value = values.get(column, "")
            if isinstance(value, tuple):
                words, data = value
                value = self.cell(
                    render.clean(words) if self.clean else words, data
                )
            elif self.clean and isinstance(value, str):
                value = render.clean(value)
            row.append(value)
        return tuple(row)

    def rows(self, report):
        """The rows of one base, each a tuple in column order."""
        if not self._shown(report):
            return
        if self.cell is not None:
            yield self.record(render.record(report, self.summary(report)))
            return
        verdict = render.verdict(report.exit_code)
        target = report.target
        if report.rows is None:  # the whole request failed for this base
            cells = {
                "Reference": target.name,
                "CID": target.base_cid,
                "Role": "error",
                "Message": self.summary(report),
                "Verdict": verdict,
            }
            yield tuple(
                self._cell(c, cells.get(c, ""), report) for c in self.columns
            )
            return
        for row in report.rows:
            row = dict(
                row,
                Reference=target.name,
                CID=target.base_cid,
                Verdict=verdict,
            )
            yield tuple(
                self._wrapped(c, self._cell(c, row.get(c, ""), report))
                for c in self.columns
            )

    def _wrapped(self, column, value):
        wrap = self.wrap.get(column)
        return value if wrap is None else wrap(value)

    def _cell(self, column, value, report):
        value = render.cell(column, value, report, self.table)
        if self.clean and isinstance(value, str):
            return render.clean(value)
        return value
