"""Changing the codebook of a project with spans (annotator/codebook_changes.py): what the
spans use, refusals that name the counts, renames that carry the stored spans along, the
contrast rule for new colours."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from annotator.codebook_changes import codebook_usage, removal_refusals
from annotator.colours import colour_problems, contrast, contrast_checks, label_colours
from annotator.errors import Conflict, Invalid
from annotator.extensions import db
from annotator.models import Annotation, GoldRejection, GoldSpan, User
from annotator.projects import update_project
from tests.helpers import project_by_slug

pytestmark = pytest.mark.both_engines

TEXT = "The minister said the plan is a disaster for everyone."


@pytest.fixture
def news(app, make_project, make_document):
    """'news': framing on 3 reviewers' spans and 2 gold spans, attribution on 1 span; a gold
    rejection of framing."""
    make_project("news")
    doc = make_document("news", paragraphs=[TEXT], reviews=[
        {"reviewer": "alice", "status": "submitted", "annotations": [
            {"paragraph": 0, "start": 0, "end": 12, "label": "framing",
             "attributes": {"valence": "negative", "dimension": "political"}},
            {"paragraph": 0, "start": 13, "end": 17, "label": "attribution",
             "attributes": {"source_type": "official", "source": "the minister"}}]},
        {"reviewer": "bob", "status": "submitted", "annotations": [
            {"paragraph": 0, "start": 30, "end": 40, "label": "framing",
             "attributes": {"valence": "negative"}},
            {"paragraph": 0, "start": 0, "end": 3, "label": "framing"}]}],
        gold=[{"paragraph": 0, "start": 30, "end": 40, "label": "framing",
               "attributes": {"valence": "negative"}},
              {"paragraph": 0, "start": 0, "end": 12, "label": "framing"}])
    with app.app_context():
        db.session.add(GoldRejection(document_id=doc, paragraph_index=0, start=4, end=12,
                                     label="framing"))
        db.session.commit()
    return doc


def _codebook():
    return copy.deepcopy(project_by_slug("news").codebook)


def _label(codebook, key):
    return next(label for label in codebook["labels"] if label["key"] == key)


def _attribute(codebook, label, key):
    return next(a for a in _label(codebook, label)["attributes"] if a["key"] == key)


def test_usage_counts_labels_attributes_and_choices(app, news):
    with app.app_context():
        usage = codebook_usage(project_by_slug("news"))
        assert usage["framing"]["spans"] == 3 and usage["framing"]["gold"] == 2
        valence = usage["framing"]["attributes"]["valence"]
        assert (valence["spans"], valence["gold"]) == (2, 1)
        assert valence["values"]["negative"] == {"spans": 2, "gold": 1}
        refusals = removal_refusals(project_by_slug("news"))
        assert refusals["framing"]["message"] == (
            "label 'framing' is used by 5 spans (3 reviewers', 2 gold); it cannot be removed")
        assert refusals["attribution"]["attributes"]["source_type"]["choices"]["official"][
            "message"] == ("the choice \"official\" of attribute 'source_type' (label "
                           "'attribution') is set on 1 span (1 reviewer's); it cannot be removed")
        # Text attributes have no choices to refuse.
        assert refusals["attribution"]["attributes"]["source"]["choices"] == {}
        assert "disclaimer" not in refusals


def test_removing_a_used_label_names_the_counts_and_changes_nothing(app, news):
    with app.app_context():
        codebook = _codebook()
        codebook["labels"] = [label for label in codebook["labels"] if label["key"] != "framing"]
        before = _codebook()
        with pytest.raises(Conflict) as error:
            update_project(project_by_slug("news"), name="Other", codebook=codebook)
        assert "label 'framing' is used by 5 spans (3 reviewers', 2 gold); it cannot be " \
            "removed" in error.value.message
        db.session.rollback()
        project = project_by_slug("news")
        assert project.codebook == before and project.name == "news"


def test_gold_only_use_is_named_as_gold(app, make_project, make_document):
    make_project("news")
    make_document("news", paragraphs=[TEXT],
                  gold=[{"paragraph": 0, "start": 0, "end": 3, "label": "disclaimer"}])
    with app.app_context():
        codebook = _codebook()
        codebook["labels"] = [label for label in codebook["labels"]
                              if label["key"] != "disclaimer"]
        with pytest.raises(Conflict, match=r"label 'disclaimer' is used by 1 span \(1 gold\)"):
            update_project(project_by_slug("news"), codebook=codebook)


def test_renaming_a_label_key_renames_spans_gold_and_rejections(app, news):
    with app.app_context():
        codebook = _codebook()
        _label(codebook, "framing")["key"] = "frame"
        update_project(project_by_slug("news"), codebook=codebook,
                       renames={"labels": {"framing": "frame"}})
        labels = [row.label for row in db.session.scalars(select(Annotation))]
        assert sorted(labels) == ["attribution", "frame", "frame", "frame"]
        assert {row.label for row in db.session.scalars(select(GoldSpan))} == {"frame"}
        assert {row.label for row in db.session.scalars(select(GoldRejection))} == {"frame"}
        assert [label["key"] for label in project_by_slug("news").codebook["labels"]][0] \
            == "frame"


def test_a_key_change_without_a_rename_is_a_removal(app, news):
    with app.app_context():
        codebook = _codebook()
        _label(codebook, "framing")["key"] = "frame"
        with pytest.raises(Conflict, match="label 'framing' is used by 5 spans"):
            update_project(project_by_slug("news"), codebook=codebook)


def test_renaming_attributes_and_choices_rewrites_stored_values(app, news):
    with app.app_context():
        codebook = _codebook()
        valence = _attribute(codebook, "framing", "valence")
        valence["key"] = "tone"
        valence["choices"] = ["favourable" if c == "positive" else
                              "unfavourable" if c == "negative" else c
                              for c in valence["choices"]]
        source_type = _attribute(codebook, "attribution", "source_type")
        source_type["choices"][source_type["choices"].index("official")] = "government"
        _label(codebook, "attribution")["key"] = "quote"
        update_project(project_by_slug("news"), codebook=codebook, renames={
            "labels": {"attribution": "quote"},
            "attributes": {"framing": {"valence": "tone"}},
            "choices": {"framing": {"valence": {"negative": "unfavourable",
                                                "positive": "favourable"}},
                        "attribution": {"source_type": {"official": "government"}}}})
        spans = sorted(((row.label, row.start, row.end, row.attributes)
                        for row in db.session.scalars(select(Annotation))),
                       key=lambda s: s[:3])
        assert spans == [
            ("framing", 0, 3, {}),
            ("framing", 0, 12, {"tone": "unfavourable", "dimension": "political"}),
            ("framing", 30, 40, {"tone": "unfavourable"}),
            ("quote", 13, 17, {"source_type": "government", "source": "the minister"})]
        gold = {row.start: row.attributes for row in db.session.scalars(select(GoldSpan))}
        assert gold == {30: {"tone": "unfavourable"}, 0: {}}
        assert _label(project_by_slug("news").codebook, "quote")


@pytest.mark.parametrize("renames, message", [
    ({"labels": {"nope": "x"}}, "there is no label 'nope' to rename."),
    ({"labels": {"framing": "frames"}}, "renamed to 'frames', which the new codebook lacks"),
    ({"labels": {"framing": "attribution"}}, "but also kept"),
    ({"attributes": {"framing": {"valence": "tone"}}}, "but also kept"),
    ({"choices": {"framing": {"valence": {"negative": "bad"}}}}, "but also kept"),
    ({"colours": {}}, "unknown key 'colours'"),
    (["framing"], "the renames must be an object"),
])
def test_bad_renames_are_refused_with_the_reason(app, news, renames, message):
    with app.app_context():
        codebook = _codebook()
        _label(codebook, "framing")["key"] = "frame"
        kept = _label(_codebook(), "framing")  # and framing still there
        kept.pop("hotkey")
        codebook["labels"].append(kept)
        if renames == {"labels": {"framing": "frames"}}:
            codebook["labels"].pop()
        with pytest.raises(Invalid) as error:
            update_project(project_by_slug("news"), codebook=codebook, renames=renames)
        assert message in error.value.message and error.value.field == "codebook_renames"


def test_rename_to_a_key_of_the_old_codebook_is_refused(app, news):
    with app.app_context():
        codebook = _codebook()
        # framing -> disclaimer while disclaimer -> legal: a swap of keys, refused.
        _label(codebook, "disclaimer")["key"] = "legal"
        _label(codebook, "framing")["key"] = "disclaimer"
        with pytest.raises(Invalid, match="cannot take the name 'disclaimer'"):
            update_project(project_by_slug("news"), codebook=codebook, renames={
                "labels": {"framing": "disclaimer", "disclaimer": "legal"}})


def test_a_refused_change_renames_nothing(app, news):
    with app.app_context():
        codebook = _codebook()
        _label(codebook, "framing")["key"] = "frame"
        codebook["labels"] = [label for label in codebook["labels"]
                              if label["key"] != "attribution"]
        with pytest.raises(Conflict, match="label 'attribution' is used by 1 span"):
            update_project(project_by_slug("news"), codebook=codebook,
                           renames={"labels": {"framing": "frame"}})
        db.session.rollback()
        assert {row.label for row in db.session.scalars(select(Annotation))} == {
            "framing", "attribution"}


def test_names_colours_descriptions_and_hotkeys_change_freely(app, news):
    with app.app_context():
        codebook = _codebook()
        framing = _label(codebook, "framing")
        framing.update(name="Frames", color="#1f77b4", hotkey="f", description="Changed.",
                       example="An example.")
        _attribute(codebook, "framing", "valence")["name"] = "Tone"
        update_project(project_by_slug("news"), codebook=codebook)
        assert _label(project_by_slug("news").codebook, "framing")["hotkey"] == "f"


def test_a_new_colour_must_be_readable(app, news):
    with app.app_context():
        codebook = _codebook()
        _label(codebook, "framing")["color"] = "#ffff00"
        with pytest.raises(Invalid) as error:
            update_project(project_by_slug("news"), codebook=codebook)
        assert error.value.message == (
            "Codebook: label 'framing': the colour #ffff00 gives its swatches and borders on "
            "the white page a contrast of 1.07:1; it needs 3:1 (WCAG): choose a darker or "
            "stronger colour.")
        codebook["labels"].append({"key": "pale", "name": "Pale", "color": "#eeeeee"})
        _label(codebook, "framing")["color"] = "#e07a2f"
        with pytest.raises(Invalid, match="label 'pale': the colour #eeeeee"):
            update_project(project_by_slug("news"), codebook=codebook)


def test_a_stored_colour_stays_saveable(app, make_project):
    # A codebook saved before the rule (or made by the CLI) keeps its colours.
    codebook = {"labels": [{"key": "pale", "name": "Pale", "color": "#eeeeee"}]}
    make_project("news", codebook=codebook)
    with app.app_context():
        update_project(project_by_slug("news"), name="Renamed", codebook=codebook)
        assert project_by_slug("news").name == "Renamed"


def test_contrast_checks_follow_the_drawn_colours():
    for colour in ("#e07a2f", "#2f78c4", "#ffff00", "#000000", "#808080"):
        drawn = label_colours(colour)
        highlight, page = contrast_checks(colour)
        assert highlight["ratio"] == contrast(drawn["label-tint"], drawn["label-tint-ink"])
        assert page["ratio"] == contrast(colour, "#ffffff")
    assert colour_problems("#e07a2f") == []  # 3.002:1, just enough
    assert colour_problems("#808080") == []
    assert len(colour_problems("#dddddd")) == 1


def test_renamed_spans_keep_their_other_columns(app, news):
    with app.app_context():
        before = {row.id: (row.reviewer_id, row.start, row.end, row.note)
                  for row in db.session.scalars(select(Annotation))}
        codebook = _codebook()
        _attribute(codebook, "framing", "valence")["key"] = "tone"
        update_project(project_by_slug("news"), codebook=codebook,
                       renames={"attributes": {"framing": {"valence": "tone"}}})
        after = {row.id: (row.reviewer_id, row.start, row.end, row.note)
                 for row in db.session.scalars(select(Annotation))}
        assert after == before
        assert db.session.scalar(select(User.id).where(User.username == "alice"))


def test_questions_with_answers_cannot_lose_them(app, make_project, make_document):
    """A question, or a choice of one, that stored answers (reviewers' or gold) use cannot be
    removed; adding questions and choices, and removing unused ones, is free."""
    from annotator.answers import set_gold_answer
    from annotator.models import Document

    make_project("news")
    doc = make_document("news", paragraphs=[TEXT], reviews=[
        {"reviewer": "alice", "status": "submitted",
         "answers": {"primary_frame": "political", "tone": "negative"}},
        {"reviewer": "bob", "status": "in_progress", "answers": {"primary_frame": "political"}}])
    with app.app_context():
        admin = User(username="root", role="admin", password_hash="x")
        db.session.add(admin)
        db.session.commit()
        set_gold_answer(db.session.get(Document, doc), admin, "tone", "neutral")

        codebook = _codebook()
        codebook["questions"] = [q for q in codebook["questions"] if q["key"] != "tone"]
        with pytest.raises(Conflict) as error:
            update_project(project_by_slug("news"), codebook=codebook)
        assert "the question 'tone' has 1 answer and 1 gold answer" in error.value.message
        db.session.rollback()

        codebook = _codebook()
        frame = next(q for q in codebook["questions"] if q["key"] == "primary_frame")
        frame["choices"] = [c for c in frame["choices"] if c != "political"]
        with pytest.raises(Conflict) as error:
            update_project(project_by_slug("news"), codebook=codebook)
        assert "the answer 'political' to question 'primary_frame' is stored (2 answers)" \
            in error.value.message
        db.session.rollback()

        codebook = _codebook()
        frame = next(q for q in codebook["questions"] if q["key"] == "primary_frame")
        frame["choices"] = [c for c in frame["choices"] if c != "economic"] + ["other_new"]
        codebook["questions"].append({"key": "headline", "name": "Headline supported",
                                      "type": "boolean"})
        update_project(project_by_slug("news"), codebook=codebook)
        assert [q["key"] for q in project_by_slug("news").codebook["questions"]] == [
            "primary_frame", "tone", "headline"]
