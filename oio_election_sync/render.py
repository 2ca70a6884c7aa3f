"""Words, at the edge: problems, copy states and summary lines.

Workflows return data (peers.Problem, peers.CopyState, facts); this module
is the only place that turns them into the sentences an operator reads.
"""

from oio_election_sync import exitcodes as X
from oio_election_sync import peers as P
from oio_election_sync import plan as PLAN
from oio_election_sync.text import clean  # noqa: F401 (words use it here)

K = P.Kind


_VERDICTS = {
    X.EXIT_OK: "ok",
    X.EXIT_UNHEALTHY: "unhealthy",
    X.EXIT_DIVERGED: "diverged",
    X.EXIT_INCOMPLETE: "incomplete",
    X.EXIT_REFUSED: "refused",
    X.EXIT_ERROR: "error",
    X.EXIT_INTERRUPTED: "interrupted",
}


def verdict(code):
    """A base's exit code in one word (the ``Verdict`` column)."""
    return _VERDICTS.get(code, "error")


def keys(names):
    return ", ".join(names)


def diff(d):
    """``missing a, b; different c; extra d`` (empty for no difference)."""
    parts = []
    for word, names in (
        ("missing", d.missing),
        ("different", d.different),
        ("extra", d.extra),
    ):
        if names:
            parts.append("%s %s" % (word, keys(names)))
    return "; ".join(parts)


def _reply(detail):
    status, message = detail
    return "%s %s" % (status, message)


def copy_state(state):
    """The ``Copy`` cell."""
    if not state:
        return ""
    kind, detail = state
    if kind == "ok":
        return "ok"
    if state == P.NO_BASE:
        return "no base yet (made with the first reference of its prefix)"
    if kind == K.COPY_MISSING:
        return "missing copy" + (
            "; re-created by the election during this check" if detail else ""
        )
    if kind == K.COPY_LACKS:
        return "missing required %s%s" % (
            keys(detail),
            (
                "; oio wrote them back during this check"
                if getattr(detail, "healed", False)
                else ""
            ),
        )
    if kind == K.COPY_DIFFERS:
        return diff(detail) + (
            "; oio wrote it back during this check" if detail.healed else ""
        )
    if kind == K.MASTER_ODD:
        return "%s (the slaves agree with each other)" % diff(detail)
    if kind == K.NOT_READ:
        return "not read: %s" % detail
    if kind == K.NOT_REACHED:
        return "not reached (has: %s)" % _reply(detail)
    if kind == K.COPY_CORRUPT:
        return "corrupt: %s%s" % (
            _EVIDENCE[detail.evidence],
            (
                "; oio set it aside and re-created it from the master during "
                "this check"
                if detail.healed
                else ""
            ),
        )
    if kind == K.COPY_STALE:
        # the versions said first are not said again as different values
        rows = detail.diff._replace(
            different=tuple(
                k
                for k in detail.diff.different
                if not k.startswith("version:")
            ),
            healed=False,
        )
        return "stale: %s%s%s" % (
            versions(detail.behind, "behind"),
            "; " + diff(rows) if any(rows[:3]) else "",
            (
                "; oio's election resynced it from the master during this check"
                if detail.healed
                else ""
            ),
        )
    if kind == K.NO_AGREEMENT:
        return "no two copies agree" + (
            " (vs master: %s)" % diff(detail) if detail and any(detail) else ""
        )
    return kind


_EVIDENCE = {
    P.Evidence.REPLY: "oio answered that the database is corrupt",
    P.Evidence.SET_ASIDE: "oio set its file aside as corrupt when it was read",
    P.Evidence.UNREADABLE: "present, but its admin table cannot be read",
    P.Evidence.INTEGRITY: "its integrity check failed",
    P.Evidence.FILE_CHECK: "a fresh copy of its file fails oio's check, "
    "though every read of it is sane",
}


def versions(tables, word):
    """``behind on main.admin (3 < 5), main.aliases (1 < 2)``."""
    sign = "<" if word == "behind" else ">"
    return "%s on %s" % (
        word,
        ", ".join("%s (%d %s %d)" % (t, a, sign, b) for t, a, b in tables),
    )


# Problems of one copy, which read better naming the master as such.
_OWN_COPY = (
    K.COPY_MISSING,
    K.COPY_LACKS,
    K.COPY_DIFFERS,
    K.NOT_READ,
    K.NOT_REACHED,
    K.COPY_CORRUPT,
    K.COPY_STALE,
)

_NOT_TRIGGERED = {
    P.DOWN: "not reached",
    P.TIMEOUT: "not reached (timeout)",
    "absent": "absent from the sync reply",
}


def problem(p, master=None):
    """One problem as a clause of a summary line."""
    peer, kind, detail = p
    if peer is not None and peer == master and kind in _OWN_COPY:
        return "master " + problem(p)
    if kind == K.DOWN:
        return "%s down (%s)" % (peer, _reply(detail))
    if kind == K.TIMEOUT:
        return "%s timeout (%s)" % (peer, _reply(detail))
    if kind == K.PEER_ERROR:
        return "%s error (%s)" % (peer, _reply(detail))
    if kind == K.NO_MASTER:
        return "no master"
    if kind == K.MASTERS:
        return "%d masters: %s" % (len(detail), keys(detail))
    if kind == K.WRONG_MASTER:
        return "slave %s names master %s, not %s" % ((peer,) + detail)
    if kind == K.MASTER_ODD:
        return (
            "master %s is the odd one out: its copy differs from the "
            "slaves', which agree (%s)" % (peer, diff(detail))
        )
    if kind == K.NO_AGREEMENT:
        return "no two copies agree (%s)" % keys(detail)
    if kind == K.DIVERGED:
        (a, ahead_a), (b, ahead_b) = detail
        return (
            "the copies diverged: %s is %s, %s is %s; neither can replace "
            "the other without losing data"
            % (a, versions(ahead_a, "ahead"), b, versions(ahead_b, "ahead"))
        )
    if kind == K.NEWER_COPY:
        what = [versions(detail.behind, "ahead")] if detail.behind else []
        if detail.diff.extra:
            what.append("holds %s" % keys(detail.diff.extra))
        return (
            "%s's copy is newer than the source's (%s): a copy from the "
            "source would lose that" % (peer, "; ".join(what))
        )
    if kind == K.PREFLIGHT_UNREAD:
        return "the %s %s's copy (%s)" % (
            "master" if peer == master else "slave",
            peer,
            copy_state(detail),
        )
    if kind == K.ORPHAN:
        return (
            "%s holds a copy, but the directory links this base to no "
            "service: an orphan (its container deleted while this copy "
            "stayed, or a lost directory entry)" % peer
        )
    if kind == K.FILE_UNCHECKED:
        return "%s's file could not be checked before it is copied: %s%s" % (
            peer,
            clean(detail.error),
            (
                "; a failed local copy can keep the base busy on that peer "
                "until its service restarts"
                if detail.why == "copy failed"
                else ""
            ),
        )
    if kind == K.MASTER_FIRST:
        return (
            "master %s must be repaired first (%s): name it with "
            "--service-id too, or drop --service-id"
            % (peer, copy_state(detail))
        )
    if kind in _OWN_COPY:
        return "%s copy: %s" % (peer, copy_state(P.CopyState(kind, detail)))
    if kind == K.NOT_TRIGGERED:
        role, status, message = detail
        if role == "none":
            return "no slave was triggered"
        what = _NOT_TRIGGERED.get(role) or "failed (%s %s)" % (status, message)
        return "%s %s" % (peer, what)
    if kind == K.ABSENT:
        return "%s absent from the %s reply" % (peer, detail)
    if kind == K.REMAINS:
        return "still: " + problem(detail, master)
    if kind == K.SOURCE_MOVED:
        expected, sources = detail
        return (
            "the master moved: the pre-flight saw %s, the sync copied from "
            "%s; nothing verified" % (expected, keys(sources) or "no peer")
        )
    return "%s %s" % (peer, outcome(p))


def outcome(p):
    """A slave's ``Result`` after --wait, for a problem."""
    kind, detail = p.kind, p.detail
    if kind == K.SYNC_KO:
        return "failed (SYNC_KO)"
    if kind == K.NO_OUTCOME:
        return "no outcome before timeout"
    if kind == K.NOT_VERIFIED:
        return "not verified: %s" % detail
    if kind == K.STILL_DIFFERS:
        return "still differs: %s" % diff(detail)
    if kind == K.LOST_KEYS:
        return "overwritten: lost %s" % keys(detail)
    if kind == K.NOT_TRIGGERED:
        return problem(p)[len(p.peer or "") + 1 :]
    return kind


def result(value):
    """The ``Result`` cell: words as they are, or a problem's."""
    if isinstance(value, P.Problem):
        return outcome(value)
    return value or ""


def cell(column, value, report):
    """One cell of a row, in words."""
    if column == "Copy" or isinstance(value, P.CopyState):
        return copy_state(value)
    if column == "Result":
        return result(value)
    if column in ("Action", "Why"):
        if not value:  # no step for this peer (or an error row)
            return ""
        if column == "Action":
            return _actions(value, report.facts)
        return _whys(value, report.facts)
    return value


def _actions(steps, facts):
    words = []
    for step in steps:
        if step.action == PLAN.WRITE:
            words.append(
                "write %s through it" % keys(sorted(facts["plan"].keys))
            )
        elif step.action == PLAN.LEAVE:
            words.append("leave the election")
        elif step.why == PLAN.WHY_RESYNC_OLD:
            words.append("resync from the new master")
        else:
            words.append("resync from %s" % facts.get("master"))
    return ", then ".join(words)


def _whys(steps, facts):
    odd = "the slaves agree with each other, the master differs"
    state = (facts.get("before") or {}).get(steps[0].peer)
    if state is not None and state.kind == K.COPY_CORRUPT:
        odd = "its copy is corrupt: nothing is copied from it"
    elif state is not None and state.kind == K.COPY_STALE:
        odd = "its copy is behind the others' versions"
    reasons = {
        PLAN.WHY_SYNC: "the master's copy is the reference",
        PLAN.WHY_WRITE: "every slave holds %s, with one value"
        % keys(sorted(facts["plan"].keys)),
        PLAN.WHY_LEAVE: odd,
        PLAN.WHY_RESYNC_OLD: odd,
    }
    return "; ".join(dict.fromkeys(reasons[s.why] for s in steps))


def problems(found, master=None):
    return "; ".join(problem(p, master) for p in found)


def sent(report):
    writes = report.facts.get("sent") or ()
    if not writes:
        return "nothing was sent"
    runs = []  # (action, peers): one per run of the same action, in order
    for write in writes:
        if runs and runs[-1][0] == write.action:
            runs[-1][1].update(dict.fromkeys(write.peers))
        else:
            runs.append((write.action, dict.fromkeys(write.peers)))
    return "sent: " + ", ".join(
        "%s%s" % (action, " to " + keys(peers) if peers else "")
        for action, peers in runs
    )


# --- summary lines -----------------------------------------------------------


def summary(command, report):
    """The line printed on stderr for one base."""
    label = report.target.label
    if report.error is not None:
        text = str(report.error)
        writes = report.facts.get("sent")
        return text + ("; %s" % sent(report) if writes else "")
    if report.facts.get("gone"):
        return (
            "%s: gone: the directory links it to no service and %s holds "
            "no copy (deleted since rdir indexed it); nothing to check"
            % (label, report.target.source)
        )
    if report.facts.get("orphan"):
        return "%s: %s; nothing %s" % (
            label,
            problems(report.problems),
            "checked" if command == "status" else "done",
        )
    return _SUMMARIES[command](label, report)


def _status(label, report):
    facts = report.facts
    note = (
        ""
        if facts.get("checked", True)
        else "; copies not checked (--no-check)"
    )
    if facts.get("nowhere"):
        return (
            "%s: no peer holds a copy of this base; election not asked "
            "(it would create the base)" % label
        )
    if not facts.get("elected", True):
        return (
            "%s: every copy present and equal; election not asked "
            "(--copies-first)" % label
        )
    if report.problems:
        return "%s: UNHEALTHY: %s%s" % (
            label,
            problems(report.problems, facts.get("master")),
            note,
        )
    return "%s: healthy, master %s%s" % (label, facts.get("master"), note)


def _debug(label, report):
    if report.problems:
        return "%s: UNREACHED: %s" % (label, problems(report.problems))
    return "%s: every peer answered" % label


SKIPPED_FILE_CHECK = "; files not checked (--no-file-check)"


def file_check_note(facts):
    """What the file check of a source left, or could not do."""
    if facts.get("file_check_off"):
        return SKIPPED_FILE_CHECK
    checked = facts.get("file_check")
    if checked is None:
        return ""
    if checked.why == "no local copy":
        return (
            "; the master's file was not checked (this oio has no "
            "copy_base_local, 9.0+): check type 2 read only its open handle"
        )
    return _left(checked, "the master")


def file_checks_note(facts):
    """What the file checks of a repair found, or could not do."""
    if facts.get("file_check_off"):
        return SKIPPED_FILE_CHECK
    checks = facts.get("file_checks") or {}
    if not checks:
        return ""
    if any(c.why == "no local copy" for c in checks.values()):
        return (
            "; files not checked (this oio has no copy_base_local, 9.0+): "
            "a corrupt file behind a warm cache cannot be told"
        )
    sane = sorted(p for p, c in checks.items() if c.outcome == P.FILE_SANE)
    note = "; files checked sane: %s" % keys(sane) if sane else ""
    return note + "".join(_left(checks[p], p) for p in sorted(checks))


def _left(checked, where):
    """The file check's copies it could not remove, by name."""
    return "".join(
        "; the file check's copy '<base file>.%s' is left on %s: remove it "
        "(admin remove_base with that suffix)" % (suffix, where)
        for suffix in checked.left
    )


def _refusal(label, report):
    master = report.facts.get("master")
    if report.facts.get("file_refused"):
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
            file_check_note(report.facts),
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
            if report.facts.get("dry_run")
            else "sync refused"
        ),
        problems(report.problems, master),
        advice,
    )


def _sync(label, report):
    facts = report.facts
    if facts.get("unread"):
        return (
            "%s: sync not sent, nothing was copied: the pre-flight could not "
            "read %s; retry"
            % (label, problems(report.problems, facts["master"]))
        )
    if facts.get("refused"):
        return _refusal(label, report)
    if facts.get("dry_run"):
        return "%s: dry run, nothing changed: %s; %s" % (
            label,
            problems(facts["findings"], facts.get("master"))
            or "pre-flight ok",
            "would sync" + _check_type(facts),
        )
    forced = (
        ", forced despite: " + problems(facts["findings"], facts.get("master"))
        if facts.get("findings")
        else ""
    )
    if report.problems:
        return "%s: sync INCOMPLETE: %s%s" % (
            label,
            problems(report.problems, facts.get("master")),
            forced,
        )
    return "%s: sync %s on %d slave(s) from master %s%s%s" % (
        label,
        "verified" if facts.get("waited") else "triggered",
        len(facts.get("triggered", ())),
        facts.get("master"),
        forced,
        file_check_note(facts),
    )


def _check_type(facts):
    if facts.get("check_type_sent", True):
        return ""
    return " (without --check-type %s: this oio cannot send it)" % (
        facts.get("check_type"),
    )


def _repair(label, report):
    facts = report.facts
    found = problems(report.problems, facts.get("master"))
    if facts.get("refused"):
        if facts.get("dry_run"):
            return "%s: dry run, nothing changed: would refuse: %s" % (
                label,
                found,
            )
        if facts.get("file_refused"):
            return (
                "%s: repair stopped before any change: %s; retry, or pass "
                "--no-file-check" % (label, found)
            )
        return "%s: repair refused, nothing changed: %s" % (label, found)
    checks = file_checks_note(facts)
    if facts.get("nothing"):
        if not facts.get("elected", True):
            return (
                "%s: nothing to repair: every copy present and equal; "
                "election not asked (--copies-first)" % label
            )
        if report.problems:
            return "%s: nothing a repair can do: %s" % (label, found)
        return "%s: nothing to repair: healthy, master %s%s%s" % (
            label,
            facts.get("master"),
            (
                " (oio restored %s while the copies were read)"
                % keys(facts["healed"])
                if facts.get("healed")
                else ""
            ),
            checks,
        )
    if facts.get("dry_run"):
        return "%s: dry run, nothing changed: would %s" % (
            label,
            _planned(facts),
        )
    done = _what_was_done(facts)
    backups = _backups(facts.get("backups") or {})
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
    plan, before = facts["plan"], facts["before"]
    master = facts.get("master")
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
    plan, before = facts["plan"], facts["before"]
    master = facts.get("master")
    ran = facts.get("ran", plan.steps)
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
                        ", %s took over" % facts["source"]
                        if facts.get("source") not in (None, master)
                        else ""
                    ),
                )
            )
        elif step.why == PLAN.WHY_RESYNC_OLD:
            clauses.append("%s resynced from the new master" % step.peer)
        else:
            clauses.append(
                "%s %s (%s): resynced from master %s"
                % (who, step.peer, wrong, facts.get("source") or master)
            )
    return "; ".join(clauses)


def _not_sent(step):
    what = {
        PLAN.WRITE: "the write through %s" % step.peer,
        PLAN.LEAVE: "the leave of %s" % step.peer,
        PLAN.SYNC: "the resync of %s" % step.peer,
    }[step.action]
    return "%s not sent (a step before it failed)" % what


_SUMMARIES = {
    "status": _status,
    "debug": _debug,
    "sync": _sync,
    "repair": _repair,
}
