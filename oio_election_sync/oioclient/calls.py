"""Election requests about one base, within one phase's budget.

The proxy asks the peers of a base one after the other: when one is
frozen it fails the whole request ("Deadline reached"). A read is then
asked of each peer on its own, so that the frozen one becomes a
``timeout`` row; a write is never sent twice.
"""

import json
import logging
import threading
import time

from oio_election_sync import exitcodes as X
from oio_election_sync import parallel
from oio_election_sync import model as M
from oio_election_sync import peers as P
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.model import PeerReply, Sent
from oio_election_sync.oioclient.errors import (
    is_unreachable,
    malformed,
    no_answer,
    raise_translated,
)
from oio_election_sync.text import clean

# Admin client method per action; ``election_status`` wraps the peer map
# in ``{"peers": ...}`` (oio/directory/admin.py).
METHODS = {
    "status": "election_status",
    "sync": "election_sync",
    "debug": "election_debug",
    "has": "has_base",
    "leave": "election_leave",
}
# Actions that change something: never re-sent after an unclear failure.
WRITES = ("sync", "leave", "set_properties", "backup")
# One line per write, through oio's logging set-up (``openio --log-file``,
# ``--log-level``, syslog): what was sent, to whom, and what came of it.
# Its own level: oio's shell sets the root logger to WARNING by default,
# which would drop the trail before any handler sees it.
AUDIT = logging.getLogger("oio_election_sync.audit")
AUDIT.setLevel(logging.INFO)


class Calls:
    """The requests of one base. Remembers what it learnt during the run:
    the peers, the peers that did not answer in time (not asked again:
    their rows say timeout), and every write sent (reported even when a
    later step fails or the user interrupts)."""

    def __init__(self, session, target):
        self.session = session
        self.target = target
        # --service-id, else every peer (the proxy's own resolution)
        self.asked = list(target.service_ids) or None
        self.peers = self.asked
        self.unanswered = {}  # peer -> PeerReply(timeout)
        self.sent = []
        self.request_ids = []  # every request's id, to find it in oio's logs
        self.permitted = False  # a bulk write's limits let it change
        self.scratch_removed = []  # peers whose file check copy was removed
        self.deadline = time.monotonic() + session.timeout
        # set when the run stopped waiting for this base: nothing more is
        # sent for it
        self.cancelled = threading.Event()

    def call(self, method, budget, action, **kwargs):
        if self.cancelled.is_set():
            raise ElectionError("interrupted", X.EXIT_INTERRUPTED)
        reqid = self.session.request_id(action)
        self.request_ids.append(reqid)
        return self.session.call(method, budget, action, reqid, **kwargs)

    def permit(self):
        """Before the base's first change: the run's limits (limits.py)."""
        if not self.permitted:
            self.session.limits.permit(self)
            self.permitted = True

    # budget ---------------------------------------------------------------
    def new_phase(self):
        """A fresh budget of --timeout (sync: pre-flight, trigger, wait)."""
        self.deadline = time.monotonic() + self.session.timeout

    def remaining(self):
        return max(self.deadline - time.monotonic(), 0.0)

    def budget(self, steps):
        """What is left, shared among the sequential steps still to come."""
        return self.remaining() / max(steps, 1)

    def translated(self, exc, action, budget):
        raise_translated(exc, self.target, self.session.client, action, budget)

    # election requests ------------------------------------------------------
    def ask(self, action, peers=None, steps=1, everyone=False, **extra):
        """Every peer's reply to ``action`` (PeerReply list, by peer).

        Peers that did not answer in time earlier in the run are not asked
        again; ``everyone``: whatever --service-id narrows."""
        budget = self.budget(steps)
        wanted = peers
        if peers is None and not everyone:
            wanted = self.asked
        if self.unanswered:
            wanted = wanted if wanted is not None else self.peers or []
        skipped = [
            self.unanswered[p] for p in wanted or () if p in self.unanswered
        ]
        if wanted is not None:
            wanted = [p for p in wanted if p not in self.unanswered]
            if not wanted:
                return sorted(skipped)
        write = action in WRITES
        whole = budget if write or wanted and len(wanted) == 1 else budget / 2
        try:
            replies = self.ask_once(action, wanted, whole, **extra)
        except ElectionError as error:
            if write or not getattr(error, "deadline", False):
                raise
            wanted = wanted or directory_peers(self)
            if not wanted:
                raise
            replies = self._ask_each(action, wanted, **extra)
        if peers is None and (self.peers is None or everyone):
            self.peers = sorted({r.peer for r in replies + skipped})
        return sorted(replies + skipped)

    def ask_once(self, action, peers, budget, **extra):
        kwargs = dict(self.target.loc_kwargs())
        if peers:
            kwargs["service_id"] = list(peers)
        if "check_type" in extra and self.session.caps.check_type:
            kwargs["check_type"] = extra["check_type"]
        if action in WRITES:
            self.permit()
            self.sent.append(Sent(action, tuple(peers or ()), extra))
        try:
            raw = self.call(METHODS[action], budget, action, **kwargs)
        except Exception as exc:
            if action in WRITES:
                audit(self, action, peers, "failed: %s" % exc)
            self.translated(exc, action, budget)
        if action in WRITES:
            audit(self, action, peers, _statuses(raw))
        if action == "status":
            raw = raw.get("peers") if isinstance(raw, dict) else raw
        try:
            replies = P.parse_replies(raw)
        except M.MalformedReply as exc:
            raise malformed(self.target, action, exc) from None
        if peers:  # a proxy may answer for more, or forget one
            replies = [r for r in replies if r.peer in peers]
            answered = {r.peer for r in replies}
            replies += [
                PeerReply(p, 0, "absent from the proxy's reply", "")
                for p in peers
                if p not in answered
            ]
        return [r._replace(message=clean(r.message)) for r in replies]

    def _ask_each(self, action, peers, **extra):
        """Each peer on its own, in parallel, with the rest of the budget."""
        deadline = time.monotonic() + self.remaining()

        def one(peer):
            left = deadline - time.monotonic()
            return self.ask_once(action, [peer], left, **extra)[0]

        results = parallel.fan_out(one, peers, deadline + 0.5)
        replies = [_each_reply(self, p, results[p]) for p in peers]
        if replies and all(r.peer in self.unanswered for r in replies):
            raise ElectionError(
                "oio-proxy did not answer %s %s within %gs for any peer: "
                "retry with a larger --timeout"
                % (action, self.target.label, self.session.timeout)
            )
        return replies


def _each_reply(calls, peer, got):
    """The reply of one peer asked on its own, whatever it came to."""
    if isinstance(got, PeerReply):
        return got
    cause = getattr(got, "cause", None)
    if isinstance(got, ElectionError) and cause is not None:
        if is_unreachable(cause):
            raise got  # the proxy itself is gone
    if got is parallel.STILL_RUNNING or getattr(got, "deadline", False):
        reply = PeerReply(peer, 7, no_answer(calls.session.timeout), "")
        calls.unanswered[peer] = reply
        return reply
    if isinstance(got, ElectionError):
        status = getattr(cause, "status", None)
        status = status if isinstance(status, int) else 0
        return PeerReply(peer, status, str(got), "")
    raise got


def _field(value):
    """One field of an audit line, as it can be split again: foreign text
    escaped, and quoted where it holds a blank, a quote or an '='."""
    text = clean(value)
    if not text or any(c in text for c in " \t\"='"):
        return json.dumps(text)
    return text


def audit(calls, action, peers, outcome, **more):
    """The audit line of a write that was sent: ``key=value`` fields, one
    line whatever the names hold."""
    AUDIT.info(
        "election %s: type=%s base=%s peers=%s reqid=%s outcome=%s%s",
        action,
        _field(calls.target.service_type),
        _field(calls.target.name),
        _field(",".join(peers or ()) or "all"),
        _field(calls.request_ids[-1] if calls.request_ids else "-"),
        _field(outcome),
        "".join(
            " %s=%s" % (key, _field(value))
            for key, value in sorted(more.items())
        ),
    )


def _statuses(raw):
    """``peer:status ...`` of a reply, as far as it can be read."""
    try:
        return " ".join(
            "%s:%s" % (r.peer, r.status) for r in P.parse_replies(raw)
        )
    except P.MalformedReply:
        return "unreadable reply"


def directory_peers(calls):
    """The peers meta1 links to this base (``openio reference list``);
    meta0/meta1 bases have no such entry: [] (the deadline error stands)."""
    directory = calls.session.caps.directory
    target = calls.target
    if directory is None or target.service_type in ("meta0", "meta1"):
        return []
    budget = min(calls.remaining(), 5.0)
    try:
        data = directory.list(
            account=target.account,
            reference=target.reference,
            cid=target.cid,
            service_type=target.service_type,
            timeout=budget,
            headers=calls.session.headers("locate", budget),
        )
        return sorted(
            {
                srv["host"]
                for srv in data["srv"]
                if srv.get("type") == target.service_type
            }
        )
    except Exception:  # the deadline error says more; keep it
        return []
