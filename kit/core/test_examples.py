"""adopt's decisions for every example project (kit/core/examples/): the start command, how prod
gets the code, its port and health check, its Python, system packages, extras, what the build
context lets in, and every line of the report, as expected.json holds them. Poetry's side is
recorded in facts.json: these need no Docker. `python3 -m kit.core.example` writes the expected
files anew after a change; review their diff."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from kit.core.example import EXAMPLES, Project, decisions, expected, names, project

EXAMPLE_NAMES = names()


def test_there_is_an_example_of_every_shape_adopt_knows() -> None:
    assert len(EXAMPLE_NAMES) >= 50
    assert all((EXAMPLES / name / "expected.json").exists() for name in EXAMPLE_NAMES)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_adopt_decides_for_the_example_what_it_expects(name: str) -> None:
    assert decisions(name) == expected(name)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_an_examples_facts_are_a_whole_report_of_poetrys(name: str) -> None:
    """facts.json holds every fact adopt reads, as the container step reports them: recorded
    again (--facts) where a newer kit reads more."""
    facts = json.loads((EXAMPLES / name / "facts.json").read_text())
    every = {field.name for field in fields(Project)} - {"root"}

    assert set(facts) == every
    assert project(name).facts() == facts
