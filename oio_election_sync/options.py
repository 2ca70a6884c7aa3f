"""What each workflow is asked to do, built once from the arguments.

Frozen: a workflow never changes its options, and a second reading of a
base (repair) or the crawler's repair asks for other ones by replacing a
field, not by wrapping an argparse Namespace.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Options:
    def but(self, **changes):
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True)
class StatusOptions(Options):
    check: bool = True  # compare the copies, not only the election
    copies_first: bool = False  # ask the election only of doubtful bases


@dataclasses.dataclass(frozen=True)
class DebugOptions(Options):
    human: bool = False


@dataclasses.dataclass(frozen=True)
class SyncOptions(Options):
    check_type: int = 2
    dry_run: bool = False
    force: bool = False
    file_check: bool = True
    wait: bool = True
    progress: object = None  # one base's progress lines (a callable)


@dataclasses.dataclass(frozen=True)
class RepairOptions(Options):
    dry_run: bool = False
    force: bool = False
    no_backup: bool = False
    file_check: bool = True
    copies_first: bool = False
    progress: object = None
    # peers whose copy a check of their file on this host found corrupt,
    # which no reply shows (the crawler's integrity check)
    corrupt: tuple = ()

    def resync(self):
        """A repair's resyncs always wait, with the full check."""
        return SyncOptions(check_type=2, wait=True, progress=self.progress)


def from_arguments(options_type, parsed_args, **given):
    """``options_type`` from the argparse namespace: each field from the
    argument of its name when there is one, else ``given``, else its
    default."""
    values = {}
    for field in dataclasses.fields(options_type):
        if field.name in given:
            values[field.name] = given[field.name]
        elif hasattr(parsed_args, field.name):
            values[field.name] = getattr(parsed_args, field.name)
    return options_type(**values)
