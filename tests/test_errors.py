"""Errors, as a user meets them: one line naming the thing and what to do,
a documented exit code, never exit 1 or a traceback."""

import io

import pytest

import fakeoio
from cli import ACCOUNT, CID, assert_one_line_error, election
from fakeoio import Proxy

# --- the request failed as a whole -------------------------------------------


@pytest.mark.parametrize(
    "fixture_name,fragments",
    [
        (
            "error-unknown-container",
            [
                "container 'FVE0' not found in account 'myaccount'",
                "Directory error: no such user",
                "--oio-account",
            ],
        ),
        (
            "error-unknown-type",
            ["no 'meta2' service holds 'FVE0'", "check the service type"],
        ),
    ],
)
def test_whole_request_not_found(fixture_name, fragments):
    proxy = Proxy(has=fakeoio.error_from_fixture(fixture_name))
    assert_one_line_error(
        *election("status meta2 FVE0", *ACCOUNT, proxy=proxy), 7, *fragments
    )


def test_unknown_account():
    proxy = Proxy(has=fakeoio.error_from_fixture("error-unknown-account"))
    assert_one_line_error(
        *election("status meta2 FVE0 --oio-account nobody", proxy=proxy),
        7,
        "in account 'nobody'",
    )


def test_unknown_cid():
    proxy = Proxy(has=fakeoio.error_from_fixture("error-unknown-container"))
    assert_one_line_error(
        *election("status meta2 --cid", CID, proxy=proxy),
        7,
        "no meta2 base with CID",
    )


@pytest.mark.parametrize(
    "exc,fragments",
    [
        (
            fakeoio.connection_refused(),
            [
                "cannot reach oio-proxy at 127.0.0.1:6000 "
                "(connection refused)",
                "OIO_PROXYD_URL",
            ],
        ),
        (
            fakeoio.OioConnectionException(
                "reqid=x, host=10.1.1.1:6000", "boom"
            ),
            ["cannot reach oio-proxy at 10.1.1.1:6000"],
        ),
        (
            fakeoio.OioTimeout(
                "reqid=x, host=127.0.0.1:6000", "Read timed out."
            ),
            [
                "oio-proxy did not answer status meta2 FVE0 within",
                "larger --timeout",
            ],
        ),
        (
            fakeoio.ServiceBusy(503, 503, "No service replied"),
            ["oio-proxy could not serve status meta2 FVE0", "retry"],
        ),
        (
            fakeoio.OioException("Response body isn't decodable JSON"),
            ["status meta2 FVE0 failed: Response body isn't decodable JSON"],
        ),
        (
            fakeoio.BadRequest(400, 400, "Invalid oio url"),
            ["refused status meta2 FVE0 as a bad request (Invalid oio url)"],
        ),
        (
            fakeoio.ClientException(500, 500, "bad\x1b[2J news"),
            [
                "status meta2 FVE0 failed: bad\\x1b[2J news "
                "(HTTP 500, status 500)"
            ],
        ),
    ],
)
def test_transport_errors(exc, fragments):
    assert_one_line_error(
        *election(
            "status meta2 FVE0 --no-check", *ACCOUNT, proxy=Proxy(status=exc)
        ),
        7,
        *fragments,
    )


@pytest.mark.parametrize(
    "body,why",
    [
        ({}, "names no peer"),
        (None, "AttributeError"),  # oio's election_status iterates it first
        ({"127.0.0.1:6005": {"body": ""}}, "KeyError"),
        ({"127.0.0.1:6005": {"status": {"status": "200"}}}, "not an integer"),
    ],
)
def test_malformed_replies(body, why):
    proxy = Proxy(status=lambda params: body)
    assert_one_line_error(
        *election("status meta2 FVE0", *ACCOUNT, proxy=proxy),
        7,
        "malformed reply from oio-proxy",
        why,
    )


def test_malformed_has_reply():
    proxy = Proxy(has=lambda params: ["x"])
    assert_one_line_error(
        *election("status meta2 FVE0", *ACCOUNT, proxy=proxy),
        7,
        "malformed reply from oio-proxy to has",
    )


def test_control_characters_in_peer_messages_are_escaped():
    status = fakeoio.fixture_body("status-peer-down")
    status["127.0.0.1:6007"]["status"]["message"] = "down\x1b]0;pwned\x07"
    code, out, err = election(
        "status meta2 FVE0 --no-check", *ACCOUNT, proxy=Proxy(status=status)
    )
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "down\\x1b]0;pwned\\x07" in err


def test_an_unexpected_exception_in_one_base_is_that_base_s_error():
    proxy = Proxy(status=RuntimeError("surprise"))
    code, out, err = election(
        "status meta2 A B -f value -c Reference -c Verdict",
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 7 and "Traceback" not in err
    assert sorted(set(out.splitlines())) == ["A error", "B error"]
    assert "internal error (RuntimeError: surprise)" in err


def test_debug_flag_shows_the_traceback():
    proxy = Proxy(has=fakeoio.connection_refused())
    code, _, err = election("status meta2 FVE0 --debug", *ACCOUNT, proxy=proxy)
    assert code == 7 and "Traceback" in err


def test_oio_missing_gives_a_clear_message():
    class NoOio:
        pass

    code, out, err = fakeoio.run(
        ["election", "status", "meta2", "FVE0"] + ACCOUNT,
        client_manager=NoOio(),
    )
    assert_one_line_error(code, out, err, 7, "oio is not installed")


def test_no_namespace_configured():
    class CommandError(Exception):
        pass

    class NoNamespace:
        @property
        def admin(self):
            raise CommandError(
                "Missing parameter: \nSet a namespace with --ns, OIO_NS\n"
            )

    assert_one_line_error(
        *fakeoio.run(
            ["election", "status", "meta2", "FVE0"] + ACCOUNT,
            client_manager=NoNamespace(),
        ),
        7,
        "cannot build oio's admin client: "
        "Missing parameter: Set a namespace with --ns, OIO_NS",
    )


# --- bad arguments: exit 2, nothing sent -------------------------------------


@pytest.mark.parametrize(
    "line,words,fragment",
    [
        ("status meta2", ["", "--oio-account", "a"], "empty reference"),
        ("status", ["", "FVE0", "--oio-account", "a"], "missing service type"),
        ("status meta2 XYZ --cid", [], "'XYZ' is not a container ID"),
        ("status meta2 --cid", [CID[:-1]], "is not a container ID"),
        ("status meta2 FVE0", [], "no account for reference 'FVE0'"),
        (
            "sync meta2 FVE0 --check-type 3",
            [],
            "--check-type takes -1, 0, 1 or 2, not '3'",
        ),
        ("status", [], "missing service type"),
        ("debug meta2", ["--oio-account", "a"], "no reference given"),
        (
            "status meta2 FVE0 --bogus",
            ["--oio-account", "a"],
            "unrecognized arguments: --bogus",
        ),
        (
            "status meta2 FVE0 -c Nope -c Id",
            ["--oio-account", "a"],
            "unknown column 'Nope' for -c",
        ),
        (
            "sync meta2 A B -c Copy",
            ["--oio-account", "a"],
            "unknown column 'Copy' for -c: choose among Reference, Id",
        ),
    ],
)
def test_bad_arguments_exit_2_and_send_nothing(line, words, fragment):
    proxy = Proxy()
    assert_one_line_error(*election(line, *words, proxy=proxy), 2, fragment)
    assert proxy.calls == []


@pytest.mark.parametrize("value", ["0", "-1", "inf", "nan", "1e400"])
def test_bad_timeouts_of_the_shell(value):
    proxy = Proxy()
    assert_one_line_error(
        *election("status meta2 FVE0", "-t", value, *ACCOUNT, proxy=proxy),
        2,
        "-t/--timeout takes a number of seconds above 0",
    )
    assert proxy.calls == []


@pytest.mark.parametrize("value", ["0", "-1", "inf", "nan", "soon", "1e9"])
def test_bad_timeouts_of_the_command(value):
    proxy = Proxy()
    assert_one_line_error(
        *election(
            "status meta2 FVE0 --timeout",
            value,
            *ACCOUNT,
            proxy=proxy,
            modern=False,
        ),
        2,
        "--timeout takes a number of seconds above 0 (at most 86400), not %r"
        % value,
    )
    assert proxy.calls == []


def test_timeout_option_exists_only_where_the_shell_has_none():
    _, out_old, _ = election("status --help", modern=False)
    _, out_new, _ = election("status --help")
    assert "--timeout <seconds>" in out_old
    assert "--timeout <seconds>" not in out_new


# --- --from-file -------------------------------------------------------------


def test_from_file_not_utf8_names_the_file_and_line(tmp_path):
    listing = tmp_path / "bases.txt"
    listing.write_bytes(b"FVE0\nFVE1\n\xff\xfe\n")
    proxy = Proxy()
    assert_one_line_error(
        *election(
            "status meta2 --from-file", str(listing), *ACCOUNT, proxy=proxy
        ),
        2,
        "%s line 3: not UTF-8" % listing,
    )
    assert proxy.calls == []


def test_from_file_utf8_bom_is_stripped(tmp_path):
    listing = tmp_path / "bases.txt"
    listing.write_bytes("\ufeffFVE0\nFVE1\n".encode())
    proxy = Proxy()
    code, out, _ = election(
        "status meta2 --no-check --from-file",
        str(listing),
        "-f",
        "value",
        "-c",
        "Reference",
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 0 and sorted(set(out.split())) == ["FVE0", "FVE1"]


def test_from_file_closed_stdin():
    stdin = io.StringIO("FVE0\n")
    stdin.close()
    assert_one_line_error(
        *election("status meta2 --from-file -", *ACCOUNT, stdin=stdin),
        2,
        "stdin is closed",
    )


def test_repeated_references_and_service_ids_are_asked_once(tmp_path):
    listing = tmp_path / "bases.txt"
    listing.write_text("FVE0\nFVE0\nB\n")
    proxy = Proxy(status="status-one-service")
    code, out, _ = election(
        "status meta2 FVE0 B --no-check --service-id 127.0.0.1:6006 "
        "--service-id 127.0.0.1:6006 --from-file",
        str(listing),
        "-f",
        "value",
        "-c",
        "Reference",
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 0 and sorted(out.split()) == ["B", "FVE0"]
    assert sorted(c[1]["ref"] for c in proxy.called("status")) == [
        "B",
        "FVE0",
    ]
    assert {c[1]["service_id"] for c in proxy.called("status")} == {
        "127.0.0.1:6006"
    }


def test_an_unexpected_exception_reading_one_copy_is_that_peer_s():
    proxy = Proxy()
    proxy.tables["127.0.0.1:6006"] = RuntimeError("surprise")
    code, out, err = election(
        "status meta2 FVE0 -f value -c Id -c Copy", *ACCOUNT, proxy=proxy
    )
    assert code == 7
    assert "127.0.0.1:6006 not read: RuntimeError: surprise" in out
    assert "127.0.0.1:6005 ok" in out


def test_a_network_error_reads_as_words_not_a_tuple():
    exc = fakeoio.OioTimeout("reqid=x, host=127.0.0.1:6000", "Read timed out.")
    proxy = Proxy(sync=exc)
    code, _, err = election("sync meta2 FVE0 --no-wait", *ACCOUNT, proxy=proxy)
    assert code == 7 and "(timed out)" in err and "('reqid" not in err


def test_names_chosen_by_tenants_cannot_rewrite_the_terminal():
    table = fakeoio.fixture_body("get_properties-healthy-6006")
    table["properties"]["x\x1b]0;owned\x07\nFAKE"] = "1"
    proxy = Proxy()
    proxy.tables["127.0.0.1:6006"] = table
    code, out, err = election(
        "status meta2 FVE0 -f value -c Id -c Copy", *ACCOUNT, proxy=proxy
    )
    assert code == 4
    assert "\x1b" not in out + err and len(out.splitlines()) == 3
    assert "properties.x\\x1b]0;owned\\x07\\x0aFAKE" in out
    assert len(err.splitlines()) == 1


def test_sort_column_keeps_every_row():
    code, out, _ = election(
        "debug meta2 FVE0 --sort-column Role -f value -c Id", *ACCOUNT
    )
    assert code == 0 and len(out.splitlines()) == 3
    code, out, _ = election(
        "status meta2 A B --no-check --sort-column Id -f value -c Id",
        *ACCOUNT,
    )
    assert code == 0 and len(out.splitlines()) == 6


@pytest.mark.parametrize("value", ["", "a,,b", "a b"])
def test_service_id_takes_service_ids(value):
    proxy = Proxy()
    assert_one_line_error(
        *election(
            "status meta2 FVE0 --service-id", value, *ACCOUNT, proxy=proxy
        ),
        2,
        "--service-id takes service ids",
    )
    assert proxy.calls == []


def test_service_id_takes_a_comma_list_as_oio_does():
    proxy = Proxy(status="status-one-service")
    code, out, err = election(
        "status meta2 FVE0 --no-check --service-id 127.0.0.1:6006,"
        "127.0.0.1:6005 -f value -c Id",
        *ACCOUNT,
        proxy=proxy,
    )
    status = proxy.called("status")[0][1]
    assert status["service_id"] == "127.0.0.1:6006,127.0.0.1:6005", err


@pytest.mark.parametrize("typo", ["Meta2", "meta3", "m2"])
def test_a_mistyped_service_type_is_exit_2_not_retry(typo):
    proxy = Proxy()
    assert_one_line_error(
        *election("status %s FVE0" % typo, *ACCOUNT, proxy=proxy),
        2,
        "unknown service type %r: elections run for meta0, meta1, meta2, "
        "sqlx bases" % typo,
    )
    assert proxy.calls == []


def test_a_reference_with_control_characters_is_refused(tmp_path):
    listing = tmp_path / "bases.txt"
    listing.write_bytes(b"FVE0\rFVE1\n")
    proxy = Proxy()
    assert_one_line_error(
        *election(
            "status meta2 --from-file", str(listing), *ACCOUNT, proxy=proxy
        ),
        2,
        "line 1: reference 'FVE0\\rFVE1' has control characters",
    )
    assert proxy.calls == []


def test_an_empty_from_file_is_a_bad_argument(tmp_path):
    listing = tmp_path / "bases.txt"
    listing.write_text("# nothing yet\n")
    assert_one_line_error(
        *election("status meta2 --from-file", str(listing), *ACCOUNT),
        2,
        "no reference in --from-file",
    )


def test_a_pipe_is_read_once(tmp_path):
    import os
    import threading

    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "w") as stream:
            stream.write("FVE0\nFVE1\n")

    threading.Thread(target=feed, daemon=True).start()
    code, out, _ = election(
        "status meta2 --no-check -f value -c Reference --from-file",
        fifo,
        *ACCOUNT,
    )
    assert code == 0 and sorted(set(out.split())) == ["FVE0", "FVE1"]


def test_a_bad_stdin_line_after_bases_ran_is_not_exit_2():
    import io

    stdin = io.BytesIO(b"FVE0\n\xff\xfe\n")
    stdin.buffer = stdin
    code, out, err = election(
        "status meta2 --no-check -f value -c Reference --from-file -",
        *ACCOUNT,
        stdin=stdin,
    )
    assert code == 7 and out.split() == ["FVE0"] * 3
    assert "stopped: stdin line 2: not UTF-8" in err


@pytest.mark.parametrize("command", ["status", "sync", "repair"])
def test_a_service_id_that_is_no_peer_is_a_typo(command):
    proxy = Proxy()
    assert_one_line_error(
        *election(
            "%s meta2 FVE0 --service-id 127.0.0.1:9999" % command,
            *ACCOUNT,
            proxy=proxy,
        ),
        2,
        "--service-id 127.0.0.1:9999 is no peer of this base (its peers: "
        "127.0.0.1:6005, 127.0.0.1:6006, 127.0.0.1:6007)",
    )
    # only reads that change nothing: no election woken, nothing written
    assert {c[0] for c in proxy.calls} <= {"has", "properties"}
