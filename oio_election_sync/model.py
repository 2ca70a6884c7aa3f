"""The model of a base, as every layer passes it on.

arguments -> Target -> (oioclient) PeerReply -> (peers, copies) one
CopyState per peer, Problems -> (workflows) Report -> (render) words ->
(exitcodes) exit code. Data only: no I/O, no words (render says them).
"""

import collections
import dataclasses
import enum
import hashlib

from oio_election_sync import exitcodes as X


class MalformedReply(ValueError):
    """The proxy answered something that is not a per-peer reply map."""


# --- what the proxy answered -------------------------------------------------

PeerReply = collections.namedtuple("PeerReply", "peer status message body")


class Target(
    collections.namedtuple(
        "Target",
        "service_type account reference cid service_ids display marker "
        "source",
        defaults=(None, None, None),
    )
):
    """One replicated base, as the proxy localises it. A base listed from a
    service has a ``display`` name (``account/container``), the
    ``marker`` that resumes a listing after it, and the ``source`` service
    whose listing named it."""

    @property
    def label(self):
        if self.display:
            return "%s %s" % (self.service_type, self.display)
        if self.cid:
            return "%s cid %s" % (self.service_type, self.cid)
        return "%s %s" % (self.service_type, self.reference)

    @property
    def name(self):
        return self.display or self.cid or self.reference

    @property
    def base_cid(self):
        """The CID the base is named after, however it was addressed:
        by name, oio's ``cid_from_name`` (sha256 of account, NUL,
        reference)."""
        if self.cid is not None:
            return self.cid.upper()
        digest = hashlib.sha256(self.account.encode("utf-8"))
        digest.update(b"\0" + self.reference.encode("utf-8"))
        return digest.hexdigest().upper()

    def loc_kwargs(self):
        if self.cid:
            return {"service_type": self.service_type, "cid": self.cid}
        return {
            "service_type": self.service_type,
            "account": self.account,
            "reference": self.reference,
        }


# --- what can be wrong -------------------------------------------------------


class Kind(enum.Enum):
    """A copy state or a problem, with the exit code it deserves. ``key``
    is its name in machine-readable output."""

    def __init__(self, key, exit_code):
        self.key = key
        self.exit_code = exit_code

    # copy states that are no problem
    OK = "ok", X.EXIT_OK
    NO_BASE = "no-base", X.EXIT_OK  # a meta1 prefix no reference uses yet
    # the election (detail: the reply's status and message, or peers)
    DOWN = "down", X.EXIT_UNHEALTHY
    TIMEOUT = "timeout", X.EXIT_UNHEALTHY
    PEER_ERROR = "peer-error", X.EXIT_UNHEALTHY
    NO_MASTER = "no-master", X.EXIT_UNHEALTHY
    MASTERS = "several-masters", X.EXIT_UNHEALTHY
    WRONG_MASTER = "wrong-master", X.EXIT_UNHEALTHY  # detail: (named, master)
    ABSENT = "absent", X.EXIT_UNHEALTHY  # detail: the request it missed
    NOT_REACHED = "not-reached", X.EXIT_UNHEALTHY  # detail: has's reply
    # the copies
    COPY_MISSING = "missing", X.EXIT_DIVERGED  # detail: re-created meanwhile
    COPY_DIFFERS = "differs", X.EXIT_DIVERGED  # detail: Diff vs reference
    COPY_LACKS = "lacks-keys", X.EXIT_DIVERGED  # detail: Lacks
    MASTER_ODD = "master-odd", X.EXIT_DIVERGED  # detail: Diff vs the slaves
    NO_AGREEMENT = "no-agreement", X.EXIT_DIVERGED
    COPY_STALE = "stale", X.EXIT_DIVERGED  # detail: Stale vs the reference
    COPY_CORRUPT = "corrupt", X.EXIT_DIVERGED  # detail: Corrupt
    DIVERGED = "diverged", X.EXIT_DIVERGED  # detail: ((peer, ahead), ...)
    ORPHAN = "orphan", X.EXIT_DIVERGED  # a copy the directory links nowhere
    # what was not read
    NOT_READ = "not-read", X.EXIT_ERROR  # detail: Unread
    FILE_UNCHECKED = "file-unchecked", X.EXIT_ERROR  # detail: FileCheck
    PREFLIGHT_UNREAD = "preflight-unread", X.EXIT_ERROR  # detail: CopyState
    # what forbids a write
    NEWER_COPY = "newer-copy", X.EXIT_REFUSED  # detail: Stale(ahead, diff)
    MASTER_FIRST = "master-first", X.EXIT_REFUSED  # detail: its CopyState
    # sync and repair
    NOT_TRIGGERED = "not-triggered", X.EXIT_INCOMPLETE  # (role, st, msg)
    SOURCE_MOVED = "source-moved", X.EXIT_INCOMPLETE  # (expected, sources)
    SYNC_KO = "sync-ko", X.EXIT_INCOMPLETE  # detail: the entry's time
    NO_OUTCOME = "no-outcome", X.EXIT_INCOMPLETE
    NOT_VERIFIED = "not-verified", X.EXIT_INCOMPLETE  # detail: Unverified
    STILL_DIFFERS = "still-differs", X.EXIT_INCOMPLETE  # detail: Diff
    LOST_KEYS = "lost-keys", X.EXIT_INCOMPLETE  # keys held before the sync
    NO_HANDOVER = "no-handover", X.EXIT_INCOMPLETE  # no sane peer took over
    REMAINS = "remains", X.EXIT_INCOMPLETE  # detail: a Problem still there
    INTERRUPTED = "interrupted", X.EXIT_INTERRUPTED

    def __repr__(self):
        return "Kind.%s" % self.name


Problem = collections.namedtuple("Problem", "peer kind detail")


def exit_code(problems):
    """The exit code a list of problems deserves (0 when there is none)."""
    return X.combine(p.kind.exit_code for p in problems)


# --- the state of one copy ---------------------------------------------------

# Every peer of a base has exactly one (copies.judge_copies).
CopyState = collections.namedtuple("CopyState", "kind detail")
COPY_OK = CopyState(Kind.OK, None)
NO_BASE = CopyState(Kind.NO_BASE, None)

# ``healed``: oio itself wrote the copy back to the reference during the
# check (the election it woke resynced it, or it rewrote its rows).
Diff = collections.namedtuple(
    "Diff", "missing different extra healed", defaults=(False,)
)
# ``behind``: ((table, this copy's version, the other's), ...); ``diff``:
# the Diff of this copy against the other.
Stale = collections.namedtuple(
    "Stale", "behind diff healed", defaults=(False,)
)


class Lacks(tuple):
    """The required keys a copy lacks, ``healed`` when oio wrote them back
    during the check (meta1 rewrites its sys.* rows when it opens the base
    or its election wakes). Equal to the plain tuple of the keys."""

    healed = False

    def restored(self):
        again = Lacks(self)
        again.healed = True
        return again


class Evidence(enum.Enum):
    """What showed a copy corrupt."""

    REPLY = "reply"  # a peer answered CODE_CORRUPT_DATABASE (511)
    SET_ASIDE = "set-aside"  # has: present, then gone after reading it
    UNREADABLE = "unreadable"  # present, its admin table reads empty/torn
    INTEGRITY = "integrity"  # PRAGMA quick/integrity_check failed
    FILE_CHECK = "file-check"  # a fresh copy of its file failed oio's check


# ``healed``: oio set the file aside and re-created it during the check.
Corrupt = collections.namedtuple("Corrupt", "evidence healed")


class Why(enum.Enum):
    """Why a copy was not read, or a resync not verified (``Unread``)."""

    NOT_ASKED = "not-asked"  # no request named this peer
    HAS_FAILED = "has-failed"  # detail: has's (status, message)
    EMPTY_TABLE = "empty-table"  # the peer answered an empty admin table
    NO_ANSWER = "no-answer"  # detail: the --timeout
    ABSENT_FROM_HAS = "absent-from-has"  # the election knows it, has not
    MOVED = "moved"  # detail: reads made; its versions moved in each
    FAILED = "failed"  # detail: the error, in oio's words
    COPY_NOT_REREAD = "copy-not-reread"
    MASTER_NOT_REREAD = "master-not-reread"
    NO_LOG_BEFORE = "no-log-before"  # no election log before the trigger


Unread = collections.namedtuple("Unread", "why detail", defaults=(None,))


# Outcomes of a file check (oioclient.filecheck).
FILE_SANE = "sane"
FILE_CORRUPT = "corrupt"
FILE_UNCHECKED = "unchecked"
# Why a file check could not run at all.
NO_LOCAL_COPY = "no local copy"  # this oio has no copy_base_local (9.0+)
COPY_FAILED = "copy failed"  # the byte copy failed: it may lock the base
# ``outcome``: FILE_*; ``error``: the ElectionError met; ``why``: why it
# could not run; ``left``: suffixes of copies left on the peer.
FileCheck = collections.namedtuple("FileCheck", "outcome error why left")


class Result(enum.Enum):
    """What became of a peer, in the Result column (beside Problems)."""

    OK = "ok"
    REPAIRED = "repaired"
    ALREADY_IN_SYNC = "already-in-sync"
    IN_SYNC = "in-sync"  # its copy before was not read
    SOURCE = "source"  # the master a resync copies from
    TRIGGERED = "triggered"
    WOULD_NOT = "would-not"  # dry run: the source
    WOULD_RESYNC = "would-resync"
    UNREACHABLE = "unreachable"


# --- what a workflow did -----------------------------------------------------

# What --wait has seen so far of one base's slaves: ``waiting``, the peers
# that have not reported yet, and the seconds ``left`` (said every while).
Waiting = collections.namedtuple(
    "Waiting", "target reported total waiting left"
)

# A write sent to the proxy: reported whatever happens next.
Sent = collections.namedtuple("Sent", "action peers detail")
# A copy kept before it is changed: its file, or why none was kept.
Backup = collections.namedtuple("Backup", "path note")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one base came to, beside its rows and problems: what was read,
    refused, planned and run. Every field has the value of "nothing of
    that kind happened"."""

    master: object = None  # the master that was read
    # what was read
    checked: bool = True  # status: the copies were compared (--check)
    elected: bool = True  # the election was asked
    nowhere: bool = False  # no peer holds a copy
    gone: bool = False  # listed, deleted since: nothing to check
    orphan: bool = False  # held, linked to no service
    healed: tuple = ()  # peers oio restored while they were read
    # refused
    refused: bool = False
    unread: bool = False  # sync: a copy it needs could not be read
    file_refused: bool = False  # a file check forbids, or could not run
    findings: tuple = ()  # sync: the pre-flight's problems
    # planned
    dry_run: bool = False
    nothing: bool = False  # repair: no step to run
    plan: object = None  # plan.Plan
    before: object = None  # {peer: CopyState} the plan was made from
    # checks
    check_type: object = None
    check_type_sent: bool = True
    file_check: object = None  # FileCheck of the source (sync)
    file_checks: object = None  # {peer: FileCheck} (repair)
    file_check_off: bool = False  # --no-file-check
    # run
    triggered: tuple = ()
    waited: bool = False
    backups: object = None  # {peer: Backup}
    source: object = None  # the peer a repair copied from
    ran: object = None  # the steps sent (None: every planned one)
    sent: tuple = ()  # every write sent
    requests: tuple = ()  # the id of every request made
    # peers whose rdir record of the base oio may still drop after a file
    # check (those put back are in the audit log)
    index_unsure: tuple = ()

    def but(self, **changes):
        return dataclasses.replace(self, **changes)


NOTHING_DONE = Outcome()


class Report(
    collections.namedtuple(
        "Report",
        "target rows problems outcome error",
        defaults=((), NOTHING_DONE, None),
    )
):
    """One base's outcome. ``rows``: dicts of cells (None when the base
    could not be read at all, then ``error`` says why); ``problems``:
    Problem records; ``outcome``: an Outcome."""

    @property
    def changed(self):
        """The base was changed (repair: a step ran), or would be (a dry
        run with a plan): counted and shown apart from the healthy."""
        done = self.outcome
        if done.ran:
            return True
        plan = done.plan
        return bool(
            done.dry_run
            and plan is not None
            and plan.steps
            and not plan.refusals
        )

    @property
    def exit_code(self):
        return X.verdict(
            (exit_code(self.problems),),
            refused=self.outcome.refused,
            error=None if self.error is None else self.error.exit_code,
        )
