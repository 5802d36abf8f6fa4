"""A zip archive written as a stream of bytes, for a download that is never held whole.

``zipfile.ZipFile`` can write to a stream that cannot seek, but it compresses every member it
is given. The brat export holds each document's text once per reviewer: here a member's data
can be compressed once (``Member``) and written under several names. The archive is plain
PKZIP 2.0 (deflate or stored, CRC-32, sizes in the local header, no data descriptors), with
the ZIP64 records added only where an archive needs them (more than 65,535 members, or more
than 4 GiB before its central directory), as ``zipfile`` and ``unzip`` read them.
"""

from __future__ import annotations

import struct
import time
import zlib
from dataclasses import dataclass

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR64 = struct.Struct("<4sLQL")
_EXTRA64 = struct.Struct("<2HQ")  # the ZIP64 extra field holding a member's offset

STORED, DEFLATED = 0, 8
UTF8_NAME = 0x800
UNIX = 3
FILE_MODE = 0o100644 << 16


@dataclass(frozen=True, slots=True)
class Member:
    """A member's data as the archive holds it, made once for any number of names."""

    data: bytes  # compressed, or stored
    method: int
    crc: int
    size: int  # uncompressed


def prepare(data: bytes, level: int = 6) -> Member:
    """``data`` deflated (raw, as zip holds it), or stored when that is not smaller."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    packed = compressor.compress(data) + compressor.flush()
    if len(packed) >= len(data):
        return Member(data, STORED, zlib.crc32(data), len(data))
    return Member(packed, DEFLATED, zlib.crc32(data), len(data))


def _dos_time(moment: float) -> tuple[int, int]:
    t = time.localtime(moment)
    year = max(t.tm_year, 1980)
    return ((t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2),
            ((year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday)


class ZipStream:
    """``add`` gives the bytes of one member (its local header and data) and ``finish`` those
    of the central directory: the archive is their concatenation, in order.

    ``limit`` and ``max_members`` are the format's own (4 GiB - 1 bytes, 65,535 members), past
    which the ZIP64 records are written; tests lower them to see those records read back.
    """

    def __init__(self, level: int = 6, moment: float | None = None,
                 limit: int = 0xFFFFFFFF, max_members: int = 0xFFFF):
        self.level = level
        self.time, self.date = _dos_time(time.time() if moment is None else moment)
        self.limit = limit
        self.max_members = max_members
        self.offset = 0  # bytes given out so far
        self.central: list[bytes] = []
        self.finished = False

    def add(self, name: str, data: bytes | Member) -> bytes:
        """The member ``name`` (``/`` between folders) holding ``data``, compressed here
        unless it is a prepared ``Member``."""
        if self.finished:
            raise ValueError("the archive is finished")
        member = data if isinstance(data, Member) else prepare(data, self.level)
        if member.size > 0xFFFFFFFF or len(member.data) > 0xFFFFFFFF:
            raise ValueError(f"'{name}' is larger than 4 GiB")
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), UTF8_NAME
        version = 20  # deflate
        local = _LOCAL.pack(b"PK\x03\x04", version, 0, flags, member.method, self.time,
                            self.date, member.crc, len(member.data), member.size,
                            len(encoded), 0)
        if self.offset > self.limit:  # the local header lies beyond what 32 bits can say
            extra = _EXTRA64.pack(0x0001, 8, self.offset)
            offset, needed = 0xFFFFFFFF, 45
        else:
            extra, offset, needed = b"", self.offset, version
        self.central.append(_CENTRAL.pack(
            b"PK\x01\x02", needed, UNIX, needed, 0, flags, member.method, self.time, self.date,
            member.crc, len(member.data), member.size, len(encoded), len(extra), 0, 0, 0,
            FILE_MODE, offset) + encoded + extra)
        self.offset += len(local) + len(encoded) + len(member.data)
        return local + encoded + member.data

    def finish(self) -> bytes:
        """The central directory and its end records."""
        if self.finished:
            raise ValueError("the archive is finished")
        self.finished = True
        directory = b"".join(self.central)
        count, start, size = len(self.central), self.offset, len(directory)
        self.central.clear()
        if count <= self.max_members and start <= self.limit and size <= self.limit:
            return directory + _END.pack(b"PK\x05\x06", 0, 0, count, count, size, start, 0)
        # the ZIP64 end record and its locator hold the figures; the end record says so
        end64 = start + size
        return (directory
                + _END64.pack(b"PK\x06\x06", _END64.size - 12, 45, 45, 0, 0, count, count,
                              size, start)
                + _LOCATOR64.pack(b"PK\x06\x07", 0, end64, 1)
                + _END.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
