"""Shared fixture for the tests of the bundled kernel model: spec/mbind.mbf, loaded once."""

from __future__ import annotations

import pytest
from kernel_spec import SPEC

from mbind_formal.lower.spec import LoadResult, load_spec


@pytest.fixture(scope="session")
def loaded() -> LoadResult:
    return load_spec(SPEC, {})
