"""The commands' parsers, built directly (osc-placement style): defaults an
operator relies on, and the built-in's argument names."""

import argparse

import fakeoio
from oio_election_sync import election


def parser(klass, modern=True):
    shell = fakeoio.Shell(
        fakeoio.ClientManager(fakeoio.Proxy()), modern=modern
    )
    shell.options = argparse.Namespace(
        timeout=30.0 if modern else None, debug=False, verbose_level=1
    )
    if not modern:
        del shell.options.timeout
    command = klass(shell, None, cmd_name="election x")
    return command.get_parser("openio election x")


def test_sync_defaults_protect_the_data():
    args = parser(election.ElectionSync).parse_args(["meta2", "FVE0"])
    assert (args.check_type, args.wait, args.force, args.dry_run) == (
        2,
        True,
        False,
        False,
    )
    assert (args.service_type, args.reference, args.is_cid) == (
        "meta2",
        ["FVE0"],
        False,
    )


def test_builtin_argument_names_still_work():
    args = parser(election.ElectionSync).parse_args(
        [
            "meta2",
            "ID",
            "--cid",
            "--service-id",
            "a",
            "--service-id",
            "b",
            "--check-type",
            "-1",
        ]
    )
    assert (args.is_cid, args.service_id, args.check_type) == (
        True,
        ["a", "b"],
        "-1",
    )
    args = parser(election.ElectionDebug).parse_args(
        ["meta2", "FVE0", "--human"]
    )
    assert (args.reference, args.human) == (["FVE0"], True)


def test_status_checks_copies_by_default():
    status = parser(election.ElectionStatus)
    assert status.parse_args(["meta2", "A"]).check is True
    assert status.parse_args(["meta2", "A", "--no-check"]).check is False
    assert status.parse_args(["meta2", "A", "B"]).reference == ["A", "B"]


def test_options_before_between_and_after_the_positionals():
    """As oio's built-in accepts them: ``status meta2 --cid CID``."""
    status = parser(election.ElectionStatus)
    for argv in (
        ["meta2", "--cid", "ID"],
        ["--cid", "meta2", "ID"],
        ["meta2", "ID", "--cid"],
    ):
        args = status.parse_args(argv)
        assert (args.service_type, args.reference, args.is_cid) == (
            "meta2",
            ["ID"],
            True,
        )
    args = status.parse_args(["meta2", "A", "-f", "json", "B", "--no-check"])
    assert (args.reference, args.formatter, args.check) == (
        ["A", "B"],
        "json",
        False,
    )


def test_a_parse_error_is_kept_for_a_one_line_exit_2():
    args = parser(election.ElectionStatus).parse_args(["meta2", "--bogus"])
    assert args.argument_error == "unrecognized arguments: --bogus"


def test_timeout_only_on_shells_without_a_global_one():
    old = parser(election.ElectionStatus, modern=False)
    assert old.parse_args(["meta2", "A", "--timeout", "2.5"]).timeout == "2.5"
    assert not hasattr(
        parser(election.ElectionStatus).parse_args(["meta2", "A"]), "timeout"
    )
