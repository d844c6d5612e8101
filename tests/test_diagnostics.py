from mbind_formal.diagnostics import CODES, Diagnostic, Span, did_you_mean, render


def test_render_shows_location_excerpt_and_hint() -> None:
    src = "actor a {\n  s: require PG_lur;\n}\n"
    d = Diagnostic(
        code="MBF201",
        message="unknown name 'PG_lur'",
        span=Span("x.mbf", 2, 14, 2, 20),
        hint=did_you_mean("PG_lur", ["PG_lru", "owner"]),
    )
    text = render(d, {"x.mbf": src})
    assert text.splitlines() == [
        "x.mbf:2:14: error[MBF201]: unknown name 'PG_lur'",
        "  2 |   s: require PG_lur;",
        "    |              ^^^^^^",
        "  hint: did you mean 'PG_lru'?",
    ]


def test_codes_have_one_line_meanings() -> None:
    for code, meaning in CODES.items():
        assert code.startswith("MBF") and len(code) == 6
        assert meaning and "\n" not in meaning
