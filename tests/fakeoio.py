"""A stand-in for the parts of oio the plugin talks to, built from the
recorded proxy replies in tests/fixtures and oio-sds's own code.

- exceptions with oio's class names, hierarchy, attributes and str();
- an admin client whose methods have the signatures of oio 2026 (so the
  plugin's capability probing sees a modern oio), answering like the proxy:
  per-peer maps, ``service_id`` restricting peers, whole-request errors,
  a frozen peer making a request hit its deadline;
- a directory client answering ``list`` like ``/reference/show``;
- a shell built like oio's ``openio``: CommandManager('oiopy.cli'), group
  ``openio.election`` loaded from installed entry points.
"""

import contextlib
import copy
import functools
import io
import json
import logging
import os
import threading
import time

from cliff.app import App
from cliff.commandmanager import CommandManager

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


@functools.lru_cache(maxsize=None)
def fixture(name):
    with open(os.path.join(FIXTURES, name + ".json")) as stream:
        return json.load(stream)


def fixture_body(name):
    return copy.deepcopy(fixture(name)["response"]["body"])


# --- exceptions (names and hierarchy of oio.common.exceptions) ---------------


class OioException(Exception):
    pass


class OioNetworkException(OioException):
    pass


class OioConnectionException(OioNetworkException):
    pass


class OioTimeout(OioNetworkException):
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


# --- the admin client --------------------------------------------------------


def loc_params(func):
    """Same keyword interface as oio's loc_params decorator."""

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
        if not service_type:
            raise ValueError("Missing value for service_type")
        if not cid and not (account and reference):
            raise ValueError("Missing value for account and reference or cid")
        if isinstance(service_id, (list, tuple)):
            service_id = ",".join(service_id)
        params = {
            "type": service_type,
            "cid": cid,
            "acct": account,
            "ref": reference,
            "service_id": service_id,
        }
        return func(self, params, **kwargs)

    return _wrapped


class Proxy:
    """What an oio-proxy answers, per action, from fixtures or overrides.

    ``replies[action]`` is a fixture name, a peer map, or an exception.
    ``tables[peer]`` is a get_properties fixture name or table.
    ``frozen`` peers never answer: a request including one waits for its
    deadline (x-oio-timeout) and fails with "Deadline reached" (HTTP 503).
    """

    def __init__(
        self,
        status="status-healthy",
        sync="sync-healthy",
        debug="debug-healthy",
        has="has-healthy",
        tables=None,
        latency=0.0,
    ):
        self.replies = {
            "status": status,
            "sync": sync,
            "debug": debug,
            "has": has,
        }
        self.tables = tables or {
            "127.0.0.1:%d" % port: "get_properties-healthy-%d" % port
            for port in (6005, 6006, 6007)
        }
        self.after_sync = {}
        self.frozen = set()
        self.latency = latency
        self.calls = []
        self.in_flight = self.max_in_flight = 0
        self.busy = 0.0  # seconds spent computing answers (not sleeping)
        self._lock = threading.Lock()

    def answer(self, action, params, kwargs):
        with self._lock:
            self.calls.append((action, dict(params), kwargs))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
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
        if action == "properties":
            self._maybe_frozen({wanted}, kwargs)
            return _resolve(self.tables[wanted])
        reply = self.replies[action]
        if callable(reply) and not isinstance(reply, type):
            reply = reply(params)
        if isinstance(reply, BaseException):
            raise reply
        peers = _resolve(reply)
        if wanted:
            peers = {p: peers.get(p, _unreached(p)) for p in wanted.split(",")}
        self._maybe_frozen(set(peers), kwargs)
        if action == "sync":
            for key, value in self.after_sync.items():
                if key == "tables":
                    self.tables.update(value)
                else:
                    self.replies[key] = value
        return peers

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


def _resolve(reply):
    if isinstance(reply, str):
        return fixture_body(reply)
    return copy.deepcopy(reply)


def _unreached(peer):
    return {
        "status": {
            "status": 2,
            "message": "%s: [errno=111] Connection refused" % peer,
        },
        "body": "",
    }


class AdminClient:
    """Methods and keyword signatures of oio's AdminClient (2026)."""

    def __init__(self, proxy):
        self.proxy = proxy
        self.proxy_netloc = "127.0.0.1:6000"

    @loc_params
    def election_status(self, params, **kwargs):
        body = self.proxy.answer("status", params, kwargs)
        result = {"peers": body, "type": params["type"]}
        for peer, item in body.items():
            code = (
                item["status"]["status"]
                if isinstance(item, dict)
                and isinstance(item.get("status"), dict)
                else None
            )
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
    def has_base(self, params, **kwargs):
        return self.proxy.answer("has", params, kwargs)

    @loc_params
    def get_properties(self, params, **kwargs):
        return self.proxy.answer("properties", params, kwargs)


class OldAdminClient(AdminClient):
    """oio 4.2: no service_id, no check_type keywords (dropped silently)."""

    def _old(name):
        def method(
            self,
            service_type=None,
            account=None,
            reference=None,
            cid=None,
            **kwargs,
        ):
            kwargs.pop("service_id", None)
            kwargs.pop("check_type", None)
            return getattr(AdminClient, name)(
                self,
                service_type=service_type,
                account=account,
                reference=reference,
                cid=cid,
                **kwargs,
            )

        return method

    election_status = _old("election_status")
    election_sync = _old("election_sync")
    election_debug = _old("election_debug")
    has_base = _old("has_base")
    get_properties = _old("get_properties")


class DirectoryClient:
    """``list`` answers like ``/reference/show`` (oio/cli/reference)."""

    def __init__(
        self, peers=("127.0.0.1:6005", "127.0.0.1:6006", "127.0.0.1:6007")
    ):
        self.peers = peers

    def list(
        self,
        account=None,
        reference=None,
        cid=None,
        service_type=None,
        **kwargs,
    ):
        return {
            "dir": [],
            "srv": [
                {"type": "meta2", "host": peer, "args": "", "seq": 1}
                for peer in self.peers
            ],
        }


class ClientManager:
    def __init__(self, proxy, admin_class=AdminClient, attribute="admin"):
        setattr(self, attribute, admin_class(proxy))
        self.directory = DirectoryClient()


# --- the shell ---------------------------------------------------------------


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
    ):
        self.stdout_buffer, self.stderr_buffer = io.StringIO(), io.StringIO()
        self.modern = modern
        self.group = group
        self._client_manager = client_manager
        self.req_count = 0
        super().__init__(
            "fake openio",
            "0",
            CommandManager(namespace),
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

    def request_id(self, prefix="CLI-"):
        if self.options.request_id:
            reqid = "%s-%d" % (self.options.request_id, self.req_count)
        else:
            reqid = "%s%d-%s" % (prefix, self.req_count, "F" * 16)
        self.req_count += 1
        return reqid


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
    return code, shell.stdout_buffer.getvalue(), shell.stderr_buffer.getvalue()
