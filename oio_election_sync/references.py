"""From arguments to the bases to work on: references, CIDs, --from-file.

Plain functions, no cliff: the commands call them. References are produced
lazily, so a long list is never held in memory.
"""

import hashlib
import os
import re

from oio_election_sync import exitcodes as X
from oio_election_sync.text import CONTROL
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.model import Target
from oio_election_sync.oioclient import meta0_base, meta1_bases, meta2_bases

# A full CID, a ``CID.seq`` base name, or a short CID that the proxy pads
# with zeros (meta0/meta1 prefixes), as oio-proxy accepts them.
_CID = re.compile(r"(?:[0-9A-Fa-f]{64}(?:\.[0-9]+)?|[0-9A-Fa-f]{1,4})")
_BOM = "\ufeff"
_CONTROL = CONTROL  # ASCII, C1 and format characters (a BOM...)
_SERVICE_ID = re.compile(r"[^\s,]+")
# The types whose bases sqliterepo replicates and elects (oio's own
# ``openio election`` takes these; sqlx: the generic sqlx service).
SERVICE_TYPES = ("meta0", "meta1", "meta2", "sqlx")


def _usage(message):
    return ElectionError(message, X.EXIT_USAGE)


# oio keeps a container name in LIMIT_LENGTH_USER (1024) bytes, its
# terminating NUL included (core/oiourl.h): a longer line is no reference,
# and reading stops there instead of following an endless line.
MAX_REFERENCE = 1023
_LINE_LIMIT = MAX_REFERENCE + 2  # room for "\r\n" after the longest one


def _lines(stream):
    """Lines of at most _LINE_LIMIT bytes (or characters); a longer one is
    returned cut, without its end of line, for the caller to refuse."""
    while True:
        line = stream.readline(_LINE_LIMIT + 1)
        if not line:
            return
        yield line


def read_lines(stream, name):
    """``(line number, reference, is_cid)`` from a file: one reference or
    ``--cid ID`` per line; blank lines and ``#`` comments are skipped.
    Lines are decoded one by one, so that a bad one is named."""
    number = 0
    try:
        for number, line in enumerate(_lines(stream), 1):
            where = "%s line %d: " % (name, number)
            too_long = len(line) > _LINE_LIMIT  # cut: checked undecoded
            if not too_long:
                if isinstance(line, bytes):
                    line = line.decode("utf-8")
                if number == 1:
                    line = line.lstrip(_BOM)
                # ASCII blanks only: str.strip() would also eat \x1f,
                # \x85, U+00A0 or U+2028, and name another container
                text = line.strip(" \t\r\n")
                too_long = len(text.encode()) > MAX_REFERENCE
            if too_long:
                raise _usage(
                    "%slonger than %d bytes, the longest container name "
                    "oio takes" % (where, MAX_REFERENCE)
                )
            if not text or text.startswith("#"):
                continue
            if text.startswith("--cid"):
                words = text.split()
                if len(words) != 2 or words[0] != "--cid":
                    raise _usage(
                        "%sexpected '--cid ID', got %r" % (where, text)
                    )
                yield number, words[1], True
            elif text.startswith("--"):
                raise _usage(
                    "%sunknown option %r: a line is a reference or "
                    "'--cid ID'" % (where, text.split()[0])
                )
            else:
                yield number, text, False
    except UnicodeDecodeError as exc:
        raise _usage(
            "%s line %d: not UTF-8 (%s): give one reference per line in "
            "UTF-8" % (name, number, exc.reason)
        ) from None
    except (OSError, ValueError) as exc:  # e.g. a closed stdin
        raise _usage("cannot read %s: %s" % (name, exc)) from None


def open_file(path, stdin):
    """The stream of ``--from-file`` (``-``: stdin), as bytes where it can
    be, and its name."""
    if path == "-":
        if stdin is None or getattr(stdin, "closed", False):
            raise _usage("cannot read --from-file -: stdin is closed")
        return getattr(stdin, "buffer", stdin), "stdin"
    try:
        return open(path, "rb"), path
    except OSError as exc:
        raise _usage(
            "cannot read --from-file %s: %s" % (path, exc.strerror)
        ) from exc


def check_file(path, force_cid=False, resolver=None):
    """Read a regular file through once before anything is sent, so that a
    bad line is an argument error, not a half-done run. A pipe (or stdin)
    can be read only once: its lines are checked as they come (None).
    Returns the number of references. A container name needs an account:
    the ``resolver`` is asked for it at the first name."""
    if not os.path.isfile(path):
        return None
    stream, name = open_file(path, None)
    count = 0
    with stream:
        for number, text, is_cid in read_lines(stream, name):
            count += 1
            where = "%s line %d: " % (name, number)
            check_reference(text, is_cid or force_cid, where)
            if resolver is not None and not (is_cid or force_cid):
                resolver.need_account(text, where)
    return count


def check_cid(text, where=""):
    if not _CID.fullmatch(text):
        raise _usage(
            "%s%r is not a container ID: --cid takes 64 hex digits "
            "(or CID.seq; meta0/meta1 also a prefix of 1 to 4)" % (where, text)
        )


def check_reference(text, is_cid, where=""):
    """What can be told of a reference without asking oio."""
    if not text.strip():
        raise _usage(
            "%sempty reference: name a container, or give its ID "
            "with --cid" % where
        )
    if _CONTROL.search(text):
        raise _usage("%sreference %r has control characters" % (where, text))
    if is_cid:
        check_cid(text, where)


class Resolver:
    """Turns (text, is_cid) into Targets, each base once."""

    def __init__(self, service_type, account_of, service_ids):
        if not service_type.strip():
            raise _usage(
                "missing service type: give one, e.g. "
                "'openio election status meta2 FVE0'"
            )
        if service_type not in SERVICE_TYPES:
            raise _usage(
                "unknown service type %r: elections run for %s bases"
                % (service_type, ", ".join(SERVICE_TYPES))
            )
        self.service_type = service_type
        self.account_of = account_of  # called once, when a name needs it
        self.account = None
        # oio's own --service-id joins its values with commas: a value may
        # be a comma list already (--service-id a,b)
        ids = [i for value in service_ids or () for i in value.split(",")]
        self.service_ids = tuple(dict.fromkeys(ids))
        for service_id in self.service_ids:
            if not _SERVICE_ID.fullmatch(service_id):
                raise _usage(
                    "--service-id takes service ids, such as "
                    "127.0.0.1:6006 (or a comma list), not %r" % service_id
                )
        self._seen = set()

    def target(self, text, is_cid, where=""):
        check_reference(text, is_cid, where)
        if is_cid:
            return Target(
                self.service_type, None, None, text.upper(), self.service_ids
            )
        self.need_account(text, where)
        return Target(
            self.service_type, self.account, text, None, self.service_ids
        )

    def need_account(self, text, where=""):
        if self.account is None:
            self.account = self.account_of() or ""
        if not self.account:
            raise _usage(
                "%sno account for reference %r: pass --oio-account ACCOUNT "
                "(or set OIO_ACCOUNT), or give a container ID with --cid"
                % (where, text)
            )

    def first_time(self, target):
        """False for a base already produced (hashes, not names, are kept:
        75 bytes a distinct base, benchmarks/dedup.py)."""
        digest = hashlib.blake2b(
            ("%s\0%s" % (target.cid, target.reference)).encode(),
            digest_size=8,
        ).digest()
        if digest in self._seen:
            return False
        self._seen.add(digest)
        return True

    def targets(self, items):
        """Targets of ``(where, text, is_cid)`` items, duplicates dropped."""
        for where, text, is_cid in items:
            target = self.target(text, is_cid, where)
            if self.first_time(target):
                yield target


def file_items(path, stdin, force_cid):
    """``(where, text, is_cid)`` of ``--from-file``; the file is opened now,
    so that an unreadable one is an argument error before anything runs."""
    stream, name = open_file(path, stdin)

    def items():
        try:
            for number, text, is_cid in read_lines(stream, name):
                where = "%s line %d: " % (name, number)
                yield where, text, is_cid or force_cid
        finally:
            if path != "-":
                stream.close()

    return items()


def service_targets(app, service_type, service_id, prefix=None, marker=None):
    """The bases a service holds, as Targets addressed by CID, each with
    the marker that resumes the listing after it."""
    if service_type == "meta2":
        for url, cid in meta2_bases(app, service_id, prefix, marker):
            parts = url.split("/", 2)
            display = "/".join(parts[1:]) if len(parts) == 3 else url
            yield Target(
                "meta2", None, None, cid.upper(), (), display, url, service_id
            )
    elif service_type == "meta1":
        for prefix_ in meta1_bases(app, service_id, marker):
            yield Target("meta1", None, None, prefix_, (), prefix_, prefix_)
    elif service_type == "meta0":
        base = meta0_base(app, service_id)
        if not marker:
            yield Target("meta0", None, None, base, (), "meta0", "meta0")
    else:
        raise _usage(
            "--from-service lists meta0, meta1 or meta2 bases, not %r"
            % service_type
        )


def chain(*parts):
    for part in parts:
        yield from part


def bases(resolver, args, app, empty):
    """``(targets, total)``: the Targets of the command line, then of
    ``--from-file``, then of ``--from-service``, lazily, and how many there
    are when that is known (None: a pipe, a listing). A regular file is
    read through first (a bad line is a usage error before anything is
    sent); ``empty()``: the error of a run with no base at all, if that is
    one."""
    items = [("", name, args.is_cid) for name in args.reference]
    parts = [list(resolver.targets(items))]  # checked now
    total = len(parts[0])
    path = getattr(args, "from_file", None)
    service = getattr(args, "from_service", None)
    if path:
        regular = path != "-"  # stdin is checked as it is read
        checked = check_file(path, args.is_cid, resolver) if regular else None
        if checked == 0 and empty() is not None:
            raise empty()
        total = None if checked is None else total + checked
        stdin = getattr(app, "stdin", None)
        parts.append(resolver.targets(file_items(path, stdin, args.is_cid)))
    if service:
        listing = service_targets(
            app, args.service_type, service, args.prefix, args.marker
        )
        # its first base now: a typo, a bad marker or a listing that
        # cannot start is said before any other base runs
        first = next(listing, None)
        parts.append(chain([first] if first else [], listing))
        total = None
    return chain(*parts), total
