"""What importing the plugin costs on top of cliff, as ``openio`` pays it on
every ``openio election ...`` call (stevedore imports every entry point of
the group). Uses ``python -X importtime``; prints the median of several runs.

    python benchmarks/import_cost.py [--runs 15]
"""

import argparse
import re
import statistics
import subprocess
import sys

# what an oio shell has imported before it loads the openio.election group
CLIFF = "import cliff.app, cliff.commandmanager, cliff.lister, cliff.hooks"
# what loading the group imports of the plugin (stevedore imports every
# entry point of openio.election, then cliff builds the command's hooks)
PLUGIN = "import oio_election_sync.election, oio_election_sync.takeover"
LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def cumulative(code, names):
    """Sum of the cumulative microseconds of the top-level imports in names."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    total, modules = 0, 0
    for match in LINE.finditer(done.stderr):
        _self, cumul, indent, name = match.groups()
        modules += 1
        if len(indent) == 1 and name.split(".")[0] in names:
            total += int(cumul)
    return total, modules


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cliff_us, plugin_us, cliff_mods, plugin_mods = [], [], 0, 0
    for _ in range(args.runs):
        us, cliff_mods = cumulative(CLIFF, {"cliff", "stevedore"})
        cliff_us.append(us)
        us, total_mods = cumulative(
            CLIFF + "; " + PLUGIN, {"oio_election_sync"}
        )
        plugin_mods = total_mods - cliff_mods
        plugin_us.append(us)
    print(
        "cliff:             %6.1f ms (%d modules)"
        % (statistics.median(cliff_us) / 1000, cliff_mods)
    )
    print(
        "plugin over cliff: %6.1f ms (%d more modules)"
        % (statistics.median(plugin_us) / 1000, plugin_mods)
    )


if __name__ == "__main__":
    main()
