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

Counters (the crawler's stats, under ``ElectionCheck``): checked, ok,
copies (suffixed copies skipped), lacks_keys, empty, unreadable, orphans,
compared, diverged, missing_copy, not_read, repaired, repair_failed, errors.

This module imports only the standard library and the plugin's pure parts;
the proxy side (comparison, repair) is loaded on first use.
"""

import logging
import os
import pathlib
import re
import shutil
import sqlite3
import stat
import tempfile
import threading
import time
import types

from oio_election_sync import peers as P
from oio_election_sync import render
from oio_election_sync.oioclient import class_names

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
# Problem kinds of a compared base, and the counter each one counts in.
_COMPARED = {
    P.Kind.COPY_MISSING: "missing_copy",
    P.Kind.NOT_READ: "not_read",
    P.Kind.NOT_REACHED: "not_compared",
    P.Kind.COPY_CORRUPT: "corrupt",
}


def _true(value, default):
    if value is None:
        return default
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _number(value, default):
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def _ro_uri(path):
    """A read-only SQLite URI for any path: ``#``, ``?`` or ``%`` in a
    volume path must not turn ``mode=ro`` into a read-write open."""
    return pathlib.Path(os.path.abspath(path)).as_uri() + "?mode=ro"


def _text(value):
    """An admin cell as text, whatever SQLite typed it (NULL, BLOB, an
    integer)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def local_keys(path):
    """The replicated keys of a base file's own admin table, as
    peers.replicated_keys() gives them from a proxy reply (user properties
    are ``user.*`` rows there, ``properties.*`` here), read-only; None for
    an empty table. Raises sqlite3.Error when the file cannot be read."""
    base = sqlite3.connect(_ro_uri(path), uri=True, timeout=0.2)
    try:
        rows = base.execute("SELECT k, v FROM admin").fetchall()
    finally:
        base.close()
    system, properties = {}, {}
    for key, value in rows:
        key, value = _text(key), _text(value)
        if key.startswith("user."):
            properties[key[len("user.") :]] = value
        else:
            system[key] = value
    return P.replicated_keys({"system": system, "properties": properties})


# Lines of PRAGMA integrity_check that only an index rebuild needs (as
# oio's own check_integrity filter tells them apart).
_INDEX_ONLY = re.compile(
    r"^(row \d+ missing from index |wrong # of entries in index )"
)
HEALTHY, BROKEN_INDEX, CORRUPT, BUSY = "ok", "broken index", "corrupt", "busy"
_PRAGMAS = {"quick": "quick_check", "full": "integrity_check"}


def integrity(path, mode="quick", tmpdir=None):
    """``(verdict, detail)`` of SQLite's own check of a base file, run on a
    private copy (never a lock on the live file for longer than a read):
    HEALTHY, BROKEN_INDEX (lines), CORRUPT (why) or BUSY (the file changed
    while it was copied, or has a hot journal: try again next pass)."""
    if os.path.exists(path + "-journal") or os.path.exists(path + "-wal"):
        return BUSY, "a journal is beside it"
    before = os.stat(path)
    with tempfile.TemporaryDirectory(dir=tmpdir) as scratch:
        copy = os.path.join(scratch, "base")
        shutil.copyfile(path, copy)
        after = os.stat(path)
        if (before.st_size, before.st_mtime_ns) != (
            after.st_size,
            after.st_mtime_ns,
        ):
            return BUSY, "written to while it was read"
        try:
            base = sqlite3.connect(_ro_uri(copy), uri=True)
            try:
                lines = [
                    _text(r[0])
                    for r in base.execute("PRAGMA %s" % _PRAGMAS[mode])
                ]
            finally:
                base.close()
        except sqlite3.DatabaseError as exc:
            return CORRUPT, str(exc)
    if lines == ["ok"]:
        return HEALTHY, None
    if all(_INDEX_ONLY.match(line) for line in lines):
        return BROKEN_INDEX, tuple(lines)
    return CORRUPT, "; ".join(lines[:3])


class ElectionCheck:
    """The filter; the interface is oio's crawler Filter (app, conf)."""

    NAME = NAME

    def __init__(self, app, conf, logger=None):
        self.app = app
        self.conf = conf
        self.app_env = getattr(app, "app_env", None) or {}
        self.logger = (
            logger
            or self.app_env.get("logger")
            or logging.getLogger("oio_election_sync.crawler")
        )
        self.volume_id = self.app_env.get("volume_id")
        self.enabled = bool(self.volume_id)
        if not self.enabled:
            self.logger.error(
                "election_check: this oio's crawler gives filters no "
                "volume_id (oio 9.0+ meta2 crawler needed): disabled"
            )
        self.compare = _true(conf.get("compare_peers"), True)
        self.repair = _true(conf.get("repair"), False)
        self.repairs_per_second = _number(conf.get("repairs_per_second"), 1.0)
        self.timeout = _number(conf.get("timeout"), 10.0)
        self.output = conf.get("output") or None
        self.integrity = str(conf.get("integrity") or "quick").lower()
        if self.integrity not in ("quick", "full", "off"):
            self.logger.error(
                "election_check: integrity = %s: not quick, full or off; "
                "using quick",
                self.integrity,
            )
            self.integrity = "quick"
        self.tmpdir = conf.get("integrity_tmpdir") or None
        # the .corrupted files oio set aside: the only trace of what was
        # lost, which nothing cleans (count, bytes, oldest mtime)
        self.leftovers = {"count": 0, "bytes": 0, "oldest": None}
        self._lock = threading.Lock()
        self._last_repair = 0.0
        self._session = None
        self.stats = dict.fromkeys(COUNTERS, 0)

    # --- the crawler's interface -------------------------------------------
    def __call__(self, env, cb):
        return self.process(env, cb)

    def process(self, env, cb):
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
        return self.app(env, cb)

    def get_stats(self):
        stats = self.app.get_stats() if hasattr(self.app, "get_stats") else {}
        stats[self.NAME] = dict(self.stats)
        stats[self.NAME]["corrupted_bytes"] = self.leftovers["bytes"]
        stats[self.NAME]["corrupted_oldest"] = self.leftovers["oldest"]
        return stats

    def reset_stats(self):
        if hasattr(self.app, "reset_stats"):
            self.app.reset_stats()
        self.stats = dict.fromkeys(COUNTERS, 0)
        self.leftovers = {"count": 0, "bytes": 0, "oldest": None}

    def open_resources(self):
        if hasattr(self.app, "open_resources"):
            self.app.open_resources()

    def close_resources(self):
        if hasattr(self.app, "close_resources"):
            self.app.close_resources()

    # --- one base ----------------------------------------------------------
    def _count(self, counter):
        with self._lock:
            self.stats[counter] += 1

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
        cid, seq = env.get("cid"), env.get("seq")
        base = "%s.%s" % (cid, seq)
        try:
            keys = local_keys(path)
        except FileNotFoundError:
            return  # deleted meanwhile
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                self._count("busy")  # a writer holds it: next pass
                return
            return self._local_damage(base, "unreadable", str(exc))
        except sqlite3.Error as exc:
            return self._local_damage(base, "unreadable", str(exc))
        if self.integrity != "off":
            verdict, detail = integrity(path, self.integrity, self.tmpdir)
            if verdict == BUSY:
                self._count("busy")
                return
            if verdict == BROKEN_INDEX:
                self._count("broken_index")
                self.logger.warning(
                    "election_check: volume_id=%s base=%s broken index "
                    "(a REINDEX fixes it; not a corrupt copy): %s",
                    self.volume_id,
                    base,
                    render.clean("; ".join(detail)),
                )
            elif verdict == CORRUPT:
                return self._local_damage(
                    base,
                    "corrupt",
                    "corrupt: %s" % render.clean(detail),
                    corrupt=True,
                    path=path,
                )
        if keys is None:
            return self._local_damage(base, "empty", "empty admin table")
        lacks = P.missing_required("meta2", keys)
        if lacks:
            words = "missing required %s" % render.keys(lacks)
            return self._local_damage(base, "lacks_keys", words)
        peers = sorted(filter(None, keys.get("sys.peers", "").split(",")))
        if self.compare and len(peers) > 1 and peers[0] == self.volume_id:
            return self._compare(base)
        self._count("ok")

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

    def _local_damage(self, base, counter, words, corrupt=False, path=None):
        try:
            orphan = self._orphan(base)
        except Exception as exc:  # the damage is reported all the same
            self._count("errors")
            self.logger.error(
                "election_check: volume_id=%s base=%s directory lookup "
                "failed (%s: %s): reported as damaged, not as an orphan",
                self.volume_id,
                base,
                type(exc).__name__,
                render.clean(exc),
            )
            orphan = False
        if orphan:
            return self._orphaned(base, words)
        self._count(counter)
        self._damaged(base, words, corrupt=corrupt, path=path)

    def _orphaned(self, base, words=None):
        self._count("orphans")
        self.logger.info(
            "election_check: volume_id=%s base=%s orphan (no longer linked "
            "to this service)%s",
            self.volume_id,
            base,
            ": %s" % words if words else "",
        )

    def _orphan(self, base):
        """True when the directory links no such base to this service
        (as oio's indexer filter checks it)."""
        directory = getattr(self.app_env.get("api"), "directory", None)
        if directory is None:
            return False
        try:
            data = directory.list(cid=base.split(".")[0])
        except Exception as exc:
            if "NotFound" in class_names(exc):
                return True
            raise
        hosts = {
            s.get("host")
            for s in data.get("srv", ())
            if s.get("type") == "meta2"
        }
        return self.volume_id not in hosts

    def _damaged(self, base, words, corrupt=False, path=None):
        self.logger.warning(
            "election_check: volume_id=%s base=%s damaged: %s",
            self.volume_id,
            base,
            words,
        )
        if self.output:
            line = ("--cid %s\n" % base).encode()
            fd = os.open(
                self.output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644
            )
            try:
                os.write(
                    fd, line
                )  # one write of one line: O_APPEND keeps it whole
            finally:
                os.close(fd)
        if self.repair:
            self._repair(base, corrupt=corrupt, path=path)

    # --- through the proxy ---------------------------------------------------
    def session(self):
        if self._session is None:
            from oio_election_sync.oioclient import Session

            self._session = Session(
                _App(self.app_env),
                self.timeout,
                reqid_prefix="crawler-election-",
            )
        return self._session

    def _target(self, base):
        from oio_election_sync.oioclient import Target

        return Target("meta2", None, None, base, (), base)

    def _compare(self, base):
        from oio_election_sync.exitcodes import ElectionError
        from oio_election_sync.workflows import judge_reads, read_copies

        calls = self.session().base(self._target(base))
        try:
            reads = read_copies(calls)
        except ElectionError as error:
            if self._orphan(base):  # no meta2 linked any more
                return self._orphaned(base)
            self._count("errors")
            self.logger.error(
                "election_check: volume_id=%s base=%s not compared: %s",
                self.volume_id,
                base,
                error,
            )
            return
        self._count("compared")
        copies = judge_reads("meta2", None, reads)
        if not copies.problems:
            self._count("ok")
            return
        kinds = {p.kind for p in copies.problems}
        for kind, counter in _COMPARED.items():
            if kind in kinds:
                self._count(counter)
        if kinds - set(_COMPARED):
            self._count("diverged")
        self._damaged(base, render.problems(copies.problems))

    def _repair(self, base, corrupt=False, path=None):
        from oio_election_sync.repair import repair

        with self._lock:  # rate limit, shared by the crawler's workers
            wait = self._last_repair + 1.0 / self.repairs_per_second
            wait -= time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_repair = time.monotonic()
        options = types.SimpleNamespace(
            dry_run=False,
            no_backup=False,
            copies_first=False,
            progress=None,
            # this host's own check found its copy corrupt, which no
            # reply shows: the repair treats it so
            corrupt=(self.volume_id,) if corrupt else (),
        )
        report = repair(self.session().base(self._target(base)), options)
        ok = report.exit_code == 0
        if ok and corrupt and path:
            # counted only once the same check passes on the new copy
            ok = integrity(path, self.integrity, self.tmpdir)[0] == HEALTHY
        counter = "repaired" if ok else "repair_failed"
        self._count(counter)
        self.logger.warning(
            "election_check: %s", render.summary("repair", report)
        )


class _App:
    """What oioclient.Session needs of a shell, from the crawler's env."""

    def __init__(self, app_env):
        api = app_env.get("api")
        self.client_manager = types.SimpleNamespace(
            admin=getattr(api, "admin", None),
            directory=getattr(api, "directory", None),
        )
        self.options = types.SimpleNamespace(request_id=None)


def filter_factory(global_conf, **local_conf):
    """How oio's crawler builds a filter (oio/event/loader.py)."""
    conf = dict(global_conf)
    conf.update(local_conf)

    def election_check(app):
        return ElectionCheck(app, conf)

    return election_check
