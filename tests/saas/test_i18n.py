"""English translation: the catalog covers every source string, and the language switch works.

The source strings are Simplified Chinese (the default language); English comes from
``saas/translations/en/LC_MESSAGES/messages.po``. The catalog test extracts the strings afresh, with
the same command as the README's workflow, so a string added to a template without a translation
fails here rather than showing up in Chinese on an English page.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "saas" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: a %-placeholder: named (``%(name)s``), positional (``%d``) or the literal ``%%``
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def pybabel(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )


@pytest.fixture(scope="session", autouse=True)
def compiled_catalog() -> Path:
    """The .mo is not in git: compile it when missing or older than the .po (``make`` does too)."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        pybabel("compile", "-d", str(TRANSLATIONS))
    return MO


@pytest.fixture(scope="session")
def extracted(tmp_path_factory):
    """The template extracted from the source right now."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), ".")
    with pot.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="session")
def catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="en")


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


# --- the catalog -------------------------------------------------------------------------------


def test_extraction_finds_the_source_strings(extracted):
    ids = {m.id for m in extracted if m.id}
    assert len(ids) > 100
    assert "开通街道" in ids  # a template string
    assert "手机号格式不正确" in ids  # a lazy_gettext string in a form


def test_every_extracted_string_has_an_english_translation(extracted, catalog):
    problems = []
    for source in extracted:
        if not source.id:
            continue
        shown = _ids(source)[0]
        entry = catalog.get(source.id, source.context)
        if entry is None:
            problems.append(f"missing (run pybabel update): {shown!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {shown!r}")
        for text in _strings(entry):
            if not text.strip():
                problems.append(f"empty: {shown!r}")
            elif CJK.search(text):
                problems.append(f"not English: {shown!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_placeholders_match(catalog):
    problems = []
    for entry in catalog:
        if not entry.id:
            continue
        wanted = Counter(PLACEHOLDER.findall(_ids(entry)[-1]))
        for text in _strings(entry):
            if text and Counter(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"{_ids(entry)[0]!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_catalog_is_not_marked_fuzzy(catalog):
    assert not catalog.fuzzy
    assert not [m.id for m in catalog if m.id and m.fuzzy]


# --- the language switch -------------------------------------------------------------------------


def _h1(response) -> str:
    match = H1.search(response.get_data(as_text=True))
    assert match, "the page has no <h1>"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_default_language_is_chinese(client):
    response = client.get("/signup")
    assert response.status_code == 200
    assert _h1(response) == "开通街道"
    assert '<html lang="zh-CN">' in response.get_data(as_text=True)


def test_switch_to_english_and_back(client):
    response = client.get("/lang/en?next=/signup")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/signup"

    page = client.get("/signup")
    html = page.get_data(as_text=True)
    heading = _h1(page)
    assert heading == "Sign up your street"
    assert not CJK.search(heading)
    assert '<html lang="en">' in html
    assert "Street office name" in html  # a lazy_gettext form label
    assert "Lianjiantong" in html

    response = client.get("/lang/zh_Hans_CN?next=/signup")
    assert response.status_code == 302
    page = client.get("/signup")
    assert _h1(page) == "开通街道"
    assert '<html lang="zh-CN">' in page.get_data(as_text=True)


def test_english_messages_from_python_code(client):
    """Form labels (lazy_gettext) and service messages (gettext) follow the chosen language too."""
    client.get("/lang/en")
    html = client.post("/signup", data={}).get_data(as_text=True)
    assert "Enter the street office name" in html
    assert "请填写" not in html

    fragment = client.get(
        "/signup/slug", query_string={"slug": "-bad-"}, headers={"HX-Request": "true"}
    )
    text = fragment.get_data(as_text=True)
    assert "The web address may contain only lowercase letters" in text
    assert not CJK.search(text)


def test_unknown_language_is_ignored(client):
    client.get("/lang/en")
    response = client.get("/lang/fr?next=/signup")
    assert response.status_code == 302
    assert _h1(client.get("/signup")) == "Sign up your street"


# --- the redirect after switching stays on this site ---------------------------------------------


def _stays_here(location: str) -> bool:
    parts = urlsplit(location)
    return parts.scheme in ("", "http") and parts.netloc in ("", "localhost")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/signup",
        "https://evil.example",
        "http://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_switch_does_not_redirect_off_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert _stays_here(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example"])
def test_switch_does_not_redirect_off_site_with_control_characters(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert _stays_here(response.headers["Location"]), response.headers["Location"]


def test_switch_keeps_a_local_next_with_its_query(client):
    response = client.get("/lang/en", query_string={"next": "/signup?x=1"})
    location = urlsplit(response.headers["Location"])
    assert (location.path, location.query) == ("/signup", "x=1")
