"""The real ``openio`` command on a real namespace (three meta2 peers).

Skipped unless oio is importable, OIO_NS is set and its proxy answers:
    OIO_NS=OPENIO OIO_ACCOUNT=test python -m pytest tests/functional
The tests that damage copies also need the namespace's PREFIX (laid out as
the OpenIO test kit lays it out, see tools/oio-namespace/damage.py):
    OIO_ELECTION_NAMESPACE=/tmp/oio-ns
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DAMAGE = os.path.join(HERE, "..", "..", "tools", "oio-namespace", "damage.py")


def _why_not():
    try:
        import oio  # noqa: F401
    except ImportError:
        return "oio is not installed in this Python environment"
    if not shutil.which("openio"):
        return "no 'openio' command on PATH"
    namespace = os.environ.get("OIO_NS")
    if not namespace:
        return "OIO_NS is not set"
    try:
        from oio.common.configuration import load_namespace_conf

        proxy = (
            os.environ.get("OIO_PROXYD_URL")
            or load_namespace_conf(namespace)["proxy"]
        )
        host, port = proxy.replace("http://", "").split(":")
        socket.create_connection((host, int(port)), timeout=2).close()
    except Exception as exc:
        return "the proxy of namespace %s does not answer: %s" % (
            namespace,
            exc,
        )
    return None


REASON = _why_not()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")
ACCOUNT = os.environ.get("OIO_ACCOUNT") or "election-sync-tests"
PREFIX = os.environ.get("OIO_ELECTION_NAMESPACE")
needs_prefix = pytest.mark.skipif(
    not PREFIX,
    reason="OIO_ELECTION_NAMESPACE (the namespace PREFIX) is not set: "
    "cannot damage a copy",
)


def openio(*argv, timeout=120):
    started = time.monotonic()
    done = subprocess.run(
        ["openio", *argv, "--oio-account", ACCOUNT],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert "Traceback" not in done.stderr, done.stderr
    openio.elapsed = time.monotonic() - started
    return done.returncode, done.stdout, done.stderr


def election(*argv):
    return openio("election", *argv)


def rows(out):
    return json.loads(out)


def by_id(out, column):
    return {row["Id"]: row[column] for row in rows(out)}


def damage(*argv):
    done = subprocess.run(
        [sys.executable, DAMAGE, PREFIX, *argv, "--account", ACCOUNT],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def settle(container, tries=40):
    """After a restart the proxy avoids a peer for a few seconds."""
    for _ in range(tries):
        code, out, err = election(
            "status", "meta2", container, "--no-check", "-f", "json"
        )
        if code == 0:
            return by_id(out, "Role")
        time.sleep(0.5)
    raise AssertionError("not healthy: %s" % err)


@pytest.fixture
def container():
    name = "election-sync-%s" % uuid.uuid4().hex[:12]
    code, _, err = openio("container", "create", name)
    assert code == 0, err
    yield name
    openio("container", "delete", name)


def master_and_slave(container):
    roles = settle(container)
    master = [p for p, role in roles.items() if role == "master"][0]
    slave = sorted(p for p, role in roles.items() if role == "slave")[0]
    return master, slave


def shows_every_time(container, times=8):
    return all(
        openio("container", "show", container)[0] == 0 for _ in range(times)
    )


# --- healthy -----------------------------------------------------------------


def test_status_healthy(container):
    code, out, err = election("status", "meta2", container, "-f", "json")
    assert code == 0, err
    assert sorted(by_id(out, "Role").values()) == ["master", "slave", "slave"]
    assert set(by_id(out, "Copy").values()) == {"ok"}
    assert "healthy, master" in err


def test_status_by_cid_after_the_positionals(container):
    code, out, _ = openio(
        "container", "show", container, "-f", "value", "-c", "base_name"
    )
    cid = out.strip().split(".")[0]
    code, out, err = election("status", "meta2", "--cid", cid, "-f", "json")
    assert code == 0, err
    assert set(by_id(out, "Copy").values()) == {"ok"}


def test_meta1_by_reference_is_healthy(container):
    code, out, err = election("status", "meta1", container, "-f", "json")
    assert code == 0, err
    assert set(by_id(out, "Copy").values()) == {"ok"}
    code, out, err = election("debug", "meta1", "--cid", "69", "-f", "json")
    assert code == 0, err


def test_table_and_debug_name_the_implementation(container):
    code, out, err = election("status", "meta2", container, "--debug")
    assert code == 0
    assert "| Role" in out and "| Copy" in out
    assert "election status: oio-election-sync" in err


def test_sync_then_status_converges(container):
    code, out, err = election(
        "sync", "meta2", container, "--wait", "-f", "json"
    )
    assert code == 0, err
    results = sorted(by_id(out, "Result").values())
    assert results == [
        "already in sync",
        "already in sync",
        "source, not resynced",
    ]
    code, _, _ = election("status", "meta2", container)
    assert code == 0


def test_debug_table_and_json(container):
    settle(container)
    code, out, _ = election("debug", "meta2", container)
    assert code == 0 and "state: MASTER" in out and "log (newest first)" in out
    code, out, _ = election("debug", "meta2", container, "-f", "json")
    assert code == 0
    assert sorted(by_id(out, "Role").values()) == ["master", "slave", "slave"]


def test_unknown_container_is_one_line_and_exit_7():
    code, out, err = election(
        "status", "meta2", "no-such-container-%s" % uuid.uuid4().hex
    )
    assert code == 7 and out == ""
    assert "not found in account" in err and len(err.strip().splitlines()) == 1


# --- damaged copies ----------------------------------------------------------


@needs_prefix
def test_a_slave_that_lost_a_row_is_seen_and_repaired_by_sync(container):
    master, slave = master_and_slave(container)
    damage("drop-row", slave, container, "sys.m2.ctime")
    settle(container)
    code, out, err = election("status", "meta2", container, "-f", "json")
    assert code == 4, err
    assert by_id(out, "Copy")[slave] == "missing sys.m2.ctime"
    code, out, err = election(
        "sync", "meta2", container, "--wait", "-f", "json"
    )
    assert code == 0, err
    assert by_id(out, "Result")[slave] == "repaired"
    code, _, err = election("status", "meta2", container)
    assert code == 0, err
    assert shows_every_time(container)


@needs_prefix
def test_a_master_that_lost_a_row_is_refused(container):
    master, slave = master_and_slave(container)
    damage("drop-row", slave, container, "sys.m2.ctime")
    damage("make-master", slave, container)
    code, out, err = election("status", "meta2", container, "-f", "json")
    assert code == 4, err
    assert by_id(out, "Copy")[slave] == (
        "missing sys.m2.ctime (the slaves agree with each other)"
    )
    assert "master %s is the odd one out" % slave in err
    code, out, err = election("sync", "meta2", container)
    assert code == 6 and out == "" and "sync refused" in err


@needs_prefix
def test_a_missing_copy_is_seen_by_status(container):
    master, slave = master_and_slave(container)
    damage("remove-copy", slave, container)
    code, out, err = election("status", "meta2", container, "-f", "json")
    assert code == 4, err
    assert by_id(out, "Copy")[slave].startswith("missing copy")
    assert "%s copy: missing copy" % slave in err


@needs_prefix
def test_a_frozen_peer_is_a_timeout_row_within_the_budget(container):
    master, slave = master_and_slave(container)
    damage("freeze", slave)
    try:
        code, out, err = election(
            "status", "meta2", container, "-t", "4", "-f", "json"
        )
        elapsed = openio.elapsed
    finally:
        damage("thaw", slave)
    assert code == 3, err
    assert by_id(out, "Role")[slave] == "timeout"
    assert by_id(out, "Role")[master] == "master"
    assert elapsed < 4 + 1.5  # the budget, plus the CLI's own start


# --- repair -----------------------------------------------------------------


def repaired(container):
    """One repair call, then status and container show."""
    code, out, said = election("repair", "meta2", container, "-f", "json")
    assert code == 0, said
    assert "verified" in said
    code, _, err = election("status", "meta2", container)
    assert code == 0, err
    assert shows_every_time(container)
    return by_id(out, "Result"), said


@needs_prefix
def test_repair_a_slave_that_lost_a_row(container):
    master, slave = master_and_slave(container)
    damage("drop-row", slave, container, "sys.m2.ctime")
    settle(container)
    results, err = repaired(container)
    assert results[slave] == "repaired"
    assert "resynced from master %s" % master in err


@needs_prefix
def test_repair_a_master_that_lost_a_row(container):
    master, slave = master_and_slave(container)
    damage("drop-row", slave, container, "sys.m2.ctime")
    damage("make-master", slave, container)
    results, err = repaired(container)
    assert results[slave] == "repaired"
    assert "written through the master from the slaves' value" in err


@needs_prefix
def test_repair_a_slave_whose_copy_was_deleted(container):
    master, slave = master_and_slave(container)
    damage("remove-copy", slave, container)
    results, err = repaired(container)
    assert results[slave] == "repaired"


@needs_prefix
def test_repair_a_master_that_lost_a_user_property(container):
    code, _, err = openio(
        "container", "set", "--property", "color=blue", container
    )
    assert code == 0, err
    master, slave = master_and_slave(container)
    damage("drop-row", slave, container, "user.color")
    damage("make-master", slave, container)
    results, err = repaired(container)
    assert results[slave] == "repaired"
    assert "it left the election" in err
    code, out, _ = openio("container", "show", container, "-f", "json")
    assert json.loads(out)["meta.color"] == "blue"


# --- never the worse copy, corrupt copies ------------------------------------


@needs_prefix
def test_stale_slaves_are_named_and_the_newer_master_kept(container, tmp_path):
    """Two slaves restored from an old copy: status names them stale (and
    says that oio's election resynced them, woken by the status); repair
    leaves the base healthy with what was written since."""
    master, slave = master_and_slave(container)
    old = str(tmp_path / "old.meta2")
    damage("keep", slave, container, old)
    code, _, err = openio(
        "container", "set", container, "--property", "added=yes"
    )
    assert code == 0, err
    slaves = [p for p, r in settle(container).items() if r == "slave"]
    for peer in slaves:
        damage("put-back", peer, container, old)
    code, out, err = election("status", "meta2", container, "-f", "json")
    assert code == 4, err
    for peer in slaves:
        assert by_id(out, "Copy")[peer].startswith(
            "stale: behind on main.admin"
        ), out
    assert by_id(out, "Copy")[master] == "ok"
    code, _, err = election("repair", "meta2", container, "-f", "json")
    assert code == 0, err
    code, _, err = election("status", "meta2", container)
    assert code == 0, err
    shown = [
        json.loads(openio("container", "show", container, "-f", "json")[1])
        for _ in range(6)
    ]
    assert all(s.get("meta.added") == "yes" for s in shown)


@needs_prefix
def test_a_garbled_admin_page_is_a_corrupt_copy(container):
    code, _, err = openio(
        "container", "set", container, "--property", "color=blue"
    )
    assert code == 0, err
    _, slave = master_and_slave(container)
    damage("garble", slave, container, "2")
    code, out, err = election("status", "meta2", container, "-f", "json")
    assert code == 4, err
    assert by_id(out, "Copy")[slave].startswith("corrupt"), out
    assert "missing" not in by_id(out, "Copy")[slave]
    assert election("status", "meta2", container)[0] == 0


def retried_while_avoided(*argv, seconds=30):
    """For a few seconds after a restart the proxy avoids the peer on some
    routes ("Request avoided, service marked down"): exit 7, retry."""
    deadline = time.monotonic() + seconds
    while True:
        code, out, err = election(*argv)
        if code != 7 or "marked down" not in err:
            return code, out, err
        if time.monotonic() > deadline:
            return code, out, err
        time.sleep(1)


def integrity(container):
    return dict(
        line.split(" ", 1)
        for line in damage("integrity", container).splitlines()
    )


@needs_prefix
def test_a_warm_master_s_corrupt_file_is_never_sent(container):
    """Disk rot under the running master: every read of its warm cache is
    sane; sync refuses to send its file (even --force), and repair makes
    it hand over and resyncs it, every copy passing integrity_check."""
    code, _, err = openio("container", "set", container, "--property", "k1=v1")
    assert code == 0, err
    master, _ = master_and_slave(container)
    assert shows_every_time(container, 3)  # the master's cache is warm
    damage("rot", master, container, "14")
    assert integrity(container)[master] != "ok"
    for force in ((), ("--force",)):
        code, _, err = election("sync", "meta2", container, "--wait", *force)
        assert code == 6, err
        assert "a fresh copy of its file fails oio's check" in err
    slaves_sane = {
        p: v for p, v in integrity(container).items() if p != master
    }
    assert set(slaves_sane.values()) == {"ok"}, slaves_sane
    code, out, err = election("repair", "meta2", container, "-f", "json")
    assert code == 0, err
    assert by_id(out, "Result")[master] == "repaired", out
    assert set(integrity(container).values()) == {"ok"}
    shown = json.loads(openio("container", "show", container, "-f", "json")[1])
    assert shown.get("meta.k1") == "v1"


@needs_prefix
def test_a_slave_s_corrupt_data_page_is_found_and_repaired(container):
    """A garbled data page on a slave reads sane to every request (only
    its file shows it): repair finds it with the file check."""
    code, _, err = openio("container", "set", container, "--property", "k1=v1")
    assert code == 0, err
    _, slave = master_and_slave(container)
    damage("garble", slave, container, "14")
    assert integrity(container)[slave] != "ok"
    code, out, err = retried_while_avoided(
        "repair", "meta2", container, "-f", "json"
    )
    assert code == 0, err
    assert by_id(out, "Result")[slave] == "repaired", out
    assert set(integrity(container).values()) == {"ok"}
