"""Run this plugin's ``election sync|status|debug``, whatever cliff picked.

oio registers commands of the same names in the same entry-point groups, and
cliff keeps whichever it enumerates last (cliff/commandmanager.py,
load_commands), an order set by the file system. cliff offers one extension
point per command name that oio does not use: the command hooks of group
``<app namespace>.<command_with_underscores>`` (``oiopy.cli.election_sync``
for ``openio``, ``openio.admin.election_sync`` for ``openio-admin``). cliff
builds them with the command instance it is about to run; when that instance
is oio's, the hook routes it to ours. ``OIO_ELECTION_BUILTIN=1`` routes the
other way, to oio's built-in, whichever cliff picked.
"""

import logging
import os
from importlib.metadata import entry_points

from cliff.hooks import CommandHook

LOG = logging.getLogger(__name__)
BUILTIN_ENV = "OIO_ELECTION_BUILTIN"
OURS = "oio_election_sync."
# What a command answers to when it is routed to another implementation.
_DELEGATED = (
    "get_description",
    "get_epilog",
    "get_parser",
    "take_action",
    "run",
)


class DuplicateWarningFilter(logging.Filter):
    """Drops cliff's warning about the duplicate implementations of our own
    commands: the takeover hook resolves that duplicate deterministically,
    so the warning (printed on every run) would only mislead operators.
    The warning is told by what it is (a WARNING of cliff's command
    manager whose arguments name a command and its modules), not by its
    words, which differ between cliff versions."""

    def filter(self, record):
        args = record.args
        duplicate = (
            record.levelno == logging.WARNING
            and isinstance(args, dict)
            and set(args) == {"name", "modules"}
        )
        return not (duplicate and OURS in str(args["modules"]))


def quiet_duplicate_warning():
    logger = logging.getLogger("cliff.commandmanager")
    if not any(isinstance(f, DuplicateWarningFilter) for f in logger.filters):
        logger.addFilter(DuplicateWarningFilter())


# Our command classes by entry-point name, registered by the module that
# defines them as cliff imports it (this module never imports it back).
_OURS = {}


def register(*classes):
    for klass in classes:
        _OURS["election_" + klass.workflow] = klass


def wanted_class(cmd_name, use_builtin):
    """The class that should run ``cmd_name`` (e.g. "election sync")."""
    entry_name = cmd_name.replace(" ", "_")
    if not use_builtin and entry_name in _OURS:
        return _OURS[entry_name]
    for group in ("openio.election", "openio.admin"):
        for entry in _entry_points(entry_points(), group):
            ours = entry.value.startswith(OURS)
            if entry.name == entry_name and ours != use_builtin:
                return entry.load()
    if not use_builtin:
        return None  # not one of ours: left to cliff
    LOG.warning(
        "%s is set but oio has no built-in '%s': running oio-election-sync's",
        BUILTIN_ENV,
        cmd_name,
    )
    return None


def _entry_points(all_entry_points, group):
    if hasattr(all_entry_points, "select"):
        return all_entry_points.select(group=group)
    return all_entry_points.get(group, ())  # Python 3.9


def describe(klass):
    return "%s.%s" % (klass.__module__, klass.__name__)


class TakeOver(CommandHook):
    """Routes the command cliff built to the implementation that should run."""

    def __init__(self, command):
        super().__init__(command)
        name = getattr(command, "cmd_name", None) or ""
        use_builtin = os.environ.get(BUILTIN_ENV, "") not in ("", "0")
        target = wanted_class(name, use_builtin) if name else None
        if target is None or type(command) is target:
            LOG.debug("%s: running %s", name, describe(type(command)))
            return
        delegate = target(command.app, command.app_args, cmd_name=name)
        delegate.replaced = describe(type(command))  # shown with --debug
        for attribute in _DELEGATED:
            setattr(command, attribute, getattr(delegate, attribute))
        LOG.debug(
            "%s: running %s instead of %s",
            name,
            describe(target),
            describe(type(command)),
        )

    def get_parser(self, parser):
        return parser

    def get_epilog(self):
        return None

    def before(self, parsed_args):
        return parsed_args

    def after(self, parsed_args, return_code):
        return return_code
