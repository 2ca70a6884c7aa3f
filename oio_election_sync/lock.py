"""This host's lock of a base while a repair acts on it.

A second repair of the base on this host (a shell, the crawler filter's
workers) is refused, nothing changed. Repairs from other hosts are not
seen here; one that acts meanwhile shows as versions or a master that move.
"""

import contextlib
import fcntl
import os
import tempfile
import time

from oio_election_sync.exitcodes import ElectionError


def lock_name(target, meta1_digits=None):
    """One name per base, however it was addressed (by name or CID): a
    meta1 base is named after the first ``meta1_digits`` of the CID."""
    cid = target.base_cid or "meta0"
    if target.service_type == "meta2" and "." not in cid:
        cid += ".1"
    if target.service_type == "meta1" and meta1_digits:
        cid = cid[:meta1_digits].ljust(4, "0")
    return "%s-%s.lock" % (target.service_type, cid)


def lock_dir():
    return os.environ.get("OIO_ELECTION_LOCK_DIR") or os.path.join(
        tempfile.gettempdir(), "oio-election-sync"
    )


@contextlib.contextmanager
def exclusive(target, digits=None):
    """Hold this host's lock of the base while the repair acts: a second
    repair of it on this host (a shell, the crawler filter's workers) is
    refused, nothing changed. Repairs from other hosts are not seen here;
    one that acts meanwhile shows as versions or a master that move."""
    directory = lock_dir()
    path = os.path.join(directory, lock_name(target, digits))
    flags = os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory, exist_ok=True)
            os.chmod(directory, 0o1777)  # shared by the users who repair
        try:
            fd = os.open(path, os.O_RDWR | flags, 0o666)
            if os.fstat(fd).st_uid == os.getuid():
                os.fchmod(fd, 0o666)
        except PermissionError:  # another user's lock file: still locks
            fd = os.open(path, os.O_RDONLY | flags)
    except OSError as exc:
        raise ElectionError(
            "%s: cannot take the repair lock in %s (%s): nothing was "
            "changed; set OIO_ELECTION_LOCK_DIR to a writable directory"
            % (target.label, directory, exc.strerror)
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            raise ElectionError(
                "%s: another repair on this host is working on this base "
                "(%s): nothing was changed; retry when it is done"
                % (target.label, holder or "holder unknown")
            ) from None
        holder = "pid %d since %s" % (os.getpid(), time.strftime("%H:%M:%S"))
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder.encode(), 0)
        except OSError:
            pass  # read-only: the lock holds all the same
        yield
    finally:
        os.close(fd)  # releases the lock
