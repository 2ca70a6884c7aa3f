"""The real ``openio`` command on a real namespace (three meta2 peers).

Skipped unless oio is importable, OIO_NS is set and its proxy answers:
    OIO_NS=OPENIO OIO_ACCOUNT=test python -m pytest tests/functional
"""

import json
import os
import shutil
import socket
import subprocess
import uuid

import pytest


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


def openio(*argv):
    done = subprocess.run(
        ["openio", *argv, "--oio-account", ACCOUNT],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def container():
    name = "election-sync-%s" % uuid.uuid4().hex[:12]
    code, _, err = openio("container", "create", name)
    assert code == 0, err
    yield name
    openio("container", "delete", name)


def roles(rows):
    return sorted(row["Role"] for row in rows)


def test_status_healthy(container):
    code, out, err = openio(
        "election", "status", "meta2", container, "-f", "json"
    )
    rows = json.loads(out)
    assert code == 0, err
    assert roles(rows) == ["master", "slave", "slave"]
    assert {row["Copy"] for row in rows} == {"ok"}
    master = [row["Id"] for row in rows if row["Role"] == "master"][0]
    assert "healthy, master %s" % master in err


def test_status_table_and_debug_names_the_implementation(container):
    code, out, err = openio(
        "election", "status", "meta2", container, "--debug"
    )
    assert code == 0
    assert "| Role" in out and "| Copy" in out
    assert "election status: oio-election-sync" in err


def test_sync_then_status_converges(container):
    code, out, err = openio(
        "election", "sync", "meta2", container, "--wait", "-f", "json"
    )
    rows = json.loads(out)
    assert code == 0, err
    results = sorted(row["Result"] for row in rows)
    assert results[0] in ("already in sync", "repaired")
    assert results[-1] == "source, not resynced"
    code, out, _ = openio(
        "election", "status", "meta2", container, "-f", "json"
    )
    assert code == 0 and roles(json.loads(out)) == ["master", "slave", "slave"]


def test_sync_no_wait_and_dry_run(container):
    code, out, _ = openio(
        "election",
        "sync",
        "meta2",
        container,
        "--no-wait",
        "-f",
        "value",
        "-c",
        "Result",
    )
    assert code == 0
    assert sorted(out.splitlines()) == [
        "resync triggered",
        "resync triggered",
        "source, not resynced",
    ]
    code, out, err = openio(
        "election",
        "sync",
        "meta2",
        container,
        "--dry-run",
        "-f",
        "value",
        "-c",
        "Role",
    )
    assert code == 0 and "dry run, nothing changed" in err


def test_debug_table_and_json(container):
    code, out, _ = openio("election", "debug", "meta2", container)
    assert code == 0 and "state: MASTER" in out and "log (newest first)" in out
    code, out, _ = openio(
        "election", "debug", "meta2", container, "-f", "json"
    )
    rows = json.loads(out)
    assert code == 0 and roles(rows) == ["master", "slave", "slave"]
    assert all(isinstance(row["Body"], dict) for row in rows)


def test_unknown_container_is_one_line_and_exit_7():
    code, out, err = openio(
        "election",
        "status",
        "meta2",
        "no-such-container-%s" % uuid.uuid4().hex,
    )
    assert code == 7 and out == ""
    assert "not found in account" in err and len(err.strip().splitlines()) == 1
