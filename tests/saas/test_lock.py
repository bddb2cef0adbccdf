"""The lock: the exact Python packages every machine installs, and its agreement with pyproject.toml.

``requirements.txt`` (the app) and ``requirements-test.txt`` (the app and the ``test`` extras) are
written by ``make lock`` from pyproject.toml's ranges; ``make run``, ``make test``, CI and the
Dockerfile install them with ``pip install --require-hashes``. A dependency added to pyproject.toml
without ``make lock``, or a range moved past the pinned version, fails here, with the package named,
instead of on a fresh machine at install time or, worse, by installing something untested.
No network: only the files are read.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
APP_LOCK = ROOT / "requirements.txt"
TEST_LOCK = ROOT / "requirements-test.txt"

HASH = re.compile(r"\s--hash=sha256:([0-9a-f]{64})\b")
#: what the lock's tooling and the test runners are; none of it belongs in the app's lock
NOT_IN_APP = {"pip-tools", "build", "pytest", "ruff", "playwright"}


def _project() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


def app_dependencies() -> list[str]:
    return _project()["dependencies"]


def app_and_test_dependencies() -> list[str]:
    return _project()["dependencies"] + _project()["optional-dependencies"]["test"]


def read_lock(text: str) -> tuple[dict[str, tuple[Requirement, list[str]]], list[str]]:
    """The lock's entries by canonical name (requirement, sha256 hashes), and its faulty lines."""
    entries: dict[str, tuple[Requirement, list[str]]] = {}
    faults: list[str] = []
    for line in text.replace("\\\n", " ").splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        hashes = HASH.findall(" " + line)
        spec = HASH.sub("", " " + line).strip()
        if spec.startswith("-"):
            # -e, -r, --index-url…: an install from a path or elsewhere that no hash covers
            faults.append(f"an option line in the lock: {spec}")
            continue
        try:
            req = Requirement(spec)
        except InvalidRequirement:
            faults.append(f"not a requirement: {spec}")
            continue
        entries[canonicalize_name(req.name)] = (req, hashes)
    return entries, faults


def pinned_version(req: Requirement) -> Version | None:
    """The version an entry pins with a single exact ``==``, else None."""
    specs = list(req.specifier)
    if req.url or len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
        return None
    return Version(specs[0].version)


def lock_problems(dependencies: list[str], lock_text: str) -> list[str]:
    """Where a lock fails pyproject's dependencies: each problem as one sentence naming the package."""
    entries, problems = read_lock(lock_text)
    for name, (req, hashes) in sorted(entries.items()):
        if pinned_version(req) is None:
            problems.append(f"{name} is not pinned with one exact == ({req})")
        if not hashes:
            problems.append(f"{name} has no sha256 hash")
    for dependency in dependencies:
        wanted = Requirement(dependency)
        if wanted.marker is not None and not wanted.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(wanted.name)
        if name not in entries:
            problems.append(f"{name} is in pyproject.toml but not in the lock: run make lock")
            continue
        version = pinned_version(entries[name][0])
        if version is not None and not wanted.specifier.contains(version, prereleases=True):
            problems.append(
                f"{name}=={version} in the lock is outside pyproject.toml's {wanted.specifier}:"
                " run make lock"
            )
    return problems


# --- the committed lock ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lock", "dependencies"),
    [(APP_LOCK, app_dependencies), (TEST_LOCK, app_and_test_dependencies)],
    ids=["app", "app+test"],
)
def test_the_lock_pins_every_dependency_with_a_hash_inside_its_range(lock, dependencies):
    assert lock.exists(), f"{lock.name} is missing: run make lock and commit it"
    problems = lock_problems(dependencies(), lock.read_text(encoding="utf-8"))
    assert not problems, f"{lock.name}:\n" + "\n".join(problems)


def test_the_app_and_test_locks_pin_the_same_versions():
    app, _ = read_lock(APP_LOCK.read_text(encoding="utf-8"))
    test, _ = read_lock(TEST_LOCK.read_text(encoding="utf-8"))
    assert app.keys() <= test.keys()
    differ = {
        name: (str(req), str(test[name][0]))
        for name, (req, _) in app.items()
        if pinned_version(req) != pinned_version(test[name][0])
    }
    assert differ == {}


def test_the_app_lock_holds_no_test_runner_and_no_lock_tooling():
    app, _ = read_lock(APP_LOCK.read_text(encoding="utf-8"))
    assert NOT_IN_APP.isdisjoint(app)


def test_the_lock_was_compiled_with_the_python_of_the_image():
    """pip-compile resolves for the Python it runs on; the image's is the one that must install it."""
    image = re.search(r"^FROM python:(\d+\.\d+)", (ROOT / "Dockerfile").read_text(), re.M)
    assert image is not None
    for lock in (APP_LOCK, TEST_LOCK):
        assert f"autogenerated by pip-compile with Python {image[1]}\n" in lock.read_text(
            encoding="utf-8"
        ), f"{lock.name}: run make lock with Python {image[1]} (PYTHON=python{image[1]})"


# --- what counts as disagreement ---------------------------------------------------------------

GOOD_HASH = " \\\n    --hash=sha256:" + "0" * 64
LOCK = (
    "#\n# header\n#\n"
    f"flask==3.1.3{GOOD_HASH}\n    # via lianjiantong (pyproject.toml)\n"
    f"psycopg==3.3.9{GOOD_HASH}{GOOD_HASH.replace('0', '1')}\n"
)


def test_a_lock_that_matches_pyproject_has_no_problem():
    assert lock_problems(["flask>=3.1,<4", "psycopg[binary]>=3.2,<4"], LOCK) == []


@pytest.mark.parametrize(
    ("dependencies", "lock", "problem"),
    [
        (["flask>=3.1,<4", "pillow>=10"], LOCK, "pillow is in pyproject.toml but not in the lock"),
        (["Flask>=4"], LOCK, "flask==3.1.3 in the lock is outside pyproject.toml's >=4"),
        (["flask"], LOCK.replace("flask==3.1.3", "flask>=3.1.3"), "flask is not pinned"),
        (["flask"], LOCK.replace("flask==3.1.3", "flask==3.1.*"), "flask is not pinned"),
        (["flask"], "flask==3.1.3\n", "flask has no sha256 hash"),
        (["flask"], LOCK + "-e file:///work/app\n", "an option line in the lock"),
    ],
    ids=["missing", "out-of-range", "a-range", "a-wildcard", "no-hash", "editable"],
)
def test_a_lock_that_disagrees_with_pyproject_is_refused(dependencies, lock, problem):
    problems = lock_problems(dependencies, lock)
    assert any(p.startswith(problem) for p in problems), problems


def test_a_dependency_for_another_platform_needs_no_pin():
    assert lock_problems(["flask", 'pywin32>=300; sys_platform == "win32"'], LOCK) == []
