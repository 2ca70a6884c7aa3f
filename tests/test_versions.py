"""The oio versions operators run (6.0.0, the first Python 3 oio, to
current): the same rows and exit codes on each, what an older oio cannot do
said plainly, and one time budget."""

import configparser
import os
import time

import pytest

import fakeoio
from cli import ACCOUNT, S3, assert_one_line_error, column, election
from fakeoio import Proxy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSIONS = {
    "6.0.1": fakeoio.AdminClient601,
    "7.3.0": fakeoio.AdminClient73,
    "2026": fakeoio.AdminClient,
}


def run(admin, argv, proxy=None, **kwargs):
    proxy = proxy or Proxy()
    manager = fakeoio.ClientManager(proxy, admin)
    modern = admin is fakeoio.AdminClient  # the global -t of 2025.28+
    return proxy, fakeoio.run(
        ["election"] + argv.split() + ACCOUNT,
        client_manager=manager,
        modern=modern,
        **kwargs,
    )


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_the_same_rows_and_codes_on_each_version(version):
    admin = VERSIONS[version]
    _, (code, out, _) = run(admin, "status meta2 FVE0 -f json")
    assert code == 0 and set(column(out, "Copy").values()) == {"ok"}
    proxy, (code, out, _) = run(admin, "sync meta2 FVE0 --no-wait -f json")
    assert code == 0 and len(proxy.called("sync")) == 1
    _, (code, out, _) = run(admin, "debug meta2 FVE0 -f json")
    assert code == 0 and column(out, "Role")["127.0.0.1:6005"] == "master"
    proxy, (code, out, err) = run(
        admin, "status meta2 FVE0", Proxy(has=fakeoio.connection_refused())
    )
    assert_one_line_error(code, out, err, 7, "cannot reach oio-proxy")


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_request_ids_carry_a_counter_on_each_version(version):
    proxy, _ = run(VERSIONS[version], "status meta2 FVE0 --request-id MYREQ")
    ids = [c[2]["headers"]["x-oio-req-id"] for c in proxy.calls]
    assert ids == ["MYREQ-%d" % n for n in range(len(ids))]


@pytest.mark.parametrize("version", ["6.0.1", "7.3.0"])
def test_the_frozen_peer_fallback_on_oio_before_9(version):
    proxy = Proxy()
    proxy.frozen = {S3}
    manager = fakeoio.ClientManager(proxy, VERSIONS[version])
    code, out, _ = fakeoio.run(
        ["election", "status", "meta2", "FVE0", "--timeout", "1", "-f", "json"]
        + ACCOUNT,
        client_manager=manager,
        modern=False,
    )
    assert code == 3 and column(out, "Role")[S3] == "timeout"
    assert manager.storage.directory.calls


def test_dry_run_says_check_type_cannot_be_sent():
    _, (code, _, err) = run(
        fakeoio.AdminClient601, "sync meta2 FVE0 --dry-run"
    )
    assert code == 0
    assert (
        "would sync (without --check-type 2: this oio cannot send it)" in err
    )


@pytest.mark.parametrize("latency,code", [(0.05, 0), (0.5, 7)])
def test_one_budget_bounds_status_with_its_copy_check(latency, code):
    proxy = Proxy(latency=latency)
    started = time.monotonic()
    got, _, err = election("status meta2 FVE0 -t 1", *ACCOUNT, proxy=proxy)
    assert time.monotonic() - started < 1.2
    assert got == code, err


def test_installing_leaves_the_pins_of_oio_6_and_7_alone():
    """oio 6.x/7.x pin cliff<3 and cmd2<0.9: the plugin requires nothing
    pip could upgrade, so that installing it changes nothing of oio's
    (the tests need cliff: the test extra brings it)."""
    setup = configparser.ConfigParser()
    setup.read(os.path.join(ROOT, "setup.cfg"))
    requires = setup["options"]["install_requires"].split()
    assert requires == []
    assert "cliff>=2.11.0" in setup["options.extras_require"]["test"]
    assert setup["options"]["python_requires"] == ">=3.9"
