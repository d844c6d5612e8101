"""Watch: a search's limits, polled from inside one long evaluation or expansion.

Stage: executable semantics. Input: costs ticked by the compiled closures that can run
long (a definition whose expanded body is large, a quantifier or `pick` over a big
domain, a step that can fork into many successors), and a `check` the running engine
installs (its timeout and memory limits; Ctrl-C needs nothing: the closures are plain
Python, so KeyboardInterrupt reaches them). Output: `Expired` raised from inside the
evaluation once `check` names a reason.

Why: the explicit engine polls its limits between states, but one state can take
unbounded time: doubling definitions (`d(n) = d(n-1)(x) == d(n-1)(!x)`) evaluate
2**n calls for one guard, so `--timeout 5` went unnoticed. Only closures whose static
cost exceeds `WATCH_COST` are compiled with a tick (NOTE(watch)), so the closures of an
ordinary model are the same as without a watch and the hot path pays nothing.
"""

from __future__ import annotations

from collections.abc import Callable

WATCH_COST = 2_000  # a closure estimated to cost more than this many node evaluations ticks
_POLL_EVERY = 200_000  # cost units between two calls of `check` (a few milliseconds)


class Expired(Exception):
    """A limit of the running search was reached inside an evaluation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Watch:
    """The countdown the ticking closures share (one per `Semantics`)."""

    __slots__ = ("check", "left")

    def __init__(self) -> None:
        self.check: Callable[[], str] | None = None  # "" or the reason to stop
        self.left = _POLL_EVERY

    def tick(self, cost: int) -> None:
        self.left -= cost
        if self.left <= 0:
            self.left = _POLL_EVERY
            check = self.check
            if check is not None:
                reason = check()
                if reason:
                    raise Expired(reason)
