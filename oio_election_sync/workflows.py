"""What each command does to one base: ask, interpret, (re)act.

Talks to oio only through oioclient.Session and interprets only through
peers; the cliff commands turn the Reports into rows and exit codes.
"""

import collections
import time

from oio_election_sync import peers as P
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.oioclient import run_parallel

Report = collections.namedtuple("Report", "target rows exit_code summary")

POLL_INTERVAL = 0.5
NOT_ADDRESSABLE = "not compared (this oio cannot address one peer)"


def error_report(target, error):
    return Report(target, None, error.exit_code, str(error))


def guarded(workflow):
    """Turn an ElectionError of one base into a Report (bulk keeps going)."""

    def run(session, target, options):
        try:
            return workflow(session, target, options)
        except ElectionError as error:
            return error_report(target, error)

    return run


def _row(reply, role):
    return {
        "Id": reply.peer,
        "Status": reply.status,
        "Message": reply.message,
        "Body": reply.body,
        "Role": role,
    }


# --- copies ------------------------------------------------------------------


def read_tables(session, target, peer_ids):
    """``{peer: table or ElectionError}`` read in parallel."""
    tables = {}

    def read(peer):
        try:
            tables[peer] = session.admin_table(target, peer)
        except ElectionError as error:
            tables[peer] = error
        except ValueError as error:  # malformed table
            tables[peer] = ElectionError("unreadable: %s" % error)

    run_parallel(read, list(peer_ids), session.timeout + 1.0)
    return tables


def compare_copies(service_type, master, tables):
    """``{peer: copy verdict}``: ``ok``, the differences, or why not read."""
    reference = tables.get(master)
    copies = {}
    for peer, table in tables.items():
        if isinstance(table, Exception):
            copies[peer] = "unreadable: %s" % table
        elif peer == master:
            missing = P.missing_required(service_type, table)
            copies[peer] = (
                "missing required %s" % ", ".join(missing) if missing else P.OK
            )
        elif reference is None or isinstance(reference, Exception):
            copies[peer] = "not compared (master copy unreadable)"
        else:
            copies[peer] = P.compare_tables(reference, table)
    return copies


def copy_problems(copies):
    return [
        "%s copy: %s" % (peer, copies[peer])
        for peer in sorted(copies)
        if copies[peer] != P.OK
    ]


# --- status ------------------------------------------------------------------


@guarded
def status(session, target, options):
    replies = session.replies("status", target)
    verdict = P.election_verdict(replies, partial=bool(target.service_ids))
    rows = [_row(r, P.status_role(r)) for r in replies]
    code, problems = verdict.exit_code, list(verdict.problems)
    if options.check:
        reached = [
            r.peer for r in replies if P.status_role(r) in (P.MASTER, P.SLAVE)
        ]
        copies = {}
        if not session.caps.service_id:
            copies = {peer: NOT_ADDRESSABLE for peer in reached}
        elif verdict.master:
            # the master's copy is the reference, even when not asked
            peers = sorted(set(reached) | {verdict.master})
            copies = compare_copies(
                target.service_type,
                verdict.master,
                read_tables(session, target, peers),
            )
            copies = {peer: copies[peer] for peer in reached}
        for row in rows:
            row["Copy"] = copies.get(
                row["Id"],
                "not compared" if row["Role"] in (P.MASTER, P.SLAVE) else "",
            )
        if copy_problems(copies) and session.caps.service_id:
            problems += copy_problems(copies)
            code = max(code, P.EXIT_DIVERGED)
    verdict = P.Verdict(code, verdict.master, problems)
    return Report(target, rows, code, verdict.summary(target.label))


# --- debug -------------------------------------------------------------------


@guarded
def debug(session, target, options):
    from oio_election_sync.columns import human_log

    replies = session.replies("debug", target)
    rows = []
    for reply in replies:
        row = _row(reply, P.debug_role(reply))
        if options.human:
            row["Body"] = human_log(reply.body)
        rows.append(row)
    verdict = P.reach_verdict(replies, P.debug_role)
    summary = (
        "%s: every peer answered" % target.label
        if verdict.healthy
        else "%s: UNREACHED: %s" % (target.label, "; ".join(verdict.problems))
    )
    return Report(target, rows, verdict.exit_code, summary)


# --- sync --------------------------------------------------------------------

Preflight = collections.namedtuple(
    "Preflight", "replies master slaves copies findings"
)


def preflight(session, target):
    """Is it safe to copy the master onto the slaves? Findings are empty
    when it is: one reachable master, slaves agreeing on it, and a master
    copy that exists and holds the system keys of its type."""
    replies = session.replies("status", target)
    verdict = P.election_verdict(replies, partial=bool(target.service_ids))
    # an unreachable slave does not make the copy unsafe; it is reported
    findings = [
        p
        for p in verdict.problems
        if " down (" not in p and " timeout (" not in p
    ]
    master = verdict.master
    slaves = [r.peer for r in replies if P.status_role(r) == P.SLAVE]
    copies = {}
    if master and session.caps.service_id:
        has = session.per_peer("has", target, [master], session.timeout)[0]
        if has.status != 200:
            findings.append(
                "master %s holds no base (%d %s)"
                % (master, has.status, has.message)
            )
        copies = compare_copies(
            target.service_type,
            master,
            read_tables(session, target, [master] + slaves),
        )
        if copies.get(master) != P.OK:
            findings.append("master %s copy: %s" % (master, copies[master]))
    return Preflight(replies, master, slaves, copies, findings)


def _refusal(target, checks):
    advice = (
        "make that master leave the election (openio election leave %s "
        "%s --service-id %s) so that a sane peer takes over, then retry"
        % (target.service_type, target.name, checks.master)
        if checks.master
        else "wait for the election to settle (openio election status), or "
        "look at openio election debug"
    )
    return "%s: sync refused: %s; %s; or pass --force to copy anyway" % (
        target.label,
        "; ".join(checks.findings),
        advice,
    )


@guarded
def sync(session, target, options):
    checks = preflight(session, target)
    if checks.findings and not options.force:
        raise ElectionError(_refusal(target, checks), P.EXIT_REFUSED)
    if options.dry_run:
        return _dry_run(target, checks)
    before = {}
    # following one slave's log needs an oio that can address one peer
    wait = options.wait and session.caps.service_id
    if wait and checks.slaves:
        before = {
            r.peer: P.last_sync_outcome(r.body)
            for r in session.per_peer(
                "debug", target, checks.slaves, session.timeout
            )
        }
    replies = session.replies("sync", target, check_type=options.check_type)
    rows = []
    for reply in replies:
        row = _row(reply, P.sync_role(reply))
        row["Result"] = P.sync_result(reply)
        rows.append(row)
    verdict = P.sync_verdict(replies)
    code, problems = verdict.exit_code, list(verdict.problems)
    forced = (
        ", forced despite: " + "; ".join(checks.findings)
        if checks.findings
        else ""
    )
    triggered = [r.peer for r in replies if P.sync_role(r) == P.SLAVE]
    if wait and triggered:
        outcomes = wait_for_sync(
            session, target, checks, triggered, before, options.progress
        )
        for row in rows:
            if row["Id"] in outcomes:
                row["Result"] = outcomes[row["Id"]]
        failed = [
            "%s %s" % (peer, outcomes[peer])
            for peer in sorted(outcomes)
            if outcomes[peer] not in (P.REPAIRED, P.ALREADY_IN_SYNC)
        ]
        if failed:
            problems += failed
            code = P.EXIT_SYNC_FAILED
    if problems:
        summary = "%s: sync INCOMPLETE: %s%s" % (
            target.label,
            "; ".join(problems),
            forced,
        )
    else:
        summary = "%s: sync %s on %d slave(s) from master %s%s" % (
            target.label,
            "verified" if wait else "triggered",
            len(triggered),
            verdict.master or checks.master,
            forced,
        )
    return Report(target, rows, code, summary)


def _dry_run(target, checks):
    rows = []
    for reply in checks.replies:
        role = P.status_role(reply)
        row = _row(reply, role)
        row["Body"] = ""
        row["Result"] = {
            P.MASTER: "source, would not be resynced",
            P.SLAVE: "would resync",
        }.get(role, "not reachable")
        if reply.peer in checks.copies:
            row["Result"] += " (copy: %s)" % checks.copies[reply.peer]
        rows.append(row)
    findings = "; ".join(checks.findings) or "pre-flight ok"
    return Report(
        target,
        rows,
        P.EXIT_OK,
        "%s: dry run, nothing changed: %s" % (target.label, findings),
    )


def wait_for_sync(session, target, checks, slaves, before, progress):
    """Follow the slaves' election logs until each logs a SYNC_OK/KO newer
    than ``before`` or the budget runs out; then re-read their copies."""
    deadline = time.monotonic() + session.timeout
    outcome_entries = {}
    waiting = list(slaves)
    said = None
    while waiting and time.monotonic() < deadline:
        budget = max(min(session.timeout, deadline - time.monotonic()), 0.1)
        for reply in session.per_peer("debug", target, waiting, budget):
            entry = P.last_sync_outcome(reply.body)
            previous = before.get(reply.peer)
            if entry and (
                previous is None or entry.time_ms > previous.time_ms
            ):
                outcome_entries[reply.peer] = entry
        waiting = [peer for peer in waiting if peer not in outcome_entries]
        line = "%s: %d/%d slave(s) reported their sync" % (
            target.label,
            len(slaves) - len(waiting),
            len(slaves),
        )
        if progress and line != said:
            progress(line)
            said = line
        if waiting:
            time.sleep(min(POLL_INTERVAL, max(deadline - time.monotonic(), 0)))
    done = [peer for peer in slaves if peer in outcome_entries]
    after = {}
    if checks.master:  # forced without a master: nothing to compare with
        after = compare_copies(
            target.service_type,
            checks.master,
            read_tables(session, target, [checks.master] + done),
        )
    return {
        peer: P.wait_outcome(
            checks.copies.get(peer), outcome_entries.get(peer), after.get(peer)
        )
        for peer in slaves
    }
