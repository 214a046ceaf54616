"""The backend serves the built web app: pages as HTML shown inline, assets with their types."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from pbxflow.api import create_app


@pytest.fixture
def site(runtime, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>pbxflow</title>")
    (tmp_path / "assets" / "app-1.js").write_text("console.log(1)")
    (tmp_path / "assets" / "app-1.css").write_text("body{}")
    (tmp_path.parent / "secret.txt").write_text("nope")
    with TestClient(create_app(runtime, static_dir=tmp_path)) as tc:
        yield tc


@pytest.mark.parametrize("path", ["/", "/index.html", "/tenants/abc/schemes/def", "/routing"])
def test_pages_are_html_shown_in_the_browser(site, path):
    r = site.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "attachment" not in r.headers.get("content-disposition", "")
    assert "<title>pbxflow</title>" in r.text


@pytest.mark.parametrize("path, media", [("/assets/app-1.js", "javascript"), ("/assets/app-1.css", "text/css")])
def test_assets_have_their_media_type(site, path, media):
    r = site.get(path)
    assert r.status_code == 200 and media in r.headers["content-type"]
    assert "attachment" not in r.headers.get("content-disposition", "")


def test_nothing_outside_the_app_and_no_html_for_api_paths(site):
    r = site.get("/../secret.txt")
    assert "nope" not in r.text
    r = site.get("/api/no-such-route")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
