"""Words, at the edge: what a repair did, or would do, to a base."""

from oio_election_sync import model as M
from oio_election_sync.render.filechecks import file_checks_note
from oio_election_sync.render import steps as S
from oio_election_sync.render.problems import problems
from oio_election_sync.render.words import keys

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


def _planned(facts):
    """``resync slave X (missing ...) from master M``..., one per step."""
    return "; ".join(S.step(S.PLANNED, one, facts) for one in facts.plan.steps)


def _what_was_done(facts):
    """``master X lacked sys.m2.ctime: written through the master from the
    slaves' value``..., one clause per step."""
    plan = facts.plan
    ran = plan.steps if facts.ran is None else facts.ran
    return "; ".join(
        S.step(S.DONE if one in ran else S.NOT_SENT, one, facts)
        for one in plan.steps
    )
