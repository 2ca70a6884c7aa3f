"""The commands as an operator runs them: through a cliff shell built like
oio's, which finds them by entry point; fixtures behind a fake admin client."""

import csv
import io
import json
import time

import pytest

import fakeoio
from fakeoio import Proxy, fixture_body

ACCOUNT = ["--oio-account", "myaccount"]
CID = "697ECB056A5F9339B36C3B0A020B5AB17B4B0160FBEBEA203315EA1FC1B61605"


def election(*argv, proxy=None, **kwargs):
    """Run ``openio election ...``: one string (split on spaces), or words."""
    if len(argv) == 1:
        argv = argv[0].split()
    return fakeoio.run(["election"] + list(argv), proxy=proxy, **kwargs)


def as_json(out):
    return json.loads(out)


def assert_one_line_error(code, out, err, expected_code, *fragments):
    assert code == expected_code
    assert out == ""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err


# --- status ------------------------------------------------------------------


def test_status_healthy_table():
    code, out, err = election("status meta2 FVE0 --oio-account myaccount")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split("|")[1:-1] == [
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


def test_status_json_keeps_builtin_keys_first():
    code, out, _ = election(
        "status meta2 FVE0 --oio-account myaccount -f json",
    )
    rows = as_json(out)
    assert code == 0
    assert list(rows[0]) == ["Id", "Status", "Message", "Role", "Copy"]
    assert [(r["Id"], r["Status"], r["Role"]) for r in rows] == [
        ("127.0.0.1:6005", 200, "master"),
        ("127.0.0.1:6006", 303, "slave"),
        ("127.0.0.1:6007", 303, "slave"),
    ]


def test_status_value_and_columns():
    code, out, _ = election(
        "status meta2 FVE0 --oio-account myaccount -f value -c Id -c Role",
    )
    assert (code, out) == (
        0,
        "127.0.0.1:6005 master\n127.0.0.1:6006 slave\n127.0.0.1:6007 slave\n",
    )


def test_status_no_check_asks_only_the_election():
    proxy = Proxy()
    code, out, _ = election(
        "status meta2 FVE0 --oio-account myaccount --no-check -f json",
        proxy=proxy,
    )
    assert list(as_json(out)[0]) == ["Id", "Status", "Message", "Role"]
    assert [c[0] for c in proxy.calls] == ["status"]


def test_status_peer_down_is_unhealthy():
    proxy = Proxy(status="status-peer-down")
    code, out, err = election(
        "status meta2 FVE0 --oio-account myaccount -f json",
        proxy=proxy,
    )
    assert code == 3
    down = as_json(out)[2]
    assert (down["Role"], down["Status"], down["Copy"]) == ("down", 8, "")
    assert err.startswith("meta2 FVE0: UNHEALTHY: 127.0.0.1:6007 down (8 ")


def test_status_exit_zero_keeps_the_old_exit_code():
    proxy = Proxy(status="status-peer-down")
    code, _, err = election(
        "status meta2 FVE0 --oio-account myaccount --exit-zero",
        proxy=proxy,
    )
    assert code == 0 and "UNHEALTHY" in err


def damaged_proxy(**kwargs):
    tables = {
        "127.0.0.1:%d" % p: "get_properties-damaged-%d" % p
        for p in (6005, 6006, 6007)
    }
    return Proxy(
        status="status-damaged-admin-row",
        sync="sync-damaged-admin-row",
        debug="debug-damaged-admin-row",
        has="has-damaged-admin-row",
        tables=tables,
        **kwargs,
    )


def test_status_sees_the_damage_the_election_cannot_see():
    code, out, err = election(
        "status meta2 FVE0 --oio-account myaccount -f json",
        proxy=damaged_proxy(),
    )
    assert code == 4
    assert [r["Copy"] for r in as_json(out)] == [
        "ok",
        "missing sys.m2.ctime",
        "ok",
    ]
    assert "127.0.0.1:6006 copy: missing sys.m2.ctime" in err


def test_status_by_cid_sends_only_the_cid():
    proxy = Proxy(status="status-by-cid")
    code, _, _ = election("status", "meta2", CID.lower(), "--cid", proxy=proxy)
    assert code == 0
    params = proxy.calls[0][1]
    assert params["cid"] == CID and params["acct"] is None


def test_status_service_id_asks_only_that_peer():
    proxy = Proxy(status="status-one-service")
    code, out, err = election(
        "status meta2 FVE0 --oio-account myaccount --no-check --service-id "
        "127.0.0.1:6006 -f value -c Id",
        proxy=proxy,
    )
    assert out == "127.0.0.1:6006\n"
    assert proxy.calls[0][1]["service_id"] == "127.0.0.1:6006"
    # the master is out of view: the one the slave names
    assert code == 0 and "healthy, master 127.0.0.1:6005" in err


def test_status_service_id_compares_with_the_master_not_asked():
    proxy = damaged_proxy()
    code, out, _ = election(
        "status meta2 FVE0 --oio-account myaccount --service-id "
        "127.0.0.1:6006 -f value -c Id -c Copy",
        proxy=proxy,
    )
    assert (code, out) == (4, "127.0.0.1:6006 missing sys.m2.ctime\n")
    asked = [c[1]["service_id"] for c in proxy.calls if c[0] == "properties"]
    assert sorted(asked) == ["127.0.0.1:6005", "127.0.0.1:6006"]


def test_request_id_and_proxy_deadline_headers():
    proxy = Proxy()
    election(
        "status meta2 FVE0 --oio-account myaccount --request-id OPS-42 "
        "--timeout 10",
        proxy=proxy,
    )
    headers = [c[2]["headers"] for c in proxy.calls]
    assert [h["x-oio-req-id"] for h in headers[:2]] == ["OPS-42-0", "OPS-42-1"]
    # the whole request gets half the budget, 90 % of it as proxy deadline
    assert headers[0]["x-oio-timeout"] == "4500000"
    assert proxy.calls[0][2]["timeout"] == 5.0


def test_request_id_generated_when_the_shell_has_none():
    proxy = Proxy()
    shell = fakeoio.Shell
    original = shell.request_id
    try:
        del shell.request_id
        election(
            "status meta2 FVE0 --oio-account myaccount --no-check",
            proxy=proxy,
        )
    finally:
        shell.request_id = original
    reqid = proxy.calls[0][2]["headers"]["x-oio-req-id"]
    assert reqid.startswith("CLI-election-status-0-") and len(reqid) <= 63


# --- a frozen peer -----------------------------------------------------------


@pytest.mark.parametrize(
    "command,phases", [("status", 1), ("debug", 1), ("sync", 2)]
)
def test_frozen_peer_gives_a_timeout_row_within_the_budget(command, phases):
    """Each phase (sync: pre-flight, then trigger) stays within --timeout."""
    proxy = Proxy()
    proxy.frozen = {"127.0.0.1:6007"}
    extra = ["--no-wait", "--force"] if command == "sync" else []
    started = time.monotonic()
    code, out, err = election(
        command,
        "meta2",
        "FVE0",
        *ACCOUNT,
        "-f",
        "json",
        "--timeout",
        "1",
        *extra,
        proxy=proxy,
    )
    elapsed = time.monotonic() - started
    rows = {r["Id"]: r for r in as_json(out)}
    assert rows["127.0.0.1:6007"]["Role"] == "timeout"
    assert rows["127.0.0.1:6007"]["Message"] == "no answer within --timeout 1s"
    assert rows["127.0.0.1:6005"]["Role"] == "master"
    assert elapsed < phases * 1.0 + 0.3
    assert code != 0 and "Traceback" not in err


# --- errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture_name,fragments",
    [
        (
            "error-unknown-container",
            [
                "container 'FVE0' not found in account 'myaccount'",
                "Directory error: no such user",
                "--oio-account",
            ],
        ),
        (
            "error-unknown-type",
            ["no 'meta2' service holds 'FVE0'", "check the service type"],
        ),
    ],
)
def test_whole_request_not_found(fixture_name, fragments):
    proxy = Proxy(status=fakeoio.error_from_fixture(fixture_name))
    assert_one_line_error(
        *election("status meta2 FVE0 --oio-account myaccount", proxy=proxy),
        7,
        *fragments,
    )


def test_unknown_account():
    proxy = Proxy(status=fakeoio.error_from_fixture("error-unknown-account"))
    assert_one_line_error(
        *election("status meta2 FVE0 --oio-account nobody", proxy=proxy),
        7,
        "in account 'nobody'",
    )


def test_unknown_cid():
    proxy = Proxy(status=fakeoio.error_from_fixture("error-unknown-container"))
    assert_one_line_error(
        *election("status", "meta2", CID, "--cid", proxy=proxy),
        7,
        "no meta2 base with CID",
    )


@pytest.mark.parametrize(
    "exc,fragments",
    [
        (
            fakeoio.connection_refused(),
            [
                "cannot reach oio-proxy at 127.0.0.1:6000 "
                "(connection refused)",
                "OIO_PROXYD_URL",
            ],
        ),
        (
            fakeoio.OioConnectionException(
                "reqid=x, host=10.1.1.1:6000", "boom"
            ),
            ["cannot reach oio-proxy at 10.1.1.1:6000"],
        ),
        (
            fakeoio.OioTimeout(
                "reqid=x, host=127.0.0.1:6000", "Read timed out."
            ),
            [
                "oio-proxy at 127.0.0.1:6000 did not answer status meta2 "
                "FVE0 within 30.0s",
                "larger --timeout",
            ],
        ),
        (
            fakeoio.ServiceBusy(503, 503, "No service replied"),
            ["oio-proxy could not serve status meta2 FVE0", "retry"],
        ),
        (
            fakeoio.OioException("Response body isn't decodable JSON"),
            ["status meta2 FVE0 failed: Response body isn't decodable JSON"],
        ),
        (
            fakeoio.BadRequest(400, 400, "Invalid oio url"),
            ["refused status meta2 FVE0 as a bad request (Invalid oio url)"],
        ),
    ],
)
def test_transport_errors(exc, fragments):
    assert_one_line_error(
        *election(
            "status meta2 FVE0 --oio-account myaccount",
            proxy=Proxy(status=exc),
        ),
        7,
        *fragments,
    )


@pytest.mark.parametrize(
    "body,why",
    [
        ({}, "names no peer"),
        (None, "NoneType"),  # oio's election_status iterates it first
        ({"127.0.0.1:6005": {"body": ""}}, "no 'status' object"),
        ({"127.0.0.1:6005": {"status": {"status": "200"}}}, "not an integer"),
    ],
)
def test_malformed_replies(body, why):
    code, out, err = election(
        "status meta2 FVE0 --oio-account myaccount",
        proxy=Proxy(status=lambda params: body),
    )
    assert_one_line_error(
        code, out, err, 7, "malformed reply from oio-proxy", why
    )


def test_malformed_debug_reply():
    code, out, err = election(
        "debug meta2 FVE0 --oio-account myaccount",
        proxy=Proxy(debug=lambda params: ["x"]),
    )
    assert_one_line_error(code, out, err, 7, "malformed reply", "debug")


def test_missing_account():
    assert_one_line_error(
        *election("status meta2 FVE0"),
        2,
        "no account for reference 'FVE0'",
        "OIO_ACCOUNT",
    )


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["status", "meta2", "", "--oio-account", "a"], "empty reference"),
        (["status", "", "FVE0", "--oio-account", "a"], "missing service type"),
        (["status", "meta2", "XYZ", "--cid"], "'XYZ' is not a container ID"),
        (["status", "meta2", CID[:-1], "--cid"], "is not a container ID"),
    ],
)
def test_bad_arguments(argv, fragment):
    assert_one_line_error(*election(*argv), 2, fragment)


def test_cid_dot_seq_and_short_prefix_are_accepted():
    proxy = Proxy()
    election("status", "meta2", CID + ".1", "--cid", "--no-check", proxy=proxy)
    election("status meta1 697e --cid --no-check", proxy=proxy)
    assert [c[1]["cid"] for c in proxy.calls] == [CID + ".1", "697E"]


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (
            ["sync", "meta2", "FVE0", "--check-type", "3"],
            "--check-type takes -1, 0, 1 or 2, not '3'",
        ),
        (["status"], "missing service type"),
        (
            ["status", "meta2", "FVE0", "--timeout", "soon"],
            "--timeout takes a number of seconds above 0, not 'soon'",
        ),
        (["status", "meta2", "FVE0", "--timeout", "-1"], "--timeout takes"),
        (["status", "meta2", "FVE0", "--timeout", "inf"], "--timeout takes"),
        (["debug", "meta2"], "no reference given"),
    ],
)
def test_bad_options_exit_2(argv, fragment):
    assert_one_line_error(
        *election(*argv, *ACCOUNT, modern=False), 2, fragment
    )


def test_timeout_option_exists_only_where_the_shell_has_none():
    _, out_old, _ = election("status --help", modern=False)
    _, out_new, _ = election("status --help")
    assert "--timeout <seconds>" in out_old
    assert "--timeout <seconds>" not in out_new


def test_oio_missing_gives_a_clear_message():
    class NoOio:
        pass

    code, out, err = fakeoio.run(
        ["election", "status", "meta2", "FVE0", *ACCOUNT],
        client_manager=NoOio(),
    )
    assert_one_line_error(code, out, err, 7, "oio is not installed")


def test_no_namespace_configured():
    class CommandError(Exception):
        pass

    class NoNamespace:
        @property
        def admin(self):
            raise CommandError(
                "Missing parameter: \nSet a namespace with --ns, OIO_NS\n"
            )

    code, out, err = fakeoio.run(
        ["election", "status", "meta2", "FVE0", *ACCOUNT],
        client_manager=NoNamespace(),
    )
    assert_one_line_error(
        code,
        out,
        err,
        7,
        "cannot build oio's admin client: "
        "Missing parameter: Set a namespace with --ns, OIO_NS",
    )


def test_older_oio_election_attribute_is_used():
    proxy = Proxy()
    manager = fakeoio.ClientManager(proxy, fakeoio.OldAdminClient, "election")
    code, out, err = fakeoio.run(
        ["election", "sync", "meta2", "FVE0", *ACCOUNT, "--no-wait"],
        client_manager=manager,
    )
    assert code == 0, err
    sync_kwargs = [c for c in proxy.calls if c[0] == "sync"][0][1]
    assert "check_type" not in sync_kwargs  # that oio would drop it anyway
    code, _, err = fakeoio.run(
        [
            "election",
            "status",
            "meta2",
            "FVE0",
            *ACCOUNT,
            "--service-id",
            "127.0.0.1:6006",
        ],
        client_manager=manager,
    )
    assert code == 7 and "ignores --service-id" in err


def test_debug_flag_shows_the_traceback():
    proxy = Proxy(status=fakeoio.connection_refused())
    code, _, err = election(
        "status meta2 FVE0 --oio-account myaccount --debug",
        proxy=proxy,
    )
    assert code == 7 and "Traceback" in err


# --- sync --------------------------------------------------------------------


def test_sync_healthy_rows_in_words():
    proxy = Proxy()
    code, out, err = election(
        "sync meta2 FVE0 --oio-account myaccount -f json",
        proxy=proxy,
    )
    rows = as_json(out)
    assert code == 0
    assert list(rows[0]) == [
        "Id",
        "Status",
        "Message",
        "Body",
        "Role",
        "Result",
    ]
    assert [r["Result"] for r in rows] == [
        "source, not resynced",
        "resync triggered",
        "resync triggered",
    ]
    assert [c[1].get("check_type") for c in proxy.calls if c[0] == "sync"] == [
        2
    ]
    assert err.startswith("meta2 FVE0: sync triggered on 2 slave(s)")


def test_sync_peer_down_exits_non_zero():
    proxy = Proxy(status="status-peer-down", sync="sync-peer-down")
    code, out, err = election(
        "sync meta2 FVE0 --oio-account myaccount -f value -c Id -c Result",
        proxy=proxy,
    )
    assert code == 5
    assert "127.0.0.1:6007 not reached" in out
    assert "sync INCOMPLETE" in err


def test_sync_one_slave_only():
    proxy = Proxy(status="status-one-service")
    code, out, err = election(
        "sync meta2 FVE0 --oio-account myaccount --service-id 127.0.0.1:6006 "
        "-f value -c Id -c Result",
        proxy=proxy,
    )
    assert (code, out) == (0, "127.0.0.1:6006 resync triggered\n")
    assert sync_calls(proxy)[0][1]["service_id"] == "127.0.0.1:6006"
    assert "from master 127.0.0.1:6005" in err


def test_sync_check_type_choice_is_passed():
    proxy = Proxy()
    election(
        "sync meta2 FVE0 --oio-account myaccount --check-type -1",
        proxy=proxy,
    )
    assert [c[1].get("check_type") for c in proxy.calls if c[0] == "sync"] == [
        -1
    ]


def sync_calls(proxy):
    return [c for c in proxy.calls if c[0] == "sync"]


def test_sync_refuses_a_master_missing_system_keys():
    proxy = damaged_proxy()
    proxy.tables["127.0.0.1:6005"] = "get_properties-damaged-6006"
    code, out, err = election(
        "sync meta2 FVE0 --oio-account myaccount",
        proxy=proxy,
    )
    assert_one_line_error(
        code,
        out,
        err,
        6,
        "master 127.0.0.1:6005 copy: missing required sys.m2.ctime",
        "openio election leave meta2 FVE0 --service-id 127.0.0.1:6005",
        "--force",
    )
    assert sync_calls(proxy) == []


def test_exit_zero_does_not_hide_a_refusal():
    proxy = damaged_proxy()
    proxy.tables["127.0.0.1:6005"] = "get_properties-damaged-6006"
    code, _, _ = election(
        "sync meta2 FVE0 --oio-account myaccount --exit-zero",
        proxy=proxy,
    )
    assert code == 6


def test_sync_force_overrides_the_preflight():
    proxy = damaged_proxy()
    proxy.tables["127.0.0.1:6005"] = "get_properties-damaged-6006"
    code, _, err = election(
        "sync meta2 FVE0 --oio-account myaccount --force",
        proxy=proxy,
    )
    assert code == 0 and len(sync_calls(proxy)) == 1
    assert (
        "sync triggered on 2 slave(s) from master 127.0.0.1:6005, forced "
        "despite: master 127.0.0.1:6005 copy: missing required sys.m2.ctime"
        in err
    )


def test_sync_refuses_a_master_without_base():
    has = fixture_body("has-healthy")
    has["127.0.0.1:6005"] = {
        "status": {
            "status": 431,
            "message": "Container not found : (2) No such file or directory",
        },
        "body": "",
    }
    proxy = Proxy(has=has)
    code, _, err = election(
        "sync meta2 FVE0 --oio-account myaccount",
        proxy=proxy,
    )
    assert code == 6 and "master 127.0.0.1:6005 holds no base (431" in err
    assert sync_calls(proxy) == []


def test_sync_refuses_two_masters():
    status = fixture_body("status-healthy")
    status["127.0.0.1:6006"] = status["127.0.0.1:6005"]
    proxy = Proxy(status=status)
    code, _, err = election(
        "sync meta2 FVE0 --oio-account myaccount",
        proxy=proxy,
    )
    assert code == 6 and "2 masters" in err and "settle" in err


def test_sync_dry_run_changes_nothing():
    proxy = damaged_proxy()
    code, out, err = election(
        "sync meta2 FVE0 --oio-account myaccount --dry-run -f json",
        proxy=proxy,
    )
    assert code == 0 and sync_calls(proxy) == []
    assert [r["Result"] for r in as_json(out)] == [
        "source, would not be resynced (copy: ok)",
        "would resync (copy: missing sys.m2.ctime)",
        "would resync (copy: ok)",
    ]
    assert "dry run, nothing changed" in err


def with_sync_entry(debug_body, peer, event, time_ms=1795484400000):
    body = debug_body[peer]["body"]
    body["log"] = [
        "%d:SYNCING:%s:SLAVE" % (time_ms, event),
        "%d:SLAVE:SYNC_REQ:SYNCING" % (time_ms - 3),
    ] + body["log"]
    return debug_body


def after_sync_debug(**events):
    body = fixture_body("debug-damaged-admin-row")
    for port, event in events.items():
        with_sync_entry(body, "127.0.0.1:%s" % port[1:], event)
    return body


def run_wait(proxy, *extra):
    return election(
        "sync",
        "meta2",
        "FVE0",
        *ACCOUNT,
        "--wait",
        "-f",
        "json",
        *extra,
        proxy=proxy,
    )


def results(out):
    return {r["Id"]: r["Result"] for r in as_json(out)}


def test_sync_wait_reports_repaired_and_already_in_sync():
    proxy = damaged_proxy()
    proxy.after_sync = {
        "debug": after_sync_debug(p6006="SYNC_OK", p6007="SYNC_OK"),
        "tables": {"127.0.0.1:6006": "get_properties-after-sync-6006"},
    }
    code, out, err = run_wait(proxy)
    assert results(out) == {
        "127.0.0.1:6005": "source, not resynced",
        "127.0.0.1:6006": "repaired",
        "127.0.0.1:6007": "already in sync",
    }
    assert code == 0 and "sync verified on 2 slave(s)" in err
    assert "2/2 slave(s) reported their sync" in err


def test_sync_wait_reports_sync_ko():
    proxy = damaged_proxy()
    proxy.after_sync = {
        "debug": after_sync_debug(p6006="SYNC_KO", p6007="SYNC_OK")
    }
    code, out, err = run_wait(proxy)
    assert results(out)["127.0.0.1:6006"] == "failed (SYNC_KO)"
    assert code == 5 and "127.0.0.1:6006 failed (SYNC_KO)" in err


def test_sync_wait_reports_a_copy_that_still_diverges():
    proxy = damaged_proxy()
    proxy.after_sync = {
        "debug": after_sync_debug(p6006="SYNC_OK", p6007="SYNC_OK")
    }
    code, out, _ = run_wait(proxy)
    assert (
        results(out)["127.0.0.1:6006"]
        == "still diverges: missing sys.m2.ctime"
    )
    assert code == 5


def test_sync_wait_gives_up_when_the_log_never_changes():
    proxy = damaged_proxy()
    started = time.monotonic()
    code, out, _ = run_wait(proxy, "--timeout", "1")
    assert time.monotonic() - started < 2.5
    assert set(results(out).values()) == {
        "source, not resynced",
        "no outcome before timeout",
    }
    assert code == 5


def test_sync_wait_with_a_peer_going_down():
    proxy = damaged_proxy()
    debug = after_sync_debug(p6006="SYNC_OK")
    debug["127.0.0.1:6007"] = fixture_body("debug-peer-down")["127.0.0.1:6007"]
    proxy.after_sync = {
        "debug": debug,
        "tables": {"127.0.0.1:6006": "get_properties-after-sync-6006"},
    }
    code, out, _ = run_wait(proxy, "--timeout", "1")
    assert results(out)["127.0.0.1:6006"] == "repaired"
    assert results(out)["127.0.0.1:6007"] == "no outcome before timeout"
    assert code == 5


# --- debug -------------------------------------------------------------------


def test_debug_table_is_readable():
    code, out, err = election("debug meta2 FVE0 --oio-account myaccount")
    assert code == 0 and err == "meta2 FVE0: every peer answered\n"
    assert "state: SLAVE (id 18)" in out
    assert "master: 127.0.0.1:6005 (id 15)" in out
    assert "zk: 127.0.0.1:2181 /hc/ns/OPENIO/el/meta2/D9/EA/" in out
    assert "1795484315654:SYNCING:SYNC_OK:SLAVE" in out


def test_debug_json_is_the_raw_body():
    code, out, _ = election("debug meta2 FVE0 --oio-account myaccount -f json")
    assert (
        as_json(out)[0]["Body"]
        == fixture_body("debug-healthy")["127.0.0.1:6005"]["body"]
    )


def test_debug_human_dates_newest_first():
    _, out, _ = election(
        "debug meta2 FVE0 --oio-account myaccount --human -f json",
    )
    log = as_json(out)[1]["Body"]["log"]
    assert log[0].endswith(".654 SYNCING, SYNC_OK -> SLAVE")
    stamps = [line[:23] for line in log]
    assert stamps == sorted(stamps, reverse=True)
    assert log[0][:2] == "20"


def test_debug_peer_down():
    proxy = Proxy(debug="debug-peer-down")
    code, out, err = election(
        "debug meta2 FVE0 --oio-account myaccount --human -f csv",
        proxy=proxy,
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert (rows[2]["Role"], rows[2]["Body"]) == ("down", "")
    assert code == 3 and "UNREACHED: 127.0.0.1:6007 down" in err


# --- help --------------------------------------------------------------------


def test_help_teaches_and_names_the_implementation():
    code, out, _ = election("sync --help")
    assert code == 0
    assert "Implementation: oio-election-sync" in out
    assert "OIO_ELECTION_BUILTIN=1" in out
    assert "integrity_check" in out and "exit codes" in out


def test_plain_cliff_shell_without_oio():
    """The plugin loaded by a shell that is not oio's (oio absent)."""
    from cliff.app import App
    from cliff.commandmanager import CommandManager

    class Plain(App):
        def initialize_app(self, argv):
            self.command_manager.add_command_group("openio.election")

    out, err = io.StringIO(), io.StringIO()
    shell = Plain(
        "plain", "0", CommandManager("oiopy.cli"), stdout=out, stderr=err
    )
    code = shell.run(["election", "status", "meta2", CID, "--cid"])
    assert_one_line_error(
        code,
        out.getvalue(),
        err.getvalue(),
        7,
        "oio is not installed in this Python environment",
    )
