"""Words, at the edge: copy states, problems and cells.

Workflows return data (model.Problem, model.CopyState, model.Result, an
Outcome); this package is the only place that turns them into the words
an operator reads. One table per kind of data, keyed by its enum.
"""

from oio_election_sync import exitcodes as X
from oio_election_sync import model as M
from oio_election_sync.text import clean

K = M.Kind


VERDICTS = X.WORDS


def verdict(code):
    """A base's exit code in one word (the ``Verdict`` column)."""
    return VERDICTS.get(code, "error")


def keys(names):
    return ", ".join(names)


def diff(d):
    """``missing a, b; different c; extra d`` (empty for no difference)."""
    parts = []
    for word, names in (
        ("missing", d.missing),
        ("different", d.different),
        ("extra", d.extra),
    ):
        if names:
            parts.append("%s %s" % (word, keys(names)))
    return "; ".join(parts)


def reply(detail):
    status, message = detail
    return "%s %s" % (status, message)


def copy_state(state):
    """The ``Copy`` cell."""
    if not state:
        return ""
    kind, detail = state
    if kind == K.OK:
        return "ok"
    if state == M.NO_BASE:
        return "no base yet (made with the first reference of its prefix)"
    if kind == K.COPY_MISSING:
        return "missing copy" + (
            "; re-created by the election during this check" if detail else ""
        )
    if kind == K.COPY_LACKS:
        return "missing required %s%s" % (
            keys(detail),
            (
                "; oio wrote them back during this check"
                if getattr(detail, "healed", False)
                else ""
            ),
        )
    if kind == K.COPY_DIFFERS:
        return diff(detail) + (
            "; oio wrote it back during this check" if detail.healed else ""
        )
    if kind == K.MASTER_ODD:
        return "%s (the slaves agree with each other)" % diff(detail)
    if kind == K.NOT_READ:
        return "not read: %s" % unread(detail)
    if kind == K.NOT_REACHED:
        return "not reached (has: %s)" % reply(detail)
    if kind == K.COPY_CORRUPT:
        return "corrupt: %s%s" % (
            _EVIDENCE[detail.evidence],
            (
                "; oio set it aside and re-created it from the master during "
                "this check"
                if detail.healed
                else ""
            ),
        )
    if kind == K.COPY_STALE:
        # the versions said first are not said again as different values
        rows = detail.diff._replace(
            different=tuple(
                k
                for k in detail.diff.different
                if not k.startswith("version:")
            ),
            healed=False,
        )
        return "stale: %s%s%s" % (
            versions(detail.behind, "behind"),
            "; " + diff(rows) if any(rows[:3]) else "",
            (
                "; oio's election resynced it from the master during this check"
                if detail.healed
                else ""
            ),
        )
    if kind == K.NO_AGREEMENT:
        return "no two copies agree" + (
            " (vs master: %s)" % diff(detail) if detail and any(detail) else ""
        )
    return NAMES[kind]


# What each kind is called where nothing more is said of it.
NAMES = {
    K.OK: "ok",
    K.NO_BASE: "no base yet",
    K.DOWN: "down",
    K.TIMEOUT: "timeout",
    K.PEER_ERROR: "peer error",
    K.NO_MASTER: "no master",
    K.MASTERS: "several masters",
    K.WRONG_MASTER: "names another master",
    K.ABSENT: "absent from a reply",
    K.NOT_REACHED: "copy not reached",
    K.COPY_MISSING: "missing copy",
    K.COPY_DIFFERS: "copy differs",
    K.COPY_LACKS: "lacks required keys",
    K.MASTER_ODD: "master is the odd one out",
    K.NO_AGREEMENT: "no two copies agree",
    K.COPY_STALE: "stale copy",
    K.COPY_CORRUPT: "corrupt copy",
    K.DIVERGED: "copies diverged",
    K.ORPHAN: "orphan copy",
    K.NOT_READ: "not read",
    K.FILE_UNCHECKED: "file not checked",
    K.PREFLIGHT_UNREAD: "not read by the pre-flight",
    K.NEWER_COPY: "newer copy",
    K.MASTER_FIRST: "master not acted on",
    K.NOT_TRIGGERED: "not triggered",
    K.SOURCE_MOVED: "source moved",
    K.SYNC_KO: "SYNC_KO",
    K.NO_OUTCOME: "no outcome",
    K.NOT_VERIFIED: "not verified",
    K.STILL_DIFFERS: "still differs",
    K.LOST_KEYS: "lost keys",
    K.NO_HANDOVER: "no hand-over",
    K.REMAINS: "remains",
    K.INTERRUPTED: "interrupted",
}

_WHY = {
    M.Why.NOT_ASKED: "not asked",
    M.Why.EMPTY_TABLE: "the peer answered an empty admin table",
    M.Why.ABSENT_FROM_HAS: "absent from the has reply",
    M.Why.COPY_NOT_REREAD: "copy not re-read",
    M.Why.MASTER_NOT_REREAD: "master not re-read",
    M.Why.NO_LOG_BEFORE: "no log before",
}


def unread(detail):
    """Why a copy was not read, or a resync not verified."""
    why, more = detail
    if why == M.Why.HAS_FAILED:
        return "has: %d %s" % more
    if why == M.Why.NO_ANSWER:
        return "no answer within --timeout %gs" % more
    if why == M.Why.MOVED:
        return (
            "its versions moved in each of %d reads (the base is being "
            "written to): retry" % more
        )
    if why == M.Why.FAILED:
        return clean(more)
    return _WHY[why]


_EVIDENCE = {
    M.Evidence.REPLY: "oio answered that the database is corrupt",
    M.Evidence.SET_ASIDE: "oio set its file aside as corrupt when it was read",
    M.Evidence.UNREADABLE: "present, but its admin table cannot be read",
    M.Evidence.INTEGRITY: "its integrity check failed",
    M.Evidence.FILE_CHECK: "a fresh copy of its file fails oio's check, "
    "though every read of it is sane",
}


def versions(tables, word):
    """``behind on main.admin (3 < 5), main.aliases (1 < 2)``."""
    sign = "<" if word == "behind" else ">"
    return "%s on %s" % (
        word,
        ", ".join("%s (%d %s %d)" % (t, a, sign, b) for t, a, b in tables),
    )


# Problems of one copy, which read better naming the master as such.


def sent(writes):
    """What was sent, in order: ``sent: backup to A, sync to A, B``."""
    if not writes:
        return "nothing was sent"
    runs = []  # (action, peers): one per run of the same action, in order
    for write in writes:
        if runs and runs[-1][0] == write.action:
            runs[-1][1].update(dict.fromkeys(write.peers))
        else:
            runs.append((write.action, dict.fromkeys(write.peers)))
    return "sent: " + ", ".join(
        "%s%s" % (action, " to " + keys(peers) if peers else "")
        for action, peers in runs
    )
