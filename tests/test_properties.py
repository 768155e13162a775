"""Property: any mutation of a real prescription gets exit 0 or 1 from check and generate, never a
traceback, and a prescription that check accepts is one generate makes."""

from __future__ import annotations

import copy

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, dump
from generate import cli

BASES = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in EXAMPLES]


def paths(node, prefix=()):
    """Every key path of a prescription, leaves and groups alike."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


HOSTILE = st.one_of(
    st.sampled_from(["", "  ", "0", "-1", "1/0 mcg", "9" * 400, "2500 lb", "9999-12-01", "1000000 months",
                     "Yes", "Null", "~", "0x1F", "05550104477", "+--", "1e400 mcg", "0.0001 mL", "\u202e",
                     "banana", "2 to 0 weeks", "[]", "{}"]),
    st.integers(min_value=-10**6, max_value=10**6), st.booleans(), st.none(),
    st.text(max_size=30), st.lists(st.text(max_size=8), max_size=3),
    st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=2),
)


@st.composite
def mutated(draw):
    rx = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from([p for p in paths(rx) if p]))
        node = rx
        for key in path[:-1]:
            node = node[key]
        if draw(st.booleans()) and isinstance(node, dict):
            node.pop(path[-1])
        else:
            node[path[-1]] = draw(HOSTILE)
    return rx


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(rx=mutated())
def test_check_and_generate_never_crash_and_agree(tmp_path_factory, rx):
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "rx.yaml"
    path.write_text(dump(rx), encoding="utf-8")
    runner = CliRunner()
    checked = runner.invoke(cli, ["check", str(path)])
    made = runner.invoke(cli, ["generate", str(path), "-o", str(folder / "out.pdf")])
    for result in (checked, made):
        assert result.exit_code in (0, 1), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "internal error" not in result.output, result.output
    if checked.exit_code == 0:
        assert made.exit_code == 0, made.output
        assert (folder / "out.pdf").stat().st_size > 1000
    else:
        assert made.exit_code == 1 and not (folder / "out.pdf").exists()
