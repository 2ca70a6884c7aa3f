"""Values that read one way in a table and stay raw in json/yaml."""

import datetime

from cliff.columns import FormattableColumn

from oio_election_sync import peers as P

LOG_LINES_SHOWN = 5


def human_log(body):
    """Debug body with log timestamps as local dates, newest first
    (the rendering of oio's ``--human``)."""
    if not isinstance(body, dict) or not body.get("log"):
        return body
    lines = []
    for entry in P.election_log(body):
        when = datetime.datetime.fromtimestamp(entry.time_ms / 1000.0)
        lines.append(
            "%s.%03d %s, %s -> %s"
            % (
                when.strftime("%Y-%m-%d %H:%M:%S"),
                entry.time_ms % 1000,
                entry.before,
                entry.event,
                entry.after,
            )
        )
    return dict(body, log=lines)


class DebugBody(FormattableColumn):
    """An election member (``/admin/debug`` body): a short summary in a
    table, the untouched structure for ``-f json|yaml``."""

    def human_readable(self):
        body = self._value
        if body in ("", None):
            return ""
        if not isinstance(body, dict) or not body:
            return "no election for this base on this peer"
        local = body.get("local") or {}
        master = body.get("master") or {}
        base = body.get("base") or {}
        counters = body.get("#") or {}
        lines = [
            "state: %s (id %s)" % (local.get("state"), local.get("id")),
            "master: %s (id %s)"
            % (master.get("url") or "itself", master.get("id")),
            "peers: %s" % ", ".join(body.get("peers") or ()),
            "zk: %s %s" % (base.get("zk_server") or "", base.get("zk") or ""),
        ]
        if counters:
            lines.append(
                ", ".join("%s %s" % (k, counters[k]) for k in sorted(counters))
            )
        log = body.get("log") or []
        if log:
            lines.append("log (newest first):")
            lines.extend("  " + str(entry) for entry in log[:LOG_LINES_SHOWN])
            if len(log) > LOG_LINES_SHOWN:
                lines.append(
                    "  ... %d more (-f json shows all)"
                    % (len(log) - LOG_LINES_SHOWN)
                )
        return "\n".join(lines).strip()

    def machine_readable(self):
        return self._value
