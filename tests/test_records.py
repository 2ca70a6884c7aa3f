"""``--by-base``: one record per base, words in a table and data in json,
and a record of the whole run last where a machine reads it."""

import io
import json
import re

import fakeoio
from cli import (
    CID,
    ACCOUNT,
    S2,
    damaged_slave,
    election,
    heals_on_sync,
)


def test_one_base_has_a_record_with_its_verdict():
    code, out, err = election(
        "status meta2 FVE0 --by-base -f value -c Verdict -c Problems",
        *ACCOUNT,
        proxy=damaged_slave(),
    )
    assert code == 4
    assert out.strip() == "diverged 127.0.0.1:6006 copy: missing sys.m2.ctime"


def test_records_in_json_are_data_and_end_with_the_run():
    code, out, _ = election(
        "status meta2 FVE0 OTHER --by-base -f json",
        *ACCOUNT,
        proxy=damaged_slave(),
    )
    records = json.loads(out)
    assert (
        code == 4
        and [r["Reference"] for r in records]
        == [
            "FVE0",
            "OTHER",
            "(all)",
        ]
        or [r["Reference"] for r in records][-1] == "(all)"
    )
    first = records[0]
    assert first["Verdict"] == "diverged" and first["Master"] == fakeoio.M1
    assert first["Problems"] == [
        {
            "peer": S2,
            "kind": "differs",
            "detail": {
                "missing": ["sys.m2.ctime"],
                "different": [],
                "extra": [],
                "healed": False,
            },
            "text": "127.0.0.1:6006 copy: missing sys.m2.ctime",
        }
    ]
    assert all(r.startswith("CLI-election-") for r in first["Request id"])
    assert records[-1]["Verdict"] == "diverged"
    assert records[-1]["Problems"] == {"diverged": 2}


def test_a_repair_record_names_its_steps_and_backups():
    proxy = heals_on_sync(damaged_slave())
    code, out, _ = election(
        "repair meta2 FVE0 --by-base -f json", *ACCOUNT, proxy=proxy
    )
    record, run = json.loads(out)  # a base, then the whole run
    assert run["Reference"] == "(all)" and run["Problems"] == {"ok": 1}
    assert code == 0 and record["Verdict"] == "ok"
    assert record["Actions"] == [
        {"peer": S2, "action": "sync", "why": "damaged slave", "sent": True}
    ]
    assert re.search(
        r"\.1\.meta2\.repair-\d{8}T\d{6}Z-[0-9a-f]{6}$", record["Backups"][S2]
    )


def test_a_table_shows_a_backup_by_its_suffix():
    proxy = heals_on_sync(damaged_slave())
    code, out, _ = election(
        "repair meta2 FVE0 --by-base -f value -c Backups -c Actions",
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 0
    assert re.fullmatch(
        r"slave 127\.0\.0\.1:6006 \(missing sys\.m2\.ctime\): resynced from "
        r"master 127\.0\.0\.1:6005 "
        r"127\.0\.0\.1:6006: \*\.repair-\d{8}T\d{6}Z-[0-9a-f]{6}\n",
        out,
    )


def test_an_unknown_record_column_is_a_usage_error():
    code, _, err = election(
        "status meta2 FVE0 --by-base -c Copy", *ACCOUNT, proxy=damaged_slave()
    )
    assert code == 2 and "unknown column 'Copy'" in err


def test_a_scan_feeds_a_repair():
    proxy = damaged_slave()
    code, out, _ = election(
        "status meta2 FVE0 --by-base --only-problems -f value -c CID",
        *ACCOUNT,
        proxy=proxy,
    )
    assert code == 4 and out.strip() == CID  # sha256 of account, NUL, name
    heals_on_sync(proxy)
    code, _, err = election(
        "repair meta2 --cid --from-file - --yes",
        *ACCOUNT,
        proxy=proxy,
        stdin=io.StringIO(out),
    )
    assert code == 0, err
    assert "1 base(s): 1 ok; 1 repaired" in err
    (sync,) = proxy.called("sync")
    assert sync[1]["cid"] == out.strip()


def test_one_base_that_fails_still_has_its_record():
    proxy = fakeoio.Proxy(
        status=fakeoio.NotFound(404, 406, "Reference not found")
    )
    code, out, err = election(
        "status meta2 NOPE --by-base --no-check -f json", *ACCOUNT, proxy=proxy
    )
    record, run = json.loads(out)
    assert code == 7 and record["Verdict"] == "error"
    assert "not found" in record["Problems"][0]["error"] and "not found" in err
    assert run["Reference"] == "(all)" and run["Verdict"] == "error"
