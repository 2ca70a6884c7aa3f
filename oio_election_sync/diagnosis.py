"""The read-only view of a base: what every peer holds, and its election.

``has`` (changes nothing), local reads of each peer's admin table (wake no
election), then the election status, then ``has`` again: an order that
cannot hide a missing copy. Talks to oio only through oioclient.Base and
judges only through peers and copies.
"""

import collections

from oio_election_sync import copies as C
from oio_election_sync import exitcodes as X
from oio_election_sync import model as M
from oio_election_sync import peers as P
from oio_election_sync.exitcodes import ElectionError

K = M.Kind

# --- the read-only view of a base --------------------------------------------

Diagnosis = collections.namedtuple(
    "Diagnosis",
    "has status election copies tables elected service_type",
    defaults=(True, None),
)

# Rounds of local reads a write workflow makes before it stops trusting a
# base whose versions keep moving (a busy container).
SNAPSHOT_ROUNDS = 3


def diagnose(base, check=True, copies_first=False, snapshot=False, corrupt=()):
    """Look at a base without changing it, in an order that cannot hide a
    missing copy: ``has`` (changes nothing), local reads of each peer's
    admin table (wake no election), then the election status (which makes
    a slave whose file is gone re-create it), then ``has`` again for those
    peers, to tell that the election re-created them meanwhile.

    Every peer of the base is read, whatever ``--service-id`` narrows: a
    decision is made from the whole base. Where no peer holds a copy, the
    election is not asked (it would create the base).

    ``copies_first``: when every peer answered and all copies agree (or,
    for a meta1 prefix no reference uses yet, no peer has one), stop
    there, without waking the election (``elected`` is then False).
    ``snapshot`` (sync, repair): copies whose versions move between two
    reads are read again, and a base that never holds still is a problem
    (``versions moved``), not a view to act on."""
    if not check:
        # a status makes the peers create a base none of them holds:
        # ``has`` tells first (it changes nothing)
        has = base.ask("has", everyone=True, steps=2)
        _named_peers(base, has)
        if has and all(r.status == P.HAS_MISSING for r in has):
            copies = C.judge_copies(
                base.target.service_type,
                None,
                {r.peer: False for r in has},
                {},
                {},
                peers=[r.peer for r in has],
            )
            election = P.Election(None, {}, [])
            return Diagnosis(
                has, [], election, copies, {}, False, base.target.service_type
            )
        status = base.ask("status", steps=1)
        election = P.judge_election(
            status, partial=bool(base.target.service_ids)
        )
        return Diagnosis(
            [], status, election, None, {}, True, base.target.service_type
        )
    reads = read_copies(base, steps=3, snapshot=snapshot)
    _named_peers(base, reads.has)
    if not isinstance(corrupt, dict):
        corrupt = dict.fromkeys(corrupt, M.Evidence.INTEGRITY)
    for peer, evidence in corrupt.items():  # what no reply shows
        reads.tables.pop(peer, None)
        reads.unread.pop(peer, None)
        reads.corrupt[peer] = M.Corrupt(evidence, False)
    answered = len(reads.tables) + len(reads.missing) == len(reads.has)
    nowhere = reads.has and len(reads.missing) == len(reads.has)
    if (copies_first and answered) or nowhere:
        copies = _judge(base, None, reads)
        if not copies.problems or nowhere:
            election = P.Election(None, {}, [])
            return Diagnosis(
                reads.has,
                [],
                election,
                copies,
                reads.tables,
                False,
                base.target.service_type,
            )
    status = base.ask("status", everyone=True, steps=2)
    election = P.judge_election(status)
    held = {r.peer for r in reads.has}
    for peer, role in election.roles.items():
        if peer not in held and role in (P.MASTER, P.SLAVE):
            reads.unread[peer] = M.Unread(M.Why.ABSENT_FROM_HAS)
    absent = [
        M.Problem(peer, K.ABSENT, "status")
        for peer in sorted(held - set(election.roles))
    ]
    election = election._replace(problems=election.problems + absent)
    _seen_after_status(base, reads)
    copies = _judge(base, election.master, reads, set(election.roles))
    copies = _resynced_by_the_election(base, copies, reads.tables)
    return Diagnosis(
        reads.has,
        status,
        election,
        copies,
        reads.tables,
        True,
        base.target.service_type,
    )


def _named_peers(base, has):
    """A --service-id that is no peer of the base is a typo: said, before
    anything that could act on the others."""
    peers = {r.peer for r in has}
    strangers = [p for p in base.target.service_ids if p not in peers]
    if strangers and peers:
        raise ElectionError(
            "%s: --service-id %s is no peer of this base (its peers: %s): "
            "nothing was changed"
            % (
                base.target.label,
                ", ".join(strangers),
                ", ".join(sorted(peers)),
            ),
            X.EXIT_USAGE,
        )


def _judge(base, master, reads, peers=()):
    return judge_reads(base.target.service_type, master, reads, peers)


def judge_reads(service_type, master, reads, peers=()):
    """peers.judge_copies() of what read_copies() read."""
    return C.judge_copies(
        service_type,
        master,
        reads.missing,
        reads.tables,
        reads.unread,
        unreached=reads.unreached,
        corrupt=reads.corrupt,
        peers=peers,
    )


def _seen_after_status(base, reads):
    """The status makes a peer whose copy is gone, or was set aside as
    corrupt, re-create it: ``has`` again tells the operator so."""
    again = sorted(set(reads.missing) | set(reads.corrupt))
    if not again:
        return
    before = {r.peer: r.body for r in reads.has}
    for reply in base.ask("has", peers=again, steps=1):
        present = reply.status == P.HAS_PRESENT
        if reply.peer in reads.missing:
            reads.missing[reply.peer] = present
        else:
            found = reads.corrupt[reply.peer]
            healed = present and (
                found.evidence == M.Evidence.SET_ASIDE
                or reply.body != before.get(reply.peer)
            )
            reads.corrupt[reply.peer] = found._replace(healed=healed)


def _resynced_by_the_election(base, copies, tables):
    """A status wakes the election, which compares versions and resyncs a
    stale slave from the master by itself: read such copies once more, to
    say so instead of reporting a state that is already gone."""
    kinds = (K.COPY_STALE, K.COPY_LACKS, K.COPY_DIFFERS)
    short = sorted(p for p, s in copies.states.items() if s.kind in kinds)
    if not short or not copies.reference or base.remaining() <= 0:
        return copies
    reference = tables[copies.reference[0]]
    again, _ = base.tables(short, steps=1)
    states = dict(copies.states)
    for peer in short:
        table, state = again.get(peer), states[peer]
        if table is None:
            continue
        if state.kind == K.COPY_STALE and C.covers(table, reference):
            detail = state.detail._replace(healed=True)
        elif state.kind == K.COPY_LACKS and not C.missing_required(
            base.target.service_type, table
        ):
            detail = M.Lacks(state.detail).restored()
        elif state.kind == K.COPY_DIFFERS and C.covers(table, reference):
            detail = state.detail._replace(healed=True)
        else:
            continue
        states[peer] = M.CopyState(state.kind, detail)
    problems = [
        (
            M.Problem(p.peer, p.kind, states[p.peer].detail)
            if p.peer in states and p.kind in kinds
            else p
        )
        for p in copies.problems
    ]
    return copies._replace(states=states, problems=problems)


Reads = collections.namedtuple(
    "Reads", "has tables unread missing unreached corrupt"
)


def read_copies(base, steps=2, snapshot=False):
    """``has`` on every peer, then each present copy's admin table read
    locally: wakes no election. Every peer ``has`` named ends in exactly
    one of ``tables``, ``unread`` (why), ``missing`` (False: not
    re-created), ``unreached`` (has's status, message) or ``corrupt``.

    When a copy looks damaged (an empty or partial table, copies that
    differ), ``has`` and the reads are made once more: a copy that oio set
    aside meanwhile, or that reads differently each time, is corrupt, not
    short of keys; with ``snapshot``, versions that moved are read again.
    """
    has = base.ask("has", steps=steps, everyone=True)
    base.learn_name(has)
    reads = Reads(has, {}, {}, {}, {}, {})
    for reply in has:
        if P.corrupt_reply(reply):
            reads.corrupt[reply.peer] = M.Corrupt(M.Evidence.REPLY, False)
        elif reply.status == P.HAS_MISSING:
            reads.missing[reply.peer] = False
        elif P.unreached_role(reply.status):
            reads.unreached[reply.peer] = (reply.status, reply.message)
        elif reply.status != P.HAS_PRESENT:
            reads.unread[reply.peer] = M.Unread(
                M.Why.HAS_FAILED, (reply.status, reply.message)
            )
    present = [r.peer for r in has if r.status == P.HAS_PRESENT]
    first = _read_round(base, present, steps - 1, reads)
    rounds = 1
    while _doubtful(base, first, snapshot) and rounds < SNAPSHOT_ROUNDS:
        if base.remaining() <= 0:
            break
        again = _recheck(base, present, first, reads)
        rounds += 1
        moved = _moved(first, again)
        first = again
        if not (snapshot and moved):
            break
        if rounds == SNAPSHOT_ROUNDS:
            for peer in moved:
                reads.tables.pop(peer, None)
                reads.unread[peer] = M.Unread(M.Why.MOVED, SNAPSHOT_ROUNDS)
    return reads


def _read_round(base, peers, steps, reads):
    """One round of local reads into ``reads``; returns what each peer
    answered: its keys, None (an empty table) or an exception text."""
    tables, unread, empty, corrupt = base.tables(
        peers, steps=steps, detailed=True
    )
    answers = {}
    for peer in peers:
        reads.tables.pop(peer, None)
        reads.unread.pop(peer, None)
        if peer in corrupt:
            reads.corrupt[peer] = M.Corrupt(M.Evidence.REPLY, False)
            answers[peer] = "corrupt"
        elif peer in tables:
            reads.tables[peer] = answers[peer] = tables[peer]
        elif peer in empty:
            reads.unread[peer] = unread[peer]
            answers[peer] = None
        elif peer in unread:
            reads.unread[peer] = unread[peer]
            answers[peer] = "unread"
    return answers


def _suspect(service_type, answer):
    """An empty table, or one short of required keys: lost rows, or a
    copy oio cannot read whole."""
    if answer is None:
        return True
    return isinstance(answer, dict) and bool(
        C.missing_required(service_type, answer)
    )


def _doubtful(base, answers, snapshot):
    """Worth reading again: a copy looks short (corrupt, or lost rows?),
    or (``snapshot``) copies are at different versions (stale, or a write
    landing between the reads?)."""
    kind = base.target.service_type
    if any(_suspect(kind, a) for a in answers.values()):
        return True
    seen = [C.versions(a) for a in answers.values() if isinstance(a, dict)]
    return snapshot and any(v != seen[0] for v in seen[1:])


def _recheck(base, present, first, reads):
    """``has`` and the reads once more; suspects that now read otherwise
    (or that oio set aside) are corrupt."""
    kind = base.target.service_type
    suspects = [p for p in present if _suspect(kind, first.get(p, 0))]
    gone = set()
    if suspects:
        for reply in base.ask("has", peers=suspects, steps=2):
            if reply.status == P.HAS_MISSING or P.corrupt_reply(reply):
                gone.add(reply.peer)
    readable = [p for p in present if p not in gone]
    again = _read_round(base, readable, 1, reads)
    for peer in suspects:
        if peer in gone:
            evidence = M.Evidence.SET_ASIDE
        elif again.get(peer) is None or again.get(peer) != first.get(peer):
            evidence = M.Evidence.UNREADABLE
        else:
            continue  # the same rows twice: they were really lost
        reads.tables.pop(peer, None)
        reads.unread.pop(peer, None)
        reads.corrupt[peer] = M.Corrupt(evidence, False)
    return again


def _moved(first, again):
    """Peers read whole twice whose versions differ between the reads."""
    return sorted(
        peer
        for peer, keys in again.items()
        if isinstance(keys, dict)
        and isinstance(first.get(peer), dict)
        and C.versions(keys) != C.versions(first[peer])
    )


def problems_of(diagnosis):
    problems = list(diagnosis.election.problems)
    if diagnosis.copies is not None:
        problems += diagnosis.copies.problems
    return problems
