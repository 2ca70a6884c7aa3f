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
    """``--NAME`` / ``--no-NAME`` setting one destination; --help shows the
    one that changes the default."""
    parser.add_argument(
        "--" + name,
        dest=name.replace("-", "_"),
        action="store_true",
        default=default,
        help=argparse.SUPPRESS if default else help_on,
    )
    parser.add_argument(
        "--no-" + name,
        dest=name.replace("-", "_"),
        action="store_false",
        help=help_off,
    )


def file_check(group):
    switch(
        group,
        "file-check",
        True,
        "Have the peer check a copy's FILE before it is copied (default)",
        "Skip the check of a copy's FILE before it is sent",
    )


def copies_first(group):
    group.add_argument(
        "--copies-first",
        action="store_true",
        help="Ask the election only of bases whose copies differ",
    )


def groups(parser, own_timeout):
    """The options by what they are about, as --help shows them."""
    time = (
        None
        if own_timeout
        else "  each phase's budget: the shell's -t SECONDS (default 30)"
    )
    return {
        "bases": parser.add_argument_group("which bases"),
        "check": parser.add_argument_group("what to check"),
        "safety": parser.add_argument_group("safety"),
        "time": parser.add_argument_group("time", time),
        "output": parser.add_argument_group("output"),
    }


def base_arguments(parser, many, own_timeout):
    """Which base, and how long: what every command takes, in groups
    (returned for the command's own options). ``many``: the command takes
    several bases; ``own_timeout``: this oio's shell has no global
    -t/--timeout (before oio 2025.28)."""
    parser.usage = "%(prog)s <service_type> [<reference> ...] [options]"
    parser.add_argument(
        "service_type",
        metavar="<service_type>",
        nargs="?",
        default="",
        help=argparse.SUPPRESS,  # meta2, meta1, meta0: the usage says it
    )
    parser.add_argument(
        "reference",
        metavar="<reference>",
        nargs="*",  # one for debug: checked, for a one-line error
        help=argparse.SUPPRESS,  # a container: --cid says the rest
    )
    found = groups(parser, own_timeout)
    bases = found["bases"]
    bases.add_argument(
        "--cid",
        dest="is_cid",
        action="store_true",
        default=False,
        help="<reference> is a container ID (or CID.seq)",
    )
    bases.add_argument(
        "--service-id",
        metavar="<id>",
        action="append",
        help="Only these peers (repeat, or a comma list)",
    )
    if many:
        bulk_arguments(bases)
    if own_timeout:
        # oio 2025.28+ has a global -t/--timeout that would swallow ours
        found["time"].add_argument(
            "--timeout",
            metavar="<seconds>",
            help="Time budget of each phase (default 30)",
        )
    output = found["output"]
    output.add_argument(
        "--by-base",
        action="store_true",
        help="One row per base: verdict, problems, actions, backups",
    )
    if many:
        output.add_argument(
            "--only-problems",
            action="store_true",
            help="Only the rows of bases whose verdict is not ok",
        )
    output.add_argument(
        "--exit-zero",
        action="store_true",
        help="Exit 0 on verdicts 3, 4 and 5, as the built-in",
    )
    return found


def bulk_arguments(group):
    group.add_argument(
        "--from-file",
        metavar="<file>",
        help="One reference, or '--cid ID', per line ('-': stdin)",
    )
    group.add_argument(
        "--from-service",
        metavar="<id>",
        help="Every base this service holds",
    )
    group.add_argument(
        "--prefix",
        metavar="<url>",
        help="With --from-service meta2: bases under NS/account/...",
    )
    group.add_argument(
        "--marker",
        metavar="<marker>",
        help="With --from-service: start after this base",
    )
    group.add_argument(
        "--workers",
        metavar="<n>",
        default=None,
        help="Bases at once (default %d, at most %d)"
        % (DEFAULT_WORKERS, MAX_WORKERS),
    )


def write_limits(group):
    """What a write over several bases may do, and its confirmation."""
    group.add_argument(
        "--max-changes",
        metavar="<n>",
        help="Change at most N bases, then start no new one",
    )
    group.add_argument(
        "--rate",
        metavar="<n>",
        help="Change at most N bases a second (0.5: one every 2 s)",
    )
    group.add_argument(
        "--max-failures",
        metavar="<n>",
        help="Start no new base once N failed",
    )
    group.add_argument(
        "--yes",
        action="store_true",
        help="Do not ask before writing to several bases",
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
                    (lambda v: v >= 1) if low else (lambda v: 0.001 <= v),
                    (
                        "a whole number of at least 1"
                        if low
                        else "a number of bases a second, at least 0.001"
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
