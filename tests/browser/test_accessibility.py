"""axe-core on every page, as a reviewer and as an admin: no serious or critical violation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

IMPACTS = {"serious", "critical"}


@pytest.fixture
def site(seed, live_server):
    """A project with work in it: reviews, submitted documents, gold."""
    for name in ("alice", "bob"):
        seed.user(name)
    seed.user("root", role="admin")
    seed.project("news", blind=False)
    spans = [{"paragraph": 0, "start": 0, "end": 9, "label": "attribution",
              "attributes": {"source_type": "official"}},
             {"paragraph": 1, "start": 4, "end": 11, "label": "framing"}]
    doc = seed.document(["Officials said the troops left the country.",
                         "The hasty withdrawal led to a counteroffensive."],
                        title="Troops leave", source="RT", reviews=[
                            {"reviewer": "alice", "status": "submitted", "annotations": spans,
                             "answers": {"primary_frame": "political", "tone": "negative"}},
                            {"reviewer": "bob", "status": "submitted",
                             "annotations": spans[:1], "answers": {"primary_frame": "economic"}}],
                        gold=[{**spans[0], "provenance": "majority"}])
    return {"doc": doc, "url": live_server.url}


def _audit(page, url: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.goto(url)
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in IMPACTS:
            nodes = "; ".join(" ".join(n["target"]) for n in violation["nodes"][:3])
            found.append(f"{url}: {violation['id']} ({violation['impact']}): "
                         f"{violation['help']} at {nodes}")
    return found


def test_every_page_as_a_reviewer(page, login, site):
    base, doc = site["url"], site["doc"]
    found = _audit(page, f"{base}/login")
    login(page, "alice")
    for path in ("/", "/projects/news", f"/documents/{doc}", f"/documents/{doc}/annotate",
                 "/projects/news/agreement", f"/documents/{doc}/compare?only=all",
                 "/projects/news/export", "/account/", "/logout", "/projects/news/next",
                 "/projects/news/ledger?ci=1&spans=alice", f"/documents/{doc}/ledger"):
        found += _audit(page, base + path)
    assert not found, "\n".join(found)


def test_every_page_as_an_admin(page, login, site):
    base, doc = site["url"], site["doc"]
    login(page, "root")
    paths = ["/", "/projects/news", f"/documents/{doc}", f"/documents/{doc}/annotate",
             "/projects/news/agreement?ci=1", f"/documents/{doc}/compare?only=all",
             f"/documents/{doc}/adjudicate", "/projects/news/adjudication",
             "/projects/news/export", "/projects/news/team",
             "/admin/", "/admin/users", "/admin/projects/news/settings",
             "/admin/projects/news/import", "/admin/projects/new", "/account/",
             "/projects/news/ledger?by=month", f"/documents/{doc}/ledger?spans=alice",
             "/projects/news/ledger/aliases"]
    found = []
    for path in paths:
        found += _audit(page, base + path)
    assert not found, "\n".join(found)
