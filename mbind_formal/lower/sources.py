"""Sources: a spec file and its includes -> one sequence of parsed items.

Stage: the first step of `lower.spec`. Input: the root file (a path, or text with a name)
and whether includes may leave the root's directory tree. Output: the items of every
file, each `include` replaced by the included file's items (a file included twice is
read once), the text of every file read as diagnostics quote it (`shown_text`), and
diagnostics: MBF001 unreadable, MBF002 not UTF-8 text, MBF003 empty, MBF004 too large,
MBF005 include cycle, MBF006 missing include, MBF007 include outside the tree, and the
parser's MBF1xx.
File content is only ever parsed, never evaluated.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from mbind_formal.diagnostics import Diagnostic, Related, Span, did_you_mean
from mbind_formal.dsl import ast
from mbind_formal.dsl.parser import parse

MAX_BYTES = 1 << 20  # 1 MiB: far beyond any model, small enough to parse quickly


@dataclass(slots=True)
class Sources:
    """Everything read so far."""

    items: list[ast.Item] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # name -> `shown_text` of the file
    files: list[Path] = field(default_factory=list)  # the real path of every file read
    diags: list[Diagnostic] = field(default_factory=list)


def display_name(path: str | os.PathLike[str]) -> str:
    """A file name as text fit for any UTF-8 output. Linux names are bytes; Python
    carries the ones that are not UTF-8 as lone surrogates, which no UTF-8 writer
    (ITF, HTML, a TLA+ header) can encode, and raw control characters would reach the
    terminal. Undecodable bytes become `\\xNN`, control characters their escape."""
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:  # a surrogate no file name decodes to (text from Python)
        raw = os.fspath(path).encode("utf-8", "backslashreplace")
    text = raw.decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# What must not reach a terminal as it is: C0 controls but tab and line ends, a carriage
# return that ends no line, DEL, C1 controls (0x9b is CSI on 8-bit terminals), line and
# paragraph separators (str.splitlines breaks lines there, lark does not), bidi controls.
_UNSHOWN = re.compile(
    "\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
    "\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _picture(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control picture: U+241B for ESC
    return "\u2421" if code == 0x7F else "\ufffd"


def shown_text(text: str) -> str:
    """A file's text as diagnostics quote it: every character listed in `_UNSHOWN`
    replaced by one visible character, so that columns and line numbers stay those the
    parser counted and a comment's escape sequence never reaches the terminal."""
    return _UNSHOWN.sub(_picture, text)


def _at(data: bytes, pos: int, display: str) -> Span:
    """The line and column (in bytes) of offset `pos`."""
    line = data.count(b"\n", 0, pos) + 1
    col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
    return Span(display, line, col, line, col + 1)


def _problem(
    code: str, message: str, at: Span, included_at: Span | None, hint: str | None = None
) -> Diagnostic:
    """A problem in a file's content: at the `include` that brought the file in (what the
    author can change), with the place in the file as a note; or in the root file."""
    if included_at is None:
        return Diagnostic(code=code, message=message, span=at, hint=hint)
    note = Related(span=at, message="in the included file")
    return Diagnostic(code=code, message=message, span=included_at, hint=hint, related=(note,))


def decode(
    data: bytes, display: str, included_at: Span | None = None
) -> tuple[str | None, Diagnostic | None]:
    """The text of a file's bytes, or the reason it is not a spec file."""
    if len(data) > MAX_BYTES:
        message = f"'{display}' is larger than {MAX_BYTES} bytes, the limit for spec files"
        return None, _problem("MBF004", message, Span(display, 1, 1, 1, 1), included_at)
    nul = data.find(b"\x00")
    if nul >= 0:
        message = f"'{display}' is a binary file, not spec text (it contains NUL bytes)"
        return None, _problem("MBF002", message, _at(data, nul, display), included_at)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        message = (
            f"'{display}' is not UTF-8 text (invalid byte 0x{data[e.start]:02x} "
            f"at offset {e.start})"
        )
        at = _at(data, e.start, display)
        return None, _problem("MBF002", message, at, included_at, "save the file as UTF-8")
    return text.removeprefix("\ufeff"), None


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is ("a FIFO", ...), or None."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read(path: Path, display: str, span: Span | None) -> tuple[str | None, Diagnostic | None]:
    """Read and decode one file (`span`: the include that names it, if any). An included
    file must be a regular file: opening a FIFO blocks until someone writes to it, so it
    is opened without blocking and refused (the spec named on the command line may be a
    pipe, `check <(...)`, read with a bound like any file)."""
    if path.is_dir():
        message = f"'{display}' is a directory, not a spec file"
        return None, Diagnostic(code="MBF001", message=message, span=span)
    try:
        flags = os.O_RDONLY | (os.O_NONBLOCK if span is not None else 0)
        with open(os.open(path, flags), "rb") as f:
            kind = _kind(os.fstat(f.fileno()).st_mode) if span is not None else None
            if kind is not None:
                message = f"included file '{display}' is {kind}, not a spec file"
                hint = "include regular files only"
                return None, Diagnostic(code="MBF001", message=message, span=span, hint=hint)
            data = f.read(MAX_BYTES + 1)  # never more: a huge file is refused unread
    except FileNotFoundError:
        return None, Diagnostic(code="MBF001", message=f"'{display}' does not exist", span=span)
    except OSError as e:
        message = f"cannot read '{display}': {e.strerror or e.__class__.__name__}"
        return None, Diagnostic(code="MBF001", message=message, span=span)
    return decode(data, display, span)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Link:
    """One file on the include chain and the `include` that brought it in."""

    path: Path
    display: str
    included_at: Span | None


class _Loader:
    def __init__(self, root_dir: Path, allow_outside: bool) -> None:
        self.root_dir = root_dir.resolve()
        self.allow_outside = allow_outside
        self.out = Sources()
        self.seen: set[Path] = set()

    def file(self, text: str, chain: tuple[_Link, ...]) -> None:
        me = chain[-1]
        self.out.texts[me.display] = shown_text(text)
        spec, diags = parse(text, me.display)
        self.out.diags.extend(diags)
        if spec is None:
            return
        if not spec.items:
            self.out.diags.append(
                _problem(
                    "MBF003",
                    f"'{me.display}' is empty: it declares nothing",
                    Span(me.display, 1, 1, 1, 1),
                    me.included_at,
                    "a spec declares at least one actor (see README, The spec language)",
                )
            )
            return
        for item in spec.items:
            if isinstance(item, ast.Include):
                self.include(item, chain)
            else:
                self.out.items.append(item)

    def include(self, inc: ast.Include, chain: tuple[_Link, ...]) -> None:
        parent = chain[-1]
        rel = inc.path.strip('"')
        target = (parent.path.parent / rel).resolve()
        base = "" if parent.display.startswith("<") else os.path.dirname(parent.display)
        display = os.path.normpath(os.path.join(base, rel))
        if not self.allow_outside and not _inside(target, self.root_dir):
            self.out.diags.append(
                Diagnostic(
                    code="MBF007",
                    message=f"include '{rel}' leaves the spec's directory tree",
                    span=inc.span,
                    hint="keep included files next to the spec, or pass --allow-outside-includes",
                )
            )
            return
        for i, link in enumerate(chain):
            if link.path == target:
                names = [x.display for x in chain[i:]] + [link.display]
                self.out.diags.append(
                    Diagnostic(
                        code="MBF005",
                        message="include cycle: " + " -> ".join(names),
                        span=inc.span,
                        related=tuple(
                            Related(span=x.included_at, message=f"'{x.display}' is included here")
                            for x in chain[i + 1 :]
                        ),
                    )
                )
                return
        if target in self.seen:
            return
        if not target.exists():
            folder = target.parent
            siblings = [p.name for p in folder.glob("*.mbf")] if folder.is_dir() else []
            self.out.diags.append(
                Diagnostic(
                    code="MBF006",
                    message=f"included file '{rel}' not found",
                    span=inc.span,
                    hint=did_you_mean(target.name, siblings),
                )
            )
            return
        self.seen.add(target)
        text, problem = read(target, display, inc.span)
        if problem is not None:
            self.out.diags.append(problem)
        if text is not None:
            self.file(text, (*chain, _Link(target, display, inc.span)))


def load_sources(
    text: str, display: str, real: Path | None, directory: Path, allow_outside: bool
) -> Sources:
    """Parse `text` (the root file) and everything it includes."""
    path = real.resolve() if real is not None else directory.resolve() / display
    # The tree includes may not leave is the one around the spec's real path: a spec
    # opened through a symlink from elsewhere includes its own neighbours.
    loader = _Loader(path.parent if real is not None else directory, allow_outside)
    loader.seen.add(path)
    loader.file(text, (_Link(path, display, None),))
    loader.out.files = sorted(loader.seen)
    return loader.out


def leading_comment(text: str) -> tuple[str, ...]:
    """The lines of the comment a spec file starts with (`/* ... */` or a run of `//`
    lines), without the comment markers and with non-printable characters shown as
    pictures, so that an emitted header can repeat what the spec says about itself."""
    body = text.lstrip("\ufeff").lstrip()
    lines: list[str] = []
    if body.startswith("/*"):
        end = body.find("*/")
        if end < 0:
            return ()
        for raw in body[2:end].splitlines():
            line = raw.strip()
            line = line[1:].lstrip() if line.startswith("*") else line
            lines.append(line)
    else:
        for raw in body.splitlines():
            if not raw.lstrip().startswith("//"):
                break
            lines.append(raw.lstrip()[2:].strip())
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return tuple(shown_text(line).rstrip() for line in lines)
