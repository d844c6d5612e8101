"""Diagnostics: spans, located problems, the error-code registry and the one renderer.

Every phase *returns* `Diagnostic`s; only the CLI renders them (with `render`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file; lines and columns start at 1, `end_col` is exclusive."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


# One line per code: what it means. Codes never change meaning once released.
# MBF0xx: files and input; MBF1xx: syntax; MBF2xx: names; MBF3xx: types;
# MBF4xx: structure (actors, steps, variants, claims); MBF5xx: CLI usage;
# MBF6xx: engines and external tools; MBF9xx: internal.
CODES: Mapping[str, str] = {
    "MBF001": "cannot read the spec file (missing, unreadable, a directory, not a regular file)",
    "MBF002": "the spec file is not UTF-8 text (binary or wrong encoding)",
    "MBF003": "the spec file is empty",
    "MBF004": "the spec file is too large",
    "MBF005": "include cycle",
    "MBF006": "included file not found",
    "MBF007": "include path leaves the spec's directory tree",
    "MBF008": "malformed trace file given to replay",
    "MBF101": "syntax error: unexpected token",
    "MBF102": "syntax error: unexpected character",
    "MBF103": "syntax error: unexpected end of file (unterminated block or statement)",
    "MBF104": "syntax error: misplaced construct",
    "MBF105": "expression or block nested too deeply",
    "MBF106": "integer literal too large",
    "MBF201": "unknown name",
    "MBF202": "duplicate declaration",
    "MBF203": "unknown field",
    "MBF204": "unknown label (goto target or override)",
    "MBF205": "unknown actor",
    "MBF206": "unknown definition or macro",
    "MBF207": "unknown variant",
    "MBF208": "unknown parameter",
    "MBF209": "enum value declared in two enums",
    "MBF210": "name not in Unicode NFKC form, or confusable with another (look-alike letters)",
    "MBF301": "type mismatch",
    "MBF302": "wrong number of arguments",
    "MBF303": "assignment to a constant or a non-variable",
    "MBF304": "value out of the type's range",
    "MBF305": "empty or inverted integer range",
    "MBF306": "operation not defined on this type",
    "MBF307": "an initial value reads a variable (only parameters and constants)",
    "MBF401": "label misplaced (must start an actor step at the top level of a body)",
    "MBF402": "unreachable statement after goto/done/break",
    "MBF403": "variant overrides a step or definition that does not exist in its base",
    "MBF404": "variant extends an unknown variant, or variants extend in a cycle",
    "MBF405": "symmetry broken: a symmetric collection is told apart",
    "MBF406": "recursive definition or macro",
    "MBF407": "claim has no witness (vacuity cannot be checked)",
    "MBF408": "break/continue outside a loop",
    "MBF409": "collection size must be at least 1",
    "MBF410": "scenario runs an unknown actor or sets an unknown parameter",
    "MBF411": "statement needs a label (after a loop, or first in an actor)",
    "MBF412": "duplicate label",
    "MBF413": "a path of a step ends without goto or done (Python API)",
    "MBF414": "macro call expands to too many statements",
    "MBF415": "procedure call, return or procedure misplaced, or recursive",
    "MBF420": "temporal operator misplaced ('~>' inside a condition, or no temporal line)",
    "MBF501": "bad command-line value",
    "MBF502": "unknown variant or claim requested on the command line",
    "MBF503": "cannot write the output path, or it is the spec or an include",
    "MBF504": "two variants would be written to the same TLA+ file",
    "MBF601": "java or the TLC jar is missing",
    "MBF602": "TLC rejected the generated module",
    "MBF603": "an engine's trace does not replay (an encoding bug)",
    "MBF604": "an integer of the model is outside TLC's 32-bit integers",
    "MBF901": "internal error",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Related:
    """A secondary location that explains a diagnostic ("via macro X called here")."""

    span: Span | None
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR
    related: tuple[Related, ...] = field(default=())

    def __post_init__(self) -> None:
        assert self.code in CODES, f"unregistered diagnostic code {self.code}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class DiagnosticError(Exception):
    """Raised by library entry points that cannot return a value (carries diagnostics)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("; ".join(d.message for d in self.diagnostics))


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


_EXCERPT_WIDTH = 100  # columns of a source line shown around a span
_EXCERPT_BEFORE = 30  # ... of them before the span's start, when the line is clipped


class SourceLines:
    """The lines of each source file, split once per file however many diagnostics
    point into it (re-splitting a 1 MiB file per diagnostic made rendering quadratic)."""

    def __init__(self, sources: Mapping[str, str]) -> None:
        self._sources = sources
        self._lines: dict[str, list[str]] = {}

    def of(self, file: str) -> list[str] | None:
        lines = self._lines.get(file)
        if lines is None:
            text = self._sources.get(file)
            if text is None:
                return None
            lines = self._lines[file] = text.splitlines()
        return lines


def _excerpt(span: Span, sources: SourceLines) -> list[str]:
    """The span's line with carets under the span; a line longer than _EXCERPT_WIDTH
    is clipped to a window around the span's start, its cuts marked with '...'."""
    lines = sources.of(span.file)
    if lines is None:
        return []
    if not 1 <= span.line <= len(lines):
        return []
    src = lines[span.line - 1].expandtabs(1)
    width = len(str(span.line))
    end = span.end_col if span.end_line == span.line else len(src) + 1
    lo, hi = 0, len(src)  # the shown columns, 0-based, [lo, hi)
    if len(src) > _EXCERPT_WIDTH:
        lo = max(0, min(span.col - 1 - _EXCERPT_BEFORE, len(src) - _EXCERPT_WIDTH))
        hi = lo + _EXCERPT_WIDTH
    head = "..." if lo > 0 else ""
    tail = "..." if hi < len(src) else ""
    start = max(span.col - 1, lo)
    carets = "^" * max(1, min(end - 1, hi) - start)
    return [
        f"  {span.line:>{width}} | {head}{src[lo:hi]}{tail}",
        f"  {'':>{width}} | {' ' * (len(head) + start - lo)}{carets}",
    ]


def render(diag: Diagnostic, sources: Mapping[str, str] | SourceLines) -> str:
    """Render one diagnostic as `file:line:col: error[CODE]: message`, an excerpt, a hint."""
    if not isinstance(sources, SourceLines):
        sources = SourceLines(sources)
    where = f"{diag.span}: " if diag.span else ""
    out = [f"{where}{diag.severity.value}[{diag.code}]: {diag.message}"]
    if diag.span:
        out.extend(_excerpt(diag.span, sources))
    for rel in diag.related:
        loc = f"{rel.span}: " if rel.span else ""
        out.append(f"  {loc}note: {rel.message}")
    if diag.hint:
        out.append(f"  hint: {diag.hint}")
    return "\n".join(out)


def render_all(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str]) -> str:
    ordered = sorted(
        diagnostics,
        key=lambda d: (
            (d.span.file, d.span.line, d.span.col) if d.span else ("", 0, 0),
            d.code,
            d.message,
        ),
    )
    lines = SourceLines(sources)
    return "\n".join(render(d, lines) for d in ordered)


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """A hint naming the closest known spelling, or None."""
    import difflib

    match = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None
