"""Everything this plugin knows about oio, in one place.

Which attributes of the shell hold the clients, which keywords the running
oio accepts, how a time budget becomes the proxy's deadline, what oio's
exceptions mean, how a base is addressed. oio is never imported here: the
running ``openio`` shell hands us its clients, and exceptions are recognised
by class name, so the module imports (and is tested) where oio is absent.

Supported: oio 6.0.0 (the first Python 3 oio) to current.
"""

import collections
import hashlib
import inspect
import os
import re
import threading
import time

from oio_election_sync import exitcodes as X
from oio_election_sync import parallel
from oio_election_sync import peers as P
from oio_election_sync.text import clean
from oio_election_sync.exitcodes import ElectionError

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 86400.0
# oio truncates longer request ids (oio/common/constants.py STRLEN_REQID).
REQID_MAX = 63
# Headers oio's HTTP layer leaves alone when the caller sets them (spelled
# exactly as oio.common.constants spells them: the check is case-sensitive).
REQID_HEADER = "x-oio-req-id"
TIMEOUT_HEADER = "x-oio-timeout"
# The proxy gets this share of a request's budget as its deadline, so that
# it answers (with per-peer errors) before the client stops listening.
PROXY_SHARE = 0.9
# urllib3's pool size when the client does not tell (oio's default).
DEFAULT_POOL_SIZE = 32

# Admin client method per action; ``election_status`` wraps the peer map
# in ``{"peers": ...}`` (oio/directory/admin.py).
_METHODS = {
    "status": "election_status",
    "sync": "election_sync",
    "debug": "election_debug",
    "has": "has_base",
    "leave": "election_leave",
}
# Actions that change something: never re-sent after an unclear failure.
WRITES = ("sync", "leave", "set_properties", "backup")


class Target(
    collections.namedtuple(
        "Target",
        "service_type account reference cid service_ids display marker "
        "source",
        defaults=(None, None, None),
    )
):
    """One replicated base, as the proxy localises it. A base listed from a
    service has a ``display`` name (``account/container``), the
    ``marker`` that resumes a listing after it, and the ``source`` service
    whose listing named it."""

    @property
    def label(self):
        if self.display:
            return "%s %s" % (self.service_type, self.display)
        if self.cid:
            return "%s cid %s" % (self.service_type, self.cid)
        return "%s %s" % (self.service_type, self.reference)

    @property
    def name(self):
        return self.display or self.cid or self.reference

    @property
    def base_cid(self):
        """The CID the base is named after, however it was addressed:
        by name, oio's ``cid_from_name`` (sha256 of account, NUL,
        reference)."""
        if self.cid is not None:
            return self.cid.upper()
        digest = hashlib.sha256(self.account.encode("utf-8"))
        digest.update(b"\0" + self.reference.encode("utf-8"))
        return digest.hexdigest().upper()

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


def _attribute(manager, name):
    try:
        return getattr(manager, name, None)
    except Exception as exc:  # e.g. CommandError: no namespace, no proxy
        raise ElectionError(
            "cannot build oio's %s client: %s"
            % (name, " ".join(str(exc).split()))
        ) from exc


def admin_client(app):
    """The shell's admin client (``client_manager.admin``, oio 5.0+)."""
    manager = getattr(app, "client_manager", None)
    client = _attribute(manager, "admin") if manager is not None else None
    if client is not None:
        return client
    if not _oio_installed():
        raise ElectionError(
            "oio is not installed in this Python environment: install "
            "oio-election-sync where oio-sds's 'openio' command lives, and "
            "run it as 'openio election ...'"
        )
    raise ElectionError(
        "this shell has no oio admin client (oio older than 6.0?): run the "
        "command through the 'openio' or 'openio-admin' of oio 6.0 or later"
    )


def directory_client(app):
    """``client_manager.directory`` (oio 9.0+), else the storage API's
    (6.0 to 7.x); None when neither can be built."""
    manager = getattr(app, "client_manager", None)
    try:
        directory = getattr(manager, "directory", None)
        if directory is None:
            storage = getattr(manager, "storage", None)
            directory = getattr(storage, "directory", None)
    except Exception:  # building it failed: no per-peer fallback
        return None
    return directory if callable(getattr(directory, "list", None)) else None


def meta1_digits(app):
    """``ns.meta1_digits`` as the shell knows it, or None."""
    try:
        return int(
            getattr(getattr(app, "client_manager", None), "meta1_digits")
        )
    except Exception:  # no namespace configuration: cannot tell
        return None


def account_of(app):
    """``--oio-account``/``OIO_ACCOUNT`` (``app.options.account``)."""
    return getattr(getattr(app, "options", None), "account", None) or None


def shell_timeout(app):
    """The global ``-t/--timeout`` of oio 2025.28+, else None."""
    return getattr(getattr(app, "options", None), "timeout", None)


def _accepts(method, name):
    try:
        signature = inspect.signature(method, follow_wrapped=True)
    except (TypeError, ValueError):
        return False
    return name in signature.parameters


class Capabilities(
    collections.namedtuple(
        "Capabilities", "check_type backup pool_size directory"
    )
):
    """What the running oio offers, probed once from its signatures and
    attributes (never from a version string)."""

    @classmethod
    def probe(cls, client, app):
        # check_type: oio 7.2.0+ (absent from 6.0.0 to 7.1.0);
        # copy_base_local with a suffix: oio 9.0.0+
        check_type = _accepts(client.election_sync, "check_type")
        backup = callable(getattr(client, "copy_base_local", None))
        pool = getattr(
            getattr(client, "pool_manager", None), "connection_pool_kw", None
        )
        size = pool.get("maxsize") if isinstance(pool, dict) else None
        if not isinstance(size, int) or size < 1:
            size = DEFAULT_POOL_SIZE
        return cls(check_type, backup, size, directory_client(app))


# --- the bases a service holds ---------------------------------------------

LISTING_PAGE = 1000


def _listing_error(exc, what):
    names = class_names(exc)
    if "VolumeException" in names:  # oio/rdir/client.py: no rdir assigned
        return ElectionError(
            "no rdir assigned to %s, which lists its bases: assign one with "
            "'openio rdir bootstrap meta2', then retry" % what
        )
    if isinstance(exc, ElectionError):
        return exc
    text = clean(getattr(exc, "message", None) or exc)
    if "NotFound" in names:
        return ElectionError("cannot list the bases of %s: %s" % (what, text))
    return ElectionError(
        "listing the bases of %s failed: %s: %s"
        % (what, type(exc).__name__, text)
    )


def meta2_bases(app, service_id, prefix=None, marker=None):
    """``(container_url, cid)`` of every base rdir indexes for a meta2
    service, page after page (``openio-admin meta2 list containers``)."""
    rdir = _attribute(getattr(app, "client_manager", None), "rdir")
    if rdir is None:
        raise ElectionError("this oio has no rdir client: cannot list bases")
    what = "meta2 %s" % service_id

    def fetch(prefix, marker, limit=LISTING_PAGE):
        try:
            page = rdir.meta2_index_fetch(
                service_id, prefix=prefix, marker=marker, limit=limit
            )
            records = [
                (r["container_url"], r["container_id"])
                for r in page["records"]
            ]
            truncated = page.get("truncated")
        except Exception as exc:
            if "VolumeException" in class_names(exc):
                _known_service(app, "meta2", service_id)
            raise _listing_error(exc, what) from exc
        for url, cid in records:
            if not isinstance(url, str) or not isinstance(cid, str):
                raise ElectionError("malformed rdir listing of %s" % what)
        return records, truncated

    while True:
        records, truncated = fetch(prefix, marker)
        if marker is not None:
            records = _skipped(fetch, prefix, marker, records) + records
        for url, cid in records:
            # rdir lists in order after the marker: anything else would run
            # a base twice, or forever
            if marker is not None and url <= marker:
                raise ElectionError(
                    "the rdir listing of %s does not advance after %s"
                    % (what, clean(marker))
                )
            yield url, cid
            marker = url
        if not records or not truncated:
            return


def _skipped(fetch, prefix, marker, records):
    """The record rdir dropped after ``marker``. rdir seeks to the marker
    and then skips one record whether or not it is the marker
    (``_meta2_db_fetch`` in rdir/rdir.c): when the marker's container was
    deleted, that is the first base after it. A listing by prefix alone
    seeks without skipping, so it tells whether the marker still exists,
    and finds what was skipped."""
    probe, _ = fetch(marker, None, 1)
    if probe and probe[0][0] == marker:
        return []  # the marker itself was skipped, as meant
    if probe and probe[0][0].startswith(marker):
        return probe[:1]  # the first record after the marker
    # The skipped record lies between the marker and the first one listed:
    # it shares their common prefix. List that prefix up to the marker.
    scope = os.path.commonprefix([marker, records[0][0]]) if records else ""
    scope = max(scope, prefix or "", key=len)
    after = None
    while True:
        page, truncated = fetch(scope or None, after)
        for url, cid in page:
            if url > marker:
                return (
                    [(url, cid)] if not records or url < records[0][0] else []
                )
        if not page or not truncated:
            return []
        after = page[-1][0]


def _known_service(app, service_type, service_id):
    """Raise a usage error when the conscience knows no such service (a
    typo must not read as a service that holds no base)."""
    manager = getattr(app, "client_manager", None)
    conscience = _attribute(manager, "conscience") if manager else None
    if conscience is None:
        return  # cannot tell: the listing's own error is said
    try:
        services = conscience.all_services(service_type)
        known = {
            name
            for s in services
            for name in (
                s.get("id"),
                s.get("addr"),
                (s.get("tags") or {}).get("tag.service_id"),
            )
            if name
        }
    except Exception:
        return
    if service_id not in known:
        raise ElectionError(
            "%r is not a %s service of this namespace (the conscience "
            "knows %s)"
            % (service_id, service_type, ", ".join(sorted(known)) or "none"),
            X.EXIT_USAGE,
        )


def meta1_marker(marker, digits):
    """A meta1 ``--marker`` as the bases are named (``digits`` hex digits,
    zero padded to 4); any other length would run its own base again."""
    text = marker.upper()
    if re.fullmatch(r"[0-9A-F]{%d}(?:0{%d})?" % (digits, 4 - digits), text):
        return text.ljust(4, "0")
    raise ElectionError(
        "--marker %r is no meta1 base: give a prefix of %d hex digits, as "
        "the listing names them (e.g. %s)"
        % (marker, digits, "0" * digits + "0" * (4 - digits)),
        X.EXIT_USAGE,
    )


def meta1_bases(app, service_id, marker=None):
    """The meta1 bases (CID prefixes, ``ns.meta1_digits`` long, zero
    padded) that the meta0 mapping gives to a meta1 service, in order."""
    manager = getattr(app, "client_manager", None)
    try:
        meta0 = getattr(
            _attribute(manager, "directory") or object(), "meta0", None
        )
        if meta0 is None:  # oio before 9.0
            from oio.directory.meta0 import Meta0Client

            meta0 = Meta0Client(manager.client_conf)
        mapping = meta0.list()
        digits = int(manager.meta1_digits)
    except Exception as exc:
        raise _listing_error(exc, "meta1 %s" % service_id) from exc
    if marker is not None:
        marker = meta1_marker(marker, digits)
    try:
        bases = sorted(
            {
                prefix[:digits].ljust(4, "0").upper()
                for prefix, peers in mapping.items()
                if service_id in peers
            }
        )
        if not bases:
            known = sorted({p for peers in mapping.values() for p in peers})
    except (AttributeError, TypeError) as exc:
        raise _listing_error(exc, "meta1 %s" % service_id) from exc
    if not bases:
        raise ElectionError(
            "%r is no meta1 of this namespace: meta0 maps no prefix to it "
            "(its meta1 are %s)" % (service_id, ", ".join(known) or "none"),
            X.EXIT_USAGE,
        )
    return (b for b in bases if marker is None or b > marker)


def meta0_base(app, service_id):
    """The meta0 base, once the conscience knows ``service_id`` as a
    meta0."""
    _known_service(app, "meta0", service_id)
    return "0"


# --- errors -----------------------------------------------------------------


def class_names(exc):
    return {klass.__name__ for klass in type(exc).__mro__}


def _proxy_host(exc, client):
    # oio's network errors read ('reqid=..., host=<netloc>', '<reason>')
    match = re.search(
        r"host=([^\s',)]+)", str(exc.args[0]) if exc.args else ""
    )
    if match:
        return match.group(1)
    value = getattr(client, "proxy_netloc", None)
    return value if isinstance(value, str) and value else "its address"


def _network_reason(exc):
    """oio's network errors read ('reqid=..., host=...', '<reason>')."""
    text = str(exc.args[-1]) if exc.args else str(exc)
    if "refused" in text.lower():
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    return re.sub(r"<[^>]*>:?\s*", "", text).strip() or type(exc).__name__


def is_deadline(exc):
    """True when oio says "a peer did not answer in time": a client read
    timeout, or the proxy's 503 "Deadline reached" (proxy/common.c)."""
    names = class_names(exc)
    if "OioTimeout" in names and "OioConnectionException" not in names:
        return True
    return "ServiceBusy" in names and "Deadline reached" in str(
        getattr(exc, "message", exc)
    )


def is_unreachable(exc):
    """The proxy itself cannot be reached."""
    names = class_names(exc)
    return "OioNetworkException" in names and not is_deadline(exc)


def is_corrupt(exc):
    """oio says a copy is corrupt (511), wrapped by the proxy or not."""
    if getattr(exc, "status", None) == P.CORRUPT_CODE:
        return True
    return P.corrupt_text(str(getattr(exc, "message", None) or exc))


def translate(exc, target, client, action, budget):
    """An oio exception -> ElectionError with a one-line, actionable text;
    None when it is not oio's."""
    if isinstance(exc, ElectionError):
        return exc
    names = class_names(exc)
    message = clean(
        getattr(exc, "message", None)
        or (_network_reason(exc) if "OioNetworkException" in names else exc)
        or type(exc).__name__
    )
    status = getattr(exc, "status", None)
    http = getattr(exc, "http_status", None)
    if "OioException" in names and is_corrupt(exc):
        # retrying never helps: the proxy stopped at a corrupt copy
        return ElectionError(
            "%s %s: a copy is corrupt (%s): retrying will not help; look "
            "at each copy with 'openio election status', then repair it "
            "with 'openio election repair'" % (action, target.label, message),
            X.EXIT_DIVERGED,
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
    if "NotFound" in names and status == 431 and action != "get_properties":
        error = ElectionError(
            "no %r service holds %r (%s): check the service type "
            "(meta0, meta1, meta2...)"
            % (target.service_type, target.name, message)
        )
        error.not_located = True  # the directory links no service to it
        return error
    if "NotFound" in names:
        return ElectionError(
            "%s %s: not found (%s)" % (action, target.label, message)
        )
    if is_deadline(exc):
        return ElectionError(
            "oio-proxy did not answer %s %s within %.1fs (%s): retry with a "
            "larger --timeout" % (action, target.label, budget, message)
        )
    if "OioNetworkException" in names:
        return ElectionError(
            "cannot reach oio-proxy at %s (%s): is oio-proxy running? check "
            "--oio-proxy / OIO_PROXYD_URL or the 'proxy' key of the namespace "
            "in /etc/oio/sds.conf.d"
            % (_proxy_host(exc, client), _network_reason(exc))
        )
    if "ServiceBusy" in names:
        return ElectionError(
            "oio-proxy could not serve %s %s (%s, HTTP 503): a peer is "
            "overloaded or exiting; retry in a few seconds"
            % (action, target.label, message)
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
        "report it" % (action, target.label, clean(detail))
    )


def no_answer(timeout):
    return "no answer within --timeout %gs" % timeout


def copy_path(has_body):
    """The file of a peer's copy from its ``has`` body (``<path>:<mtime>``
    since oio 2025.41, the path alone before), or None."""
    if not isinstance(has_body, str) or not has_body:
        return None
    path, _, mtime = has_body.rpartition(":")
    return path if path and mtime.isdigit() else has_body


def base_name(has_body, service_type):
    """The base's own name from a ``has`` body (its file is
    ``<name>.<type>``), or None."""
    filename = (copy_path(has_body) or "").rsplit("/", 1)[-1]
    suffix = "." + service_type
    if not filename.endswith(suffix) or len(filename) == len(suffix):
        return None
    return filename[: -len(suffix)]


# --- requests ----------------------------------------------------------------


# Requests one base keeps in flight at most: one per peer (reads fan out).
PARALLEL_PER_BASE = 3
MAX_POOL_SIZE = 768  # 256 workers of 3 peers: sockets, a few kB each


def pool_for(client, size):
    """Give ``client`` (this run's admin client) a connection pool of
    ``size``, when its own is smaller: a pool of the same class and
    settings, only larger. Returns the size of the pool it then has. A
    client whose pool cannot be told (or a proxy manager) keeps its own."""
    current = getattr(client, "pool_manager", None)
    settings = getattr(current, "connection_pool_kw", None)
    if not isinstance(settings, dict):
        return None
    have = settings.get("maxsize")
    size = min(size, MAX_POOL_SIZE)
    if not isinstance(have, int) or have >= size:
        return have
    if getattr(current, "proxy", None) is not None:
        return have  # a ProxyManager is built otherwise: left alone
    pools = getattr(getattr(current, "pools", None), "_maxsize", 10)
    try:
        larger = type(current)(num_pools=pools, **dict(settings, maxsize=size))
    except TypeError:
        return have
    client.pool_manager = larger
    return size


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
        # set when the user stopped waiting (second Ctrl-C): a base still
        # running in the background sends nothing more
        self.cancelled = threading.Event()
        self._counter = 0
        self._lock = threading.Lock()

    def headers(self, action, budget):
        """A request's id, and the share of its budget the proxy gets as
        its deadline (in microseconds), so that it answers before the
        client gives up."""
        return {
            REQID_HEADER: self.request_id(action),
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

    def call(self, name, budget, action, **kwargs):
        """One admin client call within ``budget`` seconds, through the
        gate; raises ElectionError (with ``cause``) on oio's errors."""
        if self.cancelled.is_set():
            raise ElectionError("interrupted", 130)
        started = time.monotonic()
        if not self.gate.acquire(timeout=max(budget, 0)):
            raise _Timeout(budget)
        try:
            budget = max(budget - (time.monotonic() - started), 0.001)
            kwargs.update(
                timeout=budget,
                request_attempts=1,  # oio 2025+ retries reads by default
                headers=self.headers(action, budget),
            )
            return getattr(self.client, name)(**kwargs)
        finally:
            self.gate.release()


class _Timeout(ElectionError):
    """No slot in the connection pool before the budget ran out."""

    def __init__(self, budget):
        super().__init__("no answer within %.1fs" % budget)
        self.cause = None
        self.deadline = True


def _raise_translated(exc, target, client, action, budget):
    if isinstance(exc, _Timeout):
        raise exc
    if isinstance(exc, (TypeError, AttributeError, KeyError)):
        # oio's own methods choke on replies of an unexpected shape
        # (election_status iterates the body)
        raise malformed(
            target, action, "%s: %s" % (type(exc).__name__, exc)
        ) from exc
    error = translate(exc, target, client, action, budget)
    if error is None:
        raise exc
    error.cause = exc
    error.deadline = is_deadline(exc)
    raise error from exc


Sent = collections.namedtuple("Sent", "action peers detail")
# What the proxy answers for a peer it avoids (oio's CODE_AVOIDED, 8,
# turned into 502 by the proxy), and how long to wait before asking again.
AVOIDED = 502
AVOIDED_RETRY = 1.0
AVOIDED_ATTEMPTS = 3  # each may copy the file: a few, not a budget's worth
# Base.file_check: outcome (P.FILE_*), the error met, why it could not run,
# and the suffixes of copies left on the peer (none: removed).
FileCheck = collections.namedtuple("FileCheck", "outcome error why left")


class Base:
    """Requests about one base within one phase's budget.

    Remembers what it learnt during the run: the peers, the base's own
    name, the peers that did not answer in time (not asked again: their
    rows say timeout), and every write sent (reported even when a later
    step fails or the user interrupts).
    """

    def __init__(self, session, target):
        self.session = session
        self.target = target
        # --service-id, else every peer (the proxy's own resolution)
        self.asked = list(target.service_ids) or None
        self.peers = self.asked
        self.name = None
        self.unanswered = {}  # peer -> PeerReply(timeout)
        self.sent = []
        self.deadline = time.monotonic() + session.timeout
        # set when the run stopped waiting for this base: nothing more is
        # sent for it
        self.cancelled = threading.Event()

    def call(self, method, budget, action, **kwargs):
        if self.cancelled.is_set():
            raise ElectionError("interrupted", 130)
        return self.session.call(method, budget, action, **kwargs)

    # budget ---------------------------------------------------------------
    def new_phase(self):
        """A fresh budget of --timeout (sync: pre-flight, trigger, wait)."""
        self.deadline = time.monotonic() + self.session.timeout

    def remaining(self):
        return max(self.deadline - time.monotonic(), 0.0)

    def _budget(self, steps):
        # share what is left among the sequential steps still to come
        return self.remaining() / max(steps, 1)

    # election requests ------------------------------------------------------
    def ask(self, action, peers=None, steps=1, everyone=False, **extra):
        """Every peer's reply to ``action`` (PeerReply list, by peer).

        Peers that did not answer in time earlier in the run are not asked
        again. The proxy asks peers one after the other; when one is
        frozen, it fails the whole request ("Deadline reached"): a read is
        then asked of each peer on its own, with the rest of the budget, so
        that the frozen one becomes a ``timeout`` row. A write is never
        re-sent (the proxy may have reached some peers): the error stands.
        """
        budget = self._budget(steps)
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
            replies = self._ask_once(action, wanted, whole, **extra)
        except ElectionError as error:
            if write or not getattr(error, "deadline", False):
                raise
            wanted = wanted or self._directory_peers()
            if not wanted:
                raise
            replies = self._ask_each(action, wanted, **extra)
        if peers is None and (self.peers is None or everyone):
            self.peers = sorted({r.peer for r in replies + skipped})
        return sorted(replies + skipped)

    def _ask_once(self, action, peers, budget, **extra):
        kwargs = dict(self.target.loc_kwargs())
        if peers:
            kwargs["service_id"] = list(peers)
        if "check_type" in extra and self.session.caps.check_type:
            kwargs["check_type"] = extra["check_type"]
        if action in WRITES:
            self.sent.append(Sent(action, tuple(peers or ()), extra))
        try:
            raw = self.call(_METHODS[action], budget, action, **kwargs)
        except Exception as exc:
            _raise_translated(
                exc, self.target, self.session.client, action, budget
            )
        if action == "status":
            raw = raw.get("peers") if isinstance(raw, dict) else raw
        try:
            replies = P.parse_replies(raw)
        except P.MalformedReply as exc:
            raise malformed(self.target, action, exc) from None
        if peers:  # a proxy may answer for more, or forget one
            replies = [r for r in replies if r.peer in peers]
            answered = {r.peer for r in replies}
            replies += [
                P.PeerReply(p, 0, "absent from the proxy's reply", "")
                for p in peers
                if p not in answered
            ]
        return [r._replace(message=clean(r.message)) for r in replies]

    def _ask_each(self, action, peers, **extra):
        """Each peer on its own, in parallel, with the rest of the budget."""
        deadline = time.monotonic() + self.remaining()

        def one(peer):
            return self._ask_once(
                action, [peer], deadline - time.monotonic(), **extra
            )[0]

        results = parallel.fan_out(one, peers, deadline + 0.5)
        replies = []
        for peer in peers:
            got = results[peer]
            if isinstance(got, P.PeerReply):
                replies.append(got)
                continue
            if (
                isinstance(got, ElectionError)
                and getattr(got, "cause", None) is not None
                and is_unreachable(got.cause)
            ):
                raise got  # the proxy itself is gone
            if got is parallel.STILL_RUNNING or getattr(
                got, "deadline", False
            ):
                reply = P.PeerReply(
                    peer, 7, no_answer(self.session.timeout), ""
                )
                self.unanswered[peer] = reply
            elif isinstance(got, ElectionError):
                cause = getattr(got, "cause", None)
                status = getattr(cause, "status", None)
                reply = P.PeerReply(
                    peer,
                    status if isinstance(status, int) else 0,
                    str(got),
                    "",
                )
            else:
                raise got
            replies.append(reply)
        if replies and all(r.peer in self.unanswered for r in replies):
            raise ElectionError(
                "oio-proxy did not answer %s %s within %gs for any peer: "
                "retry with a larger --timeout"
                % (action, self.target.label, self.session.timeout)
            )
        return replies

    def _directory_peers(self):
        """The peers meta1 links to this base (``openio reference list``);
        meta0/meta1 bases have no such entry: [] (the deadline error
        stands)."""
        directory = self.session.caps.directory
        if directory is None or self.target.service_type in ("meta0", "meta1"):
            return []
        try:
            data = self._list_directory(directory)
            return sorted(
                {
                    srv["host"]
                    for srv in data["srv"]
                    if srv.get("type") == self.target.service_type
                }
            )
        except Exception:  # the deadline error says more; keep it
            return []

    def _list_directory(self, directory):
        budget = min(self.remaining(), 5.0)
        return directory.list(
            account=self.target.account,
            reference=self.target.reference,
            cid=self.target.cid,
            service_type=self.target.service_type,
            timeout=budget,
            headers=self.session.headers("locate", budget),
        )

    # copies ---------------------------------------------------------------
    def learn_name(self, has_replies):
        for reply in has_replies:
            name = base_name(reply.body, self.target.service_type)
            if reply.status == P.HAS_PRESENT and name:
                self.name = name
                return

    def _read_kwargs(self):
        # The proxy opens another name than the meta1 base of a reference
        # (an empty table for a healthy base; a write would create that
        # other base): reads and writes address it by its own name.
        if self.target.service_type == "meta1" and self.name:
            return {"service_type": "meta1", "cid": self.name}
        return self.target.loc_kwargs()

    def tables(self, peers, steps=1, detailed=False):
        """``{peer: keys}`` and ``{peer: why not read}``, each peer read
        locally (its own file, no election woken), in parallel.

        ``detailed``: also ``[peers that answered an empty table]`` and
        ``[peers that answered "corrupt"]``, which are otherwise not read.
        """
        deadline = time.monotonic() + self._budget(steps)
        peers = [p for p in peers if p not in self.unanswered]

        def read(peer):
            budget = deadline - time.monotonic()
            kwargs = dict(
                self._read_kwargs(),
                service_id=[peer],
                params={"local": 1},  # a fresh dict: old oio mutates it
            )
            try:
                table = self.call(
                    "get_properties", budget, "properties", **kwargs
                )
            except Exception as exc:
                _raise_translated(
                    exc,
                    self.target,
                    self.session.client,
                    "get_properties",
                    budget,
                )
            return P.replicated_keys(table)

        results = parallel.fan_out(read, peers, deadline + 0.5)
        tables, unread, empty, corrupt = {}, {}, [], []
        for peer, got in results.items():
            if isinstance(got, dict):
                tables[peer] = got
            elif got is None:
                unread[peer] = "the peer answered an empty admin table"
                empty.append(peer)
            elif is_corrupt(getattr(got, "cause", None) or got):
                unread[peer] = str(got)
                corrupt.append(peer)
            elif got is parallel.STILL_RUNNING or getattr(
                got, "deadline", False
            ):
                unread[peer] = no_answer(self.session.timeout)
            elif isinstance(got, (ElectionError, P.MalformedReply)):
                unread[peer] = str(got)
            else:  # whatever else a client raised, for this peer only
                unread[peer] = clean("%s: %s" % (type(got).__name__, got))
        if detailed:
            return tables, unread, empty, corrupt
        return tables, unread

    # writes -----------------------------------------------------------------
    def set_system(self, keys, steps=1):
        """Write system keys through the master (replicated to slaves)."""
        self._write(
            "set_properties",
            "set_properties",
            steps,
            system=sorted(keys.items()),
        )

    def backup(self, peer, suffix, steps=1):
        """A copy of the peer's file beside it: ``<base file>.<suffix>``."""
        self._write(
            "backup",
            "copy_base_local",
            steps,
            service_id=[peer],
            svc_from=peer,
            suffix=suffix,
            peer=peer,
        )

    def file_check(self, peer, suffix, steps=3):
        """``_file_check``, again while the proxy avoids the peer: after a
        restart it turns away some routes to it for a few seconds
        ("Request avoided, service marked down") while reads reach it."""
        left = ()  # copies earlier attempts could not remove
        for attempt in range(AVOIDED_ATTEMPTS):
            checked = self._file_check(peer, suffix, steps)
            left += checked.left
            cause = getattr(checked.error, "cause", None)
            avoided = getattr(cause, "status", None) == AVOIDED
            last = attempt == AVOIDED_ATTEMPTS - 1
            if not avoided or last or self.remaining() < 2 * AVOIDED_RETRY:
                return checked._replace(left=left)
            time.sleep(AVOIDED_RETRY)
            suffix += "-again"  # never a name already asked for

    def _file_check(self, peer, suffix, steps=3):
        """Whether ``peer``'s FILE passes oio's dump check, not only the
        pages its open handle caches (a sync sends the file, checked on
        that handle). A byte copy of the file is made beside it; the peer
        is asked to restore itself from that copy, which makes it open the
        copy fresh and run its dump check (``sqliterepo.dump.check_type``,
        quick_check by default) before the restore, which oio then refuses
        (473 on a master, 472 on a slave: sane, nothing written; oio before
        2025.28 restores a master's copy onto itself, harmless); 511:
        corrupt. The copy is removed."""
        if not self.session.caps.backup:
            return FileCheck(P.FILE_UNCHECKED, None, "no local copy", ())
        where = dict(service_id=[peer], peer=peer)
        try:
            self._write(
                "file check",
                "copy_base_local",
                steps,
                svc_from=peer,
                suffix=suffix,
                **where,
            )
        except ElectionError as error:
            # a failed local copy can leave the base locked on the peer
            return FileCheck(P.FILE_UNCHECKED, error, "copy failed", (suffix,))
        left, outcome, error = suffix, P.FILE_SANE, None
        try:
            self._write(
                "file check",
                "copy_base_from",
                max(steps - 1, 1),
                svc_from=peer,
                svc_to=peer,
                suffix=suffix,
                **where,
            )
        except ElectionError as failed:
            cause = getattr(failed, "cause", None)
            if getattr(cause, "status", None) not in P.RESTORE_REFUSED:
                error = failed
                outcome = P.FILE_UNCHECKED
                if is_corrupt(cause or failed):
                    outcome = P.FILE_CORRUPT
                    left = suffix + ".corrupted"  # oio renamed the copy
        try:
            self._write("file check", "remove_base", 1, suffix=left, **where)
            left = ()
        except ElectionError:
            left = (left,)  # said with the outcome: the copy is still there
        return FileCheck(outcome, error, None, left)

    def _write(self, action, method, steps, peer=None, **kwargs):
        budget = self._budget(steps)
        self.sent.append(Sent(action, (peer,) if peer else (), kwargs))
        try:
            self.call(
                method,
                budget,
                action,
                **dict(self._read_kwargs(), **kwargs),
            )
        except Exception as exc:
            _raise_translated(
                exc, self.target, self.session.client, action, budget
            )
