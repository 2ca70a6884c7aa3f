"""Everything this plugin knows about oio, in one place.

Which attribute of the shell's client manager holds the admin client, which
keywords the running oio accepts, how a timeout becomes the proxy's deadline,
what oio's exceptions mean. oio is never imported here: the running ``openio``
shell hands us its client, and exceptions are recognised by class name, so
the module imports (and is tested) where oio is absent.
"""

import collections
import inspect
import os
import re
import threading
import time

from oio_election_sync import peers as P
from oio_election_sync.exitcodes import ElectionError

DEFAULT_TIMEOUT = 30.0
# oio truncates longer request ids (oio/common/constants.py STRLEN_REQID).
REQID_MAX = 63
# Headers oio's HTTP layer leaves alone when the caller sets them (spelled
# exactly as oio.common.constants spells them: the check is case-sensitive).
REQID_HEADER = "x-oio-req-id"
TIMEOUT_HEADER = "x-oio-timeout"
# The proxy gets this share of the client's budget as its deadline, so that
# it answers (with per-peer errors) before the client stops listening.
PROXY_SHARE = 0.9

# Admin client method per action; ``election_status`` wraps the peer map
# in ``{"peers": ...}`` (oio/directory/admin.py).
_METHODS = {
    "status": "election_status",
    "sync": "election_sync",
    "debug": "election_debug",
    "has": "has_base",
}


class Target(
    collections.namedtuple(
        "Target", "service_type account reference cid service_ids"
    )
):
    """One replicated base, as the proxy localises it."""

    @property
    def label(self):
        if self.cid:
            return "%s cid %s" % (self.service_type, self.cid)
        return "%s %s" % (self.service_type, self.reference)

    @property
    def name(self):
        return self.cid or self.reference

    def loc_kwargs(self):
        if self.cid:
            return {"service_type": self.service_type, "cid": self.cid}
        return {
            "service_type": self.service_type,
            "account": self.account,
            "reference": self.reference,
        }


# --- the host ---------------------------------------------------------------


def _oio_installed():
    import importlib.util

    return importlib.util.find_spec("oio") is not None


def admin_client(app):
    """The shell's admin client: ``admin`` (oio 5.0+) or ``election`` (4.x)."""
    manager = getattr(app, "client_manager", None)
    for attribute in ("admin", "election"):
        try:
            client = getattr(manager, attribute, None) if manager else None
        except Exception as exc:  # e.g. CommandError: no namespace, no proxy
            raise ElectionError(
                "cannot build oio's admin client: %s"
                % " ".join(str(exc).split())
            ) from exc
        if client is not None:
            return client
    if not _oio_installed():
        raise ElectionError(
            "oio is not installed in this Python environment: install "
            "oio-election-sync where oio-sds's 'openio' command lives, and "
            "run it as 'openio election ...'"
        )
    raise ElectionError(
        "this shell has no oio admin client: run the command through "
        "oio-sds's 'openio' or 'openio-admin' command"
    )


def account_of(app):
    """The account name: ``--oio-account``/``OIO_ACCOUNT`` on every oio."""
    options = getattr(app, "options", None)
    account = getattr(options, "account", None)  # oio 5.0+
    if account is None:
        account = getattr(options, "account_name", None)  # oio 4.x
    return account or None


def shell_timeout(app):
    """The global ``-t/--timeout`` of oio 2025.28+, else None."""
    return getattr(getattr(app, "options", None), "timeout", None)


def _accepts(method, name, follow_wrapped):
    try:
        signature = inspect.signature(method, follow_wrapped=follow_wrapped)
    except (TypeError, ValueError):
        return False
    return name in signature.parameters


class Capabilities(
    collections.namedtuple("Capabilities", "service_id check_type directory")
):
    """What the running oio accepts. Unknown keywords are dropped silently by
    oio's HTTP layer, so a keyword the signature lacks is not sent."""

    @classmethod
    def probe(cls, client, app):
        # loc_params exposes service_id in its own signature from 4.7.0 /
        # 5.0.1; check_type is a keyword of the wrapped method from 5.9.0.
        service_id = _accepts(client.election_status, "service_id", False)
        check_type = _accepts(client.election_sync, "check_type", True)
        manager = getattr(app, "client_manager", None)
        directory = getattr(manager, "directory", None) if manager else None
        return cls(service_id, check_type, directory)


# --- errors -----------------------------------------------------------------


def _class_names(exc):
    return {klass.__name__ for klass in type(exc).__mro__}


def _proxy_host(exc, client):
    # oio's network errors read ('reqid=..., host=<netloc>', '<reason>')
    match = re.search(
        r"host=([^\s',)]+)", str(exc.args[0]) if exc.args else ""
    )
    if match:
        return match.group(1)
    for attribute in ("proxy_netloc", "endpoint"):
        value = getattr(client, attribute, None)
        if isinstance(value, str) and value:
            return value
    return "the configured address"


def _network_reason(exc):
    text = str(exc.args[-1]) if exc.args else str(exc)
    if "refused" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    return re.sub(r"<[^>]*>:?\s*", "", text).strip() or type(exc).__name__


def is_deadline(exc):
    """True for errors that mean "a peer did not answer in time"."""
    names = _class_names(exc)
    if "OioTimeout" in names:
        return True
    return "ServiceBusy" in names and "Deadline reached" in str(
        getattr(exc, "message", exc)
    )


def translate(exc, target, client, action, timeout):
    """An oio exception -> ElectionError with a one-line, actionable text."""
    if isinstance(exc, ElectionError):
        return exc
    names = _class_names(exc)
    message = getattr(exc, "message", None) or str(exc)
    status = getattr(exc, "status", None)
    http = getattr(exc, "http_status", None)
    if isinstance(exc, ValueError) and "service_type" in str(exc):
        return ElectionError("missing service type: give one, e.g. meta2")
    if isinstance(exc, ValueError) and "account" in str(exc):
        return ElectionError(
            "no account for reference %r: pass --oio-account ACCOUNT (or set "
            "OIO_ACCOUNT), or give a container ID with --cid" % target.name
        )
    if "NotFound" in names and status == 406:
        if target.cid:
            return ElectionError(
                "no %s base with CID %s (%s): check the CID"
                % (target.service_type, target.cid, message)
            )
        return ElectionError(
            "container %r not found in account %r (%s): check the name and "
            "--oio-account, or pass a container ID with --cid"
            % (target.reference, target.account, message)
        )
    if "NotFound" in names and status == 431:
        return ElectionError(
            "no %r service holds %r (%s): check the service type "
            "(meta0, meta1, meta2...)"
            % (target.service_type, target.name, message)
        )
    if "NotFound" in names:
        return ElectionError("%s: not found (%s)" % (target.label, message))
    if "OioTimeout" in names and "Connection" not in str(names):
        return ElectionError(
            "oio-proxy at %s did not answer %s %s within %.1fs: retry with a "
            "larger --timeout"
            % (_proxy_host(exc, client), action, target.label, timeout)
        )
    if "OioNetworkException" in names:
        host = _proxy_host(exc, client)
        return ElectionError(
            "cannot reach oio-proxy at %s (%s): is oio-proxy running? check "
            "--oio-proxy / OIO_PROXYD_URL or the 'proxy' key of the namespace "
            "in /etc/oio/sds.conf.d" % (host, _network_reason(exc))
        )
    if "ServiceBusy" in names:
        return ElectionError(
            "oio-proxy could not serve %s %s (%s, HTTP 503): a peer is "
            "overloaded, exiting or too slow; retry in a few seconds or with "
            "a larger --timeout" % (action, target.label, message)
        )
    if "BadRequest" in names or http == 400:
        return ElectionError(
            "oio-proxy refused %s %s as a bad request (%s)"
            % (action, target.label, message)
        )
    if "ClientException" in names or "StatusMessageException" in names:
        return ElectionError(
            "%s %s failed: %s (HTTP %s, status %s)"
            % (action, target.label, message, http, status)
        )
    if "OioException" in names:
        return ElectionError(
            "%s %s failed: %s: run with --debug for details"
            % (action, target.label, message)
        )
    return None


def malformed(target, action, detail):
    return ElectionError(
        "malformed reply from oio-proxy to %s %s: %s; run with --debug and "
        "report it" % (action, target.label, detail)
    )


# --- requests ----------------------------------------------------------------


class Session:
    """Calls to the admin API for one command run, within one time budget."""

    def __init__(self, app, timeout=None, reqid_prefix="CLI-election-"):
        self.app = app
        self.client = admin_client(app)
        self.caps = Capabilities.probe(self.client, app)
        self.timeout = float(timeout or shell_timeout(app) or DEFAULT_TIMEOUT)
        self.reqid_prefix = reqid_prefix
        self._counter = 0
        self._lock = threading.Lock()

    # request ids ---------------------------------------------------------
    def request_id(self, action):
        prefix = "%s%s-" % (self.reqid_prefix, action)
        maker = getattr(self.app, "request_id", None)
        if callable(maker):  # oio 5.5.3+: honours --request-id
            return str(maker(prefix))[:REQID_MAX]
        with self._lock:
            count, self._counter = self._counter, self._counter + 1
        user = getattr(getattr(self.app, "options", None), "request_id", None)
        if user:
            return ("%s-%d" % (user, count))[:REQID_MAX]
        return ("%s%d-%s" % (prefix, count, os.urandom(8).hex().upper()))[
            :REQID_MAX
        ]

    def _kwargs(self, action, budget):
        return {
            "timeout": budget,
            "headers": {
                REQID_HEADER: self.request_id(action),
                TIMEOUT_HEADER: str(int(budget * PROXY_SHARE * 1000000)),
            },
        }

    # one request ---------------------------------------------------------
    def _invoke(self, action, target, budget, service_ids=None, **extra):
        method = getattr(self.client, _METHODS[action])
        kwargs = dict(target.loc_kwargs(), **self._kwargs(action, budget))
        if service_ids:
            kwargs["service_id"] = list(service_ids)
        if "check_type" in extra and self.caps.check_type:
            kwargs["check_type"] = extra["check_type"]
        try:
            raw = method(**kwargs)
        except (TypeError, AttributeError, KeyError) as exc:
            # oio's own methods choke on replies of an unexpected shape
            # (election_status iterates the body)
            raise malformed(
                target, action, "%s: %s" % (type(exc).__name__, exc)
            ) from exc
        except Exception as exc:
            # the user's whole budget: a split request failed within it
            error = translate(exc, target, self.client, action, self.timeout)
            if error is None:
                raise
            error.cause = exc
            raise error from exc
        if action == "status":
            raw = raw.get("peers") if isinstance(raw, dict) else raw
        try:
            return P.parse_replies(raw)
        except P.MalformedReply as exc:
            raise malformed(target, action, exc) from None

    def replies(self, action, target, **extra):
        """Every peer's reply, including a ``timeout`` row for a peer that
        does not answer within the budget. The proxy asks peers one after the
        other and, when a frozen peer eats its deadline (x-oio-timeout),
        fails the whole request (proxy/common.c: "Deadline reached")."""
        if target.service_ids:
            self._check_service_id_support(action)
            return self.per_peer(
                action, target, target.service_ids, self.timeout, **extra
            )
        started = time.monotonic()
        # Half the budget for the whole request: if a frozen peer makes the
        # proxy hit its deadline (HTTP 503, no rows at all), the other half
        # asks each peer on its own, in parallel.
        first = self.timeout / 2 if self._can_split(target) else self.timeout
        try:
            return self._invoke(action, target, first, **extra)
        except ElectionError as error:
            cause = getattr(error, "cause", None)
            if (
                cause is None
                or not is_deadline(cause)
                or first == self.timeout
            ):
                raise
            peer_ids = self.directory_peers(target)
            if not peer_ids:
                raise
        remaining = max(self.timeout - (time.monotonic() - started), 0.1)
        return self.per_peer(action, target, peer_ids, remaining, **extra)

    def _check_service_id_support(self, action):
        if not self.caps.service_id:
            raise ElectionError(
                "this oio ignores --service-id for election %s (oio older "
                "than 4.7.0/5.0.1): omit --service-id, or upgrade oio" % action
            )

    def _can_split(self, target):
        return (
            self.caps.service_id
            and self.caps.directory is not None
            and target.service_type not in ("meta0", "meta1")
        )

    def directory_peers(self, target):
        """The peers meta1 links to this base (``openio reference list``)."""
        try:
            data = self.caps.directory.list(
                account=target.account,
                reference=target.reference,
                cid=target.cid,
                service_type=target.service_type,
                **self._kwargs("locate", min(self.timeout, 5.0)),
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

    def per_peer(self, action, target, peer_ids, budget, **extra):
        """Ask each peer on its own, in parallel, each within ``budget``."""
        results, failures = {}, {}

        def ask(peer):
            try:
                got = self._invoke(action, target, budget, [peer], **extra)
                for reply in got:
                    if reply.peer == peer:  # a proxy may answer for more
                        results[peer] = reply
                if peer not in results:
                    results[peer] = P.PeerReply(
                        peer, 0, "absent from the proxy's reply", ""
                    )
            except ElectionError as error:
                cause = getattr(error, "cause", None)
                if (
                    cause is not None
                    and "OioNetworkException" in _class_names(cause)
                    and not is_deadline(cause)
                ):
                    raise  # the proxy itself is unreachable
                if cause is not None and "OioTimeout" in _class_names(cause):
                    failures[peer] = error
                results[peer] = _failed_peer(peer, error, cause, self.timeout)

        run_parallel(ask, list(peer_ids), budget + 1.0)
        if peer_ids and all(
            isinstance(failures.get(p), Exception) for p in peer_ids
        ):
            raise failures[peer_ids[0]]  # the proxy itself does not answer
        for peer in peer_ids:
            results.setdefault(
                peer,
                P.PeerReply(peer, 7, _no_answer(self.timeout), ""),
            )
        return sorted(results.values(), key=lambda r: r.peer)

    def admin_table(self, target, peer):
        """Replicated keys of one peer's admin table (``get_properties``)."""
        kwargs = dict(
            target.loc_kwargs(),
            service_id=[peer],
            **self._kwargs("properties", self.timeout),
        )
        try:
            table = self.client.get_properties(**kwargs)
        except Exception as exc:
            error = translate(
                exc, target, self.client, "get_properties", self.timeout
            )
            if error is None:
                raise
            raise error from exc
        return P.replicated_keys(table)


def _no_answer(timeout):
    # the whole budget: the peer did not answer the whole request either
    return "no answer within --timeout %gs" % timeout


def _failed_peer(peer, error, cause, timeout):
    if cause is not None and is_deadline(cause):
        return P.PeerReply(peer, 7, _no_answer(timeout), "")
    status = getattr(cause, "status", None)
    code = status if isinstance(status, int) else 0
    text = getattr(cause, "message", None) or str(error)
    return P.PeerReply(peer, code, text, "")


_POOL = None
_POOL_LOCK = threading.Lock()
# Per-peer requests of all bases share these threads (bases have their own
# pool in bulk); a peer request never waits on another, so no deadlock.
PEER_THREADS = 128


def _peer_pool():
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _POOL = ThreadPoolExecutor(PEER_THREADS, "oio-election-peer")
        return _POOL


def run_parallel(function, items, timeout):
    """Run ``function(item)`` for each item in parallel, for at most
    ``timeout`` seconds; the first error is re-raised in the caller."""
    if len(items) == 1:
        function(items[0])
        return
    from concurrent.futures import wait

    futures = [_peer_pool().submit(function, item) for item in items[1:]]
    function(items[0])  # this thread would only wait: let it work
    done, _ = wait(futures, timeout)
    for future in futures:
        if future in done and future.exception() is not None:
            raise future.exception()
