import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

# What an operator's shell may export, and the fake shell (like oio's) reads:
# unit tests set what they need themselves.
_OPERATOR_ENVIRONMENT = ("OIO_ACCOUNT", "OIO_ELECTION_BUILTIN")


@pytest.fixture(autouse=True)
def _clean_environment(request, monkeypatch):
    if "functional" not in str(request.node.fspath):
        for name in _OPERATOR_ENVIRONMENT:
            monkeypatch.delenv(name, raising=False)
        # each test its own repair locks: a repair a test abandoned (its
        # thread still running) must not hold the next test's base
        monkeypatch.setenv(
            "OIO_ELECTION_LOCK_DIR", str(request.getfixturevalue("tmp_path"))
        )
