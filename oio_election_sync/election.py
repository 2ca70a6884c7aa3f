"""``openio election status|sync|debug``: arguments in, rows and exit code out.

The commands are thin: oio knowledge lives in oioclient, interpretation of
peers in peers, the per-base work in workflows.
"""

import logging
import re
import sys

from cliff.lister import Lister

from oio_election_sync import __version__
from oio_election_sync import exitcodes as X
from oio_election_sync import takeover
from oio_election_sync.exitcodes import ElectionError

LOG = logging.getLogger(__name__)

# cliff imports this module while loading the group, before it warns about
# the names oio registers too; the takeover hook settles those names.
takeover.quiet_duplicate_warning()

# A full CID, a ``CID.seq`` base name, or a short CID that the proxy pads
# with zeros (meta0/meta1 prefixes), as oio-proxy accepts them.
# (compiled on first use: this module is imported on every openio call)
_CID = r"(?:[0-9A-Fa-f]{64}(?:\.[0-9]+)?|[0-9A-Fa-f]{1,4})"

VERDICT_WORDS = {
    X.EXIT_OK: "ok",
    X.EXIT_UNHEALTHY: "unhealthy",
    X.EXIT_DIVERGED: "diverged",
    X.EXIT_SYNC_FAILED: "sync incomplete",
    X.EXIT_REFUSED: "refused",
    X.EXIT_ERROR: "error",
}

EXIT_CODES_HELP = (
    """\
exit codes: 0 done and healthy; 2 bad arguments; 3 election unhealthy (peer
down or timed out, no master, two masters, slaves disagreeing); 4 a copy
diverges from the master's; 5 sync incomplete; 6 sync refused by the
pre-flight; 7 request failed (unknown base, proxy unreachable, bad reply);
130 interrupted. Several bases: the worst code. --exit-zero turns 3, 4 and 5
into 0.

Implementation: oio-election-sync %s. Set OIO_ELECTION_BUILTIN=1 to run oio's
built-in command instead."""
    % __version__
)


def _number(option, text, convert, valid, expected):
    """Options are validated here, not by argparse: argparse's exit code
    depends on the cliff version (2 with cliff 4, 1 with cliff 3)."""
    try:
        value = convert(text)
    except (TypeError, ValueError):
        value = None
    if value is None or not valid(value):
        raise ElectionError(
            "%s takes %s, not %r" % (option, expected, text), X.EXIT_USAGE
        )
    return value


def _switch(parser, name, default, help_on, help_off):
    """``--NAME`` / ``--no-NAME`` setting one destination."""
    parser.add_argument(
        "--" + name,
        dest=name,
        action="store_true",
        default=default,
        help=help_on,
    )
    parser.add_argument(
        "--no-" + name, dest=name, action="store_false", help=help_off
    )


class ElectionCommand(Lister):
    """Base of the election commands."""

    action = None  # workflow name and request id suffix
    columns = ("Id", "Status", "Message", "Role")
    many = False  # several references / --from-file
    _epilog = EXIT_CODES_HELP

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "service_type",
            metavar="<service_type>",
            nargs="?",
            default="",
            help="Type of the replicated base: meta2 (a container), meta1 or "
            "meta0",
        )
        parser.add_argument(
            "reference",
            metavar="<reference>",
            nargs="*" if self.many else "?",
            help="Container (reference) name in the account given by "
            "--oio-account/OIO_ACCOUNT, or a container ID with --cid"
            + ("; several may be given" if self.many else ""),
        )
        parser.add_argument(
            "--cid",
            dest="is_cid",
            action="store_true",
            default=False,
            help="Interpret <reference> as a container ID (64 hex digits, "
            "or CID.seq; meta0/meta1 bases also accept a short prefix)",
        )
        parser.add_argument(
            "--service-id",
            metavar="<service-id>",
            action="append",
            help="Query only this peer (repeat for several), e.g. "
            "127.0.0.1:6006",
        )
        from oio_election_sync.oioclient import shell_timeout

        if shell_timeout(self.app) is None:
            # oio 2025.28+ has a global -t/--timeout that would swallow ours
            parser.add_argument(
                "--timeout",
                metavar="<seconds>",
                help="Time budget toward the proxy, in seconds (default 30); "
                "a peer that does not answer within it shows as timeout",
            )
        parser.add_argument(
            "--exit-zero",
            action="store_true",
            help="Exit 0 whatever the verdict (3, 4, 5), as the built-in did; "
            "a refused sync, a bad argument or a failed request still "
            "exit non-zero",
        )
        if self.many:
            parser.add_argument(
                "--from-file",
                metavar="<file>",
                help="Read references from FILE ('-' for stdin): one per "
                "line, or '--cid ID'; blank lines and '#' comments ignored",
            )
            parser.add_argument(
                "--workers",
                metavar="<n>",
                default=None,
                help="Bases processed at once (default 32, at most 256)",
            )
        return parser

    # --- arguments -> targets ----------------------------------------------
    def validate(self, parsed_args):
        from oio_election_sync.bulk import MAX_WORKERS

        if getattr(parsed_args, "timeout", None) is not None:
            parsed_args.timeout = _number(
                "--timeout",
                parsed_args.timeout,
                float,
                lambda v: 0 < v <= 86400,
                "a number of seconds above 0",
            )
        if getattr(parsed_args, "workers", None) is not None:
            parsed_args.workers = _number(
                "--workers",
                parsed_args.workers,
                int,
                lambda v: 1 <= v <= MAX_WORKERS,
                "1 to %d" % MAX_WORKERS,
            )
        if hasattr(parsed_args, "check_type"):
            parsed_args.check_type = _number(
                "--check-type",
                parsed_args.check_type,
                int,
                lambda v: v in (-1, 0, 1, 2),
                "-1, 0, 1 or 2",
            )

    def targets(self, parsed_args):
        from oio_election_sync.oioclient import Target, account_of

        names = parsed_args.reference
        if not isinstance(names, list):
            names = [] if names is None else [names]
        items = [(name, parsed_args.is_cid) for name in names]
        if getattr(parsed_args, "from_file", None):
            items += [
                (name, is_cid or parsed_args.is_cid)
                for name, is_cid in self._read_file(parsed_args.from_file)
            ]
        if not parsed_args.service_type.strip():
            raise ElectionError(
                "missing service type: give one, e.g. "
                "'openio election status meta2 FVE0'",
                X.EXIT_USAGE,
            )
        if not items:
            raise ElectionError(
                "no reference given: name a container, or "
                "use --from-file FILE",
                X.EXIT_USAGE,
            )
        account = None
        targets = []
        for name, is_cid in items:
            if not name.strip():
                raise ElectionError(
                    "empty reference: name a container, or "
                    "give its ID with --cid",
                    X.EXIT_USAGE,
                )
            if is_cid and not re.fullmatch(_CID, name):
                raise ElectionError(
                    "%r is not a container ID: --cid takes 64 hex digits "
                    "(or CID.seq)" % name,
                    X.EXIT_USAGE,
                )
            if not is_cid and account is None:
                account = account_of(self.app)
                if not account:
                    raise ElectionError(
                        "no account for reference %r: pass --oio-account "
                        "ACCOUNT (or set OIO_ACCOUNT), or give a container ID "
                        "with --cid" % name,
                        X.EXIT_USAGE,
                    )
            targets.append(
                Target(
                    parsed_args.service_type,
                    None if is_cid else account,
                    None if is_cid else name,
                    name.upper() if is_cid else None,
                    tuple(parsed_args.service_id or ()),
                )
            )
        return targets

    def _read_file(self, path):
        from oio_election_sync.bulk import read_references

        if path == "-":
            return read_references(sys.stdin, "stdin")
        try:
            with open(path) as stream:
                return read_references(stream, path)
        except OSError as exc:
            raise ElectionError(
                "cannot read --from-file %s: %s" % (path, exc.strerror),
                X.EXIT_USAGE,
            ) from exc

    # --- running ------------------------------------------------------------
    def options(self, parsed_args):
        """What the workflow needs besides the target."""
        return parsed_args

    def take_action(self, parsed_args):
        from oio_election_sync import bulk, workflows
        from oio_election_sync.oioclient import Session

        self.validate(parsed_args)
        targets = self.targets(parsed_args)
        session = Session(self.app, getattr(parsed_args, "timeout", None))
        workflow = getattr(workflows, self.action)
        options = self.options(parsed_args)
        progress = bulk.Progress(len(targets), self.app.stderr)
        reports, self._interrupted = bulk.run_bases(
            lambda target: workflow(session, target, options),
            targets,
            getattr(parsed_args, "workers", None) or bulk.DEFAULT_WORKERS,
            progress,
        )
        progress.close()
        reports.sort(key=lambda report: report.target.name)
        self._reports = reports
        if len(targets) == 1 and reports and reports[0].rows is None:
            raise ElectionError(reports[0].summary, reports[0].exit_code)
        return self._rows(parsed_args, reports, len(targets) > 1)

    def _rows(self, parsed_args, reports, several):
        columns = self.columns + self.extra_columns(parsed_args)
        if several:
            columns = ("Reference",) + columns + ("Verdict",)
        rows = []
        for report in reports:
            verdict = VERDICT_WORDS.get(report.exit_code, "error")
            if report.rows is None:  # the whole request failed for this base
                rows.append(
                    tuple(
                        {
                            "Reference": report.target.name,
                            "Role": "error",
                            "Message": report.summary,
                            "Verdict": verdict,
                        }.get(c, "")
                        for c in columns
                    )
                )
                continue
            for row in report.rows:
                row = dict(row, Reference=report.target.name, Verdict=verdict)
                rows.append(
                    tuple(
                        self.format_value(c, row.get(c, "")) for c in columns
                    )
                )
        return columns, rows

    def extra_columns(self, parsed_args):
        return ()

    def format_value(self, column, value):
        return value

    replaced = None  # the built-in class the takeover hook replaced

    def run(self, parsed_args):
        self._reports, self._interrupted = [], False
        if getattr(self.app.options, "debug", False):
            self.app.stderr.write(
                "%s: oio-election-sync %s (%s)%s\n"
                % (
                    self.cmd_name,
                    __version__,
                    takeover.describe(type(self)),
                    ", in place of " + self.replaced if self.replaced else "",
                )
            )
        try:
            super().run(parsed_args)
        except KeyboardInterrupt:
            self.app.stderr.write("interrupted\n")
            return X.EXIT_INTERRUPTED
        except ElectionError as error:
            if getattr(self.app.options, "debug", False):
                LOG.exception("%s", error)
            self.app.stderr.write("%s\n" % error)
            return error.exit_code
        return self._finish(parsed_args)

    def _finish(self, parsed_args):
        reports = self._reports
        quiet = getattr(self.app.options, "verbose_level", 1) == 0
        for report in reports:
            if report.exit_code != X.EXIT_OK or (
                len(reports) == 1 and not quiet
            ):
                self.app.stderr.write("%s\n" % report.summary)
        code = X.worst(report.exit_code for report in reports)
        if len(reports) > 1 and not quiet:
            bad = sum(1 for report in reports if report.exit_code != X.EXIT_OK)
            self.app.stderr.write(
                "%d bases: %d ok, %d not ok\n"
                % (len(reports), len(reports) - bad, bad)
            )
        if self._interrupted:
            self.app.stderr.write(
                "interrupted: %d base(s) done, the others "
                "not started\n" % len(reports)
            )
            return X.EXIT_INTERRUPTED
        if parsed_args.exit_zero and code in X.VERDICTS:
            return X.EXIT_OK
        return code


class ElectionStatus(ElectionCommand):
    """Show who is master and slave of a base, and whether every copy matches.

    One row per peer: the proxy's status (200 master, 303 slave naming its
    master, other codes: the peer's error), its Role, and with the default
    --check, whether its copy of the base's admin table matches the master's
    (a slave that lost 'sys.m2.ctime' looks healthy to the election and
    breaks 'openio container show' one call in three). The verdict is printed
    on stderr; the exit code says it.
    """

    action = "status"
    many = True

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _switch(
            parser,
            "check",
            True,
            "Compare each peer's admin table (sys.*, version:*, user "
            "properties; not the per-file stats.*) with the master's "
            "(default; one parallel request per peer)",
            "Only ask the election, as the built-in command does",
        )
        return parser

    def extra_columns(self, parsed_args):
        return ("Copy",) if parsed_args.check else ()


class ElectionSync(ElectionCommand):
    """Make every slave fetch a fresh copy of a base from its master.

    Before asking, a pre-flight checks that there is exactly one reachable
    master, that the slaves agree on it, and that the master's own copy
    exists and holds the system keys of its type: sync copies whatever the
    master holds, so a damaged master would damage every slave. It refuses
    otherwise (--force overrides). With --wait it follows each slave's
    election log until its resync ends, and re-reads its copy.
    """

    action = "sync"
    many = True
    columns = ("Id", "Status", "Message", "Body", "Role", "Result")

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--check-type",
            default=2,
            metavar="{-1,0,1,2}",
            help="Check the master runs on its base before sending it to "
            "a slave: 2 integrity_check, reads the whole base (default: "
            "catches "
            "a corrupt master before it spreads; costs a full read of "
            "the base on the master); 1 quick_check (cheaper, but the "
            "server skips it on a peer's first sync); 0 no check; -1 "
            "server default (also skipped on a first sync)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Run the pre-flight and show what sync would do; change "
            "nothing",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Sync even when the pre-flight finds the master doubtful",
        )
        _switch(
            parser,
            "wait",
            None,
            "Wait for each slave's SYNC_OK/SYNC_KO and re-check its copy, "
            "within --timeout (default when stderr is a terminal)",
            "Return as soon as the resyncs are triggered",
        )
        return parser

    def options(self, parsed_args):
        from oio_election_sync.bulk import isatty

        if parsed_args.wait is None:
            parsed_args.wait = isatty(self.app.stderr)
        parsed_args.progress = self._progress if parsed_args.wait else None
        return parsed_args

    def _progress(self, line):
        if getattr(self.app.options, "verbose_level", 1) > 0:
            self.app.stderr.write("%s\n" % line)


class ElectionDebug(ElectionCommand):
    """Show each peer's own view of the election: state, master, peers,
    ZooKeeper node and newest log entries (the whole body with -f json)."""

    action = "debug"
    columns = ("Id", "Status", "Message", "Body", "Role")

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--human",
            action="store_true",
            help="Show log timestamps as local dates, newest first",
        )
        return parser

    def format_value(self, column, value):
        if column == "Body":
            from oio_election_sync.columns import DebugBody

            return DebugBody(value)
        return value
