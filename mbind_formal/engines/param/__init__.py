"""Parametric proofs: a claim for every size N of one collection (`--engine param`).

Stage: engines. Modules, in pipeline order: `family` (the model at several sizes and how
its integers scale with N), `encode` (one Z3 formula for every N), `reach` (reachable
states at small sizes), `infer` (candidate clauses from templates), `houdini` (the
inductive subset), `text` (the invariant in the spec language), `certify` (re-parse and
re-check), `engine` (the `Engine`).

NOTE(parametric fragment): covered are models where exactly one spec parameter sizes
one collection C (the first such parameter in name order; the others keep their values),
and building the spec at sizes 2, 3, 4 gives IR trees of one shape whose integers are
affine in N (checked again at 1 and 5): range bounds (`0..cpus`), integer and element
literals (`Page[pages - 1]`, the last element of a `for` walk), sizes and instance
counts. Actors run once (or a fixed number of times) or once per element of C; other
collections keep a fixed size. Everything else of the language is in the fragment:
bools, enums, ranges, sets of enums, elements and `none`, fields, locals, pcs,
`forall`/`exists` over C (kept as quantifiers), over finite types (expanded) and over
ranges that scale, definitions, `await`, `pick`, `either`, `if`, stores checked against
their types. Refused, with `unknown: not parametric because <reason>`: no parameter
sizes a collection; a collection's size fixed by a number; a parameter that sizes two
collections, or a collection whose size is not exactly the parameter; an actor with one
instance per number (`actor w[workers]`) that scales; lowering that unrolls per element
(a tuple that grows with N); an integer that changes with N outside the places above;
`pick` or a quantifier over a set type. Sizes below `min_size` (1, or 2 when the
model at size 1 does not follow the shape) are not covered.
"""
