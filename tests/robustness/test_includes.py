"""Includes seen through symlinks and includes that are not files (issues 18 and 19).

Before: a spec opened through a symlink from another directory got MBF007 ("leaves the
spec's directory tree") on every include, because the tree was the link's directory
while includes resolved next to the real file; an `include` of a FIFO blocked in
open() forever. After: the tree is the one around the spec's real path, and an
included FIFO, socket or device is a located MBF001. The FIFO test runs the command in
a child process with a kill guard, so the old hang fails the test instead of the run.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from robust_support import SMALL, answers_within, assert_fails, cli, write

USAGE = 2


def test_spec_opened_through_a_symlink_from_elsewhere(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(project, "common.mbf", "enum Extra { E1 }\n")
    real = write(project, "main.mbf", 'include "common.mbf";\n' + SMALL)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "link.mbf").symlink_to(real)
    run = cli("check", elsewhere / "link.mbf")
    assert run.code == 0, run.text
    # the same through a relative link and from the link's own directory
    (elsewhere / "rel.mbf").symlink_to(os.path.relpath(real, elsewhere))
    assert cli("check", elsewhere / "rel.mbf").code == 0


def test_through_a_symlinked_spec_the_tree_is_still_confined(tmp_path: Path) -> None:
    """The real path's tree, not a bigger one: `..` from the real file still leaves it."""
    write(tmp_path, "outside.mbf", "enum Extra { E1 }\n")
    real = write(tmp_path / "project", "main.mbf", 'include "../outside.mbf";\n' + SMALL)
    (tmp_path / "link.mbf").symlink_to(real)  # the link's directory holds outside.mbf
    assert_fails(cli("check", tmp_path / "link.mbf"), USAGE, "MBF007", located=True)


def test_include_of_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.mbf")
    main = write(tmp_path, "main.mbf", 'include "pipe.mbf";\n' + SMALL)
    run = answers_within(60, "check", main)
    r = assert_fails(run, USAGE, "MBF001", located=True)
    assert r.line == 1 and "FIFO" in r.message, run.text


def test_include_of_a_socket_is_refused(tmp_path: Path) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        path = tmp_path / "sock.mbf"
        if len(os.fsencode(path)) > 100:
            pytest.skip("the temporary path is too long for a unix socket")
        s.bind(str(path))
        main = write(tmp_path, "main.mbf", 'include "sock.mbf";\n' + SMALL)
        r = assert_fails(cli("check", main), USAGE, "MBF001", located=True)
    assert "socket" in r.message


def test_include_of_a_device_is_refused(tmp_path: Path) -> None:
    (tmp_path / "zero.mbf").symlink_to("/dev/zero")
    main = write(tmp_path, "main.mbf", 'include "zero.mbf";\n' + SMALL)
    run = cli("check", "--allow-outside-includes", main)
    r = assert_fails(run, USAGE, "MBF001", located=True)
    assert "device" in r.message
