"""The ``election_check`` filter as oio's meta2 crawler builds and runs it:
through filter_factory, on real SQLite files shaped like meta2 bases."""

import logging
import os
import sqlite3
from importlib.metadata import entry_points

import pytest

import fakeoio
from oio_election_sync import crawler
from oio_election_sync.takeover import _entry_points

CID = "697ECB056A5F9339B36C3B0A020B5AB17B4B0160FBEBEA203315EA1FC1B61605"
HERE_PEERS = ",".join(fakeoio.PEERS)
ADMIN = {
    "schema_version": "1.8",
    "sys.account": "myaccount",
    "sys.m2.ctime": "1795491384786370",
    "sys.m2.init": "1",
    "sys.name": CID + ".1",
    "sys.peers": HERE_PEERS,
    "sys.type": "meta2",
    "sys.user.name": "FVE0",
    "user.color": "blue",
    "version:main.admin": "4:0",
}


def make_base(directory, cid=CID, drop=(), rows=None, raw=None):
    """A base file as meta2 writes it: ``<CID>.1.meta2`` with an admin
    table (values are blobs, as sqliterepo stores them)."""
    path = os.path.join(directory, cid[:3], "%s.1.meta2" % cid)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if raw is not None:
        with open(path, "wb") as stream:
            stream.write(raw)
        return path
    base = sqlite3.connect(path)
    base.execute("CREATE TABLE admin (k TEXT PRIMARY KEY, v BLOB)")
    for key, value in (ADMIN if rows is None else rows).items():
        if key not in drop:
            base.execute(
                "INSERT INTO admin VALUES (?, ?)", (key, value.encode())
            )
    base.commit()
    base.close()
    return path


class Next:
    """The rest of the pipeline (oio's handler): counts what passed."""

    def __init__(self, app_env):
        self.app_env = app_env
        self.passed = 0

    def __call__(self, env, cb):
        self.passed += 1
        cb(200, "")

    def get_stats(self):
        return {"main": {"passed": self.passed}}

    def reset_stats(self):
        self.passed = 0


class Api:
    def __init__(self, proxy, linked=True):
        self.admin = fakeoio.AdminClient(proxy)
        self.directory = Directory(linked)
        self.rdir = fakeoio.RdirClient()
        self.rdir.directory = self.directory
        self.admin.rdir = self.rdir


class Directory:
    def __init__(self, linked):
        self.linked = linked
        self.calls = 0

    def list(self, cid=None, **kwargs):
        self.calls += 1
        if self.linked is None:
            raise fakeoio.NotFound(404, 406, "Reference not found")
        hosts = fakeoio.PEERS if self.linked else ()
        return {
            "account": "myaccount",
            "name": "FVE0",
            "srv": [{"type": "meta2", "host": h} for h in hosts],
        }


def build(tmp_path, volume_id=fakeoio.M1, proxy=None, linked=True, **conf):
    """filter_factory(global_conf, **local_conf)(app), as the crawler."""
    proxy = proxy or fakeoio.Proxy()
    app_env = {
        "api": Api(proxy, linked),
        "volume_id": volume_id,
        "volume_path": str(tmp_path),
        "logger": logging.getLogger("test.crawler"),
    }
    nxt = Next(app_env)
    factory = crawler.filter_factory({"namespace": "OPENIO"}, **conf)
    return factory(nxt), nxt, proxy


def crawl(check, path, cid=CID, suffix=None):
    env = {
        "path": path,
        "cid": cid,
        "seq": 1,
        "suffix": suffix,
        "volume_id": check.volume_id,
    }
    statuses = []
    check(env, lambda status, body: statuses.append(status))
    return statuses


def counters(check):
    return {k: v for k, v in check.get_stats()["ElectionCheck"].items() if v}


def test_registered_for_oio_s_crawler():
    names = {
        e.name: e.value
        for e in _entry_points(
            entry_points(), "oio.crawler.meta2.filter_factory"
        )
    }
    assert (
        names["election_check"] == "oio_election_sync.crawler:filter_factory"
    )


def test_a_healthy_copy_on_a_host_that_does_not_compare(tmp_path):
    check, nxt, proxy = build(tmp_path, volume_id=fakeoio.S2)
    path = make_base(str(tmp_path))
    assert crawl(check, path) == [200] and nxt.passed == 1
    assert counters(check) == {"checked": 1, "ok": 1}
    assert proxy.calls == []  # no network request at all


def test_a_copy_that_lost_a_required_key(tmp_path, caplog):
    output = tmp_path / "damaged.txt"
    check, _, proxy = build(tmp_path, volume_id=fakeoio.S2, output=str(output))
    path = make_base(str(tmp_path), drop=("sys.m2.ctime",))
    before = open(path, "rb").read()
    with caplog.at_level(logging.WARNING):
        crawl(check, path)
    assert counters(check) == {"checked": 1, "lacks_keys": 1}
    assert output.read_text() == "--cid %s.1\n" % CID
    assert "damaged: missing required sys.m2.ctime" in caplog.text
    assert open(path, "rb").read() == before  # nothing written to a base
    assert proxy.calls == []


@pytest.mark.parametrize(
    "kind,make",
    [
        ("empty", lambda d: make_base(d, rows={})),
        (
            "unreadable",
            lambda d: make_base(d, raw=b"garbage, not sqlite" * 100),
        ),
    ],
)
def test_empty_and_unreadable_copies(tmp_path, kind, make):
    check, _, _ = build(tmp_path, volume_id=fakeoio.S2)
    crawl(check, make(str(tmp_path)))
    assert counters(check) == {"checked": 1, kind: 1}


def test_an_orphan_is_not_a_damaged_copy(tmp_path):
    output = tmp_path / "damaged.txt"
    check, _, _ = build(tmp_path, linked=False, output=str(output))
    shell = {k: ADMIN[k] for k in ("sys.name", "sys.type", "sys.peers")}
    crawl(check, make_base(str(tmp_path), rows=shell))
    assert counters(check) == {"checked": 1, "orphans": 1}
    assert not output.exists()


def test_a_failed_directory_lookup_still_reports_the_damage(tmp_path):
    output = tmp_path / "damaged.txt"
    check, _, _ = build(tmp_path, output=str(output))

    def unreachable(cid=None, **kwargs):
        raise fakeoio.OioNetworkException(
            "reqid=x, host=127.0.0.1:6000", "reset"
        )

    check.app_env["api"].directory.list = unreachable
    crawl(check, make_base(str(tmp_path), drop=("sys.m2.ctime",)))
    assert counters(check) == {"checked": 1, "lacks_keys": 1, "errors": 1}
    assert output.read_text() == "--cid %s.1\n" % CID


def test_suffixed_copies_are_skipped(tmp_path):
    check, nxt, _ = build(tmp_path)
    crawl(check, make_base(str(tmp_path)) + ".repair-x", suffix="repair-x")
    assert counters(check) == {"copies": 1} and nxt.passed == 1


def test_the_first_peer_compares_the_copies_without_waking_elections(tmp_path):
    tables = {p: "get_properties-damaged-%s" % p[-4:] for p in fakeoio.PEERS}
    proxy = fakeoio.Proxy(tables=tables, has="has-damaged-admin-row")
    output = tmp_path / "damaged.txt"
    check, _, _ = build(
        tmp_path, volume_id=fakeoio.M1, proxy=proxy, output=str(output)
    )
    crawl(check, make_base(str(tmp_path)))
    assert counters(check) == {"checked": 1, "compared": 1, "diverged": 1}
    # the copy short of a key is read once more: the same rows twice
    # (lost rows), not a corrupt copy that reads otherwise each time
    assert [c[0] for c in proxy.calls] == (
        ["has"] + ["properties"] * 3 + ["has"] + ["properties"] * 3
    )
    assert all(c[1].get("local") == 1 for c in proxy.called("properties"))
    assert output.read_text() == "--cid %s.1\n" % CID


def test_a_missing_peer_copy(tmp_path):
    proxy = fakeoio.Proxy(has="missing-copy-has")
    check, _, _ = build(tmp_path, proxy=proxy)
    crawl(check, make_base(str(tmp_path)))
    assert counters(check) == {"checked": 1, "compared": 1, "missing_copy": 1}


def test_repair_runs_the_repair_workflow(tmp_path):
    tables = {p: "get_properties-damaged-%s" % p[-4:] for p in fakeoio.PEERS}
    proxy = fakeoio.Proxy(
        tables=tables,
        has="has-damaged-admin-row",
        status="status-damaged-admin-row",
        debug="debug-damaged-admin-row",
    )
    from cli import debug_with

    proxy.on(
        "sync",
        debug=debug_with({fakeoio.S2: "SYNC_OK"}),
        tables={fakeoio.S2: "get_properties-after-sync-6006"},
    )
    check, _, _ = build(
        tmp_path, proxy=proxy, repair="true", repairs_per_second="100"
    )
    crawl(check, make_base(str(tmp_path)))
    assert counters(check)["repaired"] == 1
    assert [c[0] for c in proxy.calls if c[0] in ("sync", "backup")] == [
        "backup",
        "sync",
    ]
    # its file checks made oio drop the base from rdir: put back
    rdir = check.app_env["api"].rdir
    assert sorted(rdir.pushed) == [
        (peer, "OPENIO/myaccount/FVE0") for peer in fakeoio.PEERS
    ]


def test_an_old_crawler_without_volume_id_disables_the_filter(
    tmp_path, caplog
):
    nxt = Next({})
    with caplog.at_level(logging.ERROR):
        check = crawler.filter_factory({})(nxt)
    assert "oio 9.0+ meta2 crawler needed" in caplog.text
    assert crawl(check, make_base(str(tmp_path))) == [200]
    assert counters(check) == {}


def test_reset_stats(tmp_path):
    check, _, _ = build(tmp_path, volume_id=fakeoio.S2)
    crawl(check, make_base(str(tmp_path)))
    check.reset_stats()
    assert counters(check) == {}


def test_a_base_the_directory_forgot_is_an_orphan_when_compared(tmp_path):
    proxy = fakeoio.Proxy(has=fakeoio.error_from_fixture("error-unknown-type"))
    check, _, _ = build(tmp_path, proxy=proxy, linked=None)
    crawl(check, make_base(str(tmp_path)))
    assert counters(check) == {"checked": 1, "orphans": 1}


def test_a_comparison_that_fails_is_one_error_line(tmp_path, caplog):
    proxy = fakeoio.Proxy(has=fakeoio.connection_refused())
    check, _, _ = build(tmp_path, proxy=proxy)
    with caplog.at_level(logging.ERROR):
        crawl(check, make_base(str(tmp_path)))
    assert counters(check) == {"checked": 1, "errors": 1}
    assert "not compared: cannot reach oio-proxy" in caplog.text
    assert "Traceback" not in caplog.text


# --- integrity of the local copy ---------------------------------------------


def base_with_data(directory, volume=fakeoio.S2):
    """A base with an aliases table of many rows (and an index), like a
    container with objects: its root page and leaves past the admin's."""
    path = make_base(directory)
    base = sqlite3.connect(path)
    base.execute("CREATE TABLE aliases (alias TEXT PRIMARY KEY, v BLOB)")
    base.execute("CREATE INDEX aliases_v ON aliases (v)")
    base.executemany(
        "INSERT INTO aliases VALUES (?, ?)",
        (("obj-%05d" % i, os.urandom(64)) for i in range(400)),
    )
    base.commit()
    base.close()
    return path


def garble(path, table):
    """Random bytes over the root page of a table, as disk rot does."""
    base = sqlite3.connect(path)
    (page,) = base.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
    ).fetchone()
    base.close()
    with open(path, "r+b") as stream:
        stream.seek((page - 1) * 4096)
        stream.write(os.urandom(4096))


def test_a_garbled_data_page_is_a_corrupt_copy(tmp_path, caplog):
    output = tmp_path / "damaged.txt"
    check, _, proxy = build(tmp_path, volume_id=fakeoio.S2, output=str(output))
    path = base_with_data(str(tmp_path / "vol"))
    garble(path, "aliases")
    before = open(path, "rb").read()
    with caplog.at_level(logging.WARNING):
        crawl(check, path)
    assert counters(check) == {"checked": 1, "corrupt": 1}
    assert "damaged: corrupt:" in caplog.text
    assert output.read_text() == "--cid %s.1\n" % CID
    assert open(path, "rb").read() == before and proxy.calls == []


def test_a_garbled_admin_page_is_found_without_the_network(tmp_path):
    check, _, proxy = build(tmp_path, volume_id=fakeoio.S2)
    path = base_with_data(str(tmp_path / "vol"))
    garble(path, "admin")
    crawl(check, path)
    found = counters(check)
    assert found["checked"] == 1 and (
        found.get("unreadable") or found.get("corrupt")
    ), found
    assert "ok" not in found and proxy.calls == []


def test_a_broken_index_is_not_a_corrupt_copy(tmp_path):
    # quick_check does not compare indexes with their tables: full does
    check, _, _ = build(tmp_path, volume_id=fakeoio.S2, integrity="full")
    path = base_with_data(str(tmp_path / "vol"))
    base = sqlite3.connect(path)
    # the table changes behind the index's back
    base.execute("PRAGMA writable_schema = ON")
    base.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX aliases_v ON aliases"
        " (alias)' WHERE name = 'aliases_v'"
    )
    base.commit()
    base.close()
    crawl(check, path)
    assert counters(check) == {"checked": 1, "broken_index": 1, "ok": 1}


@pytest.mark.parametrize("mode", ["quick", "full"])
def test_integrity_modes_pass_a_healthy_base(tmp_path, mode):
    check, _, _ = build(tmp_path, volume_id=fakeoio.S2, integrity=mode)
    crawl(check, base_with_data(str(tmp_path / "vol")))
    assert counters(check) == {"checked": 1, "ok": 1}


def test_leftover_corrupted_files_are_counted_never_deleted(tmp_path):
    check, nxt, _ = build(tmp_path)
    path = make_base(str(tmp_path)) + ".corrupted"
    with open(path, "wb") as stream:
        stream.write(b"x" * 1000)
    crawl(check, path, suffix="corrupted")
    stats = check.get_stats()["ElectionCheck"]
    assert stats["corrupted_files"] == 1 and stats["corrupted_bytes"] == 1000
    assert os.path.exists(path) and nxt.passed == 1


def test_odd_paths_and_files_stay_read_only(tmp_path):
    volume = tmp_path / "v#1?x%20"
    check, _, _ = build(tmp_path, volume_id=fakeoio.S2)
    path = make_base(str(volume))
    listing = sorted(os.listdir(os.path.dirname(path)))
    crawl(check, path)
    assert counters(check) == {"checked": 1, "ok": 1}
    assert sorted(os.listdir(os.path.dirname(path))) == listing
    fifo = os.path.join(str(volume), "fifo.1.meta2")
    os.mkfifo(fifo)
    crawl(check, fifo)  # would block forever if opened
    assert counters(check)["not_regular"] == 1


def test_admin_values_of_any_sqlite_type(tmp_path):
    check, _, _ = build(tmp_path, volume_id=fakeoio.S2)
    path = make_base(str(tmp_path))
    base = sqlite3.connect(path)
    base.execute("INSERT INTO admin VALUES ('odd.null', NULL)")
    base.execute("INSERT INTO admin VALUES ('odd.int', 3)")
    base.commit()
    base.close()
    crawl(check, path)
    assert counters(check) == {"checked": 1, "ok": 1}


def test_counters_are_a_prometheus_textfile_per_volume(tmp_path):
    textfiles = tmp_path / "textfile"
    textfiles.mkdir()
    check, _, _ = build(
        tmp_path, compare_peers="false", prometheus_dir=str(textfiles)
    )
    crawl(check, make_base(str(tmp_path)))
    crawl(
        check, make_base(str(tmp_path), cid="A" * 64, drop=("sys.m2.ctime",))
    )
    check.get_stats()  # the end of a pass writes it
    check.reset_stats()
    (written,) = textfiles.iterdir()  # nothing half-written beside it
    assert written.name == "oio_election_check_127_0_0_1_6005.prom"
    text = written.read_text()
    volume = 'volume="127.0.0.1:6005"'
    assert "# TYPE oio_election_check_bases_total counter" in text
    assert (
        'oio_election_check_bases_total{%s,state="checked"} 2' % volume in text
    )
    assert (
        'oio_election_check_bases_total{%s,state="lacks_keys"} 1' % volume
        in text
    )
    assert "oio_election_check_corrupted_files{%s} 0" % volume in text
    # a pass's reset does not reset the counters Prometheus reads
    crawl(check, make_base(str(tmp_path / "again")))
    check.get_stats()
    assert (
        'oio_election_check_bases_total{%s,state="checked"} 3' % volume
        in written.read_text()
    )
