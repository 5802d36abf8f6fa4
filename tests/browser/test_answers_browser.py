"""The article-level questions in Chromium: every type answered on the annotate page, and the
gold answers adjudicated (a reviewer's answer, the proposals, one's own)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from annotator.codebook import default_codebook

pytestmark = pytest.mark.browser

QUESTIONS = [
    {"key": "frame", "name": "Primary frame", "type": "choice",
     "choices": ["economic", "security_defense", "political"], "required": True},
    {"key": "tone", "name": "Tone", "type": "ordinal",
     "choices": ["negative", "neutral", "positive"]},
    {"key": "sources", "name": "Sources quoted", "type": "number"},
    {"key": "present", "name": "Frames present", "type": "multi",
     "choices": ["economic", "morality", "legality"]},
    {"key": "supported", "name": "Headline supported by the body", "type": "boolean"},
    {"key": "comment", "name": "Comment", "type": "text"},
]


def codebook():
    data = json.loads(json.dumps(default_codebook()))
    data["questions"] = QUESTIONS
    return data


def answers_of(live_app, doc, name):
    from annotator.accounts import create_token, find_user

    client = live_app.test_client()
    with live_app.app_context():
        token = create_token(find_user(name))
    response = client.get(f"/api/documents/{doc}/answers",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response.get_json()


def wait_saved(page):
    expect(page.locator("[data-save-status]")).to_have_attribute("data-state", "saved",
                                                                 timeout=15000)


def test_every_question_type_on_the_annotate_page(page, live_server, login, seed, live_app,
                                                  screenshots):
    seed.user("alice")
    seed.project("qs", codebook=codebook())
    doc = seed.document(["The <b>ministry</b> said the plan would cut costs.", "Critics disagree."],
                        slug="qs", title="Plan")
    login(page, "alice", next_path=f"/documents/{doc}/annotate")
    expect(page.locator("#annotate")).to_have_attribute("data-ready", "true")
    panel = page.locator("#questions-panel")
    expect(panel.locator(".q-field")).to_have_count(6)
    page.select_option("#q-frame", "economic")
    panel.locator("#q-tone").get_by_label("3 positive").check()
    page.fill("#q-sources", "2")
    panel.locator("#q-present").get_by_label("morality").check()
    panel.locator("#q-present").get_by_label("legality").check()
    page.select_option("#q-supported", "no")
    page.fill("#q-comment", "Quotes <script>alert(1)</script> one side")
    page.locator("#q-comment").blur()
    expect(page.locator("#questions-count")).to_have_text("6 of 6 answered")
    page.wait_for_timeout(700)  # the typed answers go once the typing pauses
    wait_saved(page)
    assert answers_of(live_app, doc, "alice") == {
        "frame": "economic", "tone": "positive", "sources": 2,
        "present": ["morality", "legality"], "supported": False,
        "comment": "Quotes <script>alert(1)</script> one side"}
    page.screenshot(path=str(screenshots / "annotate-questions-all-types.png"))
    page.reload()
    expect(page.locator("#annotate")).to_have_attribute("data-ready", "true")
    expect(page.locator("#q-comment")).to_have_value("Quotes <script>alert(1)</script> one side")
    expect(page.locator("#q-sources")).to_have_value("2")
    expect(page.locator("#q-supported")).to_have_value("no")
    expect(page.locator("#q-present").get_by_label("morality")).to_be_checked()
    expect(page.locator("#q-tone").get_by_label("3 positive")).to_be_checked()
    # a number that is not one is not sent; clearing takes the answer back
    page.fill("#q-sources", "")
    page.locator("#q-sources").blur()
    page.wait_for_timeout(700)
    wait_saved(page)
    assert "sources" not in answers_of(live_app, doc, "alice")


def test_gold_answers_on_the_adjudication_page(page, context, live_server, login, seed,
                                               live_app, screenshots):
    from annotator.answers import list_gold_answers
    from annotator.extensions import db
    from annotator.models import Document

    seed.user("root", role="admin")
    seed.project("qs", codebook=codebook(), blind=False)
    doc = seed.document(
        ["The ministry said the plan would cut costs.", "Critics disagree."], slug="qs",
        title="Plan", reviews=[
            {"reviewer": "ann", "status": "submitted",
             "answers": {"frame": "economic", "tone": "negative", "sources": 2}},
            {"reviewer": "ben", "status": "submitted",
             "answers": {"frame": "economic", "tone": "positive", "sources": 4}},
            {"reviewer": "cat", "status": "submitted",
             "answers": {"frame": "political", "tone": "neutral", "sources": 3}}])

    def gold():
        with live_app.app_context():
            return {k: (v["value"], v["provenance"]) for k, v in
                    list_gold_answers(db.session.get(Document, doc)).items()}

    login(page, "root", next_path=f"/documents/{doc}/adjudicate")
    panel = page.locator("#gold-answers-panel")
    frame = panel.locator('[data-question="frame"]')
    expect(frame.locator("[data-take]")).to_have_count(4)  # three reviewers and the proposal
    expect(frame).to_contain_text("No gold answer yet.")
    frame.locator('[data-take="cat"]').click()
    expect(frame.locator(".ga-gold")).to_contain_text("Gold: political")
    expect(frame.locator('[data-take="cat"]')).to_have_attribute("aria-pressed", "true")
    expect(frame.locator('[data-take="cat"]')).to_be_focused()
    wait_saved(page)
    assert gold() == {"frame": ("political", "reviewer:cat")}
    # through the page's save queue: kept while the connection is down, sent when it is back
    context.set_offline(True)
    frame.locator('[data-take="ann"]').click()
    expect(frame.locator(".ga-gold")).to_contain_text("Gold: economic")
    expect(page.locator("[data-save-status]")).to_contain_text("offline", timeout=15000)
    assert gold() == {"frame": ("political", "reviewer:cat")}
    context.set_offline(False)
    page.locator("#retry-now").dispatch_event("click")
    wait_saved(page)
    assert gold() == {"frame": ("economic", "reviewer:ann")}
    # the proposals fill what has no gold answer yet: the median tone and count
    page.click("#accept-answer-proposals")
    expect(page.locator("#gold-answers-status")).to_contain_text("3 gold answers stored")
    assert gold() == {"frame": ("economic", "reviewer:ann"), "tone": ("neutral", "median"),
                      "sources": (3, "median")}
    # one's own answer (chosen as a person does: the select has the focus, and keeps it)
    page.focus("#q-frame")
    page.select_option("#q-frame", "security_defense")
    expect(frame.locator(".ga-gold")).to_contain_text("adjudicated by root")
    wait_saved(page)
    assert gold()["frame"] == ("security_defense", "adjudicated:root")
    expect(page.locator("#q-frame")).to_be_focused()
    page.screenshot(path=str(screenshots / "adjudicate-answers.png"))
    # the export carries them
    response = live_app.test_client()
    with live_app.app_context():
        from annotator.accounts import create_token, find_user

        token = create_token(find_user("root"))
    body = response.get("/api/projects/qs/export?format=jsonl",
                        headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)
    line = json.loads(body.splitlines()[0])
    assert line["gold_answers"]["frame"] == {"value": "security_defense",
                                             "provenance": "adjudicated:root"}
    assert re.search(r'"tone": \{"value": "neutral", "provenance": "median"\}', body)
