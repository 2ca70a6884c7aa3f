"""The crawler filter's counters as a Prometheus textfile (node_exporter's
textfile collector): one ``.prom`` file per volume, replaced atomically,
a counter per state, labelled by volume."""

import os
import tempfile
import time

PREFIX = "oio_election_check"
# How often the file is written at most while a pass runs (seconds).
DEFAULT_INTERVAL = 15.0


def file_name(volume_id):
    safe = "".join(c if c.isalnum() else "_" for c in str(volume_id))
    return "%s_%s.prom" % (PREFIX, safe)


def _label(value):
    return str(value).replace("\\\\", "\\\\\\\\").replace('"', '\\\\"')


def text(volume_id, totals, leftovers, now):
    """The file's content: cumulative counters (never reset by a pass)
    and gauges of what is on the volume now."""
    volume = _label(volume_id)
    lines = [
        "# HELP %s_bases_total Bases the election_check filter counted, "
        "by what it found." % PREFIX,
        "# TYPE %s_bases_total counter" % PREFIX,
    ]
    lines += [
        '%s_bases_total{volume="%s",state="%s"} %d'
        % (PREFIX, volume, state, count)
        for state, count in sorted(totals.items())
    ]
    lines += [
        "# HELP %s_corrupted_files Files oio set aside as corrupt "
        "(.corrupted) seen in the last pass." % PREFIX,
        "# TYPE %s_corrupted_files gauge" % PREFIX,
        '%s_corrupted_files{volume="%s"} %d'
        % (PREFIX, volume, leftovers["count"]),
        "# HELP %s_corrupted_bytes Their size in bytes." % PREFIX,
        "# TYPE %s_corrupted_bytes gauge" % PREFIX,
        '%s_corrupted_bytes{volume="%s"} %d'
        % (PREFIX, volume, leftovers["bytes"]),
        "# HELP %s_last_update_seconds When this file was written." % PREFIX,
        "# TYPE %s_last_update_seconds gauge" % PREFIX,
        '%s_last_update_seconds{volume="%s"} %.3f' % (PREFIX, volume, now),
    ]
    return "\n".join(lines) + "\n"


class Textfile:
    """Writes the file at most every ``interval`` seconds, and at once when
    asked (the end of a pass)."""

    def __init__(self, directory, volume_id, interval=DEFAULT_INTERVAL):
        self.path = os.path.join(directory, file_name(volume_id))
        self.volume_id = volume_id
        self.interval = interval
        self.written = 0.0

    def update(self, totals, leftovers, force=False):
        now = time.time()
        if not force and now - self.written < self.interval:
            return
        self.written = now
        content = text(self.volume_id, totals, leftovers, now)
        directory = os.path.dirname(self.path)
        fd, scratch = tempfile.mkstemp(dir=directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as stream:
                stream.write(content)
            os.chmod(scratch, 0o644)
            os.replace(scratch, self.path)  # the collector never sees half
        except BaseException:
            os.unlink(scratch)
            raise
