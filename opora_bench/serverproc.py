"""A real ``opora serve`` in a child process, for the load benchmarks and the fault tests.

The server runs exactly as an operator starts it (``python -m api.cli serve``), with its own
interpreter, its background jobs and, on PostgreSQL, ``--workers N`` processes; its output
goes to a log file that the caller reads for tracebacks afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``with ServerProcess(url, log) as server: httpx.get(server.base_url + …)``."""

    def __init__(self, database_url: str, log_path: Path, *, workers: int = 1,
                 env: Mapping[str, str] | None = None, port: int | None = None) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.workers = workers
        self.port = port or free_port()
        self.env = {**os.environ, **(env or {}), "OPORA_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> ServerProcess:
        command = [sys.executable, "-m", "api.cli", "--database-url", self.database_url, "serve",
                   "--port", str(self.port), "--workers", str(self.workers)]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                        start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base_url + "/api/v1/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout} s:\n{self.log()[-2000:]}")

    def worker_pids(self) -> list[int]:
        """The worker processes of a multi-process server (the children of the supervisor)."""
        assert self.process is not None
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    command = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid and b"resource_tracker" not in command:
                    children.append(int(entry.name))
        return sorted(children)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the serving processes have used so far: the server itself, or its workers."""
        assert self.process is not None
        total = 0
        for pid in (self.worker_pids() if self.workers > 1 else [self.process.pid]):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self, timeout: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def tracebacks(self) -> list[str]:
        """Each traceback in the log with the line that names the error."""
        lines = self.log().splitlines()
        found = []
        for index, line in enumerate(lines):
            if line.startswith("Traceback"):
                end = index + 1
                while end < len(lines) and (lines[end].startswith(" ") or lines[end].startswith("Traceback")):
                    end += 1
                found.append("\n".join(lines[index:end + 1])[-1500:])
        return found

    def __enter__(self) -> ServerProcess:
        return self.start() if self.process is None else self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
