"""Bulk ``election status`` and ``sync`` against a fake admin client whose
every request takes ``--latency`` seconds: bases per second for 32, 64,
128 and 256 workers, and their share of the bound.

    python benchmarks/bulk.py [--latency 0.01] [--bases 2000]
                              [--workers 32 64 128 256]

Two bounds limit a run. The latency bound is what the workers could do
with no overhead at all: workers / (requests in sequence per base x
latency). The CPU bound is what this one process can do at all: bases per
CPU second with no latency, measured first (the plugin, cliff and the
fake proxy share the process and its GIL; a real proxy's client costs
CPU too). "of bound" is bases/s over the lower of the two.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import fakeoio  # noqa: E402

# requests one after the other for one healthy base (the per-peer reads
# count once): status: has, local reads, status; --copies-first stops
# after the reads; sync: that pre-flight, the master's file check (copy,
# check, removal), then the sync
MODES = {
    "status --check": (("status", "--check"), 3),
    "status --copies-first": (("status", "--copies-first"), 2),
    "status --no-check": (("status", "--no-check"), 1),
    "sync --no-wait": (("sync", "--no-wait", "--yes"), 7),
    "sync --no-wait --no-file-check": (
        ("sync", "--no-wait", "--yes", "--no-file-check"),
        4,
    ),
}


def run(words, bases, workers, latency):
    proxy = fakeoio.Proxy(latency=latency, record=False)
    command, *flags = words
    argv = ["election", command, "meta2"]
    argv += ["C%06d" % i for i in range(bases)]
    argv += ["--oio-account", "acct", *flags, "--workers", str(workers)]
    argv += ["-f", "value", "-c", "Verdict"]
    with open(os.devnull, "w") as sink:
        started, cpu = time.perf_counter(), time.process_time()
        code, _, err = fakeoio.run(argv, proxy=proxy, stdout=sink)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    assert code == 0, err
    return elapsed, cpu, proxy.max_in_flight


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.01)
    parser.add_argument("--bases", type=int, default=2000)
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[32, 64, 128, 256]
    )
    args = parser.parse_args()
    print(
        "%d bases, %.1f ms per request, %d CPU(s)"
        % (args.bases, args.latency * 1000, os.cpu_count())
    )
    header = ("mode", "workers", "bases/s", "latency/s", "cpu/s")
    header += ("of bound", "in flight")
    print("%-31s %7s %9s %9s %9s %8s %9s" % header)
    for name, (words, rounds) in MODES.items():
        _, cpu, _ = run(words, min(args.bases, 1000), 32, 0.0)
        cpu_bound = min(args.bases, 1000) / cpu
        for workers in args.workers:
            elapsed, _, in_flight = run(
                words, args.bases, workers, args.latency
            )
            latency_bound = workers / (rounds * args.latency)
            rate = args.bases / elapsed
            share = rate / min(latency_bound, cpu_bound)
            print(
                "%-31s %7d %9.0f %9.0f %9.0f %7.0f%% %9d"
                % (
                    name,
                    workers,
                    rate,
                    latency_bound,
                    cpu_bound,
                    100 * share,
                    in_flight,
                )
            )


if __name__ == "__main__":
    main()
