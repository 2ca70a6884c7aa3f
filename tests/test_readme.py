"""The README's promises that code can check."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(*path):
    with open(os.path.join(ROOT, *path)) as stream:
        return stream.read()


def test_ci_runs_the_readme_test_command():
    readme = read("README.rst")
    command = readme.split("Run the test suite (no oio needed)::\n\n")[1]
    command = command.splitlines()[0].strip()
    assert command.startswith("python3 -m venv .venv &&")
    assert "\n  %s\n" % command in read(".ci", "run")


def test_readme_exit_codes_match_the_code():
    """README's table lists the codes of exitcodes.TABLE, in its order."""
    from oio_election_sync import exitcodes

    table = read("README.rst").split("Exit codes\n")[1].split("\n\n")[1]
    codes = [
        int(line.split()[0])
        for line in table.splitlines()
        if line[:1].isdigit()
    ]
    assert codes == [code for code, _ in exitcodes.TABLE]


def test_help_shows_the_exit_code_table():
    import fakeoio

    _, out, _ = fakeoio.run(["election", "status", "--help"])
    from oio_election_sync import exitcodes

    for code, meaning in exitcodes.TABLE:
        assert "  %-4d %s" % (code, meaning.split()[0]) in out
