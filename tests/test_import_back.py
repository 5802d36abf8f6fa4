"""Labelled data comes back in: brat folders (and zips) and doccano JSONL, one reviewer per
doccano file; exports of a project import into a new project as the same spans."""

import io
import json
import zipfile
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from annotator.errors import ImportFailed
from annotator.exports import ExportOptions, export
from annotator.extensions import db
from annotator.imports import ParagraphMap, SpanOutside, import_paths, split_paragraphs
from annotator.models import (
    Annotation,
    Document,
    DocumentReview,
    GoldSpan,
    Paragraph,
    ParagraphReview,
    User,
)
from annotator.spans import MAX_NOTE
from tests.helpers import nothing_written as _nothing_written
from tests.helpers import project_by_slug as _project
from tests.helpers import row_count as _count

pytestmark = pytest.mark.both_engines

CODEBOOK = {"labels": [
    {"key": "framing", "name": "Framing", "color": "#e07a2f", "hotkey": "1", "attributes": [
        {"key": "valence", "name": "Valence", "type": "choice",
         "choices": ["positive", "very negative", "negative"]},
        {"key": "target", "name": "Target", "type": "text"},
        {"key": "devices", "name": "Devices", "type": "multi", "choices": ["lexical", "info"]},
        {"key": "hedged", "name": "Hedged", "type": "boolean"}]},
    {"key": "attribution", "name": "Attribution", "color": "#2f78c4", "hotkey": "2",
     "attributes": [{"key": "source", "name": "Source", "type": "text"}]},
]}

PARAGRAPHS = [
    "Officials said 🙂 the troops left the country, quickly.",
    "𝔘nicode line one\nline two with e\u0301 and עברית 🙂.",
    "The «hasty» withdrawal led to a counteroffensive.",
]

DOCS = [
    {"title": "First <doc>", "source": "RT", "external_id": "rt-1",
     "paragraphs": PARAGRAPHS,
     "reviews": [
         {"reviewer": "alice", "status": "submitted", "annotations": [
             {"paragraph": 0, "start": 0, "end": 14, "label": "attribution",
              "attributes": {"source": "Officials"}, "note": "said \"x\"\tand\nmore"},
             {"paragraph": 0, "start": 17, "end": 33, "label": "framing",
              "attributes": {"valence": "negative", "target": "US troops",
                             "devices": ["lexical", "info"], "hedged": True}},
             {"paragraph": 0, "start": 21, "end": 40, "label": "framing",
              "attributes": {"valence": "very negative"}, "note": "overlaps the one before"},
             {"paragraph": 1, "start": 0, "end": 30, "label": "framing",
              "attributes": {"hedged": False}},
             {"paragraph": 1, "start": 44, "end": 46, "label": "framing"}]},
         {"reviewer": "bob", "status": "in_progress", "reviewed_paragraphs": [0, 2],
          "annotations": [
             {"paragraph": 0, "start": 0, "end": 9, "label": "attribution"},
             {"paragraph": 0, "start": 0, "end": 9, "label": "framing", "note": "just a note"},
             {"paragraph": 2, "start": 4, "end": 11, "label": "framing",
              "attributes": {"valence": "negative", "devices": ["info"]}}]}],
     "gold": [{"paragraph": 0, "start": 0, "end": 14, "label": "attribution",
               "attributes": {"source": "Officials"}, "provenance": "adjudicated:carol"},
              {"paragraph": 1, "start": 17, "end": 30, "label": "framing",
               "attributes": {"hedged": True}, "note": "gold note"}]},
    {"title": "Second", "paragraphs": ["Plain text, no spans.", "Another 🙂 one."],
     "reviews": [{"reviewer": "alice", "status": "in_progress", "reviewed_paragraphs": [1],
                  "annotations": [{"paragraph": 1, "start": 8, "end": 9, "label": "framing"}]}]},
]

TEXT = "First paragraph here.\n\nSecond one, with more.\n"


@pytest.fixture
def source(app, make_project, write_file):
    make_project("src", codebook=CODEBOOK)
    with app.app_context():
        import_paths(_project("src"), [write_file("src.jsonl", DOCS)])
    return "src"


def _export(app, slug, fmt):
    with app.app_context():
        chunks = list(export(_project(slug), fmt, ExportOptions()))
    return b"".join(chunks) if fmt == "brat" else "".join(chunks)


def _spans(slug, with_details=True):
    """{(document's paragraphs, reviewer): sorted spans} of a project, gold as "gold"."""
    project = _project(slug)
    texts = defaultdict(list)
    for doc_id, text in db.session.execute(
            select(Paragraph.document_id, Paragraph.text).join(Document)
            .where(Document.project_id == project.id)
            .order_by(Paragraph.document_id, Paragraph.position)):
        texts[doc_id].append(text)
    found = defaultdict(list)
    rows = db.session.execute(
        select(Annotation, User.username).join(User, User.id == Annotation.reviewer_id)
        .join(Document, Document.id == Annotation.document_id)
        .where(Document.project_id == project.id)).all()
    gold = db.session.scalars(select(GoldSpan).join(Document, Document.id == GoldSpan.document_id)
                              .where(Document.project_id == project.id)).all()
    for span, name in [*rows, *((g, "gold") for g in gold)]:
        key = (tuple(texts[span.document_id]), name)
        item = (span.paragraph_index, span.start, span.end, span.label)
        if with_details:
            item += (json.dumps(span.attributes or {}, sort_keys=True), span.note or "")
        found[key].append(item)
    return {key: sorted(items) for key, items in found.items()}


def _brat_folder(tmp_path, data, name="brat"):
    folder = tmp_path / name
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    return folder


def _write_brat(tmp_path, files, name="in"):
    for rel, content in files.items():
        path = tmp_path / name / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return tmp_path / name


# --- round trips ----------------------------------------------------------------------------

def test_brat_export_imports_back_as_the_same_spans_attributes_notes_and_gold(
        app, source, make_project, tmp_path):
    data = _export(app, source, "brat")
    folder = _brat_folder(tmp_path, data)
    assert (folder / "annotation.conf").exists()  # at the top, and ignored
    make_project("copy", codebook=CODEBOOK)
    with app.app_context():
        result = import_paths(_project("copy"), [folder])
        assert len(result.documents) == 2 and result.gold == 2
        assert _spans("copy") == _spans(source)
        docs = db.session.scalars(select(Document).where(
            Document.project_id == _project("copy").id).order_by(Document.id)).all()
        assert [d.title for d in docs] == ["1", "2"]  # the DOCID
        assert [p.text for p in docs[0].paragraphs] == PARAGRAPHS
        assert {g.provenance for g in db.session.scalars(
            select(GoldSpan).join(Document, Document.id == GoldSpan.document_id)
            .where(Document.project_id == _project("copy").id))} == {"imported"}
        # A brat folder has no status: every review comes in submitted, all paragraphs done.
        statuses = db.session.execute(
            select(DocumentReview.status, func.count()).join(Document)
            .where(Document.project_id == _project("copy").id)
            .group_by(DocumentReview.status)).all()
        assert statuses == [("submitted", 3)]
        assert _count(ParagraphReview) == (3 + 2 + 1) + (3 + 3 + 2)  # src + copy marks
    # The zip itself imports too, into a third project.
    make_project("zipped", codebook=CODEBOOK)
    zipped = tmp_path / "export.zip"
    zipped.write_bytes(data)
    with app.app_context():
        import_paths(_project("zipped"), [zipped])
        assert _spans("zipped") == _spans(source)


def test_brat_zip_of_the_folder_itself_imports(app, source, make_project, tmp_path):
    folder = _brat_folder(tmp_path, _export(app, source, "brat"), name="wrapped")
    path = tmp_path / "wrapped.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for item in folder.rglob("*"):
            archive.write(item, item.relative_to(tmp_path))
        archive.writestr("__MACOSX/wrapped/alice/._1.ann", b"\x00\x05")
    make_project("copy", codebook=CODEBOOK)
    with app.app_context():
        import_paths(_project("copy"), [path])
        assert _spans("copy") == _spans(source)


def _doccano_by_reviewer(text):
    by_reviewer = defaultdict(list)
    for line in text.splitlines():
        by_reviewer[json.loads(line)["reviewer"]].append(line)
    return {name: "\n".join(lines) + "\n" for name, lines in by_reviewer.items()}


def test_doccano_files_one_per_reviewer_come_together(app, source, make_project, write_file):
    files = _doccano_by_reviewer(_export(app, source, "doccano"))
    assert set(files) == {"alice", "bob", "gold"}
    make_project("copy", codebook=CODEBOOK)
    with app.app_context():
        first = import_paths(_project("copy"), [write_file("alice.jsonl", files["alice"])],
                             reviewer="alice")
        assert len(first.documents) == 2
        second = import_paths(_project("copy"), [write_file("bob.jsonl", files["bob"])],
                              reviewer="bob")
        # bob's review joins the document alice's file made: no new document.
        assert second.documents == [] and second.updated_documents == [first.documents[0]]
        assert second.added_reviews == 1
        assert "Added 1 review to 1 document already in the project" in second.summary()
        assert _count(Document) == 2 + 2
        expected = {key: spans for key, spans in _spans(source, with_details=False).items()
                    if key[1] != "gold"}
        assert _spans("copy", with_details=False) == expected
        titles = db.session.scalars(select(Document.title).where(
            Document.project_id == _project("copy").id).order_by(Document.id)).all()
        assert titles == ["First <doc>", "Second"]
        statuses = set(db.session.scalars(select(DocumentReview.status).join(Document).where(
            Document.project_id == _project("copy").id)))
        assert statuses == {"submitted"}
        # The same reviewer again: refused, naming the document and the reviewer.
        with pytest.raises(ImportFailed) as info:
            import_paths(_project("copy"), [write_file("bob2.jsonl", files["bob"])],
                         reviewer="bob")
        assert "bob2.jsonl, line 1: reviewer 'bob' already has a review of document " \
            f"{first.documents[0]} ('First <doc>')" in info.value.message
        skipped = import_paths(_project("copy"), [write_file("bob2.jsonl", files["bob"])],
                               reviewer="bob", skip_existing=True)
        assert len(skipped.skipped) == 1 and skipped.spans == 0
        # The gold lines of the export come back as gold with --reviewer gold.
        gold = import_paths(_project("copy"), [write_file("gold.jsonl", files["gold"])],
                            reviewer="gold")
        assert gold.added_gold == 1 and gold.documents == []
        assert _count(User) == 2  # no user called "gold"
        copied = {(s.paragraph_index, s.start, s.end, s.label, s.provenance)
                  for s in db.session.scalars(select(GoldSpan).join(
                      Document, Document.id == GoldSpan.document_id).where(
                      Document.project_id == _project("copy").id))}
        original = {(s.paragraph_index, s.start, s.end, s.label)
                    for s in db.session.scalars(select(GoldSpan).join(
                        Document, Document.id == GoldSpan.document_id).where(
                        Document.project_id == _project(source).id))}
        assert {c[:4] for c in copied} == original
        assert {c[4] for c in copied} == {"imported"}


def test_doccano_newer_entities_format_and_untitled_text(app, make_project, write_file):
    make_project("news", codebook=CODEBOOK)
    line = {"id": 7, "text": "  Headline 🙂 here\nsecond line\n\n\nBody text.  ",
            "entities": [{"id": 1, "start_offset": 2, "end_offset": 10, "label": "framing"},
                         {"id": 2, "start_offset": 32, "end_offset": 36,
                          "label": "attribution"}],
            "relations": [], "Comments": []}
    with app.app_context():
        result = import_paths(_project("news"), [write_file("d.jsonl", [line])],
                              reviewer="carol")
        doc = db.session.get(Document, result.documents[0])
        assert doc.title == "Headline 🙂 here"
        texts = [p.text for p in doc.paragraphs]
        assert texts == ["Headline 🙂 here\nsecond line", "Body text."]
        spans = db.session.scalars(select(Annotation).order_by(Annotation.id)).all()
        assert [(s.paragraph_index, texts[s.paragraph_index][s.start:s.end]) for s in spans] \
            == [(0, "Headline"), (1, "Body")]
        assert result.created_reviewers == ["carol"]


def test_labelled_data_joins_a_plain_article_and_takes_over_an_assignment(
        app, make_project, write_file):
    make_project("news", codebook=CODEBOOK)
    with app.app_context():
        plain = import_paths(_project("news"), [write_file("a.txt", TEXT)]).documents[0]
        from annotator.accounts import create_user

        dave = create_user("Dave", role="reviewer", password="password-123")
        db.session.add(DocumentReview(document_id=plain, reviewer_id=dave.id,
                                      status="not_started"))
        db.session.commit()
        line = {"text": TEXT, "label": [[0, 5, "framing"]]}
        result = import_paths(_project("news"), [write_file("d.jsonl", [line])],
                              reviewer="dave")
        assert result.updated_documents == [plain] and result.created_reviewers == []
        review = db.session.scalars(select(DocumentReview)).one()
        assert review.status == "submitted" and review.submitted_at is not None
        assert _count(Annotation) == 1 and _count(ParagraphReview) == 2
        assert db.session.get(Document, plain).title == "a"  # the document keeps its title
        # A plain article twice is still refused.
        with pytest.raises(ImportFailed, match="already in project 'news'"):
            import_paths(_project("news"), [write_file("b.txt", TEXT)])


def test_brat_folders_for_new_reviewers_join_but_gold_only_once(app, make_project, tmp_path):
    make_project("news", codebook=CODEBOOK)
    first = _write_brat(tmp_path, {
        "alice/d.txt": TEXT, "alice/d.ann": "T1\tframing 0 5\tFirst\n",
        "gold/d.txt": TEXT, "gold/d.ann": "T1\tframing 0 5\tFirst\n"}, "one")
    second = _write_brat(tmp_path, {
        "bob/d.txt": TEXT, "bob/d.ann": "T1\tattribution 23 29\tSecond\n",
        "gold/d.txt": TEXT, "gold/d.ann": "T1\tframing 0 5\tFirst\n"}, "two")
    with app.app_context():
        import_paths(_project("news"), [first])
        with pytest.raises(ImportFailed, match=r"already has gold spans"):
            import_paths(_project("news"), [second])
        (second / "gold" / "d.txt").unlink()
        (second / "gold" / "d.ann").unlink()
        result = import_paths(_project("news"), [second])
        assert result.added_reviews == 1 and _count(Document) == 1
        assert _count(Annotation) == 2 and _count(GoldSpan) == 1


def test_foreign_brat_attributes_notes_and_crlf(app, make_project, tmp_path):
    make_project("news", codebook=CODEBOOK)
    text = "Alpha beta\r\ngamma.\r\n\r\nDelta 🙂 epsilon.\r\n"
    ann = ("T1\tframing 0 18\tAlpha beta  gamma.\n"
           "A1\tvalence T1 very_negative\nA2\thedged T1\nM3\tdevices T1 info\n"
           "A4\tdevices T1 lexical\n#1\tAnnotatorNotes T1\tplain note, not JSON\n"
           "T2\tattribution 22 27\tDelta\r\n"
           "#2\tAnnotatorNotes T2\t{\"note\": \"n\", \"attributes\": {\"source\": \"wire\"}}\n")
    folder = _write_brat(tmp_path, {"erin/x.txt": text, "erin/x.ann": ann,
                                    "erin/x.json": "ignored", "annotation.conf": "x"})
    with app.app_context():
        import_paths(_project("news"), [folder])
        doc = db.session.scalars(select(Document)).one()
        texts = [p.text for p in doc.paragraphs]
        assert texts == ["Alpha beta\ngamma.", "Delta 🙂 epsilon."]
        one, two = db.session.scalars(select(Annotation).order_by(Annotation.id)).all()
        assert (one.paragraph_index, one.start, one.end) == (0, 0, 17)
        assert one.attributes == {"valence": "very negative", "hedged": True,
                                  "devices": ["lexical", "info"]}
        assert one.note == "plain note, not JSON"
        assert (two.paragraph_index, texts[1][two.start:two.end]) == (1, "Delta")
        assert two.attributes == {"source": "wire"} and two.note == "n"


def test_brat_note_nested_too_deep_for_json_is_a_plain_note(app, make_project, tmp_path):
    """RecursionError from json.loads ended the import; such a note is not our export's."""
    make_project("news", codebook=CODEBOOK)
    note = "{" + "[" * 3000 + "]" * 3000
    folder = _write_brat(tmp_path, {"alice/d.txt": TEXT,
                                    "alice/d.ann": f"T1\tframing 0 5\n#1\tAnnotatorNotes T1\t"
                                                   f"{note}\n"})
    with app.app_context():
        import_paths(_project("news"), [folder])
        assert db.session.scalars(select(Annotation.note)).one() == note


# --- refusals -------------------------------------------------------------------------------

BRAT_REFUSALS = [
    ({"alice/d.ann": "T1\tframing 6 33\tparagraph here.  Second one"},
     "alice/d.ann, line 1: T1 (6-33 \"framing\" \"paragraph here.\\n\\nSecond one\") crosses "
     "from paragraph 0 into paragraph 1"),
    ({"alice/d.ann": "T1\tframing 21 23\n"},
     "alice/d.ann, line 1: T1 (21-23 \"framing\" \"\\n\\n\") lies in the white space between "
     "paragraphs 0 and 1"),
    ({"alice/d.ann": "T1\tframing 0 5\tFirst\nT2\tbias 6 15\tparagraph\n"},
     "alice/d.ann, line 2: unknown label \"bias\""),
    ({"alice/d.ann": "T1\tframing 0 5;6 15\tFirst paragraph\n"},
     "alice/d.ann, line 1: T1 is a discontinuous span (framing 0 5;6 15)"),
    ({"bob/d.txt": TEXT.replace("one", "two"), "bob/d.ann": ""},
     "bob/d.txt: the text differs from"),
    ({"alice/d.ann": "T1\tframing 0 5\tFirsT\n"},
     "alice/d.ann, line 1: T1's text \"FirsT\" does not match the text at 0-5, which reads "
     "\"First\""),
    ({"alice/d.ann": "T1\tframing 0 99\n"}, "offsets 0-99 are out of range"),
    ({"alice/d.ann": "T1\tframing 0 5\nA1\tvalence T1 furious\n"},
     "alice/d.ann, line 2: attribute 'valence' must be one of"),
    ({"alice/d.ann": "T1\tframing 0 5\nA1\tcolour T1 red\n"},
     "alice/d.ann, line 2: label 'framing' has no attribute \"colour\""),
    ({"alice/d.ann": "T1\tframing 0 5\nA1\tvalence T9 negative\n"}, "refers to T9"),
    ({"alice/d.ann": "T1\tframing 0 5\nT2\tframing 6 9\nR1\tCause Arg1:T1 Arg2:T2\n"},
     "R1 is a relation, which cannot be imported"),
    ({"alice/d.ann": "T1\tframing 0 5\n#1\tAnnotatorNotes T1\t{\"note\": \"\", "
                     "\"attributes\": {\"hedged\": \"yes\"}}\n"},
     "line 2: attribute 'hedged' must be true or false"),
    # Notes keep the API's rule (spans.clean_note): at most MAX_NOTE characters, no NUL.
    ({"alice/d.ann": "T1\tframing 0 5\n#1\tAnnotatorNotes T1\t" + "n" * (MAX_NOTE + 1) + "\n"},
     f"alice/d.ann, line 2: note is longer than {MAX_NOTE} characters."),
    ({"alice/d.ann": "T1\tframing 0 5\n#1\tAnnotatorNotes T1\t{\"note\": \"a\\u0000b\"}\n"},
     "alice/d.ann, line 2: note contains a NUL character, which cannot be stored."),
    ({"alice/x.ann": "T1\tframing 0 5\n"}, "alice/x.ann: there is no x.txt beside it"),
    # our export's JSON note with a lone surrogate: a 500 before
    ({"alice/d.ann": "T1\tframing 0 5\n#1\tAnnotatorNotes T1\t{\"note\": \"\\ud800\"}\n"},
     "alice/d.ann, line 2: note contains a lone surrogate (\\ud800)"),
    ({"not a name/d.txt": TEXT, "not a name/d.ann": ""}, "reviewer folder's name"),
]


@pytest.mark.parametrize("files, message", BRAT_REFUSALS)
def test_brat_refusals_name_file_line_and_reason_and_leave_nothing(
        app, make_project, tmp_path, files, message):
    make_project("news", codebook=CODEBOOK)
    folder = _write_brat(tmp_path, {"alice/d.txt": TEXT, "alice/d.ann": "T1\tframing 0 5\n",
                                    "gold/d.txt": TEXT, "gold/d.ann": "T1\tframing 0 5\n",
                                    **files})
    with app.app_context():
        with pytest.raises(ImportFailed) as info:
            import_paths(_project("news"), [folder])
        assert message in info.value.message
        assert str(folder) in info.value.message
        assert _nothing_written()


def test_brat_folder_detection(app, make_project, tmp_path, write_file):
    make_project("news", codebook=CODEBOOK)
    write_file("plain/a.txt", "One.")
    write_file("plain/sub/b.txt", "Two.")
    misplaced = write_file("flat/d.ann", "T1\tframing 0 3\n")
    write_file("flat/d.txt", "One.")
    with app.app_context():
        # No .ann anywhere: plain articles, as before.
        assert len(import_paths(_project("news"), [tmp_path / "plain"]).documents) == 2
        with pytest.raises(ImportFailed) as info:
            import_paths(_project("news"), [tmp_path / "flat"])
        assert str(misplaced) in info.value.message and "REVIEWER/DOCID.ann" in \
            info.value.message
        zipped = write_file("bad.zip", b"not a zip")
        with pytest.raises(ImportFailed, match="bad.zip: not a zip file"):
            import_paths(_project("news"), [zipped])
        assert _count(Document) == 2


def _doccano(*lines):
    return "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)
                     for x in lines) + "\n"


DOCCANO_REFUSALS = [
    ({"text": TEXT, "label": [[6, 33, "framing"]]},
     "d.jsonl, line 2, span 1: the span (6-33 \"framing\" \"paragraph here.\\n\\nSecond one\") "
     "crosses from paragraph 0 into paragraph 1"),
    ({"text": TEXT, "label": [[21, 23, "framing"]]},
     "d.jsonl, line 2, span 1: the span (21-23 \"framing\" \"\\n\\n\") lies in the white space"),
    ({"text": TEXT, "label": [[0, 5, "bias"]]},
     "d.jsonl, line 2, span 1: unknown label \"bias\""),
    ({"text": TEXT, "label": [[0, 99, "framing"]]},
     "d.jsonl, line 2, span 1: the span (0-99 \"framing\") offsets 0-99 are out of range"),
    ({"text": TEXT, "label": [[0, 5]]}, "each label must be [start, end, \"label\"]"),
    ({"text": TEXT, "label": [], "reviewer": "zed"}, "is by reviewer \"zed\""),
    ({"text": TEXT, "label": [], "relations": [{"id": 1}]}, "relations cannot be imported"),
    ('{"text": "broken", ', "d.jsonl, line 2: not valid JSON"),
]


@pytest.mark.parametrize("bad, message", DOCCANO_REFUSALS)
def test_doccano_refusals_name_file_line_and_reason_and_leave_nothing(
        app, make_project, write_file, bad, message):
    make_project("news", codebook=CODEBOOK)
    path = write_file("d.jsonl", _doccano({"text": "Fine.", "label": [[0, 4, "framing"]]}, bad))
    with app.app_context():
        with pytest.raises(ImportFailed) as info:
            import_paths(_project("news"), [path], reviewer="alice")
        assert message in info.value.message
        assert _nothing_written()


def test_doccano_without_reviewer_is_refused(app, make_project, write_file):
    make_project("news", codebook=CODEBOOK)
    path = write_file("d.jsonl", _doccano({"text": TEXT, "label": []}))
    with app.app_context():
        with pytest.raises(ImportFailed, match=r"d.jsonl, line 1: .*doccano.*--reviewer NAME"):
            import_paths(_project("news"), [path])
        with pytest.raises(ImportFailed, match="reviewer must be a user name"):
            import_paths(_project("news"), [path], reviewer="two words")
        assert _nothing_written()
        # Documents JSONL is unaffected by --reviewer.
        plain = write_file("p.jsonl", [{"title": "T", "text": TEXT}])
        assert len(import_paths(_project("news"), [plain], reviewer="alice").documents) == 1


# --- the command line ---------------------------------------------------------------------

def test_cli_imports_brat_folder_and_zip(app, source, runner, tmp_path):
    data = _export(app, source, "brat")
    folder = _brat_folder(tmp_path, data)
    runner.invoke(args=["create-project", "copy", "--codebook",
                        str(_codebook_file(tmp_path))])
    r = runner.invoke(args=["import", "copy", str(folder)])
    assert r.exit_code == 0, r.output
    assert "Imported 2 documents, 5 paragraphs, 9 spans, 2 gold spans." in r.output
    r = runner.invoke(args=["import", "copy", str(folder)])
    assert r.exit_code == 1 and "already has a review of document" in r.output
    assert "Nothing was imported" in r.output
    zipped = tmp_path / "b.zip"
    zipped.write_bytes(data)
    runner.invoke(args=["create-project", "other", "--codebook", str(_codebook_file(tmp_path))])
    (folder / "bob" / "1.ann").write_text("T1\tframing 0 5;6 9\n", encoding="utf-8")
    r = runner.invoke(args=["import", "other", str(folder)])
    assert r.exit_code == 1 and "bob/1.ann, line 1: T1 is a discontinuous span" in r.output
    r = runner.invoke(args=["import", "other", str(zipped)])
    assert r.exit_code == 0 and "9 spans" in r.output
    with app.app_context():
        assert _spans("other") == _spans(source)


def _codebook_file(tmp_path):
    path = tmp_path / "codebook.json"
    path.write_text(json.dumps(CODEBOOK), encoding="utf-8")
    return path


def test_cli_imports_doccano_with_reviewer(app, source, runner, tmp_path):
    files = _doccano_by_reviewer(_export(app, source, "doccano"))
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.jsonl"
        paths[name].write_text(text, encoding="utf-8")
    runner.invoke(args=["create-project", "copy", "--codebook", str(_codebook_file(tmp_path))])
    r = runner.invoke(args=["import", "copy", str(paths["alice"])])
    assert r.exit_code == 1 and "name the reviewer with --reviewer NAME" in r.output
    r = runner.invoke(args=["import", "copy", str(paths["alice"]), "--reviewer", "bob"])
    assert r.exit_code == 1 and "is by reviewer \"alice\"" in r.output
    r = runner.invoke(args=["import", "copy", str(paths["alice"]), "--reviewer", "alice"])
    assert r.exit_code == 0, r.output
    assert "Imported 2 documents, 5 paragraphs, 6 spans." in r.output
    r = runner.invoke(args=["import", "copy", str(paths["bob"]), "--reviewer", "bob"])
    assert r.exit_code == 0, r.output
    assert "Imported 0 documents, 0 paragraphs, 3 spans. Added 1 review to 1 document " \
        "already in the project" in r.output
    r = runner.invoke(args=["import", "copy", str(paths["bob"]), "--reviewer", "bob"])
    assert r.exit_code == 1 and "reviewer 'bob' already has a review" in r.output
    r = runner.invoke(args=["import", "--help"])
    assert "--reviewer NAME" in r.output
    with app.app_context():
        assert _count(Document) == 4


# --- paragraph map ---------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=["a", "🙂", " ", "\n", "\r", "\t", "\xa0", "é"], max_size=40))
def test_paragraph_map_splits_as_plain_text_and_maps_every_paragraph(text):
    pmap = ParagraphMap.of(text)
    assert pmap.paragraphs == split_paragraphs(text)
    for index, (paragraph, start) in enumerate(zip(pmap.paragraphs, pmap.starts, strict=True)):
        begin = pmap._original(start)
        end = pmap._original(start + len(paragraph) - 1) + 1
        assert pmap.locate(begin, end) == (index, 0, len(paragraph))
        assert pmap.fragment(begin, end) == paragraph
        if begin > 0:  # white space before the paragraph
            with pytest.raises(SpanOutside):
                pmap.locate(begin - 1, end)
