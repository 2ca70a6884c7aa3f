"""Bounded concurrency owned by the call that uses it.

No shared pool: each call starts its own daemon threads and waits for them
at most until its deadline. Daemon threads never keep the process alive, so
an interrupted command exits at once instead of joining requests that are
still running (a ThreadPoolExecutor's threads are joined at exit).
"""

import queue
import threading
import time

# A call still running when its caller stopped waiting.
STILL_RUNNING = object()
# How often a waiting main thread wakes up, so that Ctrl-C is seen at once.
_TICK = 0.2


def fan_out(function, items, deadline):
    """``{item: function(item)}``, one daemon thread per item, until the
    ``deadline`` (time.monotonic()). An exception is the item's value; an
    item whose call is still running at the deadline gets STILL_RUNNING."""
    items = list(dict.fromkeys(items))
    results = dict.fromkeys(items, STILL_RUNNING)
    if not items:
        return results
    lock = threading.Lock()
    done = threading.Event()
    pending = [len(items)]

    def call(item):
        try:
            value = function(item)
        except Exception as exc:  # the caller decides what it means
            value = exc
        with lock:
            results[item] = value
            pending[0] -= 1
            if not pending[0]:
                done.set()

    for item in items[1:]:
        threading.Thread(target=call, args=(item,), daemon=True).start()
    call(items[0])  # this thread would only wait: let it work
    done.wait(max(deadline - time.monotonic(), 0))
    with lock:
        return dict(results)


class Runner:
    """Runs ``job(item)`` for items from an iterator, ``workers`` at a time,
    and yields ``(item, result)`` as each finishes (completion order).

    The iterator is read lazily, in the caller's thread: at most
    ``workers`` items are taken ahead of the results, so memory does not
    grow with the number of items. An error of the iterator stops the
    feeding (``feed_error``); the running items finish. ``stop()`` (first
    Ctrl-C) starts nothing new; the running items finish. A caller that
    stops iterating (second Ctrl-C) abandons them: ``running()`` tells
    which they are. The worker threads are started as needed and live
    until the process ends (daemons). An item still running ``limit``
    seconds after it started is given up: ``overdue(item)`` is its result
    (a client that ignores its own timeouts cannot hold the run).
    """

    def __init__(self, job, items, workers, limit=None, overdue=None):
        self.job = job
        self.limit = limit
        self.overdue = overdue
        self.items = iter(items)
        self.workers = max(1, int(workers))
        self.feed_error = None
        self._inbox = queue.Queue()
        self._results = queue.Queue()
        self._running = {}
        self._lock = threading.Lock()
        self._threads = 0
        self._stopped = False
        self._exhausted = False
        self._next_id = 0

    def stop(self):
        self._stopped = True

    def has_more(self):
        """Whether items were left unstarted (one is taken to tell)."""
        if self._exhausted:
            return False
        try:
            next(self.items)
        except StopIteration:
            return False
        except Exception:  # a listing that fails: its rest is unknown
            return True
        return True

    def rewind(self, item):
        """``item``'s clock starts again (it waited for a limit's rate)."""
        with self._lock:
            for key, (running, _) in list(self._running.items()):
                if running == item:
                    self._running[key] = (running, time.monotonic())

    def running(self):
        with self._lock:
            return [item for item, _ in self._running.values()]

    def _start_more(self):
        while (
            not self._stopped
            and not self._exhausted
            and len(self._running) < self.workers
        ):
            try:
                item = next(self.items)
            except StopIteration:
                self._exhausted = True
                return
            except Exception as exc:  # the listing failed: stop feeding
                self.feed_error = exc
                self._exhausted = True
                return
            with self._lock:
                key, self._next_id = self._next_id, self._next_id + 1
                self._running[key] = (item, time.monotonic())
            if self._threads < self.workers:
                self._threads += 1
                threading.Thread(target=self._work, daemon=True).start()
            self._inbox.put((key, item))

    def _work(self):
        while True:
            key, item = self._inbox.get()
            try:
                result = self.job(item)
            except BaseException as exc:  # noqa: B036 (reported by the caller)
                result = exc
            self._results.put((key, item, result))

    def _overdue(self):
        """Items running past the limit, taken out of the run."""
        if self.limit is None:
            return []
        now, late = time.monotonic(), []
        with self._lock:
            for key, (item, started) in list(self._running.items()):
                if now - started > self.limit:
                    del self._running[key]
                    late.append(item)
                    self._threads -= (
                        1  # its thread is stuck: another may start
                    )
        return late

    def __iter__(self):
        """Yields ``(item, result)``; raises KeyboardInterrupt through, so
        that the caller decides between stop() and abandoning."""
        while True:
            self._start_more()
            if not self._running:
                return
            for late in self._overdue():
                yield late, self.overdue(late)
            try:
                key, item, result = self._results.get(timeout=_TICK)
            except queue.Empty:
                continue
            with self._lock:
                if self._running.pop(key, None) is None:
                    continue  # given up already
            yield item, result
