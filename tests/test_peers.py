"""The interpretation of peers on its own: roles, problems, copies, logs."""

import pytest

from fakeoio import fixture_body
from oio_election_sync import peers as P
from oio_election_sync import model as MD
from oio_election_sync import copies as C
from oio_election_sync.model import FileCheck
from oio_election_sync import exitcodes as X
from oio_election_sync import render

K = MD.Kind
M, S1, S2 = "10.0.0.1:6005", "10.0.0.2:6006", "10.0.0.3:6007"


def replies(name):
    return P.parse_replies(fixture_body(name))


def make(*items):
    return [
        MD.PeerReply(peer, code, message, "") for peer, code, message in items
    ]


def kinds(problems):
    return [(p.peer, p.kind) for p in problems]


# --- the election ------------------------------------------------------------


def test_healthy_fixture_is_healthy():
    judged = P.judge_election(replies("status-healthy"))
    assert judged.problems == [] and judged.master == "127.0.0.1:6005"


def test_peer_down_fixture():
    judged = P.judge_election(replies("status-peer-down"))
    assert kinds(judged.problems) == [("127.0.0.1:6007", K.DOWN)]
    assert MD.exit_code(judged.problems) == 3
    assert render.problem(judged.problems[0]).startswith(
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
    assert P.status_role(MD.PeerReply("p", code, "m", "")) == role


@pytest.mark.parametrize(
    "code,role", [(301, P.MASTER), (200, P.SLAVE), (8, P.DOWN), (503, P.ERROR)]
)
def test_sync_roles(code, role):
    assert P.sync_role(MD.PeerReply("p", code, "m", "")) == role


def test_two_masters():
    judged = P.judge_election(
        make((M, 200, "OK"), (S1, 200, "OK"), (S2, 303, M))
    )
    assert judged.master is None
    assert render.problems(judged.problems) == "2 masters: %s, %s" % (M, S1)


def test_no_master():
    judged = P.judge_election(make((S1, 303, M), (S2, 303, M)))
    assert render.problems(judged.problems) == "no master"


def test_slaves_disagree_on_master():
    judged = P.judge_election(
        make((M, 200, "OK"), (S1, 303, M), (S2, 303, S1))
    )
    assert render.problems(judged.problems) == (
        "slave %s names master %s, not %s" % (S2, S1, M)
    )


def test_partial_view_takes_the_master_the_slaves_name():
    judged = P.judge_election(make((S1, 303, M)), partial=True)
    assert judged.master == M and judged.problems == []


# --- copies ------------------------------------------------------------------

BASE = {
    "sys.name": "N",
    "sys.type": "meta2",
    "sys.account": "a",
    "sys.user.name": "u",
    "sys.m2.ctime": "1",
    "sys.m2.init": "1",
    "version:main.admin": "4:0",
}


def without(*keys, **changes):
    table = {k: v for k, v in BASE.items() if k not in keys}
    table.update(changes)
    return table


def test_replicated_keys_leave_out_per_file_stats_and_prefix_properties():
    keys = C.replicated_keys(fixture_body("get_properties-healthy-6005"))
    assert "properties.color" in keys and not any(
        k.startswith("stats.") for k in keys
    )


def test_an_empty_table_is_none():
    assert C.replicated_keys({"properties": {}, "system": {}}) is None


def test_a_slave_that_lost_a_row():
    copies = C.judge_copies(
        "meta2", M, {}, {M: BASE, S1: without("sys.m2.ctime"), S2: BASE}, {}
    )
    assert copies.reference == (M, S2)
    assert copies.states[S1] == (
        K.COPY_DIFFERS,
        MD.Diff(("sys.m2.ctime",), (), ()),
    )
    assert kinds(copies.problems) == [(S1, K.COPY_DIFFERS)]


def test_the_master_is_the_odd_one_out_when_the_slaves_agree():
    copies = C.judge_copies(
        "meta2", M, {}, {M: without("sys.m2.ctime"), S1: BASE, S2: BASE}, {}
    )
    assert copies.reference == (S1, S2)
    assert kinds(copies.problems) == [(M, K.MASTER_ODD)]
    assert render.copy_state(copies.states[M]) == (
        "missing sys.m2.ctime (the slaves agree with each other)"
    )


def test_two_copies_the_one_that_lost_rows_is_wrong():
    copies = C.judge_copies(
        "meta2",
        M,
        {},
        {M: without("properties.x"), S1: dict(BASE, **{"properties.x": "1"})},
        {},
    )
    assert copies.reference == (S1,)
    assert kinds(copies.problems) == [(M, K.MASTER_ODD)]


def test_no_two_copies_agree():
    copies = C.judge_copies(
        "meta2",
        M,
        {},
        {
            M: BASE,
            S1: without(**{"sys.m2.init": "2"}),
            S2: without(**{"sys.m2.init": "3"}),
        },
        {},
    )
    assert copies.reference == ()
    assert kinds(copies.problems) == [(None, K.NO_AGREEMENT)]
    assert MD.exit_code(copies.problems) == 4


def test_a_reference_without_required_keys_is_no_reference():
    lost = without("sys.m2.ctime")
    copies = C.judge_copies("meta2", M, {}, {M: lost, S1: lost, S2: lost}, {})
    assert copies.reference == ()
    assert kinds(copies.problems) == [
        (M, K.COPY_LACKS),
        (S1, K.COPY_LACKS),
        (S2, K.COPY_LACKS),
    ]


def test_missing_and_unread_copies():
    copies = C.judge_copies("meta2", M, {S1: True}, {M: BASE}, {S2: "boom"})
    assert render.copy_state(copies.states[S1]) == (
        "missing copy; re-created by the election during this check"
    )
    assert MD.exit_code(copies.problems) == 7  # not read: a failed request


def test_meta1_requires_only_name_and_type():
    table = {
        "sys.name": "6900",
        "sys.type": "meta1",
        "version:main.admin": "1:0",
    }
    copies = C.judge_copies("meta1", M, {}, {M: table}, {})
    assert copies.problems == [] and copies.reference == (M,)


# --- election log ------------------------------------------------------------


def test_parse_log_entry():
    assert P.parse_log_entry(
        "1517326850602:CHECKING_MASTER:GETVERS_OK:SLAVE"
    ) == (P.LogEntry(1517326850602, "CHECKING_MASTER", "GETVERS_OK", "SLAVE"))
    assert P.parse_log_entry("garbage") is None
    assert P.parse_log_entry(42) is None


def test_sync_outcome_only_after_the_horizon():
    body = {
        "log": [
            "300:SYNCING:SYNC_OK:SLAVE",
            "200:SLAVE:SYNC_REQ:SYNCING",
            "100:SYNCING:SYNC_KO:SLAVE",
        ]
    }
    assert P.sync_outcome_after(body, 250).event == "SYNC_OK"
    assert P.sync_outcome_after(body, 300) is None
    assert P.log_horizon(body) == 300
    assert P.log_horizon(None) == 0  # no member yet: an empty log
    assert P.log_horizon({"log": "not a list"}) is None


@pytest.mark.parametrize(
    "before,before_ok,event,after,source,expected",
    [
        (BASE, True, "SYNC_OK", BASE, BASE, ([], MD.Result.ALREADY_IN_SYNC)),
        (
            without("sys.m2.ctime"),
            False,
            "SYNC_OK",
            BASE,
            BASE,
            ([], MD.Result.REPAIRED),
        ),
        (None, False, "SYNC_OK", BASE, BASE, ([], MD.Result.IN_SYNC)),
        (BASE, True, "SYNC_KO", BASE, BASE, [K.SYNC_KO]),
        (BASE, True, None, BASE, BASE, [K.NO_OUTCOME]),
        (BASE, True, "SYNC_OK", None, BASE, [K.NOT_VERIFIED]),
        (
            BASE,
            True,
            "SYNC_OK",
            without("sys.m2.ctime"),
            BASE,
            [K.STILL_DIFFERS],
        ),
        (
            BASE,
            True,
            "SYNC_OK",
            without("sys.m2.ctime"),
            without("sys.m2.ctime"),
            [K.LOST_KEYS],
        ),
        # an odd slave losing its extra row is the repair
        (
            dict(BASE, **{"properties.x": "1"}),
            False,
            "SYNC_OK",
            BASE,
            BASE,
            ([], MD.Result.REPAIRED),
        ),
    ],
)
def test_resync_outcome(before, before_ok, event, after, source, expected):
    entry = P.LogEntry(1, "SYNCING", event, "SLAVE") if event else None
    problems, state = C.resync_outcome(
        S1, before, before_ok, entry, after, source
    )
    if isinstance(expected, tuple):
        assert (problems, state) == expected
    else:
        assert [p.kind for p in problems] == expected and state is None


def test_every_kind_has_an_exit_code_and_words():
    unread = MD.Unread(MD.Why.FAILED, "x")
    for kind in K:
        if True:
            assert kind.exit_code in {code for code, _ in X.TABLE}
            detail = {
                K.DOWN: (8, "x"),
                K.TIMEOUT: (7, "x"),
                K.PEER_ERROR: (500, "x"),
                K.MASTERS: ("a", "b"),
                K.WRONG_MASTER: ("a", "b"),
                K.COPY_DIFFERS: MD.Diff(("a",), (), ()),
                K.MASTER_ODD: MD.Diff(("a",), (), ()),
                K.STILL_DIFFERS: MD.Diff(("a",), (), ()),
                K.COPY_LACKS: ("a",),
                K.LOST_KEYS: ("a",),
                K.NO_AGREEMENT: ("a", "b"),
                K.NOT_TRIGGERED: ("down", 8, "x"),
                K.SOURCE_MOVED: ("a", ("b",)),
                K.REMAINS: MD.Problem("p", K.COPY_LACKS, ("a",)),
                K.NOT_REACHED: (2, "x"),
                K.COPY_STALE: MD.Stale(
                    (("main.admin", 3, 5),), MD.Diff(("a",), (), ())
                ),
                K.COPY_CORRUPT: MD.Corrupt(MD.Evidence.REPLY, True),
                K.PREFLIGHT_UNREAD: MD.CopyState(K.NOT_READ, unread),
                K.NOT_READ: unread,
                K.NOT_VERIFIED: unread,
                K.FILE_UNCHECKED: FileCheck(
                    MD.FILE_UNCHECKED, "x", "copy failed", ("s",)
                ),
                K.DIVERGED: (
                    ("a", (("main.admin", 5, 4),)),
                    ("b", (("main.aliases", 3, 2),)),
                ),
                K.MASTER_FIRST: MD.CopyState(
                    K.COPY_STALE, MD.Stale((), MD.Diff((), (), ()))
                ),
                K.NEWER_COPY: MD.Stale(
                    (("main.admin", 5, 4),), MD.Diff((), (), ("x",))
                ),
            }.get(kind, "x")
            assert render.problem(MD.Problem("p", kind, detail))


def test_odd_table_values_stay_comparable():
    keys = C.replicated_keys(
        {"system": {"sys.name": "n"}, "properties": {"x": ["blue"], "y": 3}}
    )
    assert keys["properties.x"] == '["blue"]' and keys["properties.y"] == "3"
    with pytest.raises(MD.MalformedReply):
        C.replicated_keys({"system": {1: "x"}})


def test_a_timestamp_of_unicode_digits_is_not_a_log_entry():
    assert P.parse_log_entry("\u00b2:SYNCING:SYNC_OK:SLAVE") is None


def test_text_made_safe_skips_only_what_needs_no_escape():
    from oio_election_sync import text

    # the fast path of clean() (printable text) never skips an escape
    assert not [
        c
        for c in map(chr, range(0x110000))
        if text.CONTROL.match(c) and c.isprintable()
    ]
    assert text.clean("a\u202eb\x1b") == "a\\u202eb\\x1b"
    assert text.clean("plain 127.0.0.1:6005") == "plain 127.0.0.1:6005"
