"""How much a bulk write may do: a cap on the bases changed, a rate of
bases written per second, a stop after so many failures.

A base asks for its permit before its first change (a backup, a sync, a
leave, a property write; a file check changes no base): past the cap it
is held back, nothing sent to it. A base counts as changed once a change
was sent to it, even when it failed: a failed write may have reached some
peers. The limits are shared by the run's
workers; the wait for a rate is not counted in a base's time budget.
"""

import threading
import time

from oio_election_sync import exitcodes as X
from oio_election_sync.exitcodes import ElectionError

# The verdicts of a base that count as a failure of a bulk write: a change
# that did not complete, a request that failed.
FAILURES = (X.EXIT_INCOMPLETE, X.EXIT_ERROR)


class HeldBack(ElectionError):
    """A base a limit kept from being changed: nothing was sent to it."""

    def __init__(self, message):
        super().__init__(message, X.EXIT_INCOMPLETE)


class Limits:
    """``max_changes``, ``rate`` (bases per second) and ``max_failures``;
    None: no limit. ``words(target)``: what a base kept back says."""

    def __init__(self, max_changes=None, rate=None, max_failures=None):
        self.words = lambda target: "%s: held back" % target.label
        self.max_changes = max_changes
        self.rate = rate
        self.max_failures = max_failures
        self.changes = 0
        self.failures = 0
        self.reached = None  # the option whose limit stopped the run
        self.stopping = None  # the limit that will, if bases are left
        self._next = 0.0
        self._lock = threading.Lock()
        self.on_wait = lambda target: None  # the runner's clock, rewound

    @property
    def any(self):
        return (self.max_changes, self.rate, self.max_failures) != (None,) * 3

    def permit(self, base):
        """Before ``base``'s first change: wait for the rate, or raise
        HeldBack once the cap is reached."""
        with self._lock:
            if self.max_changes is not None:
                if self.changes >= self.max_changes:
                    self.reached = self.reached or "--max-changes"
                    raise HeldBack(self.words(base.target))
                self.changes += 1
            wait = 0.0
            if self.rate:
                now = time.monotonic()
                wait = max(self._next - now, 0.0)
                self._next = max(self._next, now) + 1.0 / self.rate
        if wait:
            time.sleep(wait)
            base.new_phase()  # the wait is not the base's budget
            self.on_wait(base.target)

    def finished(self, code):
        """A base's verdict; True when the run must start no new base."""
        with self._lock:
            if code in FAILURES:
                self.failures += 1
            full = self.max_changes is not None and (
                self.changes >= self.max_changes
            )
            failed = self.max_failures is not None and (
                self.failures >= self.max_failures
            )
            if failed:
                self.stopping = self.stopping or "--max-failures"
            elif full:
                self.stopping = self.stopping or "--max-changes"
            return full or failed
