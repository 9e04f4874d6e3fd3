"""Reading a unit form reads nothing twice: one open of the file, one zip directory, each part inflated once.

The form goes through what an intake worker does with a file
(:func:`xlplan.io.intake.read_one`: the cheap checks, then the form reader
with its deep checks, calamine, the defined names, the font and macro checks)
while the file opens, the zip directory parses and the inflations of this
process are counted. An inflation is attributed to the part whose compressed
bytes it starts on, so the count does not depend on how a reader inflates
(``ZipFile.open`` or a head inflated by hand). calamine is handed the bytes
already read; the parts it inflates in Rust are not counted here.
"""

from __future__ import annotations

import builtins
import collections
import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from test_macros_in_files import to_xlsm
from test_reader import UNITS, sample_values
from xlplan.core.forms import form_spec
from xlplan.core.legacy_text import encode
from xlplan.core.plan import Plan
from xlplan.core.submission import Submission
from xlplan.io import intake
from xlplan.io.form_reader import read_form
from xlplan.io.form_writer import write_form
from xlplan.io.intake import READ, outcome
from xlplan.io.readers import DEFAULT_ENGINE, Limits

UNIT = UNITS[0]


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory, plan: Plan) -> Path:
    """A filled F01 from the form writer; one text looks like legacy-font text, so the font check runs too."""
    values = sample_values("F01", plan, UNIT)
    values["nguoi_lap"] = encode("Nguyễn Văn Hoà", "tcvn3")
    path = tmp_path_factory.mktemp("once") / "P_VUNINH_F01_2017.xlsx"
    return write_form(path, form_spec("F01", plan), plan, UNIT, "2017", values=values)


def _compressed(path: Path) -> dict[str, bytes]:
    """Each deflated part's compressed bytes, as stored in the file."""
    data = path.read_bytes()
    parts = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_DEFLATED or not info.compress_size:
                continue
            name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
            start = info.header_offset + 30 + name_length + extra_length
            parts[info.filename] = data[start:start + info.compress_size]
    return parts


class Reads:
    """What one block of reading did to the file at ``path``: opens, directory parses, inflations per part."""

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch):
        self.path = os.path.abspath(path)
        self.parts = _compressed(path)
        self.opens = 0
        self.directories = 0
        self.members: collections.Counter[str] = collections.Counter()  # ZipFile.open, by part
        self.inflations: collections.Counter[tuple[str, ...]] = collections.Counter()  # streams started, by part
        self._patch(monkeypatch)

    def _patch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        reads = self
        real_open, real_io_open = builtins.open, io.open

        def counted(opener):
            def open_(file, *args, **kwargs):
                if isinstance(file, (str, bytes, os.PathLike)) and os.path.abspath(os.fsdecode(file)) == reads.path:
                    reads.opens += 1
                return opener(file, *args, **kwargs)
            return open_

        monkeypatch.setattr(builtins, "open", counted(real_open))
        monkeypatch.setattr(io, "open", counted(real_io_open))

        real_contents = zipfile.ZipFile._RealGetContents

        def contents(archive: zipfile.ZipFile) -> None:
            reads.directories += 1
            real_contents(archive)

        monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", contents)

        real_member = zipfile.ZipFile.open

        def member(archive: zipfile.ZipFile, name, *args, **kwargs):
            reads.members[name.filename if isinstance(name, zipfile.ZipInfo) else name] += 1
            return real_member(archive, name, *args, **kwargs)

        monkeypatch.setattr(zipfile.ZipFile, "open", member)

        real_decompressobj = zlib.decompressobj

        class Inflater:
            """A zlib decompressor that tells which part its first input starts."""

            def __init__(self, *args, **kwargs):
                self._inner = real_decompressobj(*args, **kwargs)
                self._started = False

            def decompress(self, data, *args, **kwargs):
                if not self._started and len(data):
                    self._started = True
                    reads.started(bytes(data[:256]))
                return self._inner.decompress(data, *args, **kwargs)

            def __getattr__(self, name):
                return getattr(self._inner, name)

        monkeypatch.setattr(zlib, "decompressobj", Inflater)

    def started(self, first: bytes) -> None:
        owners = tuple(sorted(name for name, raw in self.parts.items() if raw.startswith(first[:len(raw)])))
        self.inflations[owners or ("?",)] += 1

    def twice(self) -> dict[str, int]:
        """Parts inflated more than once (or, for identical compressed parts, more often than there are parts)."""
        found = {" | ".join(owners): count for owners, count in self.inflations.items() if count > len(owners)}
        found.update({name: count for name, count in self.members.items() if count > 1})
        return found


def _read_one(path: Path, plan: Plan, sha256: str | None = None):
    """What a worker reads of ``path`` (the hash given when the archive computed it), and its format."""
    stub = Submission(file=path.name, source=str(path), sha256=sha256 or "")
    sub = intake.read_one(stub, plan, None, DEFAULT_ENGINE, Limits())
    return sub, sub.format


@pytest.mark.parametrize("hashed", [False, True], ids=["hashed-here", "hash-given"])
def test_a_form_is_opened_once_and_each_part_inflated_once(form: Path, plan: Plan, hashed: bool,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    expected, _ = _read_one(form, plan)
    reads = Reads(form, monkeypatch)
    sub, kind = _read_one(form, plan, expected.sha256 if hashed else None)
    monkeypatch.undo()
    assert kind == "xlsx" and outcome(sub) == READ and sub.values
    assert sub.as_dict() == expected.as_dict() and sub.findings == expected.findings
    assert sub.sha256 == expected.sha256
    assert reads.opens == 1
    assert reads.directories == 1
    assert reads.twice() == {}
    # The parts our own code needs really were counted: the names, the content types, the fonts.
    inflated = {name for owners in reads.inflations for name in owners}
    assert {"xl/workbook.xml", "[Content_Types].xml", "xl/styles.xml"} <= inflated


def test_read_form_alone_reads_once_too(form: Path, plan: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = Reads(form, monkeypatch)
    sub = read_form(form, plan)
    monkeypatch.undo()
    assert outcome(sub) == READ
    assert (reads.opens, reads.directories, reads.twice()) == (1, 1, {})


def test_a_form_with_a_vba_project_is_read_once(form: Path, plan: Plan, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    macro = to_xlsm(form, tmp_path / "P_VUNINH_F01_2017.xlsm")
    reads = Reads(macro, monkeypatch)
    sub, kind = _read_one(macro, plan)
    monkeypatch.undo()
    assert kind == "xlsm" and outcome(sub) == READ
    assert "file-has-macros" in [f.code for f in sub.findings]
    assert (reads.opens, reads.directories, reads.twice()) == (1, 1, {})


def test_a_file_replaced_between_two_reads_is_read_again(form: Path, plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "P_VUNINH_F01_2017.xlsx"
    path.write_bytes(form.read_bytes())
    first, _ = _read_one(path, plan)
    path.write_bytes(b"not a workbook")
    second, _ = _read_one(path, plan)
    assert outcome(first) == READ and outcome(second) == "file-unreadable"
