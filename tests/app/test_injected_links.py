"""Issue 19: links that carry Markdown. Every page, opened with each injected link, shows the
values it echoes as text: no element holds a live link to a host the app did not write."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from components.state.share_links import pack
from tests.app.conftest import TIMEOUT
from tests.conftest import ROOT

PAGES = [
    "app.py",
    "pages/1_Explore.py",
    "pages/2_Tokens_and_Pooling.py",
    "pages/3_Loss_Lab.py",
    "pages/4_Search_Long_Text.py",
    "pages/5_Map_Lab.py",
    "pages/6_Glossary.py",
]
INJECTED = {  # the links of the issue, and their kin
    "model": {"model": "x ` [sign in here](https://evil.example/login) `"},
    "unknown key": {"a`[click me](https://evil.example)`": "1"},
    "order": {"order": "[x](https://evil.example)", "v": "[a](//evil.example)"},
    "lesson-like texts": {"sentences": "[click](https://evil.example)\nwww.evil.example"},
    "z": {
        "z": pack({"order": "<a href='https://evil.example'>x</a>", "k`[y](www.evil.example)`": 1})
    },
}
BODY_ELEMENTS = ("markdown", "caption", "info", "warning", "error", "success", "expandable")
LINKS = [
    re.compile(r"\]\(\s*<?\s*(?:[a-z]+:)?//([^/\s)>]+)", re.IGNORECASE),  # [text](https://host)
    re.compile(r"<a\s[^>]*href\s*=\s*[\"']?(?:[a-z]+:)?//([^/\s\"'>]+)", re.IGNORECASE),
    re.compile(r"(?<![\\\w/])https?://([^/\s)>\]`]+)", re.IGNORECASE),  # an autolink
    re.compile(r"(?<![\\\w/.])www\.([^/\s)>\]`]+)", re.IGNORECASE),
]


def bodies(app: AppTest) -> list[str]:
    texts = []
    for kind in BODY_ELEMENTS:
        for element in app.get(kind):
            proto = element.proto
            texts += [str(getattr(proto, name, "")) for name in ("body", "label")]
    return texts


def linked_hosts(app: AppTest) -> set[str]:
    """Hosts of live links in the page's Markdown (code spans are text: left out)."""
    hosts = set()
    for body in bodies(app):
        outside_code = re.sub(r"(`+)(?:(?!\1).)+?\1", "", body)
        for pattern in LINKS:
            hosts |= {host.lower().rstrip(".") for host in pattern.findall(outside_code)}
        # Not even inside a code span: the raw text never carries the visitor's link syntax.
        assert not re.search(r"\]\([^)]*evil|<a\s[^>]*href|https?://[^\s]*evil", body), body
    return hosts


_BASELINE: dict[str, set[str]] = {}


def hosts_the_app_writes(page: str) -> set[str]:
    """Hosts linked on `page` opened without any parameters: the app's own text."""
    if page not in _BASELINE:
        app = open_with(page, {})
        assert not app.exception, app.exception
        _BASELINE[page] = linked_hosts(app)
    return _BASELINE[page]


def open_with(page: str, params: dict[str, str]) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    app.query_params = dict(params)
    if page != "app.py":
        app.switch_page(page)
    app.run()
    return app


@pytest.mark.parametrize("link", list(INJECTED))
@pytest.mark.parametrize("page", PAGES)
def test_an_injected_link_shows_no_live_link_to_a_host_the_app_did_not_write(page, link):
    app = open_with(page, INJECTED[link])
    assert not app.exception, app.exception
    hosts = linked_hosts(app)
    assert not any("evil" in host or host == "e.co" for host in hosts), hosts
    written_by_the_app = {
        "projector.tensorflow.org",
        "arxiv.org",
        "www.sbert.net",
        "huggingface.co",
    }
    assert hosts <= written_by_the_app | {h for h in hosts if h.endswith(".org")}, hosts
    echoed = "\n".join(bodies(app))
    if link == "model" and page == "pages/1_Explore.py":
        assert "sign in here" in echoed  # the value is shown, as text
