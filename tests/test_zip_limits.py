"""Zip bombs: an archive is read as streams, with a limit on what it unpacks to in all and on
how much more than its compressed size a member unpacks to; a refused zip imports nothing."""

from __future__ import annotations

import io
import random
import string
import zipfile

import pytest

from annotator.errors import ImportFailed
from annotator.imports import import_paths
from tests.helpers import nothing_written, project_by_slug

pytestmark = pytest.mark.both_engines

ANN = "T1\tframing 0 5\tHello\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _import(app, write_file, data: bytes):
    path = write_file("upload.zip", data)
    with app.app_context():
        return import_paths(project_by_slug("news"), [path])


@pytest.fixture
def news(make_project):
    make_project("news")


def test_a_zip_bomb_is_refused_by_its_ratio(app, write_file, news):
    bomb = b"Hello " + b"a" * (20 * 2**20)  # 20 MB of one letter: about 20 KB zipped
    data = _zip({"alice/1.txt": bomb, "alice/1.ann": ANN.encode()})
    assert len(data) < 100_000
    with pytest.raises(ImportFailed, match="times its compressed size.*zip bomb"):
        _import(app, write_file, data)
    with app.app_context():
        assert nothing_written()


def test_a_zip_that_unpacks_past_the_limit_is_refused(app, write_file, news):
    app.config["IMPORT_ARCHIVE_MAX_BYTES"] = 2**20
    rng = random.Random(7)

    def text():  # random words: compresses like text, not like a bomb
        return ("Hello " + " ".join("".join(rng.choices(string.ascii_lowercase, k=6))
                                    for _ in range(60_000))).encode()

    members = {f"alice/{i}.txt": text() for i in range(3)}
    members.update({f"alice/{i}.ann": ANN.encode() for i in range(3)})
    with pytest.raises(ImportFailed, match="more than 1 MB of text"):
        _import(app, write_file, _zip(members))
    with app.app_context():
        assert nothing_written()
    app.config["IMPORT_ARCHIVE_MAX_BYTES"] = 8 * 2**20
    assert _import(app, write_file, _zip(members)).documents


def test_the_admin_upload_refuses_it_too(app, client, make_user, news):
    import re

    make_user("root", role="admin")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "root", "password": "password-123",
                                "csrf_token": token})
    form = client.get("/admin/projects/news/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    bomb = _zip({"alice/1.txt": b"Hello " + b"a" * (20 * 2**20), "alice/1.ann": ANN.encode()})
    response = client.post("/admin/projects/news/import", data={
        "csrf_token": token, "files": (io.BytesIO(bomb), "bomb.zip")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and b"zip bomb" in response.data
    with app.app_context():
        assert nothing_written(include_users=False)
