"""Whether a peer's FILE passes oio's own check, not only the pages its
open handle caches: a sync sends the file, which oio checks only through
that handle. Three requests, nothing written to the base itself."""

import time

from oio_election_sync import model as M
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.oioclient.errors import is_corrupt

# What the proxy answers for a peer it avoids (oio's CODE_AVOIDED, 8,
# turned into 502 by the proxy), and how long to wait before asking again.
AVOIDED = 502
AVOIDED_RETRY = 1.0
AVOIDED_ATTEMPTS = 3  # each may copy the file: a few, not a budget's worth
# After its dump check passed, oio refuses a peer's restore from itself:
# 473 on the master, 472 on a slave (restores come from the master only).
RESTORE_REFUSED = (472, 473)


def file_check(base, peer, suffix, steps=3):
    """``check_once``, again while the proxy avoids the peer: after a
    restart it turns away some routes to it for a few seconds ("Request
    avoided, service marked down") while reads reach it."""
    left = ()  # copies earlier attempts could not remove
    for attempt in range(AVOIDED_ATTEMPTS):
        checked = check_once(base, peer, suffix, steps)
        left += checked.left
        cause = getattr(checked.error, "cause", None)
        avoided = getattr(cause, "status", None) == AVOIDED
        last = attempt == AVOIDED_ATTEMPTS - 1
        if not avoided or last or base.remaining() < 2 * AVOIDED_RETRY:
            return checked._replace(left=left)
        time.sleep(AVOIDED_RETRY)
        suffix += "-again"  # never a name already asked for


def check_once(base, peer, suffix, steps=3):
    """A byte copy of the file is made beside it; the peer is asked to
    restore itself from that copy, which makes it open the copy fresh and
    run its dump check (``sqliterepo.dump.check_type``, quick_check by
    default) before the restore, which oio then refuses (473 on a master,
    472 on a slave: sane, nothing written; oio before 2025.28 restores a
    master's copy onto itself, harmless); 511: corrupt. The copy is
    removed."""
    if not base.session.caps.backup:
        return M.FileCheck(M.FILE_UNCHECKED, None, M.NO_LOCAL_COPY, ())
    where = dict(service_id=[peer], peer=peer)
    try:
        base.write(
            "file check",
            "copy_base_local",
            steps,
            audit={"suffix": suffix},
            svc_from=peer,
            suffix=suffix,
            **where,
        )
    except ElectionError as error:
        # a failed local copy can leave the base locked on the peer
        return M.FileCheck(M.FILE_UNCHECKED, error, M.COPY_FAILED, (suffix,))
    left, outcome, error = suffix, M.FILE_SANE, None
    try:
        base.write(
            "file check",
            "copy_base_from",
            max(steps - 1, 1),
            refusals=RESTORE_REFUSED,
            svc_from=peer,
            svc_to=peer,
            suffix=suffix,
            **where,
        )
    except ElectionError as failed:
        cause = getattr(failed, "cause", None)
        if getattr(cause, "status", None) not in RESTORE_REFUSED:
            error = failed
            outcome = M.FILE_UNCHECKED
            if is_corrupt(cause or failed):
                outcome = M.FILE_CORRUPT
                left = suffix + ".corrupted"  # oio renamed the copy
    try:
        base.write("file check", "remove_base", 1, suffix=left, **where)
        base.scratch_removed.append(peer)  # oio drops the base's rdir record
        left = ()
    except ElectionError:
        left = (left,)  # said with the outcome: the copy is still there
    return M.FileCheck(outcome, error, None, left)
