"""``sync`` of one base: a pre-flight that reads it as ``status`` does,
refuses what would spread a damaged copy, checks the master's file, then
triggers each slave's resync and (``--wait``) verifies it."""

import collections
import datetime
import os
import time

from oio_election_sync import copies as C
from oio_election_sync import diagnosis as D
from oio_election_sync import model as M
from oio_election_sync import peers as P
from oio_election_sync import plan as PLAN
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.options import SyncOptions
from oio_election_sync.status import acted_on, row, status_rows, workflow

K = M.Kind
POLL_INTERVAL = 0.5
# How often --wait says who has not reported yet.
WAITING_EVERY = 5.0


def unread_copies(diagnosis, slaves):
    """The copies a sync needs that the pre-flight could not read (the
    master's, those it would overwrite): no reason to act, nor to force."""
    states = diagnosis.copies.states
    return [
        M.Problem(peer, K.PREFLIGHT_UNREAD, states[peer])
        for peer in [diagnosis.election.master] + list(slaves)
        if peer in states and states[peer].kind in C.UNKNOWN_KINDS
    ]


def refusals(diagnosis, slaves):
    """Pre-flight problems that forbid copying the master onto ``slaves``
    (the plan's rules, plan.py)."""
    election, copies = diagnosis.election, diagnosis.copies
    master, states = election.master, copies.states
    found = [p for p in election.problems if p.kind in PLAN.ELECTION_REFUSALS]
    for problem in copies.problems:
        if problem.kind in (K.NO_AGREEMENT, K.DIVERGED) or (
            problem.peer == master
            and problem.kind
            in (
                K.COPY_MISSING,
                K.COPY_LACKS,
                K.MASTER_ODD,
                K.COPY_STALE,
                K.COPY_CORRUPT,
            )
        ):
            found.append(problem)
    source = diagnosis.tables.get(master)
    if source is not None and not found:
        found += C.newer_than(
            source,
            diagnosis.tables,
            [
                p
                for p in slaves
                if states.get(p, M.COPY_OK).kind not in PLAN.NOTHING_TO_LOSE
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
    if not options.file_check:
        return None, None
    checked = base.file_check(peer, unique_suffix("filecheck"))
    if checked.outcome == M.FILE_CORRUPT:
        corrupt = M.Corrupt(M.Evidence.FILE_CHECK, False)
        return M.Problem(peer, K.COPY_CORRUPT, corrupt), checked
    if checked.outcome == M.FILE_UNCHECKED and checked.error is not None:
        return M.Problem(peer, K.FILE_UNCHECKED, checked), checked
    return None, checked  # sane, or this oio cannot check (said)


@workflow(phases=3, options=SyncOptions)
def sync(base, options):
    checks = D.diagnose(base, snapshot=True)
    master = checks.election.master
    slaves = sorted(
        p
        for p, role in checks.election.roles.items()
        if role == P.SLAVE and acted_on(base, p)
    )
    facts = M.Outcome(
        master=master,
        check_type_sent=base.session.caps.check_type,
        check_type=options.check_type,
    )
    unread = unread_copies(checks, slaves)
    if unread:  # exit 7: retry
        return M.Report(base.target, None, unread, facts.but(unread=True))
    refused = refusals(checks, slaves)
    facts = facts.but(findings=tuple(refused))
    if refused and not options.force:  # a dry run says the same
        facts = facts.but(refused=True, dry_run=options.dry_run)
        return M.Report(base.target, None, refused, facts)
    if options.dry_run:
        return _dry_run(base.target, checks, facts)
    problem, checked = source_file(base, master, options)
    facts = facts.but(
        file_check=checked, file_check_off=not options.file_check
    )
    if problem is not None:  # --force never sends a corrupt file
        facts = facts.but(refused=True, file_refused=True)
        return M.Report(base.target, None, [problem], facts)
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
        cells = row(reply, P.sync_role(reply))
        cells["Result"] = _result(reply, done.states)
        rows.append(cells)
    facts = facts.but(triggered=tuple(done.triggered), waited=options.wait)
    return M.Report(base.target, rows, done.problems, facts)


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
            M.Problem(None, K.SOURCE_MOVED, (source, tuple(sources)))
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
                p: (
                    [
                        M.Problem(
                            p,
                            K.NOT_VERIFIED,
                            M.Unread(M.Why.FAILED, str(error)),
                        )
                    ],
                    None,
                )
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
        return M.Result.SOURCE
    if role == P.SLAVE:
        return M.Result.TRIGGERED
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
        M.Problem(peer, K.NOT_TRIGGERED, ("absent", None, ""))
        for peer in slaves
        if peer not in by_peer
    ]
    if not any(P.sync_role(r) == P.SLAVE for r in replies):
        problems.append(M.Problem(None, K.NOT_TRIGGERED, ("none", None, "")))
    return problems


def _not_triggered(reply):
    if P.corrupt_reply(reply):
        return M.Problem(
            reply.peer,
            K.COPY_CORRUPT,
            M.Corrupt(M.Evidence.REPLY, False),
        )
    return M.Problem(
        reply.peer,
        K.NOT_TRIGGERED,
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
    said, last = None, time.monotonic()
    while waiting and base.remaining() > 0:
        for reply in base.ask("debug", peers=waiting, steps=2):
            entry = P.sync_outcome_after(reply.body, horizons[reply.peer])
            if entry is not None:
                entries[reply.peer] = entry
        waiting = [p for p in waiting if p not in entries]
        count = len(slaves) - len(waiting)
        now = time.monotonic()
        if progress and count != said:
            progress(M.Waiting(base.target, count, len(slaves), (), None))
            said, last = count, now
        elif progress and waiting and now - last >= WAITING_EVERY:
            # who has not reported yet, and how long is left
            event = M.Waiting(
                base.target,
                count,
                len(slaves),
                tuple(waiting),
                base.remaining(),
            )
            progress(event)
            last = now
        if waiting:
            time.sleep(min(POLL_INTERVAL, base.remaining()))
    done = [p for p in slaves if entries.get(p) is not None]
    after, _ = base.tables([source] + done, steps=1) if done else ({}, {})
    states = {}
    for peer in slaves:
        if peer not in entries:
            states[peer] = ([M.Problem(peer, K.NO_OUTCOME, None)], None)
        elif entries[peer] is None:
            states[peer] = (
                [
                    M.Problem(
                        peer, K.NOT_VERIFIED, M.Unread(M.Why.NO_LOG_BEFORE)
                    )
                ],
                None,
            )
        else:
            states[peer] = C.resync_outcome(
                peer,
                checks.tables.get(peer),
                checks.copies.states.get(peer) == M.COPY_OK,
                entries[peer],
                after.get(peer),
                after.get(source),
            )
    return states


def _dry_run(target, checks, facts):
    rows = status_rows(checks, True, set(target.service_ids) or None)
    for cells in rows:
        cells["Body"] = ""
        cells["Result"] = {
            P.MASTER: M.Result.WOULD_NOT,
            P.SLAVE: M.Result.WOULD_RESYNC,
        }.get(cells["Role"], M.Result.UNREACHABLE)
    return M.Report(  # the verdict of what was read, as status gives it
        target, rows, D.problems_of(checks), facts.but(dry_run=True)
    )
