"""The fast import paths: streamed reading, chunks within one transaction, bulk writing (COPY on
PostgreSQL, executemany on SQLite). They must write exactly the rows the ORM writes, keep the
duplicate rules across chunk boundaries, and leave nothing behind on an error anywhere."""

import gc
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from annotator.codebook import load_codebook
from annotator.database import json_text_encoder
from annotator.errors import ImportFailed
from annotator.extensions import db
from annotator.imports import (
    import_documents,
    import_paths,
    import_stream,
    iter_documents,
    iter_jsonl,
    parse_document_object,
    parse_jsonl,
    parse_paths,
)
from annotator.imports import writer as importer
from annotator.models import (
    Annotation,
    Document,
    DocumentReview,
    GoldSpan,
    Paragraph,
    ParagraphReview,
    User,
)
from tests.helpers import nothing_written as _nothing_written
from tests.helpers import project_by_slug as _project
from tests.helpers import row_count as _count

pytestmark = pytest.mark.both_engines

CODEBOOK = {"labels": [
    {"key": "frame", "name": "Frame", "attributes": [
        {"key": "kind", "name": "Kind", "type": "choice", "choices": ["a b", "c"]},
        {"key": "tags", "name": "Tags", "type": "multi", "choices": ["x", "y", "z"]},
        {"key": "sure", "name": "Sure", "type": "boolean"},
        {"key": "who", "name": "Who", "type": "text"},
    ]},
    {"key": "quote", "name": "Quote", "attributes": []},
]}
AWKWARD = 'quote " backslash \\ tab \t newline \n CR \r é 🙂 \u2028 \\N \\. end'
PARAGRAPHS = [
    "Plain first paragraph with “curly quotes” — and a dash.",
    "Tab\there, backslash \\ and \\N and a lone \\.",
    "\\.",
    "Ünïcödé 𝔘 🙂 Кириллица",
]
LABELLED = {
    "title": 'A "quoted" title \\ with a backslash',
    "meta": {"note": AWKWARD, "nested": {"list": [1, 2.5, None, True], "empty": {}}},
    "paragraphs": PARAGRAPHS,
    "reviews": [
        {"reviewer": "Alice", "status": "submitted", "annotations": [
            {"paragraph": 0, "start": 0, "end": 5, "label": "frame",
             "attributes": {"kind": "a b", "tags": ["z", "x"], "sure": True, "who": AWKWARD},
             "note": "tabs\tand\nnewlines\r\nand \\ and \\N"},
            {"paragraph": 1, "start": 0, "end": 3, "label": "frame",
             "attributes": {"sure": False}},
            {"paragraph": 3, "start": 0, "end": 7, "label": "quote"},
        ]},
        {"reviewer": "bob", "status": "in_progress", "reviewed_paragraphs": [2, 0],
         "annotations": [{"paragraph": 2, "start": 0, "end": 2, "label": "quote",
                          "note": AWKWARD}]},
    ],
    "gold": [{"paragraph": 0, "start": 0, "end": 5, "label": "frame",
              "attributes": {"who": "gold \\ \"who\""}, "note": "g\tnote",
              "provenance": "adjudicated:carol"},
             {"paragraph": 1, "start": 0, "end": 3, "label": "quote"}],
}
DATED = {"title": "Dated", "source": "RT", "url": "https://example.org/a?b=1&c=\\d",
         "published": "2021-07-26", "external_id": "ext-1", "paragraphs": ["Only one."],
         "reviews": [{"reviewer": "carol", "status": "in_progress", "annotations": []}]}
BARE = {"text": "No title, no source, no url.\n\nSecond paragraph.", "meta": {}}


def _jsonl(objs):
    return ("\n".join(json.dumps(o, ensure_ascii=False) for o in objs) + "\n").encode()


def _doc(i, reviewer="r1", spans=2, paragraphs=3, **fields):
    return {"title": f"Doc {i}", "external_id": f"e-{i}",
            "paragraphs": [f"Paragraph {j} of document {i}." for j in range(paragraphs)],
            "reviews": [{"reviewer": reviewer, "status": "submitted", "annotations": [
                {"paragraph": j % paragraphs, "start": 0, "end": 9, "label": "quote"}
                for j in range(spans)]}], **fields}


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 2 documents, so that a few documents cross several chunk boundaries."""
    monkeypatch.setattr(importer, "CHUNK_DOCUMENTS", 2)


# --- the rows written are those the ORM writes ---------------------------------------------

COLUMNS = {
    "documents": ["title", "source", "url", "published", "meta", "external_id", "content_hash",
                  "paragraph_count", "created_at"],
    "paragraphs": ["document_id", "position", "text"],
    "document_reviews": ["document_id", "reviewer_id", "status", "assigned_at", "submitted_at",
                         "updated_at"],
    "paragraph_reviews": ["document_id", "paragraph_index", "reviewer_id", "created_at"],
    "annotations": ["document_id", "paragraph_index", "reviewer_id", "start", "end", "label",
                    "attributes", "note", "client_id", "created_at", "updated_at"],
    "gold_spans": ["document_id", "paragraph_index", "start", "end", "label", "attributes",
                   "note", "provenance", "created_by_id", "created_at"],
}


def _raw_rows(project_id):
    """Every row of the project as the driver returns it (on SQLite: the stored text of
    timestamps and JSON), document ids replaced by the document's rank in the project."""
    ids = db.session.scalars(select(Document.id).where(Document.project_id == project_id)
                             .order_by(Document.id)).all()
    rank = {id_: i for i, id_ in enumerate(ids)}
    rows = {}
    for table, columns in COLUMNS.items():
        names = ", ".join(f'"{c}"' for c in columns)
        if table == "documents":
            sql = f"SELECT {names} FROM documents WHERE project_id = :p ORDER BY id"
        else:
            sql = (f"SELECT {names} FROM {table} WHERE document_id IN "
                   f"(SELECT id FROM documents WHERE project_id = :p)")
        found = []
        for row in db.session.execute(text(sql), {"p": project_id}):
            row = list(row)
            if table != "documents":
                row[0] = rank[row[0]]
            found.append(row)
        rows[table] = sorted(found, key=repr) if table != "documents" else found
    return rows


def _write_with_orm(project, docs, stamp):
    """The reference: the same documents written one object at a time by the ORM, with the
    import's timestamp."""
    users = {name.lower(): id_ for id_, name in db.session.execute(
        select(User.id, User.username))}
    for doc in docs:
        document = Document(project_id=project.id, title=doc.title, source=doc.source,
                            url=doc.url, published=doc.published, meta=doc.meta,
                            external_id=doc.external_id, content_hash=doc.content_hash,
                            paragraph_count=len(doc.paragraphs), created_at=stamp)
        db.session.add(document)
        db.session.flush()
        db.session.add_all(Paragraph(document_id=document.id, position=i, text=t)
                           for i, t in enumerate(doc.paragraphs))
        db.session.flush()
        for review in doc.reviews:
            user = users[review.reviewer.lower()]
            db.session.add(DocumentReview(
                document_id=document.id, reviewer_id=user, status=review.status,
                submitted_at=stamp if review.status == "submitted" else None,
                updated_at=stamp))
            db.session.add_all(ParagraphReview(document_id=document.id, paragraph_index=p,
                                               reviewer_id=user, created_at=stamp)
                               for p in review.reviewed_paragraphs)
            db.session.add_all(Annotation(
                document_id=document.id, paragraph_index=s.paragraph, reviewer_id=user,
                start=s.start, end=s.end, label=s.label, attributes=s.attributes, note=s.note,
                created_at=stamp, updated_at=stamp) for s in review.annotations)
        db.session.add_all(GoldSpan(
            document_id=document.id, paragraph_index=s.paragraph, start=s.start, end=s.end,
            label=s.label, attributes=s.attributes, note=s.note, provenance=s.provenance,
            created_at=stamp) for s in doc.gold)
    db.session.commit()


def test_bulk_rows_are_the_rows_the_orm_writes(app, make_project):
    make_project("fast", codebook=CODEBOOK)
    make_project("orm", codebook=CODEBOOK)
    with app.app_context():
        project = _project("fast")
        docs = parse_jsonl(_jsonl([LABELLED, DATED, BARE]), "d.jsonl",
                           load_codebook(project.codebook))
        result = import_documents(project, docs)
        assert (result.paragraphs, result.spans, result.gold) == (7, 4, 2)
        assert result.created_reviewers == ["Alice", "bob", "carol"]
        stamp = db.session.get(Document, result.documents[0]).created_at
        _write_with_orm(_project("orm"), docs, stamp)
        fast, orm = _raw_rows(_project("fast").id), _raw_rows(_project("orm").id)
        for table in COLUMNS:
            assert fast[table] == orm[table], table
        # One timestamp for the whole import, as before.
        stamps = {row[-1] for table in ("documents", "paragraph_reviews", "gold_spans")
                  for row in fast[table]}
        assert len(stamps) == 1
        # And the values read back through the models are the ones given.
        spans = db.session.scalars(select(Annotation).order_by(Annotation.id)
                                   .where(Annotation.document_id.in_(result.documents))).all()
        assert len(spans) == 4
        assert spans[0].attributes == {"kind": "a b", "tags": ["x", "z"], "sure": True,
                                       "who": AWKWARD}
        assert spans[0].note == "tabs\tand\nnewlines\r\nand \\ and \\N"
        assert spans[1].attributes == {"sure": False} and spans[2].attributes == {}
        assert spans[3].note == AWKWARD and spans[0].client_id is None
        first = db.session.get(Document, result.documents[0])
        assert [p.text for p in first.paragraphs] == PARAGRAPHS
        assert first.meta == LABELLED["meta"]
        assert (first.source, first.url, first.published) == (None, None, None)
        dated = db.session.get(Document, result.documents[1])
        assert str(dated.published) == "2021-07-26" and dated.url == DATED["url"]
        gold = db.session.scalars(select(GoldSpan).order_by(GoldSpan.id)
                                  .where(GoldSpan.document_id.in_(result.documents))).all()
        assert [g.provenance for g in gold] == ["adjudicated:carol", "imported"]
        assert gold[0].created_by_id is None and gold[0].note == "g\tnote"


def test_streamed_file_import_equals_list_import(app, make_project, write_file):
    make_project("listed", codebook=CODEBOOK)
    make_project("streamed", codebook=CODEBOOK)
    path = write_file("d.jsonl", _jsonl([LABELLED, DATED, BARE]))
    with app.app_context():
        listed = _project("listed")
        docs = parse_paths([path], load_codebook(listed.codebook))
        assert docs == list(iter_documents([path], load_codebook(listed.codebook)))
        import_documents(listed, docs)
        import_paths(_project("streamed"), [path])
        a, b = _raw_rows(_project("listed").id), _raw_rows(_project("streamed").id)
        for table in COLUMNS:
            strip = (lambda row: row[:-1]) if table == "documents" else (lambda row: row)
            if table in ("documents", "paragraphs"):
                assert [strip(r) for r in a[table]] == [strip(r) for r in b[table]], table
            else:  # timestamps differ between the two imports
                assert len(a[table]) == len(b[table]), table


# --- chunks ------------------------------------------------------------------------------

def test_many_documents_across_many_chunks(app, make_project, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 50)  # 10 documents of 5 rows each
    make_project(codebook=CODEBOOK)
    with app.app_context():
        project = _project()
        codebook = load_codebook(project.codebook)
        docs = [parse_document_object(_doc(i, reviewer=f"r{i % 7}"), codebook, f"line {i}")
                for i in range(333)]
        seen = []
        result = import_documents(project, docs, progress=seen.append)
        assert len(result.documents) == 333 and result.spans == 666
        assert seen == sorted(seen) and seen[-1] == 100 and len(seen) == 34
        titles = dict(db.session.execute(select(Document.id, Document.title)).all())
        assert [titles[i] for i in result.documents] == [f"Doc {i}" for i in range(333)]
        assert result.created_reviewers == [f"r{i}" for i in range(7)]
        assert _count(Paragraph) == 999 and _count(ParagraphReview) == 999
        assert _count(DocumentReview) == 333 and _count(User) == 7


def test_import_stream_reports_documents_done(app, make_project, small_chunks):
    make_project(codebook=CODEBOOK)
    with app.app_context():
        project = _project()
        codebook = load_codebook(project.codebook)
        docs = (parse_document_object(_doc(i), codebook, f"line {i}") for i in range(5))
        seen = []
        assert len(import_stream(project, docs, progress=seen.append).documents) == 5
        assert seen == [2, 4, 5]


def test_duplicates_across_chunk_boundaries(app, make_project, write_file, small_chunks):
    make_project(codebook=CODEBOOK)
    same = {"title": "Same", "paragraphs": ["Same text."]}
    path = write_file("d.jsonl", _jsonl([_doc(1), _doc(2), _doc(3), same, _doc(4), same]))
    with app.app_context():
        with pytest.raises(ImportFailed) as info:
            import_paths(_project(), [path])
        assert info.value.message == (
            f"{path}, line 6: the same article appears earlier in this import ({path}, line 4)."
            " Nothing was imported; use --skip-existing to skip such documents.")
        assert _nothing_written()
        result = import_paths(_project(), [path], skip_existing=True)
        assert len(result.documents) == 5
        assert result.skipped == [f"{path}, line 6 (the same article appears earlier in this "
                                  f"import ({path}, line 4))"]
        # Now in the project: the same article, or its external id, is refused or skipped.
        unlabelled = {"title": "Again", "paragraphs": _doc(2)["paragraphs"]}
        again = write_file("e.jsonl", _jsonl([_doc(5), _doc(6), _doc(7), unlabelled]))
        with pytest.raises(ImportFailed, match=r"line 4: the same article is already in "
                                               r"project 'news' as document \d+ \('Doc 2'\)"):
            import_paths(_project(), [again])
        moved = write_file("f.jsonl", _jsonl([_doc(8), _doc(9), _doc(10),
                                              dict(_doc(11), external_id="e-8")]))
        with pytest.raises(ImportFailed, match=r"line 4: external id 'e-8' appears earlier in "
                                               rf"this import \({moved}, line 1\)"):
            import_paths(_project(), [moved])
        taken = write_file("g.jsonl", _jsonl([_doc(12), _doc(13), _doc(14),
                                              dict(_doc(15), external_id="e-1")]))
        with pytest.raises(ImportFailed, match=r"line 4: external id 'e-1' is already used in "
                                               r"project 'news' by document \d+ \('Doc 1'\)"):
            import_paths(_project(), [taken])
        assert _count(Document) == 5


def test_labelled_data_joins_an_article_of_an_earlier_chunk(app, make_project, write_file,
                                                           small_chunks):
    make_project(codebook=CODEBOOK)
    existing = write_file("a.jsonl", _jsonl([_doc(0, reviewer="ann")]))
    lines = [_doc(1, reviewer="alice"), _doc(2), _doc(3),
             _doc(1, reviewer="bob"),  # joins line 1, two chunks back
             _doc(0, reviewer="bob"),  # joins the document already in the project
             _doc(1, reviewer="alice")]  # alice has reviewed line 1 already
    path = write_file("b.jsonl", _jsonl(lines))
    with app.app_context():
        import_paths(_project(), [existing])
        with pytest.raises(ImportFailed) as info:
            import_paths(_project(), [path])
        assert info.value.message.startswith(
            f"{path}, line 6: reviewer 'alice' already has a review of the same article "
            f"earlier in this import ({path}, line 1).")
        assert _count(Document) == 1 and _count(User) == 1
        result = import_paths(_project(), [path], skip_existing=True)
        assert len(result.documents) == 3 and result.updated_documents == [1]
        assert result.added_reviews == 1 and len(result.skipped) == 1
        reviews = db.session.execute(
            select(Document.title, User.username).join(DocumentReview.reviewer)
            .join(Document, Document.id == DocumentReview.document_id)
            .order_by(Document.id, User.username)).all()
        assert [tuple(r) for r in reviews] == [
            ("Doc 0", "ann"), ("Doc 0", "bob"), ("Doc 1", "alice"), ("Doc 1", "bob"),
            ("Doc 2", "r1"), ("Doc 3", "r1")]
        assert result.spans == 10  # 3 new documents, and bob's spans on two others


# --- all or nothing ----------------------------------------------------------------------

@pytest.mark.parametrize("last, message", [
    ('{"title": "broken", ', "line 7: not valid JSON"),
    (json.dumps(dict(_doc(7), gold=[{"paragraph": 0, "start": 0, "end": 3, "label": "quote"}] * 2)),
     "line 7: gold span 2 repeats gold span 1"),
    (json.dumps({"title": "Again", "paragraphs": _doc(1)["paragraphs"]}),
     "line 7: the same article appears earlier in this import"),
    (json.dumps(_doc(7, reviewer="two words")), "line 7, review 1: reviewer must be"),
])
def test_an_error_in_the_last_chunk_leaves_nothing(app, make_project, write_file, small_chunks,
                                                   last, message):
    make_project(codebook=CODEBOOK)
    body = _jsonl([_doc(i, reviewer=f"new{i}") for i in range(1, 7)]) + last.encode() + b"\n"
    path = write_file("d.jsonl", body)
    with app.app_context():
        with pytest.raises(ImportFailed) as info:
            import_paths(_project(), [path])
        assert f"{path}, {message}" in info.value.message
        assert _nothing_written()  # reviewer accounts included
    assert gc.isenabled()


def test_an_error_while_reading_a_later_file_leaves_nothing(app, make_project, write_file,
                                                            small_chunks):
    make_project(codebook=CODEBOOK)
    good = write_file("a.jsonl", _jsonl([_doc(i) for i in range(5)]))
    latin = write_file("b.txt", "caf\xe9".encode("latin-1"))
    with app.app_context():
        with pytest.raises(ImportFailed, match="b.txt: the file is not UTF-8"):
            import_paths(_project(), [good, latin])
        assert _nothing_written()


# --- reading JSONL line by line -----------------------------------------------------------

def _codebook():
    return load_codebook(CODEBOOK)


def test_jsonl_lines_bom_crlf_and_blank_lines():
    data = b"\xef\xbb\xbf" + _jsonl([BARE]).replace(b"\n", b"\r\n") + b"  \r\n\n" + \
        _jsonl([DATED])
    docs = parse_jsonl(data, "d.jsonl", _codebook())
    assert [d.origin for d in docs] == ["d.jsonl, line 1", "d.jsonl, line 4"]
    assert docs == list(iter_jsonl(io.BytesIO(data), "d.jsonl", _codebook()))
    with pytest.raises(ImportFailed, match=r"^d.jsonl, line 2: not valid JSON"):
        parse_jsonl(_jsonl([BARE]) + b"\xef\xbb\xbf" + _jsonl([BARE]), "d.jsonl", _codebook())


def test_jsonl_not_utf8_names_the_line_and_the_position_in_the_file():
    first = b"\xef\xbb\xbf" + _jsonl([BARE])
    data = first + b'{"title": "caf\xe9", "text": "x"}\n'
    with pytest.raises(ImportFailed) as info:
        parse_jsonl(data, "d.jsonl", _codebook())
    position = len(first) - 3 + len(b'{"title": "caf')  # counted after the BOM, as before
    assert info.value.message == (
        f"d.jsonl, line 2: the file is not UTF-8 text (byte 0xe9 at position {position} cannot "
        f"be read); save it as UTF-8 and import it again.")
    with pytest.raises(ImportFailed, match=r"^d.jsonl: the file contains NUL bytes"):
        parse_jsonl(_jsonl([BARE]) + b"\x00\n", "d.jsonl", _codebook())
    with pytest.raises(ImportFailed, match=r"^d.jsonl: the file holds no documents"):
        parse_jsonl(b"\xef\xbb\xbf\n  \n", "d.jsonl", _codebook())


def test_gc_is_turned_back_on(app, make_project):
    make_project(codebook=CODEBOOK)
    with app.app_context():
        with pytest.raises(ImportFailed):
            parse_jsonl(b"{", "d.jsonl", _codebook())
        assert gc.isenabled()
        gc.disable()
        try:
            import_documents(_project(), parse_jsonl(_jsonl([BARE]), "d.jsonl", _codebook()))
            assert not gc.isenabled()  # left as it was
        finally:
            gc.enable()


def test_cli_streams_a_file_over_many_chunks(app, runner, make_project, write_file,
                                            small_chunks):
    make_project(codebook=CODEBOOK)
    path = write_file("d.jsonl", _jsonl([_doc(i) for i in range(7)]))
    r = runner.invoke(args=["import", "news", str(path)])
    assert r.exit_code == 0, r.output
    assert "Imported 7 documents, 21 paragraphs, 14 spans. Created reviewer accounts (no " \
           "password yet): r1." in r.output
    broken = write_file("e.jsonl", _jsonl([_doc(i) for i in range(10, 15)]) + b"{\n")
    r = runner.invoke(args=["import", "news", str(broken)])
    assert r.exit_code == 1 and f"{broken}, line 6: not valid JSON" in r.output
    assert "Nothing was imported" in r.output
    with app.app_context():
        assert _count(Document) == 7


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=_JSON, ascii_only=st.booleans())
def test_json_text_is_what_json_dumps_writes(value, ascii_only):
    """The bulk writes' JSON text (an encoder built once) is json.dumps's, byte for byte."""
    assert json_text_encoder(ascii_only)(value) == json.dumps(value, ensure_ascii=ascii_only)


def test_the_reading_thread_lets_the_gil_go_after_each_document(app, make_project, write_file,
                                                                 monkeypatch):
    """A stream is read ahead in a thread, which lets the GIL go after each document (the
    writing thread would otherwise wait up to 5 ms for it after each answer of the server); a
    list is written in the caller's thread, without."""
    import threading

    make_project(codebook=CODEBOOK)
    real_sleep = importer.time.sleep
    handed: list[str] = []

    def sleep(seconds):
        handed.append(threading.current_thread().name)
        real_sleep(seconds)

    monkeypatch.setattr(importer.time, "sleep", sleep)
    path = write_file("d.jsonl", _jsonl([_doc(i) for i in range(5)]))
    with app.app_context():
        import_paths(_project(), [path])
        assert handed == ["prefetch"] * 5
        handed.clear()
        import_documents(_project(), parse_jsonl(_jsonl([_doc(i) for i in range(5, 8)]),
                                                 "e.jsonl", _codebook()))
        assert handed == []
