"""The MS-CFB writer: olefile (strict) reads back every stream, small and large; the layout uses the
mini stream below 4096 bytes, several FAT sectors and DIFAT when needed; directory trees are valid
red-black trees; output is deterministic."""

from __future__ import annotations

import io
import random
import struct

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplan.io.vba.cfb import write_compound_file

STREAM, STORAGE = olefile.STGTY_STREAM, olefile.STGTY_STORAGE


def open_strict(data: bytes) -> olefile.OleFileIO:
    """olefile raising on any defect it considers incorrect, not only fatal ones."""
    return olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)


def payload(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def assert_reads_back(streams: dict[str, bytes]) -> olefile.OleFileIO:
    data = write_compound_file(streams)
    assert len(data) % 512 == 0
    ole = open_strict(data)
    listed = {"/".join(parts) for parts in ole.listdir(streams=True, storages=False)}
    assert listed == set(streams)
    for path, content in streams.items():
        assert ole.get_type(path) == STREAM
        assert ole.get_size(path) == len(content)
        assert ole.openstream(path).read() == content
    return ole


def test_small_streams_live_in_the_mini_stream() -> None:
    streams = {"PROJECT": b"ID=\"{...}\"\r\n", "PROJECTwm": b"", "VBA/dir": payload(1200, 1),
               "VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00", "VBA/Module1": payload(4095, 2)}
    ole = assert_reads_back(streams)
    assert ole.get_type("VBA") == STORAGE
    assert (ole.dll_version, ole.minor_version, ole.sector_size, ole.mini_sector_size) == (3, 0x3E, 512, 64)
    assert ole.mini_stream_cutoff_size == 4096
    assert ole.num_mini_fat_sectors == 1
    # the root entry's stream is the mini stream: every small stream padded to 64 bytes (olefile
    # reads a stream from the mini stream by its size alone, so the reads above check placement)
    assert ole.root.size == sum(-(-len(v) // 64) * 64 for v in streams.values())


def test_large_streams_use_regular_sectors_and_several_fat_sectors() -> None:
    streams = {"VBA/big": payload(300_000, 3), "VBA/edge": payload(4096, 4), "VBA/small": payload(100, 5),
               "top": payload(70_001, 6)}
    ole = assert_reads_back(streams)
    assert ole.num_fat_sectors >= 5  # 740+ sectors at 128 per FAT sector
    assert ole.num_difat_sectors == 0
    assert ole.root.size == 128  # only VBA/small is in the mini stream: 4096 is not below the cutoff


def test_more_than_109_fat_sectors_need_difat_sectors() -> None:
    ole = assert_reads_back({"huge": payload(7_500_000, 7), "tiny": b"x"})
    assert ole.num_fat_sectors > 109
    assert ole.num_difat_sectors == 1


def test_empty_file_and_empty_streams() -> None:
    assert open_strict(write_compound_file({})).listdir() == []
    assert_reads_back({"empty": b"", "A/empty": b""})


def test_output_is_deterministic_and_ignores_input_order() -> None:
    streams = {"b": payload(5000, 8), "A/x": b"1", "A/y": payload(10_000, 9), "c": b""}
    first = write_compound_file(streams)
    assert write_compound_file(dict(reversed(list(streams.items())))) == first
    assert first == write_compound_file(streams)
    header = first[:512]
    assert header[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    assert header[8:24] == bytes(16)  # header CLSID
    ole = open_strict(first)
    for entry in ole.direntries:
        if entry is not None:
            assert (entry.createTime, entry.modifyTime, entry.dwUserFlags) == (0, 0, 0)
            assert entry.clsid == ""  # olefile's rendering of an all-zero CLSID


def _check_red_black(ole: olefile.OleFileIO, storage_sid: int) -> int:
    """Check one storage's child tree; returns the number of children it holds."""
    entries = ole.direntries
    NOSTREAM = 0xFFFFFFFF

    def key(sid: int) -> tuple[int, str]:
        return len(entries[sid].name), entries[sid].name.upper()

    def walk(sid: int, low, high, parent_red: bool) -> tuple[int, int]:
        """(black height, node count) of the subtree at ``sid``."""
        if sid == NOSTREAM:
            return 1, 0
        node = entries[sid]
        assert low is None or key(sid) > low, "binary search tree order"
        assert high is None or key(sid) < high, "binary search tree order"
        red = node.color == 0
        assert not (red and parent_red), "a red node has a red child"
        left_height, left_count = walk(node.sid_left, low, key(sid), red)
        right_height, right_count = walk(node.sid_right, key(sid), high, red)
        assert left_height == right_height, "black heights differ"
        return left_height + (0 if red else 1), left_count + right_count + 1

    root = entries[storage_sid].sid_child
    if root == NOSTREAM:
        return 0
    assert entries[root].color == 1, "the tree's root is black"
    return walk(root, None, None, False)[1]


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcXYZ_0123456789", min_size=1, max_size=31), min_size=1, max_size=70,
                unique_by=str.upper))
def test_directory_trees_are_valid_red_black_trees(names: list[str]) -> None:
    streams = {f"S/{name}": name.encode() for name in names}
    top = len(names) % 9
    streams.update({f"t{index}": b"" for index in range(top)})
    ole = assert_reads_back(streams)
    assert _check_red_black(ole, ole._find("S")) == len(names)
    assert _check_red_black(ole, 0) == top + 1


@pytest.mark.parametrize("streams, message", [
    ({"x" * 32: b""}, "at most 31"),
    ({"a/": b""}, "empty name"),
    ({"a:b": b""}, "contains"),
    ({"VBA/dir": b"", "vba/DIR": b""}, "clashes"),
    ({"VBA": b"", "VBA/dir": b""}, "clashes"),
])
def test_bad_names_are_refused(streams: dict[str, bytes], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write_compound_file(streams)


def test_fat_marks_its_own_sectors() -> None:
    data = write_compound_file({"big": payload(100_000, 10)})
    fat_count = struct.unpack_from("<I", data, 0x2C)[0]
    first_fat = struct.unpack_from("<I", data, 0x4C)[0]
    fat = struct.unpack_from("<128I", data, 512 * (first_fat + 1))
    assert fat_count == 2
    assert fat[first_fat] == 0xFFFFFFFD  # FATSECT
