"""Every base of one service: --from-service, listed page by page, rows as
bases finish, resumable with --marker, --only-problems, --copies-first."""

import _thread
import hashlib
import io
import json
import threading

import fakeoio
from cli import ACCOUNT, M1, assert_one_line_error, election
from fakeoio import Proxy


def run(argv, proxy=None, rdir=None, meta0=None, **kwargs):
    manager = fakeoio.ClientManager(proxy or Proxy(), rdir=rdir, meta0=meta0)
    code, out, err = fakeoio.run(
        ["election"] + argv.split(), client_manager=manager, **kwargs
    )
    return code, out, err, manager


def cid(url):
    return hashlib.sha256(url.encode()).hexdigest().upper()


def test_meta2_bases_are_listed_page_by_page_and_addressed_by_cid():
    urls = fakeoio.container_urls(2500)
    rdir = fakeoio.RdirClient(urls)
    proxy = Proxy()
    code, out, err, _ = run(
        "status meta2 --from-service %s --no-check -f value -c Reference" % M1,
        proxy,
        rdir,
    )
    assert code == 0, err
    assert sorted(set(out.split())) == [u.split("/", 1)[1] for u in urls]
    pages = [c for c in rdir.calls if c["limit"] == 1000]
    assert [c["marker"] for c in pages] == [None, urls[999], urls[1999]]
    # each marker is probed (a prefix seek, which skips nothing) to tell
    # whether rdir's skip after it dropped a base
    probes = [c for c in rdir.calls if c["limit"] == 1]
    assert [c["prefix"] for c in probes] == [urls[999], urls[1999]]
    assert len(rdir.calls) == 5
    asked = {c[1]["cid"] for c in proxy.called("status")}
    assert asked == {cid(u) for u in urls}
    assert "2500 base(s): 2500 ok" in err


def test_prefix_and_marker_narrow_the_listing():
    urls = fakeoio.container_urls(5, "a") + fakeoio.container_urls(5, "b")
    rdir = fakeoio.RdirClient(urls)
    code, out, _, _ = run(
        "status meta2 --from-service %s --prefix OPENIO/b --marker "
        "OPENIO/b/C000002 --no-check -f value -c Reference" % M1,
        rdir=rdir,
    )
    assert code == 0
    assert sorted(set(out.split())) == ["b/C000003", "b/C000004"]
    assert rdir.calls[0]["prefix"] == "OPENIO/b"


def test_an_empty_listing():
    code, out, err, _ = run(
        "status meta2 --from-service %s -f value" % M1,
        rdir=fakeoio.RdirClient([]),
    )
    assert (code, out) == (0, "")
    assert "0 base(s): none" in err


def test_no_rdir_assigned_is_one_line_with_the_fix():
    assert_one_line_error(
        *run(
            "status meta2 --from-service %s" % M1,
            rdir=fakeoio.RdirClient(assigned=False),
        )[:3],
        7,
        "no rdir assigned to meta2 127.0.0.1:6005",
        "openio rdir bootstrap meta2",
    )


def test_a_listing_error_in_the_middle_reports_what_was_done_and_where():
    urls = fakeoio.container_urls(1500)
    rdir = fakeoio.RdirClient(urls, fail_on_page=2)
    code, out, err, _ = run(
        "status meta2 --from-service %s --no-check -f value -c Reference" % M1,
        rdir=rdir,
    )
    assert code == 7
    assert len(set(out.split())) == 1000  # the first page, all reported
    assert "1000 base(s): 1000 ok" in err
    assert "stopped: listing the bases of meta2 127.0.0.1:6005 failed" in err
    assert "resume with --marker OPENIO/acct/C000999" in err


def test_meta1_prefixes_from_the_meta0_mapping():
    mapping = {
        "%04X" % p: ["127.0.0.1:6004" if p < 0x8000 else "127.0.0.1:6104"]
        for p in range(0x10000)
    }
    proxy = Proxy(status="meta1-status-by-cid")
    code, out, err, _ = run(
        "status meta1 --from-service 127.0.0.1:6004 --no-check -f value "
        "-c Reference --marker 7D00",
        proxy,
        meta0=mapping,
    )
    assert code == 0, err
    assert sorted(set(out.split())) == ["7E00", "7F00"]
    assert {c[1]["cid"] for c in proxy.calls} == {"7E00", "7F00"}


def test_meta0_is_its_one_base():
    proxy = Proxy(status="meta0-status")
    code, out, err, _ = run(
        "status meta0 --from-service 127.0.0.1:6003 --no-check -f value "
        "-c Reference",
        proxy,
    )
    assert (code, out.split()) == (0, ["meta0"]), err


def test_only_problems():
    urls = fakeoio.container_urls(4)
    sick = cid(urls[2])

    def status(params):
        return (
            "status-peer-down" if params["cid"] == sick else "status-healthy"
        )

    code, out, err, _ = run(
        "status meta2 --from-service %s --no-check --only-problems -f value "
        "-c Reference -c Verdict" % M1,
        Proxy(status=status),
        fakeoio.RdirClient(urls),
    )
    assert code == 3
    assert set(out.splitlines()) == {"acct/C000002 unhealthy"}
    assert "4 base(s): 3 ok, 1 unhealthy" in err


def test_copies_first_asks_the_election_of_damaged_bases_only():
    urls = fakeoio.container_urls(6)
    sick = cid(urls[4])
    proxy = Proxy()
    proxy.tables = {
        peer: (
            lambda params, peer=peer: (
                "get_properties-damaged-%s" % peer[-4:]
                if params["cid"] == sick
                else "get_properties-healthy-%s" % peer[-4:]
            )
        )
        for peer in fakeoio.PEERS
    }
    code, out, err, _ = run(
        "status meta2 --from-service %s --copies-first -f json" % M1,
        proxy,
        fakeoio.RdirClient(urls),
    )
    assert code == 4
    assert [c[1]["cid"] for c in proxy.called("status")] == [sick]
    rows = json.loads(out)
    healthy = [r for r in rows if r["Reference"] != "acct/C000004"]
    assert {r["Role"] for r in healthy} == {""}
    assert {r["Copy"] for r in healthy} == {"ok"}
    assert "election not asked of 5 (--copies-first)" in err


def test_repair_copies_first_leaves_healthy_bases_alone():
    urls = fakeoio.container_urls(3)
    proxy = Proxy()
    code, _, err, _ = run(
        "repair meta2 --from-service %s --yes --copies-first -f value" % M1,
        proxy,
        fakeoio.RdirClient(urls),
    )
    assert code == 0 and proxy.called("status") == []
    assert "3 base(s): 3 ok; election not asked of 3" in err


def test_json_rows_are_written_as_bases_finish():
    urls = fakeoio.container_urls(3)
    code, out, _, _ = run(
        "status meta2 --from-service %s --no-check -f json" % M1,
        rdir=fakeoio.RdirClient(urls),
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 9
    assert list(rows[0]) == [
        "Reference",
        "Id",
        "Status",
        "Message",
        "Role",
        "Verdict",
    ]


def test_ctrl_c_prints_the_marker_to_resume_from():
    urls = fakeoio.container_urls(200)
    asked, lock = [], threading.Lock()

    def status(params):
        with lock:
            asked.append(params["cid"])
            if len(asked) == 20:
                _thread.interrupt_main()
        return "status-healthy"

    code, out, err, _ = run(
        "status meta2 --from-service %s --no-check --workers 4 -f value "
        "-c Reference" % M1,
        Proxy(status=status, latency=0.01),
        fakeoio.RdirClient(urls),
    )
    assert code == 130
    done = sorted(set(out.split()))
    marker = err.split("resume with --marker ")[1].split()[0]
    # every base listed up to the marker was reported
    upto = [u.split("/", 1)[1] for u in urls if u <= marker]
    assert set(upto) <= set(done)


def test_prefix_and_marker_need_from_service():
    assert_one_line_error(
        *election("status meta2 A --prefix OPENIO/x", *ACCOUNT),
        2,
        "--prefix goes with --from-service",
    )
    assert_one_line_error(
        *election("status meta1 --from-service x --prefix OPENIO/x"),
        2,
        "--prefix lists meta2 bases only",
    )


class StuckRdir(fakeoio.RdirClient):
    """A listing that never advances (the same page again and again)."""

    def meta2_index_fetch(self, volume_id, **kwargs):
        self.calls.append(kwargs)
        return {
            "records": [
                {"container_url": "OPENIO/acct/C1", "container_id": "AB" * 32}
            ],
            "truncated": True,
        }


def test_a_listing_that_does_not_advance_stops_and_runs_no_base_twice():
    proxy = Proxy()
    code, out, err, _ = run(
        "repair meta2 --from-service %s --yes -f value -c Reference" % M1,
        proxy,
        StuckRdir(),
    )
    assert code == 7
    assert "does not advance after OPENIO/acct/C1" in err
    assert len(proxy.called("has")) == 1


def test_a_malformed_first_page_is_one_line():
    class Broken(fakeoio.RdirClient):
        def meta2_index_fetch(self, volume_id, **kwargs):
            return {"records": [{"mtime": 1}], "truncated": False}

    assert_one_line_error(
        *run("status meta2 --from-service %s" % M1, rdir=Broken())[:3],
        7,
        "listing the bases of meta2 127.0.0.1:6005 failed: KeyError",
    )


# --- a typo is not a success --------------------------------------------------


def _listed(rdir, marker=None, prefix=None):
    argv = (
        "status meta2 --from-service %s --no-check -f value -c Reference" % M1
    )
    if marker:
        argv += " --marker " + marker
    if prefix:
        argv += " --prefix " + prefix
    code, out, err, _ = run(argv, rdir=rdir)
    assert code == 0, err
    return sorted(set(out.split()))


def test_resuming_after_a_deleted_container_loses_no_base():
    urls = fakeoio.container_urls(6)
    deleted = urls.pop(2)  # the marker's container, deleted since
    rdir = fakeoio.RdirClient(urls)
    assert _listed(rdir, marker=deleted) == [
        u.split("/", 1)[1] for u in urls[2:]
    ]


def test_resuming_after_a_deleted_container_whose_name_starts_another():
    urls = ["OPENIO/acct/C1", "OPENIO/acct/C1x", "OPENIO/acct/C2"]
    assert _listed(fakeoio.RdirClient(urls), marker="OPENIO/acct/C1-") == [
        "acct/C1x",
        "acct/C2",
    ]
    assert _listed(fakeoio.RdirClient(urls), marker="OPENIO/acct/C") == [
        "acct/C1",
        "acct/C1x",
        "acct/C2",
    ]


def test_a_page_whose_last_container_is_deleted_meanwhile_loses_no_base():
    urls = fakeoio.container_urls(2500)

    def delete_the_last_listed(rdir):
        if len(rdir.calls) == 1:
            rdir.urls.remove(urls[999])

    rdir = fakeoio.RdirClient(urls, after_call=delete_the_last_listed)
    listed = _listed(rdir)
    assert listed == [u.split("/", 1)[1] for u in urls]


def test_a_marker_outside_the_prefix_is_refused():
    rdir = fakeoio.RdirClient(fakeoio.container_urls(3))
    code, out, err, _ = run(
        "status meta2 --from-service %s --prefix OPENIO/b --marker "
        "OPENIO/a/C000002" % M1,
        rdir=rdir,
    )
    assert_one_line_error(code, out, err, 2, "is outside --prefix")
    assert rdir.calls == []


def test_a_meta2_id_the_conscience_does_not_know_is_a_typo():
    code, out, err, _ = run(
        "status meta2 --from-service 127.0.0.1:6099",
        rdir=fakeoio.RdirClient(assigned=False),
    )
    assert_one_line_error(
        code, out, err, 2, "'127.0.0.1:6099' is not a meta2 service"
    )


def test_a_known_meta2_with_no_rdir_is_told_to_assign_one():
    code, out, err, _ = run(
        "status meta2 --from-service 127.0.0.1:6006",
        rdir=fakeoio.RdirClient(assigned=False),
    )
    assert_one_line_error(code, out, err, 7, "openio rdir bootstrap meta2")


def test_a_meta1_id_absent_from_the_mapping_is_a_typo():
    mapping = {"%04X" % p: ["127.0.0.1:6004"] for p in range(0, 0x10000, 256)}
    proxy = Proxy()
    code, out, err, _ = run(
        "status meta1 --from-service 127.0.0.1:6099", proxy, meta0=mapping
    )
    assert_one_line_error(
        code, out, err, 2, "'127.0.0.1:6099' is no meta1", "127.0.0.1:6004"
    )
    assert proxy.calls == []


def test_a_meta0_id_the_conscience_does_not_know_is_a_typo():
    proxy = Proxy(status="meta0-status")
    code, out, err, _ = run(
        "status meta0 --from-service 127.0.0.1:6004", proxy
    )
    assert_one_line_error(
        code, out, err, 2, "not a meta0 service", "127.0.0.1:6003"
    )
    assert proxy.calls == []


def test_a_short_meta1_marker_is_padded_not_run_again():
    mapping = {"%04X" % p: ["127.0.0.1:6004"] for p in range(0, 0x10000, 256)}
    proxy = Proxy(status="meta1-status-by-cid")
    code, out, err, _ = run(
        "status meta1 --from-service 127.0.0.1:6004 --no-check -f value "
        "-c Reference --marker fd",
        proxy,
        meta0=mapping,
    )
    assert (code, sorted(set(out.split()))) == (0, ["FE00", "FF00"]), err
    code, out, err, _ = run(
        "status meta1 --from-service 127.0.0.1:6004 --marker F",
        proxy,
        meta0=mapping,
    )
    assert_one_line_error(code, out, err, 2, "--marker 'F' is no meta1 base")


# --- bases rdir lists that the directory no longer links ----------------------


def _unlinked(held):
    urls = fakeoio.container_urls(3)
    gone = cid(urls[1])

    def status(params):
        if params.get("cid") == gone:
            raise fakeoio.NotFound(404, 431, "No service located")
        return "status-healthy"

    def has(params):
        if params.get("cid") == gone:
            if params.get("service_id") != M1:
                raise fakeoio.NotFound(404, 431, "No service located")
            return {
                M1: (
                    fakeoio.peer_reply(200, body="/d/x.1.meta2:1")
                    if held
                    else fakeoio.peer_reply(431, "Container not found")
                )
            }
        return "has-healthy"

    proxy = Proxy(status=status, has=has)
    return run(
        "status meta2 --from-service %s --no-check -f value -c Reference" % M1,
        proxy,
        fakeoio.RdirClient(urls),
    )


def test_a_container_deleted_since_rdir_indexed_it_is_gone_not_an_error():
    code, out, err, _ = _unlinked(held=False)
    assert code == 0, err
    assert "3 base(s): 2 ok, 1 gone (deleted since rdir indexed them)" in err
    assert "check the service type" not in err


def test_a_copy_the_directory_links_to_nothing_is_an_orphan():
    code, out, err, _ = _unlinked(held=True)
    assert code == 4, err
    assert (
        "127.0.0.1:6005 holds a copy, but the directory links this base to "
        "no service: an orphan" in err
    )


def test_meta1_prefixes_no_peer_holds_are_not_created_even_without_check():
    mapping = {"%04X" % p: ["127.0.0.1:6004"] for p in range(0, 0x10000, 256)}
    has = {p: fakeoio.peer_reply(431, "Base not found") for p in fakeoio.PEERS}
    proxy = Proxy(has=has)
    code, out, err, _ = run(
        "status meta1 --from-service 127.0.0.1:6004 --no-check -f value",
        proxy,
        meta0=mapping,
    )
    assert code == 0, err
    assert proxy.called("status") == []  # it would create every base
    assert (
        "256 base(s): 256 ok; 256 held by no peer (election not asked: it "
        "would create them)" in err
    )
    assert "--copies-first" not in err


def test_a_scan_s_cids_feed_a_repair():
    """status ... -f value -c CID | repair --cid --from-file -"""
    urls = fakeoio.container_urls(3)
    code, out, err, _ = run(
        "status meta2 --from-service %s --no-check -f value -c CID" % M1,
        rdir=fakeoio.RdirClient(urls),
    )
    assert code == 0, err
    assert sorted(set(out.split())) == sorted(cid(u) for u in urls)
    proxy = Proxy()
    code, out, err = fakeoio.run(
        [
            "election",
            "repair",
            "meta2",
            "--cid",
            "--dry-run",
            "--from-file",
            "-",
            "-f",
            "value",
            "-c",
            "Reference",
        ],
        proxy=proxy,
        stdin=io.StringIO(out),
    )
    assert code == 0, err
    assert sorted(set(out.split())) == sorted(cid(u) for u in urls)


def test_a_name_s_cid_is_oio_s():
    code, out, err = election(
        "status meta2 FVE0 B --no-check -f value -c Reference -c CID",
        *ACCOUNT,
    )
    assert (
        "FVE0 697ECB056A5F9339B36C3B0A020B5AB17B4B0160FBEBEA203315EA1FC1B61605"
        in out
    )


def test_a_service_typo_is_said_before_the_other_bases_run(tmp_path):
    listing = tmp_path / "bases.txt"
    listing.write_text("FVE0\n")
    proxy = Proxy()
    code, out, err, _ = run(
        "sync meta2 --from-file %s --from-service 127.0.0.1:6099 "
        "--oio-account myaccount" % listing,
        proxy,
        fakeoio.RdirClient(assigned=False),
    )
    assert_one_line_error(code, out, err, 2, "'127.0.0.1:6099' is not a meta2")
    assert proxy.calls == []


def test_a_file_check_leaves_the_base_in_every_peer_s_rdir_index():
    # oio drops a base from a peer's rdir index when the file check removes
    # its scratch copy (storage.meta2.deleted): the record is put back
    urls = fakeoio.container_urls(2)
    rdir = fakeoio.RdirClient(urls)
    code, _, err, _ = run(
        "sync meta2 --from-service %s --yes --no-wait" % M1, Proxy(), rdir
    )
    assert code == 0, err
    assert rdir.forgotten == set()
    assert sorted(rdir.pushed) == [(M1, url) for url in urls]
    code, out, _, _ = run(
        "status meta2 --from-service %s --no-check -f value -c Reference"
        % fakeoio.PEERS[0],
        rdir=rdir,
    )
    assert sorted(set(out.split())) == [u.split("/", 1)[1] for u in urls]


def test_an_index_that_cannot_be_put_back_is_said():
    urls = fakeoio.container_urls(1)
    rdir = fakeoio.RdirClient(urls)
    rdir.meta2_index_push = None  # not callable: rdir refuses the push
    code, _, err, _ = run(
        "sync meta2 --from-service %s --yes --no-wait" % M1, Proxy(), rdir
    )
    assert code == 0  # the sync itself was done
    assert "the rdir index of 127.0.0.1:6005 may drop this base" in err
