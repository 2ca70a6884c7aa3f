"""Never make it worse: every decision from a complete, versioned view of
the base, and corrupt copies found, named, repaired and never spread.

Each case is a real namespace's shape (recorded replies, or the versions
and texts oio writes), run through the cliff shell."""

import pytest

import fakeoio
from cli import (
    ACCOUNT,
    M1,
    S2,
    S3,
    column,
    damaged_slave,
    debug_with,
    election,
    rows,
    sync_reply,
    writes,
)
from fakeoio import Proxy, ServiceBusy, fixture_body, peer_reply
from oio_election_sync import render


def run(line, proxy, **kwargs):
    return election(
        line.replace(" C", " meta2 FVE0", 1) + " -f json",
        *ACCOUNT,
        proxy=proxy,
        **kwargs,
    )


def table(peer="6005", admin=3, aliases=1, **properties):
    """A peer's admin table at the given versions, with extra properties."""
    body = fixture_body("get_properties-healthy-%s" % peer[-4:])
    body["system"]["version:main.admin"] = "%d:0" % admin
    body["system"]["version:main.aliases"] = "%d:0" % aliases
    body["properties"].update(properties)
    return body


def newer_master():
    """Master 6005 took a write (a property, version 5) that both slaves,
    restored from an old copy, lack (version 3): they agree, and are
    stale."""
    proxy = Proxy(
        tables={
            M1: table(M1, admin=5, added="yes"),
            S2: table(S2),
            S3: table(S3),
        }
    )
    proxy.on(
        "sync",
        debug=debug_with({S2: "SYNC_OK", S3: "SYNC_OK"}, base="debug-healthy"),
        tables={
            S2: table(S2, admin=5, added="yes"),
            S3: table(S3, admin=5, added="yes"),
        },
    )
    return proxy


def test_status_names_the_stale_slaves_not_the_newer_master():
    code, out, err = run("status C", newer_master())
    assert code == 4, err
    copies = column(out, "Copy")
    assert copies[M1] == "ok"
    assert (
        copies[S2]
        == copies[S3]
        == "stale: behind on main.admin (3 < 5); missing properties.added"
    )


def test_stale_slaves_the_election_resynced_during_the_check_are_said_so():
    # seen on the real namespace: the status wakes the election, which
    # compares versions and resyncs the stale slaves from the master
    proxy = newer_master()
    proxy.on("status", tables={S2: table(S2, admin=5, added="yes")})
    code, out, err = run("status C", proxy)
    assert code == 4, err
    assert column(out, "Copy")[S2].endswith(
        "; oio's election resynced it from the master during this check"
    )
    assert "resynced" not in column(out, "Copy")[S3]


def test_repair_sends_nothing_for_slaves_the_election_resynced():
    proxy = newer_master()
    proxy.on(
        "status",
        tables={
            S2: table(S2, admin=5, added="yes"),
            S3: table(S3, admin=5, added="yes"),
        },
    )
    code, out, err = run("repair C", proxy)
    assert code == 0 and writes(proxy) == [], err
    assert (
        "nothing to repair: healthy, master 127.0.0.1:6005 (oio restored "
        "127.0.0.1:6006, 127.0.0.1:6007 while the copies were read)" in err
    )


def test_repair_resyncs_stale_slaves_from_the_newer_master():
    proxy = newer_master()
    code, out, err = run("repair C", proxy)
    assert code == 0, err
    assert writes(proxy) == ["backup", "backup", "sync"]  # no leave
    assert proxy.called("sync")[0][1]["service_id"] == "%s,%s,%s" % (
        M1,
        S2,
        S3,
    )
    assert column(out, "Result") == {M1: "ok", S2: "repaired", S3: "repaired"}


def test_repair_of_one_stale_slave_by_service_id_keeps_the_direction():
    proxy = newer_master()
    code, out, err = run("repair C --service-id %s" % S2, proxy)
    assert [r["Id"] for r in rows(out)] == [S2]
    assert writes(proxy) == ["backup", "sync"]
    assert proxy.called("sync")[0][1]["service_id"] == "%s,%s" % (M1, S2)
    # every peer was read, whatever --service-id narrows
    assert {c[1]["service_id"] for c in proxy.called("properties")} == {
        M1,
        S2,
        S3,
    }
    assert column(out, "Result")[S2] == "repaired"


def test_sync_copies_the_newer_master_over_stale_slaves():
    code, out, err = run("sync C --wait", newer_master())
    assert code == 0, err
    assert "sync verified on 2 slave(s)" in err


def test_a_master_behind_agreeing_slaves_leaves_and_is_resynced():
    proxy = Proxy(
        tables={
            M1: table(M1),
            S2: table(S2, admin=5, added="yes"),
            S3: table(S3, admin=5, added="yes"),
        }
    )
    code, out, err = run("repair C --dry-run", proxy)
    assert code == 4 and writes(proxy) == []
    assert column(out, "Action")[M1] == (
        "leave the election, then resync from the new master"
    )
    assert column(out, "Copy")[M1].startswith("stale: behind on main.admin")


def diverged():
    return Proxy(
        tables={
            M1: table(M1, admin=5, aliases=1),
            S2: table(S2, admin=3, aliases=4),
            S3: table(S3, admin=3, aliases=4),
        }
    )


@pytest.mark.parametrize("command", ["repair C", "sync C --wait"])
def test_copies_that_diverged_are_refused(command):
    proxy = diverged()
    code, out, err = run(command, proxy)
    assert code == 6 and writes(proxy) == [], err
    assert (
        "the copies diverged: 127.0.0.1:6005 is ahead on main.admin (5 > 3), "
        "127.0.0.1:6006 is ahead on main.aliases (4 > 1)" in err
    )


def test_sync_never_overwrites_a_slave_ahead_of_the_master():
    proxy = Proxy(
        tables={
            M1: table(M1),
            S2: table(S2),
            S3: table(S3, admin=4, late="1"),
        }
    )
    code, out, err = run("sync C --wait", proxy)
    assert code == 6 and writes(proxy) == [], err
    assert (
        "sync refused: master 127.0.0.1:6005 copy: stale: behind on "
        "main.admin (3 < 4); missing properties.late" in err
    )


def has_unreached(peer):
    body = fixture_body("has-healthy")
    body[peer] = peer_reply(2, "%s: [errno=111] Connection refused" % peer)
    return body


def test_a_copy_whose_has_failed_is_never_silence():
    code, out, err = run("status C", Proxy(has=has_unreached(S3)))
    assert code == 3, err  # not 0: that copy was not checked
    assert column(out, "Copy")[S3] == (
        "not reached (has: 2 127.0.0.1:6007: [errno=111] Connection refused)"
    )


def test_an_unread_master_is_never_made_to_leave():
    proxy = Proxy(has=has_unreached(M1))
    proxy.tables[S2] = proxy.tables[S3] = table(S2, added="x")
    code, out, err = run("repair C", proxy)
    assert code == 7 and writes(proxy) == [], err
    code, out, err = run("sync C --wait", proxy)
    assert code == 7 and writes(proxy) == [], err
    assert "could not read the master 127.0.0.1:6005's copy" in err


def test_with_an_unread_slave_only_a_plainly_broken_slave_is_resynced():
    proxy = Proxy(has=has_unreached(S3))
    stale = table(S2)
    del stale["system"]["sys.m2.ctime"]
    proxy.tables[S2] = stale
    code, out, err = run("repair C --dry-run", proxy)
    assert column(out, "Action")[S2] == "resync from 127.0.0.1:6005"
    # a stale slave is not plainly broken: nothing while a copy is unread
    proxy = Proxy(has=has_unreached(S3))
    proxy.tables[M1] = table(M1, admin=5)
    code, out, err = run("repair C", proxy)
    assert writes(proxy) == [] and column(out, "Action")[S2] == ""


def test_versions_moving_during_the_reads_are_no_view_to_act_on():
    counter = iter(range(5, 100))
    proxy = Proxy()
    proxy.tables[M1] = lambda params: table(M1, admin=next(counter))
    code, out, err = run("repair C", proxy)
    assert code == 7 and writes(proxy) == [], err
    assert "versions moved in each of 3 reads" in out


def test_a_base_no_peer_holds_is_not_created_by_status():
    proxy = Proxy(has="missing-copy-has")
    for peer in fakeoio.PEERS:
        proxy.missing.add(peer)
    code, out, err = run("status C", proxy)
    assert proxy.called("status") == [] and code == 4, err


# --- corrupt copies ----------------------------------------------------------


def test_a_has_answering_511_is_a_corrupt_copy():
    has = fixture_body("has-healthy")
    has[S2] = peer_reply(511, "invalid or corrupt database file")
    code, out, err = run("status C", Proxy(has=has))
    assert code == 4, err
    assert column(out, "Copy")[S2] == (
        "corrupt: oio answered that the database is corrupt"
    )


def test_a_local_read_wrapped_as_503_is_corrupt_not_retry():
    proxy = Proxy()
    proxy.tables[S3] = ServiceBusy(
        503, 511, "database disk image is malformed"
    )
    code, out, err = run("status C", proxy)
    assert code == 4 and "retry" not in err, err
    assert column(out, "Copy")[S3].startswith("corrupt")


def test_a_whole_request_503_with_511_is_exit_4_not_retry():
    busy = ServiceBusy(503, 511, "invalid or corrupt database file")
    code, out, err = run("status C", Proxy(has=busy))
    assert code == 4 and len(err.strip().splitlines()) == 1, err
    assert "a copy is corrupt" in err and "retrying will not help" in err


def test_a_garbled_admin_page_oio_sets_aside_is_corrupt_and_said_healed():
    """The real namespace's COR1: a partial table, then an empty one, has
    431 (set aside), the status re-creates it."""
    reads = iter(
        [
            "corrupt-admin-get_properties-local",
            "corrupt-admin-get_properties-local-again",
        ]
    )
    peer = "127.0.0.1:6005"
    tables = {
        p: "corrupt-admin-get_properties-local-after" for p in fakeoio.PEERS
    }
    tables[peer] = lambda params: next(reads)
    has = iter(
        [
            "corrupt-admin-has-before",
            "corrupt-admin-has-after-reads",
            "corrupt-admin-has-after-status",
        ]
    )
    proxy = Proxy(
        has=lambda params: next(has),
        status="corrupt-admin-status",
        tables=tables,
    )
    code, out, err = run("status C", proxy)
    assert code == 4, err
    assert column(out, "Copy")[peer] == (
        "corrupt: oio set its file aside as corrupt when it was read; oio "
        "set it aside and re-created it from the master during this check"
    )
    assert "missing" not in column(out, "Copy")[peer]


def test_a_511_in_a_sync_reply_is_a_corrupt_copy():
    reply = sync_reply()
    reply[S3] = peer_reply(511, "invalid or corrupt database file")
    code, out, err = run("sync C --no-wait", Proxy(sync=reply))
    assert code == 4, err
    assert "127.0.0.1:6007 copy: corrupt" in err


def test_a_corrupt_slave_is_resynced_and_a_corrupt_master_hands_over():
    has = fixture_body("has-healthy")
    has[S3] = peer_reply(511, "invalid or corrupt database file")
    code, out, err = run("repair C --dry-run", Proxy(has=has))
    assert column(out, "Action")[S3] == "resync from 127.0.0.1:6005"
    has = fixture_body("has-healthy")
    has[M1] = peer_reply(511, "invalid or corrupt database file")
    code, out, err = run("repair C --dry-run", Proxy(has=has))
    assert column(out, "Action")[M1] == (
        "leave the election, then resync from the new master"
    )


def test_sync_refuses_to_copy_a_corrupt_master():
    has = fixture_body("has-healthy")
    has[M1] = peer_reply(511, "invalid or corrupt database file")
    proxy = Proxy(has=has)
    code, out, err = run("sync C --wait", proxy)
    assert code == 6 and writes(proxy) == [], err
    assert "sync refused: master 127.0.0.1:6005 copy: corrupt" in err


def test_foreign_format_characters_are_escaped():
    assert render.clean("a\u202eb\u2028c\x85d") == "a\\u202eb\\u2028c\\x85d"


# --- never spread a corrupt file behind a warm cache --------------------------


def file_check_calls(proxy):
    return [
        (c[0], c[1].get("service_id"), c[1].get("suffix"))
        for c in proxy.calls
        if c[0] in ("file_check_copy", "file_check", "remove")
    ]


def test_sync_checks_the_master_s_file_before_sending_it():
    proxy = Proxy()
    code, out, err = run("sync C --no-wait", proxy)
    assert code == 0, err
    calls = file_check_calls(proxy)
    assert [c[:2] for c in calls] == [
        ("file_check_copy", M1),
        ("file_check", M1),
        ("remove", M1),
    ]
    suffix = calls[0][2]
    assert suffix.startswith("filecheck-") and {c[2] for c in calls} == {
        suffix
    }
    names = [c[0] for c in proxy.calls]
    assert names.index("remove") < names.index("sync")


@pytest.mark.parametrize("force", ["", " --force"])
def test_sync_never_sends_a_file_that_fails_the_check(force):
    proxy = Proxy()
    proxy.corrupt_files = {M1}  # every read of its warm handle is sane
    code, out, err = run("sync C --wait" + force, proxy)
    assert code == 6 and "sync" not in writes(proxy), err
    assert (
        "sync refused, nothing was copied: master 127.0.0.1:6005 copy: "
        "corrupt: a fresh copy of its file fails oio's check" in err
    )
    assert "openio election repair meta2 FVE0" in err
    # oio renamed the scratch copy: that is the name removed
    removed = [c for c in file_check_calls(proxy) if c[0] == "remove"]
    assert removed[0][2].endswith(".corrupted")


def test_a_file_that_could_not_be_checked_is_not_sent():
    proxy = Proxy()
    proxy.replies["file_check_copy"] = fakeoio.ClientException(
        500, 28, "No space left on device"
    )
    code, out, err = run("sync C --wait", proxy)
    assert code == 7 and "sync" not in writes(proxy), err
    assert "127.0.0.1:6005's file could not be checked" in err
    assert "busy on that peer until its service restarts" in err
    assert "--no-file-check" in err
    code, out, err = run("sync C --no-wait --no-file-check", proxy)
    assert "sync" in writes(proxy), err


def test_an_oio_without_local_copies_says_the_file_was_not_checked():
    proxy = Proxy()
    manager = fakeoio.ClientManager(proxy, admin_class=fakeoio.AdminClient73)
    code, out, err = fakeoio.run(
        ["election", "sync", "meta2", "FVE0", "--no-wait"] + ACCOUNT,
        client_manager=manager,
    )
    assert code == 0, err
    assert "the master's file was not checked" in err


def test_repair_hands_over_from_a_master_whose_file_is_corrupt():
    proxy = Proxy()
    proxy.corrupt_files = {M1}
    proxy.on("leave", status="status-after-leave", sync=sync_reply(S2))
    proxy.on(
        "sync",
        debug=debug_with({M1: "SYNC_OK"}, base="debug-healthy"),
        corrupt_files=set(),  # resynced from 6006's sane file
    )
    code, out, err = run("repair C", proxy)
    assert code == 0, err
    assert writes(proxy) == ["backup", "leave", "sync"]
    found = {r["Id"]: r for r in rows(out)}
    assert found[M1]["Copy"].startswith(
        "corrupt: a fresh copy of its file fails oio's check"
    )
    assert found[M1]["Result"] == "repaired"
    assert found[M1]["Why"] == "its copy is corrupt: nothing is copied from it"
    assert "master 127.0.0.1:6005 was corrupt (corrupt: a fresh copy" in err
    # the new master's file was checked before anything was copied from it
    names = [(c[0], c[1].get("service_id")) for c in proxy.calls]
    assert names.index(("file_check", S2)) < names.index(("leave", M1))


def test_repair_resyncs_a_slave_whose_file_is_corrupt():
    proxy = Proxy()
    proxy.corrupt_files = {S3}  # the time bomb: sane to every read
    proxy.on(
        "sync",
        debug=debug_with({S3: "SYNC_OK"}, base="debug-healthy"),
        corrupt_files=set(),
    )
    code, out, err = run("repair C", proxy)
    assert code == 0, err
    assert writes(proxy) == ["backup", "sync"]
    assert column(out, "Action")[S3] == "resync from 127.0.0.1:6005"


def test_a_repair_that_leaves_a_file_corrupt_is_not_a_success():
    proxy = Proxy()
    proxy.corrupt_files = {S3}
    proxy.on("sync", debug=debug_with({S3: "SYNC_OK"}, base="debug-healthy"))
    code, out, err = run("repair C", proxy)
    assert code == 5, err
    assert column(out, "Result")[S3].startswith("corrupt")


def test_a_healthy_repair_says_the_files_were_checked():
    code, out, err = run("repair C", Proxy())
    assert code == 0, err
    assert (
        "nothing to repair: healthy, master 127.0.0.1:6005; files checked "
        "sane: 127.0.0.1:6005, 127.0.0.1:6006, 127.0.0.1:6007" in err
    )


def test_every_file_corrupt_is_refused_and_nothing_is_changed():
    proxy = Proxy()
    proxy.corrupt_files = set(fakeoio.PEERS)
    code, out, err = run("repair C", proxy)
    assert code == 6 and writes(proxy) == [], err


def avoided(times, peers=None):
    """The proxy turns the file check's copy away ``times`` times, as it
    does for a few seconds after a restart."""
    count = []

    def reply(params):
        if peers and params.get("service_id") not in peers:
            return None
        if len(count) < times:
            count.append(1)
            return fakeoio.ClientException(
                500, 502, "Request avoided, service marked down (reqid=x)"
            )
        return None

    return reply


def test_a_peer_the_proxy_avoids_a_moment_is_asked_again():
    proxy = Proxy()
    proxy.replies["file_check_copy"] = avoided(2)
    code, out, err = run("sync C --no-wait", proxy)
    assert code == 0, err
    assert len(proxy.called("file_check_copy")) == 3
    assert "sync" in writes(proxy)


def disk_full_on(peer):
    """A damaged slave's base, where ``peer``'s file check cannot copy."""
    proxy = damaged_slave()
    proxy.replies["file_check_copy"] = lambda params: (
        fakeoio.ClientException(500, 28, "No space left on device")
        if params.get("service_id") == peer
        else None
    )
    return proxy


def test_a_copy_the_repair_overwrites_needs_no_file_check():
    proxy = disk_full_on(S2)
    proxy.on(
        "sync",
        debug=debug_with({S2: "SYNC_OK"}),
        tables={S2: "get_properties-after-sync-6006"},
    )
    code, out, err = run("repair C", proxy)
    assert code == 0, err
    assert "sync" in writes(proxy)


def test_a_source_whose_file_cannot_be_checked_stops_the_repair():
    proxy = disk_full_on(M1)
    code, out, err = run("repair C", proxy)
    assert code == 7 and writes(proxy) == [], err
    assert "repair stopped before any change: 127.0.0.1:6005's file" in err


def test_a_row_oio_writes_back_during_the_check_is_said_so():
    """oio (meta1 above all) rewrites missing sys.* rows when its election
    wakes: the row says the copy was short, and that oio wrote it back."""
    proxy = damaged_slave()
    proxy.on("status", tables={S2: "get_properties-healthy-6006"})
    code, out, err = run("status C", proxy)
    assert code == 4, err
    assert column(out, "Copy")[S2] == (
        "missing sys.m2.ctime; oio wrote it back during this check"
    )
    code, out, err = run("repair C", proxy)
    assert code == 0 and writes(proxy) == [], err


def test_a_peer_that_stays_avoided_is_not_copied_a_budget_s_worth():
    proxy = Proxy()
    proxy.replies["file_check"] = fakeoio.ClientException(
        502, 502, "Request avoided, service marked down"
    )
    code, out, err = run("sync C --no-wait", proxy)
    assert code == 7 and "sync" not in writes(proxy), err
    assert len(proxy.called("file_check_copy")) == 3


@pytest.mark.parametrize("command", ["sync C --no-wait", "repair C"])
def test_a_skipped_file_check_is_named(command):
    proxy = Proxy()
    code, out, err = run(command + " --no-file-check", proxy)
    assert code == 0, err
    assert "files not checked (--no-file-check)" in err
    assert proxy.called("file_check_copy") == []
