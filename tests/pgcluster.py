"""A private PostgreSQL server for the tests that restart it (the shared one serves other tests at the time).

``initdb`` and ``pg_ctl`` of the installed PostgreSQL run as the ``postgres`` system user (they refuse
root); the cluster lives in a temporary directory and listens on a free port of 127.0.0.1.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def unavailable() -> str | None:
    """Why a private cluster cannot be started here, or None."""
    if binaries() is None:
        return "the PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres system user to run initdb as"
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "postgres":
        return "starting a private PostgreSQL needs root (to run as postgres) or the postgres user"
    return None


@dataclass
class Cluster:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        _as_postgres([str(binaries() / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-t", "60",  # type: ignore[operator]
                      "-l", str(self.folder / "server.log"), *args])

    def start(self) -> None:
        self.pg_ctl("-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def restart(self, down: float = 2.0) -> None:
        """Stop the server (connections in use are cut), keep it down for ``down`` seconds, start it again."""
        self.pg_ctl("-m", "fast", "stop")
        time.sleep(down)
        self.start()

    def stop(self) -> None:
        self.pg_ctl("-m", "immediate", "stop")


def _as_postgres(command: list[str]) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(prefix + command, check=True, capture_output=True, timeout=120)


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="opora-pg-"))
    os.chmod(folder, 0o777)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    cluster = Cluster(folder, port)
    _as_postgres([str(binaries() / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres",  # type: ignore[operator]
                  "--no-sync"])
    cluster.start()
    try:
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
