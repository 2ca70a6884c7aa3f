"""The ``election_check`` crawler filter over generated meta2 base files:
bases checked per second on one core, for the local check alone (what every
host does), and for the comparison with the peers through a fake proxy
(what the first peer of each base does), at a given latency.

    python benchmarks/crawler.py [--bases 10000] [--latency 0 0.001]
"""

import argparse
import logging
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import fakeoio  # noqa: E402
from test_crawler import Api, Next, make_base  # noqa: E402

from oio_election_sync import crawler  # noqa: E402


def run(paths, volume_id, latency=0.0):
    proxy = fakeoio.Proxy(latency=latency, record=False)
    app_env = {
        "api": Api(proxy),
        "volume_id": volume_id,
        "logger": logging.getLogger("bench"),
    }
    check = crawler.filter_factory({})(Next(app_env))
    started, cpu = time.perf_counter(), time.process_time()
    for cid, path in paths:
        env = {"path": path, "cid": cid, "seq": 1, "suffix": None}
        check(env, lambda status, body: None)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    stats = check.get_stats()["ElectionCheck"]
    assert stats["ok"] == len(paths), stats
    return elapsed, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", type=int, default=10000)
    parser.add_argument(
        "--latency", type=float, nargs="+", default=[0.0, 0.001]
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as volume:
        started = time.perf_counter()
        paths = []
        for i in range(args.bases):
            cid = "%064X" % i
            paths.append((cid, make_base(volume, cid=cid)))
        print(
            "%d base files made in %.1f s"
            % (args.bases, time.perf_counter() - started)
        )
        print("%-34s %9s %9s %10s" % ("check", "seconds", "cpu", "bases/s"))
        elapsed, cpu = run(paths, fakeoio.S2)
        print(
            "%-34s %9.2f %9.2f %10.0f"
            % ("local (no network)", elapsed, cpu, args.bases / elapsed)
        )
        some = paths[: max(1, args.bases // 10)]
        for latency in args.latency:
            elapsed, cpu = run(some, fakeoio.M1, latency)
            print(
                "%-34s %9.2f %9.2f %10.0f"
                % (
                    "compared, %g ms per request" % (latency * 1000),
                    elapsed,
                    cpu,
                    len(some) / elapsed,
                )
            )


if __name__ == "__main__":
    main()
