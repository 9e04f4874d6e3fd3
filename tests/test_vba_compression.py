"""MS-OVBA 2.4.1 compression: every container we write decompresses, with oletools' independent
decompressor and with ours, to exactly the input; text really compresses; the spec's examples match."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path
from typing import Callable

import olefile
import pytest
import xlwings
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Project, decompress_stream

from xlplan.io.vba.compression import CHUNK_SIZE, compress, decompress

XLWINGS_DIR = Path(xlwings.__file__).parent
XLWINGS_MODULE = XLWINGS_DIR / "xlwings_custom_addin.bas"
MAX_SIZE = 20_000
# sizes at and around every chunk boundary up to MAX_SIZE
BOUNDARY_SIZES = sorted({n for k in range(1, MAX_SIZE // CHUNK_SIZE + 1)
                         for n in range(k * CHUNK_SIZE - 3, k * CHUNK_SIZE + 4)})
WORDS = ["Sub", "End", "Function", "Dim", "As", "String", "Long", "If", "Then", "Else", "For", "Next",
         "ThisWorkbook", "Range(\"A1\")", "=", "&", "ChrW(&H1EA1)", "'", "RunPython", "(", ")", "\r\n",
         "    ", "x", "i", "1", "0", "\"", ","]


def random_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def random_text(size: int, seed: int) -> bytes:
    """VBA-like text: many repeats at varying distances, as real modules have."""
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < size:
        out += rng.choice(WORDS).encode("ascii") + b" "
    return bytes(out[:size])


def random_ascii(size: int, seed: int) -> bytes:
    """Printable ASCII with little repetition: mostly literals, some short matches."""
    rng = random.Random(seed)
    return bytes(rng.randrange(32, 127) for _ in range(size))


def assert_round_trip(data: bytes) -> bytes:
    packed = compress(data)
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert decompress(packed) == data
    return packed


def chunk_headers(packed: bytes) -> list[int]:
    """Headers of a container's chunks, walked by their size fields."""
    headers, at = [], 1
    while at < len(packed):
        header = int.from_bytes(packed[at:at + 2], "little")
        headers.append(header)
        at += (header & 0x0FFF) + 3
    return headers


@settings(derandomize=True, max_examples=150, deadline=None)
@given(size=st.one_of(st.integers(0, MAX_SIZE), st.sampled_from(BOUNDARY_SIZES)), seed=st.integers(0, 2**32))
def test_random_bytes_round_trip(size: int, seed: int) -> None:
    assert_round_trip(random_bytes(size, seed))


@settings(derandomize=True, max_examples=150, deadline=None)
@given(size=st.one_of(st.integers(0, MAX_SIZE), st.sampled_from(BOUNDARY_SIZES)), seed=st.integers(0, 2**32),
       kind=st.sampled_from([random_text, random_ascii]))
def test_random_text_round_trip(size: int, seed: int, kind: Callable[[int, int], bytes]) -> None:
    assert_round_trip(kind(size, seed))


@pytest.mark.parametrize("make", [random_bytes, random_text, random_ascii])
def test_every_size_around_chunk_boundaries(make: Callable[[int, int], bytes]) -> None:
    for size in BOUNDARY_SIZES:
        assert_round_trip(make(size, size))


@pytest.mark.parametrize("make", [random_bytes, random_text])
def test_every_small_size(make: Callable[[int, int], bytes]) -> None:
    for size in range(0, 300):
        assert_round_trip(make(size, size))


@pytest.mark.parametrize("period", [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 64, 255, 1000, 4095, 4096, 4097])
def test_repetitive_input_uses_long_overlapping_copies(period: int) -> None:
    unit = random_bytes(period, period)
    data = (unit * (MAX_SIZE // period + 1))[:MAX_SIZE]
    packed = assert_round_trip(data)
    headers = chunk_headers(packed)
    assert len(headers) == 5  # ceil(20000 / 4096) chunks
    if period <= 1000:
        assert all(h & 0x8000 for h in headers), "repetitive chunks must be stored compressed"
    # A CopyToken's length field shrinks as the position in the chunk grows (18 bytes at most near
    # its end), and copies reach back only within a chunk: these bounds are what greedy matching gives.
    if period <= 16:
        assert len(packed) < 200, "a short period must become a few long, overlapping copies"
    elif period <= 255:
        assert len(packed) < len(data) // 5
    elif period <= 1000:
        assert len(packed) < len(data) * 2 // 5


def test_a_run_of_one_byte_becomes_a_few_tokens() -> None:
    packed = assert_round_trip(b"a" * MAX_SIZE)
    # per chunk: flag + literal + copy tokens of at most (0xFFFF >> 12) + 3 = 18 bytes early on,
    # growing with the position; anything near raw size means copies are not used.
    assert len(packed) < 1_200


def test_the_xlwings_module_round_trips_and_compresses() -> None:
    data = XLWINGS_MODULE.read_bytes()
    assert len(data) > 40_000
    packed = assert_round_trip(data)
    assert all(h & 0x8000 for h in chunk_headers(packed))
    assert len(packed) < 0.6 * len(data)


def test_random_bytes_are_stored_as_raw_chunks() -> None:
    data = random_bytes(3 * CHUNK_SIZE, 7)
    packed = assert_round_trip(data)
    assert chunk_headers(packed) == [0x3FFF] * 3
    assert len(packed) == 1 + 3 * (2 + CHUNK_SIZE)


def test_empty_input_is_the_signature_byte() -> None:
    assert assert_round_trip(b"") == b"\x01"


def test_spec_example_without_compression() -> None:
    # MS-OVBA 3.2.1
    expected = bytes.fromhex("01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E")
    assert compress(b"abcdefghijklmnopqrstuv.") == expected
    assert decompress(expected) == b"abcdefghijklmnopqrstuv."


def test_spec_example_normal_compression() -> None:
    # MS-OVBA 3.2.2: the copy tokens must come out exactly as the spec's interoperable implementation
    text = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
    expected = bytes.fromhex("01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C"
                             " 00 20 6D 6E 6F 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C")
    assert compress(text) == expected
    assert decompress(expected) == text


def test_our_decompressor_reads_what_excel_wrote() -> None:
    """Containers Excel compressed (xlwings' quickstart add-in): ours reads them as oletools does."""
    with zipfile.ZipFile(XLWINGS_DIR / "quickstart_addin.xlam") as archive:
        ole = olefile.OleFileIO(archive.read("xl/vbaProject.bin"))
    project = VBA_Project(ole, "", "PROJECT", "VBA/dir", relaxed=False)
    project.parse_project_stream()
    list(project.parse_modules())
    dir_stream = ole.openstream("VBA/dir").read()
    assert decompress(dir_stream) == bytes(decompress_stream(bytearray(dir_stream)))
    assert len(project.modules) == 5
    for module in project.modules:
        stream = ole.openstream(f"VBA/{module.streamname}").read()
        assert decompress(stream[module.textoffset:]) == module.code_raw
        assert module.code_raw.startswith(b'Attribute VB_Name = "')


@pytest.mark.parametrize("bad, why", [
    (b"", "first byte"),
    (b"\x02\x00\xb0\x00a", "first byte"),
    (b"\x01\x00\x80\x00a", "signature"),  # chunk signature bits 0b000
    (b"\x01\x03\xb0\x01\x00\x00", "before its chunk"),  # a copy token as the chunk's first token
])
def test_decompress_rejects_malformed_containers(bad: bytes, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        decompress(bad)
