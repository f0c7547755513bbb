"""eligibility — a rules engine for China's ladder of SME titles (优质中小企业梯度培育).

Data flows one way: :func:`read_input` → :func:`evaluate` (with :func:`load_rules`) → the
:class:`Assessment` (wide table, tidy trace, per-firm records, flags) → writers.
"""

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
from eligibility.scoring.logic import Status

__all__ = [
    "Assessment",
    "EligibilityError",
    "InputError",
    "InputTable",
    "Issue",
    "IssueCode",
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
