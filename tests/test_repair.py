"""``openio election repair``: each damage the real namespace showed, from
its recorded replies, with a fake that changes its answers after each write
as the namespace did; exit 0 only when the base is then healthy."""

import os
import re

import time

import pytest

import fakeoio
from cli import (
    CID,
    ACCOUNT,
    M1,
    S2,
    S3,
    assert_one_line_error,
    column,
    ctrl_c_twice_after_sync,
    damaged_master,
    damaged_slave,
    debug_with,
    election,
    rows,
    sync_reply,
    writes,
)
from fakeoio import Proxy, fixture_body, peer_reply


def repair(line="", proxy=None, **kwargs):
    return election(
        "repair meta2 FVE0 -f json " + line, *ACCOUNT, proxy=proxy, **kwargs
    )


def test_a_slave_that_lost_a_row_is_resynced_and_verified():
    proxy = damaged_slave()
    proxy.on(
        "sync",
        debug=debug_with({S2: "SYNC_OK"}),
        tables={S2: "get_properties-after-sync-6006"},
    )
    code, out, err = repair("", proxy)
    assert code == 0, err
    found = {r["Id"]: r for r in rows(out)}
    assert found[S2]["Copy"] == "missing sys.m2.ctime"
    assert found[S2]["Action"] == "resync from 127.0.0.1:6005"
    assert found[S2]["Why"] == "the master's copy is the reference"
    assert found[S2]["Result"] == "repaired"
    assert re.search(
        r"\.1\.meta2\.repair-\d{8}T\d{6}Z-[0-9a-f]{6}$", found[S2]["Backup"]
    )
    assert {found[M1]["Result"], found[S3]["Result"]} == {"ok"}
    assert writes(proxy) == ["backup", "sync"]
    sync = proxy.called("sync")[0][1]
    assert sync["check_type"] == 2 and sync["service_id"] == "%s,%s" % (M1, S2)
    assert (
        "meta2 FVE0: slave 127.0.0.1:6006 (missing sys.m2.ctime): resynced "
        "from master 127.0.0.1:6005; verified; 1 backup(s) kept beside the "
        "changed copies (*.repair-" in err
    )


def master_lost_ctime():
    proxy = damaged_master()
    proxy.on(
        "set_properties",
        tables={
            p: "after-set_properties-get_properties-local-%s" % p[-4:]
            for p in fakeoio.PEERS
        },
        status="after-set_properties-status",
    )
    return proxy


def test_a_master_that_lost_a_system_key_gets_it_written_through_it():
    proxy = master_lost_ctime()
    code, out, err = repair("", proxy)
    assert code == 0, err
    written = proxy.called("set_properties")[0]
    assert written[2]["json"] == {
        "system": {"sys.m2.ctime": "1795491384786370"}
    }
    assert "service_id" not in written[1]  # through the master
    assert writes(proxy) == ["backup"] * 3 + ["set_properties"]
    assert column(out, "Action")[S2] == "write sys.m2.ctime through it"
    assert column(out, "Result") == {M1: "ok", S2: "repaired", S3: "ok"}
    assert (
        "master 127.0.0.1:6006 lacked sys.m2.ctime: written through the "
        "master from the slaves' value; verified" in err
    )


def master_lost_a_property():
    """The master 6005 lost the user property the slaves hold."""
    bare = fixture_body("get_properties-healthy-6005")
    bare["properties"] = {}
    proxy = Proxy(
        tables={
            M1: bare,
            S2: "get_properties-healthy-6006",
            S3: "get_properties-healthy-6007",
        }
    )
    proxy.on("leave", status="status-after-leave", sync=sync_reply(S2))
    proxy.on(
        "sync",
        debug=debug_with({M1: "SYNC_OK"}, base="debug-healthy"),
        tables={M1: "get_properties-healthy-6005"},
    )
    return proxy


def test_an_odd_master_leaves_a_sane_peer_takes_over_and_resyncs_it():
    proxy = master_lost_a_property()
    code, out, err = repair("", proxy)
    assert code == 0, err
    assert writes(proxy) == ["backup", "leave", "sync"]
    assert proxy.called("leave")[0][1]["service_id"] == M1
    sync = proxy.called("sync")[0][1]
    assert sync["service_id"] == "%s,%s" % (S2, M1)  # from the new master
    found = {r["Id"]: r for r in rows(out)}
    assert found[M1]["Action"] == (
        "leave the election, then resync from the new master"
    )
    assert found[M1]["Result"] == "repaired" and found[M1]["Role"] == "slave"
    assert (
        "master 127.0.0.1:6005 differed from the slaves (missing "
        "properties.color): it left the election, 127.0.0.1:6006 took "
        "over; 127.0.0.1:6005 resynced from the new master; verified" in err
    )


def test_a_master_elected_again_and_again_is_incomplete():
    proxy = master_lost_a_property()
    proxy.after["leave"] = []  # the old master keeps winning
    code, out, err = repair("-t 3", proxy)
    assert code == 5
    assert len(proxy.called("leave")) == 3 and "sync" not in writes(proxy)
    assert "repair INCOMPLETE" in err
    # only what ran is said done
    assert "resynced from the new master" not in err
    assert "the resync of 127.0.0.1:6005 not sent" in err


def test_the_wait_ends_when_a_sane_peer_is_master_though_one_is_down():
    proxy = master_lost_a_property()
    after = fixture_body("status-after-leave")
    after[S3] = fakeoio.peer_reply(8, "connection refused")
    proxy.after["leave"] = [dict(status=after, sync=sync_reply(S2))]
    started = time.monotonic()
    code, out, err = repair("-t 10", proxy)
    assert time.monotonic() - started < 5, err
    assert "127.0.0.1:6006 took over" in err
    assert "no hand-over" not in err


def test_a_missing_slave_copy_is_restored_by_sync():
    proxy = Proxy(
        has="missing-copy-has",
        status="missing-copy-status",
        sync="sync-restores-missing",
    )
    proxy.on(
        "sync",
        has="has-after-sync-missing",
        debug=debug_with({S3: "SYNC_OK"}, base="debug-healthy"),
    )
    code, out, err = repair("", proxy)
    assert code == 0, err
    assert writes(proxy) == ["sync"]  # no backup of a copy that is gone
    found = {r["Id"]: r for r in rows(out)}
    assert found[S3]["Copy"] == "missing copy"
    assert (found[S3]["Backup"], found[S3]["Result"]) == ("", "repaired")


def test_nothing_to_repair_on_a_healthy_base():
    proxy = Proxy()
    code, out, err = repair("", proxy)
    assert code == 0 and writes(proxy) == []
    assert "nothing to repair: healthy, master 127.0.0.1:6005" in err


@pytest.mark.parametrize(
    "proxy,fragment",
    [
        (
            Proxy(
                tables={
                    p: "get_properties-damaged-6006" for p in fakeoio.PEERS
                }
            ),
            "copy: missing required sys.m2.ctime",
        ),
        (
            Proxy(
                status={
                    S2: peer_reply(303, M1),
                    S3: peer_reply(303, M1),
                    M1: peer_reply(8, "Request avoided"),
                }
            ),
            "no master",
        ),
    ],
)
def test_no_sane_copy_or_no_master_changes_nothing(proxy, fragment):
    code, out, err = repair("", proxy)
    assert code == 6 and writes(proxy) == []
    assert "repair refused, nothing changed" in err and fragment in err


def test_dry_run_shows_the_plan_and_changes_nothing():
    proxy = master_lost_ctime()
    code, out, err = repair("--dry-run", proxy)
    # the verdict of what it read, as status gives it
    assert code == 4 and writes(proxy) == []
    assert column(out, "Action")[S2] == "write sys.m2.ctime through it"
    assert column(out, "Why")[S2] == (
        "every slave holds sys.m2.ctime, with one value"
    )
    assert (
        "dry run, nothing changed: would write sys.m2.ctime through master "
        "127.0.0.1:6006 from the slaves' value" in err
    )


def test_no_backup():
    proxy = master_lost_ctime()
    code, out, err = repair("--no-backup", proxy)
    assert code == 0 and "backup" not in writes(proxy)
    assert set(column(out, "Backup").values()) == {"not kept (--no-backup)"}


def test_an_oio_without_local_copies_says_no_backup_was_kept():
    proxy = damaged_slave()
    proxy.on(
        "sync",
        debug=debug_with({S2: "SYNC_OK"}),
        tables={S2: "get_properties-after-sync-6006"},
    )
    manager = fakeoio.ClientManager(proxy, fakeoio.AdminClient73)
    code, out, err = fakeoio.run(
        ["election", "repair", "meta2", "FVE0", "-f", "json"] + ACCOUNT,
        client_manager=manager,
        modern=False,
    )
    assert code == 0
    assert column(out, "Backup")[S2] == (
        "not kept: this oio has no copy_base_local (oio 9.0+)"
    )


def test_a_failed_backup_changes_nothing():
    proxy = damaged_slave()
    proxy.replies["backup"] = fakeoio.ClientException(500, 500, "disk full")
    assert_one_line_error(
        *repair("", proxy),
        7,
        "backup of 127.0.0.1:6006's copy failed, nothing was changed",
        "sent: file check to 127.0.0.1:6005, 127.0.0.1:6006, 127.0.0.1:6007, "
        "backup to 127.0.0.1:6006",
        "it may have left a partial /var/lib/oio/sds/",
        ".1.meta2.repair-",
        "busy on that peer until its service restarts",
    )
    assert writes(proxy) == ["backup"]


def test_a_sync_that_fails_is_incomplete():
    proxy = damaged_slave()
    proxy.on("sync", debug=debug_with({S2: "SYNC_KO"}))
    code, out, err = repair("", proxy)
    assert code == 5
    assert "repair INCOMPLETE: 127.0.0.1:6006 failed (SYNC_KO)" in err
    assert column(out, "Result")[S2] == "missing sys.m2.ctime"


def test_several_bases_and_a_second_ctrl_c_reports_what_was_sent():
    proxy = damaged_slave()
    ctrl_c_twice_after_sync(proxy, "debug-damaged-admin-row", hold=2)
    code, out, err = election(
        "repair meta2 A B --yes --workers 1 -f value -c Verdict",
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 130
    assert (
        "sent: file check to 127.0.0.1:6005, 127.0.0.1:6006, 127.0.0.1:6007, "
        "backup to 127.0.0.1:6006, sync to 127.0.0.1:6005, 127.0.0.1:6006"
        in err
    )


def test_repair_is_registered_like_the_other_commands():
    code, out, _ = election("repair --help")
    assert code == 0 and "Implementation: oio-election-sync" in out
    assert "--dry-run" in out and "--no-backup" in out


def test_an_oio_without_check_type_says_the_resync_goes_without_it():
    proxy = damaged_slave()
    proxy.on(
        "sync",
        debug=debug_with({S2: "SYNC_OK"}),
        tables={S2: "get_properties-after-sync-6006"},
    )
    manager = fakeoio.ClientManager(proxy, fakeoio.AdminClient601)
    code, _, err = fakeoio.run(
        ["election", "repair", "meta2", "FVE0"] + ACCOUNT,
        client_manager=manager,
        modern=False,
    )
    assert code == 0 and "check type 2 is not sent" in err
    assert "check_type" not in proxy.called("sync")[0][1]


@pytest.mark.parametrize(
    "proxy,code,fragment",
    [
        (
            Proxy(
                status=dict(
                    fixture_body("status-healthy"), **{S2: peer_reply(200)}
                )
            ),
            6,
            "would refuse: 2 masters",
        ),
        (Proxy(status="status-peer-down"), 3, "nothing a repair can do"),
    ],
)
def test_a_dry_run_has_the_verdict_of_the_real_run(proxy, code, fragment):
    got, _, err = repair("--dry-run", proxy)
    assert got == code and fragment in err and writes(proxy) == []


def test_a_write_that_did_not_take_is_incomplete_not_a_fresh_finding():
    proxy = damaged_master()  # the write changes nothing here
    code, out, err = repair("", proxy)
    assert code == 5
    assert (
        "repair INCOMPLETE: still: master 127.0.0.1:6006 is the odd "
        "one out" in err
    )


def test_repaired_bases_are_counted_and_shown_by_only_problems():
    proxy = damaged_slave()
    proxy.on(
        "sync",
        debug=debug_with({S2: "SYNC_OK"}),
        tables={S2: "get_properties-after-sync-6006"},
    )
    code, out, err = election(
        "repair meta2 A B --yes --workers 1 --only-problems -f value -c Reference",
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 0, err
    assert set(out.split()) == {"A"}  # B was healthy by then
    assert "2 base(s): 2 ok; 1 repaired" in err


def test_a_dry_run_counts_the_bases_to_repair():
    code, out, err = election(
        "repair meta2 A B --dry-run --only-problems -f value -c Reference",
        *ACCOUNT,
        proxy=damaged_slave(),
    )
    assert code == 4, err
    assert set(out.split()) == {"A", "B"}
    assert "2 to repair (dry run)" in err


def test_a_second_repair_of_a_base_on_this_host_is_refused(tmp_path):
    import fcntl

    from oio_election_sync.model import Target
    from oio_election_sync.lock import lock_dir, lock_name

    # the same base by name and by CID takes the same lock
    by_name = Target("meta2", "myaccount", "FVE0", None, ())
    by_cid = Target("meta2", None, None, CID, ())
    assert lock_name(by_name) == lock_name(by_cid)
    path = os.path.join(lock_dir(), lock_name(by_name))
    os.makedirs(lock_dir(), exist_ok=True)
    with open(path, "w") as held:
        held.write("pid 1 since 00:00:00")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX)
        proxy = damaged_slave()
        code, out, err = repair("", proxy)
        assert code == 7
        assert "another repair on this host is working on this base" in err
        assert "(pid 1 since 00:00:00)" in err
        assert writes(proxy) == [] and proxy.calls == []
        # a dry run only reads: it does not wait for the lock
        assert repair("--dry-run", damaged_slave())[0] == 4


def test_a_meta1_base_takes_one_lock_however_it_is_addressed():
    from oio_election_sync.model import Target
    from oio_election_sync.lock import lock_name

    names = {
        lock_name(Target("meta1", None, None, cid, ()), 2)
        for cid in ("FD", "fd00", "FD" + "A" * 62)
    }
    assert names == {"meta1-FD00.lock"}
