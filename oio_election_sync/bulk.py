"""Many bases in one call: reading the list, bounded concurrency, progress."""

import sys
import time

from oio_election_sync import peers as P
from oio_election_sync.exitcodes import EXIT_USAGE, ElectionError

DEFAULT_WORKERS = 32
MAX_WORKERS = 256


def read_references(stream, name):
    """``(reference, is_cid)`` pairs from a file: one reference or
    ``--cid ID`` per line; blank lines and ``#`` comments are skipped."""
    items = []
    for number, line in enumerate(stream, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("--cid"):
            words = text.split()
            if len(words) != 2 or words[0] != "--cid":
                raise ElectionError(
                    "%s line %d: expected '--cid ID', got %r"
                    % (name, number, text),
                    exit_code=EXIT_USAGE,
                )
            items.append((words[1], True))
        else:
            items.append((text, False))
    return items


class Progress:
    """``done/total, failures, rate`` on a terminal's stderr; else silent."""

    def __init__(self, total, stream=None, label="bases"):
        self.stream = stream or sys.stderr
        self.total, self.done, self.failed = total, 0, 0
        self.label = label
        self.enabled = total > 1 and isatty(self.stream)
        self.started = self._last = time.monotonic()

    def update(self, failed):
        self.done += 1
        self.failed += int(failed)
        now = time.monotonic()
        if self.enabled and (
            now - self._last > 0.1 or self.done == self.total
        ):
            self._last = now
            rate = self.done / max(now - self.started, 1e-6)
            self.stream.write(
                "\r%d/%d %s done, %d failed, %.1f/s "
                % (self.done, self.total, self.label, self.failed, rate)
            )
            self.stream.flush()

    def close(self):
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_bases(job, targets, workers, progress):
    """Run ``job(target) -> report`` for every target, ``workers`` at a time.

    Returns ``(reports, interrupted)``. On Ctrl-C no new base starts, the
    running ones finish (each is bounded by --timeout), and the reports of
    finished bases are returned: nothing is half-reported.
    """
    if len(targets) == 1:
        report = job(targets[0])
        progress.update(report.exit_code != P.EXIT_OK)
        return [report], False

    from concurrent.futures import ThreadPoolExecutor, wait, FIRST_COMPLETED

    reports, interrupted = [], False
    pending = iter(targets)
    unreported = set()  # submitted, report not yet taken
    pool = ThreadPoolExecutor(max_workers=workers)

    def take(futures):
        for future in futures:
            if future in unreported:
                unreported.discard(future)
                reports.append(future.result())
                progress.update(reports[-1].exit_code != P.EXIT_OK)

    try:
        while True:
            # keep at most ``workers`` submitted: Ctrl-C leaves nothing queued
            for target in pending:
                unreported.add(pool.submit(job, target))
                if len(unreported) >= workers:
                    break
            if not unreported:
                break
            take(wait(unreported, return_when=FIRST_COMPLETED)[0])
    except KeyboardInterrupt:
        interrupted = True
        take(wait(unreported)[0])
    finally:
        pool.shutdown(wait=True)
    return reports, interrupted
