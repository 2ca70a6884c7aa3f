"""Exit codes, and the error that carries one (imported on every call)."""

# Ordered by severity: the worst of several bases is the highest.
EXIT_OK = 0
EXIT_USAGE = 2  # bad arguments
EXIT_UNHEALTHY = 3  # election not healthy: peer unreachable, no/two masters
EXIT_DIVERGED = 4  # a peer's copy differs from the master's
EXIT_SYNC_FAILED = (
    5  # a slave was not resynced (not asked, failed, no outcome)
)
EXIT_REFUSED = 6  # sync pre-flight refused to copy a doubtful master
EXIT_ERROR = 7  # the request failed as a whole (unknown base, proxy down...)
EXIT_INTERRUPTED = 130
# What --exit-zero silences: verdicts on bases that were fully asked.
VERDICTS = (EXIT_UNHEALTHY, EXIT_DIVERGED, EXIT_SYNC_FAILED)


class ElectionError(Exception):
    """A failure explained in one line, with the exit code it deserves."""

    def __init__(self, message, exit_code=EXIT_ERROR):
        super().__init__(message)
        self.exit_code = exit_code


def worst(codes):
    """The most severe exit code of several bases."""
    return max(codes, default=EXIT_OK)
