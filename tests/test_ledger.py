"""The source ledger of one document (INTERFACE.md, "Source ledger (JSON)"): every figure
against a hand computation on hand-made documents, and, on random documents, against the
plain reference of tests/ledger/reference.py."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.codebook import default_codebook
from annotator.ledger.compute import SpanTable, compute
from annotator.ledger.config import ledger_config
from annotator.ledger.keys import merge_within, source_key
from tests.ledger.reference import reference_ledger

CONFIG = ledger_config(default_codebook())


def attribution(paragraph, start, end, source=None, **attributes):
    if source is not None:
        attributes["source"] = source
    return {"paragraph": paragraph, "start": start, "end": end, "label": "attribution",
            "attributes": attributes}


def expert(paragraph, start, end, name=None, **attributes):
    if name is not None:
        attributes["expert"] = name
    return {"paragraph": paragraph, "start": start, "end": end, "label": "expert-opinion",
            "attributes": attributes}


def ledger(spans, lengths=(100, 100), aliases=None):
    table = SpanTable.from_spans([spans], [list(lengths)])
    return compute(table, CONFIG, aliases).document(0, places=False)


# --- keys ---------------------------------------------------------------------------------

def test_a_source_key_is_normalised_case_folded_collapsed_without_a_leading_the():
    assert source_key("The  Pentagon") == "pentagon"
    assert source_key("ＰＥＮＴＡＧＯＮ") == "pentagon"  # NFKC: full-width letters
    assert source_key(" Straße\n ") == "strasse"  # case folding, not lowering
    assert source_key("the") == "the"  # only "the " with a word after it
    assert source_key("Theodore Roosevelt") == "theodore roosevelt"
    assert source_key("") == ""


def test_within_a_document_a_key_whose_words_lie_in_exactly_one_longer_key_is_that_source():
    assert merge_within({"al-kazimi", "mustafa al-kazimi"}) == {
        "al-kazimi": "mustafa al-kazimi", "mustafa al-kazimi": "mustafa al-kazimi"}
    # two longer keys that are different sources: ambiguous, the short key stays apart
    assert merge_within({"smith", "john smith", "jane smith"})["smith"] == "smith"
    # a chain ends at the longest
    chain = merge_within({"kazimi", "al kazimi", "mustafa al kazimi"})
    assert set(chain.values()) == {"mustafa al kazimi"}
    # the same words in another order: neither is longer, both stay
    assert merge_within({"kazimi mustafa", "mustafa kazimi"}) == {
        "kazimi mustafa": "kazimi mustafa", "mustafa kazimi": "mustafa kazimi"}
    # words, not letters: "kazim" is not a word of "mustafa al-kazimi"
    assert merge_within({"kazim", "mustafa al-kazimi"})["kazim"] == "kazim"


# --- one document by hand ------------------------------------------------------------------

def test_the_interface_example_five_sources_of_three_types():
    spans = [
        attribution(0, 0, 10, "Iraqi Prime Minister Mustafa al-Kazimi", source_type="official",
                    form="direct_quote"),
        attribution(0, 20, 30, "al-Kazimi", source_type="official", form="indirect"),
        attribution(1, 0, 10, "Pentagon", source_type="official", form="direct_quote"),
        expert(1, 20, 40, "Konstantin Blokhin", stance="supports_framing"),
        expert(1, 50, 60, "Ivan Ivanov", stance="supports_framing"),
        attribution(1, 70, 80, "", source_type="anonymous", named="unnamed", form="indirect"),
    ]
    result = ledger(spans)
    assert result["mentions"] == 6
    assert result["sources"] == 5
    assert (result["named_sources"], result["unnamed_sources"]) == (4, 1)
    assert result["type_counts"] == {"official": 2, "expert": 2, "anonymous": 1}
    assert result["anonymous_share"] == pytest.approx(1 / 5)
    assert result["official_share"] == pytest.approx(2 / 5)
    assert result["simpson"] == pytest.approx(0.64)
    shannon = -(2 * 0.4 * math.log(0.4) + 0.2 * math.log(0.2))
    assert result["shannon"] == pytest.approx(shannon)
    assert round(result["shannon"], 4) == 1.0549
    assert result["evenness"] == pytest.approx(shannon / math.log(3))
    assert round(result["evenness"], 4) == 0.9602
    # 70 code points of 200: every span is apart from the others
    assert result["attributed_share"] == pytest.approx(70 / 200)
    # 4 attribution mentions with a form, 2 of them direct quotes
    assert result["direct_quote_share"] == pytest.approx(2 / 4)
    assert result["stance"] == {"supports_framing": 2, "opposes_framing": 0, "neutral": 0}
    assert result["flags"] == []
    first = result["rows"][0]
    assert first["key"] == "iraqi prime minister mustafa al-kazimi"
    assert first["name"] == "Iraqi Prime Minister Mustafa al-Kazimi"
    assert (first["type"], first["named"], first["mentions"]) == ("official", True, 2)
    assert first["forms"] == {"direct_quote": 1, "indirect": 1}
    assert (first["first_paragraph"], first["attributed_chars"]) == (0, 20)
    assert first["attributed_share"] == pytest.approx(20 / 70)
    # then one mention each, by attributed code points (20 for Blokhin), then by key ("" first)
    assert [r["key"] for r in result["rows"][1:]] == [
        "konstantin blokhin", "", "ivan ivanov", "pentagon"]


def test_a_document_with_no_sources():
    spans = [{"paragraph": 0, "start": 0, "end": 5, "label": "framing", "attributes": {}},
             {"paragraph": 0, "start": 5, "end": 9, "label": "disclaimer",
              "attributes": {"kind": "legal_designation"}}]
    result = ledger(spans)
    assert (result["mentions"], result["sources"], result["named_sources"]) == (0, 0, 0)
    for name in ("anonymous_share", "official_share", "simpson", "shannon", "evenness",
                 "attributed_share", "direct_quote_share"):
        assert result[name] is None, name
    assert result["type_counts"] == {} and result["rows"] == []
    assert result["flags"] == ["no_sources"]
    assert result["disclaimers"] == {"legal_designation": 1}
    assert ledger([])["flags"] == ["no_sources"]


def test_empty_names_are_sources_of_their_own_and_never_merged():
    spans = [attribution(0, 0, 5, "", source_type="anonymous"),
             attribution(0, 10, 15, "   ", source_type="anonymous"),  # white space: empty
             attribution(0, 20, 25),  # no name at all
             attribution(0, 30, 35, "A spokesman", source_type="official")]
    result = ledger(spans)
    assert result["sources"] == 4
    empty = [r for r in result["rows"] if r["key"] == ""]
    assert len(empty) == 3 and all(r["mentions"] == 1 for r in empty)
    # unnamed: no name, or a name of an anonymous type; named: "a spokesman" (named empty,
    # a name, type official)
    assert result["named_sources"] == 1


def test_ties_of_types_go_to_the_first_in_the_codebooks_order():
    spans = [attribution(0, 0, 5, "RIA Novosti", source_type="media"),
             attribution(0, 10, 15, "RIA Novosti", source_type="official")]
    assert ledger(spans)["rows"][0]["type"] == "official"  # 1-1: official comes first
    spans.append(attribution(1, 0, 5, "ria novosti", source_type="media"))
    assert ledger(spans)["rows"][0]["type"] == "media"  # 2-1
    spans.append(attribution(1, 10, 15, "RIA  Novosti"))  # no type: not counted
    assert ledger(spans)["rows"][0]["type"] == "media"


def test_ties_of_rows_go_by_attributed_code_points_then_key():
    spans = [attribution(0, 0, 5, "b"), attribution(0, 10, 15, "a"),
             attribution(0, 20, 30, "c")]
    assert [r["key"] for r in ledger(spans)["rows"]] == ["c", "a", "b"]


def test_the_longest_surface_form_names_the_source_the_first_on_a_tie():
    spans = [attribution(1, 0, 5, "al-Kazimi"), attribution(0, 0, 5, "AL-KAZIMI"),
             attribution(0, 40, 45, "Mustafa al-Kazimi"),
             attribution(0, 10, 15, "mustafa AL-kazimi")]
    row = ledger(spans)["rows"][0]
    assert ledger(spans)["sources"] == 1
    assert (row["name"], row["key"], row["mentions"]) == (
        "mustafa AL-kazimi", "mustafa al-kazimi", 4)


def test_the_project_alias_table_is_applied_first():
    spans = [attribution(0, 0, 5, "PM", source_type="official"),
             attribution(0, 10, 15, "Mustafa al-Kazimi", source_type="official")]
    assert ledger(spans)["sources"] == 2
    merged = ledger(spans, aliases={"pm": "mustafa al-kazimi"})
    assert merged["sources"] == 1 and merged["rows"][0]["mentions"] == 2
    # chains are followed; an alias then takes part in merging within the document
    chained = ledger([attribution(0, 0, 5, "PM"), attribution(0, 10, 15, "Iraqi PM Kazimi")],
                     aliases={"pm": "premier", "premier": "kazimi"})
    assert chained["sources"] == 1
    assert chained["rows"][0]["key"] == "iraqi pm kazimi"


def test_missing_attributes():
    spans = [attribution(0, 0, 5, "Lavrov"),  # no type, no named, no form
             attribution(0, 10, 15, "Someone", source_type="official", form="indirect"),
             expert(0, 20, 30),  # an expert without a name: unnamed
             attribution(0, 40, 45, "Anon", source_type="anonymous")]
    result = ledger(spans)
    assert result["sources"] == 4
    # named: Lavrov (a name, type not anonymous) and Someone; not the nameless expert nor the
    # anonymous type
    assert result["named_sources"] == 2
    assert result["type_counts"] == {"official": 1, "expert": 1, "anonymous": 1}
    assert result["untyped_sources"] == 1
    # p_t over every source (the untyped one included): 1/4 each
    assert result["simpson"] == pytest.approx(1 - 3 / 16)
    assert result["shannon"] == pytest.approx(-3 * 0.25 * math.log(0.25))
    assert result["evenness"] == pytest.approx(result["shannon"] / math.log(3))
    assert result["direct_quote_share"] == 0.0  # one mention with a form, not a quote
    assert ledger([attribution(0, 0, 5, "Lavrov")])["direct_quote_share"] is None
    lavrov = next(r for r in result["rows"] if r["key"] == "lavrov")
    assert lavrov["type"] is None and lavrov["forms"] == {} and lavrov["named"] is True


def test_named_follows_the_named_attribute_first():
    spans = [attribution(0, 0, 5, "A diplomat", source_type="official", named="unnamed"),
             attribution(0, 10, 15, "", source_type="official", named="named")]
    result = ledger(spans)
    assert result["named_sources"] == 1  # the second, as the reviewer said
    assert result["rows"][0]["named"] is False or result["rows"][1]["named"] is False


def test_attributed_share_is_the_union_of_the_spans():
    spans = [attribution(0, 0, 50, "a"), attribution(0, 40, 60, "a"),
             expert(0, 55, 70, "b"), attribution(1, 0, 10, "c")]
    result = ledger(spans, lengths=(80, 20))
    assert result["attributed_share"] == pytest.approx((70 + 10) / 100)
    rows = {r["key"]: r for r in result["rows"]}
    assert rows["a"]["attributed_chars"] == 60
    assert rows["a"]["attributed_share"] == pytest.approx(60 / 80)
    assert rows["b"]["attributed_chars"] == 15


def test_flags():
    one = ledger([attribution(0, 0, 5, "a", source_type="official")])
    assert one["flags"] == ["single_source"]
    anonymous = ledger([attribution(0, 0, 5, "", source_type="anonymous"),
                        attribution(0, 6, 9, "sources", named="unnamed")])
    assert anonymous["flags"] == ["anonymous_only"]
    two_of_three = ledger([attribution(0, 0, 5, "a", source_type="official"),
                           attribution(0, 6, 9, "b", source_type="official"),
                           attribution(0, 10, 15, "c", source_type="media")])
    assert two_of_three["flags"] == ["single_type_dominates"]
    two = ledger([attribution(0, 0, 5, "a", source_type="official"),
                  attribution(0, 6, 9, "b", source_type="official")])
    assert two["flags"] == []  # fewer than three sources
    half = ledger([attribution(0, i * 5, i * 5 + 4, name, source_type=kind) for i, (name, kind)
                   in enumerate([("a", "official"), ("b", "official"), ("c", "media"),
                                 ("d", "media")])])
    assert half["flags"] == []  # half is not more than half


def test_stance_and_disclaimers():
    spans = [expert(0, 0, 5, "a", stance="supports_framing"),
             expert(0, 6, 9, "a", stance="opposes_framing"),
             expert(0, 10, 15, "b", stance="supports_framing"), expert(0, 20, 25, "c"),
             {"paragraph": 1, "start": 0, "end": 3, "label": "disclaimer",
              "attributes": {"kind": "legal_designation"}},
             {"paragraph": 1, "start": 5, "end": 8, "label": "disclaimer",
              "attributes": {"kind": "legal_designation"}},
             {"paragraph": 1, "start": 9, "end": 12, "label": "disclaimer", "attributes": {}}]
    result = ledger(spans)
    assert result["stance"] == {"supports_framing": 2, "opposes_framing": 1, "neutral": 0}
    assert result["disclaimers"] == {"legal_designation": 2}


def test_units_are_computed_apart():
    """Two documents in one table: nothing of one leaks into the other (merging, unions)."""
    a = [attribution(0, 0, 10, "Mustafa al-Kazimi", source_type="official")]
    b = [attribution(0, 0, 10, "al-Kazimi", source_type="media"), attribution(0, 5, 15, "x")]
    ledgers = compute(SpanTable.from_spans([a, b, []], [[20], [20], [5]]), CONFIG)
    assert [r["key"] for r in ledgers.document(1, places=False)["rows"]] == ["al-kazimi", "x"]
    assert ledgers.document(1, places=False)["attributed_share"] == pytest.approx(15 / 20)
    assert ledgers.document(0, places=False)["attributed_share"] == pytest.approx(10 / 20)
    assert ledgers.document(2, places=False)["flags"] == ["no_sources"]


# --- a custom codebook -------------------------------------------------------------------

def test_a_codebook_ledger_object_names_other_labels_and_attributes():
    codebook = {"labels": [
        {"key": "quote", "name": "Quote", "attributes": [
            {"key": "speaker", "name": "Speaker", "type": "text"},
            {"key": "kind", "name": "Kind", "type": "choice", "choices": ["gov", "citizen"]}]}],
        "ledger": {"attribution": {"label": "quote", "name": "speaker", "type": "kind"},
                   "expert": None, "disclaimer": None, "values": {"official": "gov"}}}
    from annotator.codebook import validate_codebook

    config = ledger_config(validate_codebook(codebook))
    assert config.usable and config.type_order == ("gov", "citizen")
    spans = [{"paragraph": 0, "start": 0, "end": 5, "label": "quote",
              "attributes": {"speaker": "Ann", "kind": "gov"}},
             {"paragraph": 0, "start": 6, "end": 9, "label": "quote",
              "attributes": {"speaker": "Bob", "kind": "citizen"}}]
    result = compute(SpanTable.from_spans([spans], [[10]]), config).document(0)
    assert result["official_share"] == 0.5 and result["sources"] == 2


def test_a_codebook_without_the_needed_labels_says_what_is_missing():
    from annotator.codebook import validate_codebook
    from annotator.errors import Invalid

    config = ledger_config(validate_codebook({"labels": [{"key": "framing"}]}))
    assert not config.usable
    assert "attribution" in config.missing[0]
    with pytest.raises(Invalid, match="no attribute 'speaker'"):
        validate_codebook({"labels": [{"key": "quote"}],
                           "ledger": {"attribution": {"label": "quote", "name": "speaker"}}})
    with pytest.raises(Invalid, match="does not have"):
        validate_codebook({"labels": [{"key": "quote"}],
                           "ledger": {"attribution": {"label": "nope"}}})


# --- against the reference, on random documents ---------------------------------------------

NAMES = ["", "  ", "Mustafa al-Kazimi", "al-Kazimi", "AL-KAZIMI", "Iraqi PM Mustafa al-Kazimi",
         "the Pentagon", "Pentagon", "ＰＥＮＴＡＧＯＮ", "John Smith", "Jane Smith", "Smith",
         "smith  JOHN", "The", "Straße", "STRASSE", "a b", "b a c"]
ATTRIBUTES = {
    "attribution": {"source": NAMES, "source_type": ["official", "expert", "anonymous", "media",
                                                     "other"],
                    "named": ["named", "unnamed"], "form": ["direct_quote", "indirect", "mixed"],
                    "channel": ["statement", "press_report"]},
    "expert-opinion": {"expert": NAMES, "stance": ["supports_framing", "opposes_framing",
                                                   "neutral"]},
    "disclaimer": {"kind": ["legal_designation", "editorial_note"]},
    "framing": {},
}


@st.composite
def documents(draw):
    lengths = draw(st.lists(st.integers(1, 40), min_size=1, max_size=3))
    spans = []
    for _ in range(draw(st.integers(0, 12))):
        paragraph = draw(st.integers(0, len(lengths) - 1))
        start = draw(st.integers(0, lengths[paragraph] - 1))
        end = draw(st.integers(start + 1, lengths[paragraph]))
        label = draw(st.sampled_from(sorted(ATTRIBUTES)))
        attributes = {key: draw(st.sampled_from(values))
                      for key, values in ATTRIBUTES[label].items() if draw(st.booleans())}
        spans.append({"paragraph": paragraph, "start": start, "end": end, "label": label,
                      "attributes": attributes})
    return spans, lengths


ALIASES = st.dictionaries(st.sampled_from(["pentagon", "smith", "a b", "john smith", "the"]),
                          st.sampled_from(["us military", "john smith", "b a c", "jane smith"]),
                          max_size=3).map(lambda d: {k: v for k, v in d.items() if k != v})


def _same(actual, expected, where=""):
    if isinstance(expected, float):
        assert actual == pytest.approx(expected, abs=1e-12), where
    elif isinstance(expected, dict):
        assert set(actual) >= set(expected), where
        for key in expected:
            _same(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _same(a, e, f"{where}[{i}]")
    else:
        assert actual == expected, where


@settings(max_examples=300, deadline=None)
@given(st.lists(documents(), min_size=1, max_size=4), ALIASES)
def test_every_figure_equals_the_reference(docs, aliases):
    table = SpanTable.from_spans([spans for spans, _ in docs], [lengths for _, lengths in docs])
    ledgers = compute(table, CONFIG, aliases)
    for u, (spans, lengths) in enumerate(docs):
        expected = reference_ledger(spans, lengths, aliases)
        actual = ledgers.document(u, places=False)
        _same(actual, expected, f"document {u}")
        assert actual["untyped_sources"] == expected["sources"] - sum(
            expected["type_counts"].values())


# --- from the database ------------------------------------------------------------------------

PARAGRAPHS = ["Iraqi Prime Minister Mustafa al-Kazimi said the troops would leave.",
              "Al-Kazimi told reporters, according to an official who asked not to be named.",
              "Konstantin Blokhin, an expert, said in a conversation with RT that it failed."]
ALICE = [attribution(0, 0, 38, "Iraqi Prime Minister Mustafa al-Kazimi", source_type="official",
                     form="indirect", channel="statement"),
         attribution(1, 0, 9, "Al-Kazimi", source_type="official", form="indirect"),
         attribution(1, 39, 50, "an official", source_type="anonymous", named="unnamed"),
         expert(2, 0, 18, "Konstantin Blokhin", stance="supports_framing"),
         {"paragraph": 2, "start": 40, "end": 42, "label": "disclaimer",
          "attributes": {"kind": "other"}}]
GOLD = [dict(span, provenance="adjudicated:carol") for span in ALICE[:2]]


def _with_text(spans):
    return [dict(s, text=PARAGRAPHS[s["paragraph"]][s["start"]:s["end"]]) for s in spans]


@pytest.fixture
def document(app, make_project, make_document):
    make_project("news")
    return make_document("news", PARAGRAPHS, reviews=[
        {"reviewer": "alice", "status": "submitted", "reviewed_paragraphs": [0, 1, 2],
         "annotations": _with_text(ALICE)},
        {"reviewer": "bob", "status": "in_progress", "reviewed_paragraphs": [],
         "annotations": _with_text(ALICE[3:4])}], gold=_with_text(GOLD))


@pytest.mark.both_engines
def test_a_documents_ledger_from_gold_and_from_a_reviewer(app, document, engine_name):
    from annotator.accounts import find_user
    from annotator.extensions import db
    from annotator.ledger.report import document_ledger
    from annotator.models import Document

    lengths = [len(p) for p in PARAGRAPHS]
    with app.app_context():
        doc = db.session.get(Document, document)
        gold = document_ledger(doc, "gold")
        alice = document_ledger(doc, find_user("alice"))
        bob = document_ledger(doc, find_user("bob"))  # in progress: what is tagged so far
    assert (gold["document"], gold["spans"], alice["spans"]) == (document, "gold", "alice")
    _same(gold, reference_ledger(GOLD, lengths))
    _same(alice, reference_ledger(ALICE, lengths))
    _same(bob, reference_ledger(ALICE[3:4], lengths))
    assert gold["sources"] == 1 and gold["rows"][0]["mentions"] == 2
    assert alice["sources"] == 3 and alice["disclaimers"] == {"other": 1}
    # each row's mentions, with their span ids, to link to the text
    spans = alice["rows"][0]["spans"]
    assert [(s["paragraph"], s["start"], s["end"]) for s in spans] == [(0, 0, 38), (1, 0, 9)]
    assert all(isinstance(s["id"], int) for s in spans)


# Values a codebook change or an old import can leave where a name or a choice should be:
# the database takes them out of the JSON (annotator/ledger/data.py), and a list, a number,
# true or an object must count as no value there as in ``compute`` over the plain spans.
ODD = [attribution(0, 0, 10, ["Mustafa al-Kazimi"], source_type="official", form="indirect"),
       attribution(0, 5, 20, 42, source_type=["official"], named=True),
       attribution(0, 21, 30, "[Al-Kazimi]", source_type="zzz", form=7),
       attribution(1, 0, 9, "  Al-Kazimi ", source_type=None, named="named",
                   form="direct_quote"),
       attribution(1, 10, 30, {"name": "x"}, source_type="official", channel=["statement"]),
       attribution(1, 31, 40, "Straße", source_type="aaa", named="", channel="statement"),
       expert(2, 0, 18, "Konstantin Blokhin", stance=["neutral"]),
       expert(2, 19, 30, False, stance="neutral"),
       {"paragraph": 2, "start": 40, "end": 42, "label": "disclaimer",
        "attributes": {"kind": 3}},
       {"paragraph": 2, "start": 43, "end": 45, "label": "disclaimer",
        "attributes": {"kind": "other"}},
       {"paragraph": 0, "start": 1, "end": 3, "label": "framing",
        "attributes": {"source": "Not a source"}}]


@pytest.mark.both_engines
def test_the_database_reads_the_attributes_as_compute_counts_them(
        app, make_project, make_document, make_user, engine_name):
    from annotator.extensions import db
    from annotator.ledger import project as project_ledger
    from annotator.ledger.report import document_ledger
    from annotator.models import Annotation, Document, GoldSpan, Project

    make_project("odd")
    doc_id = make_document("odd", PARAGRAPHS, reviews=[
        {"reviewer": "dave", "status": "submitted", "reviewed_paragraphs": [0, 1, 2],
         "annotations": []}])
    lengths = [len(p) for p in PARAGRAPHS]
    with app.app_context():
        from annotator.accounts import find_user

        dave = find_user("dave")
        for span in ODD:
            place = dict(document_id=doc_id, paragraph_index=span["paragraph"],
                         start=span["start"], end=span["end"], label=span["label"],
                         attributes=span["attributes"])
            db.session.add(GoldSpan(**place, provenance="majority"))
            db.session.add(Annotation(**place, reviewer_id=dave.id))
        db.session.commit()
        doc = db.session.get(Document, doc_id)
        gold = document_ledger(doc, "gold")
        own = document_ledger(doc, dave)
        ids = [s.id for s in db.session.scalars(
            db.select(GoldSpan).where(GoldSpan.document_id == doc_id).order_by(GoldSpan.id))]
        project = db.session.scalar(db.select(Project).where(Project.slug == "odd"))
        rows = project_ledger.build_project_ledger(
            project, spans="dave", spans_user_id=dave.id)["document_rows"]
    expected = compute(SpanTable.from_spans([[dict(s, id=i) for s, i in zip(ODD, ids,
                                                                            strict=True)]],
                                            [lengths]), CONFIG).document(0)
    assert {k: v for k, v in gold.items() if k not in ("document", "spans")} == expected
    without_ids = {k: v for k, v in own.items() if k not in ("document", "spans", "rows")}
    assert without_ids == {k: v for k, v in expected.items() if k != "rows"}
    assert [{k: v for k, v in r.items() if k != "spans"} for r in own["rows"]] \
        == [{k: v for k, v in r.items() if k != "spans"} for r in expected["rows"]]
    assert len(rows) == 1
    assert {k: rows[0][k] for k in expected if k in rows[0]} \
        == {k: v for k, v in expected.items() if k in rows[0]}
    # by hand: four sources without a name (a list, a number, an object, false), four named
    assert (expected["sources"], expected["named_sources"], expected["untyped_sources"]) \
        == (8, 4, 2)
    assert expected["type_counts"] == {"official": 2, "expert": 2, "aaa": 1, "zzz": 1}
    assert expected["direct_quote_share"] == 0.5 and expected["stance"]["neutral"] == 1
    assert expected["disclaimers"] == {"other": 1}
