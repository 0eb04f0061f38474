"""A throwaway PostgreSQL server for the shared-study tests, on a Unix socket only.

Debian-style machines carry the server programs (``/usr/lib/postgresql/N/bin``) even where no
server runs; the tests start their own in a temporary folder and stop it after. Where the
programs or the ``psycopg`` driver (``biodl[postgres]``) are missing, the tests that need it skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_programs() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or ``None`` (also as root without a
    ``postgres`` user to run them as, or without ``runuser``)."""
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None
        if shutil.which("runuser") is None:
            return None
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


@contextmanager
def postgres_url(port: int = 54329) -> Iterator[str]:
    """Start a server, create database ``biodl``, yield its SQLAlchemy URL, stop the server.

    The server refuses to run as root, so as root its programs run as the ``postgres`` user.
    """
    bin_dir = server_programs()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL server programs (initdb, pg_ctl)")
    as_user: list[str] = []
    root = tempfile.mkdtemp(prefix="biodl-pg-")  # short: a socket path has ~100 characters
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    data, sock = Path(root) / "data", Path(root)

    def run(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stderr.strip() or done.stdout}")

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
            "--no-sync")  # fmt: skip
        options = f"-k {sock} -p {port} -c listen_addresses='' -c fsync=off"
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w",
            "-l", str(Path(root) / "server.log"), "start")  # fmt: skip
        try:
            run(str(bin_dir / "createdb"), "-h", str(sock), "-p", str(port), "-U", "postgres",
                "biodl")  # fmt: skip
            yield f"postgresql://postgres@/biodl?host={sock}&port={port}"
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
