"""What the peers of one replicated base say, in plain words.

Pure functions only: they take the per-peer replies of oio-proxy and return
roles, verdicts and outcomes. No I/O, no oio import, so they can be tested
(and reasoned about) on their own.
"""

import collections

from oio_election_sync.exitcodes import (  # noqa: F401 (re-exported)
    EXIT_DIVERGED,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_SYNC_FAILED,
    EXIT_UNHEALTHY,
)

# Roles shown in the ``Role`` column.
MASTER = "master"
SLAVE = "slave"
ELECTING = "electing"  # debug: the election is in a transient state
NO_ELECTION = "no election"  # debug: the peer knows no election for this base
DOWN = "down"
TIMEOUT = "timeout"
ERROR = "error"

# Per-peer network codes written by oio-proxy (metautils ERRCODE_*): the
# peer was not reached at all, or not within its deadline.
_DOWN_CODES = frozenset((2, 3, 4, 6, 8, 10))
_TIMEOUT_CODES = frozenset((5, 7))


class MalformedReply(ValueError):
    """The proxy answered something that is not a per-peer reply map."""


PeerReply = collections.namedtuple("PeerReply", "peer status message body")


def parse_replies(raw):
    """Validate a proxy reply ``{peer: {"status": {...}, "body": ...}}``.

    Returns PeerReply tuples sorted by peer id, as the built-in sorts rows.
    """
    if not isinstance(raw, dict):
        raise MalformedReply(
            "expected a JSON object of peers, got %s" % type(raw).__name__
        )
    if not raw:
        raise MalformedReply("the reply names no peer")
    replies = []
    for peer, item in raw.items():
        status = item.get("status") if isinstance(item, dict) else None
        if not isinstance(status, dict):
            raise MalformedReply("peer %s has no 'status' object" % peer)
        code, message = status.get("status"), status.get("message")
        if isinstance(code, bool) or not isinstance(code, int):
            raise MalformedReply(
                "peer %s: status %r is not an integer" % (peer, code)
            )
        if message is None:
            message = ""
        elif not isinstance(message, str):
            raise MalformedReply(
                "peer %s: message %r is not a string" % (peer, message)
            )
        replies.append(PeerReply(peer, code, message, item.get("body", "")))
    return sorted(replies, key=lambda r: r.peer)


def unreached_role(code):
    """The role of a peer whose reply carries a network error, else None."""
    if code in _TIMEOUT_CODES:
        return TIMEOUT
    if code in _DOWN_CODES:
        return DOWN
    return None


def _role(reply, master_code, slave_code):
    if reply.status == master_code:
        return MASTER
    if reply.status == slave_code:
        return SLAVE
    return unreached_role(reply.status) or ERROR


def status_role(reply):
    """Role from ``/admin/status``: master 200, slave 303 + master address."""
    return _role(reply, 200, 303)


def sync_role(reply):
    """Role from ``/admin/sync``: master 301 "not SLAVE", slave 200."""
    return _role(reply, 301, 200)


def debug_role(reply):
    """Role from ``/admin/debug``: the ``local.state`` of the member."""
    if reply.status != 200:
        return unreached_role(reply.status) or ERROR
    body = reply.body
    if not body or not isinstance(body, dict):
        return NO_ELECTION
    state = (body.get("local") or {}).get("state")
    if state == "MASTER":
        return MASTER
    if state == "SLAVE":
        return SLAVE
    return ELECTING


class Verdict(collections.namedtuple("Verdict", "exit_code master problems")):
    """A base's health: ``problems`` is empty when it is healthy."""

    @property
    def healthy(self):
        return self.exit_code == EXIT_OK

    def summary(self, label):
        if self.healthy:
            return "%s: healthy, master %s" % (label, self.master)
        return "%s: UNHEALTHY: %s" % (label, "; ".join(self.problems))


def _describe_unreached(reply, role):
    return "%s %s (%d %s)" % (reply.peer, role, reply.status, reply.message)


def election_verdict(
    replies, role_of=status_role, master_named=None, partial=False
):
    """Healthy = exactly one master, every other peer a slave naming it.

    ``master_named(reply)`` returns the master a slave names; by default the
    status message (303 carries the master's address). ``partial``: only some
    peers were asked (--service-id); a master out of view is then the one the
    slaves agree on.
    """
    if master_named is None:

        def master_named(reply):
            return reply.message

    roles = [(reply, role_of(reply)) for reply in replies]
    masters = [r.peer for r, role in roles if role == MASTER]
    named = {master_named(r) for r, role in roles if role == SLAVE}
    if partial and not masters and len(named) == 1:
        masters = list(named)
    problems = []
    for reply, role in roles:
        if role in (DOWN, TIMEOUT):
            problems.append(_describe_unreached(reply, role))
        elif role == ERROR:
            problems.append(
                "%s error (%d %s)" % (reply.peer, reply.status, reply.message)
            )
        elif role in (ELECTING, NO_ELECTION):
            problems.append("%s %s" % (reply.peer, role))
    if not masters:
        problems.append("no master")
    elif len(masters) > 1:
        problems.append("%d masters: %s" % (len(masters), ", ".join(masters)))
    else:
        for reply, role in roles:
            named = master_named(reply) if role == SLAVE else None
            if role == SLAVE and named != masters[0]:
                problems.append(
                    "slave %s names master %s, not %s"
                    % (reply.peer, named, masters[0])
                )
    master = masters[0] if len(masters) == 1 else None
    return Verdict(EXIT_UNHEALTHY if problems else EXIT_OK, master, problems)


def reach_verdict(replies, role_of):
    """Every peer reached? (``debug``: the others' state is informative)."""
    problems = []
    for reply in replies:
        role = role_of(reply)
        if role in (DOWN, TIMEOUT, ERROR):
            problems.append(_describe_unreached(reply, role))
    masters = [r.peer for r in replies if role_of(r) == MASTER]
    master = masters[0] if len(masters) == 1 else None
    return Verdict(EXIT_UNHEALTHY if problems else EXIT_OK, master, problems)


# --- sync -----------------------------------------------------------------

SOURCE = "source, not resynced"
TRIGGERED = "resync triggered"
NOT_REACHED = "not reached"


def sync_result(reply):
    """What the sync request did on one peer, in words."""
    role = sync_role(reply)
    if role == MASTER:
        return SOURCE
    if role == SLAVE:
        return TRIGGERED
    if role == TIMEOUT:
        return NOT_REACHED + " (timeout)"
    if role == DOWN:
        return NOT_REACHED
    return "failed: %s" % reply.message


def sync_verdict(replies):
    """Non-zero when any slave (any peer but the master) was not triggered."""
    problems = [
        "%s %s" % (r.peer, sync_result(r))
        for r in replies
        if sync_role(r) not in (MASTER, SLAVE)
    ]
    masters = [r.peer for r in replies if sync_role(r) == MASTER]
    master = masters[0] if len(masters) == 1 else None
    return Verdict(EXIT_SYNC_FAILED if problems else EXIT_OK, master, problems)


# --- admin tables -----------------------------------------------------------

# Keys compared between copies. ``stats.*`` describe the SQLite file itself
# (page count, freelist) and legitimately differ between peers; everything
# else in ``system`` is replicated with the base (fixtures get_properties-*).
_PER_FILE_PREFIXES = ("stats.",)

# Keys every base of a type must hold (sqliterepo sets sys.name and sys.type
# on every base; meta2 initialisation writes the others, see the fixtures).
REQUIRED_KEYS = {
    None: ("sys.name", "sys.type"),
    "meta2": (
        "sys.name",
        "sys.type",
        "sys.account",
        "sys.user.name",
        "sys.m2.ctime",
        "sys.m2.init",
    ),
}

OK = "ok"


def replicated_keys(table):
    """Flatten ``{"system": {...}, "properties": {...}}`` to comparable keys.

    User properties are prefixed ``properties.`` so they cannot collide with
    system keys.
    """
    if not isinstance(table, dict):
        raise MalformedReply("admin table is not a JSON object")
    system = table.get("system") or {}
    props = table.get("properties") or {}
    if not isinstance(system, dict) or not isinstance(props, dict):
        raise MalformedReply("admin table 'system'/'properties' not objects")
    keys = {
        k: v for k, v in system.items() if not k.startswith(_PER_FILE_PREFIXES)
    }
    keys.update(("properties." + k, v) for k, v in props.items())
    return keys


def compare_tables(ref, mine):
    """``ok``, or how a peer's copy differs: ``missing sys.m2.ctime``...

    Both are replicated_keys() of an admin table: the master's, the peer's.
    """
    missing = sorted(set(ref) - set(mine))
    extra = sorted(set(mine) - set(ref))
    different = sorted(k for k in set(ref) & set(mine) if ref[k] != mine[k])
    parts = []
    for word, keys in (
        ("missing", missing),
        ("different", different),
        ("extra", extra),
    ):
        if keys:
            parts.append("%s %s" % (word, ", ".join(keys)))
    return "; ".join(parts) or OK


def missing_required(service_type, keys):
    """System keys a base of this type must have but this copy (its
    replicated_keys()) lacks."""
    required = REQUIRED_KEYS.get(service_type, REQUIRED_KEYS[None])
    return [k for k in required if k not in keys]


# --- election log ------------------------------------------------------------

LogEntry = collections.namedtuple("LogEntry", "time_ms before event after")

SYNC_OK = "SYNC_OK"
SYNC_KO = "SYNC_KO"


def parse_log_entry(text):
    """``"<ms>:<PRE>:<EVENT>:<POST>"`` -> LogEntry, or None when unparsable."""
    parts = text.split(":") if isinstance(text, str) else ()
    if len(parts) != 4 or not parts[0].isdigit():
        return None
    return LogEntry(int(parts[0]), parts[1], parts[2], parts[3])


def election_log(body):
    """Parsed log entries of a debug body, newest first."""
    log = body.get("log") if isinstance(body, dict) else None
    entries = (parse_log_entry(e) for e in (log or ()))
    return sorted((e for e in entries if e), key=lambda e: -e.time_ms)


def last_sync_outcome(body):
    """The newest ``SYNC_OK``/``SYNC_KO`` entry of a debug body, or None."""
    for entry in election_log(body):
        if entry.event in (SYNC_OK, SYNC_KO):
            return entry
    return None


# Per-slave outcomes of ``sync --wait``.
REPAIRED = "repaired"
ALREADY_IN_SYNC = "already in sync"
FAILED_KO = "failed (SYNC_KO)"
NO_OUTCOME = "no outcome before timeout"
STILL_DIVERGES = "still diverges"
NOT_VERIFIED = "SYNC_OK, copy not verified"


def wait_outcome(before_copy, outcome_entry, after_copy):
    """Combine what a slave's copy was, what its log says, what it is now.

    ``before_copy``/``after_copy`` are results of compare_copies (None when
    there was no master to compare with); ``outcome_entry`` the new SYNC_*
    log entry or None.
    """
    if outcome_entry is None:
        return NO_OUTCOME
    if outcome_entry.event == SYNC_KO:
        return FAILED_KO
    if after_copy is None:
        return NOT_VERIFIED
    if after_copy != OK:
        return STILL_DIVERGES + (": %s" % after_copy if after_copy else "")
    return ALREADY_IN_SYNC if before_copy == OK else REPAIRED
