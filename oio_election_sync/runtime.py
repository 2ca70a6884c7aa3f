"""What an election command does once its arguments are parsed: check
them, list the bases, run the workflow over them, hand rows to cliff and
map whatever happens to one exit code.

Loaded by the commands when they run (never when ``openio`` only lists
them): everything below the command line is imported from here.
"""

import logging
import os

from oio_election_sync import __version__
from oio_election_sync import arguments as A
from oio_election_sync import bulk
from oio_election_sync import exitcodes as X
from oio_election_sync import options as O
from oio_election_sync import references
from oio_election_sync import render
from oio_election_sync import takeover
from oio_election_sync.columns import Record, StreamingJSON
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.limits import Limits
from oio_election_sync.oioclient.calls import AUDIT
from oio_election_sync.oioclient import (
    DEFAULT_TIMEOUT,
    MAX_TIMEOUT,
    Session,
    account_of,
    shell_timeout,
)
from oio_election_sync.output import Output, check_columns, columns_of
from oio_election_sync.text import clean
from oio_election_sync.workflows import WORKFLOWS

LOG = logging.getLogger(__name__)


def timeout(parsed_args, app):
    """One budget, whichever option set it (ours, or the shell's)."""
    given = getattr(parsed_args, "timeout", None)
    option = "--timeout"
    if given is None:
        given, option = shell_timeout(app), "-t/--timeout"
    if given is None:
        return DEFAULT_TIMEOUT
    return A.number(
        option,
        given,
        float,
        lambda v: 0 < v <= MAX_TIMEOUT,
        "a number of seconds above 0 (at most %d)" % MAX_TIMEOUT,
    )


def options_for(command, workflow, parsed_args):
    """The workflow's frozen options, from the arguments and the command."""
    given = {}
    if "progress" in workflow.Options.__dataclass_fields__:
        # one base: its progress lines; many: the progress line of bulk
        several = A.several(parsed_args)
        waits = getattr(parsed_args, "wait", True)
        given["progress"] = (
            None
            if several or not waits
            else lambda event: command.progress(render.waiting(event))
        )
    return O.from_arguments(workflow.Options, parsed_args, **given)


class _NotAudit(logging.Filter):
    def filter(self, record):
        return not record.name.startswith(AUDIT.name)


def audit_to_the_log_only(app):
    """The audit trail goes to the log file and syslog of oio's set-up, not
    to the terminal, where the command says what it did (unless -v)."""
    if getattr(app.options, "verbose_level", 1) >= 2:
        return
    for handler in logging.getLogger("").handlers:
        if type(handler) is logging.StreamHandler and not any(
            isinstance(f, _NotAudit) for f in handler.filters
        ):
            handler.addFilter(_NotAudit())


def take_action(command, parsed_args):
    """``(columns, rows)`` for cliff; what runs is kept as ``command.run_``
    for ``run`` to finish."""
    app = command.app
    audit_to_the_log_only(app)
    A.validate(
        parsed_args, timeout(parsed_args, app), command.many, command.cmd_name
    )
    several = A.several(parsed_args)
    asked = getattr(parsed_args, "columns", None)
    by_base = getattr(parsed_args, "by_base", False)
    columns = columns_of(command.base_columns(parsed_args), several, asked)
    if by_base:
        columns = render.RECORD_COLUMNS
    check_columns(asked, columns)
    targets, total = bases(command, parsed_args)
    workflow = WORKFLOWS[command.workflow]
    options = options_for(command, workflow, parsed_args)
    writes = several and hasattr(parsed_args, "yes") and not options.dry_run
    if writes:
        confirm(command, parsed_args, total)
    workers = getattr(parsed_args, "workers", None) or A.DEFAULT_WORKERS
    session = Session(app, parsed_args.timeout, workers=workers)
    if writes:
        session.limits = limits_of(parsed_args)
    command.before_run(session, options)
    quiet = getattr(app.options, "verbose_level", 1) == 0
    run = command.run_ = bulk.Run(
        workflow, session, options, app.stderr, quiet
    )
    run.progress.total = total
    formatter = getattr(parsed_args, "formatter", "table")
    output = Output(
        columns,
        run.summary,
        getattr(parsed_args, "only_problems", False),
        clean=formatter not in ("json", "yaml"),
        wrap=command.wrappers(parsed_args),
        cell=_cell_type(formatter) if by_base else None,
        table=formatter == "table",
    )
    if not several:
        report = run.one(next(iter(targets)))
        if report.rows is None and not by_base:
            raise ElectionError(run.summary(report), report.exit_code)
        if report.rows is None:  # its record says the error; so does stderr
            run.say(run.summary(report))
        # a list: cliff's --sort-column would consume a generator
        rows = list(output.rows(report))
        if by_base and formatter in ("json", "yaml"):
            rows += list(_run_record(run, output))
        return columns, rows
    # the first base is read now: a listing that cannot even start
    # (no rdir) is one line, not an empty table
    first = next(targets, None)
    if first is not None:
        targets = references.chain([first], targets)
    rows = (
        row
        for report in run.many(targets, workers)
        for row in output.rows(report)
    )
    if by_base and formatter in ("json", "yaml"):
        rows = references.chain(rows, _run_record(run, output))
    sort = formatter == "table" or getattr(parsed_args, "sort_columns", None)
    # these formatters write each row as it comes; the others hold all
    run.hold_rows = sort or formatter not in ("json", "value", "csv")
    run.flush = app.stdout.flush
    if sort:
        # the table waits for every base anyway; a sort needs them all
        rows = sorted(rows, key=lambda row: row[0])
    elif formatter == "json":
        command.formatter = StreamingJSON()  # a row as each base finishes
    return columns, rows


def limits_of(parsed_args):
    """The limits of a bulk write, from its options."""
    limits = Limits(
        parsed_args.max_changes, parsed_args.rate, parsed_args.max_failures
    )
    cap = parsed_args.max_changes
    limits.words = lambda target: render.held_back(target, cap)
    return limits


def confirm(command, parsed_args, total):
    """A write over several bases asks first, unless --yes; where nothing
    can ask, it needs --yes."""
    if parsed_args.yes:
        return
    app = command.app
    stdin = getattr(app, "stdin", None)
    if not bulk.isatty(stdin) or parsed_args.from_file == "-":
        raise ElectionError(render.needs_yes(command.cmd_name), X.EXIT_USAGE)
    app.stderr.write(render.question(command.workflow, parsed_args, total))
    app.stderr.flush()
    if stdin.readline().strip().lower() not in ("y", "yes"):
        raise ElectionError(render.not_confirmed(), X.EXIT_REFUSED)


def _cell_type(formatter):
    """json and yaml read a record's data; tables, value and csv its words
    (cliff's value and csv formatters print a cell's machine form)."""
    if formatter in ("json", "yaml"):
        return Record
    return lambda words, data: words


def _run_record(run, output):
    """The record of the whole run, once every base is done."""
    yield output.record(render.run_record(run.tally, run.tally.worst))


def bases(command, parsed_args):
    """The bases, lazily; argument errors of the command line (and of a
    file that can be read twice) are raised before anything is sent."""
    app = command.app
    resolver = references.Resolver(
        parsed_args.service_type,
        lambda: account_of(app),
        parsed_args.service_id,
    )
    path = getattr(parsed_args, "from_file", None)
    service = getattr(parsed_args, "from_service", None)
    if not parsed_args.reference and not path and not service:
        raise ElectionError(
            "no reference given: name a container, or %s"
            % (
                "use --from-file FILE or --from-service SERVICE_ID"
                if command.many
                else "give its ID with --cid"
            ),
            X.EXIT_USAGE,
        )
    return references.bases(
        resolver,
        parsed_args,
        app,
        empty=lambda: empty_run(parsed_args),
    )


def empty_run(parsed_args):
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


def run(command, parsed_args, run_cliff):
    """The command's exit code, whatever happens: a verdict, a bad
    argument, Ctrl-C, a closed stdout, an error; never a traceback."""
    command.run_ = None
    app = command.app
    debug = getattr(app.options, "debug", False)
    if debug:
        replaced = getattr(command, "replaced", None)
        app.stderr.write(
            "%s: oio-election-sync %s (%s)%s\n"
            % (
                command.cmd_name,
                __version__,
                takeover.describe(type(command)),
                ", in place of " + replaced if replaced else "",
            )
        )
    try:
        if getattr(parsed_args, "argument_error", None):
            raise ElectionError(
                "%s: %s (see 'openio %s --help')"
                % (
                    command.cmd_name,
                    parsed_args.argument_error,
                    command.cmd_name,
                ),
                X.EXIT_USAGE,
            )
        run_cliff(parsed_args)
        app.stdout.flush()  # rows held in a buffer are out now
    except KeyboardInterrupt:  # outside the wait: stdout is blocked
        return _stopped(command, closed=False)
    except BrokenPipeError:  # '| head' went away
        return _stopped(command, closed=True)
    except ElectionError as error:
        if debug:
            LOG.exception("%s", error)
        app.stderr.write("%s\n" % clean(str(error)))
        return error.exit_code
    except Exception as exc:  # never exit 1 with a bare traceback
        LOG.debug("%s failed", command.cmd_name, exc_info=True)
        if command.run_ is not None:
            bulk.report_sent(command.run_)
        app.stderr.write(
            "%s: %s: %s; run with --debug for details\n"
            % (command.cmd_name, type(exc).__name__, clean(str(exc)))
        )
        return X.EXIT_ERROR
    command.run_.output_done()
    return bulk.finish(
        command.run_, empty_run(parsed_args), exit_zero=parsed_args.exit_zero
    )


def _stopped(command, closed):
    """stdout blocked (Ctrl-C while it was written) or closed."""
    _discard_stdout(command.app.stdout)
    if command.run_ is None:
        if closed:
            return X.EXIT_CLOSED
        command.app.stderr.write("%s\n" % render.interrupted_before())
        return X.EXIT_INTERRUPTED
    command.run_.output_lost(closed=closed)
    return bulk.finish(command.run_)


def _discard_stdout(stdout):
    """Point stdout at /dev/null: what Python still holds for it would
    block the exit (a full pipe) or fail it (a closed one)."""
    try:
        fd = stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a file (tests): nothing to flush at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
