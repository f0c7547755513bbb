"""eligibility — a rules engine for China's ladder of SME titles (优质中小企业梯度培育).

Data flows one way: :func:`read_input` → :func:`evaluate` (with :func:`load_rules`) → the
:class:`Assessment` (wide table, tidy trace, per-firm records, flags) → writers. :class:`Pool`
(the extra ``eligibility[pool]``) keeps screenings as snapshots in a database.

The public names are imported when first used (PEP 562), so that ``import eligibility`` — and
``eligibility --version`` — costs no pandas, numpy or pydantic until a name needs them.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eligibility.assessment import Assessment, assess_one, evaluate
    from eligibility.errors import (
        EligibilityError,
        InputError,
        Issue,
        IssueCode,
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
    from eligibility.pool import Pool
    from eligibility.scoring.logic import Status

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

# Where each public name lives.
_HOMES = {
    "Assessment": "eligibility.assessment",
    "assess_one": "eligibility.assessment",
    "evaluate": "eligibility.assessment",
    **dict.fromkeys(
        (
            "EligibilityError",
            "InputError",
            "Issue",
            "IssueCode",
            "MissingExtraError",
            "ProblemCode",
            "RegimeError",
            "RuleProblem",
            "RuleSetError",
            "Severity",
        ),
        "eligibility.errors",
    ),
    "read_input": "eligibility.input.read",
    "InputTable": "eligibility.input.table",
    "load_rules": "eligibility.language.load",
    "RuleSet": "eligibility.language.ruleset",
    "Status": "eligibility.scoring.logic",
}


def __getattr__(name: str) -> Any:
    """A public name, imported when first asked for. ``eligibility.Pool`` needs the extra
    ``eligibility[pool]`` (SQLAlchemy), which ``import eligibility`` must not."""
    if name == "Pool":
        try:
            from eligibility.pool import Pool
        except ImportError as exc:
            from eligibility.errors import MissingExtraError

            raise MissingExtraError(exc.name or "sqlalchemy", "pool") from exc
        return Pool
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'eligibility' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # asked once: later lookups are plain attributes
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
