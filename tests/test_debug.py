"""``openio election debug``: each peer's own view, readable in a table,
raw in json; whatever a peer sends is shown, never a crash."""

import csv
import io

import pytest

from cli import ACCOUNT, M1, S2, S3, column, election, rows
from fakeoio import Proxy, fixture_body, peer_reply


def debug(line="", proxy=None):
    return election("debug meta2 FVE0 " + line, *ACCOUNT, proxy=proxy)


def test_table_is_readable():
    code, out, err = debug()
    assert code == 0 and err == "meta2 FVE0: every peer answered\n"
    assert "state: SLAVE (id 18)" in out
    assert "master: 127.0.0.1:6005 (id 15)" in out
    assert "zk: 127.0.0.1:2181 /hc/ns/OPENIO/el/meta2/D9/EA/" in out
    assert "1795484315654:SYNCING:SYNC_OK:SLAVE" in out


def test_json_is_the_raw_body():
    code, out, _ = debug("-f json")
    assert rows(out)[0]["Body"] == fixture_body("debug-healthy")[M1]["body"]


def test_human_dates_newest_first():
    _, out, _ = debug("--human -f json")
    log = rows(out)[1]["Body"]["log"]
    assert log[0].endswith(".654 SYNCING, SYNC_OK -> SLAVE")
    stamps = [line[:23] for line in log]
    assert stamps == sorted(stamps, reverse=True) and log[0][:2] == "20"


def test_peer_down():
    code, out, err = debug("--human -f csv", Proxy(debug="debug-peer-down"))
    found = list(csv.DictReader(io.StringIO(out)))
    assert (found[2]["Role"], found[2]["Body"]) == ("down", "")
    assert code == 3 and "UNHEALTHY: 127.0.0.1:6007 down" in err


def test_roles_from_the_members_state():
    body = fixture_body("debug-healthy")
    body[S2]["body"]["local"]["state"] = "SYNCING"
    body[S3]["body"] = None  # no election for this base on that peer
    code, out, _ = debug("-f json", Proxy(debug=body))
    assert column(out, "Role") == {
        M1: "master",
        S2: "electing",
        S3: "no election",
    }
    assert code == 0


@pytest.mark.parametrize(
    "member,shown",
    [
        ("just text", "just text"),
        (["a", "list"], '["a", "list"]'),
        ({"local": "SLAVE", "master": 3, "log": "x"}, "state: None"),
        (
            {"local": {"state": "SLAVE"}, "log": ["99999999999999999:A:B:C"]},
            "99999999999999999:A:B:C",
        ),
        (
            {"local": {"state": "SLAVE"}, "log": [12, None, "not:a:log"]},
            "not:a:log",
        ),
        (
            {"local": {"state": "SLAVE\x1b[2J"}, "peers": ["a\nb"]},
            "SLAVE\\x1b[2J",
        ),
    ],
)
@pytest.mark.parametrize("human", ["", "--human"])
def test_malformed_bodies_are_shown_raw(member, shown, human):
    body = fixture_body("debug-healthy")
    body[S2] = peer_reply(200, body=member)
    code, out, err = debug(human, Proxy(debug=body))
    assert code == 0 and "Traceback" not in err
    assert shown in out
    code, out, _ = debug(human + " -f json", Proxy(debug=body))
    assert code == 0 and len(rows(out)) == 3


def test_one_reference_only():
    code, out, err = election("debug meta2 A B", *ACCOUNT)
    assert (code, out) == (2, "")
    assert err == "election debug takes one reference, got 2\n"
