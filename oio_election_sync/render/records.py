"""One record per base (``--by-base``): each structured cell as its
words for a table and its data for ``-f json|yaml``."""

from oio_election_sync import plan as PLAN
from oio_election_sync.render import data as D
from oio_election_sync.render import steps as S
from oio_election_sync.render.problems import problem
from oio_election_sync.render.words import keys, sent, verdict

COLUMNS = (
    "Reference",
    "CID",
    "Master",
    "Verdict",
    "Problems",
    "Actions",
    "Backups",
    "Request id",
)


def record(report, summary):
    """``{column: value}``; structured values are ``(words, data)``."""
    done = report.outcome
    master = done.master
    if report.error is not None:
        found = ("%s" % summary, [{"error": str(report.error)}])
    else:
        clauses = [problem(p, master) for p in report.problems]
        found = (
            "; ".join(clauses),
            [D.problem(p, w) for p, w in zip(report.problems, clauses)],
        )
    requests = done.requests
    return {
        "Reference": report.target.name,
        "CID": report.target.base_cid,
        "Master": master or "",
        "Verdict": verdict(report.exit_code),
        "Problems": found,
        "Actions": actions(done),
        "Backups": backups(done.backups or {}),
        "Request id": (
            (
                requests[0] + (" (+%d)" % (len(requests) - 1))
                if len(requests) > 1
                else "".join(requests)
            ),
            list(requests),
        ),
    }


def actions(done):
    """The steps of a plan (done, not sent, or for a dry run planned), else
    the writes sent."""
    plan = done.plan
    if plan is not None and plan.steps and not plan.refusals:
        ran = plan.steps if done.ran is None else done.ran
        table = S.PLANNED if done.dry_run else None
        words, items = [], []
        for step in plan.steps:
            sent_it = not done.dry_run and step in ran
            words.append(
                S.step(
                    table or (S.DONE if sent_it else S.NOT_SENT), step, done
                )
            )
            items.append(
                {
                    "peer": step.peer,
                    "action": _ACTION_KEYS[step.action],
                    "why": step.why,
                    "sent": sent_it,
                }
            )
        return "; ".join(words), items
    writes = [{"action": w.action, "peers": list(w.peers)} for w in done.sent]
    return (sent(done.sent) if done.sent else ""), writes


_ACTION_KEYS = {
    PLAN.SYNC: "sync",
    PLAN.WRITE: "write-keys",
    PLAN.LEAVE: "leave",
}


def backups(kept):
    """A table shows the backups' suffix (their path is in the data and
    the log): ``6006, 6007: *.repair-20261202T031500Z-0a1b2c``."""
    paths = {p: b.path for p, b in kept.items() if b.path}
    notes = sorted({b.note for b in kept.values() if b.note})
    words = []
    if paths:
        suffix = next(iter(paths.values())).rsplit(".", 1)[-1]
        words.append("%s: *.%s" % (keys(sorted(paths)), suffix))
    words.extend(notes)
    items = {p: b.path or b.note for p, b in sorted(kept.items())}
    return "; ".join(words), items


def totals(tally, code):
    """The record of a whole run, last in ``-f json|yaml``."""
    counts = {verdict(c): n for c, n in sorted(tally.counts.items()) if n}
    return {
        "Reference": "(all)",
        "CID": "",
        "Master": "",
        "Verdict": verdict(code),
        "Problems": ("", counts),
        "Actions": ("", {"changed": tally.changed, "gone": tally.gone}),
        "Backups": ("", {}),
        "Request id": ("", []),
    }
