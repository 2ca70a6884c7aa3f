"""The repair plan, pure: from one state per copy to the steps, or the
refusal. Never a write that replaces a copy with one holding less."""

import pytest

from oio_election_sync import peers as P
from oio_election_sync import model as MD
from oio_election_sync import copies as C
from oio_election_sync import plan as PLAN
from oio_election_sync.diagnosis import Diagnosis

M, S1, S2 = "m:1", "s:2", "s:3"
K = MD.Kind


def keys(admin=3, aliases=1, **extra):
    base = {
        "sys.name": "N.1",
        "sys.type": "meta2",
        "sys.account": "a",
        "sys.user.name": "c",
        "sys.m2.ctime": "1",
        "sys.m2.init": "1",
        "version:main.admin": "%d:0" % admin,
        "version:main.aliases": "%d:0" % aliases,
    }
    base.update(extra)
    return base


def diagnosis(tables, unread=(), unreached=(), corrupt=()):
    replies = [
        MD.PeerReply(M, 200, "OK", ""),
        MD.PeerReply(S1, 303, M, ""),
        MD.PeerReply(S2, 303, M, ""),
    ]
    election = P.judge_election(replies)
    copies = C.judge_copies(
        "meta2",
        M,
        {},
        {p: t for p, t in tables.items()},
        {p: "boom" for p in unread},
        unreached={p: (2, "refused") for p in unreached},
        corrupt={p: MD.Corrupt(MD.Evidence.REPLY, False) for p in corrupt},
        peers=(M, S1, S2),
    )
    return Diagnosis([], replies, election, copies, tables, True, "meta2")


NEW = keys(admin=5, **{"properties.added": "yes"})
OLD = keys()

CASES = {
    "newer master, stale agreeing slaves": (
        {M: NEW, S1: OLD, S2: OLD},
        {},
        [(S1, "sync"), (S2, "sync")],
        [],
    ),
    "master behind agreeing slaves": (
        {M: OLD, S1: NEW, S2: NEW},
        {},
        [(M, "leave"), (M, "sync")],
        [],
    ),
    "real divergence": (
        {M: keys(admin=5), S1: keys(aliases=4), S2: keys(aliases=4)},
        {},
        [],
        [K.DIVERGED],
    ),
    "forced divergence: the master is the source": (
        {M: keys(admin=5), S1: keys(aliases=4), S2: keys(aliases=4)},
        {"force": True},
        [(S1, "sync"), (S2, "sync")],
        [],
    ),
    "one slave unread, another stale": (
        {M: NEW, S1: OLD},
        {"unread": (S2,)},
        [],
        [],
    ),
    "one slave unreached, another lacks ctime": (
        {M: OLD, S1: {k: v for k, v in OLD.items() if k != "sys.m2.ctime"}},
        {"unreached": (S2,)},
        [(S1, "sync")],
        [],
    ),
    "master unread": (
        {S1: OLD, S2: OLD},
        {"unread": (M,)},
        [],
        [K.NOT_READ],
    ),
    "partial view: one stale slave asked": (
        {M: NEW, S1: OLD, S2: OLD},
        {"acted": (S1,)},
        [(S1, "sync")],
        [],
    ),
    "partial view: the odd master not asked": (
        {M: OLD, S1: NEW, S2: NEW},
        {"acted": (S1,)},
        [],
        [K.MASTER_FIRST],
    ),
    "corrupt slave": (
        {M: OLD, S1: OLD},
        {"corrupt": (S2,)},
        [(S2, "sync")],
        [],
    ),
    "corrupt master": (
        {S1: OLD, S2: OLD},
        {"corrupt": (M,)},
        [(M, "leave"), (M, "sync")],
        [],
    ),
    # read_copies gives up on copies whose versions moved in each of its
    # reads: they reach the plan unread, and nothing is written
    "versions moving on the master and a slave during the reads": (
        {S2: OLD},
        {"unread": (M, S1)},
        [],
        [K.NOT_READ],
    ),
    "every copy corrupt": (
        {},
        {"corrupt": (M, S1, S2)},
        [],
        [K.COPY_CORRUPT] * 3,  # no sane copy to repair from
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_plan(name):
    tables, extra, steps, refusals = CASES[name]
    acted = extra.pop("acted", ()) if "acted" in extra else ()
    force = extra.pop("force", False) if "force" in extra else False
    found = PLAN.plan_repair(
        diagnosis(tables, **extra), acted=acted, force=force
    )
    assert [(s.peer, s.action) for s in found.steps] == steps
    assert [p.kind for p in found.refusals] == refusals
