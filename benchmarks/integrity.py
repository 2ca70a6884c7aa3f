"""The integrity check of the ``election_check`` crawler filter over one
volume of meta2-shaped base files: bases/s and MB/s of localcheck.integrity()
quick and full, of oio's own ``check_integrity`` filter (when oio is
importable) on the same volume, and what the check adds to a crawler pass
(integrity = off, quick, full).

    python benchmarks/integrity.py [--bases 2000] [--objects 100]
                                   [--repeat 3] [--tmpdir DIR]

Bases carry meta2's schema (admin, contents, chunks, aliases, properties,
shard_ranges and their indexes, as meta2v2 creates them), ``--objects``
rows of aliases, contents and chunks each and two properties per alias.
The files are made once and read from the page cache: this is CPU cost
(each figure is the fastest of --repeat passes over the volume).
"""

import argparse
import logging
import os
import sqlite3
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import fakeoio  # noqa: E402
from test_crawler import Api, Next, make_base  # noqa: E402

from oio_election_sync import crawler  # noqa: E402
from oio_election_sync import localcheck  # noqa: E402

# meta2v2's tables (sqlite3 .schema of a base of the test namespace)
SCHEMA = """
CREATE TABLE contents ( id BLOB NOT NULL, hash BLOB, size INT NOT NULL,
 ctime INT NOT NULL, mtime INT NOT NULL, mime_type TEXT NOT NULL,
 chunk_method TEXT NOT NULL, policy TEXT, PRIMARY KEY (id));
CREATE INDEX content_by_hash_size on contents(hash,size);
CREATE TABLE chunks ( id TEXT NOT NULL, content BLOB NOT NULL,
 position TEXT NOT NULL, hash BLOB NOT NULL, size INT NOT NULL,
 ctime INT NOT NULL, CONSTRAINT fk_CHUNKS_CONTENTS_HEADERS_2 FOREIGN KEY
 (content) REFERENCES contents(id) ON UPDATE CASCADE ON DELETE CASCADE,
 PRIMARY KEY (id,content,position));
CREATE INDEX chunk_index_by_header on chunks(content);
CREATE TABLE shard_ranges ( lower TEXT NOT NULL UNIQUE,
 upper TEXT NOT NULL UNIQUE, cid BLOB NOT NULL UNIQUE, metadata TEXT,
 PRIMARY KEY (lower));
CREATE TABLE aliases ( alias TEXT NOT NULL, version INT NOT NULL,
 content BLOB NOT NULL, deleted BOOL NOT NULL, ctime INT NOT NULL,
 mtime INT NOT NULL, CONSTRAINT fk_ALIASES_CONTENTS_HEADERS_1 FOREIGN KEY
 (content) REFERENCES contents(id) ON UPDATE CASCADE ON DELETE CASCADE,
 PRIMARY KEY (alias,version));
CREATE INDEX alias_index_by_name on aliases(alias,version DESC);
CREATE INDEX alias_index_by_header on aliases(content);
CREATE TABLE properties ( alias TEXT NOT NULL, version INT NOT NULL,
 key TEXT NOT NULL, value BLOB NOT NULL, CONSTRAINT fk_PROPERTIES_ALIASES_0
 FOREIGN KEY (alias,version) REFERENCES aliases(alias,version)
 ON UPDATE CASCADE ON DELETE CASCADE, PRIMARY KEY (alias,version,key));
CREATE INDEX properties_index_by_header_version on properties(alias,version);
"""


NOW = 1795491384786370
EC = "ec/algo=liberasurecode_rs_vand,k=6,m=3"
CONTENT = (1 << 20, NOW, NOW, "image/jpeg", EC, "EC")
CHUNK = "http://127.0.0.1:6201/"
KEYS = ("x-object-meta-owner", "x-object-meta-etag")


def make_meta2(volume, cid, objects):
    """A base file shaped as meta2 writes it, with ``objects`` objects
    (one chunk each, two properties)."""
    path = make_base(volume, cid=cid)
    base = sqlite3.connect(path)
    base.execute("PRAGMA synchronous = OFF")  # faster to make, same file
    base.executescript(SCHEMA)
    ids = [os.urandom(16) for _ in range(objects)]
    names = ["photos/%s/IMG_%06d.jpg" % (cid[:8], i) for i in range(objects)]
    many = base.executemany
    many(
        "INSERT INTO contents VALUES (?,?,?,?,?,?,?,?)",
        [(c, os.urandom(16)) + CONTENT for c in ids],
    )
    many(
        "INSERT INTO chunks VALUES (?,?,?,?,?,?)",
        [
            (CHUNK + os.urandom(32).hex().upper(), c, "0", os.urandom(16))
            + CONTENT[:2]
            for c in ids
        ],
    )
    many(
        "INSERT INTO aliases VALUES (?,?,?,?,?,?)",
        [(n, NOW + i, ids[i], 0, NOW, NOW) for i, n in enumerate(names)],
    )
    many(
        "INSERT INTO properties VALUES (?,?,?,?)",
        [
            (n, NOW + i, k, os.urandom(24).hex().encode())
            for i, n in enumerate(names)
            for k in KEYS
        ],
    )
    base.commit()
    base.close()
    return path


def integrity(mode):
    """localcheck.integrity() alone, on each base."""

    def run(paths):
        for _, path in paths:
            verdict, detail = localcheck.integrity(path, mode)
            assert verdict == localcheck.HEALTHY, (path, verdict, detail)

    return run


def pipeline(filter_factory, stats, counter, **conf):
    """A filter built with its filter_factory on oio's app_env, given the
    env of oio's Meta2Worker.process_entry for each base."""

    def run(paths):
        app_env = {
            "api": Api(fakeoio.Proxy(record=False)),
            "volume_id": fakeoio.S2,
            "logger": logging.getLogger("bench"),
        }
        check = filter_factory({}, **conf)(Next(app_env))
        for cid, path in paths:
            env = {"path": path, "volume_id": fakeoio.S2, "cid": cid}
            env.update(seq=1, suffix=None)
            check(env, lambda status, body: None)
        counted = check.get_stats()[stats]
        assert counted[counter] == len(paths), counted

    return run


def timed(function, paths, repeat):
    """(seconds, cpu seconds) of the fastest of ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        function(paths)
        runs.append((time.perf_counter() - started, time.process_time() - cpu))
    return min(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", type=int, default=2000)
    parser.add_argument("--objects", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="best of")
    parser.add_argument("--tmpdir", help="where bases are made")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.tmpdir) as volume:
        started = time.perf_counter()
        paths = []
        for i in range(args.bases):
            cid = "%064X" % i
            paths.append((cid, make_meta2(volume, cid, args.objects)))
        size = sum(os.path.getsize(p) for _, p in paths) / 1e6
        made = time.perf_counter() - started
        print("%d bases made in %.1f s in %s" % (args.bases, made, volume))
        print(
            "%d objects each, average file %.1f kB, sqlite %s"
            % (args.objects, size * 1000 / args.bases, sqlite3.sqlite_version)
        )
        rows = [
            ("localcheck.integrity quick", integrity("quick")),
            ("localcheck.integrity full", integrity("full")),
        ]
        try:
            from oio.crawler.meta2.filters import integrity_check
        except ImportError as exc:
            missing = exc
        else:
            missing = None
            oio = pipeline(
                integrity_check.filter_factory, "IntegrityCheck", "healthy"
            )
            rows.append(("oio check_integrity filter", oio))
        print(
            "%-28s %8s %8s %9s %8s"
            % ("check", "seconds", "cpu", "bases/s", "MB/s")
        )
        for name, function in rows:
            elapsed, cpu = timed(function, paths, args.repeat)
            figures = (elapsed, cpu, args.bases / elapsed, size / elapsed)
            print("%-28s %8.2f %8.2f %9.0f %8.1f" % ((name,) + figures))
        if missing:
            print("oio check_integrity filter: not measured (%s)" % missing)
        print(
            "%-28s %8s %8s %9s %8s"
            % ("election_check pass", "seconds", "cpu", "bases/s", "+ms/base")
        )
        off = None
        for mode in ("off", "quick", "full"):
            check = pipeline(
                crawler.filter_factory,
                "ElectionCheck",
                "ok",
                compare_peers="false",
                integrity=mode,
            )
            elapsed, cpu = timed(check, paths, args.repeat)
            off = elapsed if off is None else off
            added = (elapsed - off) * 1000 / args.bases
            figures = (elapsed, cpu, args.bases / elapsed, added)
            print(
                "%-28s %8.2f %8.2f %9.0f %8.3f"
                % (("integrity = " + mode,) + figures)
            )


if __name__ == "__main__":
    main()
