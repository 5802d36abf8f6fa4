"""Exports carry exactly the stored spans; JSONL round-trips the whole project."""

import csv
import io
import json
import re
import zipfile

import pytest

from annotator.agreement.report import build_report
from annotator.exports import ExportOptions, export
from annotator.imports import import_paths
from tests.helpers import project_by_slug as _project

pytestmark = pytest.mark.both_engines

CODEBOOK = {"labels": [
    {"key": "framing", "name": "Framing", "color": "#e07a2f", "hotkey": "1", "attributes": [
        {"key": "valence", "name": "Valence", "type": "choice",
         "choices": ["positive", "negative", "neutral"]},
        {"key": "target", "name": "Target", "type": "text"},
        {"key": "devices", "name": "Devices", "type": "multi", "choices": ["lexical", "info"]},
        {"key": "hedged", "name": "Hedged", "type": "boolean"}]},
    {"key": "attribution", "name": "Attribution", "color": "#2f78c4", "hotkey": "2",
     "attributes": [{"key": "source", "name": "Source", "type": "text"}]},
]}

PARAGRAPHS = [
    "Officials said 🙂 the troops left the country, quickly.",
    "𝔘nicode line one\nline two with e\u0301 and עברית.",
    "The «hasty» withdrawal led to a counteroffensive.",
]

DOCS = [
    {"title": "First <doc>", "source": "RT", "url": "https://example.org/1",
     "published": "2021-07-26", "external_id": "rt-1", "meta": {"lang": "en", "n": 1},
     "paragraphs": PARAGRAPHS,
     "reviews": [
         {"reviewer": "alice", "status": "submitted", "annotations": [
             {"paragraph": 0, "start": 0, "end": 14, "label": "attribution",
              "attributes": {"source": "Officials"}, "note": "said \"x\""},
             {"paragraph": 0, "start": 17, "end": 33, "label": "framing",
              "attributes": {"valence": "negative", "target": "US troops",
                             "devices": ["lexical", "info"], "hedged": True}},
             {"paragraph": 0, "start": 21, "end": 40, "label": "framing"},
             {"paragraph": 1, "start": 0, "end": 30, "label": "framing",
              "attributes": {"hedged": False}}]},
         {"reviewer": "bob", "status": "in_progress", "reviewed_paragraphs": [0, 2],
          "annotations": [
             {"paragraph": 0, "start": 0, "end": 9, "label": "attribution"},
             {"paragraph": 2, "start": 4, "end": 11, "label": "framing",
              "attributes": {"valence": "negative"}}]}],
     "gold": [{"paragraph": 0, "start": 0, "end": 14, "label": "attribution",
               "attributes": {"source": "Officials"}, "provenance": "adjudicated:carol"},
              {"paragraph": 2, "start": 4, "end": 11, "label": "framing",
               "provenance": "majority"}]},
    {"title": "Second", "paragraphs": ["Plain text, no spans.", "Another."],
     "reviews": [{"reviewer": "alice", "status": "in_progress", "reviewed_paragraphs": [1]}]},
]


@pytest.fixture
def project(app, make_project, write_file):
    make_project("src", codebook=CODEBOOK)
    with app.app_context():
        import_paths(_project("src"), [write_file("src.jsonl", DOCS)])
    return "src"


def _run(app, slug, fmt, **options):
    with app.app_context():
        chunks = list(export(_project(slug), fmt, ExportOptions(**options)))
    return b"".join(chunks) if fmt == "brat" else "".join(chunks)


def _strip_ids(line):
    obj = json.loads(line)
    obj.pop("id")
    return obj


def test_jsonl_round_trip_gives_identical_documents_reviews_gold_and_report(
        app, project, make_project, write_file):
    first = _run(app, project, "jsonl")
    lines = first.splitlines()
    assert len(lines) == 2
    doc = json.loads(lines[0])
    assert doc["paragraphs"] == PARAGRAPHS and doc["meta"] == {"lang": "en", "n": 1}
    alice = doc["reviews"][0]
    assert alice["reviewer"] == "alice" and alice["status"] == "submitted"
    assert alice["reviewed_paragraphs"] == [0, 1, 2]
    for span in alice["annotations"]:
        assert span["text"] == PARAGRAPHS[span["paragraph"]][span["start"]:span["end"]]
    assert doc["gold"][0]["provenance"] == "adjudicated:carol"
    make_project("copy", codebook=CODEBOOK)
    with app.app_context():
        import_paths(_project("copy"), [write_file("export.jsonl", first)])
    second = _run(app, "copy", "jsonl")
    assert [_strip_ids(x) for x in second.splitlines()] == [_strip_ids(x) for x in lines]
    with app.app_context():
        a = build_report(_project(project))
        b = build_report(_project("copy"))
    a.pop("project"), b.pop("project")
    assert json.dumps(b, sort_keys=True) == json.dumps(
        {**a, "documents_by_disagreement": [
            {**d, "id": d["id"] + 2} for d in a["documents_by_disagreement"]]}, sort_keys=True)


def test_csv_rows_are_the_stored_spans(app, project):
    rows = list(csv.DictReader(io.StringIO(_run(app, project, "csv"))))
    assert list(rows[0]) == ["document_id", "external_id", "document_title", "paragraph",
                             "start", "end", "label", "text", "reviewer", "attributes"]
    assert len(rows) == 6 + 2
    for row in rows:
        text = PARAGRAPHS[int(row["paragraph"])]
        assert row["text"] == text[int(row["start"]):int(row["end"])]
        json.loads(row["attributes"])
    assert [r["reviewer"] for r in rows].count("gold") == 2
    assert rows[0]["document_title"] == "First <doc>" and rows[0]["external_id"] == "rt-1"
    only_bob = list(csv.DictReader(io.StringIO(_run(app, project, "csv", reviewers=["bob"]))))
    assert {r["reviewer"] for r in only_bob} == {"bob", "gold"}
    submitted = list(csv.DictReader(io.StringIO(
        _run(app, project, "csv", submitted_only=True))))
    assert {r["reviewer"] for r in submitted} == {"alice", "gold"}
    gold = list(csv.DictReader(io.StringIO(_run(app, project, "csv", gold_only=True))))
    assert {r["reviewer"] for r in gold} == {"gold"} and len(gold) == 2


def _parse_conll(text):
    blocks, current, paragraph = [], None, None
    for line in text.split("\n"):
        if line.startswith("# document = "):
            current = {"document": int(line.split(" = ")[1]), "paragraphs": []}
            blocks.append(current)
            paragraph = []
            current["paragraphs"].append(paragraph)
        elif line.startswith("# reviewer = "):
            current["reviewer"] = line.split(" = ")[1]
        elif line.startswith("#"):
            continue
        elif line == "":
            if current is not None and paragraph:
                paragraph = []
                current["paragraphs"].append(paragraph)
        else:
            paragraph.append(line.split("\t"))
    for block in blocks:
        block["paragraphs"] = [p for p in block["paragraphs"] if p]
    return blocks


def test_conll_bio_tags_on_the_interface_tokens(app, project):
    text = _run(app, project, "conll")
    blocks = _parse_conll(text)
    alice = next(b for b in blocks if b["reviewer"] == "alice" and b["document"] == 1)
    tokens = [m.group() for m in re.finditer(r"\w+|[^\w\s]", PARAGRAPHS[0])]
    rows = alice["paragraphs"][0]
    assert [r[0] for r in rows] == tokens
    framing = [r[1] for r in rows]
    attribution = [r[2] for r in rows]
    # attribution "Officials said" = tokens 0-1
    assert attribution[:3] == ["B-attribution", "I-attribution", "O"]
    # framing spans [17, 33) and [21, 40) merge into "the troops left the cou": the tokens
    # the, troops, left, the, country (it shares characters), not the comma.
    start = tokens.index("the")
    assert framing[start] == "B-framing"
    assert framing[start + 1:start + 5] == ["I-framing"] * 4 and framing[start + 5] == "O"
    gold = [b for b in blocks if b["reviewer"] == "gold"]
    assert len(gold) == 1 and len(gold[0]["paragraphs"]) == 3


def test_doccano_offsets_into_the_joined_text(app, project):
    lines = [json.loads(x) for x in _run(app, project, "doccano").splitlines()]
    assert {(x["document_id"], x["reviewer"]) for x in lines} == {
        (1, "alice"), (1, "bob"), (1, "gold"), (2, "alice")}
    for line in lines:
        if line["document_id"] == 1:
            assert line["text"] == "\n\n".join(PARAGRAPHS)
        for start, end, label in line["label"]:
            fragment = line["text"][start:end]
            assert "\n\n" not in fragment and label in ("framing", "attribution")
    alice = next(x for x in lines if x["reviewer"] == "alice" and x["document_id"] == 1)
    assert [alice["text"][s:e] for s, e, _ in alice["label"]][:1] == ["Officials said"]


def test_brat_zip_offsets_into_the_txt(app, project):
    data = _run(app, project, "brat")
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert {"annotation.conf", "alice/1.txt", "alice/1.ann", "bob/1.ann", "gold/1.ann",
            "alice/2.txt"} <= names
    conf = archive.read("annotation.conf").decode()
    assert "[entities]\nframing\nattribution" in conf
    assert "valence\tArg:framing, Value:positive|negative|neutral" in conf
    text = archive.read("alice/1.txt").decode()
    ann = archive.read("alice/1.ann").decode().splitlines()
    t_lines = [x for x in ann if x.startswith("T")]
    assert len(t_lines) == 4
    for line in t_lines:
        _, type_offsets, fragment = line.split("\t")
        label, start, end = type_offsets.split(" ")
        assert text[int(start):int(end)].replace("\n", " ") == fragment
    attributes = {tuple(x.split("\t")[1].split(" ")) for x in ann if x.startswith("A")}
    assert attributes == {("valence", "T2", "negative"), ("hedged", "T2")}
    notes = [x for x in ann if x.startswith("#")]
    payload = json.loads(notes[0].split("\t")[2])
    assert payload == {"note": 'said "x"', "attributes": {"source": "Officials"}}


def test_unknown_reviewer_and_format_refused(app, project):
    from annotator.errors import Invalid

    with app.app_context(), pytest.raises(Invalid, match="no reviewer 'zed'"):
        export(_project(project), "csv", ExportOptions(reviewers=["zed"]))
    with app.app_context(), pytest.raises(Invalid, match="Unknown export format"):
        export(_project(project), "xml")


def test_cli_and_api_exports(app, project, runner, client, auth, tmp_path):
    r = runner.invoke(args=["export", project, "--format", "csv"])
    assert r.exit_code == 0 and r.output.startswith("document_id,")
    r = runner.invoke(args=["export", project, "--format", "brat"])
    assert r.exit_code == 1 and "-o" in r.output
    out = tmp_path / "b.zip"
    r = runner.invoke(args=["export", project, "--format", "brat", "-o", str(out)])
    assert r.exit_code == 0 and zipfile.is_zipfile(out)
    r = runner.invoke(args=["export", project, "--format", "jsonl", "--gold-only"])
    assert len(r.output.splitlines()) == 1 and json.loads(r.output)["reviews"] == []
    admin = auth("root", role="admin")
    resp = client.get(f"/api/projects/{project}/export?format=csv", headers=admin)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert 'filename="src.csv"' in resp.headers["Content-Disposition"]
    assert resp.get_data(as_text=True) == _run(app, project, "csv")
    resp = client.get(f"/api/projects/{project}/export?format=xml", headers=admin)
    assert resp.status_code == 400
    # a reviewer of a blind project gets only their own spans, and no gold-only export
    bob = auth("bob")
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/api/projects/{project}/export?format=csv", headers=bob).get_data(as_text=True))))
    assert {r["reviewer"] for r in rows} == {"bob", "gold"}
    assert client.get(f"/api/projects/{project}/export?format=csv&reviewers=alice",
                      headers=bob).status_code == 403
    assert client.get(f"/api/projects/{project}/export?format=csv&gold_only=1",
                      headers=bob).status_code == 403



@pytest.mark.parametrize("fmt", ["jsonl", "conll", "brat"])
def test_batches_of_one_document_give_the_same_export(app, project, monkeypatch, fmt):
    import annotator.exports as exports

    whole = _run(app, project, fmt)
    monkeypatch.setattr(exports, "BATCH", 1)
    pieces = _run(app, project, fmt)
    if fmt == "brat":  # the same members (their times may differ by a second)
        a, b = zipfile.ZipFile(io.BytesIO(whole)), zipfile.ZipFile(io.BytesIO(pieces))
        assert a.namelist() == b.namelist()
        assert all(a.read(n) == b.read(n) for n in a.namelist())
    else:
        assert pieces == whole


def test_a_download_cut_off_leaves_the_session_working(app, project, monkeypatch, write_file):
    import gc

    import annotator.exports as exports

    with app.app_context():
        import_paths(_project(project), [write_file("more.jsonl", [
            {"title": f"More {i}", "paragraphs": [f"Paragraph {i}."]} for i in range(6)])])
    monkeypatch.setattr(exports, "BATCH", 1)
    with app.app_context():
        chunks = export(_project(project), "jsonl")
        assert json.loads(next(chunks))["title"] == "First <doc>"
        chunks.close()  # as a response does when the client goes away
        assert gc.isenabled()  # the collector is paused only while a batch is read
        assert len(list(export(_project(project), "jsonl"))) == 8


def test_the_collector_pause_restores_what_it_found():
    import gc

    from annotator.database import gc_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("a failed read")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off: it stays off
    finally:
        gc.enable()
