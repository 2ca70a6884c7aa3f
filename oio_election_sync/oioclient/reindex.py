"""The rdir record a file check's cleanup makes oio drop, put back.

oio's ``remove_base`` of a copy (the file check's scratch copy) closes it
as deleted, and meta2 then sends ``storage.meta2.deleted`` for the base
itself: ``meta2_backend_close_callback`` does not tell a copy from the
base. oio's ``volume_index`` event filter drops the base from that peer's
rdir index, which listings (``--from-service``, ``openio-admin meta2 list
containers``, a rebuild after a lost disk) then miss. Once the deletion
is applied, the record is pushed back.
"""

import time

from oio_election_sync.oioclient.calls import audit
from oio_election_sync.oioclient.host import attribute

WAIT = 10.0  # seconds for oio's event agent to apply the deletion, at most
POLL = 0.3


def _url(rdir, target):
    """``(container_url, cid)`` of a meta2 base, as rdir records it."""
    cid = target.base_cid.split(".")[0]
    if target.marker and target.source:  # listed by rdir: its own URL
        return target.marker, cid
    ns = getattr(rdir, "ns", None)
    if not ns:
        return None, cid
    if target.reference is not None:
        return "%s/%s/%s" % (ns, target.account, target.reference), cid
    found = rdir.directory.list(cid=cid)
    return "%s/%s/%s" % (ns, found["account"], found["name"]), cid


def _listed(rdir, peer, url):
    page = rdir.meta2_index_fetch(peer, prefix=url, limit=1)
    return any(r.get("container_url") == url for r in page["records"])


def restore_index(base, peers):
    """Put back the base's rdir record on ``peers`` once oio dropped it
    (each push audited); returns the peers where it may still be dropped
    (the deletion not applied within the wait, or rdir not reached)."""
    target = base.target
    peers = sorted(set(peers))  # checked before and after a repair
    if target.service_type != "meta2" or not peers:
        return ()
    manager = getattr(base.session.app, "client_manager", None)
    try:
        rdir = attribute(manager, "rdir") if manager is not None else None
        if rdir is None:
            return tuple(peers)
        url, cid = _url(rdir, target)
        if url is None:
            return tuple(peers)
        # at most a phase's budget; the runner does not count the wait
        wait = min(WAIT, base.session.timeout)
        pending, deadline = set(peers), time.monotonic() + wait
        base.session.limits.on_wait(target)
        while pending and time.monotonic() < deadline:
            pending -= {p for p in pending if not _listed(rdir, p, url)}
            if pending:
                time.sleep(POLL)
        for peer in peers:
            rdir.meta2_index_push(peer, url, cid, int(time.time()))
            audit(base, "rdir index", [peer], "put back", url=url)
    except Exception:  # the check's result stands; the index is said
        return tuple(peers)
    return tuple(sorted(pending))
