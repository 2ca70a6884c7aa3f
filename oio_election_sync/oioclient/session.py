"""One command run's admin API: the client, its capabilities, request ids
and deadlines, and a gate that keeps requests within the connection pool."""

import os
import threading
import time

from oio_election_sync import exitcodes as X
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.limits import Limits
from oio_election_sync.oioclient.base import Base
from oio_election_sync.oioclient.errors import Timeout
from oio_election_sync.oioclient.host import (
    DEFAULT_TIMEOUT,
    PARALLEL_PER_BASE,
    Capabilities,
    admin_client,
    pool_for,
)

# oio truncates longer request ids (oio/common/constants.py STRLEN_REQID).
REQID_MAX = 63
# Headers oio's HTTP layer leaves alone when the caller sets them (spelled
# exactly as oio.common.constants spells them: the check is case-sensitive).
REQID_HEADER = "x-oio-req-id"
TIMEOUT_HEADER = "x-oio-timeout"
# The proxy gets this share of a request's budget as its deadline, so that
# it answers (with per-peer errors) before the client stops listening.
PROXY_SHARE = 0.9


class Session:
    """The admin API for one command run: the client, what it can do, the
    request ids, and a gate that keeps requests within the connection pool
    (beyond it urllib3 discards connections, with a warning). The pool is
    sized to the requests the run keeps in flight: ``workers`` bases, a
    request per peer each."""

    def __init__(
        self, app, timeout=None, reqid_prefix="CLI-election-", workers=1
    ):
        self.app = app
        self.client = admin_client(app)
        pool_for(self.client, workers * PARALLEL_PER_BASE)
        self.caps = Capabilities.probe(self.client, app)
        self.timeout = float(timeout or DEFAULT_TIMEOUT)
        self.reqid_prefix = reqid_prefix
        self.user_reqid = getattr(
            getattr(app, "options", None), "request_id", None
        )
        self.gate = threading.BoundedSemaphore(self.caps.pool_size)
        self.limits = Limits()  # none, unless a bulk write sets some
        # set when the user stopped waiting (second Ctrl-C): a base still
        # running in the background sends nothing more
        self.cancelled = threading.Event()
        self._counter = 0
        self._lock = threading.Lock()

    def headers(self, action, budget, reqid=None):
        """A request's id, and the share of its budget the proxy gets as
        its deadline (in microseconds), so that it answers before the
        client gives up."""
        return {
            REQID_HEADER: reqid or self.request_id(action),
            TIMEOUT_HEADER: str(int(budget * PROXY_SHARE * 1e6)),
        }

    def request_id(self, action):
        """One id per request: ``--request-id`` plus a counter, or a
        generated one (oio's own ``request_id`` differs between versions)."""
        with self._lock:
            count, self._counter = self._counter, self._counter + 1
        if self.user_reqid:
            return ("%s-%d" % (self.user_reqid, count))[:REQID_MAX]
        return (
            "%s%s-%d-%s"
            % (
                self.reqid_prefix,
                action.replace(" ", "_"),
                count,
                os.urandom(8).hex().upper(),
            )
        )[:REQID_MAX]

    def base(self, target):
        return Base(self, target)

    def call(self, name, budget, action, reqid=None, **kwargs):
        """One admin client call within ``budget`` seconds, through the
        gate; raises ElectionError (with ``cause``) on oio's errors."""
        if self.cancelled.is_set():
            raise ElectionError("interrupted", X.EXIT_INTERRUPTED)
        started = time.monotonic()
        if not self.gate.acquire(timeout=max(budget, 0)):
            raise Timeout(budget)
        try:
            budget = max(budget - (time.monotonic() - started), 0.001)
            kwargs.update(
                timeout=budget,
                request_attempts=1,  # oio 2025+ retries reads by default
                headers=self.headers(action, budget, reqid),
            )
            return getattr(self.client, name)(**kwargs)
        finally:
            self.gate.release()
