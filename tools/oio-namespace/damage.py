#!/usr/bin/env python3
"""Damage one peer's copy of a base on a local test namespace, the ways an
operator meets it, for tests and demos. Each action restores what it had to
stop (a meta2 stopped to edit its file is started again).

The namespace is one laid out as the OpenIO test kit lays it out, under a
PREFIX: ``PREFIX/svc.sh start|stop|status NAME`` runs one service, and
``PREFIX/venv`` holds oio. Run this with that venv's Python::

    PREFIX/venv/bin/python tools/oio-namespace/damage.py PREFIX ACTION ...

Actions (PEER is a service id such as 127.0.0.1:6006; the base is a
container of --account, meta2):

    drop-row PEER REFERENCE KEY    delete one row of the peer's admin table
                                   (the peer is stopped, edited, started)
    remove-copy PEER REFERENCE     delete the peer's copy file (admin API)
    garble PEER REFERENCE PAGE     overwrite one page of the peer's copy
                                   with random bytes (page 2: the admin
                                   table of a fresh meta2 base; 14: its
                                   aliases), stopped, edited, started
    rot PEER REFERENCE PAGE        the same, while the peer runs (disk rot
                                   under a live service: a master with a
                                   warm cache still reads sane)
    integrity REFERENCE            print each peer's 'PRAGMA
                                   integrity_check' of its copy file
    keep PEER REFERENCE FILE       copy the peer's copy to FILE (stopped)
    put-back PEER REFERENCE FILE   copy FILE over the peer's copy (stopped):
                                   an old copy back, as a restored disk
    freeze PEER / thaw PEER        SIGSTOP / SIGCONT the peer's process
    stop PEER / start PEER         stop / start the peer's service
    master REFERENCE               print the master's service id
    make-master PEER REFERENCE     make masters leave until PEER is master
"""

import argparse
import os
import pathlib
import shutil
import signal
import sqlite3
import subprocess
import sys
import time


class Namespace:
    def __init__(self, prefix, account):
        self.prefix = os.path.abspath(prefix)
        self.account = account
        svc = os.path.join(self.prefix, "svc.sh")
        if not os.access(svc, os.X_OK):
            sys.exit("%s: no svc.sh: not a test namespace PREFIX" % prefix)
        self.svc = svc
        from oio.common.configuration import load_namespace_conf  # noqa
        from oio.directory.admin import AdminClient

        self.ns = os.environ.get("OIO_NS") or "OPENIO"
        self.admin = AdminClient({"namespace": self.ns})

    def services(self):
        """``{service id: (name, pid)}`` from ``svc.sh status``."""
        out = subprocess.run(
            [self.svc, "status"], capture_output=True, text=True, check=True
        ).stdout
        found = {}
        for line in out.splitlines():
            words = line.split()
            if len(words) >= 5 and words[1] == "running":
                found["127.0.0.1:%s" % words[-1]] = (words[0], int(words[3]))
            elif len(words) >= 4 and words[1] == "stopped":
                found["127.0.0.1:%s" % words[-1]] = (words[0], None)
        return found

    def name_of(self, peer):
        try:
            return self.services()[peer][0]
        except KeyError:
            sys.exit("no service %s in this namespace" % peer)

    def pid_of(self, peer):
        pid = self.services().get(peer, (None, None))[1]
        if pid is None:
            sys.exit("service %s is not running" % peer)
        return pid

    def run_svc(self, action, peer):
        subprocess.run(
            [self.svc, action, self.name_of(peer)],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def loc(self, reference):
        return {
            "service_type": "meta2",
            "account": self.account,
            "reference": reference,
        }

    def copy_path(self, peer, reference):
        reply = self.admin.has_base(service_id=[peer], **self.loc(reference))
        body = reply[peer]["body"]
        if reply[peer]["status"]["status"] != 200 or not body:
            sys.exit("%s holds no copy of %s: %s" % (peer, reference, reply))
        path, _, mtime = body.rpartition(":")
        return path if path and mtime.isdigit() else body

    def master(self, reference):
        status = self.admin.election_status(**self.loc(reference))
        return status.get("master")

    def wait_answering(self, peer, reference, seconds=30):
        """Until the proxy stops avoiding the restarted peer."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            reply = self.admin.has_base(
                service_id=[peer], **self.loc(reference)
            )
            if reply[peer]["status"]["status"] in (200, 431):
                return
            time.sleep(0.5)
        sys.exit("%s does not answer after %ds" % (peer, seconds))


def drop_row(ns, peer, reference, key):
    path = ns.copy_path(peer, reference)
    ns.run_svc("stop", peer)
    try:
        with sqlite3.connect(path) as base:
            gone = base.execute(
                "DELETE FROM admin WHERE k = ?", (key,)
            ).rowcount
    finally:
        ns.run_svc("start", peer)
    ns.wait_answering(peer, reference)
    print("%s: %d row(s) %r deleted from %s" % (peer, gone, key, path))


def while_stopped(ns, peer, reference, edit):
    """Stop the peer, ``edit(path of its copy)``, start it again."""
    path = ns.copy_path(peer, reference)
    ns.run_svc("stop", peer)
    try:
        edit(path)
    finally:
        ns.run_svc("start", peer)
    ns.wait_answering(peer, reference)
    return path


def _garbler(page, size=4096):
    def edit(path):
        with open(path, "r+b") as stream:
            stream.seek((int(page) - 1) * size)
            stream.write(os.urandom(size))

    return edit


def garble(ns, peer, reference, page):
    path = while_stopped(ns, peer, reference, _garbler(page))
    print("%s: page %s of %s garbled" % (peer, page, path))


def rot(ns, peer, reference, page):
    path = ns.copy_path(peer, reference)
    _garbler(page)(path)
    print("%s: page %s of %s garbled while it runs" % (peer, page, path))


def integrity(ns, reference):
    """One line per peer: its id and what integrity_check says."""
    peers = ns.admin.has_base(**ns.loc(reference))
    for peer in sorted(peers):
        path = ns.copy_path(peer, reference)
        uri = "%s?mode=ro" % pathlib.Path(path).as_uri()
        try:
            with sqlite3.connect(uri, uri=True) as base:
                verdict = base.execute("PRAGMA integrity_check").fetchone()
            words = verdict[0] if verdict else "no answer"
        except sqlite3.DatabaseError as exc:
            words = str(exc)
        print("%s %s" % (peer, words.splitlines()[0]))


def make_master(ns, peer, reference, tries=12):
    for _ in range(tries):
        master = ns.master(reference)
        if master == peer:
            print("%s is master" % peer)
            return
        if master:
            ns.admin.election_leave(service_id=[master], **ns.loc(reference))
        time.sleep(1)
    sys.exit("%s did not become master after %d tries" % (peer, tries))


def remove_copy(ns, peer, reference):
    reply = ns.admin.remove_base(service_id=[peer], **ns.loc(reference))
    print("%s: %s" % (peer, reply[peer]["status"]))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("prefix")
    parser.add_argument("action")
    parser.add_argument("args", nargs="*")
    parser.add_argument("--account", default=os.environ.get("OIO_ACCOUNT"))
    args = parser.parse_args(argv)
    ns = Namespace(args.prefix, args.account)
    actions = {
        "drop-row": (3, lambda p, r, k: drop_row(ns, p, r, k)),
        "remove-copy": (2, lambda p, r: remove_copy(ns, p, r)),
        "garble": (3, lambda p, r, n: garble(ns, p, r, n)),
        "rot": (3, lambda p, r, n: rot(ns, p, r, n)),
        "integrity": (1, lambda r: integrity(ns, r)),
        "keep": (
            3,
            lambda p, r, f: while_stopped(
                ns, p, r, lambda path: shutil.copyfile(path, f)
            ),
        ),
        "put-back": (
            3,
            lambda p, r, f: while_stopped(
                ns, p, r, lambda path: shutil.copyfile(f, path)
            ),
        ),
        "freeze": (1, lambda p: os.kill(ns.pid_of(p), signal.SIGSTOP)),
        "thaw": (1, lambda p: os.kill(ns.pid_of(p), signal.SIGCONT)),
        "stop": (1, lambda p: ns.run_svc("stop", p)),
        "start": (1, lambda p: ns.run_svc("start", p)),
        "master": (1, lambda r: print(ns.master(r))),
        "make-master": (2, lambda p, r: make_master(ns, p, r)),
    }
    if args.action not in actions:
        parser.error("unknown action %r" % args.action)
    count, action = actions[args.action]
    if len(args.args) != count:
        parser.error("%s takes %d argument(s)" % (args.action, count))
    action(*args.args)


if __name__ == "__main__":
    main()
