"""One base: its election requests (calls), each peer's own copy read
locally, and the writes that keep or change a copy."""

import time

from oio_election_sync import parallel
from oio_election_sync import peers as P
from oio_election_sync.copies import replicated_keys
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.model import MalformedReply, Sent, Unread, Why
from oio_election_sync.oioclient.filecheck import file_check
from oio_election_sync.oioclient import calls as C
from oio_election_sync.oioclient.calls import WRITES, Calls
from oio_election_sync.oioclient.errors import is_corrupt
from oio_election_sync.text import clean


def copy_path(has_body):
    """The file of a peer's copy from its ``has`` body (``<path>:<mtime>``
    since oio 2025.41, the path alone before), or None."""
    if not isinstance(has_body, str) or not has_body:
        return None
    path, _, mtime = has_body.rpartition(":")
    return path if path and mtime.isdigit() else has_body


def base_name(has_body, service_type):
    """The base's own name from a ``has`` body (its file is
    ``<name>.<type>``), or None."""
    filename = (copy_path(has_body) or "").rsplit("/", 1)[-1]
    suffix = "." + service_type
    if not filename.endswith(suffix) or len(filename) == len(suffix):
        return None
    return filename[: -len(suffix)]


class Base(Calls):
    """Requests about one base; also remembers the base's own name."""

    name = None

    # copies ---------------------------------------------------------------
    def learn_name(self, has_replies):
        for reply in has_replies:
            name = base_name(reply.body, self.target.service_type)
            if reply.status == P.HAS_PRESENT and name:
                self.name = name
                return

    def _read_kwargs(self):
        # The proxy opens another name than the meta1 base of a reference
        # (an empty table for a healthy base; a write would create that
        # other base): reads and writes address it by its own name.
        if self.target.service_type == "meta1" and self.name:
            return {"service_type": "meta1", "cid": self.name}
        return self.target.loc_kwargs()

    def tables(self, peers, steps=1, detailed=False):
        """``{peer: keys}`` and ``{peer: Unread}``, each peer read
        locally (its own file, no election woken), in parallel.

        ``detailed``: also ``[peers that answered an empty table]`` and
        ``[peers that answered "corrupt"]``, which are otherwise not read.
        """
        deadline = time.monotonic() + self.budget(steps)
        peers = [p for p in peers if p not in self.unanswered]

        def read(peer):
            budget = deadline - time.monotonic()
            kwargs = dict(
                self._read_kwargs(),
                service_id=[peer],
                params={"local": 1},  # a fresh dict: old oio mutates it
            )
            try:
                table = self.call(
                    "get_properties", budget, "properties", **kwargs
                )
            except Exception as exc:
                self.translated(exc, "get_properties", budget)
            return replicated_keys(table)

        results = parallel.fan_out(read, peers, deadline + 0.5)
        tables, unread, empty, corrupt = {}, {}, [], []
        for peer, got in results.items():
            if isinstance(got, dict):
                tables[peer] = got
            elif got is None:
                unread[peer] = Unread(Why.EMPTY_TABLE)
                empty.append(peer)
            elif is_corrupt(getattr(got, "cause", None) or got):
                unread[peer] = Unread(Why.FAILED, str(got))
                corrupt.append(peer)
            elif got is parallel.STILL_RUNNING or getattr(
                got, "deadline", False
            ):
                unread[peer] = Unread(Why.NO_ANSWER, self.session.timeout)
            elif isinstance(got, (ElectionError, MalformedReply)):
                unread[peer] = Unread(Why.FAILED, str(got))
            else:  # whatever else a client raised, for this peer only
                text = clean("%s: %s" % (type(got).__name__, got))
                unread[peer] = Unread(Why.FAILED, text)
        if detailed:
            return tables, unread, empty, corrupt
        return tables, unread

    # writes -----------------------------------------------------------------
    def set_system(self, keys, steps=1):
        """Write system keys through the master (replicated to slaves)."""
        self.write(
            "set_properties",
            "set_properties",
            steps,
            system=sorted(keys.items()),
        )

    def backup(self, peer, suffix, steps=1, path=None):
        """A copy of the peer's file beside it: ``<base file>.<suffix>``
        (``path``, said in the audit line)."""
        self.write(
            "backup",
            "copy_base_local",
            steps,
            audit={"path": path or "<base file>." + suffix},
            service_id=[peer],
            svc_from=peer,
            suffix=suffix,
            peer=peer,
        )

    def file_check(self, peer, suffix, steps=3):
        """Whether ``peer``'s FILE passes oio's check (filecheck.py)."""
        return file_check(self, peer, suffix, steps)

    def write(
        self,
        action,
        method,
        steps,
        peer=None,
        audit=None,
        refusals=(),
        **kwargs,
    ):
        """One write; ``refusals``: the statuses that mean what is looked
        for (a file check's restore, refused once the file passed)."""
        change = action in WRITES  # a file check changes no base
        if change:
            self.permit()
        budget = self.budget(steps)
        peers = (peer,) if peer else ()
        self.sent.append(Sent(action, peers, kwargs))
        try:
            self.call(
                method,
                budget,
                action,
                **dict(self._read_kwargs(), **kwargs),
            )
        except Exception as exc:
            status = getattr(exc, "status", None)
            outcome = (
                "passed oio's check (restore refused: %s)" % status
                if status in refusals
                else "failed: %s" % exc
            )
            C.audit(self, action, peers, outcome, **audit or {})
            self.translated(exc, action, budget)
        C.audit(self, action, peers, "ok", **audit or {})
