"""The DSL front end's syntax half: `parse` (text -> AST) and `print_spec` (AST -> text)."""

from mbind_formal.dsl.parser import parse
from mbind_formal.dsl.printer import print_spec

__all__ = ("parse", "print_spec")
