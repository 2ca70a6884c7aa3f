"""The README's promises that code can check."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(*path):
    with open(os.path.join(ROOT, *path)) as stream:
        return stream.read()


def test_ci_runs_the_readme_test_command():
    lines = read(".ci", "run").strip().splitlines()
    command = [line for line in lines if not line.startswith("#")][2]
    assert command.startswith("python3 -m venv .venv &&")
    assert ("    " + command + "\n") in read("README.rst")


def test_readme_exit_codes_match_the_code():
    from oio_election_sync import exitcodes as P

    table = read("README.rst").split("Exit codes\n")[1]
    for code in (
        P.EXIT_OK,
        P.EXIT_UNHEALTHY,
        P.EXIT_DIVERGED,
        P.EXIT_SYNC_FAILED,
        P.EXIT_REFUSED,
        P.EXIT_ERROR,
        P.EXIT_INTERRUPTED,
    ):
        assert "\n%-4d " % code in table
