"""Every write leaves a line in the log of oio's set-up (``openio
--log-file``): base, peers, action, request id, backup path, outcome; the
terminal shows only what the command says."""

import re

import fakeoio
from cli import ACCOUNT, damaged_slave, heals_on_sync


def repaired_proxy():
    return heals_on_sync(damaged_slave())


def audit_lines(path):
    return [
        line
        for line in path.read_text().splitlines()
        if "oio_election_sync.audit" in line
    ]


def test_a_repair_s_backup_and_sync_are_in_the_log_file(tmp_path):
    log = tmp_path / "openio.log"
    code, _, err = fakeoio.run(
        ["--log-file", str(log), "election", "repair", "meta2", "FVE0"]
        + ACCOUNT,
        proxy=repaired_proxy(),
    )
    assert code == 0
    lines = audit_lines(log)
    (backup,) = [line for line in lines if "election backup:" in line]
    (sync,) = [line for line in lines if "election sync:" in line]
    # each copy's file check: its scratch copy, the check, its removal
    checks = [line for line in lines if "election file check:" in line]
    assert len(checks) == 9 and "suffix=filecheck-" in checks[0]
    # the file checks' cleanup made oio drop the base's rdir records: each
    # put back, and said
    put_back = [l for l in lines if "election rdir index" in l]
    assert len(put_back) == 3 and all(
        'outcome="put back"' in l for l in put_back
    )
    assert re.search(
        r"INFO .*election backup: type=meta2 base=FVE0 peers=127\.0\.0\.1:6006 "
        r"reqid=CLI-election-backup-\d+-[0-9A-F]{16} outcome=ok "
        r"path=\S+\.1\.meta2\.repair-\d{8}T\d{6}Z-[0-9a-f]{6}$",
        backup,
    )
    assert re.search(
        r"election sync: type=meta2 base=FVE0 peers=127\.0\.0\.1:6005,"
        r"127\.0\.0\.1:6006 reqid=CLI-election-sync-\S+ outcome="
        r'"127\.0\.0\.1:6005:301 127\.0\.0\.1:6006:200"$',
        sync,
    )
    assert "oio_election_sync.audit" not in err and "base=" not in err


def test_a_failed_write_is_in_the_log_too(tmp_path):
    log = tmp_path / "openio.log"
    proxy = fakeoio.Proxy(sync=fakeoio.ServiceBusy(503, 503, "overloaded"))
    code, _, _ = fakeoio.run(
        ["--log-file", str(log), "election", "sync", "meta2", "FVE0"]
        + ACCOUNT,
        proxy=proxy,
    )
    assert code == 7
    (line,) = [l for l in audit_lines(log) if "election sync:" in l]
    assert "election sync: type=meta2 base=FVE0 peers=all" in line
    assert 'outcome="failed: ' in line and "overloaded" in line


def test_reads_leave_no_audit_line(tmp_path):
    log = tmp_path / "openio.log"
    fakeoio.run(
        ["--log-file", str(log), "election", "status", "meta2", "FVE0"]
        + ACCOUNT,
        proxy=damaged_slave(),
    )
    assert audit_lines(log) == []


def test_a_name_cannot_forge_an_audit_line(tmp_path):
    log = tmp_path / "openio.log"
    forged = "nl\nINFO oio_election_sync.audit election sync: base=FORGED"
    urls = ["OPENIO/acct/" + forged, "OPENIO/acct/sp ace outcome=ok"]
    rdir = fakeoio.RdirClient(urls)
    code, _, _ = fakeoio.run(
        ["--log-file", str(log), "election", "sync", "meta2"]
        + ["--from-service", fakeoio.M1, "--yes", "--no-wait"],
        client_manager=fakeoio.ClientManager(fakeoio.Proxy(), rdir=rdir),
    )
    assert code == 0
    syncs = [
        line
        for line in audit_lines(log)
        if "oio_election_sync.audit election sync: type=" in line
    ]
    assert len(syncs) == 2  # one line each, whatever the names hold
    assert not any(
        line.startswith("INFO") for line in log.read_text().splitlines()
    )
    assert 'base="acct/sp ace outcome=ok"' in "\n".join(syncs)
    assert 'base="acct/nl\\\\x0aINFO' in "\n".join(syncs)
