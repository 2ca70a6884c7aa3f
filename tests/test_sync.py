"""``openio election sync``: pre-flight, trigger, verify; every exit 0
earned."""

import re
import time

import pytest

import fakeoio
from cli import (
    ACCOUNT,
    M1,
    S2,
    S3,
    assert_one_line_error,
    column,
    damaged_master,
    damaged_slave,
    debug_with,
    election,
    rows,
    sync_reply,
)
from fakeoio import Proxy, fixture_body, peer_reply


def sync(line="", proxy=None, **kwargs):
    return election("sync meta2 FVE0 " + line, *ACCOUNT, proxy=proxy, **kwargs)


def results(out):
    return column(out, "Result")


# --- trigger -----------------------------------------------------------------


def test_healthy_rows_in_words():
    proxy = Proxy()
    code, out, err = sync("--no-wait -f json", proxy)
    assert code == 0
    assert list(rows(out)[0]) == [
        "Id",
        "Status",
        "Message",
        "Body",
        "Role",
        "Result",
    ]
    assert list(results(out).values()) == [
        "source, not resynced",
        "resync triggered",
        "resync triggered",
    ]
    assert [c[1].get("check_type") for c in proxy.called("sync")] == [2]
    assert err.startswith("meta2 FVE0: sync triggered on 2 slave(s)")


def test_peer_down_is_not_triggered():
    proxy = Proxy(status="status-peer-down", sync="sync-peer-down")
    code, out, err = sync("--no-wait -f value -c Id -c Result", proxy)
    assert code == 5
    assert "127.0.0.1:6007 not reached" in out
    assert "sync INCOMPLETE: 127.0.0.1:6007 not reached" in err


def test_one_slave_only():
    proxy = Proxy()
    code, out, err = sync(
        "--no-wait --service-id 127.0.0.1:6006 -f value -c Id -c Result", proxy
    )
    assert (code, out) == (0, "127.0.0.1:6006 resync triggered\n"), err
    assert proxy.called("sync")[0][1]["service_id"] == S2
    assert "from master 127.0.0.1:6005" in err


def test_check_type_choice_is_passed():
    proxy = Proxy()
    sync("--no-wait --check-type -1", proxy)
    assert [c[1].get("check_type") for c in proxy.called("sync")] == [-1]


# --- pre-flight --------------------------------------------------------------


def test_refuses_a_master_that_lost_rows_the_slaves_hold():
    proxy = damaged_master()
    assert_one_line_error(
        *sync("", proxy),
        6,
        "sync refused: master 127.0.0.1:6006 is the odd one out",
        "openio election leave meta2 FVE0 --service-id 127.0.0.1:6006",
        "openio election repair",
        "--force",
    )
    assert proxy.called("sync") == []


def test_refuses_a_master_missing_required_keys():
    proxy = damaged_slave()
    proxy.tables[M1] = proxy.tables[S2] = "get_properties-damaged-6006"
    proxy.tables[S3] = "get_properties-damaged-6006"
    code, out, err = sync("", proxy)
    assert_one_line_error(
        code,
        out,
        err,
        6,
        "master 127.0.0.1:6005 copy: missing required sys.m2.ctime",
    )
    assert proxy.called("sync") == []


def test_exit_zero_does_not_hide_a_refusal():
    code, _, _ = sync("--exit-zero", damaged_master())
    assert code == 6


def test_force_overrides_the_preflight_and_says_so():
    proxy = damaged_master()
    code, _, err = sync("--force --no-wait", proxy)
    assert code == 0 and len(proxy.called("sync")) == 1
    assert "sync triggered on 2 slave(s) from master 127.0.0.1:6006" in err
    assert "forced despite: master 127.0.0.1:6006 is the odd one out" in err


def test_refuses_a_master_without_base():
    has = fixture_body("has-healthy")
    has[M1] = fakeoio.HAS_MISSING
    proxy = Proxy(has=has)
    code, _, err = sync("", proxy)
    assert code == 6 and "127.0.0.1:6005 copy: missing copy" in err
    assert proxy.called("sync") == []


def test_refuses_two_masters():
    status = fixture_body("status-healthy")
    status[S2] = status[M1]
    code, _, err = sync("", Proxy(status=status))
    assert code == 6 and "2 masters" in err and "settle" in err


def test_a_transport_failure_in_the_preflight_is_retry_not_refusal():
    proxy = Proxy(has=fakeoio.connection_refused())
    code, _, err = sync("", proxy)
    assert code == 7 and "cannot reach oio-proxy" in err and "leave" not in err
    proxy = Proxy()
    proxy.tables[M1] = fakeoio.OioTimeout("reqid=x, host=h", "Read timed out.")
    code, _, err = sync("", proxy)
    assert code == 7 and "could not read the master 127.0.0.1:6005" in err
    assert "retry" in err and "leave" not in err
    assert proxy.called("sync") == []


def test_dry_run_changes_nothing():
    proxy = damaged_slave()
    code, out, err = sync("--dry-run -f json", proxy)
    # the verdict of what it read, as status gives it
    assert code == 4 and proxy.called("sync") == []
    assert list(results(out).values()) == [
        "source, would not be resynced",
        "would resync",
        "would resync",
    ]
    assert column(out, "Role")[M1] == "master"
    assert "dry run, nothing changed: pre-flight ok; would sync" in err


# --- what the sync reply says ------------------------------------------------


def test_the_master_moved_between_preflight_and_trigger():
    proxy = damaged_slave(sync=sync_reply(master=S3))
    code, out, err = sync("--wait -f json", proxy)
    assert code == 5
    assert (
        "the master moved: the pre-flight saw 127.0.0.1:6005, the sync "
        "copied from 127.0.0.1:6007; nothing verified" in err
    )
    actions = [c[0] for c in proxy.calls]
    assert "properties" not in actions[actions.index("sync") :]


def test_a_second_301_is_incomplete():
    reply = sync_reply()
    reply[S2] = peer_reply(301, "not SLAVE")
    code, _, err = sync("--no-wait", Proxy(sync=reply))
    assert code == 5 and "the master moved" in err


def test_a_slave_absent_from_the_sync_reply_is_incomplete():
    reply = sync_reply()
    del reply[S3]
    code, out, err = sync("--no-wait -f json", Proxy(sync=reply))
    assert code == 5 and "127.0.0.1:6007 absent from the sync reply" in err


def test_no_slave_triggered_is_incomplete():
    status = {M1: peer_reply(200)}
    has = {M1: fixture_body("has-healthy")[M1]}
    proxy = Proxy(
        status=status, has=has, sync={M1: peer_reply(301, "not SLAVE")}
    )
    code, _, err = sync("--no-wait", proxy)
    assert code == 5 and "no slave was triggered" in err


def test_the_sync_is_not_resent_after_a_deadline():
    busy = fakeoio.ServiceBusy(503, 503, "Deadline reached: Timeout to x")
    proxy = Proxy(sync=busy)
    code, out, err = sync("--no-wait", proxy)
    assert len(proxy.called("sync")) == 1
    assert code == 7 and out == ""
    assert "did not answer sync meta2 FVE0" in err
    assert "sent: file check to 127.0.0.1:6005, sync" in err


# --- --wait ------------------------------------------------------------------


def repaired_proxy():
    proxy = damaged_slave()
    proxy.on(
        "sync",
        debug=debug_with({S2: "SYNC_OK", S3: "SYNC_OK"}),
        tables={S2: "get_properties-after-sync-6006"},
    )
    return proxy


def test_wait_reports_repaired_and_already_in_sync():
    code, out, err = sync("--wait -f json", repaired_proxy())
    assert results(out) == {
        M1: "source, not resynced",
        S2: "repaired",
        S3: "already in sync",
    }
    assert code == 0 and "sync verified on 2 slave(s)" in err
    assert "2/2 slave(s) reported their sync" in err


def test_wait_reports_sync_ko():
    proxy = damaged_slave()
    proxy.on("sync", debug=debug_with({S2: "SYNC_KO", S3: "SYNC_OK"}))
    code, out, err = sync("--wait -f json", proxy)
    assert results(out)[S2] == "failed (SYNC_KO)"
    assert code == 5 and "127.0.0.1:6006 failed (SYNC_KO)" in err


def test_wait_reports_a_copy_that_still_differs():
    proxy = damaged_slave()
    proxy.on("sync", debug=debug_with({S2: "SYNC_OK", S3: "SYNC_OK"}))
    code, out, _ = sync("--wait -f json", proxy)
    assert results(out)[S2] == "still differs: missing sys.m2.ctime"
    assert code == 5


def test_wait_gives_up_when_the_log_never_changes():
    started = time.monotonic()
    code, out, _ = sync(
        "--wait --timeout 1 -f json", damaged_slave(), modern=False
    )
    assert time.monotonic() - started < 1 + 1 + 1.5  # three phases
    assert set(results(out).values()) == {
        "source, not resynced",
        "no outcome before timeout",
    }
    assert code == 5


def test_an_outcome_without_a_before_view_proves_nothing():
    proxy = damaged_slave()
    before = fixture_body("debug-damaged-admin-row")
    before[S2] = peer_reply(7, "Timeout (30.0000s) to 127.0.0.1:6006")
    proxy.replies["debug"] = before
    proxy.on("sync", debug=debug_with({S2: "SYNC_OK", S3: "SYNC_OK"}))
    code, out, _ = sync("--wait -f json", proxy)
    assert results(out)[S2] == "not verified: no log before"
    assert results(out)[S3] == "already in sync"
    assert code == 5


def test_slaves_overwritten_by_a_master_that_lacks_their_rows():
    proxy = damaged_master()
    lacking = "master-damaged-get_properties-local-6006"
    proxy.on(
        "sync",
        debug=debug_with({M1: "SYNC_OK", S3: "SYNC_OK"}, base="debug-healthy"),
        tables={M1: lacking, S3: lacking},
    )
    code, out, err = sync("--force --wait -f json", proxy)
    assert results(out)[M1] == "overwritten: lost sys.m2.ctime"
    assert "repaired" not in out
    assert code == 5 and "127.0.0.1:6005 overwritten: lost sys.m2.ctime" in err


def test_a_failure_after_the_trigger_keeps_the_trigger_rows():
    proxy = damaged_slave()
    proxy.on("sync", debug=fakeoio.connection_refused())
    code, out, err = sync("--wait -f json", proxy)
    assert code == 5
    assert results(out)[M1] == "source, not resynced"
    assert results(out)[S2].startswith("not verified: cannot reach oio-proxy")
    assert "sync INCOMPLETE" in err


# --- frozen peers and budgets ------------------------------------------------


def test_a_frozen_slave_is_not_sent_the_sync_and_is_reported():
    proxy = Proxy()
    proxy.frozen = {S3}
    started = time.monotonic()
    code, out, _ = sync("--no-wait --timeout 1 -f json", proxy, modern=False)
    assert time.monotonic() - started < 1 + 0.3  # the pre-flight's budget
    assert results(out)[S3] == "not reached (timeout)"
    assert proxy.called("sync")[0][1]["service_id"] == "%s,%s" % (M1, S2)
    assert code == 5


@pytest.mark.parametrize(
    "admin", [fakeoio.AdminClient601, fakeoio.AdminClient73]
)
def test_oio_without_check_type_says_so(admin):
    proxy = Proxy()
    manager = fakeoio.ClientManager(proxy, admin)
    code, _, err = fakeoio.run(
        ["election", "sync", "meta2", "FVE0", "--no-wait"] + ACCOUNT,
        client_manager=manager,
        modern=False,
    )
    assert code == 0
    sent = proxy.called("sync")[0][1]
    if admin is fakeoio.AdminClient601:
        assert "check_type" not in sent
        assert "check type 2 is not sent" in err
    else:
        assert sent["check_type"] == 2
        assert "not sent" not in err


def test_dry_run_says_what_the_real_run_would_refuse():
    status = fixture_body("status-healthy")
    status[S2] = status[M1]
    code, out, err = sync("--dry-run", Proxy(status=status))
    assert_one_line_error(
        code, out, err, 6, "dry run, nothing changed: sync would be refused"
    )


def test_sync_waits_by_default_even_under_cron():
    # stderr is no terminal here, as under cron: the resync is verified
    code, out, err = sync("-f json", repaired_proxy())
    assert code == 0 and "sync verified on 2 slave(s)" in err
    assert results(out)[S2] == "repaired"


def test_no_wait_says_that_nothing_was_verified():
    code, _, err = sync("--no-wait", repaired_proxy())
    assert code == 0
    assert err.strip().endswith("nothing verified (--no-wait)")


def test_wait_says_who_has_not_reported_and_the_time_left(monkeypatch):
    from oio_election_sync import sync as workflow

    monkeypatch.setattr(workflow, "WAITING_EVERY", 0.2)
    _, _, err = sync("--wait --timeout 1", damaged_slave(), modern=False)
    assert re.search(
        r"meta2 FVE0: 0/2 slave\(s\) reported their sync; waiting for "
        r"127\.0\.0\.1:6006, 127\.0\.0\.1:6007, \d+s left of the time budget",
        err,
    )
