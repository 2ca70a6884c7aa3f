"""What each command does to one base: ask, interpret, (re)act.

Talks to oio only through oioclient.Base and interprets only through peers;
the result is a Report of data (rows, problems, facts) that the commands
render into words, rows and an exit code.
"""

import collections
import datetime
import logging
import os
import time

from oio_election_sync import exitcodes as X
from oio_election_sync import peers as P
from oio_election_sync import plan as PLAN
from oio_election_sync.exitcodes import ElectionError

LOG = logging.getLogger(__name__)
POLL_INTERVAL = 0.5


class Report(
    collections.namedtuple(
        "Report", "target rows problems facts error", defaults=((), {}, None)
    )
):
    """One base's outcome. ``rows``: dicts of cells (None when the base
    could not be read at all, then ``error`` says why); ``problems``:
    P.Problem records; ``facts``: what the summary line needs."""

    @property
    def changed(self):
        """The base was changed (repair: a step ran), or would be (a dry
        run with a plan): counted and shown apart from the healthy."""
        if self.facts.get("ran"):
            return True
        plan = self.facts.get("plan")
        return bool(
            self.facts.get("dry_run")
            and plan is not None
            and plan.steps
            and not plan.refusals
        )

    @property
    def exit_code(self):
        return X.verdict(
            (P.exit_code(self.problems),),
            refused=bool(self.facts.get("refused")),
            error=None if self.error is None else self.error.exit_code,
        )


def guarded(workflow):
    """Any failure of one base becomes that base's report (exit 7 at
    worst): the other bases go on, and no path ends in a traceback."""

    def run(base, options):
        try:
            return workflow(base, options)
        except ElectionError as error:
            if getattr(error, "not_located", False) and base.target.source:
                return _unlinked(base)
            return Report(base.target, None, error=error, facts=_sent(base))
        except Exception as exc:
            LOG.debug("%s failed", base.target.label, exc_info=True)
            error = ElectionError(
                "%s: internal error (%s: %s); run with --debug and report it"
                % (base.target.label, type(exc).__name__, exc)
            )
            return Report(base.target, None, error=error, facts=_sent(base))

    run.__name__ = workflow.__name__
    return run


def _unlinked(base):
    """A base a listing named that the directory links to no service: a
    container deleted since rdir indexed it when its service holds no copy
    (nothing to check), else an orphan copy."""
    source = base.target.source
    try:
        held = base.ask("has", peers=[source], steps=1, everyone=False)
    except ElectionError as error:
        return Report(base.target, None, error=error, facts=_sent(base))
    present = any(r.status == P.HAS_PRESENT for r in held)
    if present:
        problem = P.Problem(source, P.Kind.ORPHAN, None)
        return Report(base.target, [], [problem], {"orphan": True})
    return Report(base.target, [], [], {"gone": True})


def _sent(base):
    return {"sent": list(base.sent)}


def _row(reply, role):
    return {
        "Id": reply.peer,
        "Status": reply.status,
        "Message": reply.message,
        "Body": reply.body,
        "Role": role,
    }


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
            copies = P.judge_copies(
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
        corrupt = dict.fromkeys(corrupt, P.Evidence.INTEGRITY)
    for peer, evidence in corrupt.items():  # what no reply shows
        reads.tables.pop(peer, None)
        reads.unread.pop(peer, None)
        reads.corrupt[peer] = P.Corrupt(evidence, False)
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
            reads.unread[peer] = "absent from the has reply"
    absent = [
        P.Problem(peer, P.Kind.ABSENT, "status")
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
    return P.judge_copies(
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
                found.evidence == P.Evidence.SET_ASIDE
                or reply.body != before.get(reply.peer)
            )
            reads.corrupt[reply.peer] = found._replace(healed=healed)


def _resynced_by_the_election(base, copies, tables):
    """A status wakes the election, which compares versions and resyncs a
    stale slave from the master by itself: read such copies once more, to
    say so instead of reporting a state that is already gone."""
    kinds = (P.Kind.COPY_STALE, P.Kind.COPY_LACKS, P.Kind.COPY_DIFFERS)
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
        if state.kind == P.Kind.COPY_STALE and P.covers(table, reference):
            detail = state.detail._replace(healed=True)
        elif state.kind == P.Kind.COPY_LACKS and not P.missing_required(
            base.target.service_type, table
        ):
            detail = P.Lacks(state.detail).restored()
        elif state.kind == P.Kind.COPY_DIFFERS and P.covers(table, reference):
            detail = state.detail._replace(healed=True)
        else:
            continue
        states[peer] = P.CopyState(state.kind, detail)
    problems = [
        (
            P.Problem(p.peer, p.kind, states[p.peer].detail)
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
            reads.corrupt[reply.peer] = P.Corrupt(P.Evidence.REPLY, False)
        elif reply.status == P.HAS_MISSING:
            reads.missing[reply.peer] = False
        elif P.unreached_role(reply.status):
            reads.unreached[reply.peer] = (reply.status, reply.message)
        elif reply.status != P.HAS_PRESENT:
            reads.unread[reply.peer] = "has: %d %s" % (
                reply.status,
                reply.message,
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
                reads.unread[peer] = (
                    "its versions moved in each of %d reads (the base is "
                    "being written to): retry" % SNAPSHOT_ROUNDS
                )
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
            reads.corrupt[peer] = P.Corrupt(P.Evidence.REPLY, False)
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
        P.missing_required(service_type, answer)
    )


def _doubtful(base, answers, snapshot):
    """Worth reading again: a copy looks short (corrupt, or lost rows?),
    or (``snapshot``) copies are at different versions (stale, or a write
    landing between the reads?)."""
    kind = base.target.service_type
    if any(_suspect(kind, a) for a in answers.values()):
        return True
    seen = [P.versions(a) for a in answers.values() if isinstance(a, dict)]
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
            evidence = P.Evidence.SET_ASIDE
        elif again.get(peer) is None or again.get(peer) != first.get(peer):
            evidence = P.Evidence.UNREADABLE
        else:
            continue  # the same rows twice: they were really lost
        reads.tables.pop(peer, None)
        reads.unread.pop(peer, None)
        reads.corrupt[peer] = P.Corrupt(evidence, False)
    return again


def _moved(first, again):
    """Peers read whole twice whose versions differ between the reads."""
    return sorted(
        peer
        for peer, keys in again.items()
        if isinstance(keys, dict)
        and isinstance(first.get(peer), dict)
        and P.versions(keys) != P.versions(first[peer])
    )


def _acted_on(base, peer):
    """--service-id narrows the peers acted on (and the rows), never the
    evidence."""
    return not base.target.service_ids or peer in base.target.service_ids


def _status_rows(diagnosis, check, asked=None):
    rows = {r.peer: _row(r, P.status_role(r)) for r in diagnosis.status}
    if check:
        for reply in diagnosis.has:
            rows.setdefault(
                reply.peer,
                {"Id": reply.peer, "Status": "", "Message": "", "Role": ""},
            )
        for peer, row in rows.items():
            row["Copy"] = diagnosis.copies.states.get(peer)
    peers = (
        sorted(rows)
        if asked is None
        else [p for p in sorted(rows) if p in asked]
    )
    return [rows[p] for p in peers]


def _diagnosis_problems(diagnosis):
    problems = list(diagnosis.election.problems)
    if diagnosis.copies is not None:
        problems += diagnosis.copies.problems
    return problems


# --- status ------------------------------------------------------------------


@guarded
def status(base, options):
    copies_first = getattr(options, "copies_first", False)
    diagnosis = diagnose(base, options.check, copies_first)
    asked = set(base.target.service_ids) or None
    return Report(
        base.target,
        _status_rows(diagnosis, options.check, asked),
        _diagnosis_problems(diagnosis),
        {
            "master": diagnosis.election.master,
            "checked": options.check,
            "elected": diagnosis.elected,
            "nowhere": bool(diagnosis.has)
            and all(r.status == P.HAS_MISSING for r in diagnosis.has),
        },
    )


# --- debug -------------------------------------------------------------------


@guarded
def debug(base, options):
    replies = base.ask("debug")
    rows = [_row(r, P.debug_role(r)) for r in replies]
    judged = P.judge_reach(replies, P.debug_role)
    return Report(base.target, rows, judged.problems, {"human": options.human})


# --- sync --------------------------------------------------------------------


def unread_copies(diagnosis, slaves):
    """The copies a sync needs that the pre-flight could not read (the
    master's, those it would overwrite): no reason to act, nor to force."""
    states = diagnosis.copies.states
    return [
        P.Problem(peer, P.Kind.PREFLIGHT_UNREAD, states[peer])
        for peer in [diagnosis.election.master] + list(slaves)
        if peer in states and states[peer].kind in P.UNKNOWN_KINDS
    ]


def refusals(diagnosis, slaves):
    """Pre-flight problems that forbid copying the master onto ``slaves``
    (the plan's rules, plan.py)."""
    election, copies = diagnosis.election, diagnosis.copies
    master, states = election.master, copies.states
    found = [p for p in election.problems if p.kind in PLAN.ELECTION_REFUSALS]
    for problem in copies.problems:
        if problem.kind in (P.Kind.NO_AGREEMENT, P.Kind.DIVERGED) or (
            problem.peer == master
            and problem.kind
            in (
                P.Kind.COPY_MISSING,
                P.Kind.COPY_LACKS,
                P.Kind.MASTER_ODD,
                P.Kind.COPY_STALE,
                P.Kind.COPY_CORRUPT,
            )
        ):
            found.append(problem)
    source = diagnosis.tables.get(master)
    if source is not None and not found:
        found += P.newer_than(
            source,
            diagnosis.tables,
            [
                p
                for p in slaves
                if states.get(p, P.COPY_OK).kind not in PLAN.NOTHING_TO_LOSE
            ],
        )
    return found


def unique_suffix(word, now=None, token=None):
    """``<word>-<UTC time>-<random>``: a name no earlier request used, so
    that no peer is asked to copy onto an existing file (oio then keeps the
    base busy until that service restarts)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    token = token or os.urandom(3).hex()
    return now.strftime(word + "-%Y%m%dT%H%M%SZ-") + token


def source_file(base, peer, options):
    """``(problem, FileCheck)``: the problem that forbids copying
    ``peer``'s copy to others (None: it may be sent). What a resync sends
    is the source's file, checked by oio only through its open handle."""
    if not getattr(options, "file_check", True):
        return None, None
    checked = base.file_check(peer, unique_suffix("filecheck"))
    if checked.outcome == P.FILE_CORRUPT:
        corrupt = P.Corrupt(P.Evidence.FILE_CHECK, False)
        return P.Problem(peer, P.Kind.COPY_CORRUPT, corrupt), checked
    if checked.outcome == P.FILE_UNCHECKED and checked.error is not None:
        return P.Problem(peer, P.Kind.FILE_UNCHECKED, checked), checked
    return None, checked  # sane, or this oio cannot check (said)


@guarded
def sync(base, options):
    checks = diagnose(base, snapshot=True)
    master = checks.election.master
    slaves = sorted(
        p
        for p, role in checks.election.roles.items()
        if role == P.SLAVE and _acted_on(base, p)
    )
    facts = {
        "master": master,
        "check_type_sent": base.session.caps.check_type,
        "check_type": options.check_type,
    }
    unread = unread_copies(checks, slaves)
    if unread:  # exit 7: retry
        return Report(base.target, None, unread, dict(facts, unread=True))
    refused = facts["findings"] = refusals(checks, slaves)
    if refused and not options.force:  # a dry run says the same
        facts = dict(facts, refused=True, dry_run=options.dry_run)
        return Report(base.target, None, refused, facts)
    if options.dry_run:
        return _dry_run(base.target, checks, refused, facts)
    problem, facts["file_check"] = source_file(base, master, options)
    facts["file_check_off"] = not getattr(options, "file_check", True)
    if problem is not None:  # --force never sends a corrupt file
        facts = dict(facts, refused=True, file_refused=True)
        return Report(base.target, None, [problem], facts)
    return trigger_and_verify(base, checks, slaves, options, facts)


def trigger_and_verify(base, checks, slaves, options, facts):
    """Trigger the resync, then (``wait``) verify it. Whatever fails after
    the trigger keeps the trigger's rows and ends "not verified"."""
    master = checks.election.master
    done = resync(
        base,
        slaves,
        master,
        checks,
        options,
        asked=base.target.service_ids or None,
    )
    rows = []
    for reply in done.replies:
        row = _row(reply, P.sync_role(reply))
        row["Result"] = _result(reply, done.states)
        rows.append(row)
    facts = dict(facts, triggered=done.triggered, waited=options.wait)
    return Report(base.target, rows, done.problems, facts)


Resync = collections.namedtuple("Resync", "replies triggered problems states")


def resync(base, slaves, source, checks, options, asked=None):
    """Send the sync (to ``asked``, else to every peer) and, with
    ``options.wait``, verify each slave's copy against ``source``, the
    master expected to answer 301. ``checks``: the diagnosis before (the
    slaves' copies then). ``states``: ``{slave: (problems, state)}``."""
    base.new_phase()
    horizons = {}
    if options.wait and slaves:
        horizons = {
            r.peer: P.log_horizon(r.body) if r.status == 200 else None
            for r in base.ask("debug", peers=slaves, steps=2)
        }
    # A peer that did not answer the pre-flight in time would make the
    # proxy miss its deadline for everyone: it is not asked again.
    replies = base.ask(
        "sync", peers=asked, check_type=options.check_type, steps=1
    )
    problems = _trigger_problems(replies, slaves)
    sources = [r.peer for r in replies if P.sync_role(r) == P.MASTER]
    triggered = [r.peer for r in replies if P.sync_role(r) == P.SLAVE]
    states = {}
    expected = [source] if source in {r.peer for r in replies} else []
    if source is not None and sources != expected:
        problems.append(
            P.Problem(None, P.Kind.SOURCE_MOVED, (source, tuple(sources)))
        )
    elif options.wait and triggered:
        base.new_phase()
        try:
            if source is None:
                raise ElectionError("no master to compare with")
            states = verify(
                base, source, triggered, horizons, checks, options.progress
            )
        except ElectionError as error:  # the trigger stays reported
            states = {
                p: ([P.Problem(p, P.Kind.NOT_VERIFIED, str(error))], None)
                for p in triggered
            }
        for found, _ in states.values():
            problems += found
    return Resync(replies, triggered, problems, states)


def _result(reply, states):
    """A peer's outcome after --wait, else what the trigger did to it."""
    if reply.peer in states:
        found, state = states[reply.peer]
        return state or found[0]
    return _trigger_result(reply)


def _trigger_result(reply):
    role = P.sync_role(reply)
    if role == P.MASTER:
        return "source, not resynced"
    if role == P.SLAVE:
        return "resync triggered"
    return _not_triggered(reply)


def _trigger_problems(replies, slaves):
    """Every slave of the pre-flight must have been triggered."""
    by_peer = {r.peer: r for r in replies}
    problems = [
        _not_triggered(r)
        for r in replies
        if P.sync_role(r) not in (P.MASTER, P.SLAVE)
    ]
    problems += [
        P.Problem(peer, P.Kind.NOT_TRIGGERED, ("absent", None, ""))
        for peer in slaves
        if peer not in by_peer
    ]
    if not any(P.sync_role(r) == P.SLAVE for r in replies):
        problems.append(
            P.Problem(None, P.Kind.NOT_TRIGGERED, ("none", None, ""))
        )
    return problems


def _not_triggered(reply):
    if P.corrupt_reply(reply):
        return P.Problem(
            reply.peer,
            P.Kind.COPY_CORRUPT,
            P.Corrupt(P.Evidence.REPLY, False),
        )
    return P.Problem(
        reply.peer,
        P.Kind.NOT_TRIGGERED,
        (P.sync_role(reply), reply.status, reply.message),
    )


def verify(base, source, slaves, horizons, checks, progress=None):
    """Follow each slave's election log until it logs SYNC_OK/SYNC_KO after
    its horizon (its newest entry before the trigger), then re-read its
    copy and the source's: ``{slave: (problems, state)}``."""
    entries, waiting = {}, []
    for peer in slaves:
        if horizons.get(peer) is None:
            # no "before" view: an outcome found proves nothing
            entries[peer] = None
        else:
            waiting.append(peer)
    said = None
    while waiting and base.remaining() > 0:
        for reply in base.ask("debug", peers=waiting, steps=2):
            entry = P.sync_outcome_after(reply.body, horizons[reply.peer])
            if entry is not None:
                entries[reply.peer] = entry
        waiting = [p for p in waiting if p not in entries]
        line = "%s: %d/%d slave(s) reported their sync" % (
            base.target.label,
            len(slaves) - len(waiting),
            len(slaves),
        )
        if progress and line != said:
            progress(line)
            said = line
        if waiting:
            time.sleep(min(POLL_INTERVAL, base.remaining()))
    done = [p for p in slaves if entries.get(p) is not None]
    after, _ = base.tables([source] + done, steps=1) if done else ({}, {})
    states = {}
    for peer in slaves:
        if peer not in entries:
            states[peer] = ([P.Problem(peer, P.Kind.NO_OUTCOME, None)], None)
        elif entries[peer] is None:
            states[peer] = (
                [P.Problem(peer, P.Kind.NOT_VERIFIED, "no log before")],
                None,
            )
        else:
            states[peer] = P.resync_outcome(
                peer,
                checks.tables.get(peer),
                checks.copies.states.get(peer) == P.COPY_OK,
                entries[peer],
                after.get(peer),
                after.get(source),
            )
    return states


def _dry_run(target, checks, refused, facts):
    rows = _status_rows(checks, True, set(target.service_ids) or None)
    for row in rows:
        row["Body"] = ""
        row["Result"] = {
            P.MASTER: "source, would not be resynced",
            P.SLAVE: "would resync",
        }.get(row["Role"], "not reachable")
    return Report(  # the verdict of what was read, as status gives it
        target,
        rows,
        _diagnosis_problems(checks),
        dict(facts, dry_run=True, findings=refused),
    )
