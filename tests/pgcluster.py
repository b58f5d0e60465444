"""A throwaway PostgreSQL cluster for the tests: initialised in a temporary directory, started
on a free port with its Unix socket in that directory, stopped and removed at the end.

Debian's ``postgresql`` package puts the binaries under /usr/lib/postgresql/<version>/bin
($REKOGNITION_MOCK_PG_BIN overrides). As root, the cluster is made and run as the
``postgres`` user (initdb refuses root). :func:`unavailable` says why no cluster can be
started (the tests skip with that reason, or fail under CI=true or
REKOGNITION_MOCK_REQUIRE_POSTGRES=1, where they must run).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def bin_dir() -> Path | None:
    """The directory holding initdb and pg_ctl, or None."""
    chosen = os.environ.get("REKOGNITION_MOCK_PG_BIN")
    candidates = [chosen] if chosen else sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    on_path = shutil.which("initdb")
    if not chosen and on_path:
        candidates.append(str(Path(on_path).parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _version(path: str) -> int:
    try:
        return int(Path(path).parent.name.split(".")[0])
    except ValueError:
        return 0


def required() -> bool:
    """True where the PostgreSQL tests must run (CI): missing PostgreSQL is a failure there."""
    return os.environ.get("CI") == "true" or os.environ.get("REKOGNITION_MOCK_REQUIRE_POSTGRES") == "1"


def unavailable() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None."""
    if bin_dir() is None:
        return "no PostgreSQL binaries (apt-get install postgresql, or set REKOGNITION_MOCK_PG_BIN)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'rekognition-mock[postgres]')"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the cluster as"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """One running cluster; :meth:`new_database` gives each test an empty database's URL."""

    def __init__(self) -> None:
        folder = bin_dir()
        assert folder is not None
        self.bin = folder
        self.root = Path(tempfile.mkdtemp(prefix="rekognition-mock-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self._names = itertools.count(1)
        try:
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
            options = f"-p {self.port} -k {self.root} -c listen_addresses='' -c fsync=off -c max_connections=200"
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "start")
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self._as, str(self.bin / program), *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = (self.root / "log").read_text(errors="replace")[-2000:] if (self.root / "log").exists() else ""
            raise RuntimeError(f"{program} failed: {done.stderr.strip() or done.stdout.strip()} {log}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.root}&port={self.port}"

    def new_database(self) -> str:
        import psycopg

        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
