"""Many bases in one call: rows as they finish, worst exit code,
--from-file, bounded concurrency within the connection pool, progress,
Ctrl-C (once: finish what runs; twice: stop waiting, say what was sent)."""

import _thread
import io
import json
import threading
import time

import pytest

import fakeoio
from cli import (
    ACCOUNT,
    CID,
    assert_one_line_error,
    ctrl_c_twice_after_sync,
    election,
)
from fakeoio import Proxy
from oio_election_sync import bulk


def status_by_ref(replies):
    """A proxy answer that depends on the reference asked."""

    def answer(params):
        return replies.get(params.get("ref"), "status-healthy")

    return answer


def test_several_references_one_table_sorted_by_reference_then_peer():
    proxy = Proxy(status=status_by_ref({"B": "status-peer-down"}))
    code, out, err = election(
        "status meta2 C A B --no-check", *ACCOUNT, proxy=proxy
    )
    lines = [line.split("|")[1:3] for line in out.splitlines()[3:-1]]
    assert [(r.strip(), i.strip()[-4:]) for r, i in lines] == [
        (ref, port) for ref in "ABC" for port in ("6005", "6006", "6007")
    ]
    assert code == 3
    assert (
        "meta2 B: UNHEALTHY" in err and "3 base(s): 2 ok, 1 unhealthy" in err
    )


def test_json_rows_carry_reference_and_verdict():
    proxy = Proxy(status=status_by_ref({"B": "status-peer-down"}))
    code, out, _ = election(
        "status meta2 A B --no-check -f json", *ACCOUNT, proxy=proxy
    )
    rows = json.loads(out)
    assert list(rows[0]) == [
        "Reference",
        "Id",
        "Status",
        "Message",
        "Role",
        "Verdict",
    ]
    assert {r["Reference"]: r["Verdict"] for r in rows} == {
        "A": "ok",
        "B": "unhealthy",
    }


def test_an_unknown_container_is_a_row_and_the_run_goes_on():
    error = fakeoio.error_from_fixture("error-unknown-container")
    proxy = Proxy(has=status_by_ref({"NOPE": error}))
    proxy.replies["has"] = lambda params: (
        error if params.get("ref") == "NOPE" else "has-healthy"
    )
    code, out, _ = election(
        "status meta2 FVE0 NOPE -f json", *ACCOUNT, proxy=proxy
    )
    rows = json.loads(out)
    nope = [r for r in rows if r["Reference"] == "NOPE"]
    assert len(rows) == 4 and len(nope) == 1
    assert (nope[0]["Role"], nope[0]["Verdict"]) == ("error", "error")
    assert "container 'NOPE' not found" in nope[0]["Message"]
    assert code == 7  # the worst verdict


def test_from_file_with_comments_blank_lines_and_cids(tmp_path):
    cid = "697ECB056A5F9339B36C3B0A020B5AB17B4B0160FBEBEA203315EA1FC1B61605"
    listing = tmp_path / "bases.txt"
    listing.write_text(
        "# after the disk loss of meta2-2\n\nFVE0\n  FVE1  \n--cid %s\n"
        % cid.lower()
    )
    proxy = Proxy()
    code, out, _ = election(
        "status meta2 EXTRA --no-check -f value -c Reference --from-file",
        str(listing),
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 0
    assert sorted(set(out.split())) == [cid, "EXTRA", "FVE0", "FVE1"]
    asked = sorted(
        (c[1].get("ref", ""), c[1].get("cid", ""))
        for c in proxy.called("status")
    )
    assert asked == [("", cid), ("EXTRA", ""), ("FVE0", ""), ("FVE1", "")]


def test_from_file_lines_are_cids_with_cid(tmp_path):
    listing = tmp_path / "cids.txt"
    listing.write_text("697e\n")
    proxy = Proxy()
    code, _, _ = election(
        "status meta1 --cid --no-check --from-file", str(listing), proxy=proxy
    )
    assert code == 0 and proxy.calls[0][1]["cid"] == "697E"


def test_from_stdin():
    code, out, _ = election(
        "status meta2 --no-check --from-file - -f value -c Reference",
        *ACCOUNT,
        stdin=io.StringIO("A\nB\n"),
    )
    assert code == 0 and sorted(set(out.split())) == ["A", "B"]


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("--cid\n", "line 1: expected '--cid ID'"),
        ("A\n--cid X Y\n", "line 2: expected '--cid ID'"),
        ("A\n--cid XYZ\n", "line 2: 'XYZ' is not a container ID"),
    ],
)
def test_from_file_bad_lines(tmp_path, content, fragment):
    listing = tmp_path / "bases.txt"
    listing.write_text(content)
    proxy = Proxy()
    code, out, err = election(
        "status meta2 --from-file", str(listing), *ACCOUNT, proxy=proxy
    )
    assert code == 2 and fragment in err and out == ""
    assert proxy.calls == []  # checked before anything is sent


@pytest.mark.parametrize(
    "command", ["status meta2", "sync meta2", "repair meta2"]
)
@pytest.mark.parametrize(
    "content,is_cid,fragment",
    [
        ("A\nB\nbad\x01name\n", False, "line 3: reference 'bad\\x01name'"),
        ("A\nB\nC\tD\n", False, "line 3: reference 'C\\tD' has control"),
        ("%s\nXYZ\n" % CID, True, "line 2: 'XYZ' is not a container ID"),
        ("A\n--cdi %s\n" % CID, False, "line 2: unknown option '--cdi'"),
        ("A\n%s\n" % ("x" * 1024), False, "line 2: longer than 1023 bytes"),
    ],
)
def test_a_regular_file_is_checked_whole_before_anything_is_sent(
    tmp_path, command, content, is_cid, fragment
):
    listing = tmp_path / "bases.txt"
    listing.write_text(content)
    proxy = Proxy()
    code, out, err = election(
        command,
        (
            "--cid"
            if is_cid
            else "--no-check" if command == "status meta2" else "--dry-run"
        ),
        "--from-file",
        str(listing),
        *ACCOUNT,
        proxy=proxy,
    )
    assert_one_line_error(code, out, err, 2, fragment)
    assert proxy.calls == []  # lines 1 and 2 were not sent either


def test_the_longest_name_oio_takes_is_read(tmp_path):
    listing = tmp_path / "bases.txt"
    listing.write_text("%s\n" % ("x" * 1023))
    code, out, err = election(
        "status meta2 --no-check -f value -c Reference --from-file",
        str(listing),
        *ACCOUNT,
        proxy=Proxy(),
    )
    assert "longer than" not in err


def test_an_endless_line_is_refused_not_read_for_ever():
    with open("/dev/zero", "rb") as zero:
        code, out, err = election(
            "status meta2 --from-file -", *ACCOUNT, stdin=zero, proxy=Proxy()
        )
    assert_one_line_error(code, out, err, 2, "stdin line 1: longer than")


def test_from_file_missing(tmp_path):
    code, _, err = election(
        "status meta2 --from-file", str(tmp_path / "nope.txt"), *ACCOUNT
    )
    assert code == 2 and "cannot read --from-file" in err


def test_workers_bound_the_bases_in_flight():
    proxy = Proxy(latency=0.01)
    refs = " ".join("C%02d" % i for i in range(40))
    code, out, _ = election(
        "status meta2 %s --no-check --workers 4 -f value" % refs,
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 0 and len(out.splitlines()) == 120
    assert proxy.max_in_flight == 4


def _many_at_once(pool, bases=100, workers=64):
    proxy = Proxy(latency=0.05)
    refs = ["C%03d" % i for i in range(bases)]
    manager = fakeoio.ClientManager(proxy)
    manager.admin.pool_manager = pool
    code, out, err = fakeoio.run(
        ["election", "status", "meta2"]
        + refs
        + ["--workers", str(workers), "-f", "value", "-c", "Verdict"]
        + ACCOUNT,
        client_manager=manager,
    )
    assert code == 0 and set(out.split()) == {"ok"}
    assert len(out.split()) == 3 * bases
    assert "Connection pool" not in err
    return proxy, manager.admin.pool_manager


def test_the_pool_is_sized_to_the_requests_in_flight():
    """64 bases at once, three parallel reads each: the run's client gets
    a pool of 192 connections (same settings), and uses it."""
    proxy, pool = _many_at_once(fakeoio.PoolManager(maxsize=10, block=False))
    assert pool.connection_pool_kw == {"maxsize": 192, "block": False}
    assert 32 < proxy.max_in_flight <= 192  # beyond the default pool


def test_requests_stay_within_a_pool_that_cannot_grow():
    """A pool the plugin cannot rebuild (a proxy manager): never more
    requests in flight than it holds (urllib3 would discard connections,
    with a warning on stderr)."""

    class ProxyManager(fakeoio.PoolManager):
        proxy = "http://squid:3128"

    proxy, pool = _many_at_once(ProxyManager(maxsize=10))
    assert pool.connection_pool_kw["maxsize"] == 10
    assert proxy.max_in_flight <= 10


def test_256_workers_with_slow_peers_give_timeout_rows_not_a_crash():
    proxy = Proxy(latency=0.05)
    proxy.slow["127.0.0.1:6007"] = 3
    refs = ["C%03d" % i for i in range(60)]
    started = time.monotonic()
    code, out, err = election(
        "status meta2 --workers 256 -t 1.5 -f json",
        *refs,
        *ACCOUNT,
        proxy=proxy,
    )
    assert time.monotonic() - started < 3
    rows = json.loads(out)
    assert len(rows) == 180 and "Traceback" not in err
    slow = {r["Copy"] for r in rows if r["Id"] == "127.0.0.1:6007"}
    assert slow == {"not read: no answer within --timeout 1.5s"}
    assert code == 7


@pytest.mark.parametrize("value", ["0", "257", "many"])
def test_workers_must_be_sane(value):
    code, _, err = election("status meta2 A --workers", value, *ACCOUNT)
    assert code == 2 and "--workers takes 1 to 256, not %r" % value in err


def test_sync_many_bases():
    proxy = Proxy()
    code, out, _ = election(
        "sync meta2 A B --yes --no-wait -f json", *ACCOUNT, proxy=proxy
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 6
    assert {r["Result"] for r in rows if r["Id"] == "127.0.0.1:6005"} == {
        "source, not resynced"
    }
    assert len(proxy.called("sync")) == 2


# --- Ctrl-C ------------------------------------------------------------------


def interrupting(after, times=1):
    """A status answer that presses Ctrl-C once ``after`` bases asked."""
    started, lock = [], threading.Lock()

    def answer(params):
        with lock:
            started.append(params["ref"])
            if len(started) in range(after, after + times):
                _thread.interrupt_main()
        return "status-healthy"

    return answer, started


def test_ctrl_c_stops_launching_and_reports_what_was_done():
    answer, started = interrupting(3)
    proxy = Proxy(status=answer, latency=0.05)
    refs = " ".join("C%02d" % i for i in range(20))
    code, out, err = election(
        "status meta2 %s --no-check --workers 2 -f value -c Reference -c Id"
        % refs,
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 130
    done = sorted(set(line.split()[0] for line in out.splitlines()))
    assert len(done) < 20
    # every base that started is reported whole: three peers each
    assert sorted(set(started)) == done
    assert len(out.splitlines()) == 3 * len(done)
    assert "interrupted: %d base(s) reported" % len(done) in err


def test_a_second_ctrl_c_stops_waiting_and_reports_the_sync_sent():
    """The trigger was sent, then Ctrl-C twice while --wait follows it."""
    proxy = Proxy()
    pressed = []

    def debug(params):
        if proxy.called("sync") and len(pressed) < 2:
            pressed.append(1)
            _thread.interrupt_main()
        return "debug-healthy"

    proxy.replies["debug"] = debug
    started = time.monotonic()
    code, out, err = election(
        "sync meta2 A B --yes --wait --workers 1 -f value -c Reference -c Verdict",
        *ACCOUNT,
        proxy=proxy,
    )
    assert time.monotonic() - started < 5
    assert code == 130
    assert "A interrupted" in out
    assert "sent: file check to 127.0.0.1:6005, sync" in err


def test_ctrl_c_on_one_base_finishes_it():
    answer, _ = interrupting(1)
    code, out, err = election(
        "status meta2 A --no-check -f value -c Id",
        *ACCOUNT,
        proxy=Proxy(status=answer, latency=0.05),
    )
    assert code == 130 and len(out.splitlines()) == 3
    assert "interrupted: 1 base(s) reported" in err


def test_ctrl_c_twice_on_one_base_says_what_was_sent():
    proxy = Proxy(latency=0.05)
    ctrl_c_twice_after_sync(proxy, "debug-healthy")
    started = time.monotonic()
    code, out, err = election("sync meta2 A --wait", *ACCOUNT, proxy=proxy)
    assert time.monotonic() - started < 4
    assert code == 130 and out == ""
    assert (
        "meta2 A: interrupted while running; sent: file check to "
        "127.0.0.1:6005, sync" in err
    )
    time.sleep(0.6)  # the abandoned base sends nothing more
    assert len(proxy.called("debug")) == 2


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_only():
    terminal = Terminal()
    progress = bulk.Progress(terminal, total=3)
    progress._last -= 1
    progress.update(failed=False)
    progress._last -= 1
    progress.update(failed=True)
    progress.clear()
    assert "2/3 bases done, 1 failed" in terminal.getvalue()
    assert "left" in terminal.getvalue()
    quiet = io.StringIO()
    progress = bulk.Progress(quiet)
    progress._last -= 1
    progress.update(failed=False)
    assert quiet.getvalue() == ""


# --- every write reported, whatever stdout does --------------------------------


class BlockedStdout(io.StringIO):
    """A pipe whose reader stopped reading (a slow '| less'): the first row
    goes through, the next write blocks until Ctrl-C."""

    def __init__(self):
        super().__init__()
        self.rows = 0

    def write(self, text):
        if self.rows:
            _thread.interrupt_main()
            while True:
                time.sleep(0.05)
        self.rows += 1
        return super().write(text)


class ClosedStdout(io.StringIO):
    """'| head -1': the reader goes away after the first row."""

    def __init__(self):
        super().__init__()
        self.rows = 0

    def write(self, text):
        if self.rows:
            raise BrokenPipeError(32, "Broken pipe")
        self.rows += 1
        return super().write(text)


def _sync_of_many(stdout, formatter="value"):
    proxy = Proxy(latency=0.02)
    refs = " ".join("C%02d" % i for i in range(40))
    started = time.monotonic()
    code, _, err = election(
        "sync meta2 %s --yes --no-wait --workers 4 -f %s" % (refs, formatter),
        *ACCOUNT,
        proxy=proxy,
        stdout=stdout,
    )
    assert time.monotonic() - started < 10
    assert "Traceback" not in err and "Exception ignored" not in err
    synced = {c[1]["ref"] for c in proxy.called("sync")}
    return code, err, synced


@pytest.mark.parametrize("formatter", ["value", "json", "table"])
def test_ctrl_c_while_stdout_is_blocked_reports_every_write(formatter):
    stdout = BlockedStdout()
    code, err, synced = _sync_of_many(stdout, formatter)
    assert code == 130
    if formatter == "table":  # a table is written once every base is done
        assert len(synced) == 40
    else:
        assert 0 < len(synced) < 40  # nothing new once blocked
    reported = {
        line.split(":")[0].split()[-1]
        for line in err.splitlines()
        if "sent: " in line and "sync" in line
    }
    printed = {r for r in synced if r in stdout.getvalue()}
    # each base that was synced is either on stdout or named on stderr
    assert synced <= reported | printed, err
    assert "interrupted: %d base(s) reported" % len(synced) in err


@pytest.mark.parametrize("formatter", ["value", "json"])
def test_a_closed_stdout_stops_the_run_and_lists_the_writes(formatter):
    stdout = ClosedStdout()
    code, err, synced = _sync_of_many(stdout, formatter)
    assert code == 141
    assert len(synced) < 40
    reported = {
        line.split(":")[0].split()[-1]
        for line in err.splitlines()
        if "row not printed (stdout closed); sent: " in line
    }
    printed = {r for r in synced if r in stdout.getvalue()}
    assert synced <= reported | printed, err
    assert "stdout was closed: %d base(s) done" % len(synced) in err


def test_json_stopped_between_rows_is_still_an_array():
    from oio_election_sync.columns import StreamingJSON

    def rows():
        yield ("a",)
        raise RuntimeError("the listing failed")

    out = io.StringIO()
    with pytest.raises(RuntimeError):
        StreamingJSON().emit_list(["Id"], rows(), out, None)
    assert json.loads(out.getvalue()) == [{"Id": "a"}]


class _ClosedPipe(io.RawIOBase):
    def writable(self):
        return True

    def write(self, data):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("bases", [2, 300])
def test_rows_still_in_stdout_s_buffer_are_not_taken_as_printed(bases):
    """A real pipe: rows sit in Python's buffer before they reach it. A
    reader gone leaves every write of a base whose row was not out said."""
    stdout = io.TextIOWrapper(io.BufferedWriter(_ClosedPipe(), 8192))
    proxy = Proxy()
    refs = " ".join("C%03d" % i for i in range(bases))
    code, _, err = election(
        "sync meta2 %s --yes --no-wait --workers 1 -f value" % refs,
        *ACCOUNT,
        proxy=proxy,
        stdout=stdout,
    )
    assert code == 141, err
    synced = {c[1]["ref"] for c in proxy.called("sync")}
    said = {
        line.split(":")[0].split()[-1]
        for line in err.splitlines()
        if "row not printed (stdout closed)" in line
    }
    assert synced and synced <= said, err


def test_a_name_in_a_file_needs_an_account_before_anything_is_sent(tmp_path):
    listing = tmp_path / "bases.txt"
    listing.write_text("--cid %s\nFVE0\n" % CID)
    proxy = Proxy()
    assert_one_line_error(
        *election("sync meta2 --from-file", str(listing), proxy=proxy),
        2,
        "line 2: no account for reference 'FVE0'",
    )
    assert proxy.calls == []


def test_unicode_blanks_are_part_of_a_name_not_trimmed(tmp_path):
    """str.strip() would turn 'FVE0\\u00a0' into FVE0: another container."""
    listing = tmp_path / "bases.txt"
    listing.write_text("FVE0\u00a0\n")
    proxy = Proxy()
    election(
        "status meta2 --no-check --from-file",
        str(listing),
        *ACCOUNT,
        proxy=proxy,
    )
    assert {c[1]["ref"] for c in proxy.calls} == {"FVE0\u00a0"}
    listing.write_text("FVE0\u2028\n")  # a line separator: refused
    assert_one_line_error(
        *election(
            "status meta2 --from-file", str(listing), *ACCOUNT, proxy=proxy
        ),
        2,
        "line 1: reference 'FVE0\\u2028' has control characters",
    )
