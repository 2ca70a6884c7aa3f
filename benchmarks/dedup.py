"""Memory the de-duplication of a long --from-file costs: bytes per
distinct base that the run keeps to ask each base once.

    python benchmarks/dedup.py [--lines 1000000]
"""

import argparse
import os
import sys
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from oio_election_sync.references import Resolver  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000000)
    args = parser.parse_args()
    resolver = Resolver("meta2", lambda: "myaccount", ())
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    produced = 0
    for i in range(args.lines):
        target = resolver.target("container-%09d" % i, False)
        produced += resolver.first_time(target)
    after = tracemalloc.take_snapshot()
    kept = sum(s.size_diff for s in after.compare_to(before, "filename"))
    tracemalloc.stop()
    assert produced == args.lines
    print(
        "%d distinct bases: %.1f MiB kept, %.0f bytes a base"
        % (args.lines, kept / 2**20, kept / args.lines)
    )


if __name__ == "__main__":
    main()
