"""Files read and parsed in processes of their own while the import writes (``ahead.py``), and
the COPY rows they make (``copytext.py``): the documents come in the files' order whoever
parsed them, the first fault in that order is the one reported and nothing is written, the
processes end however the import ends, and the rows stored are the values given, however
awkward their text."""

import gc
import itertools
import json
import os
import pickle
import threading
from dataclasses import fields

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from annotator.codebook import load_codebook
from annotator.errors import ImportFailed
from annotator.extensions import db
from annotator.imports import (
    ahead,
    files,
    import_documents,
    import_paths,
    iter_documents,
    parse_document_object,
    stream_documents,
)
from annotator.imports.jsonl import NOT_MINE, Share, iter_jsonl
from annotator.imports.paragraphs import content_hash
from annotator.imports.writer import pack
from annotator.models import Annotation, Document, Paragraph
from annotator.projects import create_project
from tests.helpers import nothing_written
from tests.helpers import project_by_slug as _project

CODEBOOK = {"labels": [
    {"key": "quote", "name": "Quote", "attributes": [
        {"key": "who", "name": "Who", "type": "text"}]},
]}


def _doc(i, spans=2, **fields):
    return {"title": f"Doc {i}", "external_id": f"e-{i}",
            "paragraphs": [f"Paragraph {j} of document {i}." for j in range(3)],
            "reviews": [{"reviewer": "r1", "status": "submitted", "annotations": [
                {"paragraph": j % 3, "start": 0, "end": 9, "label": "quote"}
                for j in range(spans)]}], **fields}


def _jsonl(objs):
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


def _make(paths, codebook, processes):
    def make(index, read):
        share = Share(index, processes) if processes > 1 else None
        return iter_documents(paths, codebook, progress=read, share=share)
    return make


# --- several readers of the same files -------------------------------------------------------

def test_shares_of_jsonl_files_are_complementary_and_count_across_files(write_file):
    codebook = load_codebook(CODEBOOK)
    a = write_file("a.jsonl", _jsonl([_doc(i) for i in range(3)]) + "\n  \n")
    b = write_file("b.jsonl", _jsonl([_doc(i) for i in range(3, 5)]))
    whole = [d.origin for d in iter_documents([a, b], codebook)]
    parts = [list(iter_documents([a, b], codebook, share=Share(k, 2))) for k in range(2)]
    assert [d is NOT_MINE for d in parts[0]] == [False, True, False, True, False]
    assert [d is NOT_MINE for d in parts[1]] == [True, False, True, False, True]
    merged = [p0 if p0 is not NOT_MINE else p1 for p0, p1 in zip(*parts, strict=True)]
    assert [d.origin for d in merged] == whole
    assert merged[3].origin == f"{b}, line 1"  # the count goes on in the second file


def test_a_share_still_reads_every_line_and_the_first_of_each_file(write_file):
    """Another reader's line is not parsed (a fault in it is its reader's to report), but it
    is decoded, and the first line of a file is parsed by every reader (the file's kind)."""
    codebook = load_codebook(CODEBOOK)
    bad_json = write_file("j.jsonl", _jsonl([_doc(0)]) + "{not json\n")
    assert list(iter_jsonl(bad_json.open("rb"), "j", codebook, share=Share(0, 2)))[1] \
        is NOT_MINE
    not_utf8 = write_file("u.jsonl", _jsonl([_doc(0)]).encode() + b"\xff\n")
    with pytest.raises(ImportFailed, match="line 2"):
        list(iter_jsonl(not_utf8.open("rb"), "u", codebook, share=Share(0, 2)))
    doccano = write_file("d.jsonl", _jsonl([{"text": "A text.", "label": []}]))
    with pytest.raises(ImportFailed, match="name the reviewer"):
        list(iter_jsonl(doccano.open("rb"), "d", codebook, share=Share(1, 2)))


def test_a_parsed_document_comes_through_a_pickle_whole():
    """What a reader sends: every field of the document, its reviews, spans and rows."""
    codebook = load_codebook({**CODEBOOK, "questions": [
        {"key": "tone", "name": "Tone", "type": "choice", "choices": ["calm", "shrill"]}]})
    span = {"paragraph": 1, "start": 0, "end": 9, "label": "quote",
            "attributes": {"who": "Ann"}, "note": "n"}
    doc = parse_document_object(_doc(
        1, source="Src", url="https://e.org/1", published="2021-07-26", meta={"k": [1]},
        gold=[dict(span, provenance="adjudicated:r1")],
        gold_answers={"tone": {"value": "calm", "provenance": "imported"}},
        reviews=[{"reviewer": "r1", "status": "in_progress", "reviewed_paragraphs": [0, 1],
                  "annotations": [span], "answers": {"tone": "shrill"}}]), codebook, "f, line 1")
    for made in (doc, pack(doc)):
        again = pickle.loads(pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == made and again is not made
        assert [f.name for f in fields(again)] == [f.name for f in fields(made)]
    assert again.reviews[0].span_rows.count == 1 and again.gold[0].provenance == "adjudicated:r1"


def test_read_ahead_gives_the_documents_in_order_with_the_files_read(write_file):
    codebook = load_codebook(CODEBOOK)
    a = write_file("a.jsonl", _jsonl([_doc(i) for i in range(5)]))
    b = write_file("b.jsonl", _jsonl([_doc(i) for i in range(5, 8)]))
    read = []
    docs = list(ahead.read_ahead(_make([a, b], codebook, 2), pack, read.append, processes=2))
    assert [d.title for d in docs] == [f"Doc {i}" for i in range(8)]
    assert read == [a, b]
    expected = [pack(d) for d in iter_documents([a, b], codebook)]
    assert [(d.content_hash, d.paragraph_lines, [r.span_rows for r in d.reviews])
            for d in docs] == \
        [(d.content_hash, d.paragraph_lines, [r.span_rows for r in d.reviews])
         for d in expected]


def _alive(reading):
    return [child.is_alive() for child in reading.children]


def test_closing_early_or_dropping_the_reader_ends_the_processes(write_file):
    codebook = load_codebook(CODEBOOK)
    path = write_file("a.jsonl", _jsonl([_doc(i, spans=50) for i in range(400)]))
    reading = ahead.read_ahead(_make([path], codebook, 2), pack, processes=2)
    next(reading)
    reading.close()
    assert _alive(reading) == [False, False]
    unread = ahead.read_ahead(_make([path], codebook, 2), pack, processes=2)
    children = unread.children
    del unread
    gc.collect()
    assert [child.is_alive() for child in children] == [False, False]


def test_a_reader_that_dies_fails_the_import(write_file):
    codebook = load_codebook(CODEBOOK)
    path = write_file("a.jsonl", _jsonl([_doc(i) for i in range(4)]))

    def make(index, read):
        for n, doc in enumerate(iter_documents([path], codebook, progress=read)):
            if n == 2:
                os._exit(3)
            yield doc

    with pytest.raises(ImportFailed, match=r"ended unexpectedly \(exit code 3\)"):
        list(ahead.read_ahead(make, pack))


def test_a_fault_of_the_code_in_a_reader_says_where_it_was(write_file):
    codebook = load_codebook(CODEBOOK)
    path = write_file("a.jsonl", _jsonl([_doc(i) for i in range(4)]))

    def broken(doc):
        raise ZeroDivisionError("packing went wrong")

    with pytest.raises(ZeroDivisionError, match="packing went wrong") as info:
        list(ahead.read_ahead(_make([path], codebook, 1), broken))
    assert "In the process reading the files" in "".join(info.value.__notes__)
    assert "broken" in "".join(info.value.__notes__)  # the child's traceback


# --- imports ---------------------------------------------------------------------------------

@pytest.fixture
def forking(monkeypatch):
    """Readers forked whatever threads the test run has left (a test's own checks of
    ``can_fork`` are below), for files of any size."""
    monkeypatch.setattr(files, "can_fork", lambda: True)
    monkeypatch.setattr(files, "READ_AHEAD_BYTES", 0)


@pytest.mark.both_engines
def test_a_jsonl_import_is_parsed_by_two_processes_in_turn(app, make_project, write_file,
                                                           monkeypatch, forking):
    """Each document says which process parsed it (and on PostgreSQL made its rows): not
    this one, one of two, in turn."""
    def noting_pid(made):
        def note(doc):
            doc.meta["pid"] = os.getpid()
            return made(doc)
        return note

    monkeypatch.setattr(files, "pack", noting_pid(files.pack))
    monkeypatch.setattr(files, "hashed", noting_pid(files.hashed))
    make_project(codebook=CODEBOOK)
    path = write_file("a.jsonl", _jsonl([_doc(i) for i in range(6)]))
    with app.app_context():
        assert import_paths(_project(), [path]).spans == 12
        pids = [meta["pid"] for meta in db.session.scalars(
            select(Document.meta).order_by(Document.id))]
    assert os.getpid() not in pids
    assert pids[0::2] == [pids[0]] * 3 and pids[1::2] == [pids[1]] * 3
    assert pids[0] != pids[1]


@pytest.mark.both_engines
@pytest.mark.parametrize("bad", [(4, 7), (3, 6)])  # first fault in the 2nd, then the 1st reader
def test_the_first_fault_in_the_files_order_is_reported_and_nothing_written(
        app, make_project, write_file, forking, bad):
    make_project(codebook=CODEBOOK)
    lines = [_doc(i) for i in range(1, 11)]
    for number in bad:
        lines[number - 1]["reviews"][0]["annotations"][0]["end"] = 999
    path = write_file("a.jsonl", _jsonl(lines))
    with app.app_context():
        with pytest.raises(ImportFailed) as info:
            import_paths(_project(), [path])
        assert info.value.message.startswith(f"{path}, line {bad[0]}, reviewer r1, span 1: "
                                             f"offsets 0-999 are out of range")
        assert nothing_written()


@pytest.mark.both_engines
def test_no_processes_while_another_thread_runs_when_turned_off_or_for_small_files(
        app, make_project, write_file, monkeypatch):
    monkeypatch.setattr(files, "READ_AHEAD_BYTES", 0)
    make_project(codebook=CODEBOOK)
    path = write_file("a.jsonl", _jsonl([_doc(i) for i in range(3)]))
    codebook = load_codebook(CODEBOOK)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not ahead.can_fork()
        with app.app_context():
            assert not isinstance(stream_documents([path], codebook), ahead.ReadAhead)
    finally:
        stop.set()
        thread.join()
    monkeypatch.setattr(files, "can_fork", lambda: True)
    with app.app_context():
        reading = stream_documents([path], codebook)
        assert isinstance(reading, ahead.ReadAhead) and len(reading.children) == 2
        reading.close()
        # files smaller together than READ_AHEAD_BYTES: parsed here
        monkeypatch.setattr(files, "READ_AHEAD_BYTES", 2 * path.stat().st_size + 1)
        assert not isinstance(stream_documents([path, path], codebook), ahead.ReadAhead)
        monkeypatch.setattr(files, "READ_AHEAD_BYTES", 2 * path.stat().st_size)
        folder = path.parent / "folder"
        for name in ("b.ann", "b.txt"):  # a folder counts its files' bytes
            (folder / "r1").mkdir(parents=True, exist_ok=True)
            (folder / "r1" / name).write_bytes(path.read_bytes())
        for paths in ([path, path], [folder]):
            reading = stream_documents(paths, codebook)
            assert isinstance(reading, ahead.ReadAhead)
            reading.close()
        monkeypatch.setattr(files, "READ_AHEAD_BYTES", 0)
        app.config["IMPORT_READ_AHEAD_PROCESSES"] = 0
        assert not isinstance(stream_documents([path], codebook), ahead.ReadAhead)
        assert import_paths(_project(), [path]).spans == 6


def test_one_process_for_files_other_than_jsonl(app, write_file, monkeypatch):
    """Only JSONL files are read in shares: with a text file among them, one reader."""
    monkeypatch.setattr(files, "can_fork", lambda: True)
    monkeypatch.setattr(files, "READ_AHEAD_BYTES", 0)
    a = write_file("a.jsonl", _jsonl([_doc(i) for i in range(3)]))
    b = write_file("b.txt", "A text file.\n\nIts second paragraph.")
    with app.app_context():
        reading = stream_documents([a, b], load_codebook(CODEBOOK))
        try:
            assert len(reading.children) == 1
            assert [d.title for d in reading] == ["Doc 0", "Doc 1", "Doc 2", "b"]
        finally:
            reading.close()


@pytest.mark.both_engines
def test_documents_read_ahead_come_as_rows_for_postgresql_only(app, write_file, forking):
    """On PostgreSQL the readers make the documents into COPY rows; for SQLite, which takes
    none, they only take the content hash, and the spans come as spans."""
    path = write_file("a.jsonl", _jsonl([_doc(0, spans=2)]))
    with app.app_context():
        reading = stream_documents([path], load_codebook(CODEBOOK))
        assert isinstance(reading, ahead.ReadAhead)
        (doc,) = list(reading)
        engine = db.engine.dialect.name
    review = doc.reviews[0]
    assert doc.hashed == content_hash(doc.paragraphs) and review.span_count == 2
    if engine == "postgresql":
        assert review.annotations == [] and review.span_rows.count == 2
    else:
        assert len(review.annotations) == 2 and review.span_rows is None


# --- the COPY rows: the values stored are the values given ------------------------------------

# Any text PostgreSQL stores: no NUL, no lone surrogate; COPY's own characters often.
AWKWARD = st.text(st.one_of(st.sampled_from("\\\t\n\r.N\"'{}[],:é🙂\u2028 "),
                            st.characters(exclude_categories=("Cs",),
                                          exclude_characters="\x00")), max_size=40)


SLUGS = itertools.count()


@pytest.mark.postgresql_only
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paragraphs=st.lists(AWKWARD.filter(lambda s: s.strip()), min_size=1, max_size=4),
       who=AWKWARD, note=AWKWARD)
def test_copy_rows_store_awkward_text_as_given(app, paragraphs, who, note):
    with app.app_context():
        project = create_project(f"p{next(SLUGS)}", codebook=CODEBOOK)
        obj = {"title": "t", "paragraphs": paragraphs, "reviews": [
            {"reviewer": "r1", "annotations": [
                {"paragraph": 0, "start": 0, "end": len(paragraphs[0]), "label": "quote",
                 "attributes": {"who": who} if who.strip() else {}, "note": note}]}]}
        doc = parse_document_object(obj, load_codebook(project.codebook), "test")
        document_id = import_documents(project, [doc]).documents[0]
        stored = db.session.scalars(select(Paragraph.text).where(
            Paragraph.document_id == document_id).order_by(Paragraph.position)).all()
        span = db.session.scalar(select(Annotation).where(Annotation.document_id ==
                                                          document_id))
        assert stored == paragraphs
        assert (span.attributes, span.note) == (doc.reviews[0].annotations[0].attributes, note)


# --- the partial unique index of client ids -------------------------------------------------

@pytest.mark.both_engines
def test_a_client_id_is_unique_per_reviewer_and_imported_spans_have_none(app, make_project,
                                                                        make_document):
    make_project()
    document_id = make_document(reviews=[{"reviewer": "alice", "annotations": [
        {"paragraph": 0, "start": 0, "end": 5, "label": "framing"},
        {"paragraph": 0, "start": 1, "end": 5, "label": "framing"}]}])
    with app.app_context():
        index = next(i for i in inspect(db.engine).get_indexes("annotations")
                     if i["name"] == "uq_annotations_reviewer_id_client_id")
        assert index["unique"]
        where = index["dialect_options"].get(f"{db.engine.dialect.name}_where")
        assert "client_id IS NOT NULL" in str(where)
        alice = db.session.scalar(text("SELECT id FROM users WHERE username = 'alice'"))
        assert db.session.scalar(text("SELECT count(*) FROM annotations WHERE client_id IS "
                                      "NULL")) == 2
        row = {"d": document_id, "r": alice}
        insert = text('INSERT INTO annotations (document_id, paragraph_index, reviewer_id, '
                      '"start", "end", label, attributes, note, client_id, created_at, '
                      "updated_at) VALUES (:d, 0, :r, 0, 3, 'framing', '{}', '', 'c-1', "
                      "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
        db.session.execute(insert, row)
        with pytest.raises(IntegrityError):
            db.session.execute(insert, row)
        db.session.rollback()


@pytest.mark.postgresql_only
def test_every_foreign_key_of_the_copy_rows_is_checked(app, make_project, write_file,
                                                       monkeypatch):
    """Rows written as COPY rows are not read by the check's bookkeeping: the writer notes
    their keys. Every foreign key of every table it writes so must be among them."""
    from annotator.database import KeyChecks
    from annotator.models import ParagraphReview

    noted = set()
    real = KeyChecks.check

    def spy(self, connection):
        noted.update(constraint.name for _, constraint in self.keys)
        return real(self, connection)

    monkeypatch.setattr(KeyChecks, "check", spy)
    make_project(codebook=CODEBOOK)
    doc = dict(_doc(0), reviews=[{"reviewer": "r1", "status": "in_progress",
                                  "reviewed_paragraphs": [0, 2], "annotations": [
                                      {"paragraph": 1, "start": 0, "end": 4,
                                       "label": "quote"}]}])
    path = write_file("a.jsonl", _jsonl([doc]))
    with app.app_context():
        import_paths(_project(), [path])
        assert db.session.scalar(select(Annotation.paragraph_index)) == 1
    wanted = {c.name for model in (Paragraph, ParagraphReview, Annotation)
              for c in model.__table__.foreign_key_constraints}
    assert wanted <= noted


@pytest.mark.postgresql_only
def test_places_in_new_documents_are_not_noted_those_in_earlier_ones_are(
        app, make_project, write_file, monkeypatch):
    """A span's or a mark's place (document, paragraph) in a document the chunk itself wrote
    is a paragraph written just now: it is not noted for the look-up (it would only be found
    among the written keys). In a document there before, it is noted and looked up."""
    from annotator.database import KeyChecks
    from annotator.models import ParagraphReview

    places = {Annotation.__tablename__: set(), ParagraphReview.__tablename__: set()}
    real = KeyChecks.check

    def spy(self, connection):
        for (table, constraint), keys in self.keys.items():
            if table.name in places and len(constraint.columns) == 2:
                places[table.name].update(keys)
        return real(self, connection)

    monkeypatch.setattr(KeyChecks, "check", spy)
    make_project(codebook=CODEBOOK)
    review = {"reviewer": "r1", "status": "in_progress", "reviewed_paragraphs": [0, 2],
              "annotations": [{"paragraph": 1, "start": 0, "end": 4, "label": "quote"}]}
    with app.app_context():
        import_paths(_project(), [write_file("a.jsonl", _jsonl([dict(_doc(0), reviews=[review])]))])
        assert places == {"annotations": set(), "paragraph_reviews": set()}
        # the same document again with another reviewer's review: added to the one there
        other = dict(review, reviewer="r2")
        result = import_paths(_project(), [write_file("b.jsonl", _jsonl([dict(_doc(0),
                                                                              reviews=[other])]))])
        (doc_id,) = result.updated_documents
        assert places == {"annotations": {(doc_id, 1)},
                          "paragraph_reviews": {(doc_id, 0), (doc_id, 2)}}
        assert db.session.scalar(select(func.count()).select_from(Annotation)) == 2


ATTRIBUTE_VALUES = st.one_of(AWKWARD, st.sampled_from(["a", "b", "official"]), st.booleans(),
                             st.lists(st.sampled_from(["a", "b", "c"]), max_size=3))


@settings(max_examples=200, deadline=None)
@given(spans=st.lists(st.dictionaries(st.sampled_from(["who", "kind", "Ünï", 'a"b']),
                                      ATTRIBUTE_VALUES, max_size=4), max_size=12),
       limit=st.integers(1, 6))
def test_attribute_text_is_what_the_encoder_writes(spans, limit):
    """Attributes and values kept from earlier spans (and forgotten when there are more than
    the limit) make the very text the encoder makes, for text, true or false and lists."""
    from annotator.imports.copytext import AttributeText
    from annotator.imports.writer import JSON_TEXT

    text = AttributeText(JSON_TEXT, limit=limit)
    for attributes in spans * 2:  # the second time from what was kept
        assert text(attributes) == JSON_TEXT(attributes).encode()
        assert len(text.pairs) <= limit


@pytest.mark.postgresql_only
def test_span_attributes_of_every_kind_are_stored_as_given(app, make_project, write_file):
    make_project(codebook={"labels": [{"key": "quote", "name": "Quote", "attributes": [
        {"key": "who", "name": "Who", "type": "text"},
        {"key": "kind", "name": "Kind", "type": "choice", "choices": ["a", "b"]},
        {"key": "tags", "name": "Tags", "type": "multi", "choices": ["x", "y"]},
        {"key": "named", "name": "Named", "type": "boolean"}]}]})
    given = [{"who": "Ann \"A\" é 🙂", "kind": "a"}, {"tags": ["y", "x"], "named": False},
             {"kind": "a", "who": "Ann \"A\" é 🙂", "named": True}, {}]
    doc = dict(_doc(0, spans=0), reviews=[{"reviewer": "r1", "annotations": [
        {"paragraph": 0, "start": 0, "end": 4, "label": "quote", "attributes": a}
        for a in given]}])
    with app.app_context():
        import_paths(_project(), [write_file("a.jsonl", _jsonl([doc]))])
        stored = db.session.scalars(select(Annotation.attributes).order_by(Annotation.id)).all()
    assert stored == [given[0], {"tags": ["x", "y"], "named": False}, given[2], {}]


@pytest.mark.postgresql_only
@pytest.mark.parametrize("write_bytes", [1, 300, 1 << 20])
def test_copy_rows_sent_in_writes_of_any_size_store_every_row(app, make_project, write_file,
                                                              monkeypatch, write_bytes):
    """``copy_rows`` sends blocks some together: a write per block, a few blocks or all of
    them in one, the rows stored are the same."""
    from annotator import database
    from annotator.models import ParagraphReview

    monkeypatch.setattr(database, "COPY_WRITE_BYTES", write_bytes)
    make_project(codebook=CODEBOOK)
    path = write_file("a.jsonl", _jsonl([_doc(i, spans=i + 1) for i in range(6)]))
    with app.app_context():
        result = import_paths(_project(), [path])
        assert (result.paragraphs, result.spans) == (18, 21)
        rows = db.session.execute(select(Annotation.document_id, Annotation.paragraph_index,
                                         Annotation.start, Annotation.end)
                                  .order_by(Annotation.id)).all()
        assert rows == [(d, j % 3, 0, 9) for i, d in enumerate(result.documents)
                        for j in range(i + 1)]
        assert db.session.scalar(select(func.count()).select_from(ParagraphReview)) == 18


@pytest.mark.postgresql_only
def test_gold_places_in_new_documents_are_among_the_written_keys(app, make_project,
                                                                 write_file, monkeypatch):
    """Gold spans' places are noted (bulk_insert) and, in the chunk's new documents, found
    among the paragraphs it wrote: none is looked up. Without gold the written paragraphs are
    not gathered at all."""
    from annotator.database import KeyChecks
    from annotator.models import GoldSpan

    looked_up, known = [], []
    real = KeyChecks.check

    def spy(self, connection):
        for (table, constraint), keys in self.keys.items():
            if table.name == GoldSpan.__tablename__ and len(constraint.columns) == 2:
                looked_up.append(set(keys) - self._known(constraint))
        known.append(sum(len(k) for (t, _), k in self.known.items() if t.name == "paragraphs"))
        return real(self, connection)

    monkeypatch.setattr(KeyChecks, "check", spy)
    make_project(codebook=CODEBOOK)
    gold = [{"paragraph": 2, "start": 0, "end": 9, "label": "quote"}]
    with app.app_context():
        import_paths(_project(), [write_file("a.jsonl", _jsonl([_doc(0)]))])
        assert known == [0]
        import_paths(_project(), [write_file("b.jsonl", _jsonl([_doc(1, gold=gold)]))])
        assert known == [0, 3] and looked_up == [set()]
        assert db.session.scalar(select(func.count()).select_from(GoldSpan)) == 1
