"""The arguments every election command shares, and argparse made to
behave the same on every cliff.

Plain argparse, no cliff: options are validated here, not by argparse,
whose exit code depends on the cliff version (2 with cliff 4, 1 with
cliff 3); a parse error is kept for the command to report (exit 2).
"""

import argparse

from oio_election_sync import exitcodes as X
from oio_election_sync.exitcodes import ElectionError

MAX_WORKERS = 256
DEFAULT_WORKERS = 32


class _ArgumentError(Exception):
    pass


def _raise_argument_error(message):
    raise _ArgumentError(message)


def keep_lines(parser):
    """The description and the exit-code table keep their own lines."""
    parser.formatter_class = type(
        "KeepLines",
        (argparse.RawDescriptionHelpFormatter, parser.formatter_class),
        {},
    )
    return parser


def intermixed(parser):
    """Options before, between and after the positionals, as oio's
    built-in accepts them (``status meta2 --cid CID``): argparse alone stops
    filling a ``*`` positional at the first option."""
    plain = parser.parse_args
    parser.error = _raise_argument_error

    def parse_args(args=None, namespace=None):
        try:
            try:
                return parser.parse_intermixed_args(args, namespace)
            except TypeError:  # a parser intermixed parsing cannot handle
                return plain(args, namespace)
        except _ArgumentError as exc:
            return argparse.Namespace(argument_error=str(exc))

    parser.parse_args = parse_args
    return parser


def number(option, text, convert, valid, expected):
    """``convert(text)`` when ``valid``, else a usage error (exit 2)."""
    try:
        value = convert(text)
    except (TypeError, ValueError, OverflowError):
        value = None
    if value is None or value != value or not valid(value):
        raise ElectionError(
            "%s takes %s, not %r" % (option, expected, text), X.EXIT_USAGE
        )
    return value


def switch(parser, name, default, help_on, help_off):
    """``--NAME`` / ``--no-NAME`` setting one destination."""
    parser.add_argument(
        "--" + name,
        dest=name.replace("-", "_"),
        action="store_true",
        default=default,
        help=help_on,
    )
    parser.add_argument(
        "--no-" + name,
        dest=name.replace("-", "_"),
        action="store_false",
        help=help_off,
    )


def file_check(parser):
    switch(
        parser,
        "file-check",
        True,
        "Before copying a master's copy to other peers, have the master "
        "check its FILE (default): oio's own check of what a sync sends "
        "runs on the master's open handle, whose cached pages can hide a "
        "corrupt file. A byte copy of the file is made beside it, the "
        "master runs its dump check (quick_check) on that copy, and the "
        "copy is removed; a corrupt file is never sent (oio 9.0+)",
        "Skip that check: what is sent is then checked only through the "
        "master's open handle",
    )


def copies_first(parser):
    parser.add_argument(
        "--copies-first",
        action="store_true",
        help="Read the copies first (has and local reads, which wake no "
        "election) and ask the election only of bases whose copies are not "
        "all present and equal: across a whole service, one election spared "
        "per healthy base",
    )


def base_arguments(parser, many, own_timeout):
    """Which base, and how long: what every command takes. ``many``: the
    command takes several bases; ``own_timeout``: this oio's shell has no
    global -t/--timeout (before oio 2025.28)."""
    parser.add_argument(
        "service_type",
        metavar="<service_type>",
        nargs="?",
        default="",
        help="Type of the replicated base: meta2 (a container), meta1 or "
        "meta0",
    )
    parser.add_argument(
        "reference",
        metavar="<reference>",
        nargs="*",  # one for debug: checked, for a one-line error
        help="Container (reference) name in the account given by "
        "--oio-account/OIO_ACCOUNT, or a container ID with --cid"
        + ("; several may be given" if many else ""),
    )
    parser.add_argument(
        "--cid",
        dest="is_cid",
        action="store_true",
        default=False,
        help="Interpret <reference> as a container ID (64 hex digits, "
        "or CID.seq; meta0/meta1 bases also accept a short prefix)",
    )
    parser.add_argument(
        "--service-id",
        metavar="<service-id>",
        action="append",
        help="Query only this peer (repeat, or a comma list), e.g. "
        "127.0.0.1:6006",
    )
    if own_timeout:
        # oio 2025.28+ has a global -t/--timeout that would swallow ours
        parser.add_argument(
            "--timeout",
            metavar="<seconds>",
            help="Time budget toward the proxy, in seconds (default 30); "
            "a peer that does not answer within it shows as timeout",
        )
    parser.add_argument(
        "--by-base",
        action="store_true",
        help="One row per base instead of one per peer: Reference, CID, "
        "Master, Verdict, Problems (peer, kind, detail), Actions, Backups, "
        "Request id; lists and objects with -f json|yaml, which also end "
        "with a record of the whole run",
    )
    parser.add_argument(
        "--exit-zero",
        action="store_true",
        help="Exit 0 whatever the verdict (3, 4, 5), as the built-in did; "
        "a refused sync, a bad argument or a failed request still "
        "exit non-zero",
    )
    if many:
        bulk_arguments(parser)


def bulk_arguments(parser):
    parser.add_argument(
        "--from-file",
        metavar="<file>",
        help="Read references from FILE ('-' for stdin): one per "
        "line, or '--cid ID'; blank lines and '#' comments ignored",
    )
    parser.add_argument(
        "--from-service",
        metavar="<service-id>",
        help="Every base this service holds: a meta2's bases as rdir "
        "indexes them, a meta1's prefixes from the meta0 mapping, "
        "the meta0 base; listed page by page as the run goes",
    )
    parser.add_argument(
        "--prefix",
        metavar="<NS/account>",
        help="With --from-service meta2: only the bases whose "
        "container URL starts with this (NAMESPACE/ACCOUNT...)",
    )
    parser.add_argument(
        "--marker",
        metavar="<marker>",
        help="With --from-service: start after this container URL "
        "(meta2) or prefix (meta1), as printed by an interrupted run",
    )
    parser.add_argument(
        "--workers",
        metavar="<n>",
        default=None,
        help="Bases processed at once (default %d, at most %d)"
        % (DEFAULT_WORKERS, MAX_WORKERS),
    )
    parser.add_argument(
        "--only-problems",
        action="store_true",
        help="Print only the rows of bases whose verdict is not ok "
        "(the totals still count every base)",
    )


def write_limits(parser):
    """What a write over several bases may do, and its confirmation."""
    parser.add_argument(
        "--max-changes",
        metavar="<n>",
        help="Change at most N bases, then start no new one (the run says "
        "where to resume)",
    )
    parser.add_argument(
        "--rate",
        metavar="<n>",
        help="Change at most N bases per second (a fraction for slower)",
    )
    parser.add_argument(
        "--max-failures",
        metavar="<n>",
        help="Start no new base once N bases failed (incomplete, or a "
        "request that failed)",
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="Do not ask before writing to several bases (needed where "
        "nothing can ask: stdin not a terminal, or --from-file -)",
    )


def validate(parsed_args, timeout, many, cmd_name):
    """Check and convert in place what argparse left as text; ``timeout``:
    the budget, however it was given."""
    parsed_args.timeout = timeout
    if getattr(parsed_args, "workers", None) is not None:
        parsed_args.workers = number(
            "--workers",
            parsed_args.workers,
            int,
            lambda v: 1 <= v <= MAX_WORKERS,
            "1 to %d" % MAX_WORKERS,
        )
    if hasattr(parsed_args, "check_type"):
        parsed_args.check_type = number(
            "--check-type",
            parsed_args.check_type,
            int,
            lambda v: v in (-1, 0, 1, 2),
            "-1, 0, 1 or 2",
        )
    for option, convert, low in (
        ("max_changes", int, 1),
        ("max_failures", int, 1),
        ("rate", float, 0),
    ):
        value = getattr(parsed_args, option, None)
        if value is not None:
            name = "--" + option.replace("_", "-")
            setattr(
                parsed_args,
                option,
                number(
                    name,
                    value,
                    convert,
                    (lambda v: v >= 1) if low else (lambda v: v > 0),
                    (
                        "a whole number of at least 1"
                        if low
                        else "a number above 0"
                    ),
                ),
            )
    service = getattr(parsed_args, "from_service", None)
    prefix = getattr(parsed_args, "prefix", None)
    marker = getattr(parsed_args, "marker", None)
    for option, value in (("prefix", prefix), ("marker", marker)):
        if value and not service:
            raise ElectionError(
                "--%s goes with --from-service" % option, X.EXIT_USAGE
            )
    if prefix and parsed_args.service_type != "meta2":
        raise ElectionError("--prefix lists meta2 bases only", X.EXIT_USAGE)
    if prefix and marker and not marker.startswith(prefix):
        # rdir would list nothing, or skip to another account
        raise ElectionError(
            "--marker %r is outside --prefix %r: the marker must start "
            "with the prefix (both are NS/account/container URLs)"
            % (marker, prefix),
            X.EXIT_USAGE,
        )
    if not many and len(parsed_args.reference) > 1:
        raise ElectionError(
            "%s takes one reference, got %d"
            % (cmd_name, len(parsed_args.reference)),
            X.EXIT_USAGE,
        )


def several(parsed_args):
    """Whether the output names the base of each row (known before
    anything is read, so that -c can be checked first)."""
    return (
        len(parsed_args.reference) > 1
        or bool(getattr(parsed_args, "from_file", None))
        or bool(getattr(parsed_args, "from_service", None))
    )
