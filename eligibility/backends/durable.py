"""The durable_rules backend: every threshold test of the rule sets as Rete rules.

Each distinct comparison of the loaded rules — a gate (``研发费用 ≥ 100万元``) as written, relaxed and
tightened by its margin, a band bound of a points table, a cascade step, a score mark, a size-class
bound, a category or verdict match — becomes a durable_rules ruleset with a *pass*, a *fail* and an
*unknown* rule, exactly one of which matches a fact (a missing value is unknown). The vectorised core
computes the values first — derived fields, assumptions for missing inputs, score sums — by the same
code as ever, and combines the decisions the rules take into statuses, scores, borderline marks and
failed criteria.

A fact is one firm's value for one test. How long it lives depends on the call:

- **A pool** (more than one firm) is decided batch by batch: the facts of up to
  :attr:`~DurableDecider.batch` firms for one test are asserted together (``assert_facts``) into one
  session of the test's ruleset, each rule's action takes all its frames at once (``cap``), and the
  session is then deleted (``delete_state``, which frees its facts and frames in the engine). Memory
  is that of one batch whatever the size of the pool: the engine reuses the freed slots.
- **One firm** (``assess_one``, what ``eligibility watch`` asks) is its own session (``sid`` = its
  credit code) holding one fact per test; an update retracts the old fact and asserts the new, so the
  session always holds the firm's current state. :meth:`~DurableDecider.forget` releases it.

Traps of durable_rules avoided by construction: tests are asserted as *facts* (a posted event is
consumed by the first rule that matches it); every fact matches a rule, since the engine refuses a
whole batch for one fact no rule matches; a missing value is sent as a flag (``nlo``), as the
engine's not-exists test (``$nex``) hangs it; a fact in a batch carries its position as ``id``, since
a computed id is hashed to 32 bits and two facts of a batch could collide; an action's exception is
swallowed by the engine, so the decisions are counted and a shortfall raises; and the host runs no
background dispatcher — its ``threading.Timer`` loop races with synchronous asserts and can lose
actions — so every action runs inside the assert that triggers it, on the caller's thread.

durable_rules is the optional extra ``eligibility[durable]``: only this module imports it, and only
when a caller asks for the backend; without it, importing this module raises
:class:`~eligibility.errors.MissingExtraError` saying how to install it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt

from eligibility.errors import MissingExtraError
from eligibility.scoring.logic import Status, UndecidableError

try:
    from durable import engine
except ImportError as exc:
    raise MissingExtraError("durable-rules", "durable") from exc

__all__ = ["BATCH", "DurableDecider", "durable_decisions"]

FloatArray = npt.NDArray[np.float64]
StatusArray = npt.NDArray[np.int8]
Columns = Mapping[str, FloatArray]

# Firms per session in a pool run. A session's facts and frames live in the engine until it is
# deleted. Measured on 2,000 firms (CPU time): 32 → 212 firms/s, 128–256 → 260–290, 2,048 → 211 (the
# engine's frame lists grow); 256 keeps a batch well under 1 MB.
BATCH = 256
# durable_rules hands a rule's frames to its action at most this many at a time (an unsigned short).
_MAX_CAP = 65_535
# The session of a pool's batch, spelled like no firm's (a credit code has 18 letters and digits; a
# firm without one is "row…"), and short: it is in every fact and frame the engine reads and writes.
_BATCH_SID = "~"

_PASS_CONDITION = {
    ">=": ("$gte", "lo", -1),
    ">": ("$gt", "lo", +1),
    "<=": ("$lte", "hi", +1),
    "<": ("$lt", "hi", -1),
}
_OPPOSITE = {"$gte": "$lt", "$gt": "$lte", "$lte": "$gt", "$lt": "$gte"}
# A missing value is sent as a flag: durable_rules' "$nex" (not exists) hangs the engine.
_MISSING = {"lo": "nlo", "hi": "nhi", "v": "nv"}
_FAIL_CONDITION = {
    ">=": ("$lt", "hi", -1),
    ">": ("$lte", "hi", +1),
    "<=": ("$gt", "lo", +1),
    "<": ("$gte", "lo", -1),
}


class _SynchronousHost(engine.Host):  # type: ignore[misc]
    """A durable_rules host without the background dispatcher threads: actions run only inside the
    assert or retract call that triggers them."""

    def _run(self) -> None:
        return None


def _number(value: float) -> float:
    """A number durable_rules' JSON reader accepts. It rejects the exponent form with a one-digit
    mantissa that Python writes for some floats (``1e-09``, ``1e+20``); such a number is sent as the
    adjacent float (one unit in the last place away), whose shortest form has more digits."""
    number = float(value)
    text = repr(number)
    if "e" in text and "." not in text.split("e")[0]:
        return float(np.nextafter(number, 0.0 if number != 0 else 1.0))
    return number


def _numbers(values: FloatArray) -> list[float | None]:
    """``values`` as JSON numbers for the engine, ``None`` where missing. Python writes the exponent
    form only below 1e-4 and from 1e16 on, so only those few values go through :func:`_number`."""
    sent = np.asarray(values, dtype=np.float64)
    size = np.abs(sent)
    odd = np.flatnonzero((sent != 0) & ((size < 1e-4) | (size >= 1e16)) & np.isfinite(sent))
    numbers: list[float | None] = sent.tolist()
    for i in odd:
        numbers[i] = _number(sent[i])
    for i in np.flatnonzero(np.isnan(sent)):
        numbers[i] = None
    return numbers


class DurableDecider:
    """Takes threshold decisions by asserting facts into durable_rules rulesets (one per distinct
    comparison, registered on first use): a pool batch by batch in sessions deleted once decided,
    one firm in its own session kept between calls.

    Args:
        batch: firms per session in a pool run (at most 65,535, durable_rules' ``cap``).
    """

    def __init__(self, batch: int = BATCH) -> None:
        self.host = _SynchronousHost()
        self.batch = batch
        self._rulesets: dict[tuple[Any, ...], str] = {}
        self._names = (f"t{k}" for k in itertools.count())
        self._decided: StatusArray = np.empty(0, dtype=np.int8)  # what the actions write into
        self._batched = False  # facts named by their position in a batch session (else one firm)
        self._seen = 0  # facts the rules decided in the current assert
        # A kept session's facts: (sid, test) → (ruleset, fact); a firm's tests by sid.
        self._facts: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        self._by_sid: dict[str, set[str]] = {}
        self.sids: Sequence[str] = ("firm",)
        self.keep = True
        self.asserted = 0
        self.released = 0  # pool sessions deleted

    @property
    def batch(self) -> int:
        """Firms per session in a pool run."""
        return self._batch

    @batch.setter
    def batch(self, size: int) -> None:
        if not 1 <= size <= _MAX_CAP:
            raise ValueError(f"batch must be between 1 and {_MAX_CAP}, got {size}")
        self._batch = size

    # -- rulesets ---------------------------------------------------------------------------------

    def _record(self, outcome: int) -> Callable[[Any], None]:
        def action(c: Any) -> None:
            # The engine hands the frames of a rule together (cap); each names its fact's firm.
            self._decided[[m["id"] for m in c.m] if self._batched else 0] = outcome
            self._seen += len(c.m)

        return action

    def _register(self, key: tuple[Any, ...], rules: dict[str, dict[str, Any]]) -> str:
        name = next(self._names)
        for rule in rules.values():
            rule["cap"] = _MAX_CAP
        self.host.register_rulesets({name: rules})
        self._rulesets[key] = name
        return name

    def _compare_ruleset(self, op: str, threshold: float, tol: float) -> str:
        key = ("cmp", op, threshold, tol)
        name = self._rulesets.get(key)
        if name is None:
            rules = {}
            against = {}
            for rule, table, outcome in (
                ("pass", _PASS_CONDITION, Status.PASS),
                ("fail", _FAIL_CONDITION, Status.FAIL),
            ):
                operator, side, sign = table[op]
                bound = _number(threshold + sign * tol)
                rules[rule] = {"all": [{"m": {operator: {side: bound}}}], "run": self._record(int(outcome))}
                against[side] = {_OPPOSITE[operator]: {side: bound}}
            # Neither decided: each side missing or on the other side of its bound.
            unknown = [{"$or": [{"$ex": {_MISSING[side]: 1}}, against[side]]} for side in ("lo", "hi")]
            rules["unknown"] = {"all": [{"m": {"$and": unknown}}], "run": self._record(Status.UNKNOWN)}
            name = self._register(key, rules)
        return name

    def _member_ruleset(self, allowed: Sequence[float]) -> str:
        key = ("in", tuple(sorted(allowed)))
        name = self._rulesets.get(key)
        if name is None:
            inside = [{"v": _number(a)} for a in key[1]]
            outside = [{"$neq": {"v": _number(a)}} for a in key[1]]
            rules = {
                "pass": {
                    "all": [{"m": {"$or": inside} if len(inside) > 1 else inside[0]}],
                    "run": self._record(Status.PASS),
                },
                "fail": {
                    "all": [{"m": {"$and": [{"$ex": {"v": 1}}, *outside]} if outside else {"$ex": {"v": 1}}}],
                    "run": self._record(Status.FAIL),
                },
                "unknown": {"all": [{"m": {"$ex": {_MISSING["v"]: 1}}}], "run": self._record(Status.UNKNOWN)},
            }
            name = self._register(key, rules)
        return name

    # -- facts ------------------------------------------------------------------------------------

    def _assert(self, ruleset: str, facts: list[dict[str, Any]], decided: StatusArray) -> None:
        """Assert ``facts`` (one session); their rules write the decisions into ``decided``."""
        self._decided, self._seen = decided, 0
        self.host.assert_facts(ruleset, facts)
        self.asserted += len(facts)
        if self._seen != len(facts):  # durable_rules swallows an action's exception
            raise RuntimeError(f"durable_rules decided {self._seen} of {len(facts)} facts in {ruleset}")

    def _take(self, ruleset: str, instance: str, sid: str, fact: dict[str, Any]) -> int:
        """Replace the kept session's fact for ``instance`` with ``fact``; the decision its rules took."""
        old = self._facts.pop((sid, instance), None)
        if old is not None:  # in the ruleset of the firm's previous threshold, which may differ
            self.host.retract_fact(*old)
        decided = np.empty(1, dtype=np.int8)
        self._assert(ruleset, [fact], decided)
        self._facts[(sid, instance)] = (ruleset, fact)
        self._by_sid.setdefault(sid, set()).add(instance)
        return int(decided[0])

    def _decide(
        self, ruleset: str, instance: str, rows: npt.NDArray[np.intp], values: Columns
    ) -> StatusArray:
        """The decisions of ``ruleset`` for firms ``rows``: one fact per firm, ``values`` by key
        (a missing value is sent as its ``n…`` flag, which only the unknown rule reads)."""
        out = np.empty(len(rows), dtype=np.int8)
        self._batched = not self.keep
        if self.keep:
            for j, row in enumerate(rows):  # one firm, normally: its session keeps its facts
                fact: dict[str, Any] = {"sid": self.sids[row], "id": instance}  # the test names it
                for key, column in values.items():
                    number = _numbers(column[row : row + 1])[0]
                    fact.update({_MISSING[key]: 1} if number is None else {key: number})
                out[j] = self._take(ruleset, instance, self.sids[row], fact)
            return out
        for start in range(0, len(rows), self.batch):
            part = rows[start : start + self.batch]
            facts: list[dict[str, Any]] = [{"sid": _BATCH_SID, "id": i} for i in range(len(part))]
            for key, column in values.items():
                missing = _MISSING[key]
                for fact, number in zip(facts, _numbers(column[part]), strict=True):
                    if number is None:
                        fact[missing] = 1
                    else:
                        fact[key] = number
            try:
                self._assert(ruleset, facts, out[start : start + self.batch])
            except BaseException:
                # The session is left as the failure left it (deleting it then can crash the
                # engine); the ruleset is not used again: the next call compiles a fresh one.
                self._rulesets = {k: name for k, name in self._rulesets.items() if name != ruleset}
                raise
            self.host.delete_state(ruleset, _BATCH_SID)  # frees the batch's facts and frames
            self.released += 1
        return out

    def compare(
        self,
        instance: str,
        low: FloatArray,
        high: FloatArray,
        op: str,
        threshold: float | FloatArray,
        tol: float | FloatArray,
    ) -> StatusArray:
        n = len(low)
        if len(self.sids) != n:
            raise UndecidableError(f"{instance}: {n} firms but {len(self.sids)} sessions")
        thresholds = np.broadcast_to(np.asarray(threshold, dtype=np.float64), (n,))
        tols = np.broadcast_to(np.asarray(tol, dtype=np.float64), (n,))
        if np.isinf(thresholds).any() or np.isnan(tols).any():
            raise UndecidableError(f"{instance}: a bound durable_rules cannot compare with")
        # No threshold for a firm (another industry's bound): nothing to decide, unknown as in the
        # core, where every comparison with NaN is false.
        out = np.full(n, Status.UNKNOWN, dtype=np.int8)
        rows = np.flatnonzero(~np.isnan(thresholds))
        if not len(rows):
            return out
        bounds, group = np.unique(np.stack([thresholds[rows], tols[rows]]), axis=1, return_inverse=True)
        group = group.reshape(-1)
        for g in range(bounds.shape[1]):  # one ruleset per distinct threshold
            ruleset = self._compare_ruleset(op, float(bounds[0, g]), float(bounds[1, g]))
            members = rows[group == g]
            out[members] = self._decide(ruleset, instance, members, {"lo": low, "hi": high})
        return out

    def member(self, instance: str, values: FloatArray, allowed: Sequence[float]) -> StatusArray:
        n = len(values)
        if len(self.sids) != n:
            raise UndecidableError(f"{instance}: {n} firms but {len(self.sids)} sessions")
        rows = np.arange(n)
        return self._decide(self._member_ruleset(allowed), instance, rows, {"v": values})

    # -- sessions ---------------------------------------------------------------------------------

    def facts(self, sid: str) -> Mapping[str, dict[str, Any]]:
        """The facts a kept firm's session holds, by test."""
        return {instance: self._facts[(sid, instance)][1] for instance in self._by_sid.get(sid, ())}

    def forget(self, sid: str) -> None:
        """Retract every fact of a kept firm's session and drop the session from every ruleset it
        used (durable_rules slows down as sessions pile up; a forgotten firm leaves none behind)."""
        held = [self._facts.pop((sid, instance)) for instance in self._by_sid.pop(sid, set())]
        for ruleset, fact in held:
            self.host.retract_fact(ruleset, fact)
        for ruleset in {ruleset for ruleset, _ in held}:
            self.host.delete_state(ruleset, sid)

    def forget_all(self) -> None:
        """Forget every kept session (the rulesets stay compiled)."""
        for sid in list(self._by_sid):
            self.forget(sid)

    @contextmanager
    def sessions(self, sids: Sequence[str], keep: bool | None = None) -> Iterator[None]:
        """Take decisions for firms ``sids`` (one per input row) within the block. ``keep``: each
        firm its own session, kept after the block (the default for one firm, as ``assess_one`` and
        the monitor ask); otherwise the firms are decided in batches whose sessions are deleted."""
        previous = self.sids, self.keep
        self.sids = sids
        self.keep = len(sids) == 1 if keep is None else keep
        try:
            yield
        finally:
            self.sids, self.keep = previous


@functools.cache
def durable_decisions() -> DurableDecider:
    """The process-wide durable_rules decider (rulesets compiled once, reused by every call)."""
    return DurableDecider()
