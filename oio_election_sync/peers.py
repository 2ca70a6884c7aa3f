"""What the peers of one replicated base say, as data.

Pure functions only: they take what oio-proxy answered and return roles,
the verdict of the election and its log. No I/O, no oio import, no words:
a problem is ``(peer, kind, detail)`` and ``render`` says it. The copies
are judged in ``copies``.
"""

import collections

from oio_election_sync.model import Kind, MalformedReply, PeerReply, Problem

# --- replies -----------------------------------------------------------------


def parse_replies(raw):
    """Validate a proxy reply ``{peer: {"status": {...}, "body": ...}}``.

    Returns PeerReply tuples sorted by peer id, as the built-in sorts rows.
    """
    if not isinstance(raw, dict):
        raise MalformedReply(
            "expected a JSON object of peers, got %s" % type(raw).__name__
        )
    if not raw:
        raise MalformedReply("the reply names no peer")
    replies = []
    for peer, item in raw.items():
        status = item.get("status") if isinstance(item, dict) else None
        if not isinstance(status, dict):
            raise MalformedReply("peer %s has no 'status' object" % peer)
        code, message = status.get("status"), status.get("message")
        if isinstance(code, bool) or not isinstance(code, int):
            raise MalformedReply(
                "peer %s: status %r is not an integer" % (peer, code)
            )
        if message is None:
            message = ""
        elif not isinstance(message, str):
            raise MalformedReply(
                "peer %s: message %r is not a string" % (peer, message)
            )
        replies.append(PeerReply(peer, code, message, item.get("body", "")))
    return sorted(replies, key=lambda r: r.peer)


# --- roles -------------------------------------------------------------------

MASTER = "master"
SLAVE = "slave"
ELECTING = "electing"  # debug: the election is in a transient state
NO_ELECTION = "no election"  # debug: the peer knows no election for this base
DOWN = "down"
TIMEOUT = "timeout"
ERROR = "error"

# Per-peer network codes written by oio-proxy (metautils ERRCODE_*): the
# peer was not reached at all, or not within its deadline.
_DOWN_CODES = frozenset((2, 3, 4, 6, 8, 10))
_TIMEOUT_CODES = frozenset((5, 7))
# /admin/has: 431 "Container not found" when the peer has no file.
HAS_PRESENT, HAS_MISSING = 200, 431
# CODE_CORRUPT_DATABASE (metautils/lib/codes.h): a peer found its copy
# corrupt. The proxy may also wrap it as a 503 (proxy/reply.c), so its
# texts (sqliterepo and SQLite's own) identify it too.
CORRUPT_CODE = 511
CORRUPT_TEXTS = (
    "invalid or corrupt database file",
    "database disk image is malformed",
    "file is not a database",
    "SQLITE_CORRUPT",
    "SQLITE_NOTADB",
)


def corrupt_text(text):
    """True when an oio message reports a corrupt base."""
    return isinstance(text, str) and any(t in text for t in CORRUPT_TEXTS)


def corrupt_reply(reply):
    """A per-peer reply that reports the peer's copy corrupt."""
    return reply.status == CORRUPT_CODE or corrupt_text(reply.message)


def unreached_role(code):
    """DOWN or TIMEOUT for a network error code, else None."""
    if code in _TIMEOUT_CODES:
        return TIMEOUT
    if code in _DOWN_CODES:
        return DOWN
    return None


def _role(reply, master_code, slave_code):
    if reply.status == master_code:
        return MASTER
    if reply.status == slave_code:
        return SLAVE
    return unreached_role(reply.status) or ERROR


def status_role(reply):
    """Role from ``/admin/status``: master 200, slave 303 + master address."""
    return _role(reply, 200, 303)


def sync_role(reply):
    """Role from ``/admin/sync``: master 301 "not SLAVE", slave 200."""
    return _role(reply, 301, 200)


def debug_role(reply):
    """Role from ``/admin/debug``: the ``local.state`` of the member."""
    if reply.status != 200:
        return unreached_role(reply.status) or ERROR
    body = reply.body
    if not body or not isinstance(body, dict):
        return NO_ELECTION
    local = body.get("local")
    state = local.get("state") if isinstance(local, dict) else None
    if state == "MASTER":
        return MASTER
    if state == "SLAVE":
        return SLAVE
    return ELECTING


# --- the election ------------------------------------------------------------

Election = collections.namedtuple("Election", "master roles problems")


def _unreached_problem(reply, role):
    kind = {DOWN: Kind.DOWN, TIMEOUT: Kind.TIMEOUT}.get(role, Kind.PEER_ERROR)
    return Problem(reply.peer, kind, (reply.status, reply.message))


def judge_election(replies, partial=False):
    """Healthy = exactly one master, every other peer a slave naming it.

    ``replies`` are ``/admin/status`` replies. ``partial``: only some peers
    were asked (--service-id); a master out of view is then the one the
    slaves agree on.
    """
    roles = {r.peer: status_role(r) for r in replies}
    masters = [r.peer for r in replies if roles[r.peer] == MASTER]
    named = {r.message for r in replies if roles[r.peer] == SLAVE}
    if partial and not masters and len(named) == 1:
        masters = list(named)
    problems = [
        _unreached_problem(r, roles[r.peer])
        for r in replies
        if roles[r.peer] not in (MASTER, SLAVE)
    ]
    master = masters[0] if len(masters) == 1 else None
    if not masters:
        problems.append(Problem(None, Kind.NO_MASTER, None))
    elif len(masters) > 1:
        problems.append(Problem(None, Kind.MASTERS, tuple(masters)))
    else:
        problems.extend(
            Problem(r.peer, Kind.WRONG_MASTER, (r.message, master))
            for r in replies
            if roles[r.peer] == SLAVE and r.message != master
        )
    return Election(master, roles, problems)


def judge_reach(replies, role_of):
    """Every peer reached? (``debug``: the others' state is informative)."""
    roles = {r.peer: role_of(r) for r in replies}
    problems = [
        _unreached_problem(r, roles[r.peer])
        for r in replies
        if roles[r.peer] in (DOWN, TIMEOUT, ERROR)
    ]
    masters = [p for p, role in roles.items() if role == MASTER]
    master = masters[0] if len(masters) == 1 else None
    return Election(master, roles, problems)


# --- election log ------------------------------------------------------------

LogEntry = collections.namedtuple("LogEntry", "time_ms before event after")

SYNC_OK = "SYNC_OK"
SYNC_KO = "SYNC_KO"


def parse_log_entry(text):
    """``"<ms>:<PRE>:<EVENT>:<POST>"`` -> LogEntry, or None when unparsable."""
    parts = text.split(":") if isinstance(text, str) else ()
    if len(parts) != 4 or not (parts[0].isascii() and parts[0].isdigit()):
        return None
    return LogEntry(int(parts[0]), parts[1], parts[2], parts[3])


def election_log(body):
    """Parsed log entries of a debug body, newest first; None when the body
    carries no readable log list."""
    log = body.get("log") if isinstance(body, dict) else None
    if log is None:
        return []
    if not isinstance(log, list):
        return None
    entries = (parse_log_entry(e) for e in log)
    return sorted((e for e in entries if e), key=lambda e: -e.time_ms)


def log_horizon(body):
    """The newest time in a member's log, 0 for an empty log, None when
    the body cannot be read as a member (then no "before" view exists)."""
    if body in (None, "") or body == {}:
        return 0  # no election member yet: an empty log
    entries = election_log(body)
    if entries is None:
        return None
    return entries[0].time_ms if entries else 0


def sync_outcome_after(body, horizon):
    """The newest SYNC_OK/SYNC_KO entry logged after ``horizon``, or None."""
    for entry in election_log(body) or ():
        if entry.time_ms <= horizon:
            return None
        if entry.event in (SYNC_OK, SYNC_KO):
            return entry
    return None
