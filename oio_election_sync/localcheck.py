"""A meta2 base file read where it lies, read-only: its admin table, and
SQLite's own check of a private copy of it. No network, no oio."""

import os
import pathlib
import re
import shutil
import sqlite3
import tempfile

from oio_election_sync.copies import replicated_keys


def _ro_uri(path):
    """A read-only SQLite URI for any path: ``#``, ``?`` or ``%`` in a
    volume path must not turn ``mode=ro`` into a read-write open."""
    return pathlib.Path(os.path.abspath(path)).as_uri() + "?mode=ro"


def _text(value):
    """An admin cell as text, whatever SQLite typed it (NULL, BLOB, an
    integer)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def local_keys(path):
    """The replicated keys of a base file's own admin table, as
    peers.replicated_keys() gives them from a proxy reply (user properties
    are ``user.*`` rows there, ``properties.*`` here), read-only; None for
    an empty table. Raises sqlite3.Error when the file cannot be read."""
    base = sqlite3.connect(_ro_uri(path), uri=True, timeout=0.2)
    try:
        rows = base.execute("SELECT k, v FROM admin").fetchall()
    finally:
        base.close()
    system, properties = {}, {}
    for key, value in rows:
        key, value = _text(key), _text(value)
        if key.startswith("user."):
            properties[key[len("user.") :]] = value
        else:
            system[key] = value
    return replicated_keys({"system": system, "properties": properties})


# Lines of PRAGMA integrity_check that only an index rebuild needs (as
# oio's own check_integrity filter tells them apart).
_INDEX_ONLY = re.compile(
    r"^(row \d+ missing from index |wrong # of entries in index )"
)
HEALTHY, BROKEN_INDEX, CORRUPT, BUSY = "ok", "broken index", "corrupt", "busy"
_PRAGMAS = {"quick": "quick_check", "full": "integrity_check"}


def integrity(path, mode="quick", tmpdir=None):
    """``(verdict, detail)`` of SQLite's own check of a base file, run on a
    private copy (never a lock on the live file for longer than a read):
    HEALTHY, BROKEN_INDEX (lines), CORRUPT (why) or BUSY (the file changed
    while it was copied, or has a hot journal: try again next pass)."""
    if os.path.exists(path + "-journal") or os.path.exists(path + "-wal"):
        return BUSY, "a journal is beside it"
    before = os.stat(path)
    with tempfile.TemporaryDirectory(dir=tmpdir) as scratch:
        copy = os.path.join(scratch, "base")
        shutil.copyfile(path, copy)
        after = os.stat(path)
        if (before.st_size, before.st_mtime_ns) != (
            after.st_size,
            after.st_mtime_ns,
        ):
            return BUSY, "written to while it was read"
        try:
            base = sqlite3.connect(_ro_uri(copy), uri=True)
            try:
                lines = [
                    _text(r[0])
                    for r in base.execute("PRAGMA %s" % _PRAGMAS[mode])
                ]
            finally:
                base.close()
        except sqlite3.DatabaseError as exc:
            return CORRUPT, str(exc)
    if lines == ["ok"]:
        return HEALTHY, None
    if all(_INDEX_ONLY.match(line) for line in lines):
        return BROKEN_INDEX, tuple(lines)
    return CORRUPT, "; ".join(lines[:3])
