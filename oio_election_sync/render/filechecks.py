"""Words, at the edge: what the check of a copy's file found, or could
not do, or left behind."""

from oio_election_sync import model as M
from oio_election_sync.render.words import keys

SKIPPED_FILE_CHECK = "; files not checked (--no-file-check)"


def file_check_note(facts):
    """What the file check of a source left, or could not do."""
    if facts.file_check_off:
        return SKIPPED_FILE_CHECK
    checked = facts.file_check
    if checked is None:
        return ""
    if checked.why == M.NO_LOCAL_COPY:
        return (
            "; the master's file was not checked (this oio has no "
            "copy_base_local, 9.0+): check type 2 read only its open handle"
        )
    return left(checked, "the master")


def file_checks_note(facts):
    """What the file checks of a repair found, or could not do."""
    if facts.file_check_off:
        return SKIPPED_FILE_CHECK
    checks = facts.file_checks or {}
    if not checks:
        return ""
    if any(c.why == M.NO_LOCAL_COPY for c in checks.values()):
        return (
            "; files not checked (this oio has no copy_base_local, 9.0+): "
            "a corrupt file behind a warm cache cannot be told"
        )
    sane = sorted(p for p, c in checks.items() if c.outcome == M.FILE_SANE)
    note = "; files checked sane: %s" % keys(sane) if sane else ""
    # a copy the repair replaced needs no check: whose could not run is
    # said all the same
    unchecked = sorted(
        p
        for p, c in checks.items()
        if c.outcome == M.FILE_UNCHECKED and c.error is not None
    )
    if unchecked:
        note += "; file of %s not checked (%s)" % (
            keys(unchecked),
            "; ".join(str(checks[p].error) for p in unchecked),
        )
    return note + "".join(left(checks[p], p) for p in sorted(checks))


def left(checked, where):
    """The file check's copies it could not remove, by name."""
    return "".join(
        "; the file check's copy '<base file>.%s' is left on %s: remove it "
        "(admin remove_base with that suffix)" % (suffix, where)
        for suffix in checked.left
    )
