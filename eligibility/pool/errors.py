"""The pool's errors, under :class:`~eligibility.errors.EligibilityError`::

    PoolError                   the pool database cannot do what was asked
    ├── PoolMismatchError       the database belongs to another rule setting or another pool
    ├── PoolUnavailableError    the database cannot be opened (no server, bad URL, not a database)
    ├── SnapshotExistsError     a snapshot of that date is stored already (``replace=True`` replaces it)
    ├── UnknownSnapshotError    no snapshot of that date or label
    └── FirmLookupError         no firm, or several, answer to a code or name

Every error carries codes and values, never words: the command line words them from
:mod:`eligibility.labels` (``pool_*`` keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eligibility.errors import EligibilityError

__all__ = [
    "FirmLookupError",
    "PoolError",
    "PoolMismatchError",
    "PoolUnavailableError",
    "SnapshotExistsError",
    "UnknownSnapshotError",
]


class PoolError(EligibilityError):
    """Base of the pool database's errors."""


@dataclass
class PoolMismatchError(PoolError):
    """The database was made for another rule setting (``kind="rules"``: the content hash of the rule
    files differs), another pool (``kind="pool"``: another name) or by a newer program
    (``kind="schema"``: a migration this program does not know)."""

    kind: str
    stored: str
    current: str

    def __str__(self) -> str:
        return f"pool database of another {self.kind}: stored {self.stored}, current {self.current}"


@dataclass
class PoolUnavailableError(PoolError):
    """The database cannot be opened or used; ``detail`` is the driver's one-line reason."""

    url: str
    detail: str

    def __str__(self) -> str:
        return f"cannot open the pool database {self.url}: {self.detail}"


@dataclass
class SnapshotExistsError(PoolError):
    """A snapshot of ``as_of`` is stored already."""

    as_of: str

    def __str__(self) -> str:
        return f"a snapshot as of {self.as_of} exists"


@dataclass
class UnknownSnapshotError(PoolError):
    """No snapshot answers to ``key`` (a date or a label); ``known`` lists the stored dates."""

    key: str
    known: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"no snapshot {self.key!r}; stored: {', '.join(self.known) or 'none'}"


@dataclass
class FirmLookupError(PoolError):
    """No firm (``candidates`` empty) or several firms answer to ``key``: the candidates as
    ``(firm_key, name)`` pairs, at most 20."""

    key: str
    candidates: list[tuple[str, str]] = field(default_factory=list)
    total: int = 0

    def __str__(self) -> str:
        return f"{self.total} firms answer to {self.key!r}"
