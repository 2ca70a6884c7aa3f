"""Every base of one service, against a fake admin client whose every
request takes ``--latency`` seconds and a fake rdir listing (pages of 1000):
time, throughput next to the ideal (bound by the latency of the requests in
sequence, and by the connections of the pool), peak memory, and requests
per base (how many wake an election), per mode. About 6 minutes.

    python benchmarks/service.py [--latency 0.01] [--bases 1000 100000]

Each run is a process of its own, so that its peak RSS
(resource.getrusage) is its own; rows go to /dev/null (-f value).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

# requests in sequence per base (parallel ones count once), and the
# requests that wake an election (DB_STATUS); --no-check asks has first
MODES = {"no-check": 2, "copies-first": 2, "check": 3}


def child(bases, latency, mode):
    import fakeoio
    from oio_election_sync.arguments import DEFAULT_WORKERS

    proxy = fakeoio.Proxy(latency=latency, record=False)
    manager = fakeoio.ClientManager(proxy, rdir=fakeoio.GeneratedRdir(bases))
    argv = [
        "election",
        "status",
        "meta2",
        "--from-service",
        "127.0.0.1:6005",
        "--" + mode,
        "-f",
        "value",
        "-q",
    ]
    with open(os.devnull, "w") as sink:
        started = time.perf_counter()
        code, _, err = fakeoio.run(argv, client_manager=manager, stdout=sink)
        elapsed = time.perf_counter() - started
    assert code == 0, err
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    pool = manager.admin.pool_manager.connection_pool_kw["maxsize"]
    print(
        json.dumps(
            {
                "elapsed": elapsed,
                "rss_mb": rss,
                "counts": dict(proxy.counts),
                "workers": DEFAULT_WORKERS,
                "pool": pool,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.01)
    parser.add_argument("--bases", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--modes", nargs="+", default=list(MODES))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        bases, latency, mode = args.child
        return child(int(bases), float(latency), mode)
    print("latency %.1f ms per request" % (args.latency * 1000))
    header = (
        "mode",
        "bases",
        "seconds",
        "bases/s",
        "ideal/s",
        "of ideal",
        "peak RSS",
        "requests/base",
        "elections/base",
    )
    print("%-15s %7s %8s %9s %9s %8s %9s %13s %14s" % header)
    for mode in args.modes:
        rounds = MODES[mode]
        for bases in args.bases:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(bases),
                    str(args.latency),
                    mode,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            got = json.loads(done.stdout)
            counts = got["counts"]
            # bound by the latency of the requests in sequence, and by the
            # connection pool every request goes through
            ideal = max(
                -(-bases // got["workers"]) * rounds * args.latency,
                sum(counts.values()) / got["pool"] * args.latency,
            )
            print(
                "%-15s %7d %8.2f %9.0f %9.0f %7.0f%% %6.1f MB %13.2f %14.2f"
                % (
                    mode,
                    bases,
                    got["elapsed"],
                    bases / got["elapsed"],
                    bases / ideal,
                    100 * ideal / got["elapsed"],
                    got["rss_mb"],
                    sum(counts.values()) / bases,
                    counts.get("status", 0) / bases,
                )
            )


if __name__ == "__main__":
    main()
