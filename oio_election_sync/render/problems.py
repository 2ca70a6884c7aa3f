"""Words, at the edge: a problem as a clause, and the cells of a row."""

from oio_election_sync import model as M
from oio_election_sync import peers as P
from oio_election_sync import plan as PLAN
from oio_election_sync.render import steps as S
from oio_election_sync.render.words import (
    NAMES,
    copy_state,
    diff,
    keys,
    reply,
    unread,
    versions,
)
from oio_election_sync.text import clean

K = M.Kind

_OWN_COPY = (
    K.COPY_MISSING,
    K.COPY_LACKS,
    K.COPY_DIFFERS,
    K.NOT_READ,
    K.NOT_REACHED,
    K.COPY_CORRUPT,
    K.COPY_STALE,
)

_NOT_TRIGGERED = {
    P.DOWN: "not reached",
    P.TIMEOUT: "not reached (timeout)",
    "absent": "absent from the sync reply",
}


def problem(p, master=None):
    """One problem as a clause of a summary line."""
    peer, kind, detail = p
    if peer is not None and peer == master and kind in _OWN_COPY:
        return "master " + problem(p)
    if kind == K.DOWN:
        return "%s down (%s)" % (peer, reply(detail))
    if kind == K.TIMEOUT:
        return "%s timeout (%s)" % (peer, reply(detail))
    if kind == K.PEER_ERROR:
        return "%s error (%s)" % (peer, reply(detail))
    if kind == K.NO_MASTER:
        return "no master"
    if kind == K.MASTERS:
        return "%d masters: %s" % (len(detail), keys(detail))
    if kind == K.WRONG_MASTER:
        return "slave %s names master %s, not %s" % ((peer,) + detail)
    if kind == K.MASTER_ODD:
        return (
            "master %s is the odd one out: its copy differs from the "
            "slaves', which agree (%s)" % (peer, diff(detail))
        )
    if kind == K.NO_AGREEMENT:
        return "no two copies agree (%s)" % keys(detail)
    if kind == K.DIVERGED:
        (a, ahead_a), (b, ahead_b) = detail
        return (
            "the copies diverged: %s is %s, %s is %s; neither can replace "
            "the other without losing data"
            % (a, versions(ahead_a, "ahead"), b, versions(ahead_b, "ahead"))
        )
    if kind == K.NEWER_COPY:
        what = [versions(detail.behind, "ahead")] if detail.behind else []
        if detail.diff.extra:
            what.append("holds %s" % keys(detail.diff.extra))
        return (
            "%s's copy is newer than the source's (%s): a copy from the "
            "source would lose that" % (peer, "; ".join(what))
        )
    if kind == K.PREFLIGHT_UNREAD:
        return "the %s %s's copy (%s)" % (
            "master" if peer == master else "slave",
            peer,
            copy_state(detail),
        )
    if kind == K.ORPHAN:
        return (
            "%s holds a copy, but the directory links this base to no "
            "service: an orphan (its container deleted while this copy "
            "stayed, or a lost directory entry)" % peer
        )
    if kind == K.FILE_UNCHECKED:
        return "%s's file could not be checked before it is copied: %s%s" % (
            peer,
            clean(detail.error),
            (
                "; a failed local copy can keep the base busy on that peer "
                "until its service restarts"
                if detail.why == M.COPY_FAILED
                else ""
            ),
        )
    if kind == K.MASTER_FIRST:
        return (
            "master %s must be repaired first (%s): name it with "
            "--service-id too, or drop --service-id"
            % (peer, copy_state(detail))
        )
    if kind in _OWN_COPY:
        return "%s copy: %s" % (peer, copy_state(M.CopyState(kind, detail)))
    if kind == K.NOT_TRIGGERED and detail[0] == "none":
        return "no slave was triggered"
    if kind == K.ABSENT:
        return "%s absent from the %s reply" % (peer, detail)
    if kind == K.REMAINS:
        return "still: " + problem(detail, master)
    if kind == K.SOURCE_MOVED:
        expected, sources = detail
        return (
            "the master moved: the pre-flight saw %s, the sync copied from "
            "%s; nothing verified" % (expected, keys(sources) or "no peer")
        )
    return "%s %s" % (peer, outcome(p))


def outcome(p):
    """A slave's ``Result`` after --wait, for a problem."""
    kind, detail = p.kind, p.detail
    if kind == K.SYNC_KO:
        return "failed (SYNC_KO)"
    if kind == K.NO_OUTCOME:
        return "no outcome before timeout"
    if kind == K.NOT_VERIFIED:
        return "not verified: %s" % unread(detail)
    if kind == K.STILL_DIFFERS:
        return "still differs: %s" % diff(detail)
    if kind == K.LOST_KEYS:
        return "overwritten: lost %s" % keys(detail)
    if kind == K.NOT_TRIGGERED:
        role, status, message = detail
        return _NOT_TRIGGERED.get(role) or "failed (%s %s)" % (status, message)
    return NAMES[kind]


RESULTS = {
    M.Result.OK: "ok",
    M.Result.REPAIRED: "repaired",
    M.Result.ALREADY_IN_SYNC: "already in sync",
    M.Result.IN_SYNC: "in sync (copy before: not read)",
    M.Result.SOURCE: "source, not resynced",
    M.Result.TRIGGERED: "resync triggered",
    M.Result.WOULD_NOT: "source, would not be resynced",
    M.Result.WOULD_RESYNC: "would resync",
    M.Result.UNREACHABLE: "not reachable",
}


def result(value):
    """The ``Result`` cell: a Result, a problem's outcome, or a copy's
    state after a repair."""
    if isinstance(value, M.Problem):
        return outcome(value)
    if isinstance(value, M.Result):
        return RESULTS[value]
    if isinstance(value, M.CopyState):
        return copy_state(value)
    return value or ""


def cell(column, value, report, table=False):
    """One cell of a row, in words (``table``: as a table shows it, where
    the Role column names the master)."""
    if column == "Copy" or isinstance(value, M.CopyState):
        return copy_state(value)
    if column == "Result":
        return result(value)
    if column in ("Action", "Why"):
        if not value:  # no step for this peer (or an error row)
            return ""
        if column == "Action":
            return _actions(value, report.outcome, table)
        return _whys(value, report.outcome)
    return value


def _actions(steps, facts, table=False):
    words = S.ACTION_IN_TABLE if table else S.ACTION
    return ", then ".join(S.step(words, one, facts) for one in steps)


def _whys(steps, facts):
    odd = "the slaves agree with each other, the master differs"
    state = (facts.before or {}).get(steps[0].peer)
    if state is not None and state.kind == K.COPY_CORRUPT:
        odd = "its copy is corrupt: nothing is copied from it"
    elif state is not None and state.kind == K.COPY_STALE:
        odd = "its copy is behind the others' versions"
    reasons = {
        PLAN.WHY_SYNC: "the master's copy is the reference",
        PLAN.WHY_WRITE: "every slave holds %s, with one value"
        % keys(sorted(facts.plan.keys)),
        PLAN.WHY_LEAVE: odd,
        PLAN.WHY_RESYNC_OLD: odd,
    }
    return "; ".join(dict.fromkeys(reasons[s.why] for s in steps))


def problems(found, master=None):
    return "; ".join(problem(p, master) for p in found)
