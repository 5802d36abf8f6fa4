"""End-to-end tests of the agreement report (``annotator.agreement.report.build_report``).

The report is compared, figure by figure, with ``tests/agreement/reference.py``: a slow,
independent reimplementation written from INTERFACE.md's definitions with plain loops and the
metric functions of ``tests/agreement/metrics.py``. Labelled projects are imported from a
documents JSONL (INTERFACE.md "Documents JSONL"), so the report is tested on what is stored.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator import create_app
from annotator.agreement.report import build_report
from annotator.extensions import db
from annotator.imports import import_paths
from annotator.models import Project
from annotator.projects import create_project
from annotator.tokens import token_arrays as tokenize
from tests.agreement.reference import differences, reference_report

# A codebook with every attribute type, and a label nobody uses.
CODEBOOK = {"labels": [
    {"key": "claim", "name": "Claim", "color": "#1f77b4", "hotkey": "1", "attributes": [
        {"key": "stance", "name": "Stance", "type": "choice",
         "choices": ["pro", "contra", "neutral"]},
        {"key": "source", "name": "Source", "type": "text"},
        {"key": "tags", "name": "Tags", "type": "multi", "choices": ["econ", "war", "law"]},
        {"key": "hedged", "name": "Hedged", "type": "boolean"},
    ]},
    {"key": "quote", "name": "Quote", "color": "#ff7f0e", "hotkey": "2", "attributes": [
        {"key": "speaker", "name": "Speaker", "type": "text"},
        {"key": "direct", "name": "Direct", "type": "boolean"},
    ]},
    {"key": "plain", "name": "Plain", "color": "#2ca02c", "hotkey": "3", "attributes": []},
    {"key": "unused", "name": "Unused", "color": "#d62728", "hotkey": "4", "attributes": [
        {"key": "kind", "name": "Kind", "type": "choice", "choices": ["x", "y"]},
    ]},
]}

TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def span(paragraphs, p, start, end, label, **attributes):
    """A JSONL span; its text is taken from the paragraph (the import checks it)."""
    return {"paragraph": p, "start": start, "end": end, "label": label,
            "text": paragraphs[p][start:end], "attributes": attributes}


def find(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """(start, end) of the nth occurrence of needle in text."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def import_jsonl(directory: Path, project, documents: list[dict]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "documents.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in documents) + "\n",
                    encoding="utf-8")
    import_paths(project, [path])


def load_project(app, slug, codebook, documents, directory: Path) -> None:
    with app.app_context():
        create_project(slug, codebook=codebook)
        project = db.session.scalar(db.select(Project).where(Project.slug == slug))
        import_jsonl(directory, project, documents)


def report_of(app, slug, **kwargs) -> dict:
    with app.app_context():
        project = db.session.scalar(db.select(Project).where(Project.slug == slug))
        report = build_report(project, **kwargs)
        # What the API sends: the report must be JSON as it is.
        return json.loads(json.dumps(report))


def assert_same_report(app, slug, document_ids=None, reviewers=None, **kwargs) -> dict:
    """build_report equals the reference on every figure of INTERFACE.md.

    Figures the report adds to the interface's (extra keys) are allowed and not compared;
    every key of the interface must be there, with the same value (1e-9; None only as None).
    """
    expected = reference_report(app, slug, document_ids=document_ids, reviewers=reviewers)
    actual = report_of(app, slug, document_ids=document_ids, reviewers=reviewers, **kwargs)
    problems = differences(expected, actual, ignore=("ci",), allow_extra=True)
    assert not problems, "\n".join(problems)
    return actual


# --- 1. a hand-made labelled project --------------------------------------------------------

P1 = [
    "The minister said the economy is “strong”, but critics disagree.",
    "Straße café naïve — 😀 emoji and numbers 2021! Ça va?",
    "Officials in Kyiv claimed victory; others doubted it.",
]
P2 = [
    "日本語のテキスト, mixed with English words.",
    "A second paragraph: nobody marks it, except dave.",
]
P3 = [
    "Short one.",
    "Another short paragraph, with commas, and dots...",
    "Final words: “quoted text” here.",
]


def hand_made_documents() -> list[dict]:
    a0 = find(P1[0], "The minister said")
    a1 = find(P1[0], "minister said the economy")
    econ = find(P1[0], "the economy is “strong”")
    critics = find(P1[0], "critics disagree.")
    strong = find(P1[0], "“strong”")
    doc1 = {
        "title": "Economy", "external_id": "d1", "paragraphs": P1,
        "reviews": [
            {"reviewer": "alice", "status": "submitted", "annotations": [
                span(P1, 0, *a0, "quote", speaker="  The Minister ", direct=True),
                span(P1, 0, *econ, "claim", stance="pro", source="Minister",
                     tags=["econ"], hedged=False),
                span(P1, 0, *critics, "claim", stance="contra", tags=["econ", "law"]),
                span(P1, 1, 0, 6, "plain"),
                span(P1, 1, 20, 21, "claim", stance="neutral"),  # the emoji
                span(P1, 2, *find(P1[2], "Officials in Kyiv"), "quote", speaker="officials"),
                span(P1, 2, *find(P1[2], "claimed victory"), "claim", stance="pro",
                     hedged=True),
            ]},
            {"reviewer": "bob", "status": "submitted", "annotations": [
                span(P1, 0, *a1, "quote", speaker="the minister", direct=True),
                # Two overlapping claims of one reviewer: merged for unitizing and overlap
                # F1; for the attributes the longer one speaks.
                span(P1, 0, *econ, "claim", stance="pro", source="MINISTER",
                     tags=["econ"], hedged=False),
                span(P1, 0, *strong, "claim", stance="contra"),
                span(P1, 0, *critics, "claim", stance="contra", tags=["law", "econ"],
                     source=" critics"),
                # The same span twice: counts once for exact F1.
                span(P1, 1, 0, 6, "plain"),
                span(P1, 1, 0, 6, "plain"),
                span(P1, 2, *find(P1[2], "claimed victory; others doubted"), "claim",
                     stance="contra", hedged=True),
            ]},
            {"reviewer": "carol", "status": "in_progress", "reviewed_paragraphs": [0, 2],
             "annotations": [
                span(P1, 0, *econ, "claim", stance="neutral", source="minister ",
                     tags=["war"], hedged=True),
                span(P1, 0, 0, 3, "plain"),
                # Paragraph 1 is not reviewed by carol: left out of every figure.
                span(P1, 1, 0, 6, "claim", stance="pro"),
                span(P1, 1, 7, 11, "quote", speaker="x"),
                span(P1, 2, *find(P1[2], "Kyiv"), "quote", speaker="Officials",
                     direct=False),
            ]},
        ],
    }
    doc2 = {
        "title": "Japanese", "external_id": "d2", "paragraphs": P2,
        "reviews": [
            {"reviewer": "alice", "status": "submitted", "annotations": [
                span(P2, 0, 0, 7, "claim", stance="pro", tags=[]),
                span(P2, 0, *find(P2[0], "English"), "plain"),
            ]},
            {"reviewer": "carol", "status": "submitted", "annotations": [
                span(P2, 0, 2, 9, "claim", stance="pro", tags=[]),
                span(P2, 0, *find(P2[0], "mixed with"), "plain"),
                span(P2, 1, *find(P2[1], "nobody"), "quote", speaker="Nobody", direct=False),
            ]},
            {"reviewer": "dave", "status": "in_progress", "reviewed_paragraphs": [1],
             "annotations": [
                span(P2, 0, 0, 3, "claim", stance="contra"),  # unreviewed paragraph
                span(P2, 1, *find(P2[1], "nobody marks it"), "quote", speaker="nobody",
                     direct=True),
            ]},
            # bob did not review this document at all.
        ],
    }
    doc3 = {
        "title": "Short", "external_id": "d3", "paragraphs": P3,
        "reviews": [
            {"reviewer": "alice", "status": "in_progress", "reviewed_paragraphs": [0, 1],
             "annotations": [span(P3, 1, 0, 7, "plain"),
                             span(P3, 2, *find(P3[2], "quoted"), "quote")]},
            {"reviewer": "bob", "status": "in_progress", "reviewed_paragraphs": [1, 2],
             "annotations": [span(P3, 1, 0, 7, "plain"),
                             span(P3, 2, *find(P3[2], "“quoted text”"), "quote",
                                  speaker="Unknown")]},
            {"reviewer": "dave", "status": "submitted", "annotations": [
                span(P3, 0, 0, 5, "claim", hedged=False),
                span(P3, 1, 8, 15, "plain"),
                span(P3, 2, *find(P3[2], "quoted text"), "quote", speaker="unknown",
                     direct=True)]},
            # A reviewer who opened the document and did nothing: not a reviewer.
            {"reviewer": "erin", "status": "in_progress"},
        ],
    }
    doc4 = {  # nobody reviewed it twice: adds nothing
        "title": "Lonely", "external_id": "d4", "paragraphs": ["Only alice was here."],
        "reviews": [{"reviewer": "alice", "status": "submitted", "annotations": [
            span(["Only alice was here."], 0, 0, 4, "claim", stance="pro")]}],
    }
    return [doc1, doc2, doc3, doc4]


@pytest.fixture
def labelled(app, tmp_path):
    load_project(app, "labelled", CODEBOOK, hand_made_documents(), tmp_path)
    return "labelled"


@pytest.mark.both_engines
def test_hand_made_project_matches_the_reference(app, labelled):
    report = assert_same_report(app, labelled)
    # A few figures that show the data reached the report as intended.
    assert report["reviewers"] == ["alice", "bob", "carol", "dave"]  # not erin
    assert report["documents"] == 4
    # d1: 3 paragraphs (alice, bob, carol on 0 and 2); d2: 2 (alice, carol; dave on 1);
    # d3: 3 (0: alice, dave; 1: alice, bob, dave; 2: bob, dave); d4: none.
    assert report["paragraphs"] == 8
    unused = report["labels"]["unused"]
    assert unused["paragraph_alpha"] is None and unused["token_alpha"] is None
    assert unused["unitizing_alpha"] is None and unused["f1_exact"] is None
    assert unused["f1_overlap"] is None and unused["fleiss_kappa"] is None
    assert unused["attributes"] == {"kind": None}
    assert set(report["labels"]["claim"]["attributes"]) == {"stance", "source", "tags",
                                                            "hedged"}
    assert report["reviewers_detail"]["dave"]["paragraphs_reviewed"] == 4
    # dave's span in d2 paragraph 0 (not reviewed by him) is not counted.
    assert report["reviewers_detail"]["dave"]["spans"] == 4
    assert report["reviewers_detail"]["carol"]["spans"] == 6


def test_hand_made_project_with_bootstrap_keeps_the_point_estimates(app, labelled):
    plain = report_of(app, labelled)
    with_ci = report_of(app, labelled, bootstrap=50, seed=3)
    assert not differences(plain, with_ci, ignore=("ci", "bootstrap"))


# --- 2. random projects ----------------------------------------------------------------------

NAMES = ["alice", "bob", "carol", "dave"]
WORDS = ["the", "minister", "said", "Straße", "naïve", "café", "日本語", "😀", "👍🏽", "İstanbul",
         "ﬁne", "x", "2021", "don't", "—", ",", ".", "!", "?", "“", "”", "(", ")", "é",
         "Ελλάδα", "ß", "a_b", "...", "$5", "e\u0301", "\u00a0", "\t"]


@st.composite
def paragraph_text(draw) -> str:
    if draw(st.integers(0, 5)) == 0:
        text = draw(st.text(
            st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
            min_size=1, max_size=25))
    else:
        words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
        joiners = draw(st.lists(st.sampled_from([" ", " ", "", "  ", "\n"]),
                                min_size=len(words), max_size=len(words)))
        text = "".join(w + j for w, j in zip(words, joiners, strict=True))
    if not text.strip():
        text += "word"
    return text


@st.composite
def attribute_values(draw, label: str) -> dict:
    values: dict = {}
    if label == "claim":
        if draw(st.booleans()):
            values["stance"] = draw(st.sampled_from(["pro", "contra", "neutral"]))
        if draw(st.booleans()):
            values["source"] = draw(st.sampled_from(["Minister", " minister", "MINISTER ",
                                                     "critic", "Critic", "Straße",
                                                     "STRASSE", "x y"]))
        if draw(st.booleans()):
            values["tags"] = draw(st.lists(st.sampled_from(["econ", "war", "law"]),
                                           min_size=1, max_size=3, unique=True))
        if draw(st.booleans()):
            values["hedged"] = draw(st.booleans())
    elif label == "quote":
        if draw(st.booleans()):
            values["speaker"] = draw(st.sampled_from(["Him", "him ", "her", "HER"]))
        if draw(st.booleans()):
            values["direct"] = draw(st.booleans())
    return values


@st.composite
def review(draw, name: str, paragraphs: list[str]) -> dict:
    status = draw(st.sampled_from(["submitted", "in_progress", "in_progress"]))
    reviewed = draw(st.lists(st.integers(0, len(paragraphs) - 1), unique=True))
    spans: list[dict] = []
    for _ in range(draw(st.integers(0, 6))):
        if spans and draw(st.integers(0, 6)) == 0:
            spans.append(dict(spans[-1]))  # an exact duplicate
            continue
        p = draw(st.integers(0, len(paragraphs) - 1))
        length = len(paragraphs[p])
        start = draw(st.integers(0, length - 1))
        end = draw(st.integers(start + 1, min(length, start + 1 + draw(st.integers(0, 20)))))
        label = draw(st.sampled_from(["claim", "claim", "quote", "plain"]))
        spans.append(span(paragraphs, p, start, end, label, **draw(attribute_values(label))))
    return {"reviewer": name, "status": status, "reviewed_paragraphs": reviewed,
            "annotations": spans}


@st.composite
def random_project(draw) -> list[dict]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=2, max_size=4, unique=True))
    documents = []
    for i in range(draw(st.integers(1, 3))):
        paragraphs = draw(st.lists(paragraph_text(), min_size=1, max_size=3))
        paragraphs[-1] += f" §{i}"  # the same article twice would be refused
        reviewers = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
        documents.append({
            "title": f"Document {i}", "external_id": f"doc-{i}", "paragraphs": paragraphs,
            "reviews": [draw(review(name, paragraphs)) for name in reviewers],
        })
    return documents


def fresh_app(directory: Path):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{directory / 'test.sqlite3'}",
        "SECRET_KEY": "test-secret-key",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": None,
    })
    with app.app_context():
        db.create_all()
    return app


def with_fresh_project(documents, check) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        app = fresh_app(directory)
        try:
            load_project(app, "random", CODEBOOK, documents, directory)
            check(app, "random")
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(random_project())
def test_random_projects_match_the_reference(documents):
    with_fresh_project(documents, assert_same_report)


@pytest.fixture(scope="module")
def postgres_app(postgres_server):
    """One app on the run's PostgreSQL database for the examples below; each example starts
    from empty tables."""
    app = create_app({
        "TESTING": True, "DATABASE_URL": postgres_server.database_url(),
        "SECRET_KEY": "test-secret-key", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": None,
    })

    def empty():
        with app.app_context():
            postgres_server.empty_tables()

    app.empty = empty
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(documents=random_project())
def test_random_projects_match_the_reference_on_postgresql(postgres_app, tmp_path, documents):
    """The same comparison on PostgreSQL: the report reads the database through SQL that
    differs by engine (and PostgreSQL orders, casts and sums in its own way)."""
    postgres_app.empty()
    load_project(postgres_app, "random", CODEBOOK, documents, tmp_path)
    assert_same_report(postgres_app, "random")


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(random_project(), st.data())
def test_random_subsets_match_the_reference(documents, data):
    """build_report(document_ids=..., reviewers=...): the report of the project as if it held
    only those documents and only those reviewers' work (names compared case-insensitively)."""
    doc_ids = data.draw(st.none() | st.lists(st.integers(1, len(documents)), unique=True))
    names = data.draw(st.none() | st.lists(st.sampled_from(NAMES + ["Alice", "BOB"]),
                                           unique=True))

    def check(app, slug):
        assert_same_report(app, slug, document_ids=doc_ids, reviewers=names)

    with_fresh_project(documents, check)


def test_a_submitted_document_is_reviewed_throughout(app, tmp_path):
    """The import and the API mark every paragraph of a submitted document, so the report
    never sees a submission without its marks; should the marks be missing (written by
    another tool, a repair by hand), "submitted" alone still makes every paragraph reviewed
    (INTERFACE.md, Words: reviewed = marked done, or submitted the document)."""
    from annotator.models import ParagraphReview, User

    paragraphs = ["Hello world, again.", "Second one here."]
    documents = [{"title": "A", "paragraphs": paragraphs, "reviews": [
        {"reviewer": "alice", "status": "submitted",
         "annotations": [span(paragraphs, 0, 0, 11, "plain")]},
        {"reviewer": "bob", "status": "submitted",
         "annotations": [span(paragraphs, 0, 0, 5, "plain")]},
        {"reviewer": "carol", "status": "in_progress", "reviewed_paragraphs": [0],
         "annotations": []}]}]
    load_project(app, "marks", CODEBOOK, documents, tmp_path)
    assert_same_report(app, "marks")
    before = reference_report(app, "marks")
    with app.app_context():
        bob = db.session.scalar(db.select(User.id).where(User.username == "bob"))
        db.session.execute(db.delete(ParagraphReview).where(ParagraphReview.reviewer_id == bob))
        db.session.commit()
    # Nothing changed for the definition: bob still submitted the document.
    assert reference_report(app, "marks") == before
    after = assert_same_report(app, "marks")
    assert after["paragraphs"] == 2 and after["labels"]["plain"]["f1_exact"] == 0.0


# --- 3. bootstrap ----------------------------------------------------------------------------

def intervals(report: dict) -> dict[str, object]:
    """Every ci entry of a report, by path."""
    found = {}
    for label, figures in report["labels"].items():
        for figure, interval in figures.get("ci", {}).items():
            found[f"labels.{label}.{figure}"] = interval
    for figure, interval in report["overall"].get("ci", {}).items():
        found[f"overall.{figure}"] = interval
    return found


def test_bootstrap_is_deterministic_and_well_formed(app, labelled):
    first = report_of(app, labelled, bootstrap=200, seed=7)
    second = report_of(app, labelled, bootstrap=200, seed=7)
    other = report_of(app, labelled, bootstrap=200, seed=8)
    plain = report_of(app, labelled)
    assert "ci" not in plain["labels"]["claim"] and "ci" not in plain["overall"]

    ci = intervals(first)
    assert "labels.claim.paragraph_alpha" in ci and "labels.claim.token_alpha" in ci
    assert ci == intervals(second)
    assert ci != intervals(other)
    for path, interval in ci.items():
        if interval is None:  # undefined in every resample
            continue
        assert isinstance(interval, list) and len(interval) == 2, path
        low, high = interval
        assert isinstance(low, float) and isinstance(high, float), path
        assert low <= high, path
    # Defined figures of the claim label have intervals.
    for figure in ("paragraph_alpha", "token_alpha", "f1_overlap"):
        assert ci[f"labels.claim.{figure}"] is not None
    # The unused label has nothing to resample.
    for figure, interval in first["labels"]["unused"].get("ci", {}).items():
        assert interval is None, figure


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(random_project(), st.integers(0, 2**31 - 1))
def test_bootstrap_on_random_projects(documents, seed):
    def check(app, slug):
        first = report_of(app, slug, bootstrap=30, seed=seed)
        again = report_of(app, slug, bootstrap=30, seed=seed)
        assert intervals(first) == intervals(again)
        for path, interval in intervals(first).items():
            if interval is not None:
                low, high = interval
                assert low <= high, path
        # The point estimates do not move.
        assert not differences(report_of(app, slug), first, ignore=("ci", "bootstrap"))

    with_fresh_project(documents, check)


# --- 4. small cases checked by hand -----------------------------------------------------------

def small_project(app, tmp_path, paragraphs, reviews, slug="small"):
    documents = [{"title": "Small", "paragraphs": paragraphs, "reviews": reviews}]
    load_project(app, slug, CODEBOOK, documents, tmp_path)
    return assert_same_report(app, slug)


def test_identical_spans_of_two_reviewers(app, tmp_path):
    text = "Hello world, again."
    # Tokens: Hello [0,5) world [6,11) , [11,12) again [13,18) . [18,19).
    spans = [span([text], 0, 0, 11, "plain")]
    report = small_project(app, tmp_path, [text], [
        {"reviewer": "alice", "status": "submitted", "annotations": spans},
        {"reviewer": "bob", "status": "submitted", "annotations": spans},
    ])
    plain = report["labels"]["plain"]
    # One paragraph, both say 1: a single category, no expected disagreement: undefined.
    assert plain["paragraph_alpha"] is None
    # Tokens: both give 1 1 0 0 0; two categories occur (n_1 = 4, n_0 = 6 of n = 10) and
    # nobody disagrees: D_o = 0, D_e > 0, alpha = 1.
    assert plain["token_alpha"] == 1.0
    # Units identical: D_o = 0 < D_e: alpha = 1.
    assert plain["unitizing_alpha"] == 1.0
    assert plain["f1_exact"] == 1.0 and plain["f1_overlap"] == 1.0
    # One paragraph, both 1: p_e = 1, kappa undefined (Cohen and Fleiss alike).
    assert plain["cohen_kappa"] == {"alice|bob": None}
    assert plain["fleiss_kappa"] is None
    assert report["overall"]["token_alpha"] == 1.0
    assert report["paragraphs"] == 1
    assert report["documents_by_disagreement"] == [{"id": 1, "title": "Small",
                                                    "f1_overlap": 1.0}]


def test_identical_spans_covering_every_token(app, tmp_path):
    text = "Hello world"
    spans = [span([text], 0, 0, 11, "plain")]
    report = small_project(app, tmp_path, [text], [
        {"reviewer": "alice", "status": "submitted", "annotations": spans},
        {"reviewer": "bob", "status": "submitted", "annotations": spans},
    ])
    # Every token has value 1 for both: one category only, D_e = 0: undefined, not 1.
    assert report["labels"]["plain"]["token_alpha"] is None
    # Overall: every token is {plain} for both: one category: undefined too.
    assert report["overall"]["token_alpha"] is None
    # Unitizing still has gaps to compare with (no gap, but N_c units of length 11: the
    # within-unit term of D_e is > 0) and D_o = 0: alpha = 1.
    assert report["labels"]["plain"]["unitizing_alpha"] == 1.0


def test_token_alpha_by_hand(app, tmp_path):
    text = "Hello world, again"
    # Tokens: Hello [0,5) world [6,11) , [11,12) again [13,18).
    # alice tags [2, 7): shares characters with "Hello" and "world" -> 1 1 0 0.
    # bob tags [0, 3): only "Hello" -> 1 0 0 0.
    # Coincidences: 4 units of 2 values, n = 8, n_1 = 3, n_0 = 5; one unit disagrees:
    # sum_{c != k} o_ck = 2; alpha = 1 - (n - 1) * 2 / (2 * n_0 * n_1) = 1 - 14/30 = 8/15.
    report = small_project(app, tmp_path, [text], [
        {"reviewer": "alice", "status": "in_progress", "reviewed_paragraphs": [0],
         "annotations": [span([text], 0, 2, 7, "claim")]},
        {"reviewer": "bob", "status": "in_progress", "reviewed_paragraphs": [0],
         "annotations": [span([text], 0, 0, 3, "claim")]},
    ])
    claim = report["labels"]["claim"]
    assert claim["token_alpha"] == pytest.approx(8 / 15, abs=1e-12)
    # Overlap F1: |s ∩ t| = 1 ([2, 3)); P = 1/5, R = 1/3; F1 = 2PR/(P+R) = (2/15)/(8/15) = 1/4.
    assert claim["f1_overlap"] == pytest.approx(0.25, abs=1e-12)
    assert claim["f1_exact"] == 0.0
    # Nobody submitted: no unitizing.
    assert claim["unitizing_alpha"] is None
    assert report["overall"]["unitizing_alpha"] is None
    # One paragraph, both 1: undefined.
    assert claim["paragraph_alpha"] is None


def test_unitizing_by_hand(app, tmp_path):
    # One document of two paragraphs, laid end to end: "Abcd" + "efghij", L = 10.
    # alice tags [0, 4) (paragraph 0, all of it); bob tags nothing.
    # DKPro: D_o = 2 S / (R L^2) with S = 4^2 (alice's unit lies in bob's gap):
    # D_o = 32 / 200 = 0.16. D_e = (2/L) E / Q with E = l^2 * sum_{gaps g >= l} (g - l + 1)
    # = 16 * ((6 - 4 + 1) + (10 - 4 + 1)) = 160 (alice's gap [4, 10), bob's whole continuum),
    # Q = R L (R L - 1) - l (l - 1) = 20 * 19 - 12 = 368: D_e = 0.2 * 160 / 368 = 32/368.
    # alpha = 1 - 0.16 / (32/368) = 1 - 368/200 = -0.84.
    paragraphs = ["Abcd", "efghij"]
    report = small_project(app, tmp_path, paragraphs, [
        {"reviewer": "alice", "status": "submitted",
         "annotations": [span(paragraphs, 0, 0, 4, "plain")]},
        {"reviewer": "bob", "status": "submitted", "annotations": []},
    ])
    assert report["labels"]["plain"]["unitizing_alpha"] == pytest.approx(-0.84, abs=1e-12)
    assert report["overall"]["unitizing_alpha"] == pytest.approx(-0.84, abs=1e-12)
    # Paragraph values: alice 1 0, bob 0 0: n = 4, n_1 = 1, n_0 = 3; the first paragraph
    # disagrees: alpha = 1 - 3 * 2 / (2 * 1 * 3) = 0.
    assert report["labels"]["plain"]["paragraph_alpha"] == pytest.approx(0.0, abs=1e-12)
    # F1: alice has a span, bob none: defined, 0.
    assert report["labels"]["plain"]["f1_exact"] == 0.0
    assert report["labels"]["plain"]["f1_overlap"] == 0.0
    # Cohen: alice 1 0, bob 0 0: p_o = 1/2, p_e = (1/2)(0) + (1/2)(1) = 1/2: kappa = 0.
    assert report["labels"]["plain"]["cohen_kappa"] == {"alice|bob": 0.0}


def test_unitizing_is_pooled_over_documents(app, tmp_path):
    # Document 1 as in test_unitizing_by_hand: D_o = 0.16, D_e = 32/368.
    # Document 2 "Xyzw", L = 4, alice and bob both tag [0, 2): S = 0, D_o = 0;
    # per unit (N_c = 2 units of l = 2): (N_c - 1) * l (l-1) (2l-1) / 3 = 2, plus
    # l^2 * sum over the gaps g >= l of (g - l + 1) = 4 * (1 + 1) = 8 (the gaps [2, 4) of both
    # raters): 10 per unit, E = 20; Q = 8 * 7 - 2 - 2 = 52: D_e = (2/4) * 20 / 52 = 5/26.
    # Pooled by length squared (INTERFACE.md): L_1 = 10, L_2 = 4:
    # alpha = 1 - (100 * 0.16 + 16 * 0) / (100 * 32/368 + 16 * 5/26) = -0.35909...
    # The mean of the documents' own alphas (INCEpTION's): (1 - 0.16 / (32/368) + 1) / 2
    # = (-0.84 + 1) / 2 = 0.08.
    documents = [
        {"title": "One", "paragraphs": ["Abcd", "efghij"], "reviews": [
            {"reviewer": "alice", "status": "submitted",
             "annotations": [span(["Abcd"], 0, 0, 4, "plain")]},
            {"reviewer": "bob", "status": "submitted"}]},
        {"title": "Two", "paragraphs": ["Xyzw"], "reviews": [
            {"reviewer": "alice", "status": "submitted",
             "annotations": [span(["Xyzw"], 0, 0, 2, "plain")]},
            {"reviewer": "bob", "status": "submitted",
             "annotations": [span(["Xyzw"], 0, 0, 2, "plain")]}]},
    ]
    load_project(app, "pooled", CODEBOOK, documents, tmp_path)
    report = assert_same_report(app, "pooled")
    expected = 1 - (100 * 0.16) / (100 * 32 / 368 + 16 * 5 / 26)
    assert report["labels"]["plain"]["unitizing_alpha"] == pytest.approx(expected, abs=1e-12)
    assert report["labels"]["plain"]["unitizing_alpha_document_mean"] == \
        pytest.approx(0.08, abs=1e-12)
    assert report["overall"]["unitizing_alpha"] == pytest.approx(expected, abs=1e-12)
    assert report["overall"]["unitizing_alpha_document_mean"] == pytest.approx(0.08, abs=1e-12)
    # documents_by_disagreement: document 1 has F1 0 (alice's span against nothing),
    # document 2 has F1 1.
    assert [(d["title"], d["f1_overlap"]) for d in report["documents_by_disagreement"]] == [
        ("One", 0.0), ("Two", 1.0)]


def test_attributes_by_hand(app, tmp_path):
    text = "aaaa bbbb cccc dddd"
    # Paragraph reviewed by alice, bob and carol.
    # Component 1: alice [0, 9) "Minister " and [0, 4) "x" (the longer speaks: "minister"),
    #   bob [5, 14) "minister" (overlaps alice's [0, 9) at 5..8), carol nothing here.
    # Component 2: alice [15, 19) "Other", carol [15, 19) "other  ", bob [15, 17) without
    #   the attribute (gives no value).
    # Values: unit 1 {minister, minister}, unit 2 {other, other}: no disagreement, two
    # categories -> alpha = 1.
    spans_alice = [span([text], 0, 0, 9, "quote", speaker="Minister "),
                   span([text], 0, 0, 4, "quote", speaker="x"),
                   span([text], 0, 15, 19, "quote", speaker="Other")]
    spans_bob = [span([text], 0, 5, 14, "quote", speaker="minister"),
                 span([text], 0, 15, 17, "quote")]
    spans_carol = [span([text], 0, 15, 19, "quote", speaker="other  ")]
    report = small_project(app, tmp_path, [text], [
        {"reviewer": "alice", "status": "submitted", "annotations": spans_alice},
        {"reviewer": "bob", "status": "submitted", "annotations": spans_bob},
        {"reviewer": "carol", "status": "submitted", "annotations": spans_carol},
    ])
    assert report["labels"]["quote"]["attributes"]["speaker"] == 1.0
    # "direct" is given by nobody: undefined.
    assert report["labels"]["quote"]["attributes"]["direct"] is None


def test_spans_in_unreviewed_paragraphs_change_nothing(app, tmp_path):
    paragraphs = ["One two three.", "Four five six."]
    base = [
        {"reviewer": "alice", "status": "in_progress", "reviewed_paragraphs": [0],
         "annotations": [span(paragraphs, 0, 0, 3, "claim", stance="pro")]},
        {"reviewer": "bob", "status": "in_progress", "reviewed_paragraphs": [0],
         "annotations": [span(paragraphs, 0, 4, 7, "claim", stance="pro")]},
    ]
    noisy = json.loads(json.dumps(base))
    noisy[0]["annotations"].append(span(paragraphs, 1, 0, 4, "claim", stance="contra"))
    noisy[1]["annotations"].append(span(paragraphs, 1, 5, 9, "quote"))
    load_project(app, "base", CODEBOOK,
                 [{"title": "T", "paragraphs": paragraphs, "reviews": base}], tmp_path / "a")
    load_project(app, "noisy", CODEBOOK,
                 [{"title": "T", "paragraphs": paragraphs, "reviews": noisy}], tmp_path / "b")
    clean = assert_same_report(app, "base")
    dirty = assert_same_report(app, "noisy")
    clean.pop("project")
    dirty.pop("project")
    for report in (clean, dirty):
        report["documents_by_disagreement"][0].pop("id")
    # spans_stored counts them on purpose (the reviewers table shows both numbers)
    assert not differences(clean, dirty, ignore=("ci", "bootstrap", "spans_stored"))
    assert [dirty["reviewers_detail"][n]["spans_stored"] -
            clean["reviewers_detail"][n]["spans_stored"] for n in ("alice", "bob")] == [1, 1]


# --- 5. tokens ---------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text())
def test_tokenize_is_the_interface_regex(text):
    starts, ends = tokenize(text)
    got = [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]
    assert got == [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


@pytest.mark.parametrize("text", ["", " ", "a", "Straße café", "😀👍🏽", "e\u0301", "don't",
                                  "日本語のテキスト, mixed", "a_b 1.5 $5 —", "\u00a0x\u2003y"])
def test_tokenize_examples(text):
    starts, ends = tokenize(text)
    got = [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]
    assert got == [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
