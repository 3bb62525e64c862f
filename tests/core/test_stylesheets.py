"""The style sheets hold together: a block left open (an @media rule missing its closing brace,
easily lost when two changes meet) silently moves every rule after it into that block, where
they apply only at its widths."""

import pathlib
import re

import pytest

pytestmark = pytest.mark.engine_independent

CSS = sorted((pathlib.Path(__file__).parents[2] / "app" / "static" / "css").glob("*.css"))


@pytest.mark.parametrize("path", CSS, ids=lambda path: path.name)
def test_every_block_is_closed_where_it_should_be(path):
    text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)  # comments
    text = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', '""', text)  # strings
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if depth == 0 and line[:1].isspace() and line.strip() and not line.strip().startswith("}"):
            pytest.fail(f"{path.name}:{number}: an indented rule outside any block: {line.strip()[:60]}")
        for char in line:
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0, f"{path.name}:{number}: a closing brace with nothing open"
        # A rule at the start of a line (not indented) is a top-level rule: nothing may be open.
        if line[:1] not in ("", " ", "\t", "}") and "{" in line and depth > 1:
            pytest.fail(f"{path.name}:{number}: starts a top-level rule inside an open block")
    assert depth == 0, f"{path.name}: {depth} block(s) never closed"
