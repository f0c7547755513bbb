"""Random damage to the 专精特新 rule file only ever yields a RuleSetError listing problems."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from eligibility import RuleSetError, load_rules
from eligibility.ruleset import bundled_rules_dir

SOURCE = bundled_rules_dir() / "srdi_sme_2022.yaml"


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here] if here else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*here, index))
    return found


def _load() -> Any:
    return YAML(typ="safe", pure=True).load(SOURCE.read_text(encoding="utf-8"))


ORIGINAL = _load()
PATHS = _paths(ORIGINAL)
SWAPS = {">=": "<", ">": "<=", "<=": ">", "<": ">="}
JUNK = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
    st.booleans(),
)


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


@st.composite
def mutated(draw: st.DrawFn) -> str:
    data = _load()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        try:
            parent = _parent(data, path)
            key = path[-1]
            parent[key]  # the path may be gone after an earlier mutation
        except (KeyError, IndexError, TypeError):
            continue
        action = draw(st.sampled_from(["delete", "retype", "swap"]))
        if action == "delete":
            del parent[key]
        elif action == "retype":
            parent[key] = draw(JUNK)
        elif isinstance(parent[key], str) and parent[key] in SWAPS:
            parent[key] = SWAPS[parent[key]]
        else:
            parent[key] = draw(JUNK)
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, stream)
    text = stream.getvalue()
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["", ":", "[", "{ ", "\t", "- -", "'"])) + text[cut:]
    return text


@settings(
    max_examples=int(os.environ.get("MUTATIONS", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=mutated())
def test_mutations_only_raise_rule_set_errors(tmp_path: Path, text: str) -> None:
    directory = tmp_path / "rules"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    for name in ("fields.yaml", "tiers.yaml", "sme_size.yaml"):
        shutil.copy(bundled_rules_dir() / name, directory / name)
    (directory / "srdi_sme_2022.yaml").write_text(text, encoding="utf-8")
    problems = []
    try:
        load_rules(directory)
    except RuleSetError as error:  # the only exception allowed; anything else fails the test
        problems = list(error.problems)
        assert problems
    assert all(p.file and p.code for p in problems)
