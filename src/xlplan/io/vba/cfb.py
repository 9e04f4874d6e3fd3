"""A minimal MS-CFB (Compound File Binary) writer: what ``vbaProject.bin`` is.

An OOXML workbook keeps its VBA project as an OLE compound file — a little FAT
file system with storages (folders) and streams (files). We only ever *write*
one, from a flat mapping ``{"VBA/dir": b"...", "PROJECT": b"..."}``, so this is
the small subset of [MS-CFB] a writer needs, nothing a reader needs:

* **Version 3**, 512-byte sectors (MS-CFB 2.2 header: minor 0x003E, major 3,
  sector shift 9, mini sector shift 6, mini stream cutoff 4096), as Office writes
  ``vbaProject.bin``.
* **FAT** (2.3) chains every regular sector; FAT sectors are listed in the
  header's 109 DIFAT slots and, beyond 109 FAT sectors (~7 MB), in **DIFAT**
  sectors (2.5) of 127 entries plus a next-pointer.
* Streams smaller than 4096 bytes live in the **mini stream** (2.4): 64-byte
  mini sectors chained by the **mini FAT**; the mini stream itself is a regular
  chain that starts at the root entry (2.6.2).
* **Directory** (2.6): 128-byte entries, stream ID 0 the root. The children of
  each storage form a red-black tree ordered by name length, then by upper-cased
  UTF-16 code units (2.6.4). We build a perfectly balanced tree (median as root)
  and colour it validly: black everywhere except the deepest level, red when the
  tree is not full — every root-to-leaf path then has the same number of black
  nodes and no red node has a red child. (Readers ignore colours; Windows'
  implementation checks nothing either, but a valid tree costs nothing.)
* **Deterministic**: CLSIDs, state bits and timestamps are zero, sectors are laid
  out in a fixed order (FAT, DIFAT, directory, mini FAT, mini stream, big
  streams in directory order), unused FAT and DIFAT slots are FREESECT.

Sources: [MS-CFB] sections 2.1-2.6 (learn.microsoft.com/openspecs, "ms-cfb");
olefile, the reader the tests use, follows the same sections.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Mapping

SECTOR_SIZE = 512
MINI_SECTOR_SIZE = 64
MINI_STREAM_CUTOFF = 4096
"""Streams smaller than this go to the mini stream (MS-CFB 2.2 "Mini Stream Cutoff Size")."""

_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_DIFSECT = 0xFFFFFFFC
_FATSECT = 0xFFFFFFFD
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_NOSTREAM = 0xFFFFFFFF
_IDS_PER_SECTOR = SECTOR_SIZE // 4
_HEADER_DIFAT = 109
_ENTRIES_PER_SECTOR = SECTOR_SIZE // 128

_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1
_FORBIDDEN_IN_NAMES = set("/\\:!")
_MAX_NAME = 31  # UTF-16 code units, the terminating null makes 32


@dataclass
class _Entry:
    """A directory entry while the file is being laid out."""

    name: str
    kind: int
    data: bytes = b""
    children: dict[str, "_Entry"] = field(default_factory=dict)
    sid: int = 0
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    color: int = _BLACK
    start: int = _ENDOFCHAIN


def _sort_key(name: str) -> tuple[int, list[int]]:
    """MS-CFB 2.6.4 order: shorter names first, then upper-cased UTF-16 code units."""
    units = name.upper().encode("utf-16-le")
    return len(units) // 2, [int.from_bytes(units[i:i + 2], "little") for i in range(0, len(units), 2)]


def _check_name(name: str, path: str) -> None:
    if not name:
        raise ValueError(f"empty name in compound file path {path!r}")
    if len(name.encode("utf-16-le")) // 2 > _MAX_NAME:
        raise ValueError(f"compound file names have at most {_MAX_NAME} characters: {name!r} in {path!r}")
    bad = _FORBIDDEN_IN_NAMES.intersection(name)
    if bad:
        raise ValueError(f"compound file name {name!r} contains {''.join(sorted(bad))!r}")


def _build_tree(streams: Mapping[str, bytes]) -> _Entry:
    """Storages and streams from ``"A/B/c"`` paths; storages are implied by the paths."""
    root = _Entry("Root Entry", _ROOT)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for depth, name in enumerate(parts):
            _check_name(name, path)
            key = name.upper()
            last = depth == len(parts) - 1
            existing = node.children.get(key)
            if existing is None:
                existing = _Entry(name, _STREAM if last else _STORAGE, bytes(data) if last else b"")
                node.children[key] = existing
            elif last or existing.kind != _STORAGE:
                raise ValueError(f"compound file path {path!r} clashes with another stream or storage "
                                 "(names compare case-insensitively)")
            node = existing
    return root


def _number(root: _Entry) -> list[_Entry]:
    """Stream IDs in pre-order with children in directory order: the root is ID 0."""
    ordered: list[_Entry] = []

    def visit(entry: _Entry) -> None:
        entry.sid = len(ordered)
        ordered.append(entry)
        for child in sorted(entry.children.values(), key=lambda e: _sort_key(e.name)):
            visit(child)

    visit(root)
    return ordered


def _link_children(storage: _Entry) -> None:
    """Make the storage's children a balanced, validly coloured red-black tree (MS-CFB 2.6.4)."""
    children = sorted(storage.children.values(), key=lambda e: _sort_key(e.name))
    if not children:
        return
    depths: dict[int, int] = {}

    def build(low: int, high: int, depth: int) -> int:
        if low >= high:
            return _NOSTREAM
        middle = (low + high) // 2
        node = children[middle]
        depths[middle] = depth
        node.left = build(low, middle, depth + 1)
        node.right = build(middle + 1, high, depth + 1)
        return node.sid

    storage.child = build(0, len(children), 0)
    deepest = max(depths.values())
    full = len(children) == 2 ** (deepest + 1) - 1
    for index, node in enumerate(children):
        node.color = _RED if not full and depths[index] == deepest else _BLACK


def _sectors(size: int, unit: int) -> int:
    return -(-size // unit)


def _chain(table: list[int], first: int, count: int) -> None:
    """Write a contiguous chain ``first .. first+count-1`` into a FAT or mini FAT."""
    for index in range(first, first + count - 1):
        table[index] = index + 1
    if count:
        table[first + count - 1] = _ENDOFCHAIN


def _directory_entry(entry: _Entry | None, size: int = 0) -> bytes:
    if entry is None:  # unused slot (2.6.3: all zero but the three IDs)
        return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM,
                           bytes(16), 0, 0, 0, 0, 0)
    name = entry.name.encode("utf-16-le") + b"\x00\x00"
    start = 0 if entry.kind == _STORAGE else entry.start
    return struct.pack("<64sHBBIII16sIQQIQ", name, len(name), entry.kind, entry.color, entry.left,
                       entry.right, entry.child, bytes(16), 0, 0, 0, start, size)


def _fat_counts(other_sectors: int) -> tuple[int, int]:
    """FAT and DIFAT sector counts: the FAT must also map the FAT and DIFAT sectors themselves."""
    fat, difat = 1, 0
    while True:
        need_fat = _sectors(other_sectors + fat + difat, _IDS_PER_SECTOR)
        need_difat = _sectors(max(0, need_fat - _HEADER_DIFAT), _IDS_PER_SECTOR - 1)
        if (need_fat, need_difat) == (fat, difat):
            return fat, difat
        fat, difat = need_fat, need_difat


def write_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """Return the bytes of a version-3 compound file holding ``streams``.

    ``streams`` maps ``/``-separated paths (``"VBA/dir"``) to contents; storages
    are created for the folders. Names are at most 31 characters, without
    ``/ \\ : !``, unique case-insensitively within their storage. The same input
    always gives the same bytes, so a built add-in is reproducible.
    """
    root = _build_tree(streams)
    entries = _number(root)
    for entry in entries:
        if entry.kind != _STREAM:
            _link_children(entry)

    stream_entries = [e for e in entries if e.kind == _STREAM]
    small = [e for e in stream_entries if len(e.data) < MINI_STREAM_CUTOFF]
    big = [e for e in stream_entries if len(e.data) >= MINI_STREAM_CUTOFF]

    mini_fat: list[int] = []
    mini_stream = bytearray()
    for entry in small:
        count = _sectors(len(entry.data), MINI_SECTOR_SIZE)
        if count:
            entry.start = len(mini_fat)
            mini_fat.extend([_FREESECT] * count)
            _chain(mini_fat, entry.start, count)
            mini_stream += entry.data.ljust(count * MINI_SECTOR_SIZE, b"\x00")

    directory_count = _sectors(len(entries), _ENTRIES_PER_SECTOR)
    mini_fat_count = _sectors(len(mini_fat) * 4, SECTOR_SIZE)
    mini_stream_count = _sectors(len(mini_stream), SECTOR_SIZE)
    big_counts = [_sectors(len(e.data), SECTOR_SIZE) for e in big]
    fat_count, difat_count = _fat_counts(directory_count + mini_fat_count + mini_stream_count + sum(big_counts))

    fat = [_FREESECT] * (fat_count * _IDS_PER_SECTOR)
    for index in range(fat_count):
        fat[index] = _FATSECT
    for index in range(fat_count, fat_count + difat_count):
        fat[index] = _DIFSECT
    next_free = fat_count + difat_count

    def allocate(count: int) -> int:
        nonlocal next_free
        if not count:
            return _ENDOFCHAIN
        first = next_free
        _chain(fat, first, count)
        next_free += count
        return first

    directory_start = allocate(directory_count)
    mini_fat_start = allocate(mini_fat_count)
    root.start = allocate(mini_stream_count)
    for entry, count in zip(big, big_counts):
        entry.start = allocate(count)

    fat_sectors = list(range(fat_count))
    difat_sectors = list(range(fat_count, fat_count + difat_count))
    header_difat = (fat_sectors[:_HEADER_DIFAT] + [_FREESECT] * _HEADER_DIFAT)[:_HEADER_DIFAT]
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _SIGNATURE, bytes(16), 0x003E, 0x0003, 0xFFFE, 9, 6, bytes(6),
        0,  # number of directory sectors: always 0 in version 3
        fat_count, directory_start, 0, MINI_STREAM_CUTOFF,
        mini_fat_start, mini_fat_count,
        difat_sectors[0] if difat_sectors else _ENDOFCHAIN, difat_count,
    ) + struct.pack(f"<{_HEADER_DIFAT}I", *header_difat)

    body = bytearray(struct.pack(f"<{len(fat)}I", *fat))
    overflow = fat_sectors[_HEADER_DIFAT:]
    for index in range(len(difat_sectors)):
        ids = overflow[index * 127:(index + 1) * 127]
        ids += [_FREESECT] * (127 - len(ids))
        following = difat_sectors[index + 1] if index + 1 < len(difat_sectors) else _ENDOFCHAIN
        body += struct.pack("<128I", *ids, following)

    directory = b"".join(
        _directory_entry(e, len(mini_stream) if e.kind == _ROOT else len(e.data)) for e in entries)
    directory += _directory_entry(None) * (directory_count * _ENTRIES_PER_SECTOR - len(entries))
    body += directory
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    body += mini_fat_bytes.ljust(mini_fat_count * SECTOR_SIZE, b"\xff")  # FREESECT padding
    body += bytes(mini_stream).ljust(mini_stream_count * SECTOR_SIZE, b"\x00")
    for entry, count in zip(big, big_counts):
        body += entry.data.ljust(count * SECTOR_SIZE, b"\x00")
    assert len(body) == next_free * SECTOR_SIZE, "sector layout out of step"
    return header + bytes(body)
