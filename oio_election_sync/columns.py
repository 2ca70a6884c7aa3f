"""Values that read one way in a table and stay raw in json/yaml.

Bodies come from the peers: anything unexpected in them is shown as it is,
never a crash.
"""

import datetime
import json

from cliff.columns import FormattableColumn

from oio_election_sync import peers as P
from oio_election_sync.text import clean

LOG_LINES_SHOWN = 5


def _date(time_ms):
    try:
        when = datetime.datetime.fromtimestamp(time_ms / 1000.0)
    except (OverflowError, OSError, ValueError):
        return None
    return "%s.%03d" % (when.strftime("%Y-%m-%d %H:%M:%S"), time_ms % 1000)


def human_log(body):
    """Debug body with log timestamps as local dates, newest first
    (the rendering of oio's ``--human``); entries that are not
    ``<ms>:<PRE>:<EVENT>:<POST>`` are kept as they are."""
    if not isinstance(body, dict) or not isinstance(body.get("log"), list):
        return body
    lines = []
    for text in body["log"]:
        entry = P.parse_log_entry(text)
        when = _date(entry.time_ms) if entry else None
        if when is None:
            lines.append(text)
            continue
        lines.append(
            "%s %s, %s -> %s" % (when, entry.before, entry.event, entry.after)
        )
    parsed = [P.parse_log_entry(t) for t in body["log"]]
    if all(parsed):  # newest first, as oio's --human shows them
        order = sorted(range(len(lines)), key=lambda i: -parsed[i].time_ms)
        lines = [lines[i] for i in order]
    return dict(body, log=lines)


def _get(mapping, key):
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, dict) else {}


def _text(value):
    return value if isinstance(value, str) else json.dumps(value)


class DebugBody(FormattableColumn):
    """An election member (``/admin/debug`` body): a short summary in a
    table, the untouched structure for ``-f json|yaml``."""

    def human_readable(self):
        body = self._value
        if body in ("", None):
            return ""
        if not isinstance(body, dict):
            return clean(_text(body))
        if not body:
            return "no election for this base on this peer"
        local, master = _get(body, "local"), _get(body, "master")
        base, counters = _get(body, "base"), _get(body, "#")
        peers = body.get("peers")
        if isinstance(peers, list):
            peers = ", ".join(_text(p) for p in peers)
        lines = [
            "state: %s (id %s)" % (local.get("state"), local.get("id")),
            "master: %s (id %s)"
            % (master.get("url") or "itself", master.get("id")),
            "peers: %s" % (peers or ""),
            "zk: %s %s" % (base.get("zk_server") or "", base.get("zk") or ""),
        ]
        if counters:
            lines.append(
                ", ".join("%s %s" % (k, counters[k]) for k in sorted(counters))
            )
        log = body.get("log") or []
        if not isinstance(log, list):
            log = [log]
        if log:
            lines.append("log (newest first):")
            lines.extend("  " + _text(e) for e in log[:LOG_LINES_SHOWN])
            if len(log) > LOG_LINES_SHOWN:
                lines.append(
                    "  ... %d more (-f json shows all)"
                    % (len(log) - LOG_LINES_SHOWN)
                )
        return "\n".join(clean(line) for line in lines).strip()

    def machine_readable(self):
        return self._value


class Record(FormattableColumn):
    """A structured cell of ``--by-base``: its words in a table, its data
    (lists and objects) in ``-f json|yaml``."""

    def __init__(self, words, data):
        super().__init__(words)
        self.data = data

    def human_readable(self):
        return self._value

    def machine_readable(self):
        return self.data


def debug_body(body, human=False):
    """debug's Body cell: its log as dates with ``--human``."""
    return DebugBody(human_log(body) if human else body)


class StreamingJSON:
    """cliff's json list output, written as rows come: the same text as
    ``json.dump(rows, indent=2)`` (or ``--noindent``), a row at a time, so
    that a run over a whole service neither waits nor holds every row."""

    def emit_list(self, column_names, data, stdout, parsed_args):
        indent = None if getattr(parsed_args, "noindent", False) else 2
        first, between_rows = True, True
        try:
            for row in data:
                item = {
                    name: (
                        value.machine_readable()
                        if isinstance(value, FormattableColumn)
                        else value
                    )
                    for name, value in zip(column_names, row)
                }
                text = json.dumps(item, indent=indent)
                if indent:
                    text = "\n".join("  " + line for line in text.splitlines())
                    text = ("[\n" if first else ",\n") + text
                else:
                    text = ("[" if first else ", ") + text
                between_rows = False
                stdout.write(text)
                stdout.flush()
                between_rows, first = True, False
        finally:
            # a run stopped between rows (an error, Ctrl-C while waiting)
            # still leaves a valid array; one cut inside a row cannot
            if between_rows:
                if first:
                    stdout.write("[]\n")
                else:
                    stdout.write("\n]\n" if indent else "]\n")
