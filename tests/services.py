"""Redis and nginx for the lecture-hall tests and benchmarks: each started by the test itself,
on a free port, in a temporary directory (never a system service).

``RedisServer(workdir)``            ``redis-server`` without persistence; ``.url``, ``.stop()``, ``.start()``
``Nginx(workdir, port, backends)``  nginx in front of viewer processes, configured from
                                    :func:`viewer.serve.deploy.nginx_site` (the config of docs/deploy.md)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from viewer.serve.deploy import nginx_site, nginx_standalone

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def stop_process(proc: subprocess.Popen) -> None:
    """Ask a process to stop (SIGTERM), and kill it if it has not within 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 10.0, up: bool = True) -> None:
    """Wait until something listens on ``port`` (or, with ``up=False``, until nothing does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not {'open' if up else 'close'} within {timeout:g} s")


def available(program: str) -> bool:
    return os.access(program, os.X_OK)


def require(program: str, package: str) -> None:
    """Skip the test without ``program``; fail it where the suite must run whole
    (``HIP_VIEWER_REQUIRE_BROWSER=1``, set by ``./setup.sh test``, which installs it)."""
    import pytest

    from tests.conftest import browser_required

    if available(program):
        return
    reason = f"{package} is not installed (apt-get install {package})"
    if browser_required():
        pytest.fail(f"{reason}; HIP_VIEWER_REQUIRE_BROWSER is set, so this is a failure")
    pytest.skip(reason)


class RedisServer:
    """``redis-server`` on a free port with no persistence (a restart loses every key)."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--daemonize", "no",
             "--logfile", str(self.workdir / "redis.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        wait_port(self.port)

    def stop(self) -> None:
        """Kill it outright (a crash, not a shutdown) and wait until the port is free."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        wait_port(self.port, up=False)


class Nginx:
    """nginx on ``port`` in front of ``backends`` (``host:port`` strings), in ``workdir``."""

    def __init__(self, workdir: Path, port: int, backends: list[str]):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        site = nginx_site(backends, listen=f"127.0.0.1:{port}", server_name="127.0.0.1")
        self.config = self.workdir / "nginx.conf"
        self.config.write_text(nginx_standalone(site, self.workdir))
        self.proc = subprocess.Popen(
            [NGINX, "-c", str(self.config), "-p", str(self.workdir), "-e", str(self.workdir / "error.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        try:
            wait_port(port)
        except RuntimeError:
            self.stop()
            raise RuntimeError("nginx did not start:\n" + self.error_log())

    def error_log(self) -> str:
        path = self.workdir / "error.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        stop_process(self.proc)
