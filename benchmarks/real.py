"""The plugin against a live OpenIO namespace: N fresh containers of one
account, timed per mode with the ``openio`` command as a subprocess (rows
to /dev/null), beside oio's built-in command (one base at a time, as an
operator runs it, on a sample, extrapolated) and a raw AdminClient loop
making the plugin's ``status --check`` requests at the same concurrency
(the bound). Everything it creates is removed at the end.

    OIO_NS=OPENIO python benchmarks/real.py [--containers 2000]
        [--account benchacct] [--workers 32] [--sync-sample 200]
        [--damaged 20] [--builtin-sample 30] [--service 127.0.0.1:6005]
        [--index-timeout 600] [--push-index] [--damage api|remove-copy]
        [--namespace-prefix PREFIX] [--only MODE ...] [--keep]

Modes (--only, repeatable): check, copies-first, no-check, from-service,
builtin, raw, sync, repair. Step order keeps the status runs on healthy
bases: the damage for repair comes last. A subprocess's peak RSS comes
from ``/usr/bin/time -f %M`` (else os.wait4, which also counts this
script); its seconds include the start of ``openio`` (Python, cliff,
oio). ``--damage remove-copy`` damages with
tools/oio-namespace/damage.py of the test namespace at --namespace-prefix
(default $OIO_ELECTION_NAMESPACE); the default, ``api``, removes the
slave's copy with AdminClient.remove_base itself (the same damage).

Without a live namespace in OIO_NS (or without oio) it prints one
"skipped: ..." line and exits 0.
"""

import argparse
import concurrent.futures
import contextlib
import io
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DAMAGE_TOOL = os.path.join(
    os.path.dirname(HERE), "tools", "oio-namespace", "damage.py"
)
MODES = (
    "check",
    "copies-first",
    "no-check",
    "from-service",
    "builtin",
    "raw",
    "sync",
    "repair",
)


def skip(why):
    print("skipped: %s" % why)
    sys.exit(0)


def machine():
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%d CPU(s) (nproc %d), %s, Python %s" % (
        os.cpu_count() or 0,
        len(os.sched_getaffinity(0)),
        model,
        platform.python_version(),
    )


TIME = "/usr/bin/time"


def run(argv, env, stdout=None):
    """Run ``argv``: (seconds, exit code, peak RSS in MB, stderr tail).

    The peak comes from ``/usr/bin/time -f %M``: os.wait4's ru_maxrss of
    a child of this process starts at this process's own RSS (Linux keeps
    the pre-exec high-water mark), so it is the fallback only."""
    timed = os.access(TIME, os.X_OK)
    with tempfile.TemporaryFile("w+") as err, tempfile.NamedTemporaryFile(
        "r", suffix=".rss"
    ) as rss_file:
        if timed:
            argv = [TIME, "-f", "%M", "-o", rss_file.name] + list(argv)
        sink = stdout or open(os.devnull, "w")
        try:
            started = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=sink, stderr=err, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stdout is None:
                sink.close()
        peak = usage.ru_maxrss
        if timed:
            words = rss_file.read().split()
            # time says "Command exited with non-zero status N" first
            if words and words[-1].isdigit():
                peak = int(words[-1])
        err.seek(0)
        tail = err.read().strip().splitlines()[-3:]
    return elapsed, proc.returncode, peak / 1024.0, tail


def pool_map(fn, items, workers):
    """``[(item, result or exception)]``, ``workers`` at a time."""
    def guarded(item):
        try:
            return item, fn(item)
        except Exception as exc:  # counted by the caller
            return item, exc

    with concurrent.futures.ThreadPoolExecutor(max(1, workers)) as pool:
        return list(pool.map(guarded, items))


def failures(results):
    return [(i, r) for i, r in results if isinstance(r, Exception)]


class Bench:
    def __init__(self, args, ns):
        from oio.api.object_storage import ObjectStorageApi
        from oio.directory.admin import AdminClient
        from oio.rdir.client import RdirClient

        self.args = args
        self.ns = ns
        self.conf = {"namespace": ns}
        self.api = ObjectStorageApi(ns)
        self.admin = AdminClient(self.conf, pool_maxsize=4 * args.workers)
        self.rdir = RdirClient(self.conf)
        self.run_id = "%x" % int(time.time())
        self.names = [
            "bench-%s-%d" % (self.run_id, i) for i in range(args.containers)
        ]
        self.url_prefix = "%s/%s/bench-%s-" % (ns, args.account, self.run_id)
        self.tmp = tempfile.mkdtemp(prefix="bench-real-")
        self.openio = os.path.join(os.path.dirname(sys.executable), "openio")
        if not os.access(self.openio, os.X_OK):
            self.openio = shutil.which("openio")
        self.env = dict(os.environ, OIO_NS=ns)
        self.env.pop("OIO_ELECTION_BUILTIN", None)
        self.rows = []  # (mode, bases, seconds, peak MB, exit codes)
        self.exit_codes = {}

    def wanted(self, mode):
        return not self.args.only or mode in self.args.only

    def file_of(self, names, tag):
        path = os.path.join(self.tmp, tag + ".txt")
        with open(path, "w") as out:
            out.write("".join(n + "\n" for n in names))
        return path

    # setup / teardown ----------------------------------------------------
    def create(self):
        chunks = [
            self.names[i : i + 50] for i in range(0, len(self.names), 50)
        ]
        started = time.perf_counter()
        results = pool_map(
            lambda chunk: self.api.container_create_many(
                self.args.account, chunk
            ),
            chunks,
            16,
        )
        bad = failures(results)
        refused = [
            name
            for _, got in results
            if not isinstance(got, Exception)
            for name, ok in got
            if not ok
        ]
        print(
            "created %d containers bench-%s-0..%d in %.1f s (%d failed "
            "batch(es), %d refused)"
            % (
                len(self.names) - 50 * len(bad) - len(refused),
                self.run_id,
                len(self.names) - 1,
                time.perf_counter() - started,
                len(bad),
                len(refused),
            )
        )
        if bad or refused:
            raise SystemExit(
                "container creation failed: %s" % (bad[:1] or refused[:3])
            )

    def indexed(self, volume, prefix):
        records, marker = [], None
        while True:
            page = self.rdir.meta2_index_fetch(
                volume, prefix=prefix, marker=marker, limit=1000
            )
            records += page["records"]
            if not page.get("truncated") or not page["records"]:
                return records
            marker = page["records"][-1]["container_url"]

    def push_index(self):
        """Index the bases in rdir for --service ourselves, as the meta2
        crawler's indexer would (for a run that cannot wait for it)."""
        from oio.common.utils import cid_from_name

        now = int(time.time())
        started = time.perf_counter()
        bad = failures(pool_map(
            lambda name: self.rdir.meta2_index_push(
                self.args.service,
                "%s/%s/%s" % (self.ns, self.args.account, name),
                cid_from_name(self.args.account, name),
                now,
            ),
            self.names,
            32,
        ))
        print("pushed %d rdir records for %s in %.1f s (%d failed)"
              % (len(self.names) - len(bad), self.args.service,
                 time.perf_counter() - started, len(bad)))
        if bad:
            raise SystemExit("rdir push failed: %s: %r" % bad[0])

    def wait_indexed(self):
        started = time.perf_counter()
        deadline = time.monotonic() + self.args.index_timeout
        while True:
            count = len(self.indexed(self.args.service, self.url_prefix))
            if count >= len(self.names):
                break
            if time.monotonic() > deadline:
                raise SystemExit(
                    "rdir indexes %d of %d bases for %s after %d s"
                    % (count, len(self.names), self.args.service,
                       self.args.index_timeout)
                )
            time.sleep(2)
        print(
            "rdir indexes all %d for %s after %.1f s"
            % (count, self.args.service, time.perf_counter() - started)
        )

    def meta2_volumes(self):
        try:
            services = self.admin.conscience.all_services("meta2")
            return sorted(s["addr"] for s in services)
        except Exception:
            return [self.args.service]

    def cleanup(self):
        started = time.perf_counter()
        from oio.common.exceptions import NoSuchContainer, NotFound

        def delete(name):
            try:
                self.api.container_delete(self.args.account, name)
            except (NoSuchContainer, NotFound):
                pass

        # a busy meta2 resets connections (ServiceBusy) under 32 deletes
        # at once: the failed ones again, fewer at a time
        todo, workers = list(self.names), 32
        for _ in range(4):
            bad = failures(pool_map(delete, todo, workers))
            todo = [name for name, _ in bad]
            if not todo:
                break
            time.sleep(2)
            workers = max(1, workers // 4)
        # a delete a peer missed (busy, or down) leaves its copy behind:
        # remove any copy of these bases left on any meta2
        from oio.common.utils import cid_from_name

        volumes = self.meta2_volumes()
        swept = pool_map(
            lambda name: self.admin.remove_base(
                service_type="meta2",
                cid=cid_from_name(self.args.account, name),
                service_id=volumes,
            ),
            self.names,
            16,
        )
        orphans = sum(
            1
            for _, reply in swept
            if isinstance(reply, dict)
            for peer in reply.values()
            if isinstance(peer.get("body"), dict) and peer["body"].get("deleted")
        )
        # no event agent deindexes them here: drop their rdir records
        # (after the bases are gone, so the crawler cannot add them back)
        left, dropped = 0, 0
        for volume in volumes:
            records = self.indexed(volume, self.url_prefix)
            gone = pool_map(
                lambda r, v=volume: self.rdir.meta2_index_delete(
                    v,
                    container_path=r["container_url"],
                    container_id=r["container_id"],
                ),
                records,
                16,
            )
            dropped += len(gone) - len(failures(gone))
            left += len(self.indexed(volume, self.url_prefix))
        print(
            "cleanup: %d containers deleted (%d failed), %d orphan copies "
            "removed (%d sweeps failed), %d rdir records dropped, %d left, "
            "in %.1f s"
            % (len(self.names) - len(bad), len(bad), orphans,
               len(failures(swept)), dropped, left,
               time.perf_counter() - started)
        )
        if bad:
            print("  first failure: %s: %r" % bad[0])
        shutil.rmtree(self.tmp, ignore_errors=True)

    # modes ---------------------------------------------------------------
    def plugin(self, mode, command, names, flags, source=None, stdout=None):
        argv = [self.openio, "election", command, "meta2"]
        argv += source or ["--from-file", self.file_of(names, mode)]
        argv += ["--oio-account", self.args.account]
        argv += ["--workers", str(self.args.workers)]
        argv += flags or ["-f", "value", "-c", "Verdict"]
        seconds, code, rss, tail = run(argv, self.env, stdout=stdout)
        self.rows.append((mode, len(names), seconds, rss, {code}))
        if code != 0:
            print("  %s exited %d: %s" % (mode, code, " | ".join(tail)))
        return tail

    def statuses(self):
        for mode, flags in (
            ("check", []),
            ("copies-first", ["--copies-first"]),
            ("no-check", ["--no-check"]),
        ):
            if self.wanted(mode):
                self.plugin("status " + mode, "status", self.names,
                            flags and flags + ["-f", "value", "-c",
                                               "Verdict"])

    def from_service(self):
        out_path = os.path.join(self.tmp, "from-service.out")
        with open(out_path, "w") as out:
            tail = self.plugin(
                "from-service --copies-first",
                "status",
                self.names,
                ["--copies-first", "-f", "value", "-c", "Reference",
                 "-c", "Verdict"],
                source=["--from-service", self.args.service,
                        "--prefix", self.url_prefix],
                stdout=out,
            )
        with open(out_path) as got:
            lines = [line.split() for line in got if line.strip()]
        # one row per peer: "account/container verdict"
        refs = [w[0].split("/", 1)[-1] for w in lines if w]
        rows_per_base = {}
        for ref in refs:
            rows_per_base[ref] = rows_per_base.get(ref, 0) + 1
        verdicts = {}
        for words in lines:
            verdicts[words[-1]] = verdicts.get(words[-1], 0) + 1
        print(
            "  from-service %s --prefix %s: %d lines, %d distinct bases "
            "(%d of the %d created), rows per base %s, verdicts %s"
            % (self.args.service, self.url_prefix, len(lines),
               len(rows_per_base), len(set(refs) & set(self.names)),
               len(self.names), sorted(set(rows_per_base.values())),
               verdicts)
        )
        if tail:
            print("  its summary: %s" % tail[-1])

    def builtin(self):
        sample = self.names[: self.args.builtin_sample]
        env = dict(self.env, OIO_ELECTION_BUILTIN="1")
        total, peak, codes = 0.0, 0.0, set()
        for name in sample:
            argv = [self.openio, "election", "status", "meta2", name,
                    "--oio-account", self.args.account]
            seconds, code, rss, tail = run(argv, env)
            total += seconds
            peak = max(peak, rss)
            codes.add(code)
            if code != 0:
                print("  built-in %s exited %d: %s"
                      % (name, code, " | ".join(tail)))
        self.rows.append(("built-in (sample %d)" % len(sample), len(sample),
                          total, peak, codes))
        return len(sample) / total

    def raw(self):
        workers = self.args.workers
        inner = concurrent.futures.ThreadPoolExecutor(3 * workers)

        def one(name):
            loc = dict(service_type="meta2", account=self.args.account,
                       reference=name)
            peers = sorted(self.admin.has_base(**loc))
            list(inner.map(
                lambda peer: self.admin.get_properties(
                    service_id=[peer], params={"local": 1}, **loc),
                peers,
            ))
            return self.admin.election_status(**loc)

        import resource

        started = time.perf_counter()
        bad = failures(pool_map(one, self.names, workers))
        seconds = time.perf_counter() - started
        inner.shutdown()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        self.rows.append(("raw AdminClient loop*", len(self.names), seconds,
                          rss, {1 if bad else 0}))
        if bad:
            print("  raw loop: %d failed, first %s: %r"
                  % (len(bad), bad[0][0], bad[0][1]))
        return len(self.names) / seconds

    def sync(self):
        sample = self.names[: self.args.sync_sample]
        self.plugin("sync --wait", "sync", sample,
                    ["--wait", "--yes", "-f", "value", "-c", "Verdict"])

    def damage(self, names):
        def one(name):
            loc = dict(service_type="meta2", account=self.args.account,
                       reference=name)
            slave = self.admin.election_status(**loc)["slaves"][0]
            if self.args.damage == "api":
                reply = self.admin.remove_base(service_id=[slave], **loc)
                status = reply[slave]["status"]["status"]
                if status != 200:
                    raise RuntimeError("remove_base %s: %s" % (slave, reply))
                return slave
            python = os.path.join(self.args.namespace_prefix, "venv", "bin",
                                  "python")
            if not os.access(python, os.X_OK):
                python = sys.executable
            subprocess.run(
                [python, DAMAGE_TOOL, self.args.namespace_prefix,
                 "remove-copy", slave, name, "--account", self.args.account],
                env=self.env, check=True, capture_output=True,
            )
            return slave

        started = time.perf_counter()
        results = pool_map(one, names, 8)
        bad = failures(results)
        print("  damaged %d bases (a slave's copy removed, %s) in %.1f s, "
              "%d failed" % (len(names) - len(bad), self.args.damage,
                             time.perf_counter() - started, len(bad)))
        if bad:
            raise SystemExit("damage failed: %s: %r" % bad[0])

    def repair(self):
        damaged = self.names[-self.args.damaged :]
        self.damage(damaged)
        # what status sees first (exit 4 expected: damaged bases)
        argv = [self.openio, "election", "status", "meta2", "--from-file",
                self.file_of(damaged, "damaged"), "--oio-account",
                self.args.account, "-f", "value", "-c", "Verdict"]
        _, code, _, _ = run(argv, self.env)
        print("  status of the damaged before repair: exit %d" % code)
        tail = self.plugin("repair (damaged)", "repair", damaged,
                           ["--yes", "-f", "value", "-c", "Verdict"])
        if tail:
            print("  repair summary: %s" % tail[-1])
        self.plugin("status after repair", "status", damaged, [])

    # report --------------------------------------------------------------
    def report(self, builtin_rate, raw_rate):
        print("%-28s %6s %8s %8s %10s %7s %9s %5s" % (
            "mode", "bases", "seconds", "bases/s", "x built-in", "of raw",
            "peak RSS", "exit"))
        for mode, bases, seconds, rss, codes in self.rows:
            rate = bases / seconds if seconds else 0.0
            print("%-28s %6d %8.2f %8.1f %10s %7s %6.1f MB %5s" % (
                mode, bases, seconds, rate,
                "%.1f" % (rate / builtin_rate) if builtin_rate else "-",
                "%.0f%%" % (100 * rate / raw_rate) if raw_rate else "-",
                rss, ",".join(str(c) for c in sorted(codes))))
        if builtin_rate:
            print("built-in extrapolated to %d bases: %.0f s"
                  % (len(self.names), len(self.names) / builtin_rate))
        print("of raw: against the raw status --check loop, the bound of "
              "'status check' (lighter modes can pass it)")
        print("* in this process (no process start); its RSS is this "
              "script's peak; others: %s"
              % ("/usr/bin/time %M" if os.access(TIME, os.X_OK)
                 else "os.wait4, at least this script's RSS"))

    def main(self):
        print("namespace %s, account %s, %d containers, %d workers; %s"
              % (self.ns, self.args.account, len(self.names),
                 self.args.workers, machine()))
        builtin_rate = raw_rate = None
        try:
            self.create()
            if self.args.push_index:
                self.push_index()
            self.wait_indexed()
            self.statuses()
            if self.wanted("from-service"):
                self.from_service()
            if self.wanted("builtin"):
                builtin_rate = self.builtin()
            if self.wanted("raw"):
                raw_rate = self.raw()
            if self.wanted("sync"):
                self.sync()
            if self.wanted("repair") and self.args.damaged:
                self.repair()
        finally:
            if self.rows:
                self.report(builtin_rate, raw_rate)
            if self.args.keep:
                print("kept: %d containers bench-%s-* in %s (scratch %s)"
                      % (len(self.names), self.run_id, self.args.account,
                         self.tmp))
            else:
                self.cleanup()
        return 1 if [r for r in self.rows if r[4] - {0}] else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--containers", type=int, default=2000)
    parser.add_argument("--account", default="benchacct")
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--sync-sample", type=int, default=200)
    parser.add_argument("--damaged", type=int, default=20)
    parser.add_argument("--builtin-sample", type=int, default=30)
    parser.add_argument("--service", default="127.0.0.1:6005",
                        help="the meta2 of --from-service and the rdir wait")
    parser.add_argument("--index-timeout", type=int, default=600)
    parser.add_argument("--push-index", action="store_true",
                        help="push the rdir records of --service instead "
                        "of waiting for the meta2 crawler to index them")
    parser.add_argument("--damage", choices=("api", "remove-copy"),
                        default="api")
    parser.add_argument("--namespace-prefix",
                        default=os.environ.get("OIO_ELECTION_NAMESPACE"),
                        help="test namespace PREFIX for damage.py")
    parser.add_argument("--only", action="append", choices=MODES)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.damage != "api" and not args.namespace_prefix:
        parser.error("--damage %s needs --namespace-prefix "
                     "(or OIO_ELECTION_NAMESPACE)" % args.damage)
    args.damaged = min(args.damaged, args.containers)
    ns = os.environ.get("OIO_NS")
    if not ns:
        skip("OIO_NS names no namespace")
    try:
        import oio  # noqa: F401
        from oio.common.configuration import load_namespace_conf
        from oio.conscience.client import ConscienceClient
    except ImportError as exc:
        skip("no oio in %s (%s)" % (sys.executable, exc))
    said = io.StringIO()
    try:
        with contextlib.redirect_stdout(said):  # oio prints, then exits
            load_namespace_conf(ns)
    except SystemExit:
        skip("no namespace %s: %s" % (ns, said.getvalue().strip()))
    try:
        meta2 = ConscienceClient({"namespace": ns}).all_services("meta2")
    except Exception as exc:
        skip("namespace %s not live: %s" % (ns, exc))
    if not meta2:
        skip("namespace %s has no meta2" % ns)
    bench = Bench(args, ns)
    if not bench.openio:
        skip("no openio command beside %s or in PATH" % sys.executable)
    sys.exit(bench.main())


if __name__ == "__main__":
    main()
