"""Bulk writes within limits: a cap on the bases changed, a rate, a stop
after failures, and a question before writing to several bases."""

import io
import re
import time

import fakeoio
from cli import (
    ACCOUNT,
    damaged_slave,
    election,
    writes,
    heals_on_sync,
)

REFS = ["B%d" % i for i in range(4)]


class Terminal(io.StringIO):
    """A stdin that is a terminal, with the operator's answer typed."""

    def isatty(self):
        return True


def healed(proxy):
    return heals_on_sync(proxy)


def test_a_bulk_write_needs_yes_where_nothing_can_ask():
    proxy = damaged_slave()
    code, _, err = election("repair meta2", *REFS, *ACCOUNT, proxy=proxy)
    assert code == 2 and "pass --yes" in err
    assert proxy.calls == []


def test_one_base_is_not_a_bulk_write():
    code, _, _ = election(
        "repair meta2 FVE0", *ACCOUNT, proxy=healed(damaged_slave())
    )
    assert code == 0


def test_at_a_terminal_the_operator_is_asked_first():
    proxy = healed(damaged_slave())
    code, _, err = election(
        "sync meta2 --max-changes 9",
        *REFS,
        *ACCOUNT,
        proxy=proxy,
        stdin=Terminal("n\n"),
    )
    assert code == 6 and "not confirmed: nothing was changed" in err
    assert (
        "This will resync every slave of 4 base(s) from its master "
        "(--max-changes 9). Continue? [y/N]" in err
    )
    assert proxy.calls == []


def test_a_yes_at_the_terminal_goes_on():
    proxy = fakeoio.Proxy()
    code, _, err = election(
        "sync meta2 A B --no-wait",
        *ACCOUNT,
        proxy=proxy,
        stdin=Terminal("y\n"),
    )
    assert code == 0 and "Continue? [y/N]" in err
    assert len(proxy.called("sync")) == 2


def test_max_changes_stops_the_run_and_says_where():
    proxy = healed(damaged_slave())
    code, out, err = election(
        "repair meta2 --yes --workers 1 --max-changes 1 -f value "
        "-c Reference",
        *REFS,
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 5
    assert writes(proxy).count("backup") == 1  # one base changed, no more
    assert "stopped: --max-changes 1 reached: 1 base(s) changed" in err
    assert set(out.split()) == {"B0"}  # the others not started


def test_max_failures_stops_starting_bases():
    proxy = fakeoio.Proxy(
        sync={p: fakeoio.peer_reply(500, "boom") for p in fakeoio.PEERS}
    )
    code, _, err = election(
        "sync meta2 --yes --no-wait --workers 1 --max-failures 2",
        *REFS,
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 5 and len(proxy.called("sync")) == 2
    assert "stopped: --max-failures 2 reached: 2 base(s) failed" in err


def test_rate_spaces_the_writes():
    proxy = fakeoio.Proxy()
    started = time.monotonic()
    code, _, _ = election(
        "sync meta2 --yes --no-wait --rate 4", *REFS, *ACCOUNT, proxy=proxy
    )
    assert code == 0 and len(proxy.called("sync")) == 4
    assert time.monotonic() - started >= 0.75  # 4 bases at 4 a second


def test_limits_are_checked_as_arguments():
    code, _, err = election("sync meta2 A B --yes --max-changes 0", *ACCOUNT)
    assert code == 2 and "--max-changes takes a whole number" in err


def test_a_base_past_the_cap_is_held_back_with_nothing_sent():
    proxy = healed(damaged_slave(latency=0.01))
    code, _, err = election(
        "repair meta2 A B --yes --workers 2 --max-changes 1",
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 5
    assert writes(proxy).count("backup") == 1
    assert re.search(
        r"meta2 [AB]: not changed: --max-changes 1 reached \(nothing was "
        r"sent to it\)",
        err,
    )


def test_the_default_repair_table_fits_120_columns():
    code, out, _ = election(
        "repair meta2 FVE0",
        *ACCOUNT,
        proxy=healed(damaged_slave()),
    )
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 120


def test_a_cap_reached_by_the_last_base_is_no_stop():
    proxy = fakeoio.Proxy()
    code, _, err = election(
        "sync meta2 A B --yes --no-wait --max-changes 2", *ACCOUNT, proxy=proxy
    )
    assert code == 0 and len(proxy.called("sync")) == 2
    assert "stopped" not in err
    assert err.strip().endswith("nothing verified (--no-wait)")


def test_a_rate_too_slow_to_mean_anything_is_a_usage_error():
    code, _, err = election("sync meta2 A B --yes --rate 1e-320", *ACCOUNT)
    assert code == 2 and "--rate takes a number of bases a second" in err
