"""Running the bases of one command: bounded, streamed, interruptible.

Each base runs in a worker thread (even a single one), so that the main
thread only waits, and sees Ctrl-C at once. First Ctrl-C: nothing new
starts, the running bases finish (each is bounded by its budget) and are
reported. Second Ctrl-C: stop waiting; a running base is reported with the
writes it already sent. Reports are not kept: memory does not grow with the
number of bases.
"""

import collections
import time

from oio_election_sync import exitcodes as X
from oio_election_sync import model as M
from oio_election_sync import parallel
from oio_election_sync import render
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.text import clean


def isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """``done, failures, rate`` on a terminal's stderr; else silent."""

    def __init__(self, stream, total=None, label="bases"):
        self.stream = stream
        self.total, self.done, self.failed = total, 0, 0
        self.label = label
        self.enabled = isatty(stream)
        self.started = self._last = time.monotonic()
        self.shown = False

    def update(self, failed):
        self.done += 1
        self.failed += int(failed)
        now = time.monotonic()
        if self.enabled and now - self._last > 0.1:
            self._last = now
            rate = self.done / max(now - self.started, 1e-6)
            total = "/%d" % self.total if self.total else ""
            eta = ""
            if self.total and rate > 0:
                eta = ", %ds left" % ((self.total - self.done) / rate)
            self.stream.write(
                "\r%d%s %s done, %d failed, %.1f/s%s "
                % (self.done, total, self.label, self.failed, rate, eta)
            )
            self.stream.flush()
            self.shown = True

    def clear(self):
        """Before another line is written on the terminal."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.shown = False


class Tally:
    """What the reports of a run came to: counted, never kept."""

    def __init__(self):
        self.counts = collections.Counter()
        self.worst = X.EXIT_OK
        self.unelected = 0  # bases whose election was not asked
        self.nowhere = 0  # bases no peer holds (not asked: it would create)
        self.changed = 0  # bases repaired (or, dry run, to repair)
        self.gone = 0  # listed, deleted since: nothing to check

    @property
    def total(self):
        return sum(self.counts.values())

    def add(self, report):
        code = report.exit_code
        self.worst = X.combine((self.worst, code))
        self.counts[code] += 1
        done = report.outcome
        if done.nowhere:
            self.nowhere += 1
        elif not done.elected:
            self.unelected += 1
        self.changed += report.changed
        self.gone += done.gone
        return code


class Run:
    """The bases of one command run, and what they came to. ``stderr``
    None: nothing is said (the crawler logs what it needs)."""

    def __init__(self, workflow, session, options, stderr, quiet=False):
        self.workflow = workflow
        self.session = session
        self.options = options
        self.stderr = stderr
        self.quiet = quiet
        self.bases = {}  # target -> oioclient.Base, while it runs
        self.tally = Tally()
        self.interrupted = False
        self.single = False
        self.progress = Progress(stderr)
        self.watermark = Watermark()
        self.feed_error = None
        self.runner = None
        # Reports with writes whose rows may not have reached stdout yet:
        # the last one handed to a streaming output, or all of them when
        # the output waits for every row (a table, a sort: hold_rows).
        self.unprinted = []
        self.hold_rows = False
        self.output_closed = False
        self.flush = lambda: None  # the command's stdout.flush
        # a base runs at most one budget per phase; beyond, and a second
        # more, it is given up (its client ignored its own timeouts)
        self.limit = workflow.phases * session.timeout + 1.0

    def job(self, target):
        base = self.session.base(target)
        self.bases[target] = base
        try:
            return self.workflow(base, self.options)
        finally:
            self.bases.pop(target, None)

    def summary(self, report):
        return render.summary(self.workflow.name, report)

    def say(self, line):
        if self.stderr is None:
            return
        self.progress.clear()
        self.stderr.write("%s\n" % clean(line))

    def _done(self, report):
        code = self.tally.add(report)
        if self.session.limits.finished(code) and self.runner is not None:
            self.runner.stop()  # a limit of the bulk write is reached
        if code != X.EXIT_INTERRUPTED:  # an abandoned base is not done
            self.watermark.finished(report.target)
        if not self.single:
            self.progress.update(code != X.EXIT_OK)
        said = code != X.EXIT_OK or report.outcome.index_unsure
        if said or (self.single and not self.quiet):
            if not (self.single and report.rows is None):
                self.say(self.summary(report))
        return report

    def _given_up(self, target, text, code=X.EXIT_ERROR):
        """The report of a base no longer waited for; it sends nothing
        more."""
        base = self.bases.get(target)
        if base is not None:
            base.cancelled.set()
        sent = tuple(base.sent) if base is not None else ()
        error = ElectionError(text, code)
        return M.Report(
            target, None, error=error, outcome=M.Outcome(sent=sent)
        )

    def _overdue_report(self, target):
        timeout = self.session.timeout
        text = render.overdue_base(target, self.limit - 1.0, timeout)
        return self._given_up(target, text)

    def _results(self, runner):
        """Reports as bases finish; Ctrl-C handled as the module says."""
        try:
            for _, report in runner:
                yield _checked(report)
            return
        except KeyboardInterrupt:
            self.interrupted = True
            runner.stop()
            running = len(runner.running())
            if running:
                self.say(render.finishing(running))
        try:
            for _, report in runner:
                yield _checked(report)
        except KeyboardInterrupt:
            self.session.cancelled.set()
            for target in runner.running():
                text = render.interrupted_base(target)
                yield self._given_up(target, text, X.EXIT_INTERRUPTED)

    def _runner(self, targets, workers):
        runner = parallel.Runner(
            self.job, targets, workers, self.limit, self._overdue_report
        )
        # a wait that is not the base's (a rate, oio's event agent) is not
        # counted against its bound
        self.session.limits.on_wait = runner.rewind
        return runner

    def one(self, target):
        self.single = True
        reports = list(self._results(self._runner([target], 1)))
        return self._done(reports[0])

    def many(self, targets, workers):
        """Reports of every base, as they finish."""
        self.runner = self._runner(self.watermark.track(targets), workers)
        for report in self._results(self.runner):
            report = self._done(report)
            mine = [report] if report.outcome.sent else []
            self.unprinted.extend(mine)
            if not self.hold_rows:
                # asked for the next one: the rows before were handed to
                # stdout; flushed, they reached it (a closed pipe raises,
                # and every report not yet out is said on stderr)
                self.flush()
                self.unprinted = mine
            yield report
        self.feed_error = self.runner.feed_error

    def output_done(self):
        """Every row handed over reached stdout."""
        self.unprinted.clear()

    def output_lost(self, closed=False):
        """stdout is blocked (Ctrl-C while writing) or closed: start nothing
        new, finish the running bases (a second Ctrl-C stops waiting), and
        say on stderr what each base whose row was not printed sent."""
        if closed:
            self.output_closed = True
        else:
            self.interrupted = True
        lost, self.unprinted = self.unprinted, []
        if self.runner is not None:
            self.runner.stop()
            lost.extend(self._done(r) for r in self._results(self.runner))
        else:
            report_sent(self)  # one base: what it sent so far
        for report in lost:
            if report.outcome.sent:
                self.say(render.row_not_printed(report, closed))


def report_sent(run):
    """What each running base sent so far (an error stopped the run)."""
    for target, base in list(run.bases.items()):
        if base.sent:
            run.say("%s: %s" % (target.label, render.sent(base.sent)))


def finish(run, empty=None, exit_zero=False):
    """Totals on stderr; the exit code of the ``run``. ``empty``: the
    ElectionError of a run that had no base at all, if that is one."""
    run.progress.clear()
    total = run.tally.total
    error = run.feed_error
    if error is not None and not isinstance(error, ElectionError):
        error = ElectionError(render.listing_failed(error))
    if error is None and not total and empty is not None:
        error = empty
    if error is not None and not total:
        run.say(str(error))  # nothing ran: the one line is enough
        return X.run_verdict(X.EXIT_OK, error.exit_code, exit_zero=exit_zero)
    if error is not None and error.exit_code == X.EXIT_USAGE:
        # a bad line met after bases ran (stdin cannot be checked
        # first): bases were asked, so not "nothing was sent"
        error = ElectionError(str(error), X.EXIT_ERROR)
    if not run.single and not run.quiet:
        dry_run = bool(getattr(run.options, "dry_run", False))
        unverified = getattr(run.options, "wait", True) is False
        run.say(render.totals(run.tally, dry_run, unverified))
    resume = run.watermark.resume_hint()
    limits = run.session.limits
    if limits.stopping and not limits.reached and run.runner is not None:
        if run.runner.has_more():  # a limit kept bases from starting
            limits.reached = limits.stopping
    if error is None and limits.reached:
        error = ElectionError(render.limit_reached(limits), X.EXIT_INCOMPLETE)
    if error is not None:
        run.say(render.stopped(error, resume))
    elif run.output_closed:
        run.say(render.output_closed(total, resume))
    elif run.interrupted:
        run.say(render.interrupted(total, resume))
    return X.run_verdict(
        run.tally.worst,
        None if error is None else error.exit_code,
        closed=run.output_closed,
        interrupted=run.interrupted,
        exit_zero=exit_zero,
    )


def _checked(report):
    if isinstance(report, BaseException):  # not even guarded: a bug
        raise report
    return report


class Watermark:
    """Where a listing can resume: after the last base such that every base
    listed before it is done (bases finish out of order)."""

    def __init__(self):
        self.pending = collections.OrderedDict()
        self.marker = None
        self.listed = False

    def track(self, targets):
        for target in targets:
            if target.marker is not None:
                self.listed = True
                self.pending[target] = False
            yield target

    def finished(self, target):
        if target not in self.pending:
            return
        self.pending[target] = True
        while self.pending and next(iter(self.pending.values())):
            done, _ = self.pending.popitem(last=False)
            self.marker = done.marker

    def resume_hint(self):
        return render.resume_hint(self.listed, self.marker)
