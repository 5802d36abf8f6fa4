"""The ledger's pages: a document's (rows linking to the mentions in the text), a project's
(charts, tables, downloads, filters), a codebook that lacks what the ledger needs."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.test_ledger import PARAGRAPHS
from tests.test_ledger_api import news  # noqa: F401 (a fixture)
from tests.test_security import login


@pytest.fixture
def admin(client, make_user):
    make_user("root", role="admin")
    login(client, "root")
    return client


def test_the_document_page_links_each_row_to_its_mentions(admin, news):  # noqa: F811
    first = news[0]
    html = admin.get(f"/documents/{first}/ledger?spans=alice").get_data(as_text=True)
    assert "Who speaks in this article" in html
    # every row's mention links point at an anchor in the text
    links = [part.split('"')[0] for part in html.split('href="#m')[1:]]
    assert len(links) == 4  # alice's four mentions
    for link in links:
        assert f'id="m{link}"' in html
    assert "Konstantin Blokhin" in html and "<mark class=\"mention\"" in html
    gold = admin.get(f"/documents/{first}/ledger").get_data(as_text=True)
    assert "From the gold spans" in gold


def test_the_project_page_draws_its_charts_and_tables(admin, news):  # noqa: F811
    html = admin.get("/projects/news/ledger?spans=alice&ci=1").get_data(as_text=True)
    for chart in ("types", "shares", "months", "diversity", "top"):
        assert f'data-chart="{chart}"><svg' in html, chart
    assert 'data-table="flagged"' in html and "a single source" in html
    assert 'data-reliability="sources"' in html
    by_month = admin.get("/projects/news/ledger?spans=alice&by=month").get_data(as_text=True)
    assert 'data-group="2021-07"' in by_month and 'data-group="2021-08"' in by_month
    filtered = admin.get("/projects/news/ledger?spans=alice&filtered=1&title=Two") \
        .get_data(as_text=True)
    assert "1 document\n" in filtered
    empty = admin.get("/projects/news/ledger?spans=gold&filtered=1&source=TASS")
    assert "No documents to count yet" in empty.get_data(as_text=True)


def test_the_downloads(admin, news):  # noqa: F811
    documents = admin.get("/projects/news/ledger-documents.csv?spans=alice")
    rows = list(csv.DictReader(io.StringIO(documents.get_data(as_text=True))))
    assert [r["title"] for r in rows] == ["One", "Two"]
    assert rows[0]["sources"] == "3" and rows[1]["flags"] == "single_source"
    assert "attachment" in documents.headers["Content-Disposition"]
    sources = json.loads(admin.get("/projects/news/ledger-sources.json?spans=alice").data)
    assert sources[0]["key"] == "iraqi prime minister mustafa al-kazimi"
    assert admin.get("/projects/news/ledger-other.csv").status_code == 404


def test_a_reviewer_of_a_blind_project_sees_only_their_own(client, make_user, make_project,
                                                          make_document):
    make_project("blind")
    make_document("blind", PARAGRAPHS)
    make_user("bob")
    login(client, "bob")
    assert client.get("/projects/blind/ledger").status_code == 200
    assert client.get("/projects/blind/ledger?spans=alice").status_code in (403, 404)


def test_a_codebook_without_sources_says_what_is_missing(admin, make_project, make_document):
    make_project("plain", codebook={"labels": [{"key": "framing", "name": "Framing"}]})
    doc = make_document("plain", PARAGRAPHS)
    html = admin.get("/projects/plain/ledger").get_data(as_text=True)
    assert "data-ledger-missing" in html and "attribution" in html
    assert "<svg" not in html
    assert "data-ledger-missing" in admin.get(f"/documents/{doc}/ledger").get_data(as_text=True)


def test_the_project_page_links_to_the_ledger(admin, news):  # noqa: F811
    html = admin.get("/projects/news").get_data(as_text=True)
    assert 'href="/projects/news/ledger"' in html
    assert f'href="/documents/{news[0]}/ledger"' in html


@pytest.mark.both_engines
def test_the_documents_table_carries_the_answers(engine_name, app, admin, news):  # noqa: F811
    """Where the codebook asks article-level questions, the per-document table has a column per
    question: the reviewer's answers for their ledger, gold's for gold; a change shows at once
    (the cache's fingerprint covers the answers)."""
    from annotator.accounts import find_user
    from annotator.answers import set_gold_answer
    from annotator.extensions import db
    from annotator.models import Document, DocumentReview

    first, second, _ = news
    with app.app_context():
        alice = find_user("alice")
        for doc, answers in ((first, {"primary_frame": "political", "tone": "negative"}),
                             (second, {"primary_frame": "economic"})):
            review = db.session.scalar(db.select(DocumentReview).where(
                DocumentReview.document_id == doc, DocumentReview.reviewer_id == alice.id))
            review.answers = answers
        db.session.commit()
        set_gold_answer(db.session.get(Document, first), find_user("root"), "tone", "neutral")

    def table(spans):
        body = admin.get(f"/projects/news/ledger-documents.csv?spans={spans}")
        return list(csv.DictReader(io.StringIO(body.get_data(as_text=True))))

    rows = table("alice")
    assert [(r["title"], r["answer_primary_frame"], r["answer_tone"]) for r in rows] == [
        ("One", "political", "negative"), ("Two", "economic", "")]
    gold = table("gold")
    assert [(r["title"], r["answer_primary_frame"], r["answer_tone"]) for r in gold] == [
        ("One", "", "neutral")]
    document_rows = json.loads(admin.get("/projects/news/ledger-documents.json?spans=alice")
                               .data)
    assert document_rows[0]["answers"] == {"primary_frame": "political", "tone": "negative"}
    with app.app_context():
        set_gold_answer(db.session.get(Document, first), find_user("root"), "tone", "positive")
    assert table("gold")[0]["answer_tone"] == "positive"
