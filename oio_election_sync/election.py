"""``openio election status|sync|debug``: arguments in, rows and exit code out.

The commands are thin: oio knowledge lives in oioclient, interpretation of
peers in peers, the per-base work in workflows, words in render. This module
is imported on every ``openio election ...`` call: it imports nothing else
of the plugin until a command runs.
"""

import argparse
import logging
import os

from cliff.lister import Lister

from oio_election_sync import __version__
from oio_election_sync import exitcodes as X
from oio_election_sync import takeover
from oio_election_sync.exitcodes import ElectionError

LOG = logging.getLogger(__name__)

# cliff imports this module while loading the group, before it warns about
# the names oio registers too; the takeover hook settles those names.
takeover.quiet_duplicate_warning()

MAX_WORKERS = 256
DEFAULT_WORKERS = 32


def _epilog():
    return (
        "%s\n\nImplementation: oio-election-sync %s. Set %s=1\n"
        "to run oio's built-in command instead."
        % (
            X.help_text(),
            __version__,
            takeover.BUILTIN_ENV,
        )
    )


def _number(option, text, convert, valid, expected):
    """Options are validated here, not by argparse: argparse's exit code
    depends on the cliff version (2 with cliff 4, 1 with cliff 3)."""
    try:
        value = convert(text)
    except (TypeError, ValueError, OverflowError):
        value = None
    if value is None or value != value or not valid(value):
        raise ElectionError(
            "%s takes %s, not %r" % (option, expected, text), X.EXIT_USAGE
        )
    return value


def _switch(parser, name, default, help_on, help_off):
    """``--NAME`` / ``--no-NAME`` setting one destination."""
    parser.add_argument(
        "--" + name,
        dest=name.replace("-", "_"),
        action="store_true",
        default=default,
        help=help_on,
    )
    parser.add_argument(
        "--no-" + name,
        dest=name.replace("-", "_"),
        action="store_false",
        help=help_off,
    )


def _file_check(parser):
    _switch(
        parser,
        "file-check",
        True,
        "Before copying a master's copy to other peers, have the master "
        "check its FILE (default): oio's own check of what a sync sends "
        "runs on the master's open handle, whose cached pages can hide a "
        "corrupt file. A byte copy of the file is made beside it, the "
        "master runs its dump check (quick_check) on that copy, and the "
        "copy is removed; a corrupt file is never sent (oio 9.0+)",
        "Skip that check: what is sent is then checked only through the "
        "master's open handle",
    )


def clean(text):
    """Foreign text on one line (render.clean, imported when needed)."""
    from oio_election_sync.render import clean

    return clean(text)


def _note_check_type(app, session, parsed_args, check_type):
    """Said once, before the bases: what this oio cannot send."""
    if not session.caps.check_type and not parsed_args.dry_run:
        app.stderr.write(
            "note: this oio's election_sync has no check_type (oio 6.0 to "
            "7.1): check type %d is not sent, the master's check is left to "
            "the server\n" % check_type
        )


def _copies_first(parser):
    parser.add_argument(
        "--copies-first",
        action="store_true",
        help="Read the copies first (has and local reads, which wake no "
        "election) and ask the election only of bases whose copies are not "
        "all present and equal: across a whole service, one election spared "
        "per healthy base",
    )


class _ArgumentError(Exception):
    pass


def _raise_argument_error(message):
    raise _ArgumentError(message)


def _keep_lines(parser):
    """The description and the exit-code table keep their own lines."""
    parser.formatter_class = type(
        "KeepLines",
        (argparse.RawDescriptionHelpFormatter, parser.formatter_class),
        {},
    )
    return parser


def _intermixed(parser):
    """Options before, between and after the positionals, as oio's
    built-in accepts them (``status meta2 --cid CID``): argparse alone stops
    filling a ``*`` positional at the first option. A parse error is kept
    for run() to report (exit 2): left to argparse, it would exit 2 with
    cliff 4 but 1 with cliff 3."""
    plain = parser.parse_args
    parser.error = _raise_argument_error

    def parse_args(args=None, namespace=None):
        try:
            try:
                return parser.parse_intermixed_args(args, namespace)
            except TypeError:  # a parser intermixed parsing cannot handle
                return plain(args, namespace)
        except _ArgumentError as exc:
            return argparse.Namespace(argument_error=str(exc))

    parser.parse_args = parse_args
    return parser


class ElectionCommand(Lister):
    """Base of the election commands."""

    action = None  # workflow name
    phases = 1  # budgets of --timeout one base may take
    columns = ("Id", "Status", "Message", "Role")
    many = False  # several references / --from-file

    def get_epilog(self):
        return _epilog()

    def get_parser(self, prog_name):
        parser = _keep_lines(_intermixed(super().get_parser(prog_name)))
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
            nargs="*",  # one for debug: checked, for a one-line error
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
                "--from-service",
                metavar="<service-id>",
                help="Every base this service holds: a meta2's bases as rdir "
                "indexes them, a meta1's prefixes from the meta0 mapping, "
                "the meta0 base; listed page by page as the run goes",
            )
            parser.add_argument(
                "--prefix",
                metavar="<NS/account>",
                help="With --from-service meta2: only the bases whose "
                "container URL starts with this (NAMESPACE/ACCOUNT...)",
            )
            parser.add_argument(
                "--marker",
                metavar="<marker>",
                help="With --from-service: start after this container URL "
                "(meta2) or prefix (meta1), as printed by an interrupted run",
            )
            parser.add_argument(
                "--workers",
                metavar="<n>",
                default=None,
                help="Bases processed at once (default %d, at most %d)"
                % (DEFAULT_WORKERS, MAX_WORKERS),
            )
            parser.add_argument(
                "--only-problems",
                action="store_true",
                help="Print only the rows of bases whose verdict is not ok "
                "(the totals still count every base)",
            )
        return parser

    # --- arguments ---------------------------------------------------------
    def timeout(self, parsed_args):
        """One budget, whichever option set it (ours, or the shell's)."""
        from oio_election_sync.oioclient import (
            DEFAULT_TIMEOUT,
            MAX_TIMEOUT,
            shell_timeout,
        )

        given = getattr(parsed_args, "timeout", None)
        option = "--timeout"
        if given is None:
            given, option = shell_timeout(self.app), "-t/--timeout"
        if given is None:
            return DEFAULT_TIMEOUT
        return _number(
            option,
            given,
            float,
            lambda v: 0 < v <= MAX_TIMEOUT,
            "a number of seconds above 0 (at most %d)" % MAX_TIMEOUT,
        )

    def validate(self, parsed_args):
        parsed_args.timeout = self.timeout(parsed_args)
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
        service = getattr(parsed_args, "from_service", None)
        for option in ("prefix", "marker"):
            if getattr(parsed_args, option, None) and not service:
                raise ElectionError(
                    "--%s goes with --from-service" % option, X.EXIT_USAGE
                )
        if getattr(parsed_args, "prefix", None) and (
            parsed_args.service_type != "meta2"
        ):
            raise ElectionError(
                "--prefix lists meta2 bases only", X.EXIT_USAGE
            )
        prefix = getattr(parsed_args, "prefix", None)
        marker = getattr(parsed_args, "marker", None)
        if prefix and marker and not marker.startswith(prefix):
            # rdir would list nothing, or skip to another account
            raise ElectionError(
                "--marker %r is outside --prefix %r: the marker must start "
                "with the prefix (both are NS/account/container URLs)"
                % (marker, prefix),
                X.EXIT_USAGE,
            )
        if not self.many and len(parsed_args.reference) > 1:
            raise ElectionError(
                "%s takes one reference, got %d"
                % (self.cmd_name, len(parsed_args.reference)),
                X.EXIT_USAGE,
            )

    def several(self, parsed_args):
        """Whether the output names the base of each row (known before
        anything is read, so that -c can be checked first)."""
        return (
            len(parsed_args.reference) > 1
            or bool(getattr(parsed_args, "from_file", None))
            or bool(getattr(parsed_args, "from_service", None))
        )

    def output_columns(self, parsed_args):
        columns = self.columns + self.extra_columns(parsed_args)
        if self.several(parsed_args):
            # CID only when asked for (-c CID): what --cid --from-file
            # reads back, e.g. a scan's problems fed to a repair
            cid = (
                ("CID",)
                if "CID" in (getattr(parsed_args, "columns", None) or ())
                else ()
            )
            columns = ("Reference",) + cid + columns + ("Verdict",)
        return columns

    def check_columns(self, parsed_args, columns):
        unknown = [
            c
            for c in getattr(parsed_args, "columns", None) or ()
            if c not in columns
        ]
        if unknown:
            raise ElectionError(
                "unknown column %s for -c: choose among %s"
                % (", ".join(repr(c) for c in unknown), ", ".join(columns)),
                X.EXIT_USAGE,
            )

    def targets(self, parsed_args):
        """The bases, lazily; argument errors of the command line (and of a
        file that can be read twice) are raised before anything is sent."""
        from oio_election_sync import references
        from oio_election_sync.oioclient import account_of

        resolver = references.Resolver(
            parsed_args.service_type,
            lambda: account_of(self.app),
            parsed_args.service_id,
        )
        items = [
            ("", name, parsed_args.is_cid) for name in parsed_args.reference
        ]
        path = getattr(parsed_args, "from_file", None)
        service = getattr(parsed_args, "from_service", None)
        if not items and not path and not service:
            raise ElectionError(
                (
                    "no reference given: name a container, or use --from-file "
                    "FILE or --from-service SERVICE_ID"
                    if self.many
                    else "no reference given: name a container, or give its ID "
                    "with --cid"
                ),
                X.EXIT_USAGE,
            )
        parts = [list(resolver.targets(items))]  # checked now
        if path:
            regular = path != "-"  # stdin is checked as it is read
            is_cid = parsed_args.is_cid
            checked = regular and references.check_file(path, is_cid, resolver)
            if regular and checked == 0:
                empty = self._empty(parsed_args)
                if empty is not None:
                    raise empty
            stdin = getattr(self.app, "stdin", None)
            parts.append(
                resolver.targets(
                    references.file_items(path, stdin, parsed_args.is_cid)
                )
            )
        if service:
            listing = references.service_targets(
                self.app,
                parsed_args.service_type,
                service,
                parsed_args.prefix,
                parsed_args.marker,
            )
            # its first base now: a typo, a bad marker or a listing that
            # cannot start is said before any other base runs
            first = next(listing, None)
            parts.append(_chain([first] if first else [], listing))
        return _chain(*parts)

    # --- running -------------------------------------------------------------
    def options(self, parsed_args):
        """What the workflow needs besides the base."""
        return parsed_args

    def take_action(self, parsed_args):
        from oio_election_sync import bulk
        from oio_election_sync.oioclient import Session

        self.validate(parsed_args)
        columns = self.output_columns(parsed_args)
        self.check_columns(parsed_args, columns)
        targets = self.targets(parsed_args)
        session = Session(
            self.app,
            parsed_args.timeout,
            workers=getattr(parsed_args, "workers", None) or DEFAULT_WORKERS,
        )
        self.before_run(session, parsed_args)
        self._run = bulk.Run(
            self.action,
            self.workflow(),
            session,
            self.options(parsed_args),
            self.app.stderr,
            quiet=getattr(self.app.options, "verbose_level", 1) == 0,
            phases=self.phases,
        )
        several = self.several(parsed_args)
        self._only_problems = getattr(parsed_args, "only_problems", False)
        formatter = getattr(parsed_args, "formatter", "table")
        # json and yaml escape what they need; text formats get clean text
        self._clean_cells = formatter not in ("json", "yaml")
        if not several:
            report = self._run.one(next(iter(targets)))
            if report.rows is None:
                raise ElectionError(
                    self._run.summary(report), report.exit_code
                )
            # a list: cliff's --sort-column would consume a generator
            return columns, list(self._rows(report, columns, several))
        # the first base is read now: a listing that cannot even start
        # (no rdir) is one line, not an empty table
        first = next(targets, None)
        if first is not None:
            targets = _chain([first], targets)
        rows = self._run.many(targets, parsed_args.workers or DEFAULT_WORKERS)
        rows = (
            row
            for report in rows
            for row in self._rows(report, columns, several)
        )
        sort = formatter == "table" or getattr(
            parsed_args, "sort_columns", None
        )
        # these formatters write each row as it comes; the others hold all
        self._run.hold_rows = sort or formatter not in ("json", "value", "csv")
        self._run.flush = self.app.stdout.flush
        if sort:
            # the table waits for every base anyway; a sort needs them all
            rows = sorted(rows, key=lambda row: row[0])
        elif formatter == "json":
            from oio_election_sync.columns import StreamingJSON

            self.formatter = StreamingJSON()  # a row as each base finishes
        return columns, rows

    def before_run(self, session, parsed_args):
        """A hook for what a command says once, before the bases."""

    def _progress(self, line):
        """One base's progress (sync --wait, repair) on stderr, unless -q."""
        if getattr(self.app.options, "verbose_level", 1) > 0:
            self.app.stderr.write("%s\n" % line)

    def _empty(self, parsed_args):
        """What a run with no base at all means: an empty --from-file is a
        bad argument; a service that holds no base is a fine answer."""
        path = getattr(parsed_args, "from_file", None)
        service = getattr(parsed_args, "from_service", None)
        if path and not service and not parsed_args.reference:
            return ElectionError(
                "no reference in --from-file %s: one container per line, or "
                "'--cid ID'" % ("(stdin)" if path == "-" else path),
                X.EXIT_USAGE,
            )
        return None

    def workflow(self):
        """What the command does to one base (workflows.<action>)."""
        from oio_election_sync import workflows

        return getattr(workflows, self.action)

    def _rows(self, report, columns, several):
        from oio_election_sync import render

        if (
            self._only_problems
            and report.exit_code == X.EXIT_OK
            and not report.changed
        ):
            return
        verdict = render.verdict(report.exit_code)
        if report.rows is None:  # the whole request failed for this base
            cells = {
                "Reference": report.target.name,
                "CID": report.target.base_cid,
                "Role": "error",
                "Message": self._run.summary(report),
                "Verdict": verdict,
            }
            yield tuple(
                self._cell(c, cells.get(c, ""), report) for c in columns
            )
            return
        for row in report.rows:
            row = dict(
                row,
                Reference=report.target.name,
                CID=report.target.base_cid,
                Verdict=verdict,
            )
            yield tuple(
                self.format_value(c, self._cell(c, row.get(c, ""), report))
                for c in columns
            )

    def _cell(self, column, value, report):
        from oio_election_sync import render

        value = render.cell(column, value, report)
        if self._clean_cells and isinstance(value, str):
            return render.clean(value)
        return value

    def extra_columns(self, parsed_args):
        return ()

    def format_value(self, column, value):
        return value

    replaced = None  # the built-in class the takeover hook replaced

    def run(self, parsed_args):
        self._run = None
        debug = getattr(self.app.options, "debug", False)
        if debug:
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
            if getattr(parsed_args, "argument_error", None):
                raise ElectionError(
                    "%s: %s (see 'openio %s --help')"
                    % (
                        self.cmd_name,
                        parsed_args.argument_error,
                        self.cmd_name,
                    ),
                    X.EXIT_USAGE,
                )
            super().run(parsed_args)
            self.app.stdout.flush()  # rows held in a buffer are out now
        except KeyboardInterrupt:  # outside the wait: stdout is blocked
            self._discard_stdout()
            if self._run is None:
                self.app.stderr.write("interrupted\n")
                return X.EXIT_INTERRUPTED
            self._run.output_lost()
            return self._run.finish()
        except BrokenPipeError:  # '| head' went away
            self._discard_stdout()
            if self._run is None:
                return X.EXIT_CLOSED
            self._run.output_lost(closed=True)
            return self._run.finish()
        except ElectionError as error:
            if debug:
                LOG.exception("%s", error)
            self.app.stderr.write("%s\n" % clean(str(error)))
            return error.exit_code
        except Exception as exc:  # never exit 1 with a bare traceback
            LOG.debug("%s failed", self.cmd_name, exc_info=True)
            if self._run is not None:
                self._run.report_sent()
            self.app.stderr.write(
                "%s: %s: %s; run with --debug for details\n"
                % (self.cmd_name, type(exc).__name__, clean(str(exc)))
            )
            return X.EXIT_ERROR
        return self._finish(parsed_args)

    def _discard_stdout(self):
        """Point stdout at /dev/null: what Python still holds for it would
        block the exit (a full pipe) or fail it (a closed one)."""
        try:
            fd = self.app.stdout.fileno()
        except (AttributeError, OSError, ValueError):
            return  # not a file (tests): nothing to flush at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)

    def _finish(self, parsed_args):
        self._run.output_done()
        return self._run.finish(
            self._empty(parsed_args), exit_zero=parsed_args.exit_zero
        )


def _chain(*parts):
    for part in parts:
        yield from part


class ElectionStatus(ElectionCommand):
    """Show who is master and slave of a base, and whether every copy matches.

    One row per peer: the proxy's status (200 master, 303 slave naming its
    master, other codes: the peer's error), its Role, and with the default
    --check, the state of its copy: each peer's admin table is read where it
    lies (no election woken) and compared with the others (a slave that lost
    'sys.m2.ctime' looks healthy to the election and breaks 'openio
    container show' one call in three). A copy whose file is gone is
    reported, even when the election re-creates it meanwhile. The verdict
    is printed on stderr; the exit code says it.
    """

    action = "status"
    many = True

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _switch(
            parser,
            "check",
            True,
            "Check every copy (default): 'has' on each peer, then its admin "
            "table (sys.*, version:*, user properties; not the per-file "
            "stats.*), read locally and compared with the others",
            "Only ask the election, as the built-in command does",
        )
        _copies_first(parser)
        return parser

    def extra_columns(self, parsed_args):
        return ("Copy",) if parsed_args.check else ()


class ElectionSync(ElectionCommand):
    """Make every slave fetch a fresh copy of a base from its master.

    Before asking, a pre-flight reads the base as 'status' does and checks
    that there is exactly one master, that the slaves agree on it, and that
    the master's own copy exists, holds the system keys of its type and is
    not the odd one out: sync copies whatever the master holds, so a damaged
    master would damage every slave. It refuses otherwise (--force
    overrides; 'openio election repair' fixes it). With --wait it follows
    each slave's election log until its resync ends, and re-reads its copy.
    """

    action = "sync"
    phases = 3  # pre-flight, trigger, --wait
    many = True
    columns = ("Id", "Status", "Message", "Body", "Role", "Result")

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--check-type",
            default=2,
            metavar="{-1,0,1,2}",
            help="Check the master runs on its base before sending it to "
            "a slave: 2 integrity_check (default; a full read of the base "
            "on the master, through its open handle: pages it holds in "
            "cache are not re-read from disk); 1 quick_check (cheaper, but "
            "the "
            "server skips it on a peer's first sync); 0 no check; -1 "
            "server default (also skipped on a first sync). oio 6.0 to 7.1 "
            "cannot send it: the command then says so",
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
            help="Sync even when the pre-flight finds the master doubtful "
            "(never a master whose file fails the file check)",
        )
        _file_check(parser)
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
        # one base: its slaves' progress; many: the progress line of bulk
        parsed_args.progress = (
            self._progress
            if parsed_args.wait and not self.several(parsed_args)
            else None
        )
        return parsed_args

    def before_run(self, session, parsed_args):
        _note_check_type(
            self.app, session, parsed_args, parsed_args.check_type
        )


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
            from oio_election_sync.columns import DebugBody, human_log

            return DebugBody(human_log(value) if self._human else value)
        return value

    def take_action(self, parsed_args):
        self._human = parsed_args.human
        return super().take_action(parsed_args)


class ElectionRepair(ElectionCommand):
    """Repair a base from any damaged copy, and verify it.

    Reads the base as 'status' does (has, each peer's own copy, the
    election), chooses the repair, and shows it as a plan, one row per peer:
    a slave whose copy differs, lacks keys or is missing is resynced from
    the master (check type 2); a master that only lacks sys.* keys that
    every slave holds with one value gets them written through it (the write
    is replicated); a master that is otherwise the odd one out (the slaves
    agree, it differs) leaves the election, a peer of the agreeing copies
    takes over, and the old master is resynced from it. With no sane copy
    to repair from, no master or two masters, nothing is changed. Before a
    copy is changed, a backup of it is kept beside it (oio 9.0+). After
    acting, the base is read again: exit 0 only when it is healthy.
    """

    action = "repair"
    phases = 5  # read, act, trigger, wait, read again
    many = True
    columns = ("Id", "Role", "Copy", "Action", "Why", "Backup", "Result")

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read the base and show the plan; change nothing",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Repair even where it would overwrite a copy ahead of the "
            "source (a newer version, rows the source lacks) or copies "
            "that diverged: the master's copy is then the source, and a "
            "backup of every changed copy is kept",
        )
        parser.add_argument(
            "--no-backup",
            action="store_true",
            help="Do not keep a copy of each changed base file beside it "
            "(<base file>.repair-<UTC time>, made by the peer itself)",
        )
        _file_check(parser)
        _copies_first(parser)
        return parser

    def workflow(self):
        from oio_election_sync.repair import repair

        return repair

    def before_run(self, session, parsed_args):
        _note_check_type(self.app, session, parsed_args, 2)

    def options(self, parsed_args):
        parsed_args.progress = (
            self._progress if not self.several(parsed_args) else None
        )
        return parsed_args
