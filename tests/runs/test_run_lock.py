"""One writer per run folder: a second process given the same --out is refused, naming the
first; a killed writer leaves no lock behind."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from biodl.errors import ConfigError
from biodl.run_lock import RunLock, is_locked, lock_path


def test_a_second_lock_on_the_same_folder_is_refused_naming_the_holder(tmp_path):
    out = tmp_path / "run"
    with RunLock(out):
        assert is_locked(out) and lock_path(out).is_file()
        with pytest.raises(ConfigError, match=rf"process {os.getpid()} on .*, started 20"):
            RunLock(out).acquire()
        with RunLock(tmp_path / "other"):  # another folder is another lock
            pass
    assert not is_locked(out) and not lock_path(out).exists()
    with RunLock(out):  # free again
        pass


def wait_for(condition, seconds: float = 120.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_two_processes_with_the_same_out(tmp_path, motif_fasta, cli):
    out = tmp_path / "run"
    first = cli.start("train", motif_fasta, "--out", out, "--epochs", "5000", *cli.tiny, "-q")
    try:
        assert wait_for(lambda: is_locked(out) or first.poll() is not None)
        assert first.poll() is None, first.communicate()[1]
        second = cli.run("train", motif_fasta, "--out", out, "--epochs", "1", *cli.tiny, "-q")
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert "another biodl run is writing this folder" in lines[0]
        assert f"process {first.pid} on {socket.gethostname()}" in lines[0]
        assert "started 20" in lines[0]
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    # the operating system released the killed writer's lock: nothing stale remains
    assert not is_locked(out)
    with RunLock(out):
        pass
