"""One verdict: the exit code of a base and of a run, from one place."""

import pytest

from oio_election_sync import exitcodes as X


@pytest.mark.parametrize(
    "codes,refused,error,expected",
    [
        ((), False, None, X.EXIT_OK),
        ((X.EXIT_UNHEALTHY, X.EXIT_DIVERGED), False, None, X.EXIT_DIVERGED),
        ((X.EXIT_DIVERGED,), True, None, X.EXIT_REFUSED),  # at least 6
        ((X.EXIT_ERROR,), True, None, X.EXIT_ERROR),  # not lowered
        ((X.EXIT_DIVERGED,), False, X.EXIT_USAGE, X.EXIT_USAGE),
    ],
)
def test_the_verdict_of_a_base(codes, refused, error, expected):
    assert X.verdict(codes, refused=refused, error=error) == expected


@pytest.mark.parametrize(
    "kwargs,expected",
    [
        (dict(worst=X.EXIT_DIVERGED), X.EXIT_DIVERGED),
        (dict(worst=X.EXIT_DIVERGED, exit_zero=True), X.EXIT_OK),
        (dict(worst=X.EXIT_REFUSED, exit_zero=True), X.EXIT_REFUSED),
        # what stopped the run wins over Ctrl-C, unless the bases are worse
        (dict(worst=X.EXIT_OK, error=X.EXIT_ERROR, interrupted=True), 7),
        (dict(worst=X.EXIT_ERROR, error=X.EXIT_INCOMPLETE), X.EXIT_ERROR),
        (dict(worst=X.EXIT_DIVERGED, interrupted=True), X.EXIT_INTERRUPTED),
        (
            dict(worst=X.EXIT_OK, closed=True, interrupted=True),
            X.EXIT_CLOSED,
        ),
        (dict(worst=X.EXIT_OK, closed=True, exit_zero=True), X.EXIT_CLOSED),
    ],
)
def test_the_verdict_of_a_run(kwargs, expected):
    assert X.run_verdict(**kwargs) == expected


def test_every_code_of_a_verdict_is_in_the_table():
    table = {code for code, _ in X.TABLE}
    assert set(X.VERDICTS) <= table
    assert {X.EXIT_CLOSED, X.EXIT_INTERRUPTED} <= table
