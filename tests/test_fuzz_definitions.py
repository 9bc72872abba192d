"""Malformed definition files of every shape are refused with a StegvisError naming the
place, never another exception (property-based)."""

import copy
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from stegvis.cli import run
from foundation.errors import StegvisError
from surveys.definitions import parse_text

FIXTURE = Path(__file__).parent / "fixtures" / "definitions" / "tiny.yaml"
PROGRAMME = Path(__file__).parent.parent / "surveys" / "definitions" / "programmes" / "porten.yaml"
BASES = [yaml.safe_load(FIXTURE.read_text(encoding="utf-8")), yaml.safe_load(PROGRAMME.read_text(encoding="utf-8"))]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=20), st.just("q99"), st.just(""))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=6)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, prefix + (index,))


@st.composite
def mutated(draw):
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in paths(data) if p]
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = draw(values)
    return data


def parses_or_refuses(text: str) -> None:
    try:
        parse_text(text, "fuzz.yaml")
    except StegvisError as exc:
        assert str(exc).startswith("fuzz.yaml"), str(exc)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_definitions_are_valid_or_refused_with_a_place(data):
    parses_or_refuses(yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_is_refused_cleanly(text):
    parses_or_refuses(text)


def test_validate_command_never_shows_a_traceback(tmp_path, capsys):
    cases = {"binary.yaml": b"\x00\xff\xfe garbage", "list.yaml": b"- 1\n- 2\n", "empty.yaml": b"",
             "deep.yaml": b"[" * 200 + b"]" * 200}
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        assert run(["validate", str(path)]) == 1, name
        err = capsys.readouterr().err
        assert err.startswith("Error: ") and "Traceback" not in err, (name, err)
    assert run(["validate", str(tmp_path / "missing.yaml")]) == 1
    assert "cannot read" in capsys.readouterr().err
