"""Words, at the edge: the only package that turns the model into the
sentences an operator reads (words: cells and problems; summaries: the
line of each base and the totals of a run)."""

from oio_election_sync.render.problems import cell, problem, problems
from oio_election_sync.render.records import COLUMNS as RECORD_COLUMNS
from oio_election_sync.render.records import record
from oio_election_sync.render.records import totals as run_record
from oio_election_sync.render.summaries import summary
from oio_election_sync.render.totals import (
    finishing,
    held_back,
    interrupted,
    interrupted_base,
    interrupted_before,
    limit_reached,
    listing_failed,
    needs_yes,
    not_confirmed,
    output_closed,
    overdue_base,
    question,
    resume_hint,
    row_not_printed,
    stopped,
    totals,
    waiting,
)
from oio_election_sync.render.words import copy_state, keys, sent, verdict
from oio_election_sync.text import clean

__all__ = (
    "RECORD_COLUMNS",
    "record",
    "run_record",
    "cell",
    "clean",
    "copy_state",
    "finishing",
    "held_back",
    "interrupted",
    "interrupted_base",
    "interrupted_before",
    "keys",
    "limit_reached",
    "listing_failed",
    "needs_yes",
    "not_confirmed",
    "output_closed",
    "overdue_base",
    "problem",
    "problems",
    "question",
    "resume_hint",
    "row_not_printed",
    "sent",
    "stopped",
    "summary",
    "totals",
    "verdict",
    "waiting",
)
