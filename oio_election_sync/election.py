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
            "%s\nImplementation: oio-election-sync %s (%s=1: oio's own)."
            % (
                X.help_text(),
                __version__,
                takeover.BUILTIN_ENV,
            )
        )

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        A.keep_lines(A.intermixed(parser))
        # oio 2025.28+ has a global -t/--timeout that would swallow ours
        own_timeout = _runtime().shell_timeout(self.app) is None
        self.add_arguments(A.base_arguments(parser, self.many, own_timeout))
        return parser

    def add_arguments(self, groups):
        """The command's own options, in ``groups`` (arguments.groups)."""

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
    """Show each peer's role and whether its copy matches; change nothing.

    examples:
      openio election status meta2 FVE0 --oio-account ACCOUNT
      openio election status meta2 --from-service 127.0.0.1:6005 \\
          --by-base --only-problems -f value -c CID > damaged.txt
    """

    workflow = "status"
    many = True

    def add_arguments(self, groups):
        A.switch(
            groups["check"],
            "check",
            True,
            "Compare every copy's admin table (default)",
            "Only ask the election, as the built-in",
        )
        A.copies_first(groups["check"])

    def extra_columns(self, parsed_args):
        return ("Copy",) if parsed_args.check else ()


class ElectionSync(ElectionCommand):
    """Resync every slave of a base from a sane master, and verify it.

    examples:
      openio election sync meta2 FVE0 --oio-account ACCOUNT --dry-run
      openio election sync meta2 --from-file refs.txt --yes --max-changes 50
    """

    workflow = "sync"
    many = True
    columns = ("Id", "Status", "Message", "Body", "Role", "Result")

    def add_arguments(self, groups):
        groups["check"].add_argument(
            "--check-type",
            default=2,
            metavar="<n>",
            help="Master's check: 2 integrity (default), 1 quick, 0, -1",
        )
        A.file_check(groups["check"])
        safety = groups["safety"]
        safety.add_argument(
            "--dry-run",
            action="store_true",
            help="Run the pre-flight, show what sync would do",
        )
        safety.add_argument(
            "--force",
            action="store_true",
            help="Sync a doubtful master (never a corrupt file)",
        )
        A.write_limits(safety)
        A.switch(
            groups["time"],
            "wait",
            True,
            "Wait for each slave's outcome and verify it (default)",
            "Return once triggered: nothing verified",
        )

    def before_run(self, session, options):
        _note_check_type(
            self.app, session, options.dry_run, options.check_type
        )


class ElectionDebug(ElectionCommand):
    """Show each peer's own view of the election of a base; change nothing.

    examples:
      openio election debug meta2 FVE0 --oio-account ACCOUNT --human
      openio election debug meta2 FVE0 --service-id 127.0.0.1:6006 -f json
    """

    workflow = "debug"
    columns = ("Id", "Status", "Message", "Body", "Role")

    def add_arguments(self, groups):
        groups["output"].add_argument(
            "--human",
            action="store_true",
            help="Log times as local dates, newest first",
        )

    def wrappers(self, parsed_args):
        columns = importlib.import_module("oio_election_sync.columns")
        human = parsed_args.human
        return {"Body": lambda body: columns.debug_body(body, human)}


class ElectionRepair(ElectionCommand):
    """Repair a base from any damaged copy, with backups, and verify it.

    examples:
      openio election repair meta2 FVE0 --oio-account ACCOUNT --dry-run
      openio election repair meta2 --cid --from-file damaged.txt --yes

    Copy and Action: what was read and done; Role and Result: after.
    """

    workflow = "repair"
    many = True
    columns = ("Id", "Role", "Copy", "Action", "Why", "Backup", "Result")

    def add_arguments(self, groups):
        A.file_check(groups["check"])
        A.copies_first(groups["check"])
        safety = groups["safety"]
        safety.add_argument(
            "--dry-run",
            action="store_true",
            help="Read the base and show the plan",
        )
        safety.add_argument(
            "--force",
            action="store_true",
            help="Overwrite a newer or diverged copy from the master",
        )
        safety.add_argument(
            "--no-backup",
            action="store_true",
            help="Keep no <file>.repair-<UTC>-<hex> of a changed copy",
        )
        A.write_limits(safety)

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
