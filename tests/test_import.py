"""Import: plain text, Markdown with front matter, documents JSONL; all or nothing."""

import json

import pytest
from sqlalchemy import select

from annotator.codebook import default_codebook, load_codebook
from annotator.errors import ImportFailed
from annotator.extensions import db
from annotator.imports import (
    import_documents,
    import_paths,
    parse_document_object,
    parse_file,
    parse_text_file,
    split_paragraphs,
)
from annotator.imports.writer import ImportResult
from annotator.inputs import MAX_DEPTH
from annotator.models import (
    Annotation,
    Document,
    DocumentReview,
    GoldSpan,
    ParagraphReview,
    User,
)
from annotator.spans import MAX_NOTE
from tests.helpers import nothing_written
from tests.helpers import project_by_slug as _project
from tests.helpers import row_count as _count

pytestmark = pytest.mark.both_engines


def _nothing_written():
    return nothing_written(include_users=False)


def test_sample_article_comes_in_as_65_paragraphs_with_its_mess(app, make_project, sample_path):
    make_project()
    with app.app_context():
        result = import_paths(_project(), [sample_path])
        assert len(result.documents) == 1
        doc = db.session.get(Document, result.documents[0])
        texts = [p.text for p in doc.paragraphs]
    assert len(texts) == 65
    assert doc.title == "rt-iraq-withdrawal"
    # The mess is kept: captions, photo credits, typographic quotes, the subheading (whose
    # trailing no-break space is surrounding white space, trimmed like any other).
    assert "• US military in Iraq" in texts
    assert any(t.startswith("• © REUTERS") for t in texts)
    assert texts[2].startswith("\u201cThere is no need")
    raw = sample_path.read_text("utf-8")
    assert "Destabilization potential\xa0\n" in raw
    assert "Destabilization potential" in texts
    assert texts == split_paragraphs(raw)
    # Each paragraph is a slice of the file, trimmed: nothing rewritten inside.
    assert all(t in raw for t in texts)


def test_split_paragraphs_rules():
    text = "  First line\ninner line  \n \t \nSecond\r\n\r\nThird\n\n\n\n   \n"
    assert split_paragraphs(text) == ["First line\ninner line", "Second", "Third"]
    assert split_paragraphs("\n \n") == []


def test_front_matter_gives_title_source_url_published():
    data = (b"---\ntitle: Troops leave\nsource: RT\nurl: https://example.org/a\n"
            b"published: 2021-07-26\nauthor: Someone\n---\n\nOne.\n\nTwo.\n")
    doc = parse_text_file(data, "a.md")
    assert (doc.title, doc.source, doc.url, str(doc.published)) == \
        ("Troops leave", "RT", "https://example.org/a", "2021-07-26")
    assert doc.meta == {"author": "Someone"}
    assert doc.paragraphs == ["One.", "Two."]


def test_first_line_title_and_bom():
    doc = parse_text_file("\ufeffThe title\n\nBody.".encode(), "x.txt", first_line_title=True)
    assert doc.title == "The title" and doc.paragraphs == ["Body."]
    assert parse_text_file(b"\xef\xbb\xbfBody.", "x.txt").paragraphs == ["Body."]


@pytest.mark.parametrize("data, message", [
    ("café".encode("latin-1"), "not UTF-8"),
    (b"---\ntitle: x\n\nno end", "never closed"),
    (b"---\nnot a pair\n---\nBody", "key: value"),
    (b"---\npublished: yesterday\n---\nBody", "not a date"),
    (b"---\nurl: javascript:alert(1)\n---\nBody", "http"),
    (b"\n \n\n", "no text"),
    (b"bin\x00ary", "NUL"),
])
def test_bad_text_files_are_refused_with_the_file_name(data, message):
    with pytest.raises(ImportFailed) as info:
        parse_text_file(data, "bad.txt")
    assert "bad.txt" in info.value.message and message in info.value.message


def test_unknown_suffix_refused():
    with pytest.raises(ImportFailed, match="cannot import a '.docx' file"):
        parse_file(b"x", "a.docx", load_codebook(default_codebook()))


def _jsonl(*objs):
    return ("\n".join(json.dumps(o, ensure_ascii=False) for o in objs) + "\n").encode()


LABELLED = {
    "title": "Labelled", "source": "RT", "published": "2021-07-26", "external_id": "rt-1",
    "meta": {"lang": "en"},
    "paragraphs": ["Officials said 🙂 the troops left.", "𝔘nicode and more text here."],
    "reviews": [
        {"reviewer": "alice", "status": "submitted", "reviewed_paragraphs": [0],
         "annotations": [
             {"paragraph": 0, "start": 0, "end": 14, "label": "attribution",
              "text": "Officials said", "attributes": {"source_type": "official"},
              "note": "a note"},
             {"paragraph": 0, "start": 17, "end": 33, "label": "framing",
              "text": "the troops left.", "attributes": {"valence": "negative"}}]},
        {"reviewer": "bob", "status": "in_progress", "reviewed_paragraphs": [1],
         "annotations": [{"paragraph": 1, "start": 0, "end": 7, "label": "framing",
                          "text": "𝔘nicode"}]},
    ],
    "gold": [{"paragraph": 0, "start": 0, "end": 14, "label": "attribution",
              "attributes": {"source_type": "official"}, "provenance": "adjudicated:carol"}],
}


def test_labelled_jsonl_import(app, make_project, write_file, make_user):
    make_project()
    make_user("Alice")  # an existing account, matched case-insensitively
    path = write_file("docs.jsonl", [LABELLED, {"title": "Plain", "text": "A.\n\n\nB."}])
    with app.app_context():
        result = import_paths(_project(), [path])
        assert len(result.documents) == 2
        assert result.spans == 3 and result.gold == 1
        assert result.created_reviewers == ["bob"]
        bob = db.session.scalar(select(User).where(User.username == "bob"))
        assert bob.password_hash is None and bob.role == "reviewer"
        doc = db.session.get(Document, result.documents[0])
        assert doc.external_id == "rt-1" and doc.meta == {"lang": "en"}
        spans = db.session.scalars(select(Annotation).order_by(Annotation.id)).all()
        texts = [p.text for p in doc.paragraphs]
        assert [texts[s.paragraph_index][s.start:s.end] for s in spans] == \
            ["Officials said", "the troops left.", "𝔘nicode"]
        assert spans[0].attributes == {"source_type": "official"} and spans[0].note == "a note"
        statuses = dict(db.session.execute(
            select(User.username, DocumentReview.status)
            .join(User, User.id == DocumentReview.reviewer_id)).all())
        assert statuses == {"Alice": "submitted", "bob": "in_progress"}
        marks = db.session.execute(
            select(ParagraphReview.reviewer_id, ParagraphReview.paragraph_index)
            .order_by(ParagraphReview.reviewer_id, ParagraphReview.paragraph_index)).all()
        # A submitted review covers every paragraph.
        assert [m[1] for m in marks] == [0, 1, 1]
        gold = db.session.scalars(select(GoldSpan)).one()
        assert gold.provenance == "adjudicated:carol"
        plain = db.session.get(Document, result.documents[1])
        assert [p.text for p in plain.paragraphs] == ["A.", "B."]


def _bad(**changes):
    doc = json.loads(json.dumps(LABELLED))
    for path, value in changes.items():
        target = doc
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return doc


@pytest.mark.parametrize("bad, message", [
    (_bad(reviews__0__annotations__0__text="Officials say"), "does not match"),
    (_bad(reviews__0__annotations__0__end=99), "out of range"),
    (_bad(reviews__0__annotations__0__paragraph=5), "paragraph 5 does not exist"),
    (_bad(reviews__0__annotations__0__label="bias"), "unknown label \"bias\""),
    (_bad(reviews__0__annotations__0__attributes={"source_type": "friend"}), "must be one of"),
    (_bad(reviews__0__annotations__0__attributes={"colour": "red"}), "no attribute"),
    (_bad(reviews__0__status="done"), "status must be"),
    (_bad(reviews__0__reviewer="Gold"), "'gold' is not a reviewer"),
    (_bad(reviews__0__reviewer="no spaces allowed"), "reviewer must be"),
    (_bad(reviews__0__reviewer="alice\n"), "reviewer must be"),  # accounts.USERNAME_RE
    (_bad(paragraphs=["ok", "  "]), "paragraph 1 is empty"),
    (_bad(published="July"), "not a date"),
    (_bad(colour="red"), "unknown field 'colour'"),
    (_bad(gold__0__label="nope"), "gold span 1"),
    (_bad(gold=[LABELLED["gold"][0], LABELLED["gold"][0]]), "gold span 2 repeats gold span 1"),
    (_bad(reviews__0__annotations__0__start=True), "whole number"),
])
def test_one_bad_span_refuses_the_whole_import(app, make_project, write_file, bad, message):
    make_project()
    path = write_file("docs.jsonl", [{"title": "Good", "paragraphs": ["Fine."]}, bad])
    with app.app_context():
        with pytest.raises(ImportFailed) as info:
            import_paths(_project(), [path])
        assert "docs.jsonl, line 2" in info.value.message
        assert message in info.value.message
        assert _nothing_written()
        assert _count(User) == 0  # reviewers are not created either


def test_nul_character_in_jsonl_refused_with_line(app, make_project, write_file):
    make_project()
    path = write_file("nul.jsonl", '{"title": "a", "paragraphs": ["x"]}\n'
                      '{"title": "b", "paragraphs": ["y"], "meta": {"k": "v\\u0000"}}\n')
    with app.app_context():
        with pytest.raises(ImportFailed, match=r"nul.jsonl, line 2: meta.k contains a NUL "
                                               r"character, which cannot be stored.$"):
            import_paths(_project(), [path])
        assert _nothing_written()


@pytest.mark.parametrize("where, spans", [
    ("reviewer alice, span 2", "reviews__0__annotations__1__note"),
    ("gold span 1", "gold__0__note"),
])
def test_notes_are_held_to_the_api_rule(app, make_project, write_file, where, spans):
    """A note longer than the API takes (spans.MAX_NOTE) refuses the import, naming the file,
    line and span; one of exactly MAX_NOTE characters comes in whole."""
    make_project()
    path = write_file("notes.jsonl", [{"title": "Good", "paragraphs": ["Fine."]},
                                      _bad(**{spans: "n" * (MAX_NOTE + 1)})])
    with app.app_context():
        with pytest.raises(ImportFailed) as info:
            import_paths(_project(), [path])
        assert info.value.message == (f"{path}, line 2, {where}: note is longer than "
                                      f"{MAX_NOTE} characters.")
        assert nothing_written()
        path = write_file("fits.jsonl", [_bad(**{spans: "n" * MAX_NOTE})])
        assert import_paths(_project(), [path]).documents
        assert MAX_NOTE in {len(n) for n in db.session.scalars(select(Annotation.note))} \
            | {len(n) for n in db.session.scalars(select(GoldSpan.note))}


@pytest.mark.parametrize("field, message", [
    ("note", "note contains a NUL character, which cannot be stored"),
    ("provenance", "provenance contains a NUL character, which cannot be stored"),
])
def test_a_nul_in_a_note_or_provenance_is_refused_when_objects_come_in_directly(
        app, make_project, field, message):
    """Objects given to parse_document_object (not read from a file, whose lines are checked
    by inputs.loads first) meet the same span rule as the API."""
    make_project()
    with app.app_context():
        codebook = load_codebook(_project().codebook)
        with pytest.raises(ImportFailed) as info:
            parse_document_object(_bad(**{f"gold__0__{field}": "a\x00b"}), codebook, "doc 1")
        assert info.value.message == f"doc 1, gold span 1: {message}."
        assert nothing_written()


# A lone surrogate ended in UnicodeEncodeError (500 on the import page, a traceback in the
# CLI), 100,000 levels in RecursionError; 500 levels were stored in meta.
@pytest.mark.parametrize("line, message", [
    ('{"title": "\\ud800", "paragraphs": ["x"]}',
     "title contains a lone surrogate (\\ud800), which is not Unicode text and cannot be "
     "stored."),
    ('{"title": "a", "paragraphs": ["x", "y \\udfff"]}',
     "paragraphs[1] contains a lone surrogate (\\udfff)"),
    ('{"title": "a", "paragraphs": ["x"], "reviews": [{"reviewer": "alice", "annotations": '
     '[{"paragraph": 0, "start": 0, "end": 1, "label": "framing", "note": "\\ud83d"}]}]}',
     "reviews[0].annotations[0].note contains a lone surrogate (\\ud83d)"),
    ('{"text": "a \\ud800", "label": [[0, 1, "framing"]]}',
     "text contains a lone surrogate (\\ud800)"),
    ('{"title": "a", "paragraphs": ["x"], "meta": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "the JSON is nested more than 64 levels deep."),
    ('{"title": "a", "paragraphs": ["x"], "meta": {"k": ' + "[" * 500 + "]" * 500 + "}}",
     "the JSON is nested more than 64 levels deep."),
])
def test_jsonl_lines_that_cannot_be_stored_are_refused(app, make_project, write_file, line,
                                                       message):
    make_project()
    path = write_file("bad.jsonl", '{"title": "ok", "paragraphs": ["fine"]}\n' + line + "\n")
    with app.app_context():
        with pytest.raises(ImportFailed) as info:
            import_paths(_project(), [path], reviewer="alice")
        assert f"bad.jsonl, line 2: {message}" in info.value.message
        assert _nothing_written()


def _nested(depth):
    """Lists nested ``depth`` levels deep."""
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


# A documents JSONL line is not walked for depth whole: what the checks take is typed, and a
# line nested too deep fails them; what they keep or skip is walked (jsonl._document).
# Each place, its level in the line (the document is level 1).
DEEP_PLACES = {
    "meta": 2, "id": 2, "project": 2, "title": 2, "published": 2, "source": 2,
    "gold_answers": 2, "paragraphs__1": 3, "reviews__0__status": 4,
    "reviews__0__answers": 4, "reviews__0__reviewed_paragraphs__0": 5,
    **{f"reviews__0__annotations__0__{key}": 6
       for key in ("start", "label", "text", "note", "attributes", "id", "client_id",
                   "reviewer", "created_at", "updated_at")},
    "reviews__0__annotations__0__attributes__source_type": 7,
    "gold__0__provenance": 4, "gold__0__attributes": 4, "gold__0__id": 4,
}
# The places the checks keep or skip without a look at the value: a container is fine there,
# up to the limit.
UNLOOKED_PLACES = ["meta", "id", "project", "reviews__0__annotations__0__id",
                   "reviews__0__annotations__0__client_id",
                   "reviews__0__annotations__0__reviewer",
                   "reviews__0__annotations__0__created_at",
                   "reviews__0__annotations__0__updated_at", "gold__0__id"]


@pytest.mark.parametrize("place", DEEP_PLACES)
@pytest.mark.parametrize("beyond", [1, 500])
def test_a_jsonl_line_nested_too_deep_anywhere_is_refused_as_such(app, make_project,
                                                                  write_file, place, beyond):
    """65 levels (or 500, near what json.loads takes) anywhere in a line: the depth is what
    is refused, never the type that the value has at that place, and nothing is written."""
    make_project()
    value = _nested(MAX_DEPTH - DEEP_PLACES[place] + 1 + beyond)
    path = write_file("docs.jsonl", [{"title": "ok", "paragraphs": ["fine"]},
                                     _bad(**{place: value})])
    with app.app_context():
        with pytest.raises(ImportFailed) as info:
            import_paths(_project(), [path])
        assert info.value.message.endswith(
            "docs.jsonl, line 2: the JSON is nested more than 64 levels deep.")
        assert _nothing_written()


@pytest.mark.parametrize("place", UNLOOKED_PLACES)
def test_a_jsonl_line_nested_64_levels_deep_where_nothing_is_checked_imports(
        app, make_project, write_file, place):
    make_project()
    depth = MAX_DEPTH - DEEP_PLACES[place] + 1
    value = {"deep": _nested(depth - 1)} if place == "meta" else _nested(depth)  # an object
    path = write_file("docs.jsonl", [_bad(**{place: value})])
    with app.app_context():
        result = import_paths(_project(), [path])
        assert result.spans == 3 and result.gold == 1
        if place == "meta":
            assert db.session.get(Document, result.documents[0]).meta == value


def test_jsonl_with_an_astral_character_escaped_as_a_pair_imports(app, make_project,
                                                                   write_file):
    make_project()
    path = write_file("ok.jsonl", json.dumps({"title": "🙂", "paragraphs": ["a 🙂 b"]}) + "\n")
    assert "\\ud83d\\ude42" in path.read_text()
    with app.app_context():
        result = import_paths(_project(), [path])
        assert db.session.get(Document, result.documents[0]).title == "🙂"


def test_broken_json_line_named(app, make_project, write_file):
    make_project()
    path = write_file("docs.jsonl", '{"title": "a", "paragraphs": ["x"]}\n{"title": \n')
    with app.app_context():
        with pytest.raises(ImportFailed, match=r"docs.jsonl, line 2: not valid JSON"):
            import_paths(_project(), [path])
        assert _nothing_written()


def test_many_files_one_bad_leaves_nothing(app, make_project, write_file):
    make_project()
    good = write_file("a.txt", "One.\n\nTwo.")
    latin = write_file("b.txt", "caf\xe9".encode("latin-1"))
    with app.app_context():
        with pytest.raises(ImportFailed, match="b.txt: the file is not UTF-8"):
            import_paths(_project(), [good, latin])
        assert _nothing_written()


def test_folder_import(app, make_project, write_file, tmp_path):
    make_project()
    write_file("corpus/a.txt", "One.")
    write_file("corpus/sub/b.md", "Two.")
    write_file("corpus/ignored.pdf", b"%PDF")
    with app.app_context():
        result = import_paths(_project(), [tmp_path / "corpus"])
        assert len(result.documents) == 2


def test_same_article_twice_is_refused_or_skipped(app, make_project, write_file):
    make_project()
    a = write_file("a.txt", "Same text.\n\nTwice.")
    b = write_file("b.txt", "Same text.\n\nTwice.")
    c = write_file("c.txt", "Other.")
    with app.app_context():
        import_paths(_project(), [a])
        with pytest.raises(ImportFailed, match="already in project 'news'"):
            import_paths(_project(), [c, b])
        assert _count(Document) == 1
        result = import_paths(_project(), [c, b], skip_existing=True)
        assert len(result.documents) == 1 and len(result.skipped) == 1
        assert "Skipped 1" in result.summary()
        with pytest.raises(ImportFailed, match="appears earlier in this import"):
            import_paths(_project(), [write_file("d.txt", "New."), write_file("e.txt", "New.")])


def test_external_id_unique_per_project(app, make_project, write_file):
    make_project()
    make_project("other")
    line = {"title": "x", "external_id": "id-1", "paragraphs": ["p"]}
    path = write_file("a.jsonl", [line])
    with app.app_context():
        import_paths(_project(), [path])
        import_paths(_project("other"), [path])  # another project may hold it
        with pytest.raises(ImportFailed, match="external id 'id-1'"):
            import_paths(_project(), [write_file("b.jsonl", [dict(line, paragraphs=["q"])])])


def test_bulk_import_of_many_documents(app, make_project):
    make_project()
    codebook = load_codebook(default_codebook())
    from annotator.imports import parse_document_object

    docs = [
        parse_document_object({
            "title": f"Doc {i}", "paragraphs": [f"Paragraph {j} of document {i}." for j in
                                                range(5)],
            "reviews": [{"reviewer": r, "status": "submitted", "annotations": [
                {"paragraph": j, "start": 0, "end": 9, "label": "framing"} for j in range(5)]}
                for r in ("r1", "r2")],
        }, codebook, f"line {i}")
        for i in range(300)
    ]
    with app.app_context():
        result = import_documents(_project(), docs)
        assert len(result.documents) == 300
        assert _count(Annotation) == 3000
        assert _count(ParagraphReview) == 3000
        assert len(set(result.documents)) == 300
        # ids come back in input order
        titles = dict(db.session.execute(select(Document.id, Document.title)).all())
        assert [titles[i] for i in result.documents] == [f"Doc {i}" for i in range(300)]


def test_a_stream_is_parsed_ahead_and_an_error_either_side_stops_it(app, make_project,
                                                                   write_file, monkeypatch):
    """import_paths parses the next chunk in a thread while it writes this one: an error in
    the parsing (a bad line after the first chunk) or in the writing (the same article twice,
    in different chunks) refuses the whole import, and the parsing thread is gone."""
    import threading

    from annotator.imports import writer

    monkeypatch.setattr(writer, "CHUNK_DOCUMENTS", 2)
    make_project()
    lines = [json.dumps({"title": f"t{i}", "paragraphs": [f"Text number {i}."]})
             for i in range(7)]
    bad_line = write_file("bad.jsonl", "\n".join(lines[:5] + ['{"title": ']) + "\n")
    twice = write_file("twice.jsonl", "\n".join(lines[:5] + [lines[0], *lines[5:]]) + "\n")
    good = write_file("good.jsonl", "\n".join(lines) + "\n")
    with app.app_context():
        with pytest.raises(ImportFailed, match=r"bad.jsonl, line 6: not valid JSON"):
            import_paths(_project(), [bad_line])
        assert _nothing_written()
        with pytest.raises(ImportFailed, match="the same article appears earlier"):
            import_paths(_project(), [twice])
        assert _nothing_written()
        assert not [t for t in threading.enumerate() if t.name == "prefetch"]
        assert len(import_paths(_project(), [good]).documents) == 7


def test_a_paragraph_not_there_is_named_with_the_document_s_count_in_words():
    from annotator.spans import has_paragraphs

    assert has_paragraphs(3) == "the document has 3 paragraphs, numbered from 0"
    assert has_paragraphs(1) == "the document has 1 paragraph, numbered 0"
    doc = {"title": "t", "paragraphs": ["Only one."], "reviews": [{"reviewer": "r", "annotations": [
        {"paragraph": 1, "start": 0, "end": 2, "label": "framing"}]}]}
    with pytest.raises(ImportFailed, match=r"paragraph 1 does not exist \(the document has 1 "
                                           r"paragraph, numbered 0\)\."):
        parse_document_object(doc, load_codebook(default_codebook()), "x")


@pytest.mark.parametrize("result, said", [
    (ImportResult(documents=[7], paragraphs=1, spans=1, gold=1),
     "Imported 1 document, 1 paragraph, 1 span, 1 gold span."),
    (ImportResult(documents=[7, 8], paragraphs=2, spans=0, gold=2),
     "Imported 2 documents, 2 paragraphs, 0 spans, 2 gold spans."),
    (ImportResult(updated_documents=[3], added_reviews=1),
     "Imported 0 documents, 0 paragraphs, 0 spans. Added 1 review to 1 document already in "
     "the project (id 3)."),
    (ImportResult(updated_documents=[3, 4], added_reviews=2, added_gold=1),
     "Imported 0 documents, 0 paragraphs, 0 spans. Added 2 reviews and gold spans to 2 "
     "documents already in the project (id 3, 4)."),
])
def test_the_summary_counts_in_words(result, said):
    assert result.summary() == said
