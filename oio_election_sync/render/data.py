"""The model as data, for ``-f json|yaml``: what a machine reads where
a table shows words. Kinds and other enums by their key, records as
objects, errors as their one line."""

import enum


def data(value):
    """``value`` as JSON-ready data (str, number, bool, None, list, dict)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return getattr(value, "key", value.value)
    if hasattr(value, "_asdict"):  # a namedtuple: a record
        return {k: data(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {str(data(k)): data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [data(v) for v in value]
    return str(value)  # an exception, a path: its one line


def problem(p, words):
    """One problem as a record: peer, kind, detail, and its words."""
    return {
        "peer": p.peer,
        "kind": p.kind.key,
        "detail": data(p.detail),
        "text": words,
    }
