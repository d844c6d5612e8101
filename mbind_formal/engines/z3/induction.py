"""k-induction with Z3: proofs by induction over simple paths, bugs by BMC.

Stage: engines. Input: a `Model`, a `Claim`, a `Budget` (`max_depth` bounds k, default
30). Output: a `Result`: HOLDS with method "k-induction k=K", VIOLATED with the BMC trace
(shortest, replayed), VACUOUS or UNKNOWN by NOTE(witness rule) in `z3_run`, or UNKNOWN
when k reaches the bound.

For k = 1, 2, ...: the base case is the BMC unrolling checked up to depth k-1 (with
simple-path constraints, so it also stops when no longer simple path exists, which
proves the claim outright: "exhausted at depth d"); the step case asks for k distinct
states satisfying the invariant, linked by trans, followed by one violating it. Every
state of the step case is constrained by `Encoding.facts` (slots in their types,
constants as initialised), a sound strengthening since those hold in every reachable
state.

Witnesses: BMC reaches them (True). A witness never reached is proved unreachable when
its negation is k-inductive (with the base case up to k-1 already searched by the
unrolling) or when the unrolling is exhausted (False). Otherwise it stays None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import z3

from mbind_formal.engines.base import Budget, Progress, Result, Verdict
from mbind_formal.engines.z3.bmc import Unrolling, bmc_result
from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.lemmas import pc_lemmas
from mbind_formal.engines.z3.run import (
    BMC_OPTIONS,
    Answer,
    Clock,
    EncodingCache,
    Replayer,
    Status,
    cannot_run,
    check,
    max_depth,
    new_solver,
    not_safety,
    progress,
    settle,
    unknown,
)
from mbind_formal.engines.z3.terms import EncodeOptions, Term
from mbind_formal.ir.model import Claim, Expr, Model
from mbind_formal.semantics.relation import SemanticsError

_LEMMA_CACHE = 16  # (encoding, assume) pairs whose pc lemmas an engine keeps


class StepCase:
    """k distinct states where `good` holds, then one where it fails: UNSAT means `good`
    is k-inductive (relative to `Encoding.facts`)."""

    def __init__(
        self,
        enc: Encoding,
        good: Callable[[int], Term],
        assume: Term | None,
        budget: Budget,
        clock: Clock,
        lemmas: Term = None,
    ) -> None:
        """`lemmas`: an invariant over state 0 (NOTE(pc lemmas)) asserted at every state."""
        self.enc = enc
        self.good = good
        self.assume = assume
        self.clock = clock
        self.lemmas = enc.terms.true if lemmas is None else lemmas
        self.solver = new_solver(enc, budget)
        self.solver.add(enc.facts(0, assume), self.lemmas)
        self.k = 0

    def advance(self) -> Answer:
        """Try k+1."""
        enc, k = self.enc, self.k + 1
        self.solver.add(self.good(k - 1), enc.trans(k - 1), enc.facts(k, self.assume))
        self.solver.add(enc.at_time(self.lemmas, k))
        self.solver.add(*(enc.distinct(j, k) for j in range(k)))
        self.k = k
        return check(self.solver, self.clock, z3.Not(self.good(k)))


class InductionEngine:
    """k-induction over simple paths, with BMC for the base case and for witnesses."""

    name = "kind"

    def __init__(self, options: EncodeOptions = BMC_OPTIONS, lemmas: bool = False) -> None:
        """`options`: the sorts (NOTE(z3 sorts)); `auto` re-proves a bit-vector proof
        over integers (PDR_OPTIONS) as its cross-check. `lemmas`: strengthen the step
        case with the pc lemmas (NOTE(pc lemmas))."""
        self._encodings = EncodingCache(options)
        self.lemmas = lemmas
        # (encoding, assume) -> lemmas; the key holds the encoding, so no other one can
        # take its place (an id could be reused), and the oldest entries go first
        self._lemmas: dict[tuple[Encoding, Expr | None], Term] = {}

    def _lemmas_for(self, enc: Encoding, claim: Claim, budget: Budget, clock: Clock) -> Term:
        if not self.lemmas:
            return enc.terms.true
        key = (enc, claim.assume)
        if key not in self._lemmas:
            self._lemmas[key] = pc_lemmas(enc, claim.assume, budget, clock)
            while len(self._lemmas) > _LEMMA_CACHE:
                del self._lemmas[next(iter(self._lemmas))]
        return self._lemmas[key]

    def check(
        self,
        model: Model,
        claim: Claim,
        budget: Budget,
        report: Progress | None = None,
    ) -> Result:
        clock = Clock(budget)
        if claim.temporal:
            return not_safety(self.name, model, claim, clock)
        enc = self._encodings.get(model, claim)
        bound = max_depth(budget)
        try:
            replayer = Replayer(enc, self.name)
        except SemanticsError as e:
            return cannot_run(self.name, model, claim, clock, e)
        run = Unrolling(enc, claim, budget, clock, replayer, simple=True)
        lemmas = self._lemmas_for(enc, claim, budget, clock)
        good = lambda t: enc.good(claim.invariant, t)  # noqa: E731  NOTE(type rule)
        step = StepCase(enc, good, claim.assume, budget, clock, lemmas)
        proof, closing = "", 0  # how the claim was proved, and the k (or depth) that did it
        while not proof and step.k < bound:
            if not run.advance():
                if not run.exhausted:
                    return bmc_result(self.name, model, claim, clock, run, bound)
                proof = f"k-induction: no simple path longer than {run.depth}"
                closing = run.depth
                break
            ans = step.advance()
            progress(report, self.name, "induction", clock, step.k)
            if ans.status is Status.UNSAT:
                proof, closing = f"k-induction k={step.k}", step.k
            elif ans.status is Status.UNKNOWN:
                return _stopped(self.name, model, claim, clock, run, f"{ans.reason} at k={step.k}")
        if not proof:
            r = _stopped(self.name, model, claim, clock, run, f"bound reached (k={bound})")
            return replace(r, depth=bound, bound=run.depth)
        how = resolve_witnesses(enc, claim, run, budget, clock, bound, lemmas)
        verdict, reason = settle(proof, run.witnesses, how)
        r = unknown(self.name, model, claim, clock)
        return replace(
            r,
            verdict=verdict,
            method=proof,
            depth=closing,
            reason=reason if verdict is not Verdict.HOLDS else "",
            witnesses=tuple(run.witnesses),
            seconds=clock.elapsed(),
        )


def _stopped(
    engine: str, model: Model, claim: Claim, clock: Clock, run: Unrolling, why: str
) -> Result:
    r = unknown(engine, model, claim, clock)
    return replace(
        r,
        method="k-induction",
        depth=max(run.depth, 0),
        reason=f"no violation up to depth {run.depth}; induction undecided: {why}",
        witnesses=tuple(run.witnesses),
    )


def resolve_witnesses(
    enc: Encoding,
    claim: Claim,
    run: Unrolling,
    budget: Budget,
    clock: Clock,
    bound: int,
    lemmas: Term = None,
) -> list[str]:
    """Decide the witnesses `run` has not reached yet: keep unrolling (reached: True) and
    try k-induction of each one's negation (proved: False). Returns, per witness, how it
    was decided or why not."""
    how = ["reached by BMC" if w else "" for w in run.witnesses]
    steps: dict[int, StepCase] = {
        i: StepCase(enc, _negated(enc, w), claim.assume, budget, clock, lemmas)
        for i, w in enumerate(claim.witnesses)
        if run.witnesses[i] is None
    }
    while run.witnesses_open() and not clock.expired():
        moved = run.depth < bound and run.advance(violations=False)
        for i, st in list(steps.items()):
            if run.witnesses[i] is not None:
                del steps[i]
            elif st.k < bound and st.k <= run.depth:
                # Base case: the witness is not reached within depth st.k (the new k - 1).
                moved = True
                ans = st.advance()
                if ans.status is Status.UNSAT:
                    run.witnesses[i] = False
                    how[i] = f"its negation is {st.k}-inductive"
                    del steps[i]
                elif ans.status is Status.UNKNOWN:
                    how[i] = f"k-induction of its negation stopped: {ans.reason}"
                    del steps[i]
        if not moved:
            break
    for i, w in enumerate(run.witnesses):
        if run.exhausted and w is False and not how[i]:
            how[i] = f"no simple path longer than {run.depth} reaches it"
        elif w is None and not how[i]:
            why = run.stop or f"not reached within depth {run.depth}"
            how[i] = f"{why}, and its negation is not k-inductive up to k={bound}"
        elif w is True and not how[i]:
            how[i] = "reached by BMC"
    return how


def _negated(enc: Encoding, w: Expr) -> Callable[[int], Term]:
    return lambda t: z3.Not(enc.prop(w, t))
