"""What each command does to one base, by name: a workflow takes a Base
and its Options, and returns a Report of data (model.py). Each declares
the budgets it may take (``phases``) and its Options type."""

from oio_election_sync.repair import repair
from oio_election_sync.status import debug, status
from oio_election_sync.sync import sync

WORKFLOWS = {w.name: w for w in (status, debug, sync, repair)}
