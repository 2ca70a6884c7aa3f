"""The copies of one base, compared: one state per peer.

Pure functions: what each peer's admin table holds (``get_properties``
with ``local=1``), the versions sqliterepo keeps in it, which copy is the
reference, and what a resync made of a slave. No I/O, no words.
"""

import collections
import json

from oio_election_sync.peers import SYNC_KO
from oio_election_sync.model import (
    COPY_OK,
    NO_BASE,
    CopyState,
    Diff,
    Kind,
    MalformedReply,
    Problem,
    Result,
    Stale,
    Unread,
    Why,
)

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


# Bases created with their first use: meta1 bases (one per CID prefix) exist
# once a reference of that prefix was created. None anywhere is no damage.
LAZY_TYPES = ("meta1",)

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
    ``{peer: Unread}`` for those whose table could not be read;
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
        states.setdefault(
            peer, CopyState(Kind.NOT_READ, Unread(Why.NOT_ASKED))
        )
    problems = [
        Problem(peer, state.kind, state.detail)
        for peer, state in sorted(states.items())
        if state.kind not in (Kind.OK, Kind.NO_AGREEMENT)
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


# --- outcome of a resync on one slave ----------------------------------------


def resync_outcome(peer, before, before_ok, entry, after, source_keys):
    """Problems of one slave after its resync, and what it became.

    ``before``: its keys before (None when not read), ``before_ok``: its
    copy was the reference then; ``entry``: the new SYNC_* log entry or
    None; ``after``: its keys after (None when not read); ``source_keys``:
    the master's keys after the sync. Returns ``(problems, state)`` with
    state a Result (REPAIRED, ALREADY_IN_SYNC, IN_SYNC), or None with problems.
    """
    if entry is None:
        return [Problem(peer, Kind.NO_OUTCOME, None)], None
    if entry.event == SYNC_KO:
        return [Problem(peer, Kind.SYNC_KO, entry.time_ms)], None
    if after is None or source_keys is None:
        why = Why.COPY_NOT_REREAD if after is None else Why.MASTER_NOT_REREAD
        return [Problem(peer, Kind.NOT_VERIFIED, Unread(why))], None
    left = diff(source_keys, after)
    if any(left):
        return [Problem(peer, Kind.STILL_DIFFERS, left)], None
    if before is None:
        return [], Result.IN_SYNC
    lost = tuple(sorted(set(before) - set(after)))
    if lost and before_ok:
        # a sane copy overwritten by one that lacks what it held
        return [Problem(peer, Kind.LOST_KEYS, lost)], None
    return [], (Result.ALREADY_IN_SYNC if before == after else Result.REPAIRED)
