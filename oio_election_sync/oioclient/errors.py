"""What oio's exceptions mean, in one line an operator can act on.

Exceptions are recognised by class name: oio is never imported.
"""

import re

from oio_election_sync import exitcodes as X
from oio_election_sync import peers as P
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.text import clean


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


class Timeout(ElectionError):
    """No slot in the connection pool before the budget ran out."""

    def __init__(self, budget):
        super().__init__("no answer within %.1fs" % budget)
        self.cause = None
        self.deadline = True


def raise_translated(exc, target, client, action, budget):
    if isinstance(exc, Timeout):
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
