"""Bulk writes with their foreign keys checked once per batch (``bulk_insert`` inside
``foreign_keys_checked_together``, an import's chunks on PostgreSQL): the server's per-row
checks are off for the COPYs, and the keys the rows hold are looked up and locked in one query
at the end instead. These tests
hold it to what the per-row checks give: the same refusal, nothing left behind, the referenced
rows locked against a concurrent delete, the checks back on right after, and the per-row checks
where the database role may not turn them off."""

import datetime as dt
import json
import uuid

import pytest
from psycopg.errors import ForeignKeyViolation
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from annotator.database import KeyChecks, bulk_insert, foreign_keys_checked_together
from annotator.extensions import db
from annotator.imports.writer import SPAN_COLUMNS
from annotator.models import Annotation, Paragraph, ParagraphReview
from tests.helpers import row_count

pytestmark = pytest.mark.postgresql_only

STAMP = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)


def _span(document_id, paragraph, reviewer_id, start=0, end=4):
    return (document_id, paragraph, reviewer_id, start, end, "framing",
            json.dumps({}), "", STAMP, STAMP)


@pytest.fixture
def place(app, make_project, make_document, make_user):
    """(document id, reviewer id): a document of two paragraphs and a reviewer."""
    make_project()
    document_id = make_document()
    return document_id, make_user("alice")


@pytest.fixture
def checked_tables(monkeypatch):
    """What each ``KeyChecks.check`` was given: (table, table referred to, sorted keys)."""
    seen = []
    real = KeyChecks.check

    def spy(self, connection):
        seen.extend((table.name, constraint.referred_table.name, sorted(keys))
                    for (table, constraint), keys in self.keys.items())
        return real(self, connection)

    monkeypatch.setattr(KeyChecks, "check", spy)
    return seen


def _role():
    return db.session.execute(text("SHOW session_replication_role")).scalar()


def _insert(table, columns, rows):
    """``bulk_insert`` with the keys checked together, as an import's chunk does."""
    with foreign_keys_checked_together() as checks:
        bulk_insert(table, columns, rows, checks=checks)


def test_good_rows_are_written_and_their_keys_checked_once_per_batch(ctx, place,
                                                                   checked_tables):
    document_id, alice = place
    rows = [_span(document_id, p, alice, 0, 3 + i) for i in range(50) for p in (0, 1)]
    with foreign_keys_checked_together() as checks:
        assert _role() == "replica"  # the server's per-row checks are off
        bulk_insert(Annotation.__table__, SPAN_COLUMNS, iter(rows), checks=checks)
    assert _role() == "origin"
    db.session.commit()
    assert row_count(Annotation) == 100
    # the distinct keys, per foreign key: 2 paragraphs, 1 reviewer
    assert sorted(checked_tables) == [
        ("annotations", "paragraphs", [(document_id, 0), (document_id, 1)]),
        ("annotations", "users", [alice]),
    ]


def test_rows_may_refer_to_rows_written_earlier_in_the_block(ctx, place):
    document_id, alice = place
    other = place[0] + 1
    db.session.execute(text("INSERT INTO documents (id, project_id, title, content_hash, "
                            "paragraph_count, meta, created_at) SELECT :o, project_id, 'b', "
                            "'h2', 1, '{}', now() FROM documents WHERE id = :d"),
                       {"o": other, "d": document_id})
    with foreign_keys_checked_together() as checks:
        bulk_insert(Paragraph.__table__, ("document_id", "position", "text"),
                    [(other, 0, "New.")], checks=checks)
        bulk_insert(Annotation.__table__, SPAN_COLUMNS, [_span(other, 0, alice, 0, 3)],
                    checks=checks)
    db.session.commit()
    assert row_count(Annotation) == 1


@pytest.mark.parametrize("bad, message", [
    ("paragraph", 'violates foreign key constraint '
                  '"fk_annotations_document_id_paragraph_index_paragraphs"'),
    ("reviewer", 'violates foreign key constraint "fk_annotations_reviewer_id_users"'),
])
def test_a_key_not_there_is_refused_and_nothing_is_left(ctx, place, bad, message):
    document_id, alice = place
    rows = [_span(document_id, 0, alice), _span(document_id, 1, alice)]
    if bad == "paragraph":
        rows.append(_span(document_id, 7, alice))  # the document has 2 paragraphs
        detail = f"Key (document_id, paragraph_index)=({document_id}, 7) is not present in " \
                 f'table "paragraphs"'
    else:
        rows.append(_span(document_id, 0, alice + 40))
        detail = f'Key (reviewer_id)=({alice + 40}) is not present in table "users"'
    with pytest.raises(ForeignKeyViolation) as info:  # what the server's per-row check raises
        _insert(Annotation.__table__, SPAN_COLUMNS, iter(rows))
    assert message in str(info.value) and detail in str(info.value)
    db.session.rollback()
    assert row_count(Annotation) == 0


def test_the_checks_are_back_on_for_what_follows(ctx, place):
    document_id, alice = place
    _insert(Annotation.__table__, SPAN_COLUMNS, [_span(document_id, 0, alice)])
    with pytest.raises(IntegrityError, match="fk_annotations_document_id_paragraph_index"):
        db.session.execute(text(
            "INSERT INTO annotations (document_id, paragraph_index, reviewer_id, start, "
            '"end", label, attributes, note, created_at, updated_at) VALUES '
            "(:d, 9, :r, 0, 1, 'framing', '{}', '', now(), now())"),
            {"d": document_id, "r": alice})
    db.session.rollback()


def test_the_rows_referred_to_are_locked_until_the_transaction_ends(app, ctx, place,
                                                                   database_url):
    """A delete of the reviewer (or of the document) from another connection waits for the
    import, as it waits for the per-row checks' locks: it cannot orphan the new rows."""
    document_id, alice = place
    _insert(ParagraphReview.__table__, ("document_id", "paragraph_index", "reviewer_id",
                                        "created_at"),
            [(document_id, 0, alice, STAMP), (document_id, 1, alice, STAMP)])
    other = create_engine(database_url)
    try:
        for statement in ("DELETE FROM users WHERE id = :i", "DELETE FROM documents WHERE "
                          "id = :i"):
            with other.connect() as conn:
                conn.execute(text("SET lock_timeout = '300ms'"))
                with pytest.raises(OperationalError, match="lock timeout"):
                    conn.execute(text(statement),
                                 {"i": alice if "users" in statement else document_id})
        db.session.commit()
        assert row_count(ParagraphReview) == 2
    finally:
        other.dispose()


@pytest.fixture
def plain_role(app, ctx):
    """A role that may write the tables but not turn triggers off (no superuser)."""
    name = f"plain_{uuid.uuid4().hex[:8]}"
    with db.engine.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{name}" NOSUPERUSER NOLOGIN'))
        conn.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{name}"'))
        conn.execute(text(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{name}"'))
    yield name
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(text(f'DROP OWNED BY "{name}"'))
        conn.execute(text(f'DROP ROLE "{name}"'))


def test_a_role_that_may_not_turn_triggers_off_gets_the_per_row_checks(ctx, place, plain_role,
                                                                      checked_tables):
    document_id, alice = place
    db.session.execute(text(f'SET LOCAL ROLE "{plain_role}"'))
    with foreign_keys_checked_together() as checks:
        assert checks is None and _role() == "origin"
        bulk_insert(Annotation.__table__, SPAN_COLUMNS, [_span(document_id, 0, alice)],
                    checks=checks)
    assert checked_tables == []  # the server checked each row
    with pytest.raises(ForeignKeyViolation, match="fk_annotations_document_id_paragraph_in"):
        _insert(Annotation.__table__, SPAN_COLUMNS, [_span(document_id, 5, alice)])
    db.session.rollback()
    assert row_count(Annotation) == 0


def test_keys_with_a_null_are_not_checked(ctx, place, checked_tables):
    """MATCH SIMPLE, as the server's check: gold spans made by no one (created_by_id NULL)."""
    from annotator.imports.writer import GOLD_COLUMNS
    from annotator.models import GoldSpan

    document_id, _ = place
    columns = (*GOLD_COLUMNS, "created_by_id")
    rows = [(document_id, 0, 0, 4, "framing", "{}", "", "imported", STAMP, None)]
    _insert(GoldSpan.__table__, columns, rows)
    db.session.commit()
    assert row_count(GoldSpan) == 1
    assert sorted((referred, keys) for _, referred, keys in checked_tables) == [
        ("paragraphs", [(document_id, 0)]), ("users", [None])]


def test_a_role_granted_the_setting_gets_the_checks_per_batch(ctx, place, plain_role,
                                                             checked_tables):
    """PostgreSQL 15+: GRANT SET ON PARAMETER session_replication_role (README's deploy
    section) is enough; no superuser needed."""
    if db.engine.dialect.server_version_info < (15,):
        pytest.skip("GRANT SET ON PARAMETER came with PostgreSQL 15")
    document_id, alice = place
    with db.engine.begin() as conn:
        conn.execute(text(f'GRANT SET ON PARAMETER session_replication_role TO "{plain_role}"'))
    try:
        db.session.execute(text(f'SET LOCAL ROLE "{plain_role}"'))
        with foreign_keys_checked_together() as checks:
            assert checks is not None and _role() == "replica"
            bulk_insert(Annotation.__table__, SPAN_COLUMNS, [_span(document_id, 0, alice)],
                        checks=checks)
        assert _role() == "origin"
        assert sorted(referred for _, referred, _ in checked_tables) == ["paragraphs", "users"]
        db.session.rollback()
    finally:
        with db.engine.begin() as conn:
            conn.execute(text(
                f'REVOKE SET ON PARAMETER session_replication_role FROM "{plain_role}"'))


def test_keys_of_rows_the_block_wrote_are_not_looked_up_the_others_are(ctx, place):
    """``KeyChecks.written``: keys of rows this transaction has just written (an import's new
    documents and paragraphs) need no look-up; any other key still does, and a missing one is
    refused as before."""
    document_id, alice = place
    with foreign_keys_checked_together() as checks:
        bulk_insert(Annotation.__table__, SPAN_COLUMNS, [_span(document_id, 0, alice)],
                    checks=checks)
        # (document, 5) is not there: noted as written, it is taken at the writer's word
        checks.add(Annotation.__table__, ("document_id", "paragraph_index"),
                   {(document_id, 5)})
        checks.written(Paragraph.__table__, ("document_id", "position"), {(document_id, 5)})
    db.session.rollback()
    missing = rf"\({document_id}, 6\) is not present"
    with pytest.raises(ForeignKeyViolation, match=missing), \
            foreign_keys_checked_together() as checks:
        checks.add(Annotation.__table__, ("document_id", "paragraph_index"),
                   {(document_id, 5), (document_id, 6)})
        checks.written(Paragraph.__table__, ("document_id", "position"), {(document_id, 5)})
    db.session.rollback()
    with pytest.raises(ValueError, match="no foreign key of the columns"):
        KeyChecks().add(Annotation.__table__, ("document_id",), {1})


def test_an_import_by_a_role_that_may_not_is_checked_row_by_row(ctx, place, plain_role,
                                                                checked_tables):
    """The import's COPY rows (``copy_rows``) with the server's own per-row checks."""
    from annotator.codebook import load_codebook
    from annotator.imports import import_documents, parse_document_object
    from annotator.models import Document

    document_id, _ = place
    project = db.session.get(Document, document_id).project
    doc = parse_document_object({"title": "New", "paragraphs": ["One here.", "Two there."],
                                 "reviews": [{"reviewer": "alice", "status": "submitted",
                                              "annotations": [
                                                  {"paragraph": 1, "start": 0, "end": 3,
                                                   "label": "framing"}]}]},
                                load_codebook(project.codebook), "test")
    db.session.execute(text(f'SET LOCAL ROLE "{plain_role}"'))
    result = import_documents(project, [doc])
    assert checked_tables == []  # the server checked each row
    assert (result.paragraphs, result.spans) == (2, 1)
    assert row_count(Annotation) == 1 and row_count(ParagraphReview) == 2
