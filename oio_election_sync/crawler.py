"""``election_check``: the copy check inside oio's meta2 crawler.

A filter of ``oio-meta2-crawler`` (entry point group
``oio.crawler.meta2.filter_factory``, oio 9.0+), one per meta2 host, walking
that host's own base files. For each original base (not the ``.suffix``
copies) it reads the local ``admin`` table directly, read-only: a copy that
lacks the required ``sys.*`` keys of its type, is empty or cannot be read
is reported with no network request at all. A damaged-looking base that the
directory no longer links to this service is an orphan: reported as such,
never repaired. With ``compare_peers`` (default), the first peer of the
base's sorted ``sys.peers`` also compares every copy, read with ``local=1``
through the proxy (``has``, then local reads: no election woken), with the
same code as ``openio election status --check``.

Configuration (``[filter:election_check]``)::

    use = egg:oio-election-sync#election_check
    compare_peers = true        # the cross-copy comparison above
    output = /var/lib/oio/election-check.txt  # damaged bases, one
                                # '--cid CID.seq' line each (for repair)
    repair = false              # run 'openio election repair' on them
    repairs_per_second = 1      # at most that many repairs
    timeout = 10                # seconds, per base, toward the proxy
    prometheus_dir = /var/lib/node_exporter/textfile  # one .prom file a
                                # volume, for node_exporter (off when unset)
    prometheus_interval = 15    # seconds between two writes of it

Counters (the crawler's stats, under ``ElectionCheck``): checked, ok,
copies (suffixed copies skipped), lacks_keys, empty, unreadable, orphans,
compared, diverged, missing_copy, not_read, repaired, repair_failed, errors.

Where oio has them (``oio.crawler.meta2.filters.base``), the filter is a
``Meta2Filter``, and its orphan check oio's own (``CheckShardingMixin``);
on an older oio, a stand-in of the same template. oio is imported only
when the crawler builds the filter.
"""

import importlib
import logging
import os
import sqlite3
import stat
import threading

from oio_election_sync import copies as C
from oio_election_sync import localcheck as LC
from oio_election_sync import render
from oio_election_sync.crawler_metrics import DEFAULT_INTERVAL, Textfile
from oio_election_sync.crawler_peers import PeerChecks, base_of

NAME = "ElectionCheck"
COUNTERS = (
    "checked",
    "ok",
    "copies",
    "lacks_keys",
    "empty",
    "unreadable",
    "orphans",
    "compared",
    "diverged",
    "missing_copy",
    "not_read",
    "not_compared",
    "corrupt",
    "broken_index",
    "busy",
    "not_regular",
    "corrupted_files",
    "repaired",
    "repair_failed",
    "errors",
)


def _true(value, default):
    if value is None:
        return default
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _number(value, default):
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


class StandInFilter:
    """oio's ``Meta2Filter`` template, where this oio has none: originals
    go to ``_process``, suffixed copies (``PROCESS_COPY``) too when asked."""

    PROCESS_ORIGINAL = True
    PROCESS_COPY = False

    def __init__(self, app, conf, logger=None):
        self.app = app
        self.app_env = getattr(app, "app_env", None) or {}
        self.conf = conf
        self.logger = (
            logger
            or self.app_env.get("logger")
            or logging.getLogger("oio_election_sync.crawler")
        )
        self.init()

    def init(self):
        pass

    def __call__(self, env, cb):
        return self.process(env, cb)

    def process(self, env, cb):
        copy = env.get("suffix") is not None
        if not (self.PROCESS_COPY if copy else self.PROCESS_ORIGINAL):
            return self.app(env, cb)
        return self._process(env, cb)

    def get_stats(self):
        stats = self.app.get_stats() if hasattr(self.app, "get_stats") else {}
        stats[self.NAME] = self._get_filter_stats()
        return stats

    def reset_stats(self):
        if hasattr(self.app, "reset_stats"):
            self.app.reset_stats()
        self._reset_filter_stats()


class LocalChecks:
    """The check of a base file on this host, with no network request."""

    NAME = NAME
    PROCESS_COPY = True  # .corrupted leftovers are counted

    def init(self):
        configure(self, self.conf)
        self.totals = dict.fromkeys(COUNTERS, 0)  # never reset: Prometheus
        self._lock = threading.Lock()
        self._last_repair = 0.0
        self._session = None
        self._reset_filter_stats()

    # --- the crawler's interface -------------------------------------------
    def _process(self, env, cb):
        if self.enabled:
            try:
                self.check(env)
            except Exception:  # one base must not stop the pass
                self._count("errors")
                self.logger.exception(
                    "election_check: volume_id=%s cid=%s: failed",
                    self.volume_id,
                    env.get("cid"),
                )
            self._publish()
        return self.app(env, cb)

    def _publish(self, force=False):
        if self.textfile is not None:
            try:
                self.textfile.update(self.totals, self.leftovers, force)
            except OSError as exc:  # monitoring must not stop the pass
                self.logger.error("election_check: %s", exc)

    def _get_filter_stats(self):
        self._publish(force=True)  # the end of a pass
        stats = dict(self.stats)
        # the .corrupted files oio set aside: the only trace of what was
        # lost, which nothing cleans
        stats["corrupted_bytes"] = self.leftovers["bytes"]
        stats["corrupted_oldest"] = self.leftovers["oldest"]
        return stats

    def _reset_filter_stats(self):
        self.stats = dict.fromkeys(COUNTERS, 0)
        self.leftovers = {"count": 0, "bytes": 0, "oldest": None}

    def open_resources(self):
        if hasattr(self.app, "open_resources"):
            self.app.open_resources()

    def close_resources(self):
        if hasattr(self.app, "close_resources"):
            self.app.close_resources()

    def _count(self, counter):
        with self._lock:
            self.stats[counter] += 1
            self.totals[counter] += 1

    # --- one base ----------------------------------------------------------
    def check(self, env):
        path = env.get("path")
        if env.get("suffix") == "corrupted":
            return self._leftover(path)
        if env.get("suffix") is not None:
            self._count("copies")  # a backup or a shard copy: not a peer
            return
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                self._count("not_regular")  # a FIFO would block a worker
                return
        except OSError:
            return  # deleted meanwhile
        self._count("checked")
        try:
            keys = LC.local_keys(path)
        except FileNotFoundError:
            return  # deleted meanwhile
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                self._count("busy")  # a writer holds it: next pass
                return
            return self._local_damage(env, "unreadable", str(exc))
        except sqlite3.Error as exc:
            return self._local_damage(env, "unreadable", str(exc))
        if self.integrity != "off" and not self._sane_file(env, path):
            return
        if keys is None:
            return self._local_damage(env, "empty", "empty admin table")
        lacks = C.missing_required("meta2", keys)
        if lacks:
            words = "missing required %s" % render.keys(lacks)
            return self._local_damage(env, "lacks_keys", words)
        peers = sorted(filter(None, keys.get("sys.peers", "").split(",")))
        if self.compare and len(peers) > 1 and peers[0] == self.volume_id:
            return self.compare_copies(env)
        self._count("ok")

    def _sane_file(self, env, path):
        """SQLite's own check of the file; False when it said enough."""
        verdict, detail = LC.integrity(path, self.integrity, self.tmpdir)
        if verdict == LC.BUSY:
            self._count("busy")
            return False
        if verdict == LC.BROKEN_INDEX:
            self._count("broken_index")
            self.logger.warning(
                "election_check: volume_id=%s base=%s broken index "
                "(a REINDEX fixes it; not a corrupt copy): %s",
                self.volume_id,
                base_of(env),
                render.clean("; ".join(detail)),
            )
        elif verdict == LC.CORRUPT:
            words = "corrupt: %s" % render.clean(detail)
            self._local_damage(env, "corrupt", words, corrupt=True)
            return False
        return True

    def _leftover(self, path):
        try:
            info = os.stat(path)
        except OSError:
            return
        self._count("corrupted_files")
        with self._lock:
            self.leftovers["count"] += 1
            self.leftovers["bytes"] += info.st_size
            oldest = self.leftovers["oldest"]
            self.leftovers["oldest"] = min(
                oldest or info.st_mtime, info.st_mtime
            )


def configure(check, conf):
    """The filter's settings, from its section of the crawler's conf."""
    check.volume_id = check.app_env.get("volume_id")
    check.enabled = bool(check.volume_id)
    if not check.enabled:
        check.logger.error(
            "election_check: this oio's crawler gives filters no "
            "volume_id (oio 9.0+ meta2 crawler needed): disabled"
        )
    check.compare = _true(conf.get("compare_peers"), True)
    check.repair = _true(conf.get("repair"), False)
    check.repairs_per_second = _number(conf.get("repairs_per_second"), 1.0)
    check.timeout = _number(conf.get("timeout"), 10.0)
    check.output = conf.get("output") or None
    check.integrity = str(conf.get("integrity") or "quick").lower()
    if check.integrity not in ("quick", "full", "off"):
        check.logger.error(
            "election_check: integrity = %s: not quick, full or off; "
            "using quick",
            check.integrity,
        )
        check.integrity = "quick"
    check.tmpdir = conf.get("integrity_tmpdir") or None
    check.textfile = None
    if conf.get("prometheus_dir") and check.enabled:
        check.textfile = Textfile(
            conf["prometheus_dir"],
            check.volume_id,
            _number(conf.get("prometheus_interval"), DEFAULT_INTERVAL),
        )


def _host_classes():
    """oio's Meta2Filter and its orphan check, where this oio has them."""
    try:
        module = importlib.import_module("oio.crawler.meta2.filters.base")
        meta2db = importlib.import_module("oio.crawler.meta2.meta2db")
    except ImportError:  # no oio here, or older than its Meta2Filter
        return StandInFilter, None, None
    mixin = getattr(module, "CheckShardingMixin", None)
    return module.Meta2Filter, mixin, getattr(meta2db, "Meta2DB", None)


def filter_factory(global_conf, **local_conf):
    """How oio's crawler builds a filter (oio/event/loader.py)."""
    conf = dict(global_conf)
    conf.update(local_conf)
    host, orphan_check, meta2db = _host_classes()
    bases = (LocalChecks, PeerChecks) + (
        (orphan_check,) if orphan_check else ()
    )
    klass = type("ElectionCheck", bases + (host,), {"META2DB": meta2db})

    def election_check(app):
        return klass(app, conf)

    return election_check
