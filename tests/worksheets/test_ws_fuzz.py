"""Whatever a therapist uploads, loading either succeeds or raises WorksheetError, nothing else."""

import copy

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.worksheets.items import type_names
from clinic.worksheets.loader import BUILTIN_DIR, Problem, WorksheetError, load_text

VALID = yaml.safe_load((BUILTIN_DIR / "conflict-pre-agreement.yaml").read_text("utf-8"))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from([*type_names(), "own", "ok", "", "a.b", "x" * 61]),
)
keys = st.one_of(st.text(max_size=12), st.sampled_from([*VALID, "type", "items", "id"]))
trees = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=30,
)
fuzz = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load_or_problems(text: str) -> None:
    try:
        load_text(text, "fuzz.yaml")
    except WorksheetError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert isinstance(problem, Problem) and problem.file == "fuzz.yaml"
            assert isinstance(problem.location, str) and problem.message.strip()
            assert "\n" not in str(problem)


@fuzz
@given(st.text(max_size=400))
def test_random_text(text):
    load_or_problems(text)


@fuzz
@given(st.text(alphabet="-:[]{}&*!|>'\"#%@`,? \n\tabc01", max_size=200))
def test_random_yaml_punctuation(text):
    load_or_problems(text)


@fuzz
@given(trees)
def test_random_nested_data(tree):
    load_or_problems(yaml.safe_dump(tree, allow_unicode=True))


def paths(node, prefix=()):
    """Every (container path) inside a tree, so a mutation can land at any depth."""
    yield prefix
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        if isinstance(child, dict | list):
            yield from paths(child, (*prefix, key))


@fuzz
@given(st.data())
def test_a_valid_worksheet_with_one_part_replaced(data):
    tree = copy.deepcopy(VALID)
    path = data.draw(st.sampled_from(list(paths(tree))))
    parent = tree
    for key in path:
        parent = parent[key]
    if isinstance(parent, dict):
        key = data.draw(st.sampled_from(list(parent)) | keys)
    else:
        key = data.draw(st.integers(0, max(len(parent) - 1, 0)))
        if not parent:
            parent.append(None)
    parent[key] = data.draw(trees)
    load_or_problems(yaml.safe_dump(tree, allow_unicode=True))
