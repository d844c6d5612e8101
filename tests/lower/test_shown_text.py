"""The spec text diagnostics quote: control characters as visible symbols, one for one,
so excerpts keep the parser's columns and lines and never carry escape sequences."""

from __future__ import annotations

from pathlib import Path

from mbind_formal import load_spec
from mbind_formal.diagnostics import render_all
from mbind_formal.lower.sources import shown_text


def test_controls_become_one_visible_character_each() -> None:
    text = "a\x1b[2J\x07 b\r\nc\rd\x7f\x9b\u202e\x0c\tz\n"
    shown = shown_text(text)
    assert shown == "a\u241b[2J\u2407 b\r\nc\u240dd\u2421\ufffd\ufffd\u240c\tz\n"
    assert len(shown) == len(text)
    assert shown.count("\n") == text.count("\n")
    assert shown_text("plain text\n\twith a tab\r\n") == "plain text\n\twith a tab\r\n"


def test_an_excerpt_never_carries_an_escape_sequence(tmp_path: Path) -> None:
    # A form feed and an ESC in a comment on the line before the error: str.splitlines
    # would see an extra line at the form feed, and the terminal would clear.
    spec = tmp_path / "s.mbf"
    spec.write_text("var x: bool = false; // \x1b[2J\x0c!\nvar = 1; // \x1b]0;t\x07\n")
    result = load_spec(spec)
    assert result.spec is None
    text = render_all(result.diagnostics, result.sources)
    assert "\x1b" not in text and "\x07" not in text
    assert f"{spec}:2:5: error[MBF101]" in text
    assert "2 | var = 1; // \u241b]0;t\u2407" in text
