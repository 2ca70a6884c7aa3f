"""Running ``openio election ...`` through the fake shell, and reading what
a user sees."""

import _thread
import json
import time

import fakeoio

ACCOUNT = ["--oio-account", "myaccount"]
CID = "697ECB056A5F9339B36C3B0A020B5AB17B4B0160FBEBEA203315EA1FC1B61605"
M1, S2, S3 = fakeoio.PEERS


def election(line, *words, proxy=None, **kwargs):
    """Run ``openio election <line> <words>``: the line is split on spaces,
    the words are taken as they are."""
    argv = ["election"] + line.split() + list(words)
    return fakeoio.run(argv, proxy=proxy, **kwargs)


# The requests that change a base (the file check's scratch copy apart).
WRITES = ("sync", "set_properties", "leave", "backup")


def writes(proxy):
    """The writes the proxy received, in order."""
    return [c[0] for c in proxy.calls if c[0] in WRITES]


def rows(out):
    return json.loads(out)


def column(out, name):
    return {r["Id"]: r[name] for r in rows(out)}


def assert_one_line_error(code, out, err, expected_code, *fragments):
    assert code == expected_code, err
    assert out == ""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


def damaged_slave(**kwargs):
    """Slave 6006 lost sys.m2.ctime (the OpenIO note's failure)."""
    tables = {p: "get_properties-damaged-%s" % p[-4:] for p in fakeoio.PEERS}
    replies = dict(
        status="status-damaged-admin-row",
        sync="sync-damaged-admin-row",
        debug="debug-damaged-admin-row",
        has="has-damaged-admin-row",
        tables=tables,
    )
    return fakeoio.Proxy(**dict(replies, **kwargs))


def heals_on_sync(proxy):
    """The damaged slave 6006 heals once it is resynced (as it did)."""
    proxy.on(
        "sync",
        debug=debug_with({S2: "SYNC_OK"}),
        tables={S2: "get_properties-after-sync-6006"},
    )
    return proxy


def damaged_master(**kwargs):
    """The master 6006 lost sys.m2.ctime; both slaves hold it."""
    tables = {
        p: "master-damaged-get_properties-local-%s" % p[-4:]
        for p in fakeoio.PEERS
    }
    replies = dict(
        status="master-damaged-status",
        has="local-healthy-has",
        sync=sync_reply(master=S2),
        tables=tables,
    )
    return fakeoio.Proxy(**dict(replies, **kwargs))


def sync_reply(master=M1):
    return {
        p: (
            fakeoio.peer_reply(301, "not SLAVE")
            if p == master
            else fakeoio.peer_reply(200)
        )
        for p in fakeoio.PEERS
    }


def debug_with(
    peer_events, base="debug-damaged-admin-row", time_ms=1795484400000
):
    """A debug reply where each given peer newly logged an event."""
    body = fakeoio.fixture_body(base)
    for peer, event in peer_events.items():
        member = body[peer]["body"]
        member["log"] = [
            "%d:SYNCING:%s:SLAVE" % (time_ms, event),
            "%d:SLAVE:SYNC_REQ:SYNCING" % (time_ms - 3),
        ] + member["log"]
    return body


def ctrl_c_twice_after_sync(proxy, debug_reply, hold=5):
    """Make the proxy's debug press Ctrl-C twice once a sync was sent (as
    --wait follows it), then hang: the user stops waiting."""
    pressed = []

    def debug(params):
        if proxy.called("sync") and not pressed:
            pressed.append(1)
            _thread.interrupt_main()
            time.sleep(0.3)
            _thread.interrupt_main()
            time.sleep(hold)
        return debug_reply

    proxy.replies["debug"] = debug
