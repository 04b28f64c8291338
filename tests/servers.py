"""Servers the tests start: uvicorn exactly as `make serve` starts it, in its own process,
logging to var/server-<port>.log (the load tests check it for errors afterwards), and the
URL of the test database for such subprocesses. Used by the e2e, load and worker tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ERROR_LINE = re.compile(r"Traceback|ERROR|Exception|Timeout reading|MaxConnections|Internal Server Error")


@dataclass
class Server:
    proc: subprocess.Popen
    base_url: str
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def log_errors(self) -> list[str]:
        return [line for line in self.log.read_text(errors="replace").splitlines() if ERROR_LINE.search(line)]


def subprocess_database_url() -> str:
    """DATABASE_URL of the test database (call after pytest-django has set it up), for a
    server or worker subprocess that must see the rows a transactional test commits."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (f"postgres://{db.get('USER') or 'postgres'}{password}@{db.get('HOST') or '127.0.0.1'}:"
            f"{db.get('PORT') or 5432}/{db['NAME']}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(*, database_url: str | None = None, env_extra: dict[str, str] | None = None) -> Server:
    """Start the server on this process's settings (DATABASE_URL, REDIS_URL,
    CHANNELS_PREFIX), or on `database_url` (the test database); `env_extra` on top."""
    port = free_port()
    env = dict(os.environ)
    if database_url:
        env["DATABASE_URL"] = database_url
        env.pop("TEST_DATABASE_NAME", None)
    env.update({"DEBUG": "1", "ALLOWED_HOSTS": "127.0.0.1,localhost", "SITE_URL": f"http://127.0.0.1:{port}",
                **(env_extra or {})})
    (ROOT / "var").mkdir(exist_ok=True)
    log = ROOT / "var" / f"server-{port}.log"
    uvicorn = Path(sys.executable).parent / "uvicorn"
    proc = subprocess.Popen(
        [str(uvicorn), "config.asgi:application", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
         "--ws-per-message-deflate", "false", "--ws-max-size", "65536"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return Server(proc, base, log)
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    Server(proc, base, log).stop()
    raise RuntimeError(f"the server did not start; see {log}")


def start_worker(*, database_url: str, name: str, env_extra: dict[str, str] | None = None) -> Server:
    """A real Celery worker (solo pool) on this process's REDIS_URL and `database_url`,
    logging to var/celery-<name>.log; `Server.stop()` stops it (its base_url is empty)."""
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "CELERY_TASK_ALWAYS_EAGER": "0", "CONN_MAX_AGE": "0",
                **(env_extra or {})})
    env.pop("TEST_DATABASE_NAME", None)
    (ROOT / "var").mkdir(exist_ok=True)
    log = ROOT / "var" / f"celery-{name}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
         "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    return Server(proc, "", log)
