"""Stands in for oio's built-in election commands: same names, own classes."""

from cliff.lister import Lister


class _Builtin(Lister):
    """Built-in stand-in."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("service_type")
        parser.add_argument("reference")
        return parser

    def take_action(self, parsed_args):
        return ("Id", "Status", "Message"), [("builtin-standin", 0, "")]


class BuiltinStatus(_Builtin):
    pass


class BuiltinSync(_Builtin):
    pass


class BuiltinDebug(_Builtin):
    pass
