"""What an export may hold and how it holds together: others' spans only where the caller may
see them, one consistent snapshot while others write, cells safe from spreadsheets."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest

from tests.helpers import logout

pytestmark = pytest.mark.both_engines

TEXT = "-5% said officials; +3 said others, and =SUM(A1) too."


@pytest.fixture
def open_project(app, make_project, make_document, make_user):
    """An open project: alice submitted document 1, not document 2; bob tagged both."""
    make_project("open", blind=False)
    for name in ("alice", "bob"):
        make_user(name)
    spans = [{"paragraph": 0, "start": 0, "end": 3, "label": "framing"}]
    one = make_document("open", [TEXT], title="One", reviews=[
        {"reviewer": "alice", "status": "submitted", "annotations": spans},
        {"reviewer": "bob", "status": "submitted", "annotations": spans}])
    two = make_document("open", [TEXT + " Two."], title="Two", reviews=[
        {"reviewer": "alice", "status": "in_progress", "annotations": spans},
        {"reviewer": "bob", "status": "submitted", "annotations": spans}])
    return one, two


def rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_others_spans_only_in_documents_the_caller_submitted(client, auth, open_project):
    one, two = open_project
    url = "/api/projects/open/export?format=csv"
    alice = auth("alice")
    seen = {(int(r["document_id"]), r["reviewer"]) for r in rows(
        client.get(url + "&reviewers=bob", headers=alice))}
    assert seen == {(one, "bob")}  # bob's work on document 2 stays hidden until alice submits
    seen = {(int(r["document_id"]), r["reviewer"]) for r in rows(client.get(url, headers=alice))}
    assert seen == {(one, "alice"), (one, "bob"), (two, "alice")}
    jsonl = client.get("/api/projects/open/export?format=jsonl", headers=alice)
    reviews = {json.loads(line)["title"]: [r["reviewer"] for r in json.loads(line)["reviews"]]
               for line in jsonl.get_data(as_text=True).splitlines()}
    assert reviews == {"One": ["alice", "bob"], "Two": ["alice"]}
    # an admin sees everything
    seen = {(int(r["document_id"]), r["reviewer"]) for r in rows(
        client.get(url, headers=auth("root", role="admin")))}
    assert seen == {(one, "alice"), (one, "bob"), (two, "alice"), (two, "bob")}


def test_the_compare_view_needs_ones_own_submission(app, client, open_project):
    one, two = open_project
    from tests.test_adjudication import login

    login(client, "alice")
    assert client.get(f"/documents/{one}/compare").status_code == 200
    response = client.get(f"/documents/{two}/compare")
    assert response.status_code == 403 and b"Submit your own work" in response.data
    # the annotate page and the API apply the same rule
    assert client.get(f"/documents/{two}/annotate?reviewer=bob").status_code == 403
    logout(client)


def test_formula_cells_get_a_quote_unless_raw(app, client, auth, runner, make_project,
                                              make_document, make_user):
    make_project("sheet")
    make_user("alice")
    make_document("sheet", [TEXT], title="=HYPERLINK(\"http://x\")", external_id="@ext",
                  reviews=[{"reviewer": "alice", "status": "submitted", "annotations": [
                      {"paragraph": 0, "start": 0, "end": 3, "label": "framing"},
                      {"paragraph": 0, "start": TEXT.index("+3"), "end": TEXT.index("+3") + 2,
                       "label": "framing"},
                      {"paragraph": 0, "start": TEXT.index("=SUM"), "end": TEXT.index("=SUM") + 7,
                       "label": "framing"},
                      {"paragraph": 0, "start": 4, "end": 8, "label": "framing"}]}])
    admin = auth("root", role="admin")
    safe = rows(client.get("/api/projects/sheet/export?format=csv", headers=admin))
    assert {r["document_title"] for r in safe} == {"'=HYPERLINK(\"http://x\")"}
    assert {r["external_id"] for r in safe} == {"'@ext"}
    assert sorted(r["text"] for r in safe) == ["'+3", "'-5%", "'=SUM(A1", "said"]
    raw = rows(client.get("/api/projects/sheet/export?format=csv&raw=1", headers=admin))
    assert sorted(r["text"] for r in raw) == ["+3", "-5%", "=SUM(A1", "said"]
    out = runner.invoke(args=["export", "sheet", "--format", "csv", "--raw"]).output
    assert ",-5%," in out
    assert ",'-5%," in runner.invoke(args=["export", "sheet", "--format", "csv"]).output


def test_an_export_reads_one_snapshot_while_others_write(app, client, auth, make_project,
                                                         make_document, make_user,
                                                         monkeypatch):
    """Spans saved while an export streams (by a reviewer the export has not met yet, in a
    document it has not reached) neither break it nor appear in it half-way."""
    import annotator.exports as exports

    monkeypatch.setattr(exports, "BATCH", 1)
    make_project("live")
    make_user("alice")
    ids = [make_document("live", [f"Document number {i} said it."], title=f"D{i}", reviews=[
        {"reviewer": "alice", "status": "in_progress", "annotations": [
            {"paragraph": 0, "start": 0, "end": 8, "label": "framing"}]}]) for i in range(4)]
    admin = auth("root", role="admin")
    response = client.get("/api/projects/live/export?format=jsonl", headers=admin,
                          buffered=False)
    chunks = iter(response.response)
    first = next(chunks)
    # a new reviewer saves a span in the last document, from another thread (as another
    # request of a server would: the export's contexts are this thread's while it streams)
    headers = auth("zoe")
    answers = []

    def write():
        answers.append(app.test_client().post(
            f"/api/documents/{ids[-1]}/annotations", headers=headers,
            json={"paragraph": 0, "start": 9, "end": 15, "label": "framing"}).status_code)

    writer = threading.Thread(target=write)
    writer.start()
    writer.join()
    assert answers == [201]
    body = first + b"".join(chunks)
    response.close()
    documents = [json.loads(line) for line in body.decode().splitlines()]
    assert [d["title"] for d in documents] == ["D0", "D1", "D2", "D3"]
    assert all([r["reviewer"] for r in d["reviews"]] == ["alice"] for d in documents)
    # the next export has it
    again = client.get("/api/projects/live/export?format=jsonl", headers=admin)
    last = json.loads(again.get_data(as_text=True).splitlines()[-1])
    assert [r["reviewer"] for r in last["reviews"]] == ["alice", "zoe"]
