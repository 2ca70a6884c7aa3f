"""``status`` and ``debug`` of one base, and what every workflow shares:
a failure of one base is that base's report, never a traceback."""

import logging

from oio_election_sync import diagnosis as D
from oio_election_sync import model as M
from oio_election_sync import peers as P
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.oioclient.reindex import restore_index
from oio_election_sync.options import DebugOptions, StatusOptions

LOG = logging.getLogger(__name__)


def workflow(phases, options):
    """What a command does to one base. ``phases``: budgets of --timeout
    it may take, one after the other; ``options``: its Options type. Any
    failure becomes the base's report (exit 7 at worst), and every report
    says what was sent."""

    def declare(function):
        def run(base, opts):
            report = _guarded(function, base, opts)
            unsure = restore_index(base, base.scratch_removed)
            done = report.outcome.but(
                index_unsure=unsure,
                sent=tuple(base.sent),
                requests=tuple(base.request_ids),
            )
            return report._replace(outcome=done)

        run.__name__ = run.name = function.__name__
        run.__doc__ = function.__doc__
        run.phases, run.Options = phases, options
        return run

    return declare


def _guarded(function, base, opts):
    try:
        return function(base, opts)
    except ElectionError as error:
        if getattr(error, "not_located", False) and base.target.source:
            return _unlinked(base)
        return M.Report(base.target, None, error=error)
    except Exception as exc:
        LOG.debug("%s failed", base.target.label, exc_info=True)
        error = ElectionError(
            "%s: internal error (%s: %s); run with --debug and report it"
            % (base.target.label, type(exc).__name__, exc)
        )
        return M.Report(base.target, None, error=error)


def _unlinked(base):
    """A base a listing named that the directory links to no service: a
    container deleted since rdir indexed it when its service holds no copy
    (nothing to check), else an orphan copy."""
    source = base.target.source
    try:
        held = base.ask("has", peers=[source], steps=1, everyone=False)
    except ElectionError as error:
        return M.Report(base.target, None, error=error)
    if any(r.status == P.HAS_PRESENT for r in held):
        problem = M.Problem(source, M.Kind.ORPHAN, None)
        return M.Report(base.target, [], [problem], M.Outcome(orphan=True))
    return M.Report(base.target, [], [], M.Outcome(gone=True))


def row(reply, role):
    return {
        "Id": reply.peer,
        "Status": reply.status,
        "Message": reply.message,
        "Body": reply.body,
        "Role": role,
    }


def acted_on(base, peer):
    """--service-id narrows the peers acted on (and the rows), never the
    evidence."""
    return not base.target.service_ids or peer in base.target.service_ids


def status_rows(diagnosis, check, asked=None):
    rows = {r.peer: row(r, P.status_role(r)) for r in diagnosis.status}
    if check:
        for reply in diagnosis.has:
            rows.setdefault(
                reply.peer,
                {"Id": reply.peer, "Status": "", "Message": "", "Role": ""},
            )
        for peer, cells in rows.items():
            cells["Copy"] = diagnosis.copies.states.get(peer)
    peers = sorted(rows) if asked is None else sorted(set(rows) & asked)
    return [rows[p] for p in peers]


@workflow(phases=1, options=StatusOptions)
def status(base, options):
    diagnosis = D.diagnose(base, options.check, options.copies_first)
    asked = set(base.target.service_ids) or None
    return M.Report(
        base.target,
        status_rows(diagnosis, options.check, asked),
        D.problems_of(diagnosis),
        M.Outcome(
            master=diagnosis.election.master,
            checked=options.check,
            elected=diagnosis.elected,
            nowhere=bool(diagnosis.has)
            and all(r.status == P.HAS_MISSING for r in diagnosis.has),
        ),
    )


@workflow(phases=1, options=DebugOptions)
def debug(base, options):
    replies = base.ask("debug")
    rows = [row(r, P.debug_role(r)) for r in replies]
    judged = P.judge_reach(replies, P.debug_role)
    return M.Report(base.target, rows, judged.problems)
