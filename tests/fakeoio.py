"""A stand-in for the parts of oio the plugin talks to, built from the
recorded proxy replies in tests/fixtures and oio-sds's own code.

- exceptions with oio's class names, hierarchy, attributes and str();
- admin clients with the keyword signatures of oio 6.0.1, 7.3.0 and 2026
  (so the plugin's capability probing sees each), answering like the proxy:
  per-peer maps, ``service_id`` restricting peers, whole-request errors, a
  frozen peer making a request hit its deadline, a copy that is gone
  (``has`` 431, an empty local table, re-created by ``status``), and
  answers that change after a write, as the real namespace's did;
- a directory client answering ``list`` like ``/reference/show``;
- a shell built like oio's ``openio``: CommandManager('oiopy.cli'), group
  ``openio.election`` loaded from installed entry points.
"""

import bisect
import collections
import contextlib
import copy
import functools
import hashlib
import io
import itertools
import json
import logging
import os
import threading
import time

from cliff.app import App
from cliff.commandmanager import CommandManager

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
PEERS = ("127.0.0.1:6005", "127.0.0.1:6006", "127.0.0.1:6007")
M1, S2, S3 = PEERS


@functools.lru_cache(maxsize=None)
def fixture(name):
    with open(os.path.join(FIXTURES, name + ".json")) as stream:
        return json.load(stream)


@functools.lru_cache(maxsize=None)
def _body_text(name):
    return json.dumps(fixture(name)["response"]["body"])


def fixture_body(name):
    """A fresh copy of a recorded body (decoded again: cheaper than a deep
    copy, so that a benchmark measures the plugin, not the fake)."""
    return json.loads(_body_text(name))


# --- exceptions (names and hierarchy of oio.common.exceptions) ---------------


class OioException(Exception):
    pass


class OioNetworkException(OioException):
    pass


class OioConnectionException(OioNetworkException):
    pass


class OioTimeout(OioNetworkException):
    pass


class VolumeException(OioException):
    pass


class StatusMessageException(OioException):
    def __init__(self, http_status, status=None, message=None):
        self.http_status, self.status = http_status, status
        self.message = message or "n/a"
        super().__init__(self.message)

    def __str__(self):
        text = "%s (HTTP %s)" % (self.message, self.http_status)
        if self.status:
            text += " (STATUS %s)" % self.status
        return text


class ClientException(StatusMessageException):
    pass


class BadRequest(ClientException):
    pass


class NotFound(ClientException):
    pass


class ServiceBusy(ClientException):
    pass


_BY_HTTP = {400: BadRequest, 404: NotFound, 503: ServiceBusy}


def error_from_fixture(name):
    response = fixture(name)["response"]
    body = response["body"]
    klass = _BY_HTTP.get(response["http_status"], ClientException)
    return klass(response["http_status"], body["status"], body["message"])


def connection_refused(host="127.0.0.1:6000", reqid="CLI-election-status-0"):
    return OioNetworkException(
        "reqid=%s, host=%s" % (reqid, host),
        "<urllib3.connection.HTTPConnection object at 0x7f>: Failed to "
        "establish a new connection: [Errno 111] Connection refused",
    )


# --- the proxy ---------------------------------------------------------------


def _resolve(reply):
    if isinstance(reply, str):
        return fixture_body(reply)
    return copy.deepcopy(reply)


def peer_reply(status, message="OK", body=""):
    return {"status": {"status": status, "message": message}, "body": body}


def _unreached(peer):
    return peer_reply(2, "%s: [errno=111] Connection refused" % peer)


EMPTY_TABLE = {"properties": {}, "system": {}}
HAS_MISSING = peer_reply(
    431, "Container not found : (2) No such file or directory"
)


class Proxy:
    """What an oio-proxy answers, per action, from fixtures or overrides.

    ``replies[action]``: a fixture name, a peer map, an exception, or a
    callable(params) returning one. ``tables[peer]``: a get_properties
    fixture name or table. ``missing``: peers whose copy file is gone
    (``has`` 431, a local read answers an empty table; a status or a
    non-local read makes the peer re-create it, as the real one does).
    ``frozen`` peers never answer: a request including one waits for its
    deadline (x-oio-timeout) and fails with "Deadline reached" (HTTP 503).
    ``after[action]``: changes applied after each call of that action
    (``{"debug": ..., "tables": {...}, "missing": set()...}``).
    """

    def __init__(
        self,
        status="status-healthy",
        sync="sync-healthy",
        debug="debug-healthy",
        has="has-healthy",
        leave=None,
        tables=None,
        missing=(),
        latency=0.0,
        record=True,
    ):
        self.record = record  # keep every call (tests), or only counts
        self.counts = collections.Counter()
        self.replies = {
            "status": status,
            "sync": sync,
            "debug": debug,
            "has": has,
            "leave": leave,
        }
        self.tables = tables or {
            peer: "get_properties-healthy-%s" % peer[-4:] for peer in PEERS
        }
        self.missing = set(missing)
        # peers whose FILE is corrupt while their open handle reads sane
        # (only a file check tells)
        self.corrupt_files = set()
        self.after = {}
        self.frozen = set()
        self.slow = {}  # peer -> seconds its reads take (client timeouts)
        self.latency = latency
        self.calls = []
        self.in_flight = self.max_in_flight = 0
        self.busy = 0.0  # seconds spent computing answers (not sleeping)
        self._lock = threading.Lock()

    def on(self, action, **changes):
        self.after.setdefault(action, []).append(changes)

    def answer(self, action, params, kwargs):
        with self._lock:
            self.counts[action] += 1
            if self.record:
                self.calls.append((action, dict(params), kwargs))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                timeout = kwargs.get("timeout") or self.latency
                time.sleep(min(self.latency, timeout))
                if timeout < self.latency:  # the client stops listening
                    raise OioTimeout(
                        "reqid=x, host=127.0.0.1:6000", "Read timed out."
                    )
            started = time.perf_counter()
            try:
                return self._answer(action, params, kwargs)
            finally:
                with self._lock:
                    self.busy += time.perf_counter() - started
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, action, params, kwargs):
        wanted = params.get("service_id")
        wanted = wanted.split(",") if wanted else None
        if action == "properties":
            return self._table(wanted, params, kwargs)
        if action == "file_check":  # copy_base_from, from = to, suffix
            self._maybe_frozen(wanted or [], kwargs)
            self._apply(action)
            error = self.replies.get(action)
            if callable(error) and not isinstance(error, type):
                error = error(params)
            if isinstance(error, BaseException):
                raise error
            if kwargs["json"]["to"] in self.corrupt_files:
                raise error_from_fixture("filecheck-corrupt")
            raise error_from_fixture("filecheck-sane")  # 473 on a master
        if action == "remove":
            return fixture_body("filecheck-remove")
        if action in ("set_properties", "backup", "file_check_copy"):
            self._maybe_frozen(wanted or [], kwargs)
            error = self.replies.get(action)
            if callable(error) and not isinstance(error, type):
                error = error(params)
            if isinstance(error, BaseException):
                raise error
            self._apply(action)
            return None
        reply = self.replies[action]
        if callable(reply) and not isinstance(reply, type):
            reply = reply(params)
        if isinstance(reply, BaseException):
            raise reply
        if reply is None and action == "leave":
            reply = {p: peer_reply(200) for p in wanted or PEERS}
        peers = _resolve(reply)
        if wanted and isinstance(peers, dict):
            peers = {p: peers.get(p, _unreached(p)) for p in wanted}
        if isinstance(peers, dict):
            self._maybe_frozen(set(peers), kwargs)
            if action == "has":
                for peer in self.missing & set(peers):
                    peers[peer] = copy.deepcopy(HAS_MISSING)
            if action == "status":  # wakes the election: copies re-created
                self.missing -= set(peers)
        self._apply(action)
        return peers

    def _table(self, wanted, params, kwargs):
        (peer,) = wanted
        self._maybe_frozen({peer}, kwargs)
        if peer in self.slow:
            time.sleep(min(self.slow[peer], kwargs["timeout"]))
            if kwargs["timeout"] < self.slow[peer]:
                raise OioTimeout(
                    "reqid=x, host=127.0.0.1:6000", "Read timed out."
                )
        if peer in self.missing:
            if params.get("local"):
                return copy.deepcopy(EMPTY_TABLE)
            self.missing.discard(peer)  # a non-local read re-creates it
        table = self.tables[peer]
        if isinstance(table, BaseException):
            raise table
        if callable(table):
            table = table(params)
        return _resolve(table)

    def _apply(self, action):
        for changes in self.after.get(action, []):
            for key, value in changes.items():
                if key == "tables":
                    self.tables.update(value)
                elif key == "missing":
                    self.missing = set(value)
                elif key == "corrupt_files":
                    self.corrupt_files = set(value)
                else:
                    self.replies[key] = value

    def _maybe_frozen(self, peers, kwargs):
        if self.frozen & set(peers):
            deadline = int(kwargs["headers"]["x-oio-timeout"]) / 1e6
            time.sleep(deadline)
            raise ServiceBusy(
                503,
                503,
                "Deadline reached: Timeout (%.1fs) to "
                "%s" % (deadline, sorted(self.frozen)[0]),
            )

    def called(self, action):
        return [c for c in self.calls if c[0] == action]


# --- admin clients of each oio version ---------------------------------------


def loc_params(func):
    """The keyword interface of oio's loc_params decorator (2026)."""

    @functools.wraps(func)
    def _wrapped(
        self,
        service_type=None,
        account=None,
        reference=None,
        cid=None,
        service_id=None,
        suffix=None,
        **kwargs,
    ):
        params = dict(kwargs.pop("params", None) or {})
        if not service_type:
            raise ValueError("Missing value for service_type")
        params["type"] = service_type
        if cid:
            params["cid"] = cid
        elif account and reference:
            params["acct"], params["ref"] = account, reference
        else:
            raise ValueError("Missing value for account and reference or cid")
        if isinstance(service_id, (list, tuple)):
            service_id = ",".join(service_id)
        if service_id:
            params["service_id"] = service_id
        if suffix:
            params["suffix"] = suffix
        return func(self, params, **kwargs)

    return _wrapped


def loc_params_7(func):
    """oio 6.0/7.x: no ``suffix``."""

    @functools.wraps(func)
    def _wrapped(
        self,
        service_type=None,
        account=None,
        reference=None,
        cid=None,
        service_id=None,
        **kwargs,
    ):
        return loc_params(func)(
            self,
            service_type=service_type,
            account=account,
            reference=reference,
            cid=cid,
            service_id=service_id,
            **kwargs,
        )

    return _wrapped


class PoolManager:
    """urllib3.PoolManager's interface the plugin reads (oio builds one
    with num_pools and connection settings)."""

    def __init__(self, num_pools=10, maxsize=32, **settings):
        self.connection_pool_kw = dict(settings, maxsize=maxsize)
        self.num_pools = num_pools


class AdminClient:
    """Methods and keyword signatures of oio's AdminClient (2026)."""

    def __init__(self, proxy):
        self.proxy = proxy
        self.proxy_netloc = "127.0.0.1:6000"
        self.pool_manager = PoolManager()

    @loc_params
    def election_status(self, params, **kwargs):
        body = self.proxy.answer("status", params, kwargs)
        result = {"peers": body, "type": params["type"]}
        for peer, item in body.items():  # oio iterates the body likewise
            code = item["status"]["status"]
            if code == 200:
                result["master"] = peer
            elif code == 303:
                result.setdefault("slaves", []).append(peer)
        return result

    @loc_params
    def election_sync(self, params, check_type=None, **kwargs):
        if isinstance(check_type, int):
            params["check_type"] = check_type
        return self.proxy.answer("sync", params, kwargs)

    @loc_params
    def election_debug(self, params, **kwargs):
        return self.proxy.answer("debug", params, kwargs)

    @loc_params
    def election_leave(self, params, **kwargs):
        params["bypass_service_down"] = "true"
        return self.proxy.answer("leave", params, kwargs)

    @loc_params
    def has_base(self, params, **kwargs):
        return self.proxy.answer("has", params, kwargs)

    @loc_params
    def get_properties(self, params, **kwargs):
        return self.proxy.answer("properties", params, kwargs)

    @loc_params
    def set_properties(self, params, properties=None, system=None, **kwargs):
        data = {}
        if system:
            data["system"] = {
                k if k.startswith("sys.") else "sys." + k: v for k, v in system
            }
        kwargs["json"] = data
        self.proxy.answer("set_properties", params, kwargs)

    @loc_params
    def copy_base_local(self, params, svc_from, **kwargs):
        if not params.get("suffix"):
            raise ValueError("Missing suffix for local copy")
        kwargs["json"] = {"from": svc_from, "local": 1}
        # the same request; told apart so that tests see what it is for
        scratch = params["suffix"].startswith("filecheck-")
        self.proxy.answer(
            "file_check_copy" if scratch else "backup", params, kwargs
        )

    @loc_params
    def copy_base_from(self, params, svc_from, svc_to, **kwargs):
        kwargs["json"] = {"to": svc_to, "from": svc_from}
        self.proxy.answer("file_check", params, kwargs)

    @loc_params
    def remove_base(self, params, **kwargs):
        answer = self.proxy.answer("remove", params, kwargs)
        rdir = getattr(self, "rdir", None)
        if rdir is not None and params.get("suffix"):
            # as oio: meta2 sends storage.meta2.deleted for the base itself,
            # and the event agent drops the base from that peer's index
            rdir.forget(params.get("service_id"), params.get("cid"))
        return answer


class AdminClient73(AdminClient):
    """oio 7.3.0: check_type, but no copy_base_local, no suffix."""

    election_status = loc_params_7(AdminClient.election_status.__wrapped__)
    election_sync = loc_params_7(AdminClient.election_sync.__wrapped__)
    election_debug = loc_params_7(AdminClient.election_debug.__wrapped__)
    election_leave = loc_params_7(AdminClient.election_leave.__wrapped__)
    has_base = loc_params_7(AdminClient.has_base.__wrapped__)
    get_properties = loc_params_7(AdminClient.get_properties.__wrapped__)
    set_properties = loc_params_7(AdminClient.set_properties.__wrapped__)
    copy_base_local = None


def _sync_601(self, params, **kwargs):
    return self.proxy.answer("sync", params, kwargs)


class AdminClient601(AdminClient73):
    """oio 6.0.1: no check_type either."""

    election_sync = loc_params_7(_sync_601)


class DirectoryClient:
    """``list`` answers like ``/reference/show`` (oio/cli/reference)."""

    def __init__(self, peers=PEERS):
        self.peers = peers
        self.calls = []

    def list(
        self,
        account=None,
        reference=None,
        cid=None,
        service_type=None,
        **kwargs,
    ):
        self.calls.append(kwargs)
        return {
            "dir": [],
            "srv": [
                {"type": "meta2", "host": peer, "args": "", "seq": 1}
                for peer in self.peers
            ],
        }


class RdirClient:
    """``meta2_index_fetch`` as oio/rdir/client.py pages it: records after
    the marker, with the prefix, at most ``limit``, and ``truncated``."""

    ns = "OPENIO"

    def __init__(
        self, urls=(), assigned=True, fail_on_page=None, after_call=None
    ):
        self.forgotten = set()  # (volume, url) dropped after a copy's removal
        self.pushed = []
        self.urls = sorted(urls)
        self.assigned = assigned
        self.fail_on_page = fail_on_page
        self.after_call = after_call  # e.g. a container deleted meanwhile
        self.calls = []

    def meta2_index_fetch(
        self, volume_id, prefix=None, marker=None, limit=4096, **kwargs
    ):
        self.calls.append(dict(prefix=prefix, marker=marker, limit=limit))
        if not self.assigned:
            raise VolumeException("No rdir assigned to volume %s" % volume_id)
        if self.fail_on_page == len(self.calls):
            raise OioNetworkException("reqid=x, host=10.0.0.9:6300", "reset")
        # as rdir/rdir.c's _meta2_db_fetch: seek to the marker and skip one
        # record, whichever it is; with no marker, seek to the prefix; stop
        # at the first record without the prefix
        if marker:
            start = bisect.bisect_left(self.urls, marker) + 1
        else:
            start = bisect.bisect_left(self.urls, prefix or "")
        urls = [
            u
            for u in itertools.takewhile(
                lambda u: not prefix or u.startswith(prefix),
                self.urls[start:],
            )
            if (volume_id, u) not in self.forgotten
        ]
        if self.after_call:
            self.after_call(self)
        return {
            "records": [
                {
                    "container_url": url,
                    "container_id": hashlib.sha256(url.encode()).hexdigest(),
                    "mtime": 1,
                }
                for url in urls[:limit]
            ],
            "truncated": len(urls) > limit,
        }


def _forget(self, volume_id, cid):
    for url in self.urls:
        if cid and hashlib.sha256(url.encode()).hexdigest().upper() == (
            cid.split(".")[0].upper()
        ):
            self.forgotten.add((volume_id, url))


def _push(self, volume_id, container_url, container_id, mtime, **kwargs):
    self.pushed.append((volume_id, container_url))
    self.forgotten.discard((volume_id, container_url))


RdirClient.forget = _forget
RdirClient.meta2_index_push = _push


class GeneratedRdir(RdirClient):
    """A meta2 index of ``count`` bases computed page by page (nothing
    held: a benchmark measures the plugin's memory, not the fake's)."""

    def __init__(self, count):
        super().__init__()
        self.count = count

    def meta2_index_fetch(
        self, volume_id, prefix=None, marker=None, limit=4096, **kwargs
    ):
        if prefix and not marker:  # the plugin's probe of a marker
            start = int(prefix.rsplit("C", 1)[1])
            stop = min(start + 1, self.count)
            limit = 1
        else:
            start = int(marker.rsplit("C", 1)[1]) + 1 if marker else 0
            stop = min(start + limit, self.count)
        return {
            "records": [
                {
                    "container_url": "OPENIO/acct/C%06d" % i,
                    "container_id": "%064X" % i,
                    "mtime": 1,
                }
                for i in range(start, stop)
            ],
            "truncated": stop < self.count,
        }


def container_urls(count, account="acct"):
    return ["OPENIO/%s/C%06d" % (account, i) for i in range(count)]


class Conscience:
    """``all_services(type)`` as recorded (services of the test namespace:
    one meta0 on 6003, three meta1, the three meta2 PEERS)."""

    def __init__(self):
        self.recorded = {
            t: fixture("conscience-all_services-%s" % t)
            for t in ("meta0", "meta2")
        }

    def all_services(self, service_type, **kwargs):
        return copy.deepcopy(self.recorded.get(service_type, []))


class Meta0Client:
    def __init__(self, mapping):
        self.mapping = mapping

    def list(self, **kwargs):
        return dict(self.mapping)


class Storage:
    """oio 6.0 to 7.x: the directory client lives on the storage API."""

    def __init__(self):
        self.directory = DirectoryClient()


class ClientManager:
    def __init__(self, proxy, admin_class=AdminClient, rdir=None, meta0=None):
        self.admin = admin_class(proxy)
        if admin_class is AdminClient:
            self.directory = DirectoryClient()
            self.directory.meta0 = Meta0Client(meta0 or {})
        else:
            self.storage = Storage()
        self.rdir = rdir or RdirClient()
        self.admin.rdir = self.rdir
        self.conscience = Conscience()
        self.meta1_digits = 2


# --- the shell ---------------------------------------------------------------


class OioCommandManager(CommandManager):
    """oio 6.0/7.x bring their own add_command_group (cliff 2.x has none)."""

    def add_command_group(self, group=None):
        if group:
            self.load_commands(group)


class Shell(App):
    """Built like oio's OpenIOShell: namespace ``oiopy.cli``, then the group
    of the first word (``openio.election``)."""

    def __init__(
        self,
        client_manager,
        modern=True,
        namespace="oiopy.cli",
        group="openio.election",
        stdin=None,
        stdout=None,
    ):
        self.stdout_buffer, self.stderr_buffer = io.StringIO(), io.StringIO()
        if stdout is not None:  # e.g. /dev/null for a benchmark
            self.stdout_buffer = stdout
        self.modern = modern
        self.group = group
        self._client_manager = client_manager
        super().__init__(
            "fake openio",
            "0",
            OioCommandManager(namespace),
            stdin=stdin,
            stdout=self.stdout_buffer,
            stderr=self.stderr_buffer,
            deferred_help=True,
        )

    def build_option_parser(self, description, version, argparse_kwargs=None):
        parser = super().build_option_parser(description, version)
        parser.add_argument(
            "-a",
            "--account",
            "--oio-account",
            dest="account",
            default=os.environ.get("OIO_ACCOUNT", ""),
        )
        parser.add_argument("--request-id", "--req-id", dest="request_id")
        if self.modern:  # oio 2025.28+
            parser.add_argument("-t", "--timeout", type=float, default=30.0)
        return parser

    def initialize_app(self, argv):
        self.command_manager.add_command_group(self.group)
        self.client_manager = self._client_manager


def run(argv, proxy=None, client_manager=None, **shell_kwargs):
    """Run ``openio <argv>``; returns (exit code, stdout, stderr)."""
    if client_manager is None:
        client_manager = ClientManager(proxy or Proxy())
    shell = Shell(client_manager, **shell_kwargs)
    root = logging.getLogger("")
    handlers = list(root.handlers)
    try:
        with contextlib.redirect_stderr(shell.stderr_buffer):  # argparse's
            code = shell.run(list(argv))
    except SystemExit as exc:  # argparse errors end the real process
        code = exc.code
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
    out = shell.stdout_buffer
    out = out.getvalue() if isinstance(out, io.StringIO) else ""
    return code, out, shell.stderr_buffer.getvalue()
