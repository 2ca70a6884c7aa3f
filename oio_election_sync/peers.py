"""What the peers of one replicated base say, as data.

Pure functions only: they take what oio-proxy answered and return roles,
problems and per-peer states. No I/O, no oio import, no words: a problem is
``(peer, kind, detail)`` and ``render`` turns it into a sentence at the edge.
"""

import collections
import json

from oio_election_sync import exitcodes as X

# --- replies -----------------------------------------------------------------

PeerReply = collections.namedtuple("PeerReply", "peer status message body")


class MalformedReply(ValueError):
    """The proxy answered something that is not a per-peer reply map."""


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


# --- problems ----------------------------------------------------------------

Problem = collections.namedtuple("Problem", "peer kind detail")


class Kind:
    """What can be wrong, each with the exit code it deserves."""

    # the election (detail: the reply's status and message, or peers)
    DOWN = "down"
    TIMEOUT = "timeout"
    PEER_ERROR = "peer error"
    NO_MASTER = "no master"
    MASTERS = "several masters"
    WRONG_MASTER = "names another master"
    # the copies
    COPY_MISSING = "missing copy"  # detail: True when re-created meanwhile
    COPY_DIFFERS = "copy differs"  # detail: Diff against the reference
    COPY_LACKS = "lacks required keys"  # detail: keys
    MASTER_ODD = "master is the odd one out"  # detail: Diff vs the slaves
    NO_AGREEMENT = "no two copies agree"
    NOT_READ = "not read"  # detail: why (a transport error, an empty table)
    NOT_REACHED = "copy not reached"  # detail: has's (status, message)
    COPY_STALE = "stale copy"  # detail: Stale(behind, diff) vs the reference
    COPY_CORRUPT = "corrupt copy"  # detail: Corrupt(evidence, healed)
    DIVERGED = "copies diverged"  # detail: ((peer, ahead), (peer, ahead))
    NEWER_COPY = "newer copy"  # detail: Stale(ahead, diff): would be lost
    MASTER_FIRST = "master not acted on"  # detail: the master's CopyState
    FILE_UNCHECKED = "file not checked"  # detail: oioclient.FileCheck
    ORPHAN = "orphan copy"  # a listed copy the directory links to nothing
    PREFLIGHT_UNREAD = "not read by the pre-flight"  # detail: CopyState
    # sync and repair
    NOT_TRIGGERED = "not triggered"  # detail: the peer's reply, or why
    SOURCE_MOVED = "source moved"  # detail: (expected master, sources)
    SYNC_KO = "SYNC_KO"
    NO_OUTCOME = "no outcome"
    NOT_VERIFIED = "not verified"  # detail: why
    STILL_DIFFERS = "still differs"  # detail: Diff
    LOST_KEYS = "lost keys"  # detail: keys the copy held before the sync
    NO_HANDOVER = "no hand-over"  # the master left; no sane peer took over
    REMAINS = "remains"  # detail: a problem a repair acted on, still there
    ABSENT = "absent from a reply"  # detail: the request it was absent from
    INTERRUPTED = "interrupted"  # detail: what was sent

    EXIT_CODES = {
        DOWN: X.EXIT_UNHEALTHY,
        TIMEOUT: X.EXIT_UNHEALTHY,
        PEER_ERROR: X.EXIT_UNHEALTHY,
        NO_MASTER: X.EXIT_UNHEALTHY,
        MASTERS: X.EXIT_UNHEALTHY,
        WRONG_MASTER: X.EXIT_UNHEALTHY,
        COPY_MISSING: X.EXIT_DIVERGED,
        COPY_DIFFERS: X.EXIT_DIVERGED,
        COPY_LACKS: X.EXIT_DIVERGED,
        MASTER_ODD: X.EXIT_DIVERGED,
        NO_AGREEMENT: X.EXIT_DIVERGED,
        NOT_READ: X.EXIT_ERROR,
        NOT_REACHED: X.EXIT_UNHEALTHY,
        COPY_STALE: X.EXIT_DIVERGED,
        COPY_CORRUPT: X.EXIT_DIVERGED,
        DIVERGED: X.EXIT_DIVERGED,
        NEWER_COPY: X.EXIT_REFUSED,
        MASTER_FIRST: X.EXIT_REFUSED,
        FILE_UNCHECKED: X.EXIT_ERROR,
        ORPHAN: X.EXIT_DIVERGED,
        PREFLIGHT_UNREAD: X.EXIT_ERROR,
        NOT_TRIGGERED: X.EXIT_INCOMPLETE,
        SOURCE_MOVED: X.EXIT_INCOMPLETE,
        SYNC_KO: X.EXIT_INCOMPLETE,
        NO_OUTCOME: X.EXIT_INCOMPLETE,
        NOT_VERIFIED: X.EXIT_INCOMPLETE,
        STILL_DIFFERS: X.EXIT_INCOMPLETE,
        LOST_KEYS: X.EXIT_INCOMPLETE,
        NO_HANDOVER: X.EXIT_INCOMPLETE,
        REMAINS: X.EXIT_INCOMPLETE,
        ABSENT: X.EXIT_UNHEALTHY,
        INTERRUPTED: X.EXIT_INTERRUPTED,
    }


def exit_code(problems):
    """The exit code a list of problems deserves (0 when there is none)."""
    return X.combine(Kind.EXIT_CODES[p.kind] for p in problems)


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


# --- admin tables ------------------------------------------------------------

# Keys compared between copies. ``stats.*`` describe the SQLite file itself
# (page count, freelist) and legitimately differ between peers; everything
# else in ``system`` is replicated with the base (fixtures get_properties-*).
_PER_FILE_PREFIXES = ("stats.",)
USER_PREFIX = "properties."

# Keys every base of a type must hold (sqliterepo sets sys.name and sys.type
# on every base; meta2 initialisation writes the others, see the fixtures).
REQUIRED_KEYS = {
    None: ("sys.name", "sys.type"),
    "meta2": (
        "sys.name",
        "sys.type",
        "sys.account",
        "sys.user.name",
        "sys.m2.ctime",
        "sys.m2.init",
    ),
}


def required_keys(service_type):
    return REQUIRED_KEYS.get(service_type, REQUIRED_KEYS[None])


def replicated_keys(table):
    """Flatten ``{"system": {...}, "properties": {...}}`` to comparable keys,
    or None for an empty table (which proves nothing: the proxy answers one
    for a base it opened under another name, or a file that is gone).

    User properties are prefixed ``properties.`` so they cannot collide with
    system keys.
    """
    if not isinstance(table, dict):
        raise MalformedReply("admin table is not a JSON object")
    system = table.get("system") or {}
    props = table.get("properties") or {}
    if not isinstance(system, dict) or not isinstance(props, dict):
        raise MalformedReply("admin table 'system'/'properties' not objects")
    if not system and not props:
        return None
    if not all(isinstance(k, str) for k in list(system) + list(props)):
        raise MalformedReply("admin table has keys that are not strings")
    keys = {
        k: _comparable(v)
        for k, v in system.items()
        if not k.startswith(_PER_FILE_PREFIXES)
    }
    keys.update((USER_PREFIX + k, _comparable(v)) for k, v in props.items())
    return keys


def _comparable(value):
    """A value as a string: lists and objects (which a proxy should not
    send) stay comparable and hashable."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


# ``healed``: oio itself wrote the copy back to the reference during the
# check (the election it woke resynced it, or it rewrote its rows).
Diff = collections.namedtuple(
    "Diff", "missing different extra healed", defaults=(False,)
)


def diff(reference, mine):
    """How ``mine`` differs from ``reference`` (sorted key tuples)."""
    return Diff(
        tuple(sorted(set(reference) - set(mine))),
        tuple(
            sorted(
                k
                for k in set(reference) & set(mine)
                if reference[k] != mine[k]
            )
        ),
        tuple(sorted(set(mine) - set(reference))),
    )


def missing_required(service_type, keys):
    """Required keys of the type that this copy lacks."""
    return tuple(k for k in required_keys(service_type) if k not in keys)


def _items(keys):
    return frozenset(keys.items())


VERSION_PREFIX = "version:"


def versions(keys):
    """``{table: version}`` from the ``version:main.<table>`` rows, which
    sqliterepo writes as ``<version>:<when>`` and bumps on every change of
    the table (sqliterepo/version.c): what oio's own election compares to
    tell the newer copy."""
    found = {}
    for key, value in keys.items():
        if key.startswith(VERSION_PREFIX) and isinstance(value, str):
            head = value.split(":", 1)[0]
            if head.isascii() and head.isdigit():
                found[key[len(VERSION_PREFIX) :]] = int(head)
    return found


def ahead(mine, theirs):
    """Tables on which ``mine`` is ahead of ``theirs``:
    ``((table, my version, their version), ...)``."""
    a, b = versions(mine), versions(theirs)
    return tuple(
        sorted((t, a[t], b[t]) for t in set(a) & set(b) if a[t] > b[t])
    )


def covers(mine, theirs):
    """``mine`` may replace ``theirs`` and lose nothing: ``theirs`` is
    ahead on no table and holds no row that ``mine`` lacks; where both
    are level on every table, the rows they share hold the same values."""
    if ahead(theirs, mine) or not set(theirs) <= set(mine):
        return False
    return bool(ahead(mine, theirs)) or all(
        mine[k] == v for k, v in theirs.items()
    )


def reference_group(tables):
    """The peers whose copy is the reference, or () when none stands out.

    ``tables``: ``{peer: keys}`` of the copies that were read. The
    reference is the copy that covers every other one (ahead or level on
    every table's version, holding every row they hold): a stale copy or
    one that lost rows is never chosen over it, even when it is the
    majority. Copies level on everything that only differ in a value are
    settled by a strict majority; else none stands out.
    """
    groups = collections.defaultdict(list)
    for peer in sorted(tables):
        groups[_items(tables[peer])].append(peer)
    if len(groups) == 1:
        return tuple(next(iter(groups.values())))
    keyed = {items: dict(items) for items in groups}
    candidates = [
        items
        for items in groups
        if all(
            covers(keyed[items], keyed[other])
            for other in groups
            if other is not items
        )
    ]
    if len(candidates) == 1:
        return tuple(groups[candidates[0]])
    for items, peers in groups.items():
        # level copies that differ in a value: the majority, if no copy is
        # ahead of it and none holds a row it lacks
        if 2 * len(peers) > len(tables) and all(
            not ahead(keyed[other], keyed[items])
            and set(keyed[other]) <= set(keyed[items])
            for other in groups
        ):
            return tuple(peers)
    return ()


def divergence(tables):
    """Two copies each ahead of the other on some table (oio's election
    calls it "Concurrent content changes"): ``((peer, ahead), (peer,
    ahead))`` for the first such pair, else None."""
    peers = sorted(tables)
    for i, a in enumerate(peers):
        for b in peers[i + 1 :]:
            mine, theirs = ahead(tables[a], tables[b]), ahead(
                tables[b], tables[a]
            )
            if mine and theirs:
                return ((a, mine), (b, theirs))
    return None


# Per-peer state of a copy, shown in the ``Copy`` column: a Kind (or "ok")
# and its detail. Every peer of a base has exactly one (judge_copies).
CopyState = collections.namedtuple("CopyState", "kind detail")
COPY_OK = CopyState("ok", None)
NO_BASE = CopyState("no base", None)
# Bases created with their first use: meta1 bases (one per CID prefix) exist
# once a reference of that prefix was created. None anywhere is no damage.
LAZY_TYPES = ("meta1",)

# ``behind``: ((table, this copy's version, the other's), ...); ``diff``:
# the Diff of this copy against the other.
# ``healed``: oio's own election resynced it during the check (a status
# wakes the election, which compares versions: sqliterepo/election.c).
Stale = collections.namedtuple(
    "Stale", "behind diff healed", defaults=(False,)
)


class Lacks(tuple):
    """The required keys a copy lacks, ``healed`` when oio wrote them back
    during the check (meta1 rewrites its sys.* rows when it opens the base
    or its election wakes). Equal to the plain tuple of the keys."""

    healed = False

    def restored(self):
        again = Lacks(self)
        again.healed = True
        return again


# ``evidence``: a Evidence value; ``healed``: oio set the file aside and
# re-created it during the check.
Corrupt = collections.namedtuple("Corrupt", "evidence healed")


class Evidence:
    """What showed a copy corrupt (render.py says it in words)."""

    REPLY = "reply"  # a peer answered CODE_CORRUPT_DATABASE (511)
    SET_ASIDE = "set aside"  # has: present, then gone after reading it
    UNREADABLE = "unreadable"  # present, its admin table reads empty/torn
    INTEGRITY = "integrity"  # PRAGMA quick/integrity_check failed
    FILE_CHECK = "file check"  # a fresh copy of its file failed oio's check


# Outcomes of a master's file check (oioclient.Base.file_check).
FILE_SANE = "sane"
FILE_CORRUPT = "corrupt"
FILE_UNCHECKED = "unchecked"
# After its dump check passed, oio refuses a peer's restore from itself:
# 473 on the master, 472 on a slave (restores come from the master only).
RESTORE_REFUSED = (472, 473)


# States of copies whose content is not known: no decision overwrites a
# copy on their account, and none counts them as sane.
UNKNOWN_KINDS = (Kind.NOT_READ, Kind.NOT_REACHED)
# Copies that a resync from a sane source plainly cannot make worse.
BROKEN_KINDS = (Kind.COPY_MISSING, Kind.COPY_LACKS, Kind.COPY_CORRUPT)

Copies = collections.namedtuple("Copies", "states reference problems")


def judge_copies(
    service_type,
    master,
    missing,
    tables,
    unread,
    unreached=None,
    corrupt=None,
    peers=(),
):
    """Compare the copies of a base: one state for every peer.

    ``missing``: ``{peer: re-created}`` for peers whose ``has`` said the file
    is gone (True when the election re-created it during the check);
    ``tables``: ``{peer: keys}`` read from the others; ``unread``:
    ``{peer: why}`` for those whose table could not be read;
    ``unreached``: ``{peer: (status, message)}`` whose ``has`` failed on the
    network; ``corrupt``: ``{peer: Corrupt}``; ``peers``: every peer known
    from other replies (one with none of these is "not read"). ``master``
    may be None (the copies are then compared with each other only).

    ``reference`` is the group of copies the others are compared with,
    when it holds the required keys of the type; else ().
    """
    unreached, corrupt = unreached or {}, corrupt or {}
    states = {}
    if (
        service_type in LAZY_TYPES
        and missing
        and not (tables or unread or unreached or corrupt)
    ):
        # a prefix no reference uses yet has no base on any peer
        return Copies({peer: NO_BASE for peer in missing}, (), [])
    for peer, recreated in missing.items():
        states[peer] = CopyState(Kind.COPY_MISSING, recreated)
    for peer, why in unread.items():
        states[peer] = CopyState(Kind.NOT_READ, why)
    for peer, reply in unreached.items():
        states[peer] = CopyState(Kind.NOT_REACHED, reply)
    for peer, found in corrupt.items():
        states[peer] = CopyState(Kind.COPY_CORRUPT, found)
    tables = {p: t for p, t in tables.items() if p not in states}
    group = reference_group(tables)
    for peer in tables:
        if not group:
            versus = tables.get(master) if peer != master else None
            detail = diff(versus, tables[peer]) if versus else None
            states[peer] = CopyState(Kind.NO_AGREEMENT, detail)
            continue
        lacks = missing_required(service_type, tables[peer])
        if peer in group:
            states[peer] = (
                CopyState(Kind.COPY_LACKS, lacks) if lacks else COPY_OK
            )
            continue
        reference = tables[group[0]]
        behind = ahead(reference, tables[peer])
        if behind:
            detail = Stale(
                tuple((t, mine, ref) for t, ref, mine in behind),
                diff(reference, tables[peer]),
            )
            states[peer] = CopyState(Kind.COPY_STALE, detail)
        else:
            kind = Kind.MASTER_ODD if peer == master else Kind.COPY_DIFFERS
            states[peer] = CopyState(kind, diff(reference, tables[peer]))
    for peer in peers:
        states.setdefault(peer, CopyState(Kind.NOT_READ, "not asked"))
    problems = [
        Problem(peer, state.kind, state.detail)
        for peer, state in sorted(states.items())
        if state.kind not in ("ok", Kind.NO_AGREEMENT)
    ]
    if not group and len(tables) > 1:
        split = divergence(tables)
        if split:
            problems.append(Problem(None, Kind.DIVERGED, split))
        else:
            problems.append(
                Problem(None, Kind.NO_AGREEMENT, tuple(sorted(tables)))
            )
    sane = group and not missing_required(service_type, tables[group[0]])
    return Copies(states, group if sane else (), problems)


def newer_than(source_keys, tables, peers):
    """Problems for each of ``peers`` whose copy holds something the
    source's lacks (ahead on a table, or rows it lacks): overwriting it
    from the source would lose that."""
    found = []
    for peer in sorted(peers):
        mine = tables.get(peer)
        if mine is None or covers(source_keys, mine):
            continue
        detail = Stale(ahead(mine, source_keys), diff(source_keys, mine))
        found.append(Problem(peer, Kind.NEWER_COPY, detail))
    return found


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


# --- outcome of a resync on one slave ----------------------------------------


def resync_outcome(peer, before, before_ok, entry, after, source_keys):
    """Problems of one slave after its resync, and what it became.

    ``before``: its keys before (None when not read), ``before_ok``: its
    copy was the reference then; ``entry``: the new SYNC_* log entry or
    None; ``after``: its keys after (None when not read); ``source_keys``:
    the master's keys after the sync. Returns ``(problems, state)`` with
    state REPAIRED, ALREADY_IN_SYNC, IN_SYNC, or None with problems.
    """
    if entry is None:
        return [Problem(peer, Kind.NO_OUTCOME, None)], None
    if entry.event == SYNC_KO:
        return [Problem(peer, Kind.SYNC_KO, entry.time_ms)], None
    if after is None or source_keys is None:
        why = "copy not re-read" if after is None else "master not re-read"
        return [Problem(peer, Kind.NOT_VERIFIED, why)], None
    left = diff(source_keys, after)
    if any(left):
        return [Problem(peer, Kind.STILL_DIFFERS, left)], None
    if before is None:
        return [], IN_SYNC
    lost = tuple(sorted(set(before) - set(after)))
    if lost and before_ok:
        # a sane copy overwritten by one that lacks what it held
        return [Problem(peer, Kind.LOST_KEYS, lost)], None
    return [], (ALREADY_IN_SYNC if before == after else REPAIRED)


REPAIRED = "repaired"
ALREADY_IN_SYNC = "already in sync"
IN_SYNC = "in sync (copy before: not read)"
