"""``openio election status|sync|debug|repair``: each command is its parser
and its help.

Imported on every ``openio election ...`` call (stevedore loads every
entry point of the group): it imports only argparse helpers and the
exit-code table. What a command does once parsed is loaded when it runs
(runtime.py).
"""

import importlib

from cliff.lister import Lister

from oio_election_sync import __version__
from oio_election_sync import arguments as A
from oio_election_sync import exitcodes as X
from oio_election_sync import takeover

# cliff imports this module while loading the group, before it warns about
# the names oio registers too; the takeover hook settles those names.
takeover.quiet_duplicate_warning()

DEFAULT_WORKERS = A.DEFAULT_WORKERS


def _runtime():
    """The rest of the plugin, loaded when a command runs."""
    return importlib.import_module("oio_election_sync.runtime")


def _note_check_type(app, session, dry_run, check_type):
    """Said once, before the bases: what this oio cannot send."""
    if not session.caps.check_type and not dry_run:
        app.stderr.write(
            "note: this oio's election_sync has no check_type (oio 6.0 to "
            "7.1): check type %d is not sent, the master's check is left to "
            "the server\n" % check_type
        )


def _table(parsed_args):
    return getattr(parsed_args, "formatter", "table") == "table"


class ElectionCommand(Lister):
    """Base of the election commands."""

    workflow = None  # its name in workflows.WORKFLOWS
    columns = ("Id", "Status", "Message", "Role")
    many = False  # several references / --from-file
    replaced = None  # the built-in class the takeover hook replaced
    run_ = None  # bulk.Run, while the command runs

    def get_epilog(self):
        return (
            "%s\n\nImplementation: oio-election-sync %s. Set %s=1\n"
            "to run oio's built-in command instead."
            % (X.help_text(), __version__, takeover.BUILTIN_ENV)
        )

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        A.keep_lines(A.intermixed(parser))
        # oio 2025.28+ has a global -t/--timeout that would swallow ours
        own_timeout = _runtime().shell_timeout(self.app) is None
        A.base_arguments(parser, self.many, own_timeout)
        self.add_arguments(parser)
        return parser

    def add_arguments(self, parser):
        """The command's own options."""

    def extra_columns(self, parsed_args):
        return ()

    def base_columns(self, parsed_args):
        """The columns of a peer's row."""
        return tuple(self.columns) + tuple(self.extra_columns(parsed_args))

    def wrappers(self, parsed_args):
        """``{column: callable}`` for cells printed as objects."""
        return {}

    def before_run(self, session, options):
        """What a command says once, before the bases."""

    def progress(self, line):
        """One base's progress (sync --wait, repair) on stderr, unless -q."""
        if getattr(self.app.options, "verbose_level", 1) > 0:
            self.app.stderr.write("%s\n" % line)

    def take_action(self, parsed_args):
        return _runtime().take_action(self, parsed_args)

    def run(self, parsed_args):
        return _runtime().run(self, parsed_args, super().run)


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

    workflow = "status"
    many = True

    def add_arguments(self, parser):
        A.switch(
            parser,
            "check",
            True,
            "Check every copy (default): 'has' on each peer, then its admin "
            "table (sys.*, version:*, user properties; not the per-file "
            "stats.*), read locally and compared with the others",
            "Only ask the election, as the built-in command does",
        )
        A.copies_first(parser)

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

    workflow = "sync"
    many = True
    columns = ("Id", "Status", "Message", "Body", "Role", "Result")

    def add_arguments(self, parser):
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
        A.file_check(parser)
        A.write_limits(parser)
        A.switch(
            parser,
            "wait",
            True,
            "Wait for each slave's SYNC_OK/SYNC_KO and re-check its copy, "
            "within the time budget (default, at a terminal or not)",
            "Return as soon as the resyncs are triggered: nothing is "
            "verified, and the last line says so",
        )

    def before_run(self, session, options):
        _note_check_type(
            self.app, session, options.dry_run, options.check_type
        )


class ElectionDebug(ElectionCommand):
    """Show each peer's own view of the election: state, master, peers,
    ZooKeeper node and newest log entries (the whole body with -f json)."""

    workflow = "debug"
    columns = ("Id", "Status", "Message", "Body", "Role")

    def add_arguments(self, parser):
        parser.add_argument(
            "--human",
            action="store_true",
            help="Show log timestamps as local dates, newest first",
        )

    def wrappers(self, parsed_args):
        columns = importlib.import_module("oio_election_sync.columns")
        human = parsed_args.human
        return {"Body": lambda body: columns.debug_body(body, human)}


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

    workflow = "repair"
    many = True
    columns = ("Id", "Role", "Copy", "Action", "Why", "Backup", "Result")

    def add_arguments(self, parser):
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
        A.file_check(parser)
        A.copies_first(parser)
        A.write_limits(parser)

    def before_run(self, session, options):
        _note_check_type(self.app, session, options.dry_run, 2)

    def base_columns(self, parsed_args):
        # a table stays within 120 columns: Why is in the other formats,
        # or asked for with -c Why
        columns = super().base_columns(parsed_args)
        asked = getattr(parsed_args, "columns", None) or ()
        if _table(parsed_args) and "Why" not in asked:
            columns = tuple(c for c in columns if c != "Why")
        return columns

    def wrappers(self, parsed_args):
        if not _table(parsed_args):
            return {}
        # the backup's path is in -f json, the audit log and the summary
        return {
            "Backup": lambda cell: "kept" if cell.startswith("/") else cell
        }


takeover.register(ElectionStatus, ElectionSync, ElectionDebug, ElectionRepair)
