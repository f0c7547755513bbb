"""Other engines that take the threshold decisions of the rule sets (see :mod:`.durable`).

A backend's third-party engine is an optional extra, imported only when the backend is asked for.
"""

from __future__ import annotations

import importlib

__all__ = ["require_durable"]


def require_durable() -> None:
    """Load the durable_rules backend now, so that a missing ``eligibility[durable]`` extra stops a
    command at its start (:class:`~eligibility.errors.MissingExtraError`), not at its first firm."""
    importlib.import_module("eligibility.backends.durable")
