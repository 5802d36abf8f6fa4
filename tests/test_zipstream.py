"""The streamed zip writer (the brat export's) read back by zipfile and by Info-ZIP's unzip."""

import io
import os
import shutil
import stat
import subprocess
import time
import zipfile

import pytest

from annotator.zipstream import DEFLATED, STORED, ZipStream, prepare

TEXT = ("Officials said 🙂 the troops left the country, quickly.\n\n" * 40).encode("utf-8")
NOISE = os.urandom(3000)  # does not deflate: stored


def _archive(stream: ZipStream, members) -> bytes:
    return b"".join(stream.add(name, data) for name, data in members) + stream.finish()


def test_members_read_back_exactly():
    shared = prepare(TEXT)
    moment = time.mktime((2024, 6, 1, 12, 30, 44, 0, 0, -1))
    stream = ZipStream(moment=moment)
    data = _archive(stream, [("annotation.conf", b"[entities]\nframing\n"),
                             ("alice/1.txt", shared), ("bob/1.txt", shared),
                             ("zoë/1.txt", shared), ("alice/1.ann", b""),
                             ("alice/noise.bin", NOISE)])
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None  # every CRC checks
    assert archive.namelist() == ["annotation.conf", "alice/1.txt", "bob/1.txt", "zoë/1.txt",
                                  "alice/1.ann", "alice/noise.bin"]
    for name in ("alice/1.txt", "bob/1.txt", "zoë/1.txt"):
        assert archive.read(name) == TEXT
        assert archive.getinfo(name).compress_type == zipfile.ZIP_DEFLATED
    assert archive.read("alice/1.ann") == b""
    assert archive.read("alice/noise.bin") == NOISE
    assert archive.getinfo("alice/noise.bin").compress_type == zipfile.ZIP_STORED
    info = archive.getinfo("zoë/1.txt")
    assert info.flag_bits & 0x800  # a UTF-8 name says so
    assert info.date_time == (2024, 6, 1, 12, 30, 44)
    assert stat.S_IMODE(info.external_attr >> 16) == 0o644
    # the text was compressed once: its three copies are the same bytes
    assert data.count(shared.data) == 3 and len(shared.data) < len(TEXT) // 10


def test_prepare_stores_what_does_not_shrink():
    assert prepare(NOISE).method == STORED and prepare(NOISE).data == NOISE
    assert prepare(TEXT).method == DEFLATED
    assert prepare(b"").method == STORED


def test_zip64_records_when_the_archive_outgrows_32_bits():
    """The limits lowered: offsets past 100 bytes and more than 3 members take the ZIP64
    extra field and end records, as they would past 4 GiB and 65,535 members."""
    members = [(f"r{i}/{i}.txt", TEXT[: 200 + i]) for i in range(6)]
    data = _archive(ZipStream(limit=100, max_members=3), members)
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert [(i.filename, archive.read(i)) for i in archive.infolist()] == members
    assert archive.infolist()[-1].header_offset > 100  # read from the ZIP64 extra field
    small = _archive(ZipStream(), members)
    assert b"PK\x06\x06" not in small


@pytest.mark.skipif(shutil.which("unzip") is None, reason="Info-ZIP unzip is not installed")
@pytest.mark.parametrize("limits", [{}, {"limit": 100, "max_members": 3}])
def test_unzip_tests_and_extracts(tmp_path, limits):
    shared = prepare(TEXT)
    members = [("alice/1.txt", shared), ("gold/1.txt", shared), ("zoë/ann.ann", b"T1\tx 0 1\tO\n"),
               ("noise.bin", NOISE)] + [(f"many/{i}.txt", b"x" * i) for i in range(8)]
    path = tmp_path / "out.zip"
    path.write_bytes(_archive(ZipStream(**limits), members))
    checked = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No errors detected" in checked.stdout
    subprocess.run(["unzip", "-q", str(path), "-d", str(tmp_path / "x")], check=True)
    assert (tmp_path / "x" / "gold" / "1.txt").read_bytes() == TEXT
    assert (tmp_path / "x" / "noise.bin").read_bytes() == NOISE


def test_a_finished_archive_takes_nothing_more():
    stream = ZipStream()
    stream.add("a.txt", b"a")
    stream.finish()
    with pytest.raises(ValueError, match="finished"):
        stream.add("b.txt", b"b")
    with pytest.raises(ValueError, match="finished"):
        stream.finish()
