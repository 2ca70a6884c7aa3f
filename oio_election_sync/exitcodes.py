"""Exit codes, in one table, and the error that carries one.

Imported on every ``openio`` call: keep it tiny. ``--help`` and README.rst
are built from (or checked against) ``TABLE``.
"""

import textwrap

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_UNHEALTHY = 3
EXIT_DIVERGED = 4
EXIT_INCOMPLETE = 5
EXIT_REFUSED = 6
EXIT_ERROR = 7
EXIT_INTERRUPTED = 130
EXIT_CLOSED = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe

# (code, what it means). Ordered by severity: with several bases the exit
# code is the highest.
TABLE = (
    (EXIT_OK, "ok: every check asked for was made and passed"),
    (
        EXIT_USAGE,
        "usage: bad arguments, nothing was sent: no reference, no account, "
        "unknown service type, malformed --cid, bad "
        "--timeout/-t/--workers/--check-type, unknown -c column, unknown "
        "option, unreadable --from-file or a bad line in it, a write to "
        "several bases without --yes where nothing can ask",
    ),
    (
        EXIT_UNHEALTHY,
        "unhealthy: the election: a peer down or timed out, a copy not reached, "
        "no master, two masters, slaves naming different masters (debug: a "
        "peer not reached)",
    ),
    (
        EXIT_DIVERGED,
        "diverged: a copy is missing, corrupt, stale (behind the reference's "
        "versions) or differs; or lacks required keys; or the copies "
        "diverged",
    ),
    (
        EXIT_INCOMPLETE,
        "incomplete: sync or repair not done or not verified: a slave not "
        "triggered, "
        "SYNC_KO, no outcome, still differing, the master moved or did not "
        "hand over; a bulk write stopped by --max-changes or --max-failures",
    ),
    (
        EXIT_REFUSED,
        "refused: nothing was changed: by sync's pre-flight, or repair "
        "found no sane copy, no master or two masters, or would overwrite "
        "a copy ahead of its source (--force overrides), or the operator "
        "answered no",
    ),
    (
        EXIT_ERROR,
        "error: a request failed: unknown container or account, "
        "proxy unreachable, too slow or busy, a copy that could not be "
        "read, versions that kept moving, a malformed reply, oio missing; "
        "retry",
    ),
    (EXIT_INTERRUPTED, "interrupted: Ctrl-C"),
    (
        EXIT_CLOSED,
        "closed: stdout was closed (e.g. '| head'): nothing new was started; the "
        "writes of bases whose rows were not printed are listed on stderr",
    ),
)

# One word per exit code, said the same on stderr, in the Verdict column
# and in README: the first word of its meaning.
WORDS = {code: meaning.split(":", 1)[0] for code, meaning in TABLE}

# What --exit-zero silences: verdicts on bases that were fully read.
VERDICTS = (EXIT_UNHEALTHY, EXIT_DIVERGED, EXIT_INCOMPLETE)


class ElectionError(Exception):
    """A failure explained in one line, with the exit code it deserves."""

    def __init__(self, message, exit_code=EXIT_ERROR):
        super().__init__(message)
        self.exit_code = exit_code


def combine(codes):
    """The exit code of several: the most severe (the highest)."""
    return max(codes, default=EXIT_OK)


def verdict(codes, refused=False, error=None):
    """One base's exit code: the most severe of its problems' ``codes``;
    a refusal is at least EXIT_REFUSED; a base that could not be read at
    all has its ``error``'s code."""
    if error is not None:
        return error
    code = combine(codes)
    return max(code, EXIT_REFUSED) if refused else code


def run_verdict(
    worst, error=None, closed=False, interrupted=False, exit_zero=False
):
    """A run's exit code: its bases' ``worst``, or the ``error`` that
    stopped it when that is worse; a closed stdout, then Ctrl-C, when
    nothing stopped it; ``--exit-zero`` turns VERDICTS into 0."""
    if error is not None:
        code = combine((worst, error))
    elif closed:
        code = EXIT_CLOSED
    elif interrupted:
        code = EXIT_INTERRUPTED
    else:
        code = worst
    return EXIT_OK if exit_zero and code in VERDICTS else code


def help_text():
    """The exit codes as --help shows them, one word each (README.rst,
    "Exit codes", says what each means)."""
    text = (
        "exit codes: %s; several bases: the highest (README: Exit codes)"
        % (", ".join("%d %s" % item for item in WORDS.items()))
    )
    return "\n".join(textwrap.wrap(text, 79))
