"""``openio election status`` as an operator runs it: through a cliff shell
built like oio's, which finds the command by entry point; recorded replies
behind a fake admin client."""

import time

import pytest

import fakeoio
from cli import (
    ACCOUNT,
    CID,
    M1,
    S2,
    S3,
    assert_one_line_error,
    column,
    damaged_master,
    damaged_slave,
    election,
    rows,
)
from fakeoio import Proxy, peer_reply


def test_healthy_table_and_verdict():
    code, out, err = election("status meta2 FVE0 --oio-account myaccount")
    assert code == 0
    assert out.splitlines()[1].split("|")[1:-1] == [
        " Id             ",
        " Status ",
        " Message        ",
        " Role   ",
        " Copy ",
    ]
    assert (
        "| 127.0.0.1:6006 |    303 | 127.0.0.1:6005 | slave  | ok   |" in out
    )
    assert err == "meta2 FVE0: healthy, master 127.0.0.1:6005\n"


def test_json_keeps_the_builtin_keys_first():
    code, out, _ = election("status meta2 FVE0 -f json", *ACCOUNT)
    assert code == 0
    assert list(rows(out)[0]) == ["Id", "Status", "Message", "Role", "Copy"]
    assert [(r["Id"], r["Status"], r["Role"]) for r in rows(out)] == [
        (M1, 200, "master"),
        (S2, 303, "slave"),
        (S3, 303, "slave"),
    ]


def test_value_and_columns():
    code, out, _ = election(
        "status meta2 FVE0 -f value -c Id -c Role", *ACCOUNT
    )
    assert (code, out) == (0, "%s master\n%s slave\n%s slave\n" % (M1, S2, S3))


def test_the_copy_check_reads_without_waking_the_election():
    """has first, then each peer's own file (local=1), then the election."""
    proxy = Proxy()
    election("status meta2 FVE0", *ACCOUNT, proxy=proxy)
    actions = [c[0] for c in proxy.calls]
    assert actions[0] == "has" and actions[-1] == "status"
    reads = proxy.called("properties")
    assert sorted(c[1]["service_id"] for c in reads) == list(fakeoio.PEERS)
    assert all(c[1].get("local") == 1 for c in reads)


def test_no_check_asks_has_then_the_election_and_says_so():
    proxy = Proxy()
    code, out, err = election(
        "status meta2 FVE0 --no-check -f json", *ACCOUNT, proxy=proxy
    )
    assert list(rows(out)[0]) == ["Id", "Status", "Message", "Role"]
    assert [c[0] for c in proxy.calls] == ["has", "status"]
    assert code == 0 and "copies not checked (--no-check)" in err


def test_no_check_never_creates_a_base_no_peer_holds():
    """Every peer answers 431 to has (a meta1 prefix no reference uses):
    a status would make them create it; it is not sent."""
    has = {p: peer_reply(431, "Base not found") for p in fakeoio.PEERS}
    proxy = Proxy(has=has)
    code, out, err = election(
        "status meta2 FVE0 --no-check -f json", *ACCOUNT, proxy=proxy
    )
    assert [c[0] for c in proxy.calls] == ["has"]
    assert "no peer holds a copy of this base; election not asked" in err


def test_peer_down_is_unhealthy():
    proxy = Proxy(status="status-peer-down")
    code, out, err = election(
        "status meta2 FVE0 -f json", *ACCOUNT, proxy=proxy
    )
    down = rows(out)[2]
    assert code == 3
    assert (down["Role"], down["Status"]) == ("down", 8)
    assert err.startswith("meta2 FVE0: UNHEALTHY: 127.0.0.1:6007 down (8 ")


def test_exit_zero_keeps_the_old_exit_code_for_verdicts():
    proxy = Proxy(status="status-peer-down")
    code, _, err = election(
        "status meta2 FVE0 --exit-zero", *ACCOUNT, proxy=proxy
    )
    assert code == 0 and "UNHEALTHY" in err


def test_sees_the_damage_the_election_cannot_see():
    code, out, err = election(
        "status meta2 FVE0 -f json", *ACCOUNT, proxy=damaged_slave()
    )
    assert code == 4
    assert column(out, "Copy") == {
        M1: "ok",
        S2: "missing sys.m2.ctime",
        S3: "ok",
    }
    assert "127.0.0.1:6006 copy: missing sys.m2.ctime" in err


def test_a_missing_copy_is_reported_even_if_the_election_recreates_it():
    """The status request makes the slave re-create its copy (fixtures
    missing-copy-*): has, asked first, saw it gone."""
    proxy = Proxy(has="missing-copy-has-before", missing={S3})
    code, out, err = election(
        "status meta2 FVE0 -f json", *ACCOUNT, proxy=proxy
    )
    assert code == 4
    assert column(out, "Copy")[S3] == (
        "missing copy; re-created by the election during this check"
    )
    assert "127.0.0.1:6007 copy: missing copy" in err
    assert S3 not in [c[1]["service_id"] for c in proxy.called("properties")]


def test_a_missing_copy_that_stays_missing():
    proxy = Proxy(status="missing-copy-status", has="missing-copy-has")
    code, out, _ = election("status meta2 FVE0 -f json", *ACCOUNT, proxy=proxy)
    assert code == 4
    assert column(out, "Copy")[S3] == "missing copy"


def test_the_master_that_lost_rows_is_named_not_the_slaves():
    code, out, err = election(
        "status meta2 FVE0 -f json", *ACCOUNT, proxy=damaged_master()
    )
    assert code == 4
    copies = column(out, "Copy")
    assert (
        copies[S2] == "missing sys.m2.ctime (the slaves agree with each other)"
    )
    assert copies[M1] == copies[S3] == "ok"
    assert "master 127.0.0.1:6006 is the odd one out" in err
    assert "extra" not in err


def test_no_two_copies_agree():
    tables = {
        M1: "get_properties-healthy-6005",
        S2: "get_properties-damaged-6006",  # lost sys.m2.ctime
        S3: {
            "system": {"sys.name": "x", "sys.type": "meta2"},
            "properties": {},
        },
    }
    code, out, err = election(
        "status meta2 FVE0 -f json", *ACCOUNT, proxy=Proxy(tables=tables)
    )
    assert code == 4 and "no two copies agree" in err
    assert column(out, "Copy")[S3].startswith("no two copies agree")


def test_an_unreadable_copy_is_a_failed_request_not_a_divergence():
    proxy = Proxy()
    proxy.tables[S2] = fakeoio.connection_refused()
    code, out, err = election(
        "status meta2 FVE0 --exit-zero -f json", *ACCOUNT, proxy=proxy
    )
    assert code == 7  # --exit-zero does not hide it
    assert column(out, "Copy")[S2].startswith(
        "not read: cannot reach oio-proxy"
    )
    assert "127.0.0.1:6006 copy: not read" in err


def test_a_present_copy_that_reads_empty_twice_is_corrupt():
    # the real namespace's garbled header (notadb-*): has says present,
    # every local read answers an empty table
    proxy = Proxy()
    proxy.tables[S2] = fakeoio.EMPTY_TABLE
    code, out, err = election(
        "status meta2 FVE0 -f json", *ACCOUNT, proxy=proxy
    )
    assert code == 4, err
    assert column(out, "Copy")[S2] == (
        "corrupt: present, but its admin table cannot be read"
    )
    assert "retry" not in err


def meta1_proxy():
    """One meta1; its base of reference FVE0 is named 6900."""

    def table(params):
        if params.get("cid") == "6900":
            return "meta1-get_properties-local-by-cid-6004"
        return "meta1-get_properties-local-by-reference-6004"  # empty

    return Proxy(
        status="meta1-status-by-reference",
        has="meta1-has-by-reference",
        debug="meta1-debug-by-reference",
        tables={"127.0.0.1:6004": table},
    )


def test_meta1_by_reference_reads_the_base_under_its_own_name():
    proxy = meta1_proxy()
    code, out, err = election(
        "status meta1 FVE0 -f value -c Id -c Role -c Copy",
        *ACCOUNT,
        proxy=proxy,
    )
    assert (code, out) == (0, "127.0.0.1:6004 master ok\n"), err
    assert proxy.called("properties")[0][1]["cid"] == "6900"


def test_meta1_by_cid_after_the_positionals():
    proxy = meta1_proxy()
    code, out, _ = election(
        "status meta1 --cid 69 -f value -c Id -c Copy", proxy=proxy
    )
    assert (code, out) == (0, "127.0.0.1:6004 ok\n")
    assert proxy.called("status")[0][1]["cid"] == "69"


def test_meta0():
    has = {"127.0.0.1:6003": peer_reply(200, body="/d/meta0-1/OPENIO.meta0:1")}
    proxy = Proxy(
        status="meta0-status",
        has=has,
        tables={"127.0.0.1:6003": "meta0-get_properties-6003"},
    )
    code, out, _ = election(
        "status meta0 FVE0 -f value -c Copy", *ACCOUNT, proxy=proxy
    )
    assert (code, out) == (0, "ok\n")


def test_by_cid_sends_only_the_cid():
    proxy = Proxy(status="status-by-cid")
    code, _, _ = election("status meta2 --cid", CID.lower(), proxy=proxy)
    assert code == 0
    params = proxy.called("status")[0][1]
    assert params["cid"] == CID and "acct" not in params


def test_service_id_asks_only_that_peer():
    proxy = Proxy(status="status-one-service")
    code, out, err = election(
        "status meta2 FVE0 --no-check --service-id 127.0.0.1:6006 "
        "-f value -c Id",
        *ACCOUNT,
        proxy=proxy,
    )
    assert out == "127.0.0.1:6006\n"
    assert proxy.called("status")[0][1]["service_id"] == S2
    # the master is out of view: the one the slave names
    assert code == 0 and "healthy, master 127.0.0.1:6005" in err


def test_service_id_compares_with_the_master_not_asked():
    proxy = damaged_slave()
    code, out, _ = election(
        "status meta2 FVE0 --service-id 127.0.0.1:6006 -f value -c Id -c Copy",
        *ACCOUNT,
        proxy=proxy,
    )
    assert (code, out) == (4, "127.0.0.1:6006 missing sys.m2.ctime\n")
    asked = {c[1]["service_id"] for c in proxy.called("properties")}
    assert asked == {M1, S2, S3}  # the evidence is the whole base


def test_request_ids_and_proxy_deadline_headers():
    proxy = Proxy()
    election(
        "status meta2 FVE0 --request-id OPS-42 --timeout 10",
        *ACCOUNT,
        proxy=proxy,
        modern=False,
    )
    headers = [c[2]["headers"] for c in proxy.calls]
    ids = [h["x-oio-req-id"] for h in headers]
    assert ids[0] == "OPS-42-0" and len(set(ids)) == len(ids)
    # has, the first of three steps, gets a third of the budget; the whole
    # request half of it (the rest for asking each peer on its own)
    assert proxy.calls[0][2]["timeout"] == pytest.approx(10 / 3 / 2, rel=0.01)
    assert int(headers[0]["x-oio-timeout"]) == pytest.approx(
        10 / 3 / 2 * 0.9 * 1e6, rel=0.01
    )


def test_request_id_generated_when_none_is_given():
    proxy = Proxy()
    election("status meta2 FVE0 --no-check", *ACCOUNT, proxy=proxy)
    reqid = proxy.calls[0][2]["headers"]["x-oio-req-id"]
    assert reqid.startswith("CLI-election-has-0-") and len(reqid) <= 63


@pytest.mark.parametrize("command", ["status", "debug"])
def test_frozen_peer_gives_a_timeout_row_within_the_budget(command):
    proxy = Proxy()
    proxy.frozen = {S3}
    started = time.monotonic()
    code, out, err = election(
        command + " meta2 FVE0 -f json -t 1", *ACCOUNT, proxy=proxy
    )
    elapsed = time.monotonic() - started
    assert out, err
    found = {r["Id"]: r for r in rows(out)}
    assert found[S3]["Role"] == "timeout"
    assert found[S3]["Message"] == "no answer within --timeout 1s"
    assert found[M1]["Role"] == "master"
    assert elapsed < 1.0 + 0.3
    assert code == 3 and "Traceback" not in err


def test_a_frozen_proxy_for_every_peer_is_one_line():
    proxy = Proxy()
    proxy.frozen = set(fakeoio.PEERS)
    assert_one_line_error(
        *election("status meta2 FVE0 -t 1", *ACCOUNT, proxy=proxy),
        7,
        "did not answer has meta2 FVE0 within 1s for any peer",
    )


def test_a_malformed_status_is_one_line():
    proxy = Proxy(status=lambda params: ["x"])
    assert_one_line_error(
        *election("status meta2 FVE0", *ACCOUNT, proxy=proxy),
        7,
        "malformed reply from oio-proxy to status meta2 FVE0",
    )


def test_status_of_a_healthy_fixture_set_from_the_second_recording():
    tables = {
        p: "local-healthy-get_properties-%s" % p[-4:] for p in fakeoio.PEERS
    }
    proxy = Proxy(
        status="local-healthy-status", has="local-healthy-has", tables=tables
    )
    code, _, err = election("status meta2 FVE0", *ACCOUNT, proxy=proxy)
    assert code == 0 and "healthy, master 127.0.0.1:6006" in err


class Dripping(Proxy):
    """A proxy that answers long after the client's own timeout (a slow
    drip of bytes defeats urllib3's read timeout)."""

    def answer(self, action, params, kwargs):
        time.sleep(2.5)
        return super().answer(action, params, kwargs)


def test_a_client_that_ignores_its_timeout_cannot_hold_the_run():
    proxy = Dripping()
    started = time.monotonic()
    code, out, err = election("debug meta2 FVE0 -t 0.5", *ACCOUNT, proxy=proxy)
    assert time.monotonic() - started < 0.5 + 1.5
    assert_one_line_error(code, out, err, 7, "no answer within 0.5s")


def test_copies_first_on_one_healthy_base_says_the_election_was_not_asked():
    proxy = Proxy()
    code, out, err = election(
        "status meta2 FVE0 --copies-first", *ACCOUNT, proxy=proxy
    )
    assert code == 0 and proxy.called("status") == []
    assert err == (
        "meta2 FVE0: every copy present and equal; election not asked "
        "(--copies-first)\n"
    )


def test_a_meta1_prefix_no_reference_uses_yet_is_no_damage():
    has = {"127.0.0.1:6004": fakeoio.HAS_MISSING}
    proxy = Proxy(status="meta1-status-by-cid", has=has)
    code, out, err = election(
        "status meta1 --cid 0100 -f value -c Copy", proxy=proxy
    )
    assert code == 0, err
    assert out == "no base yet (made with the first reference of its prefix)\n"


def test_copies_first_wakes_no_election_for_a_prefix_without_base():
    proxy = Proxy(has={"127.0.0.1:6004": fakeoio.HAS_MISSING})
    code, _, err = election(
        "status meta1 --cid 0100 --copies-first", proxy=proxy
    )
    assert code == 0 and proxy.called("status") == []


def test_one_word_per_exit_code_on_stderr_in_the_verdict_and_totals():
    proxy = damaged_slave()
    code, out, err = election(
        "status meta2 FVE0 OTHER -f value -c Reference -c Verdict",
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 4
    assert set(out.split()[1::2]) == {"diverged"}
    assert "meta2 FVE0: DIVERGED: 127.0.0.1:6006 copy: missing" in err
    assert "2 base(s): 2 diverged" in err
