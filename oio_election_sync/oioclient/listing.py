"""The bases a service holds: rdir's index of a meta2, the meta0 mapping
of a meta1's prefixes, the meta0 base."""

import os
import re

from oio_election_sync import exitcodes as X
from oio_election_sync.exitcodes import ElectionError
from oio_election_sync.oioclient.errors import class_names
from oio_election_sync.oioclient.host import attribute
from oio_election_sync.text import clean

LISTING_PAGE = 1000


def _listing_error(exc, what):
    names = class_names(exc)
    if "VolumeException" in names:  # oio/rdir/client.py: no rdir assigned
        return ElectionError(
            "no rdir assigned to %s, which lists its bases: assign one with "
            "'openio rdir bootstrap meta2', then retry" % what
        )
    if isinstance(exc, ElectionError):
        return exc
    text = clean(getattr(exc, "message", None) or exc)
    if "NotFound" in names:
        return ElectionError("cannot list the bases of %s: %s" % (what, text))
    return ElectionError(
        "listing the bases of %s failed: %s: %s"
        % (what, type(exc).__name__, text)
    )


def meta2_bases(app, service_id, prefix=None, marker=None):
    """``(container_url, cid)`` of every base rdir indexes for a meta2
    service, page after page (``openio-admin meta2 list containers``)."""
    rdir = attribute(getattr(app, "client_manager", None), "rdir")
    if rdir is None:
        raise ElectionError("this oio has no rdir client: cannot list bases")
    what = "meta2 %s" % service_id

    def fetch(prefix, marker, limit=LISTING_PAGE):
        try:
            page = rdir.meta2_index_fetch(
                service_id, prefix=prefix, marker=marker, limit=limit
            )
            records = [
                (r["container_url"], r["container_id"])
                for r in page["records"]
            ]
            truncated = page.get("truncated")
        except Exception as exc:
            if "VolumeException" in class_names(exc):
                _known_service(app, "meta2", service_id)
            raise _listing_error(exc, what) from exc
        for url, cid in records:
            if not isinstance(url, str) or not isinstance(cid, str):
                raise ElectionError("malformed rdir listing of %s" % what)
        return records, truncated

    while True:
        records, truncated = fetch(prefix, marker)
        if marker is not None:
            records = _skipped(fetch, prefix, marker, records) + records
        for url, cid in records:
            # rdir lists in order after the marker: anything else would run
            # a base twice, or forever
            if marker is not None and url <= marker:
                raise ElectionError(
                    "the rdir listing of %s does not advance after %s"
                    % (what, clean(marker))
                )
            yield url, cid
            marker = url
        if not records or not truncated:
            return


def _skipped(fetch, prefix, marker, records):
    """The record rdir dropped after ``marker``. rdir seeks to the marker
    and then skips one record whether or not it is the marker
    (``_meta2_db_fetch`` in rdir/rdir.c): when the marker's container was
    deleted, that is the first base after it. A listing by prefix alone
    seeks without skipping, so it tells whether the marker still exists,
    and finds what was skipped."""
    probe, _ = fetch(marker, None, 1)
    if probe and probe[0][0] == marker:
        return []  # the marker itself was skipped, as meant
    if probe and probe[0][0].startswith(marker):
        return probe[:1]  # the first record after the marker
    # The skipped record lies between the marker and the first one listed:
    # it shares their common prefix. List that prefix up to the marker.
    scope = os.path.commonprefix([marker, records[0][0]]) if records else ""
    scope = max(scope, prefix or "", key=len)
    after = None
    while True:
        page, truncated = fetch(scope or None, after)
        for url, cid in page:
            if url > marker:
                return (
                    [(url, cid)] if not records or url < records[0][0] else []
                )
        if not page or not truncated:
            return []
        after = page[-1][0]


def _known_service(app, service_type, service_id):
    """Raise a usage error when the conscience knows no such service (a
    typo must not read as a service that holds no base)."""
    manager = getattr(app, "client_manager", None)
    conscience = attribute(manager, "conscience") if manager else None
    if conscience is None:
        return  # cannot tell: the listing's own error is said
    try:
        services = conscience.all_services(service_type)
        known = {
            name
            for s in services
            for name in (
                s.get("id"),
                s.get("addr"),
                (s.get("tags") or {}).get("tag.service_id"),
            )
            if name
        }
    except Exception:
        return
    if service_id not in known:
        raise ElectionError(
            "%r is not a %s service of this namespace (the conscience "
            "knows %s)"
            % (service_id, service_type, ", ".join(sorted(known)) or "none"),
            X.EXIT_USAGE,
        )


def meta1_marker(marker, digits):
    """A meta1 ``--marker`` as the bases are named (``digits`` hex digits,
    zero padded to 4); any other length would run its own base again."""
    text = marker.upper()
    if re.fullmatch(r"[0-9A-F]{%d}(?:0{%d})?" % (digits, 4 - digits), text):
        return text.ljust(4, "0")
    raise ElectionError(
        "--marker %r is no meta1 base: give a prefix of %d hex digits, as "
        "the listing names them (e.g. %s)"
        % (marker, digits, "0" * digits + "0" * (4 - digits)),
        X.EXIT_USAGE,
    )


def meta1_bases(app, service_id, marker=None):
    """The meta1 bases (CID prefixes, ``ns.meta1_digits`` long, zero
    padded) that the meta0 mapping gives to a meta1 service, in order."""
    manager = getattr(app, "client_manager", None)
    try:
        meta0 = getattr(
            attribute(manager, "directory") or object(), "meta0", None
        )
        if meta0 is None:  # oio before 9.0
            from oio.directory.meta0 import Meta0Client

            meta0 = Meta0Client(manager.client_conf)
        mapping = meta0.list()
        digits = int(manager.meta1_digits)
    except Exception as exc:
        raise _listing_error(exc, "meta1 %s" % service_id) from exc
    if marker is not None:
        marker = meta1_marker(marker, digits)
    try:
        bases = sorted(
            {
                prefix[:digits].ljust(4, "0").upper()
                for prefix, peers in mapping.items()
                if service_id in peers
            }
        )
        if not bases:
            known = sorted({p for peers in mapping.values() for p in peers})
    except (AttributeError, TypeError) as exc:
        raise _listing_error(exc, "meta1 %s" % service_id) from exc
    if not bases:
        raise ElectionError(
            "%r is no meta1 of this namespace: meta0 maps no prefix to it "
            "(its meta1 are %s)" % (service_id, ", ".join(known) or "none"),
            X.EXIT_USAGE,
        )
    return (b for b in bases if marker is None or b > marker)


def meta0_base(app, service_id):
    """The meta0 base, once the conscience knows ``service_id`` as a
    meta0."""
    _known_service(app, "meta0", service_id)
    return "0"
