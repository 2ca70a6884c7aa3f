"""Which repair a base needs, chosen from what was read: pure, no I/O.

From the read-only view of a base (its election and one state per copy),
one plan, under one rule: no write replaces a copy with one that holds less
or older data.

- the reference is the copy that covers every other one (peers.py:
  versions first, then rows); a slave whose copy is stale, differs, lacks
  keys, is missing or corrupt is resynced from a master of the reference
  (``sync`` with check type 2);
- a master that only lacks ``sys.*`` keys that every slave holds, with one
  same value, gets them written through it (the write is replicated);
- a master that is otherwise not of the reference (stale, corrupt, the odd
  one out) leaves the election; a peer of the reference takes over, then
  the old master is resynced from it;
- a slave whose copy the source does not cover (ahead on a version, rows
  the source lacks) is never overwritten without ``force``; copies that
  diverged (each ahead somewhere) are refused likewise;
- a copy that could not be read (not read, not reached) allows only the
  resync of slaves that are plainly broken (missing, short of required
  keys, corrupt) from a master that was read and is of the reference;
  a master not read allows nothing;
- no master, two masters, a slave naming another master: nothing.

``acted``: the peers of ``--service-id`` (all when empty): steps only
touch them, the evidence stays the whole base.
"""

import collections

from oio_election_sync import copies as C
from oio_election_sync import model as M

K = M.Kind

SYNC = "sync"
WRITE = "write keys"
LEAVE = "leave"

# Why an action was chosen (render.py says it in words).
WHY_SYNC = "damaged slave"
WHY_WRITE = "keys the slaves hold"
WHY_LEAVE = "odd master"
WHY_RESYNC_OLD = "old master"

Step = collections.namedtuple("Step", "peer action why")


class Plan(collections.namedtuple("Plan", "steps refusals keys reference")):
    """``steps`` in the order they run; ``refusals``: problems that forbid
    any change (then ``steps`` is empty); ``keys``: what WRITE writes;
    ``reference``: the peers whose copy is the reference."""

    def peers(self, action):
        return [s.peer for s in self.steps if s.action == action]

    @property
    def leaves(self):
        return bool(self.peers(LEAVE))


# Copies that all agree, read without waking the election (--copies-first).
NOTHING = Plan([], [], {}, ())

ELECTION_REFUSALS = (K.NO_MASTER, K.MASTERS, K.WRONG_MASTER, K.PEER_ERROR)
# Slave copies a resync from the reference repairs.
DAMAGED = (
    K.COPY_DIFFERS,
    K.COPY_MISSING,
    K.COPY_LACKS,
    K.COPY_STALE,
    K.COPY_CORRUPT,
)
# Copies with nothing a resync could lose.
NOTHING_TO_LOSE = (K.COPY_MISSING, K.COPY_CORRUPT)


def _refuse(problems, reference=()):
    return Plan([], list(problems), {}, tuple(reference))


def plan_repair(diagnosis, acted=(), force=False):
    """The plan for one base, from workflows.diagnose()."""
    election, copies = diagnosis.election, diagnosis.copies
    refusals = [p for p in election.problems if p.kind in ELECTION_REFUSALS]
    if refusals:
        return _refuse(refusals)
    master, states = election.master, copies.states
    mine = states.get(master)
    if mine is not None and mine.kind in C.UNKNOWN_KINDS:
        return _refuse([M.Problem(master, K.NOT_READ, mine.detail)])
    reference = copies.reference
    if not reference and force and _forcible(diagnosis):
        reference = (master,)  # the operator chose the master's copy
    if not reference:
        found = [
            p
            for p in copies.problems
            if p.kind in (K.NO_AGREEMENT, K.DIVERGED, K.COPY_LACKS)
        ]
        return _refuse(found or copies.problems)
    unknown = sorted(p for p, s in states.items() if s.kind in C.UNKNOWN_KINDS)
    damaged = sorted(
        peer
        for peer, s in states.items()
        if peer != master
        and peer not in reference
        and (s.kind in DAMAGED or s.kind == K.NO_AGREEMENT)
        # oio's election already resynced it (or re-created it) meanwhile
        and not getattr(s.detail, "healed", False)
    )
    if unknown:
        # a copy nobody read may be the best one: only plainly broken
        # slaves, from a master read and sane
        if master not in reference:
            return _refuse([_unread(p, states) for p in unknown])
        damaged = [
            p
            for p in damaged
            if states[p].kind in C.BROKEN_KINDS
            or C.missing_required(
                diagnosis.service_type, diagnosis.tables.get(p, {})
            )
        ]
    if acted:
        if master not in reference and master not in acted:
            return _refuse([M.Problem(master, K.MASTER_FIRST, mine)])
        damaged = [p for p in damaged if p in acted]
    source_keys = diagnosis.tables.get(reference[0])
    if not force:
        newer = C.newer_than(
            source_keys or {},
            diagnosis.tables,
            [p for p in damaged if states[p].kind not in NOTHING_TO_LOSE],
        )
        if newer:
            return _refuse(newer, reference)
    syncs = [Step(peer, SYNC, WHY_SYNC) for peer in damaged]
    if master in reference:
        return Plan(syncs, [], {}, reference)
    keys = _keys_to_write(master, diagnosis.tables, reference)
    if keys and mine.kind != K.COPY_CORRUPT:
        steps = [Step(master, WRITE, WHY_WRITE)] + syncs
        return Plan(steps, [], keys, reference)
    steps = [
        Step(master, LEAVE, WHY_LEAVE),
        Step(master, SYNC, WHY_RESYNC_OLD),
    ]
    return Plan(steps + syncs, [], {}, reference)


def _forcible(diagnosis):
    """--force may make the master's copy the reference when it was read
    and holds the required keys of the type."""
    master = diagnosis.election.master
    keys = diagnosis.tables.get(master)
    state = diagnosis.copies.states.get(master)
    return (
        keys is not None
        and state is not None
        and state.kind not in (K.COPY_LACKS, K.COPY_CORRUPT)
        and not C.missing_required(diagnosis.service_type, keys)
    )


def _unread(peer, states):
    state = states[peer]
    return M.Problem(peer, K.NOT_READ, state.detail)


def _keys_to_write(master, tables, reference):
    """The ``sys.*`` keys the master lacks and every slave that was read
    holds with one same value; {} when the master differs otherwise."""
    mine = tables.get(master)
    if mine is None:
        return {}
    theirs = tables[reference[0]]
    missing, different, extra, _ = C.diff(theirs, mine)
    if different or extra or not missing:
        return {}
    if not all(key.startswith("sys.") for key in missing):
        return {}
    slaves = [t for peer, t in tables.items() if peer != master]
    keys = {}
    for key in missing:
        values = {t.get(key) for t in slaves}
        if len(values) != 1 or None in values:
            return {}
        keys[key] = values.pop()
    return keys
