"""MS-OVBA 2.4.1 compression: the LZ77 variant every VBA project stream uses.

The ``dir`` stream and the source text of every module are stored as a
*CompressedContainer* (MS-OVBA 2.4.1.1.1): a signature byte ``0x01`` followed by
*CompressedChunks*. Each chunk encodes at most 4096 bytes of input and starts
with a two-byte header (2.4.1.1.5): bits 0-11 hold the chunk's size minus 3,
bits 12-14 the signature ``0b011``, bit 15 says whether the data is compressed.

A compressed chunk is a run of *TokenSequences* (2.4.1.1.7): a flag byte, then
up to eight tokens; a 0 bit is a literal byte, a 1 bit a two-byte *CopyToken*
(2.4.1.1.8) that repeats ``length`` bytes found ``offset`` bytes back **within
the same chunk**. How the sixteen bits of a CopyToken split between offset and
length depends on how far into the chunk the token sits (2.4.1.3.19.1 "CopyToken
Help"): ``max(ceil(log2(position)), 4)`` bits of offset, the rest for length.

The compressor (2.4.1.3.6-2.4.1.3.10) looks, at each position, for the longest
earlier match inside the chunk (3 bytes at least; it may overlap the position
itself, which is how a run of one character becomes a single token) and emits
a CopyToken, else a literal. Candidates are found through a table of 3-byte
prefixes rather than the spec's exhaustive scan: same output format, linear-ish
time. When a chunk does not shrink (random bytes) it is stored raw (flag 0,
exactly 4096 bytes, as the spec requires of every raw chunk but the last).

The one corner the spec gets wrong: its "Compressing a RawChunk" pads a short
*final* raw chunk with zeros to 4096 bytes, which then decompress as extra
zeros. We write the final raw chunk unpadded (header still 0x3FFF); readers
bound by the end of the container (the spec's CompressedRecordEnd, oletools)
return the exact input. Only a final chunk of >= ~3,640 incompressible bytes
takes that path; VBA source text always compresses.

:func:`decompress` follows 2.4.1.3.1-2.4.1.3.5 and rejects malformed input; the
tests hold both directions to oletools' independent ``decompress_stream``.
"""

from __future__ import annotations

CHUNK_SIZE = 4096
"""Bytes of input a chunk encodes (MS-OVBA 2.4.1.1.3 DecompressedChunk)."""

_SIGNATURE = 0x01
_CHUNK_SIGNATURE = 0x3000
_COMPRESSED_FLAG = 0x8000
_MAX_CHUNK_BYTES = 4098  # header + data, 2.4.1.1.4
_RAW_HEADER = _CHUNK_SIGNATURE | 0x0FFF
_MIN_MATCH = 3
_MAX_CANDIDATES = 512  # how far back a prefix chain is followed: bounds time on degenerate input


def _bit_count(position: int) -> int:
    """Offset bits of a CopyToken at ``position`` bytes into its chunk (2.4.1.3.19.1)."""
    return max((position - 1).bit_length(), 4)


def _common_length(data: bytes, earlier: int, here: int, limit: int) -> int:
    """Length of the common prefix of ``data[earlier:]`` and ``data[here:]``, capped at ``limit``.

    Slice comparison runs in C; a binary search over it is far faster in Python
    than stepping byte by byte through long matches.
    """
    if data[earlier:earlier + limit] == data[here:here + limit]:
        return limit
    good, bad = 0, limit
    while bad - good > 1:
        middle = (good + bad) // 2
        if data[earlier + good:earlier + middle] == data[here + good:here + middle]:
            good = middle
        else:
            bad = middle
    return good


def _compress_chunk(chunk: bytes) -> bytes:
    """One CompressedChunk (header + data) for at most 4096 bytes (2.4.1.3.7).

    A chunk that does not fit 4098 bytes compressed is stored raw; a short final
    one then stays short (see the module docstring).
    """
    size = len(chunk)
    body = bytearray()
    prefixes: dict[bytes, list[int]] = {}
    position = 0
    while position < size:
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if position >= size:
                break
            best_length, best_offset = 0, 0
            candidates = prefixes.get(chunk[position:position + _MIN_MATCH]) if position else None
            if candidates:
                bits = _bit_count(position)
                limit = min((0xFFFF >> bits) + 3, size - position)
                for earlier in reversed(candidates[-_MAX_CANDIDATES:]):
                    length = _common_length(chunk, earlier, position, limit)
                    if length > best_length:
                        best_length, best_offset = length, position - earlier
                        if length == limit:
                            break
            if best_length >= _MIN_MATCH:
                bits = _bit_count(position)
                token = ((best_offset - 1) << (16 - bits)) | (best_length - 3)
                body += token.to_bytes(2, "little")
                flags |= 1 << bit
                step = best_length
            else:
                body.append(chunk[position])
                step = 1
            for start in range(position, min(position + step, size - _MIN_MATCH + 1)):
                prefixes.setdefault(chunk[start:start + _MIN_MATCH], []).append(start)
            position += step
        body[flag_at] = flags
    if len(body) + 2 <= _MAX_CHUNK_BYTES:
        header = _COMPRESSED_FLAG | _CHUNK_SIGNATURE | (len(body) + 2 - 3)
        return header.to_bytes(2, "little") + bytes(body)
    return _RAW_HEADER.to_bytes(2, "little") + chunk


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA CompressedContainer (2.4.1.3.6).

    Why: Office reads the ``dir`` stream and module source only in this form.
    Empty input gives the bare signature byte, as the spec's algorithm does.
    """
    data = bytes(data)
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK_SIZE):
        out += _compress_chunk(data[start:start + CHUNK_SIZE])
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer (2.4.1.3.1), strictly.

    Why our own: the tests check the compressor against it *and* against
    oletools; it also lets callers read back what we wrote without oletools.
    Raises ``ValueError`` on a bad signature, chunk header or copy token.
    """
    data = bytes(container)
    if not data or data[0] != _SIGNATURE:
        raise ValueError("not an MS-OVBA compressed container: the first byte must be 0x01")
    out = bytearray()
    current = 1
    while current < len(data):
        if current + 2 > len(data):
            raise ValueError(f"truncated chunk header at byte {current}")
        header = int.from_bytes(data[current:current + 2], "little")
        if header & 0x7000 != _CHUNK_SIGNATURE:
            raise ValueError(f"bad chunk signature at byte {current}: header {header:#06x}")
        chunk_end = min(current + (header & 0x0FFF) + 3, len(data))
        current += 2
        chunk_start = len(out)
        if not header & _COMPRESSED_FLAG:
            out += data[current:current + CHUNK_SIZE]
            current += CHUNK_SIZE
            continue
        while current < chunk_end:
            flags = data[current]
            current += 1
            for bit in range(8):
                if current >= chunk_end:
                    break
                if not flags >> bit & 1:
                    out.append(data[current])
                    current += 1
                    continue
                if current + 2 > chunk_end:
                    raise ValueError(f"truncated copy token at byte {current}")
                token = int.from_bytes(data[current:current + 2], "little")
                current += 2
                bits = _bit_count(len(out) - chunk_start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                source = len(out) - offset
                if source < chunk_start:
                    raise ValueError(f"copy token at byte {current - 2} reaches before its chunk")
                for index in range(source, source + length):  # may overlap what it writes
                    out.append(out[index])
        if len(out) - chunk_start > CHUNK_SIZE:
            raise ValueError("a chunk decompressed to more than 4096 bytes")
    return bytes(out)
