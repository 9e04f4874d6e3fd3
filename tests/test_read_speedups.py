"""The per-process caches of the read path give what an uncached read gives (no timing here)."""

from __future__ import annotations

import pytest

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
