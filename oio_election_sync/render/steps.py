"""Words, at the edge: the steps of a repair plan, in each tense."""

from oio_election_sync import model as M
from oio_election_sync import plan as PLAN
from oio_election_sync.render.words import copy_state, diff, keys

OLD_MASTER = "old master"  # the resync of a master that left

# The Action cell, what a dry run would do, what was done, what was not.
ACTION = {
    PLAN.WRITE: "write {keys} through it",
    PLAN.LEAVE: "leave the election",
    OLD_MASTER: "resync from the new master",
    PLAN.SYNC: "resync from {master}",
}
# A table names the master in its Role column: 120 columns hold the row.
ACTION_IN_TABLE = dict(ACTION, **{PLAN.SYNC: "resync from master"})
PLANNED = {
    PLAN.WRITE: "write {keys} through master {peer} from the slaves' value",
    PLAN.LEAVE: "make master {peer} leave the election ({wrong})",
    OLD_MASTER: "resync {peer} from the new master",
    PLAN.SYNC: "resync slave {peer} ({wrong}) from master {master}",
}
DONE = {
    PLAN.WRITE: "master {peer} lacked {keys}: written through the master "
    "from the slaves' value",
    PLAN.LEAVE: "master {peer} {was} ({wrong}): it left the election"
    "{took_over}",
    OLD_MASTER: "{peer} resynced from the new master",
    PLAN.SYNC: "{who} {peer} ({wrong}): resynced from master {source}",
}
NOT_SENT = {
    PLAN.WRITE: "the write through {peer} not sent (a step before it failed)",
    PLAN.LEAVE: "the leave of {peer} not sent (a step before it failed)",
    OLD_MASTER: "the resync of {peer} not sent (a step before it failed)",
    PLAN.SYNC: "the resync of {peer} not sent (a step before it failed)",
}


def _wrong(state):
    """What was wrong with a copy, for a clause."""
    if state is not None and state.kind == M.Kind.MASTER_ODD:
        return diff(state.detail)
    return copy_state(state)


def step(table, one, facts):
    """One step of ``facts.plan`` in the words of ``table``."""
    kind = one.action
    if kind == PLAN.SYNC and (
        one.why == PLAN.WHY_RESYNC_OLD
        or table is not DONE
        and facts.plan.leaves
    ):
        kind = OLD_MASTER  # after a hand-over, from the new master
    before = (facts.before or {}).get(one.peer)
    master = facts.master
    corrupt = before is not None and before.kind == M.Kind.COPY_CORRUPT
    return table[kind].format(
        peer=one.peer,
        keys=keys(sorted(facts.plan.keys)),
        wrong=_wrong(before),
        master=master,
        source=facts.source or master,
        who="master" if one.peer == master else "slave",
        was="was corrupt" if corrupt else "differed from the slaves",
        took_over=(
            ", %s took over" % facts.source
            if facts.source not in (None, master)
            else ""
        ),
    )
