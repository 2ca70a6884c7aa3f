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

    words = " ".join(out.split())  # the line is wrapped to the terminal
    for code, word in exitcodes.WORDS.items():
        assert "%d %s" % (code, word) in words


CLIFF_GROUPS = (
    "options:",
    "optional arguments:",  # argparse before Python 3.10
    "output formatters:",
    "CSV Formatter:",
    "json formatter:",
    "table formatter:",
    "shell formatter:",
    "yaml formatter:",
    "value formatter:",
)


def own_help(out):
    """--help without the groups cliff adds to every lister."""
    kept, skipping = [], False
    for line in out.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            skipping = line in CLIFF_GROUPS
        if not skipping:
            kept.append(line)
    return kept


def test_each_command_s_help_fits_one_screen(monkeypatch):
    import fakeoio

    monkeypatch.setenv("COLUMNS", "80")
    for command in ("status", "sync", "debug", "repair"):
        _, out, _ = fakeoio.run(["election", command, "--help"])
        own = own_help(out)
        assert len(own) <= 45, (command, len(own))
        text = "\n".join(own)
        # examples first, the exit codes last, options by what they do
        assert text.index("examples:") < text.index("which bases:")
        assert text.index("output:") < text.index("exit codes:")
        assert max(len(line) for line in own) <= 80


def test_readme_tables_fit_120_columns():
    widths = [
        len(line.strip())
        for line in read("README.rst").splitlines()
        if line.strip().startswith(("+-", "| "))
    ]
    assert widths and max(widths) <= 120
