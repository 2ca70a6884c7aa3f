"""The peer interpretation on its own: roles, verdicts, copies, logs."""

import pytest

from oio_election_sync import peers as P
from fakeoio import fixture_body


def replies(name):
    body = fixture_body(name)
    return P.parse_replies(body)


def make(*items):
    return [
        P.PeerReply(peer, code, message, "") for peer, code, message in items
    ]


M, S1, S2 = "10.0.0.1:6005", "10.0.0.2:6006", "10.0.0.3:6007"


def test_healthy_fixture_is_healthy():
    verdict = P.election_verdict(replies("status-healthy"))
    assert verdict.healthy and verdict.master == "127.0.0.1:6005"
    assert (
        verdict.summary("meta2 FVE0")
        == "meta2 FVE0: healthy, master 127.0.0.1:6005"
    )


def test_peer_down_fixture_is_unhealthy():
    verdict = P.election_verdict(replies("status-peer-down"))
    assert verdict.exit_code == P.EXIT_UNHEALTHY
    assert verdict.problems[0].startswith(
        "127.0.0.1:6007 down (8 Request avoided"
    )


@pytest.mark.parametrize(
    "code,role",
    [
        (200, P.MASTER),
        (303, P.SLAVE),
        (2, P.DOWN),
        (8, P.DOWN),
        (10, P.DOWN),
        (5, P.TIMEOUT),
        (7, P.TIMEOUT),
        (500, P.ERROR),
        (42, P.ERROR),
    ],
)
def test_status_roles(code, role):
    assert P.status_role(P.PeerReply("p", code, "m", "")) == role


@pytest.mark.parametrize(
    "code,role", [(301, P.MASTER), (200, P.SLAVE), (8, P.DOWN), (503, P.ERROR)]
)
def test_sync_roles(code, role):
    assert P.sync_role(P.PeerReply("p", code, "m", "")) == role


def test_two_masters():
    verdict = P.election_verdict(
        make((M, 200, "OK"), (S1, 200, "OK"), (S2, 303, M))
    )
    assert not verdict.healthy and verdict.master is None
    assert "2 masters: %s, %s" % (M, S1) in verdict.problems


def test_no_master():
    verdict = P.election_verdict(make((S1, 303, M), (S2, 303, M)))
    assert verdict.problems == ["no master"]


def test_slaves_disagree_on_master():
    verdict = P.election_verdict(
        make((M, 200, "OK"), (S1, 303, M), (S2, 303, S1))
    )
    assert verdict.problems == [
        "slave %s names master %s, not %s" % (S2, S1, M)
    ]


def test_unknown_code_is_an_error():
    verdict = P.election_verdict(
        make((M, 200, "OK"), (S1, 303, M), (S2, 500, "Election failed"))
    )
    assert verdict.problems == ["%s error (500 Election failed)" % S2]


@pytest.mark.parametrize(
    "raw,why",
    [
        ([], "expected a JSON object"),
        ({}, "names no peer"),
        (None, "expected a JSON object"),
        ({"p": {"body": ""}}, "no 'status' object"),
        (
            {"p": {"status": {"status": "200", "message": "OK"}}},
            "not an integer",
        ),
        (
            {"p": {"status": {"status": True, "message": "OK"}}},
            "not an integer",
        ),
        ({"p": {"status": {"status": 200, "message": 3}}}, "not a string"),
        ({"p": "OK"}, "no 'status' object"),
    ],
)
def test_malformed_replies(raw, why):
    with pytest.raises(P.MalformedReply, match=why):
        P.parse_replies(raw)


def test_sync_results_in_words():
    results = [P.sync_result(r) for r in replies("sync-peer-down")]
    assert results == [P.SOURCE, P.TRIGGERED, P.NOT_REACHED]
    verdict = P.sync_verdict(replies("sync-peer-down"))
    assert verdict.exit_code == P.EXIT_SYNC_FAILED


def test_debug_roles_from_state():
    got = {r.peer: P.debug_role(r) for r in replies("debug-peer-down")}
    assert got == {
        "127.0.0.1:6005": P.MASTER,
        "127.0.0.1:6006": P.SLAVE,
        "127.0.0.1:6007": P.DOWN,
    }
    assert P.debug_role(P.PeerReply("p", 200, "OK", None)) == P.NO_ELECTION
    assert P.debug_role(P.PeerReply("p", 200, "OK", {})) == P.NO_ELECTION
    syncing = {"local": {"state": "SYNCING"}}
    assert P.debug_role(P.PeerReply("p", 200, "OK", syncing)) == P.ELECTING


def table(name):
    return P.replicated_keys(fixture_body(name))


def test_damaged_copy_names_the_missing_key():
    assert (
        P.compare_tables(
            table("get_properties-damaged-6005"),
            table("get_properties-damaged-6006"),
        )
        == "missing sys.m2.ctime"
    )
    assert (
        P.compare_tables(
            table("get_properties-healthy-6005"),
            table("get_properties-after-sync-6006"),
        )
        == P.OK
    )


def test_per_file_stats_are_not_compared_but_versions_are():
    master = table("get_properties-healthy-6005")
    raw = fixture_body("get_properties-healthy-6006")
    raw["system"]["stats.page_count"] = "999"
    assert P.compare_tables(master, P.replicated_keys(raw)) == P.OK
    raw["system"]["version:main.aliases"] = "2:0"
    raw["properties"]["color"] = "red"
    raw["system"]["sys.extra"] = "1"
    assert (
        P.compare_tables(master, P.replicated_keys(raw))
        == "different properties.color, version:main.aliases; extra sys.extra"
    )


def test_required_keys_of_a_master():
    damaged = table("get_properties-damaged-6006")
    assert P.missing_required("meta2", damaged) == ["sys.m2.ctime"]
    assert P.missing_required("meta1", damaged) == []
    assert P.missing_required("meta2", {}) == list(P.REQUIRED_KEYS["meta2"])


def test_last_sync_outcome_is_the_newest_sync_entry():
    body = fixture_body("debug-after-sync-ok")["127.0.0.1:6007"]["body"]
    entry = P.last_sync_outcome(body)
    assert (entry.time_ms, entry.event) == (1795484341541, P.SYNC_OK)
    assert P.last_sync_outcome({"log": ["junk", "1:A:SYNC_REQ:B"]}) is None
    assert P.last_sync_outcome("") is None


@pytest.mark.parametrize(
    "before,event,after,outcome",
    [
        ("missing sys.m2.ctime", P.SYNC_OK, P.OK, P.REPAIRED),
        (P.OK, P.SYNC_OK, P.OK, P.ALREADY_IN_SYNC),
        (P.OK, P.SYNC_KO, P.OK, P.FAILED_KO),
        (P.OK, None, None, P.NO_OUTCOME),
        (None, P.SYNC_OK, None, P.NOT_VERIFIED),
        (
            "missing sys.m2.ctime",
            P.SYNC_OK,
            "missing sys.m2.ctime",
            "still diverges: missing sys.m2.ctime",
        ),
    ],
)
def test_wait_outcomes(before, event, after, outcome):
    entry = P.LogEntry(1, "SYNCING", event, "SLAVE") if event else None
    assert P.wait_outcome(before, entry, after) == outcome


def test_worst_exit_code():
    from oio_election_sync.exitcodes import worst

    assert worst([]) == P.EXIT_OK
    assert (
        worst([P.EXIT_OK, P.EXIT_DIVERGED, P.EXIT_UNHEALTHY])
        == P.EXIT_DIVERGED
    )
    assert worst([P.EXIT_ERROR, P.EXIT_SYNC_FAILED]) == P.EXIT_ERROR


def test_partial_view_takes_the_master_the_slaves_name():
    only_slaves = make((S1, 303, M), (S2, 303, M))
    assert P.election_verdict(only_slaves, partial=True).master == M
    assert P.election_verdict(only_slaves, partial=True).healthy
    disagree = make((S1, 303, M), (S2, 303, S1))
    assert P.election_verdict(disagree, partial=True).problems == ["no master"]
