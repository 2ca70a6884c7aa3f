"""Which repair a base needs, chosen from what was read: pure, no I/O.

From the read-only view of a base (its election and its copies), one plan:

- the slaves whose copy differs, lacks keys or is missing are resynced from
  a sane master (``sync`` with check type 2);
- a master that only lacks ``sys.*`` keys that every slave holds, with one
  same value, gets them written through it (the write is replicated);
- a master that is otherwise the odd one out (the slaves agree with each
  other, it differs) leaves the election; a peer of the agreeing copies
  takes over, then the old master is resynced from it;
- with no sane copy to repair from, no master or two masters: nothing.
"""

import collections

from oio_election_sync import peers as P

K = P.Kind

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

_ELECTION_REFUSALS = (K.NO_MASTER, K.MASTERS, K.WRONG_MASTER, K.PEER_ERROR)
_DAMAGED = (K.COPY_DIFFERS, K.COPY_MISSING, K.COPY_LACKS)


def _refuse(problems, reference=()):
    return Plan([], list(problems), {}, tuple(reference))


def plan_repair(diagnosis):
    """The plan for one base, from workflows.diagnose()."""
    election, copies = diagnosis.election, diagnosis.copies
    refusals = [p for p in election.problems if p.kind in _ELECTION_REFUSALS]
    if refusals:
        return _refuse(refusals)
    master = election.master
    state = copies.states.get(master)
    if state is not None and state.kind == K.NOT_READ:
        return _refuse([P.Problem(master, K.NOT_READ, state.detail)])
    reference = copies.reference
    if not reference:
        found = [
            p
            for p in copies.problems
            if p.kind in (K.NO_AGREEMENT, K.COPY_LACKS)
        ]
        return _refuse(found or copies.problems)
    damaged = sorted(
        peer
        for peer, s in copies.states.items()
        if peer != master and s.kind in _DAMAGED and peer not in reference
    )
    if master in reference:
        steps = [Step(peer, SYNC, WHY_SYNC) for peer in damaged]
        return Plan(steps, [], {}, reference)
    keys = _keys_to_write(master, diagnosis.tables, reference)
    if keys:
        steps = [Step(master, WRITE, WHY_WRITE)]
        steps += [Step(peer, SYNC, WHY_SYNC) for peer in damaged]
        return Plan(steps, [], keys, reference)
    steps = [
        Step(master, LEAVE, WHY_LEAVE),
        Step(master, SYNC, WHY_RESYNC_OLD),
    ]
    steps += [Step(peer, SYNC, WHY_SYNC) for peer in damaged]
    return Plan(steps, [], {}, reference)


def _keys_to_write(master, tables, reference):
    """The ``sys.*`` keys the master lacks and every slave that was read
    holds with one same value; {} when the master differs otherwise."""
    mine = tables.get(master)
    if mine is None:
        return {}
    theirs = tables[reference[0]]
    missing, different, extra = P.diff(theirs, mine)
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
