"""Words, at the edge: the totals of a run over many bases, and why it
stopped."""

import collections

from oio_election_sync import exitcodes as X
from oio_election_sync.render.words import keys, sent, verdict

# --- a run of many bases -----------------------------------------------------


def totals(tally, dry_run, unverified=False):
    """``12 base(s): 10 ok, 2 diverged; 2 repaired``, from a bulk.Tally;
    ``unverified``: a sync --no-wait, whose ok verifies nothing."""
    shown = collections.Counter(tally.counts)
    shown[X.EXIT_OK] -= tally.gone  # said apart: nothing was checked
    parts = ", ".join(
        "%d %s" % (shown[code], verdict(code))
        for code in sorted(shown)
        if shown[code]
    )
    if tally.gone:
        parts += "%s%d gone (deleted since rdir indexed them)" % (
            ", " if parts else "",
            tally.gone,
        )
    if tally.changed:
        parts += "; %d %s" % (
            tally.changed,
            "to repair (dry run)" if dry_run else "repaired",
        )
    if tally.nowhere:
        parts += (
            "; %d held by no peer (election not asked: it would create "
            "them)" % tally.nowhere
        )
    if tally.unelected:
        parts += "; election not asked of %d (--copies-first)" % (
            tally.unelected
        )
    if unverified:
        parts += "; nothing verified (--no-wait)"
    return "%d base(s): %s" % (tally.total, parts or "none")


def resume_hint(listed, marker):
    if not listed:
        return ""
    if marker is None:
        return "; resume with the same command"
    return "; resume with --marker %s" % marker


def stopped(error, resume):
    return "stopped: %s%s" % (error, resume)


def output_closed(total, resume):
    return "stdout was closed: %d base(s) done, the others not started%s" % (
        total,
        resume,
    )


def interrupted(total, resume):
    return "interrupted: %d base(s) reported, the others not started%s" % (
        total,
        resume,
    )


def finishing(running):
    return (
        "interrupted: finishing %d running base(s); Ctrl-C again to stop "
        "waiting" % running
    )


def row_not_printed(report, closed):
    why = "stdout closed" if closed else "interrupted while printing"
    return "%s: row not printed (%s); %s" % (
        report.target.label,
        why,
        sent(report.outcome.sent),
    )


def interrupted_base(target):
    return "%s: interrupted while running" % target.label


def overdue_base(target, limit, timeout):
    return (
        "%s: no answer within %gs (--timeout %gs a phase): oio-proxy or a "
        "peer is too slow; retry with a larger --timeout"
        % (target.label, limit, timeout)
    )


def listing_failed(error):
    return "listing failed: %s: %s" % (type(error).__name__, error)


def interrupted_before():
    return "interrupted"


def held_back(target, limit):
    return (
        "%s: not changed: --max-changes %d reached (nothing was sent to "
        "it)" % (target.label, limit)
    )


def limit_reached(limits):
    """Why a bulk write stopped starting bases."""
    if limits.reached == "--max-failures":
        return "--max-failures %d reached: %d base(s) failed" % (
            limits.max_failures,
            limits.failures,
        )
    return "--max-changes %d reached: %d base(s) changed" % (
        limits.max_changes,
        limits.changes,
    )


def needs_yes(cmd_name):
    return (
        "%s of several bases changes them: pass --yes (nothing can ask "
        "here: stdin is not a terminal, or it is --from-file -); "
        "--dry-run shows what it would do" % cmd_name
    )


def question(workflow, args, total):
    """What a bulk write will do, and the question."""
    if args.from_service:
        which = "every base %s holds" % args.from_service
    elif total is not None:
        which = "%d base(s)" % total
    else:
        which = "every base read from stdin"
    what = {
        "sync": "resync every slave of %s from its master" % which,
        "repair": "repair %s where a copy is damaged (a backup of each "
        "changed copy is kept)" % which,
    }[workflow]
    limits = [
        "%s %s" % (option, value)
        for option, value in (
            ("--max-changes", args.max_changes),
            ("--rate", args.rate),
            ("--max-failures", args.max_failures),
        )
        if value is not None
    ]
    return "This will %s%s. Continue? [y/N] " % (
        what,
        " (%s)" % ", ".join(limits) if limits else "",
    )


def not_confirmed():
    return "not confirmed: nothing was changed"


def waiting(event):
    """A line of --wait: how many slaves reported, or who has not yet."""
    line = "%s: %d/%d slave(s) reported their sync" % (
        event.target.label,
        event.reported,
        event.total,
    )
    if event.waiting:
        line += "; waiting for %s, %ds left of the time budget" % (
            keys(event.waiting),
            event.left,
        )
    return line
