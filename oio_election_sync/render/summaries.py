"""Words, at the edge: the line said on stderr for each base."""

from oio_election_sync import model as M
from oio_election_sync.render.problems import problems
from oio_election_sync.render.filechecks import file_check_note
from oio_election_sync.render.repair import repair_line
from oio_election_sync.render.words import keys, sent, verdict

K = M.Kind


def summary(command, report):
    """The line printed on stderr for one base."""
    label = report.target.label
    if report.error is not None:
        text = str(report.error)
        writes = report.outcome.sent
        text += "; %s" % sent(writes) if writes else ""
        return text + index_note(report.outcome)
    if report.outcome.gone:
        return (
            "%s: gone: the directory links it to no service and %s holds "
            "no copy (deleted since rdir indexed it); nothing to check"
            % (label, report.target.source)
        )
    if report.outcome.orphan:
        return "%s: %s; nothing %s" % (
            label,
            problems(report.problems),
            "checked" if command == "status" else "done",
        )
    return _SUMMARIES[command](label, report) + index_note(report.outcome)


def index_note(done):
    """rdir records oio may still drop after a file check (reindex.py)."""
    if not done.index_unsure:
        return ""
    peers = keys(done.index_unsure)
    return (
        "; the rdir index of %s may drop this base: oio reads the removal "
        "of the file check's copy as the base's deletion, and its record "
        "could not be seen put back (check with 'openio-admin meta2 list "
        "containers %s')" % (peers, done.index_unsure[0])
    )


def _status(label, report):
    facts = report.outcome
    note = "" if facts.checked else "; copies not checked (--no-check)"
    if facts.nowhere:
        return (
            "%s: no peer holds a copy of this base; election not asked "
            "(it would create the base)" % label
        )
    if not facts.elected:
        return (
            "%s: every copy present and equal; election not asked "
            "(--copies-first)" % label
        )
    if report.problems:
        return "%s: %s: %s%s" % (
            label,
            verdict(report.exit_code).upper(),
            problems(report.problems, facts.master),
            note,
        )
    return "%s: healthy, master %s%s" % (label, facts.master, note)


def _debug(label, report):
    if report.problems:
        return "%s: %s: %s" % (
            label,
            verdict(report.exit_code).upper(),
            problems(report.problems),
        )
    return "%s: every peer answered" % label


def _refusal(label, report):
    master = report.outcome.master
    if report.outcome.file_refused:
        corrupt = any(p.kind == K.COPY_CORRUPT for p in report.problems)
        return "%s: %s, nothing was copied: %s; %s%s" % (
            label,
            "sync refused" if corrupt else "sync not sent",
            problems(report.problems, master),
            (
                "repair it (openio election repair %s): the master hands over "
                "to a sane peer, then its copy is resynced" % label
                if corrupt
                else "retry, or pass --no-file-check to rely on oio's check of "
                "the master's open handle"
            ),
            file_check_note(report.outcome),
        )
    if master and any(
        p.peer == master or p.kind == K.NO_AGREEMENT for p in report.problems
    ):
        advice = (
            "repair it (openio election repair %s) or make that master "
            "leave the election (openio election leave %s --service-id %s) "
            "so that a sane peer takes over, then retry"
            % (label, label, master)
        )
    else:
        advice = (
            "wait for the election to settle (openio election status), or "
            "look at openio election debug"
        )
    return "%s: %s: %s; %s; or pass --force to copy anyway" % (
        label,
        (
            "dry run, nothing changed: sync would be refused"
            if report.outcome.dry_run
            else "sync refused"
        ),
        problems(report.problems, master),
        advice,
    )


def _sync(label, report):
    facts = report.outcome
    if facts.unread:
        return (
            "%s: sync not sent, nothing was copied: the pre-flight could not "
            "read %s; retry" % (label, problems(report.problems, facts.master))
        )
    if facts.refused:
        return _refusal(label, report)
    if facts.dry_run:
        return "%s: dry run, nothing changed: %s; %s" % (
            label,
            problems(facts.findings, facts.master) or "pre-flight ok",
            "would sync" + _check_type(facts),
        )
    forced = (
        ", forced despite: " + problems(facts.findings, facts.master)
        if facts.findings
        else ""
    )
    if report.problems:
        return "%s: sync INCOMPLETE: %s%s" % (
            label,
            problems(report.problems, facts.master),
            forced,
        )
    return "%s: sync %s on %d slave(s) from master %s%s%s%s" % (
        label,
        "verified" if facts.waited else "triggered",
        len(facts.triggered),
        facts.master,
        forced,
        file_check_note(facts),
        "" if facts.waited else "; nothing verified (--no-wait)",
    )


def _check_type(facts):
    if facts.check_type_sent:
        return ""
    return " (without --check-type %s: this oio cannot send it)" % (
        facts.check_type,
    )


_SUMMARIES = {
    "status": _status,
    "debug": _debug,
    "sync": _sync,
    "repair": repair_line,
}
