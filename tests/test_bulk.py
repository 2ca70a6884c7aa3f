"""Many bases in one call: one table, stable order, worst exit code,
--from-file, bounded concurrency, progress, Ctrl-C."""

import _thread
import io
import json
import threading

import pytest

import fakeoio
from fakeoio import Proxy
from oio_election_sync import bulk

ACCOUNT = ["--oio-account", "myaccount"]


def election(*argv, proxy=None, **kwargs):
    """Run ``openio election ...``: one string (split on spaces), or words."""
    if len(argv) == 1:
        argv = argv[0].split()
    return fakeoio.run(["election"] + list(argv), proxy=proxy, **kwargs)


def status_by_ref(replies):
    """A proxy status that depends on the reference asked."""

    def answer(params):
        return replies.get(params["ref"], "status-healthy")

    return answer


def test_several_references_one_table_sorted_by_reference_then_peer():
    proxy = Proxy(status=status_by_ref({"B": "status-peer-down"}))
    code, out, err = election(
        "status meta2 C A B --oio-account myaccount --no-check -f json",
        proxy=proxy,
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
    assert [(r["Reference"], r["Id"][-4:]) for r in rows] == [
        (ref, port) for ref in "ABC" for port in ("6005", "6006", "6007")
    ]
    assert {r["Reference"]: r["Verdict"] for r in rows} == {
        "A": "ok",
        "B": "unhealthy",
        "C": "ok",
    }
    assert code == 3
    assert "meta2 B: UNHEALTHY" in err and "3 bases: 2 ok, 1 not ok" in err


def test_an_unknown_container_is_a_row_and_the_run_goes_on():
    error = fakeoio.error_from_fixture("error-unknown-container")
    proxy = Proxy(status=status_by_ref({"NOPE": error}))
    code, out, err = election(
        "status meta2 FVE0 NOPE --oio-account myaccount -f json",
        proxy=proxy,
    )
    rows = json.loads(out)
    nope = [r for r in rows if r["Reference"] == "NOPE"]
    assert len(rows) == 4 and len(nope) == 1
    assert (nope[0]["Role"], nope[0]["Verdict"]) == ("error", "error")
    assert "container 'NOPE' not found" in nope[0]["Message"]
    assert code == 7  # the worst verdict


def test_worst_exit_code_among_diverged_and_unhealthy():
    tables = {
        "127.0.0.1:%d" % p: "get_properties-damaged-%d" % p
        for p in (6005, 6006, 6007)
    }
    proxy = Proxy(
        status=status_by_ref({"DOWN": "status-peer-down"}), tables=tables
    )
    code, _, _ = election(
        "status meta2 DAMAGED DOWN --oio-account myaccount",
        proxy=proxy,
    )
    assert code == 4


def test_from_file_with_comments_blank_lines_and_cids(tmp_path):
    cid = "697ECB056A5F9339B36C3B0A020B5AB17B4B0160FBEBEA203315EA1FC1B61605"
    listing = tmp_path / "bases.txt"
    listing.write_text(
        "# after the disk loss of meta2-2\n\nFVE0\n  FVE1  \n"
        "--cid %s\n" % cid.lower()
    )
    proxy = Proxy()
    code, out, _ = election(
        "status",
        "meta2",
        "EXTRA",
        *ACCOUNT,
        "--no-check",
        "--from-file",
        str(listing),
        "-f",
        "value",
        "-c",
        "Reference",
        proxy=proxy,
    )
    assert code == 0
    assert sorted(set(out.split())) == [cid, "EXTRA", "FVE0", "FVE1"]
    asked = sorted((c[1]["ref"] or "", c[1]["cid"] or "") for c in proxy.calls)
    assert asked == [("", cid), ("EXTRA", ""), ("FVE0", ""), ("FVE1", "")]


def test_from_file_lines_are_cids_with_cid(tmp_path):
    listing = tmp_path / "cids.txt"
    listing.write_text("697e\n")
    proxy = Proxy()
    code, _, _ = election(
        "status",
        "meta1",
        "--cid",
        "--no-check",
        "--from-file",
        str(listing),
        proxy=proxy,
    )
    assert code == 0 and proxy.calls[0][1]["cid"] == "697E"


def test_from_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("A\nB\n"))
    code, out, _ = election(
        "status meta2 --oio-account myaccount --no-check --from-file - -f "
        "value -c Reference",
    )
    assert code == 0 and sorted(set(out.split())) == ["A", "B"]


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("--cid\n", "line 1: expected '--cid ID'"),
        ("A\n--cid X Y\n", "line 2: expected '--cid ID'"),
    ],
)
def test_from_file_bad_lines(tmp_path, content, fragment):
    listing = tmp_path / "bases.txt"
    listing.write_text(content)
    code, out, err = election(
        "status", "meta2", *ACCOUNT, "--from-file", str(listing)
    )
    assert code == 2 and fragment in err and out == ""


def test_from_file_missing(tmp_path):
    code, _, err = election(
        "status", "meta2", *ACCOUNT, "--from-file", str(tmp_path / "nope.txt")
    )
    assert code == 2 and "cannot read --from-file" in err


def test_workers_bound_the_requests_in_flight():
    proxy = Proxy(latency=0.01)
    refs = " ".join("C%02d" % i for i in range(40))
    code, out, _ = election(
        "status meta2 %s --oio-account myaccount --no-check --workers 4 "
        "-f value" % refs,
        proxy=proxy,
    )
    assert code == 0 and len(out.splitlines()) == 120
    assert proxy.max_in_flight == 4


@pytest.mark.parametrize("value", ["0", "257", "many"])
def test_workers_must_be_sane(value):
    code, _, err = election(
        "status", "meta2", "A", *ACCOUNT, "--workers", value
    )
    assert code == 2 and "--workers takes 1 to 256, not %r" % value in err


def test_sync_many_bases():
    proxy = Proxy()
    code, out, _ = election(
        "sync meta2 A B --oio-account myaccount --no-wait -f json",
        proxy=proxy,
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 6
    assert (
        rows[0]["Reference"] == "A"
        and rows[0]["Result"] == "source, not resynced"
    )
    assert len([c for c in proxy.calls if c[0] == "sync"]) == 2


def test_ctrl_c_stops_launching_and_reports_what_was_done():
    started = []
    lock = threading.Lock()

    def answer(params):
        with lock:
            started.append(params["ref"])
            if len(started) == 3:
                _thread.interrupt_main()  # what Ctrl-C does
        return "status-healthy"

    proxy = Proxy(status=answer, latency=0.05)
    refs = " ".join("C%02d" % i for i in range(20))
    code, out, err = election(
        "status meta2 %s --oio-account myaccount --no-check --workers 2 "
        "-f value -c Reference -c Id" % refs,
        proxy=proxy,
    )
    assert code == 130
    done = sorted(set(line.split()[0] for line in out.splitlines()))
    assert len(done) < 20
    # every base that started is reported whole: three peers each
    assert sorted(set(started)) == done
    assert len(out.splitlines()) == 3 * len(done)
    assert "interrupted: %d base(s) done" % len(done) in err


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_only():
    terminal = Terminal()
    progress = bulk.Progress(2, terminal)
    progress.update(failed=False)
    progress.update(failed=True)
    progress.close()
    assert "2/2 bases done, 1 failed" in terminal.getvalue()
    quiet = io.StringIO()
    progress = bulk.Progress(2, quiet)
    progress.update(failed=False)
    progress.close()
    assert quiet.getvalue() == ""
    single = Terminal()
    bulk.Progress(1, single).update(failed=False)
    assert single.getvalue() == ""


def test_ctrl_c_on_one_base():
    def answer(params):
        _thread.interrupt_main()
        return "status-healthy"

    code, out, err = election(
        "status meta2 A --oio-account myaccount --no-check",
        proxy=Proxy(status=answer, latency=0.05),
    )
    assert (code, out, err) == (130, "", "interrupted\n")
