"""The running ``openio`` shell: its clients and what its oio offers.

oio is never imported: the shell hands us its clients, and what they can
do is probed from their signatures and attributes (never a version).
"""

import collections
import importlib.util
import inspect

from oio_election_sync.exitcodes import ElectionError

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 86400.0
# urllib3's pool size when the client does not tell (oio's default).
DEFAULT_POOL_SIZE = 32


def _oio_installed():
    return importlib.util.find_spec("oio") is not None


def attribute(manager, name):
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
    client = attribute(manager, "admin") if manager is not None else None
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
