"""Bulk ``election status`` and ``sync`` against a fake admin client whose
every request takes ``--latency`` seconds; bases per second for --workers 1
and the default, next to the latency-bound ideal.

    python benchmarks/bulk.py [--latency 0.01] [--bases 1 100 1000]

The ideal is what the workers could do with no overhead at all:
ceil(bases / workers) x (requests in sequence per base) x latency; "over
ideal" is the time per base above it. The overhead
line runs with no latency: what the plugin (and cliff's formatting) costs per
base.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import fakeoio  # noqa: E402
from oio_election_sync.election import DEFAULT_WORKERS  # noqa: E402

# requests one after the other for one base (the parallel per-peer reads
# count once): status: has, local reads, status; sync: the same pre-flight,
# then the sync
ROUNDS = {
    ("status", "--check"): 3,
    ("status", "--no-check"): 1,
    ("sync", "--no-wait"): 4,
}


def run(command, flag, bases, workers, latency):
    proxy = fakeoio.Proxy(latency=latency)
    refs = ["C%05d" % i for i in range(bases)]
    argv = [
        "election",
        command,
        "meta2",
        *refs,
        "--oio-account",
        "acct",
        flag,
        "--workers",
        str(workers),
        "-f",
        "value",
    ]
    started, cpu = time.perf_counter(), time.process_time()
    code, out, err = fakeoio.run(argv, proxy=proxy)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    assert code == 0, err
    assert out.count("\n") == 3 * bases
    return elapsed, proxy.max_in_flight, proxy.busy, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.01)
    parser.add_argument("--bases", type=int, nargs="+", default=[1, 100, 1000])
    args = parser.parse_args()
    print(
        "latency %.1f ms per request; default workers %d"
        % (args.latency * 1000, DEFAULT_WORKERS)
    )
    header = (
        "command",
        "bases",
        "workers",
        "seconds",
        "bases/s",
        "ideal/s",
        "in flight",
        "over ideal",
    )
    print("%-22s %6s %7s %9s %10s %10s %9s %11s" % header)
    for (command, flag), rounds in ROUNDS.items():
        for bases in args.bases:
            for workers in (1, DEFAULT_WORKERS):
                if workers > 1 and bases == 1:
                    continue
                elapsed, in_flight, _, _ = run(
                    command, flag, bases, workers, args.latency
                )
                ideal_s = -(-bases // workers) * rounds * args.latency
                # what the plugin adds per base on top of the latency bound
                over = (elapsed - ideal_s) / bases * 1000
                row = (
                    command + " " + flag,
                    bases,
                    workers,
                    elapsed,
                    bases / elapsed,
                    bases / ideal_s,
                    in_flight,
                    over,
                )
                print("%-22s %6d %7d %9.3f %10.1f %10.1f %9d %8.3f ms" % row)
    print("\nno latency, 1000 bases, --workers 1: milliseconds per base")
    print(
        "(wall: elapsed time; cpu: CPU time of all threads; the fake "
        "proxy's own work is subtracted from both)"
    )
    print(
        "%-22s %9s %9s %11s %11s"
        % ("command", "wall", "fake", "plugin wall", "plugin cpu")
    )
    for command, flag in ROUNDS:
        elapsed, _, fake, cpu = run(command, flag, 1000, 1, 0.0)
        print(
            "%-22s %9.3f %9.3f %11.3f %11.3f"
            % (command + " " + flag, elapsed, fake, elapsed - fake, cpu - fake)
        )


if __name__ == "__main__":
    main()
