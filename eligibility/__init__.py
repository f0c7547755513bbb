"""eligibility — a rules engine for China's ladder of SME titles (优质中小企业梯度培育).

Data flows one way: :func:`read_input` → :func:`evaluate` (with :func:`load_rules`) → the
:class:`Assessment` (wide table, tidy trace, per-firm records, flags) → writers. :class:`Pool`
(the extra ``eligibility[pool]``) keeps screenings as snapshots in a database.
"""

from typing import TYPE_CHECKING, Any

from eligibility.assessment import Assessment, assess_one, evaluate
from eligibility.errors import (
    EligibilityError,
    InputError,
    Issue,
    IssueCode,
    MissingExtraError,
    ProblemCode,
    RegimeError,
    RuleProblem,
    RuleSetError,
    Severity,
)
from eligibility.input.read import read_input
from eligibility.input.table import InputTable
from eligibility.language.load import load_rules
from eligibility.language.ruleset import RuleSet
from eligibility.scoring.logic import Status

if TYPE_CHECKING:
    from eligibility.pool import Pool

__all__ = [
    "Assessment",
    "EligibilityError",
    "InputError",
    "InputTable",
    "Issue",
    "IssueCode",
    "Pool",
    "ProblemCode",
    "RegimeError",
    "RuleProblem",
    "RuleSet",
    "RuleSetError",
    "Severity",
    "Status",
    "assess_one",
    "evaluate",
    "load_rules",
    "read_input",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``eligibility.Pool``, imported when first asked for: the pool needs the extra
    ``eligibility[pool]`` (SQLAlchemy), which ``import eligibility`` must not."""
    if name == "Pool":
        try:
            from eligibility.pool import Pool
        except ImportError as exc:
            raise MissingExtraError(exc.name or "sqlalchemy", "pool") from exc
        return Pool
    raise AttributeError(f"module 'eligibility' has no attribute {name!r}")
