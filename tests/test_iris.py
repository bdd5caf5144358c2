"""IRI minting (the URI policy): no input crashes it, every IRI is valid, same input gives the same
IRI, and different registry keys never share one."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ungraph.config import Settings
from ungraph.iris import KINDS, MAX_SLUG, Minter, address_slug, sdg_iri, slugify, symbol_slug
from ungraph.registry import Registry

BASE = "https://w3id.org/ungraph/"
MINTER = Minter(BASE)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEYS = st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,4}", fullmatch=True)
ANY_TEXT = st.text(min_size=1, max_size=300)


def assert_valid_iri(iri: str) -> None:
    # Oxigraph refuses anything RFC 3987 does not allow, as the store would.
    ox.NamedNode(iri)
    assert not re.search(r"[\s<>\"{}|\\^`]", iri), iri


@given(ANY_TEXT)
def test_slugs_are_lowercase_ascii_words_joined_by_hyphens(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or SLUG.match(slug), slug
    assert len(slug) <= MAX_SLUG
    assert slugify(text) == slug


@given(st.text(min_size=MAX_SLUG + 1, max_size=400, alphabet="abc- "))
def test_long_slugs_keep_a_hash_of_the_whole_text(text: str) -> None:
    other = text[:-1] + ("a" if text[-1] != "a" else "b")
    if slugify(text) and slugify(other) and len(slugify(text)) == MAX_SLUG:
        assert slugify(text) != slugify(other)


@given(ANY_TEXT)
def test_any_name_gives_a_valid_stable_person_iri(name: str) -> None:
    iri = MINTER.person(name)
    assert_valid_iri(iri)
    assert iri.startswith(f"{BASE}id/person/")
    assert MINTER.person(name) == iri


@given(ANY_TEXT)
def test_any_name_gives_valid_iris_of_every_named_kind(name: str) -> None:
    for mint in (
        MINTER.organization,
        MINTER.place,
        MINTER.event_series,
        MINTER.event,
        MINTER.group,
        MINTER.theme,
        MINTER.method,
        MINTER.agent,
        MINTER.run,
    ):
        assert_valid_iri(mint(name))


@given(ANY_TEXT, st.integers(min_value=1, max_value=9999))
def test_events_end_with_their_year(name: str, year: int) -> None:
    iri = MINTER.event(name, year)
    assert_valid_iri(iri)
    assert iri.endswith(f"-{year}")
    assert MINTER.event(name, year) == iri


@given(ANY_TEXT)
def test_any_symbol_gives_a_valid_document_iri_and_graph(symbol: str) -> None:
    document = MINTER.document(symbol, None, "fallback")
    assert_valid_iri(document)
    assert document == MINTER.document(symbol, "https://example.org/other", "x")
    assert_valid_iri(MINTER.document_graph(document))


@given(
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=200).map(
        lambda path: f"https://press.un.org/{path}"
    )
)
def test_any_address_gives_a_valid_document_iri(url: str) -> None:
    document = MINTER.document(None, url, "fallback")
    assert_valid_iri(document)
    assert document.startswith(f"{BASE}id/document/")
    assert SLUG.match(address_slug(url)) or address_slug(url).startswith("h-")


@given(ANY_TEXT)
def test_any_source_id_gives_a_valid_document_iri(doc_id: str) -> None:
    assert_valid_iri(MINTER.document(None, None, doc_id))


@given(st.lists(KEYS, min_size=2, max_size=20, unique=True))
def test_different_registry_keys_never_collide(keys: list[str]) -> None:
    for kind in ("person", "organization", "post", "place", "event-series", "group", "theme"):
        iris = {MINTER.id(kind, slugify(key)) for key in keys}
        assert len(iris) == len(keys)


@given(KEYS, st.sampled_from(KINDS), st.sampled_from(KINDS))
def test_kinds_keep_the_same_key_apart(key: str, one: str, other: str) -> None:
    if one != other:
        assert MINTER.id(one, key) != MINTER.id(other, key)


@settings(max_examples=50)
@given(st.integers(min_value=1, max_value=11), st.integers(min_value=0, max_value=8))
def test_action_lines_keep_their_codes(line: int, sub: int) -> None:
    code = f"C{line}" if sub == 0 or line != 7 else f"C7.{sub}"
    iri = MINTER.action_line(code)
    assert str(iri) == f"{BASE}id/wsis/{code}"
    assert_valid_iri(iri)


@pytest.mark.parametrize("code", ["C12", "C0", "C7.9", "c5", "C 5", ""])
def test_unknown_action_line_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="WSIS action line"):
        MINTER.action_line(code)


@pytest.mark.parametrize("code", ["18", "0", "9.z", "9.c.1", "goal 9"])
def test_sdg_codes_outside_the_kos_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="SDG goal or target"):
        sdg_iri(code)


def test_symbols_slugs_are_the_uri_policy_examples() -> None:
    assert symbol_slug("SG/SM/17419") == "sg-sm-17419"
    assert str(MINTER.document("SG/SM/9852", None, "x")) == f"{BASE}id/document/sg-sm-9852"
    assert str(MINTER.document(":", None, "x")).startswith(f"{BASE}id/document/h-")
    assert str(MINTER.person("Ban Ki-moon")) == f"{BASE}id/person/ban-ki-moon"
    assert str(MINTER.event("world-internet-conference", 2015)) == (
        f"{BASE}id/event/world-internet-conference-2015"
    )


def test_every_registry_entry_gets_its_own_iri(settings: Settings) -> None:
    registry = Registry.load(settings)
    for entries, mint in (
        (registry.people, MINTER.person),
        (registry.organizations, MINTER.organization),
        (registry.posts, MINTER.post),
        (registry.places, MINTER.place),
        (registry.series, MINTER.event_series),
    ):
        iris = [mint(key) for key in entries]
        assert len(set(iris)) == len(iris)
        for key, iri in zip(entries, iris, strict=True):
            # Registry keys are already slugs: the IRI ends with the key itself.
            assert iri.rsplit("/", 1)[1] == key
    countries = [MINTER.country(iso3) for iso3 in registry.countries]
    assert len(set(countries)) == len(countries)


def test_a_base_without_trailing_slash_is_refused() -> None:
    with pytest.raises(ValueError, match="must end with"):
        Minter("https://example.org/kg")
