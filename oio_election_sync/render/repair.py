"""Words, at the edge: what a repair did, or would do, to a base."""

from oio_election_sync import model as M
from oio_election_sync import plan as PLAN
from oio_election_sync.render.filechecks import file_checks_note
from oio_election_sync.render.problems import problems
from oio_election_sync.render.words import copy_state, diff, keys

K = M.Kind


def repair_line(label, report):
    facts = report.outcome
    found = problems(report.problems, facts.master)
    if facts.refused:
        if facts.dry_run:
            return "%s: dry run, nothing changed: would refuse: %s" % (
                label,
                found,
            )
        if facts.file_refused:
            return (
                "%s: repair stopped before any change: %s; retry, or pass "
                "--no-file-check" % (label, found)
            )
        return "%s: repair refused, nothing changed: %s" % (label, found)
    checks = file_checks_note(facts)
    if facts.nothing:
        if not facts.elected:
            return (
                "%s: nothing to repair: every copy present and equal; "
                "election not asked (--copies-first)" % label
            )
        if report.problems:
            return "%s: nothing a repair can do: %s" % (label, found)
        return "%s: nothing to repair: healthy, master %s%s%s" % (
            label,
            facts.master,
            (
                " (oio restored %s while the copies were read)"
                % keys(facts.healed)
                if facts.healed
                else ""
            ),
            checks,
        )
    if facts.dry_run:
        return "%s: dry run, nothing changed: would %s" % (
            label,
            _planned(facts),
        )
    done = _what_was_done(facts)
    backups = _backups(facts.backups or {})
    if report.problems:
        return "%s: repair INCOMPLETE: %s; done: %s%s%s" % (
            label,
            found,
            done,
            backups,
            checks,
        )
    return "%s: %s; verified%s%s" % (label, done, backups, checks)


def _backups(backups):
    kept = [b.path for b in backups.values() if b.path]
    notes = sorted({b.note for b in backups.values() if b.note})
    words = ""
    if kept:
        words = "; %d backup(s) kept beside the changed copies (*.%s)" % (
            len(kept),
            kept[0].rsplit(".", 1)[-1],
        )
    if notes:
        words += "; backups %s" % keys(notes)
    return words


def _wrong(state):
    """What was wrong with a copy, for a clause."""
    if state is not None and state.kind == K.MASTER_ODD:
        return diff(state.detail)
    return copy_state(state)


def _planned(facts):
    """``resync slave X (missing ...) from master M``..., one per step."""
    plan, before = facts.plan, facts.before
    master = facts.master
    clauses = []
    for step in plan.steps:
        wrong = _wrong(before.get(step.peer))
        if step.action == PLAN.WRITE:
            clauses.append(
                "write %s through master %s from the slaves' value"
                % (keys(sorted(plan.keys)), step.peer)
            )
        elif step.action == PLAN.LEAVE:
            clauses.append(
                "make master %s leave the election (%s)" % (step.peer, wrong)
            )
        elif step.why == PLAN.WHY_RESYNC_OLD:
            clauses.append("resync %s from the new master" % step.peer)
        else:
            clauses.append(
                "resync slave %s (%s) from master %s"
                % (step.peer, wrong, master)
            )
    return "; ".join(clauses)


def _what_was_done(facts):
    """``master X lacked sys.m2.ctime: written through the master from the
    slaves' value``..., one clause per step."""
    plan, before = facts.plan, facts.before
    master = facts.master
    ran = plan.steps if facts.ran is None else facts.ran
    clauses = []
    for step in plan.steps:
        if step not in ran:
            clauses.append(_not_sent(step))
            continue
        wrong = _wrong(before.get(step.peer))
        who = "master" if step.peer == master else "slave"
        if step.action == PLAN.WRITE:
            clauses.append(
                "master %s lacked %s: written through the master from the "
                "slaves' value" % (step.peer, keys(sorted(plan.keys)))
            )
        elif step.action == PLAN.LEAVE:
            clauses.append(
                "master %s %s (%s): it left the election%s"
                % (
                    step.peer,
                    (
                        "was corrupt"
                        if before.get(step.peer) is not None
                        and before[step.peer].kind == K.COPY_CORRUPT
                        else "differed from the slaves"
                    ),
                    wrong,
                    (
                        ", %s took over" % facts.source
                        if facts.source not in (None, master)
                        else ""
                    ),
                )
            )
        elif step.why == PLAN.WHY_RESYNC_OLD:
            clauses.append("%s resynced from the new master" % step.peer)
        else:
            clauses.append(
                "%s %s (%s): resynced from master %s"
                % (who, step.peer, wrong, facts.source or master)
            )
    return "; ".join(clauses)


def _not_sent(step):
    what = {
        PLAN.WRITE: "the write through %s" % step.peer,
        PLAN.LEAVE: "the leave of %s" % step.peer,
        PLAN.SYNC: "the resync of %s" % step.peer,
    }[step.action]
    return "%s not sent (a step before it failed)" % what
