"""Engines: the one small interface every checker implements, and what it returns.

Input: a `Model` (one variant), a `Claim`, a `Budget`. Output: a `Result` whose
`Verdict` is a value (unknown and timeouts included), never an exception.
Engines never print; they call `report` with `ProgressEvent`s.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from mbind_formal.ir.model import Claim, Model
from mbind_formal.trace.model import Trace


class Verdict(enum.Enum):
    HOLDS = "holds"  # proved: exhaustive search, k-induction or a certified PDR invariant
    VIOLATED = "violated"  # a counterexample trace exists (and replays)
    UNKNOWN = "unknown"  # undecided: bound, timeout or limit reached (see `reason`)
    VACUOUS = "vacuous"  # the invariant holds but some witness is unreachable


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """Limits and knobs for one check. `None` means no limit."""

    timeout_s: float | None = None  # wall time for the whole check
    query_timeout_s: float | None = None  # per solver query
    max_states: int | None = None  # explicit / TLC distinct states
    max_depth: int | None = None  # BMC / k-induction depth
    memory_mb: int | None = None  # explicit engine's memory guard
    seed: int = 0
    symmetry: bool = True  # use symmetry reduction where it is sound
    workers: int = 1  # TLC workers
    # z3 resource units per solver query (z3's `rlimit`): a limit that gives the same
    # answer on a loaded machine as on an idle one, unlike the wall-time limits
    query_rlimit: int | None = None
    por: bool = True  # explicit engine: partial-order reduction (NOTE(partial-order reduction))
    compiled: bool = True  # explicit: generated step code (False: the reference closures)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressEvent:
    engine: str
    phase: str  # e.g. "explore", "bmc", "induction", "pdr", "witness"
    states: int = 0
    depth: int = 0
    elapsed_s: float = 0.0
    message: str = ""


Progress = Callable[[ProgressEvent], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Coverage:
    """Which steps fired in the explored part of the state space."""

    fired: tuple[tuple[str, str], ...] = ()  # (actor, label), sorted
    never_fired: tuple[tuple[str, str], ...] = ()
    # (actor, label, n): paths of the step disabled n times because a store left its type
    blocked: tuple[tuple[str, str, int], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    verdict: Verdict
    engine: str  # "explicit", "bmc", "kind", "pdr", "tlc", "auto"
    method: str  # how it was decided: "exhaustive", "bmc", "k-induction k=3", "pdr", ...
    variant: str
    claim: str
    trace: Trace | None = None  # when violated: a replayed counterexample
    depth: int | None = None  # trace length, closing k, or bound reached
    # A complete bounded search: no run of at most `bound` steps violates the claim
    # (BMC, or k-induction reaching its bound). The verdict stays UNKNOWN (not a proof);
    # the CLI shows it as "no violation up to depth k" and exits 0 (README "Exit codes").
    bound: int | None = None
    states: int | None = None  # distinct states explored (explicit, TLC)
    reason: str = ""  # why unknown/vacuous, or a short note
    witnesses: tuple[bool | None, ...] = ()  # per claim witness: reached? (None: unknown)
    deadlock: Trace | None = None  # a deadlock found on the way, reported on its own
    invariant: str | None = None  # PDR: the certified invariant, in spec syntax
    coverage: Coverage | None = None
    seconds: float = 0.0
    stats: Mapping[str, float | int | str] = field(default_factory=dict)


class Engine(Protocol):
    name: str

    def check(
        self,
        model: Model,
        claim: Claim,
        budget: Budget,
        report: Progress | None = None,
    ) -> Result: ...
