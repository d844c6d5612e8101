"""Terminal rendering shared by the commands: the verdict matrix and progress.

Input: `verdicts.Cell`s and engine `ProgressEvent`s. Output: text for a terminal
(rich, when the stream is a TTY) or plain, stable text (when piped or in tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mbind_formal.engines.base import Progress as ProgressFn
from mbind_formal.engines.base import ProgressEvent, Verdict
from mbind_formal.verdicts import Cell

STYLE = {
    Verdict.HOLDS: "green",
    Verdict.VIOLATED: "bold red",
    Verdict.UNKNOWN: "yellow",
    Verdict.VACUOUS: "magenta",
}

LEGEND = (
    "✓exh holds (exhaustive search)  ✓k=K holds (k-induction)  ✓pdr holds (certified PDR "
    "invariant)\n✗N violated, shortest counterexample N steps (`mbind-formal trace`)  "
    "? unknown  vac vacuous (a witness is unreachable)  !! engines disagree\n"
    "≤K no violation up to K steps (bounded search, not a proof)\n"
    "✓∀N holds for every size N (certified parametric invariant, --engine param); the "
    "other ✓ hold at this size"
)


def proof_method(method: str) -> str:
    """`exh`, `k=3`, `pdr` or `∀N` from an engine's method string."""
    if method.startswith("parametric"):
        return "∀N"
    if "exhaustive" in method:
        return "exh"
    if "k-induction" in method:
        return method[method.index("k-induction") :].split()[1].rstrip(")")
    if "pdr" in method:
        return "pdr"
    return method


def short(cell: Cell) -> str:
    """A cell in a few characters: `✓exh`, `✓k=3`, `✓pdr`, `✗7`, `≤10`, `?`, `vac`."""
    r = cell.result
    match cell.verdict:
        case Verdict.HOLDS:
            text = "✓" + proof_method(r.method)
        case Verdict.VIOLATED:
            text = f"✗{len(r.trace)}" if r.trace is not None else "✗"
        case Verdict.UNKNOWN if r.bound is not None:
            text = f"≤{r.bound}"
        case Verdict.UNKNOWN:
            text = "?"
        case Verdict.VACUOUS:
            text = "vac"
    if cell.disagreement:
        text += " !!"
    return text


def is_tty(stream: TextIO) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def matrix_text(cells: Sequence[Cell]) -> str:
    """The matrix as plain text: claims as rows, variants as columns."""
    variants = list(dict.fromkeys(c.variant for c in cells))
    claims = list(dict.fromkeys(c.claim for c in cells))
    grid = {(c.claim, c.variant): short(c) for c in cells}
    first = max([len("claim \\ variant"), *(len(c) for c in claims)])
    widths = [max(len(v), *(len(grid.get((c, v), "")) for c in claims)) for v in variants]
    header = (
        "claim \\ variant".ljust(first)
        + " | "
        + " | ".join(v.ljust(w) for v, w in zip(variants, widths, strict=True))
    )
    lines = [header, "-" * len(header)]
    for claim in claims:
        row = [grid.get((claim, v), "").ljust(w) for v, w in zip(variants, widths, strict=True)]
        lines.append(claim.ljust(first) + " | " + " | ".join(row))
    return "\n".join(line.rstrip() for line in lines)


def engine_summary(cells: Sequence[Cell]) -> list[str]:
    """With several engines per cell (`--engine all`): each engine's verdicts counted,
    and whether they agree, so the text says what the JSON's `engines` maps say."""
    engines = list(dict.fromkeys(e for c in cells for e in c.engines))
    if len(engines) < 2:
        return []
    split = sum(1 for c in cells if c.disagreement)
    agree = "no disagreement" if not split else f"{split} cells where engines disagree (!!)"
    lines = [f"engines: {len(engines)} on each of {len(cells)} cells, {agree}"]
    width = max(len(e) for e in engines)
    for engine in engines:
        counts: dict[str, int] = {}
        for c in cells:
            name = c.engines.get(engine)
            if name is not None:
                counts[name] = counts.get(name, 0) + 1
        shown = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
        lines.append(f"  {engine:<{width}}  {shown}")
    return lines


def print_matrix(cells: Sequence[Cell], out: TextIO) -> None:
    summary = engine_summary(cells)
    if not is_tty(out):
        print(matrix_text(cells), file=out)
        print(LEGEND, file=out)
        if summary:
            print("\n".join(summary), file=out)
        return
    variants = list(dict.fromkeys(c.variant for c in cells))
    claims = list(dict.fromkeys(c.claim for c in cells))
    by_key = {(c.claim, c.variant): c for c in cells}
    table = Table(title="verdicts", show_lines=False)
    table.add_column("claim \\ variant", no_wrap=True)
    for v in variants:
        table.add_column(escape(v), no_wrap=True)
    for claim in claims:
        row = []
        for v in variants:
            cell = by_key.get((claim, v))
            row.append("" if cell is None else f"[{STYLE[cell.verdict]}]{short(cell)}[/]")
        table.add_row(escape(claim), *row)
    console = Console(file=out, force_terminal=True, width=max(120, 16 * (len(variants) + 2)))
    console.print(table)
    console.print(LEGEND, highlight=False)
    if summary:
        console.print(escape("\n".join(summary)), highlight=False)


@contextmanager
def progress_bar(
    err: TextIO, total: int, label: str
) -> Iterator[tuple[Callable[[str], None], ProgressFn]]:
    """A rich progress bar on `err` when it is a terminal; yields (advance, report) callbacks.

    `advance(description)` moves the bar one cell; `report(event)` shows engine progress.
    """
    if not is_tty(err):

        def quiet_advance(description: str) -> None:
            del description

        def quiet_report(event: ProgressEvent) -> None:
            del event

        yield quiet_advance, quiet_report
        return
    console = Console(file=err)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)

        def advance(description: str) -> None:
            bar.update(task, advance=1, description=escape(description))

        def report(event: ProgressEvent) -> None:
            bar.update(
                task,
                description=escape(
                    f"{label}: {event.engine} {event.phase} "
                    f"{event.states} states, depth {event.depth}"
                ),
            )

        yield advance, report
