"""The downloads page in Chromium: the Download button follows the ticked format at once,
with each format's own file name, and the file it downloads is that format."""

from __future__ import annotations

import json
import zipfile

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

EXPECTED = {"jsonl": "news.jsonl", "doccano": "news-doccano.jsonl", "csv": "news.csv",
            "conll": "news.conll", "brat": "news-brat.zip"}


@pytest.fixture
def export_page(page, live_server, login, seed):
    seed.user("root", role="admin")
    seed.user("alice")
    seed.document(["Officials said the troops left."], reviews=[
        {"reviewer": "alice", "status": "submitted", "annotations": [
            {"paragraph": 0, "start": 0, "end": 9, "label": "attribution"}]}])
    login(page, "root")
    page.goto(f"{live_server.url}/projects/news/export")
    return page


def test_the_download_follows_the_format_at_once(export_page, tmp_path, screenshots):
    page = export_page
    button = page.locator("[data-download]")
    expect(button).to_contain_text("Download jsonl")
    for fmt, name in EXPECTED.items():
        page.locator(f'input[name="format"][value="{fmt}"]').check()
        expect(button).to_contain_text(f"Download {fmt}")
        expect(button).to_have_attribute("download", name)
        with page.expect_download() as info:
            button.click()
        download = info.value
        assert download.suggested_filename == name
        path = tmp_path / name
        download.save_as(path)
        data = path.read_bytes()
        if fmt == "brat":
            assert zipfile.is_zipfile(path)
        elif fmt in ("jsonl", "doccano"):
            first = json.loads(data.decode().splitlines()[0])
            assert ("label" in first) == (fmt == "doccano")
        elif fmt == "csv":
            assert data.decode().startswith("document_id,")
        else:
            assert "B-attribution" in data.decode()
    page.locator('input[name="gold_only"]').check()
    expect(button).to_have_attribute("download", "news-brat-gold.zip")
    expect(page.locator("[data-cli]")).to_contain_text("--format brat --gold-only")
    page.screenshot(path=str(screenshots / "export-page.png"), full_page=True)
