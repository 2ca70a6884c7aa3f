"""``openio election repair``: from a damaged copy to a verified healthy base.

Reads the base as ``status --check`` does, checks every copy's file,
chooses the repair (plan.py), keeps a backup of each copy it is about to
change, acts, and reads the base again: exit 0 only when it is then
healthy.
"""

import collections
import time

from oio_election_sync import diagnosis as D
from oio_election_sync import exitcodes as X
from oio_election_sync import model as M
from oio_election_sync import peers as P
from oio_election_sync import plan as PLAN
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.limits import HeldBack
from oio_election_sync.lock import exclusive
from oio_election_sync.oioclient import copy_path, meta1_digits
from oio_election_sync.options import RepairOptions
from oio_election_sync.status import workflow
from oio_election_sync.sync import (
    POLL_INTERVAL,
    resync,
    source_file,
    unique_suffix,
)

K = M.Kind
# A new master that is not one of the agreeing copies is made to leave in
# turn, at most this many times.
LEAVE_ATTEMPTS = 3


def backup_suffix(now=None, token=None):
    """``repair-<UTC time>-<random>``: unique per repair, so that two
    repairs of one base never ask a peer to copy onto an existing name."""
    return unique_suffix("repair", now, token)


def _read_and_plan(base, options, corrupt):
    before = D.diagnose(
        base,
        copies_first=options.copies_first,
        snapshot=True,
        corrupt=corrupt,
    )
    if not before.elected:
        return before, PLAN.NOTHING
    acted = base.target.service_ids
    return before, PLAN.plan_repair(before, acted, options.force)


@workflow(phases=5, options=RepairOptions)  # read, act, trigger, wait, read
def repair(base, options):
    if options.dry_run:
        return _repair(base, options)
    # the lock is taken before reading: no repair acts on a view read
    # while another one was changing the base
    with exclusive(base.target, meta1_digits(base.session.app)):
        return _repair(base, options)


def _repair(base, options):
    corrupt = dict.fromkeys(options.corrupt, M.Evidence.INTEGRITY)
    before, plan = _read_and_plan(base, options, corrupt)
    checked, unchecked = {}, []
    if not options.dry_run and not plan.refusals:
        # what the election reads sane may be a corrupt file behind a warm
        # cache: the files are checked before any is copied or kept
        checked, unchecked = _check_files(base, before, corrupt, options)
        stopping = [p for p in unchecked if p.peer in _sources(before, plan)]
        if stopping:
            facts = M.Outcome(
                master=before.election.master,
                file_checks=checked,
                refused=True,
                file_refused=True,
                plan=plan,
            )
            rows = _rows(before, plan, base.target.service_ids)
            return M.Report(base.target, rows, stopping, facts)
        if any(c.outcome == M.FILE_CORRUPT for c in checked.values()):
            base.new_phase()
            again = options.but(copies_first=False)  # the election is asked
            before, plan = _read_and_plan(base, again, corrupt)
        # a copy the plan overwrites needs no check; another one whose
        # file could not be checked is said, and the repair goes on
        targets = set(plan.peers(PLAN.SYNC))
        unchecked = [p for p in unchecked if p.peer not in targets]
    facts = M.Outcome(
        file_checks=checked,
        file_check_off=not options.dry_run and not options.file_check,
        master=before.election.master,
        plan=plan,
        before=before.copies.states,
        elected=before.elected,
        dry_run=options.dry_run,  # the same verdict, nothing done
    )
    rows = _rows(before, plan, base.target.service_ids)
    if plan.refusals:
        return M.Report(
            base.target, rows, plan.refusals, facts.but(refused=True)
        )
    if not plan.steps:  # nothing a repair can do; what is left is reported
        healed = [p for p in before.copies.problems if _healed(p)]
        problems = list(before.election.problems) + [
            p for p in before.copies.problems if p not in healed
        ]
        problems += unchecked
        healed = tuple(p.peer for p in healed)
        facts = facts.but(nothing=True, healed=healed)
        return M.Report(base.target, rows, problems, facts)
    if options.dry_run:  # the verdict of what was read, as status gives it
        found = list(before.election.problems) + before.copies.problems
        return M.Report(base.target, rows, found, facts)
    return _run(base, options, before, plan, rows, facts, corrupt, unchecked)


def _run(base, options, before, plan, rows, facts, corrupt, unchecked):
    """Back up, act, check again: the repair's changes."""
    base.new_phase()
    backups = _back_up(base, before, plan, options)
    for row in rows:
        row["Backup"] = _backup_cell(backups.get(row["Id"]))
    source, problems, ran = _act(base, before, plan, options)
    facts = facts.but(backups=backups, source=source, ran=tuple(ran))
    base.new_phase()
    still, rechecked = _recheck_files(base, plan, corrupt, options)
    problems += unchecked + rechecked
    after = D.diagnose(base, corrupt=still)
    problems += list(after.election.problems)
    problems += [_remains(p) for p in after.copies.problems]
    _results(rows, plan, after)
    return M.Report(base.target, rows, _unique(problems), facts)


def _act(base, before, plan, options):
    """Write, hand over, resync: returns the source and the problems."""
    master = before.election.master
    problems, ran = [], []  # ran: the steps that were sent
    if plan.peers(PLAN.WRITE):
        base.set_system(plan.keys)
        ran += [s for s in plan.steps if s.action == PLAN.WRITE]
    source = master
    if plan.leaves:
        source = _hand_over(base, master, plan.reference)
        ran += [s for s in plan.steps if s.action == PLAN.LEAVE]
        if source is None:
            problem = M.Problem(master, K.NO_HANDOVER, None)
            return master, [problem], ran
    slaves = plan.peers(PLAN.SYNC)
    if slaves:
        done = resync(
            base,
            slaves,
            source,
            before,
            options.resync(),
            asked=[source] + slaves,
        )
        problems += done.problems
        ran += [s for s in plan.steps if s.action == PLAN.SYNC]
    return source, problems, ran


def _sources(diagnosis, plan):
    """The copies a resync of this plan may copy: the master, or after a
    hand-over the agreeing copies one of which takes over."""
    if plan.leaves:
        return set(plan.reference) | {diagnosis.election.master}
    return {diagnosis.election.master}


def _check_files(base, diagnosis, corrupt, options):
    """``({peer: FileCheck}, problems)``: every copy present and not yet
    known corrupt is checked from its file; one found corrupt is added to
    ``corrupt``; one that could not be checked is a problem (the repair
    stops: nothing is decided on a copy of unknown health)."""
    if not options.file_check:
        return {}, []
    present = sorted(
        r.peer
        for r in diagnosis.has
        if r.status == P.HAS_PRESENT and r.peer not in corrupt
    )
    checked, problems = {}, []
    base.new_phase()
    for peer in present:
        problem, checked[peer] = source_file(base, peer, options)
        if problem is None:
            continue
        if problem.kind == K.COPY_CORRUPT:
            corrupt[peer] = M.Evidence.FILE_CHECK
        else:
            problems.append(problem)
    return checked, problems


def _recheck_files(base, plan, corrupt, options):
    """The copies a file check found corrupt, checked again once acted on:
    ``({peer: evidence} still corrupt, problems of a check that failed)``."""
    acted = {step.peer for step in plan.steps}
    still, problems = {}, []
    for peer, evidence in sorted(corrupt.items()):
        if evidence != M.Evidence.FILE_CHECK or peer not in acted:
            continue
        problem, _ = source_file(base, peer, options)
        if problem is None:
            continue
        if problem.kind == K.COPY_CORRUPT:
            still[peer] = evidence
        else:
            problems.append(problem)
    return still, problems


def _hand_over(base, master, reference):
    """Make the master leave until one of the agreeing peers is master;
    None when none took over within the budget."""
    leaving, attempts = master, 0
    while attempts < LEAVE_ATTEMPTS and base.remaining() > 0:
        base.ask("leave", peers=[leaving], steps=2)
        attempts += 1
        elected = _wait_for_master(base, leaving, reference)
        if elected in reference:
            return elected
        if elected is None:
            return None
        leaving = elected  # the old one again, or another odd copy
    return None


def _wait_for_master(base, left, reference=()):
    """The first master elected after ``left`` left, or None; a status
    request wakes the election, which is what is wanted here. A peer of
    the sane copies as master ends the wait at once, whatever the other
    peers answer (one may be down)."""
    while base.remaining() > 0:
        replies = base.ask("status", steps=2)
        election = P.judge_election(replies)
        if election.master in reference and election.master != left:
            return election.master
        if election.master and not election.problems:
            if election.master != left:
                return election.master
            # the old master again: once its election settled
            return left
        time.sleep(min(POLL_INTERVAL, base.remaining()))
    return None


def _back_up(base, before, plan, options):
    """``{peer: Backup}`` for every copy the plan changes."""
    changed = set(plan.peers(PLAN.SYNC))
    if plan.peers(PLAN.WRITE):
        changed |= set(before.tables)  # the write reaches every copy
    paths = {
        r.peer: copy_path(r.body)
        for r in before.has
        if r.status == P.HAS_PRESENT and copy_path(r.body)
    }
    changed &= set(paths)  # a missing copy has nothing to keep
    if options.no_backup:
        return {
            peer: M.Backup(None, "not kept (--no-backup)") for peer in changed
        }
    if not base.session.caps.backup:
        note = "not kept: this oio has no copy_base_local (oio 9.0+)"
        return {peer: M.Backup(None, note) for peer in changed}
    suffix = backup_suffix()
    backups = {}
    for peer in sorted(changed):
        try:
            base.backup(peer, suffix, 2, "%s.%s" % (paths[peer], suffix))
        except HeldBack:
            raise  # a limit of the run, not a failed backup
        except ElectionError as error:
            raise ElectionError(
                "%s: backup of %s's copy failed, nothing was changed: %s; "
                "it may have left a partial %s.%s there, and oio may keep "
                "the base busy on that peer until its service restarts"
                % (base.target.label, peer, error, paths[peer], suffix)
            ) from error
        backups[peer] = M.Backup("%s.%s" % (paths[peer], suffix), None)
    return backups


def _healed(problem):
    """A copy oio's election resynced (or re-created) during the reading,
    re-read and found covering the reference: nothing left to repair."""
    return getattr(problem.detail, "healed", False) is True


def _backup_cell(backup):
    if backup is None:
        return ""
    return backup.path or backup.note


def _rows(diagnosis, plan, shown=()):
    actions = collections.defaultdict(list)
    for step in plan.steps:
        actions[step.peer].append(step)
    rows = []
    peers = sorted(
        set(diagnosis.election.roles) | set(diagnosis.copies.states)
    )
    for peer in peers:
        if shown and peer not in shown:
            continue
        rows.append(
            {
                "Id": peer,
                "Role": diagnosis.election.roles.get(peer, ""),
                "Copy": diagnosis.copies.states.get(peer),
                "Action": tuple(actions.get(peer, ())),
                "Why": tuple(actions.get(peer, ())),
                "Backup": "",
                "Result": "",
            }
        )
    return rows


def _results(rows, plan, after):
    acted = {step.peer for step in plan.steps}
    for row in rows:
        state = after.copies.states.get(row["Id"])
        row["Role"] = after.election.roles.get(row["Id"], row["Role"])
        if state == M.COPY_OK:
            repaired = row["Id"] in acted
            row["Result"] = M.Result.REPAIRED if repaired else M.Result.OK
        else:
            row["Result"] = state


def _remains(problem):
    """A divergence still there after acting: the repair is incomplete
    (exit 5), not a fresh finding; a copy not read stays a failed read."""
    if problem.kind.exit_code == X.EXIT_DIVERGED:
        return M.Problem(problem.peer, K.REMAINS, problem)
    return problem


def _unique(problems):
    return list(dict.fromkeys(problems))
