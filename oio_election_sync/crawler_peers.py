"""What the crawler filter asks of the other peers and of the directory:
the orphan check, the comparison of every copy (``has``, then local
reads: no election woken), and the repair of what it found."""

import os
import time
import types

from oio_election_sync import bulk
from oio_election_sync import diagnosis as D
from oio_election_sync import localcheck as LC
from oio_election_sync import model as M
from oio_election_sync import render
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.oioclient import Session, class_names
from oio_election_sync.options import RepairOptions
from oio_election_sync.workflows import WORKFLOWS

# Problem kinds of a compared base, and the counter each one counts in.
COMPARED = {
    M.Kind.COPY_MISSING: "missing_copy",
    M.Kind.NOT_READ: "not_read",
    M.Kind.NOT_REACHED: "not_compared",
    M.Kind.COPY_CORRUPT: "corrupt",
}


def base_of(env):
    return "%s.%s" % (env.get("cid"), env.get("seq"))


class PeerChecks:
    """The filter's requests through the proxy (oio's clients from the
    crawler's ``api``)."""

    META2DB = None  # oio's Meta2DB, where its orphan check is used

    def _local_damage(self, env, counter, words, corrupt=False):
        try:
            orphan = self._orphan(env)
        except Exception as exc:  # the damage is reported all the same
            self._count("errors")
            self.logger.error(
                "election_check: volume_id=%s base=%s directory lookup "
                "failed (%s: %s): reported as damaged, not as an orphan",
                self.volume_id,
                base_of(env),
                type(exc).__name__,
                render.clean(exc),
            )
            orphan = False
        if orphan:
            return self._orphaned(env, words)
        self._count(counter)
        self._damaged(env, words, corrupt=corrupt)

    def _orphaned(self, env, words=None):
        self._count("orphans")
        self.logger.info(
            "election_check: volume_id=%s base=%s orphan (no longer linked "
            "to this service)%s",
            self.volume_id,
            base_of(env),
            ": %s" % words if words else "",
        )

    def _orphan(self, env):
        """True when the directory links no such base to this service:
        oio's own check where it has one (CheckShardingMixin)."""
        directory = getattr(self.app_env.get("api"), "directory", None)
        if directory is None:
            return False
        if self.META2DB is not None and hasattr(self, "_is_orphan"):
            self.directory_client = directory
            meta2db = self.META2DB(self.app_env, env)
            return self._is_orphan(meta2db, None)[2]
        try:
            data = directory.list(cid=env.get("cid"))
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

    def _damaged(self, env, words, corrupt=False):
        base = base_of(env)
        self.logger.warning(
            "election_check: volume_id=%s base=%s damaged: %s",
            self.volume_id,
            base,
            words,
        )
        if self.output:
            line = ("--cid %s\n" % base).encode()
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
            fd = os.open(self.output, flags, 0o644)
            try:
                os.write(fd, line)  # one write of one line: O_APPEND
            finally:
                os.close(fd)
        if self.repair:
            self._repair(env, corrupt=corrupt)

    def session(self):
        if self._session is None:
            self._session = Session(
                _App(self.app_env),
                self.timeout,
                reqid_prefix="crawler-election-",
            )
        return self._session

    def compare_copies(self, env):
        base = base_of(env)
        calls = self.session().base(_target(base))
        try:
            reads = D.read_copies(calls)
        except ElectionError as error:
            if self._orphan(env):  # no meta2 linked any more
                return self._orphaned(env)
            self._count("errors")
            self.logger.error(
                "election_check: volume_id=%s base=%s not compared: %s",
                self.volume_id,
                base,
                error,
            )
            return
        self._count("compared")
        copies = D.judge_reads("meta2", None, reads)
        if not copies.problems:
            self._count("ok")
            return
        kinds = {p.kind for p in copies.problems}
        for kind, counter in COMPARED.items():
            if kind in kinds:
                self._count(counter)
        if kinds - set(COMPARED):
            self._count("diverged")
        self._damaged(env, render.problems(copies.problems))

    def _repair(self, env, corrupt=False):
        with self._lock:  # rate limit, shared by the crawler's workers
            wait = self._last_repair + 1.0 / self.repairs_per_second
            wait -= time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_repair = time.monotonic()
        # this host's own check found its copy corrupt, which no reply
        # shows: the repair treats it so
        options = RepairOptions(corrupt=(self.volume_id,) if corrupt else ())
        workflow = WORKFLOWS["repair"]
        # the bound of the CLI: a base that overruns its phases is given up
        run = bulk.Run(workflow, self.session(), options, None, quiet=True)
        report = run.one(_target(base_of(env)))
        ok = report.exit_code == 0
        path = env.get("path")
        if ok and corrupt and path:
            # counted only once the same check passes on the new copy
            verdict = LC.integrity(path, self.integrity, self.tmpdir)[0]
            ok = verdict == LC.HEALTHY
        self._count("repaired" if ok else "repair_failed")
        self.logger.warning(
            "election_check: %s", render.summary("repair", report)
        )


def _target(base):
    return M.Target("meta2", None, None, base, (), base)


class _App:
    """What oioclient.Session needs of a shell, from the crawler's env."""

    def __init__(self, app_env):
        api = app_env.get("api")
        self.client_manager = types.SimpleNamespace(
            admin=getattr(api, "admin", None),
            directory=getattr(api, "directory", None),
            # the rdir record a file check makes oio drop is put back
            rdir=getattr(api, "rdir", None),
        )
        self.options = types.SimpleNamespace(request_id=None)
