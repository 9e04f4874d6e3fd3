"""The per-process caches of the read path give what an uncached read gives (no timing here)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from pathlib import Path

import pytest

from xlplan.core import submission
from xlplan.core.plan import Plan
from xlplan.core.submission import Submission
from xlplan.io import intake
from xlplan.io.intake import read_one
from xlplan.io.readers import defined_names as dn

_HEAD = (b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
         b'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">')
_NAMES = (b"<sheets><sheet name=\"A\" sheetId=\"1\"/></sheets><definedNames>"
          b"<definedName name=\"x\">A!$C$1</definedName></definedNames></workbook>")


def _part(revision: bytes) -> bytes:
    return _HEAD + revision + _NAMES


def test_parts_differing_only_in_their_document_id_share_one_key() -> None:
    one = _part(b'<xr:revisionPtr revIDLastSave="0" documentId="13_ncr:1_{014105D3-A23C-551F}"/>')
    two = _part(b'<xr:revisionPtr revIDLastSave="0" documentId="13_ncr:1_{DFA851A8-0642-55D2}"/>')
    assert dn._same_names(one) == dn._same_names(two) != one
    assert dn._names_in(dn._same_names(one)) == dn._names_in.__wrapped__(one)
    assert [n.target for n in dn._names_in(dn._same_names(two))] == [("A", "C1")]


@pytest.mark.parametrize("revision", [
    b'<!-- <xr:revisionPtr documentId="{AB}"/> --><xr:revisionPtr documentId="{AB}"/>',  # a comment
    b"<xr:revisionPtr a='1' documentId=\"{AB}\"/>",  # not read attribute by attribute: left alone
    b'<xr:revisionPtr documentId="{A&amp;B}"/>',  # a value beyond the plain characters
    b'<xr:other documentId="{AB}"/>',
])
def test_anything_else_is_its_own_key(revision: bytes) -> None:
    assert dn._same_names(_part(revision)) == _part(revision)


def test_a_malformed_part_still_fails_after_a_well_formed_twin_was_cached() -> None:
    good = _part(b'<xr:revisionPtr documentId="{AB}"/>')
    bad = _part(b'<xr:revisionPtr documentId="{AB}"/><unclosed>')
    dn._names_in(dn._same_names(good))
    with pytest.raises(dn.ParseError):
        dn._names_in(dn._same_names(bad))


# -- what a worker sends back ------------------------------------------------------------------

def _forms(tmp_path: Path, plan: Plan) -> list[Path]:
    from test_reader import PERIODS, UNITS, make_form, sample_values

    paths = []
    for unit in UNITS[:2]:
        for form, periods in PERIODS.items():
            paths.append(make_form(tmp_path / f"{unit.code}_{form}.xlsx", "writer", form, plan, unit, periods[0],
                                   sample_values(form, plan, unit)))
    return paths


def test_a_message_rebuilds_the_submission_read_compact_and_whole(tmp_path: Path, plan: Plan) -> None:
    encoder, decoder = intake._Encoder(), intake._Decoder()
    for path in _forms(tmp_path, plan) * 2:  # the second round uses the layouts the first defined
        stub = Submission(file=path.name, source=str(path), size=7, received=dt.datetime(2017, 3, 1))
        read = read_one(stub, plan, None, "calamine")
        message = encoder.encode(stub, read)
        encoder.sent()
        assert not isinstance(message, Submission)
        back = decoder.decode(stub, pickle.loads(pickle.dumps(message)))
        assert dataclasses.asdict(back) == dataclasses.asdict(read)
        assert back.values and all(submission._compact(cell) is cell for cell in back.values.values())


def test_a_layout_whose_message_was_not_sent_is_sent_again(tmp_path: Path, plan: Plan) -> None:
    path = _forms(tmp_path, plan)[0]
    stub = Submission(file=path.name, source=str(path))
    read = read_one(stub, plan, None, "calamine")
    encoder, decoder = intake._Encoder(), intake._Decoder()
    encoder.encode(stub, read)  # lost (no sent()): the layout it defined never reached the parent
    message = encoder.encode(stub, read)
    assert message[1] is not None
    encoder.sent()
    assert decoder.decode(stub, message).values == read.values
    assert encoder.encode(stub, read)[1] is None


def test_anything_but_a_read_travels_as_the_submission_itself(plan: Plan) -> None:
    stub = Submission(file="a.xlsx", source="/x/a.xlsx")
    moved = dataclasses.replace(stub, source="/y/a.xlsx")
    assert intake._Encoder().encode(stub, moved) is moved
    assert intake._Decoder().decode(stub, moved) is moved
