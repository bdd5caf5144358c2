"""Unknown persons read by their apposition ("Name, Role"): the anchored scan finds exactly
what the pattern tried at every character finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ungraph.extract.entities import _NAME_COMMA_ROLE, names_with_role

_PIECES = [
    "Hamadoun Touré",
    "Mr. Ban Ki-moon",
    "His Excellency Miguel d'Escoto Brockmann",
    "John W. Ashe",
    "Doreen Bogdan-Martin",
    ", ",
    ",\n",
    " ",
    "Secretary-General of the International Telecommunication Union",
    "President",
    "his Envoy on Youth",
    "the Under-Secretary-General for Economic and Social Affairs",
    "and",
    "Government",
    "2025",
    ". ",
    "(",
    "said",
    "’",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=16))
def test_the_anchored_scan_finds_what_the_plain_pattern_finds(pieces: list[str]) -> None:
    text = "".join(pieces)
    expected = [(m.span(), m.groupdict()) for m in _NAME_COMMA_ROLE.finditer(text)]
    assert [(m.span(), m.groupdict()) for m in names_with_role(text)] == expected


def test_consecutive_appositions_are_all_found() -> None:
    text = (
        "Hamadoun Touré, Secretary-General of the International Telecommunication Union, and "
        "Doreen Bogdan-Martin, Director of the Telecommunication Development Bureau, said."
    )
    names = [m.group("name") for m in names_with_role(text)]
    assert names == ["Hamadoun Touré", "Doreen Bogdan-Martin"]
    assert names == [m.group("name") for m in _NAME_COMMA_ROLE.finditer(text)]
