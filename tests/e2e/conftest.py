"""Browser tests: the real app served on a free port, driven by Debian's headless chromium.

The server is a ``flask run`` subprocess on a fresh SQLite file (migrated as ``flask db upgrade``
does, and the demo street seeded, by another process meanwhile), CSRF on, jobs in-process. Playwright never downloads a browser: it launches
``/usr/bin/chromium``; without it the tests skip loudly (a failure under ``CI=true``). A failing
test leaves full-page screenshots in ``test-artifacts/<test name>.png``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import missing_service

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FLASK = [sys.executable, "-m", "flask"]
STARTUP_SECONDS = 30
DESKTOP = {"width": 1280, "height": 900}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (``item.rep_call``) for the screenshot fixture."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- the live server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS_"))}
    env.update(
        FLASK_APP="wsgi:app",
        FLASK_DEBUG="0",
        APP_ENV="development",
        DATABASE_URL=f"sqlite:///{tmp / 'e2e.db'}",
        INSTANCE_PATH=str(tmp),
        OUTBOX_DIR=str(tmp / "outbox"),
        SECRET_KEY="e2e-secret-key-not-for-production",
        PYTHONUNBUFFERED="1",
        # The journeys check the inbox badge: reminders sent in the background would make it
        # depend on timing.
        SCHEDULER_IN_PROCESS="0",
        # the fixed demo street, which the journeys were written against (and quick to seed)
        DEMO_SCALE="0",
    )
    env.pop("MIGRATION_DATABASE_URL", None)
    return env


def _wait_healthy(base_url: str, proc: subprocess.Popen, log: Path) -> bool:
    """True once this server answers /healthz; False if it could not take the port."""
    deadline = time.monotonic() + STARTUP_SECONDS
    bound, last = False, "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = log.read_text()
            if "Address already in use" in output or "is in use by another program" in output:
                return False
            pytest.fail(f"the e2e server exited with {proc.returncode}:\n{output}")
        # Ask /healthz only once *this* server has bound the port (not some other process on it).
        bound = bound or f"Running on {base_url}" in log.read_text()
        if bound:
            try:
                with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return True
                    last = f"HTTP {response.status}"
            except (urllib.error.URLError, OSError) as exc:
                last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.1)
    pytest.fail(f"{base_url} did not answer within {STARTUP_SECONDS}s ({last}):\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


#: ``flask db upgrade`` then ``flask seed-demo`` (the demo street: slug demo, logins 1390000000x /
#: demo1234, for journeys that need history) in one process, which imports the app once
PREPARE = """
from flask_migrate import upgrade
from wsgi import app
with app.app_context():
    upgrade()
result = app.test_cli_runner().invoke(args=["seed-demo"])
print(result.output)
if result.exception is not None and result.exit_code != 0:
    import traceback
    traceback.print_exception(result.exception)
raise SystemExit(result.exit_code)
"""


def _prepared(prepare: subprocess.Popen, log: Path) -> None:
    """Wait for the migration and the demo street; fail the session if either failed."""
    try:
        prepare.wait(timeout=120)
    except subprocess.TimeoutExpired:
        _stop(prepare)
        pytest.fail(f"migrating and seeding the demo took over 120 s:\n{log.read_text()}")
    if prepare.returncode != 0:
        pytest.fail(f"flask db upgrade + seed-demo failed:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """The app's base URL, e.g. ``http://127.0.0.1:54321``, served until the session ends.

    The server starts while the database is migrated and seeded (it reads no table until asked),
    and no test runs before both are done: the two app imports overlap."""
    tmp = tmp_path_factory.mktemp("e2e")
    env = _server_env(tmp)
    prepare_log = tmp / "prepare.log"
    with prepare_log.open("w") as out:
        prepare = subprocess.Popen(
            [sys.executable, "-c", PREPARE], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        proc, base_url = _serve(tmp, env)
    except BaseException:
        _stop(prepare)
        raise
    try:
        _prepared(prepare, prepare_log)
        yield base_url
    finally:
        _stop(proc)


def _serve(tmp: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    for attempt in range(3):  # a free port can be taken between finding it and binding it
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = tmp / f"server-{attempt}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [*FLASK, "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            started = _wait_healthy(base_url, proc, log)
        except BaseException:
            _stop(proc)
            raise
        if started:
            break
        _stop(proc)
    else:
        pytest.fail("the e2e server found no free port in 3 tries")
    return proc, base_url


# --- the browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        missing_service("CHROMIUM", f"{CHROMIUM} is missing; install Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        missing_service("PLAYWRIGHT", f"{exc}; pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class BrowserLog:
    """What the pages said: console errors, uncaught exceptions, server errors."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", lambda msg: self._console(page, msg))
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))
        page.on(
            "response",
            lambda r: (
                self.server_errors.append(f"{r.request.method} {r.url} → {r.status}")
                if r.status >= 500
                else None
            ),
        )

    def _console(self, page, msg) -> None:
        if msg.type != "error":
            return
        source = msg.location.get("url", "")
        # Chromium asks for /favicon.ico on its own; the app declares none, so that 404 is noise.
        if source.endswith("/favicon.ico"):
            return
        self.console_errors.append(f"{page.url}: {msg.text} ({source})")

    def csp_violations(self) -> list[str]:
        return [m for m in self.console_errors if "Content Security Policy" in m]


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


def _artifact_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "test"


@pytest.fixture
def make_page(request, browser, live_server, browser_log) -> Iterator[Callable]:
    """``make_page("mobile", viewport=…, is_mobile=True)``: a page in a new context (own cookies).

    Every page reports into ``browser_log``; when the test fails each page is saved as a full-page
    screenshot: the first as ``test-artifacts/<test name>.png``, the others with a suffix.
    """
    opened: list[tuple[str, object, object]] = []

    def make(label: str = "desktop", **context_options):
        context_options.setdefault("viewport", DESKTOP)
        context_options.setdefault("locale", "zh-CN")
        context = browser.new_context(base_url=live_server, **context_options)
        context.set_default_timeout(10_000)
        page = context.new_page()
        browser_log.attach(page)
        opened.append((label, context, page))
        return page

    yield make

    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
    base = _artifact_name(request.node.name)
    for index, (label, context, page) in enumerate(opened):
        if failed:
            name = base if index == 0 else f"{base}-{index + 1}-{_artifact_name(label)}"
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"could not screenshot {label}: {exc}", file=sys.stderr)
        context.close()


@pytest.fixture
def page(make_page):
    """A desktop page (1280×900) on the live server."""
    return make_page("desktop")
