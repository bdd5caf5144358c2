"""The registry: its files load, its identifiers are well-formed, resolution works, bad files fail
with errors naming the file and the entry, and matching never crashes."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import tomllib
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ungraph.config import SettingError, Settings, load_settings
from ungraph.registry import (
    QID,
    Country,
    Organization,
    Person,
    Place,
    Registry,
    VocabularyError,
    date_range,
    load_wikidata,
    normalize_phrase,
)
from ungraph.resources import data_dir

REGISTRY_FILES = sorted((data_dir("vocab") / "registry").glob("*.toml"))


@cache
def loaded() -> Registry:
    # One registry for the whole module (hypothesis tests cannot take function fixtures).
    return Registry.load(load_settings())


@pytest.fixture(scope="module")
def registry() -> Registry:
    return loaded()


@pytest.fixture(scope="module")
def tsv(reference_dir: Path) -> Path:
    return reference_dir / "wikidata_ids.tsv"


# --- The files themselves ----------------------------------------------------------------------
def test_every_registry_file_is_valid_toml() -> None:
    assert {p.name for p in REGISTRY_FILES} >= {
        "countries.toml", "events.toml", "organizations.toml", "people.toml", "places.toml",
        "posts.toml",
    }  # fmt: skip
    for path in REGISTRY_FILES:
        with path.open("rb") as handle:
            assert tomllib.load(handle), path


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_no_external_identifier_is_typed_in_the_vocabulary_files() -> None:
    # QIDs and external URIs come from the reference tables only: a wrong owl:sameAs is worse
    # than none. Comments may cite sources; values may not carry identifiers.
    for path in sorted(data_dir("vocab").rglob("*.toml")):
        with path.open("rb") as handle:
            for value in _strings(tomllib.load(handle)):
                assert not QID.match(value), f"{path}: QID {value!r} typed by hand"
                assert "wikidata.org" not in value and "metadata.un.org" not in value, (path, value)


def test_every_wikidata_identifier_comes_from_the_verified_table(
    registry: Registry, tsv: Path
) -> None:
    rows = load_wikidata(tsv)
    entities: list[Person | Organization | Place | Country] = [
        *registry.people.values(), *registry.organizations.values(), *registry.places.values(),
        *registry.countries.values(),
    ]  # fmt: skip
    linked = [e for e in entities if e.wikidata is not None]
    assert len(linked) >= 195 + 5 + 10
    for entity in linked:
        assert entity.wikidata_ref is not None
        assert QID.match(entity.wikidata or ""), entity
        assert rows[entity.wikidata_ref].qid == entity.wikidata
    assert registry.people["ban-ki-moon"].wikidata == rows["person:ban-ki-moon"].qid


def test_countries_are_exactly_the_country_rows_of_the_table(registry: Registry, tsv: Path) -> None:
    rows = load_wikidata(tsv)
    expected = {row.key for row in rows.values() if row.kind == "country"}
    assert set(registry.countries) == expected
    assert len(expected) == 195
    for country in registry.countries.values():
        assert re.fullmatch(r"[A-Z]{3}", country.iso3)
    for place in registry.places.values():
        assert place.country in expected, place
    for person in registry.people.values():
        assert person.country is None or person.country in expected, person


def test_keys_are_slugs_and_person_keys_are_the_slug_of_the_name(registry: Registry) -> None:
    for table in (registry.people, registry.posts, registry.organizations, registry.series,
                  registry.places):  # fmt: skip
        for key in table:
            assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", key), key
    for path in REGISTRY_FILES:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        for kind, tables in document.items():
            if isinstance(tables, list) and tables and isinstance(tables[0], dict):
                keys = [t["key"] for t in tables if "key" in t]
                assert len(keys) == len(set(keys)), f"{path.name}: duplicate {kind} key"


def test_terms_have_iso_dates_in_order_and_never_overlap_on_a_single_holder_post(
    registry: Registry,
) -> None:
    for holding in registry.holdings:
        date_range(holding.start)
        assert holding.end is None or date_range(holding.end)
        assert holding.first_day <= holding.last_day, holding
        assert holding.person in registry.people and holding.post in registry.posts
    for post in registry.posts.values():
        terms = sorted(registry.holdings_of(post.key), key=lambda h: h.first_day)
        if post.single_holder:
            for before, after in itertools.pairwise(terms):
                assert before.last_day < after.first_day, (before, after)
        assert sum(1 for t in terms if t.end is None) <= 1, post.key


def test_every_organization_a_post_or_series_names_exists(registry: Registry) -> None:
    for post in registry.posts.values():
        assert post.organization in registry.organizations, post
    for org in registry.organizations.values():
        assert org.part_of is None or org.part_of in registry.organizations, org
    for series in registry.series.values():
        assert series.organizer is None or series.organizer in registry.organizations


def test_the_lists_of_holders_are_complete(registry: Registry) -> None:
    def holders(post: str) -> list[str]:
        terms = sorted(registry.holdings_of(post), key=lambda h: h.first_day)
        return [t.person for t in terms]

    assert holders("un-secretary-general") == [
        "trygve-lie", "dag-hammarskjold", "u-thant", "kurt-waldheim", "javier-perez-de-cuellar",
        "boutros-boutros-ghali", "kofi-annan", "ban-ki-moon", "antonio-guterres",
    ]  # fmt: skip
    assert holders("un-deputy-secretary-general")[0] == "louise-frechette"
    assert len(holders("un-deputy-secretary-general")) == 5
    assert holders("itu-secretary-general") == [
        "pekka-tarjanne", "yoshio-utsumi", "hamadoun-toure", "houlin-zhao", "doreen-bogdan-martin",
    ]  # fmt: skip
    assert holders("usg-economic-and-social-affairs") == [
        "nitin-desai", "jose-antonio-ocampo", "sha-zukang", "wu-hongbo", "liu-zhenmin", "li-junhua",
    ]  # fmt: skip
    assert holders("unesco-director-general")[0] == "koichiro-matsuura"
    assert len(holders("spokesperson-for-the-secretary-general")) == 5


def test_presidents_of_the_general_assembly_cover_every_session_from_the_55th(
    registry: Registry,
) -> None:
    terms = sorted(
        registry.holdings_of("president-of-the-general-assembly"), key=lambda h: h.first_day
    )
    sessions = []
    for term in terms:
        number = re.match(r"(\d+)", term.note or "")
        assert number is not None, term
        sessions.append(int(number[1]))
    assert sessions == list(range(55, 81))
    for session, term in zip(sessions, terms, strict=True):
        # Session N opens in September of year 1945 + N.
        assert term.first_day.year == 1945 + session and term.first_day.month == 9, term
    for before, after in itertools.pairwise(terms):
        # A President serves until the eve of the next session's opening (the 56th opened a
        # day late, on 12 September 2001).
        assert timedelta(days=1) <= after.first_day - before.last_day <= timedelta(days=2)


# --- Resolution ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("post", "on", "person"),
    [
        ("un-secretary-general", "2017-12-18", "antonio-guterres"),
        ("un-secretary-general", "2015-12-16", "ban-ki-moon"),
        ("un-secretary-general", "2005-05-03", "kofi-annan"),
        ("un-secretary-general", "2006-12-31", "kofi-annan"),
        ("un-secretary-general", "2007-01-01", "ban-ki-moon"),
        ("itu-secretary-general", "2015-03-06", "houlin-zhao"),
        ("usg-economic-and-social-affairs", "2015-12-16", "wu-hongbo"),
        ("usg-economic-and-social-affairs", "2007-11-12", "sha-zukang"),
        ("president-of-the-general-assembly", "2015-12-15", "mogens-lykketoft"),
        ("special-adviser-for-wsis", "2006-10-30", "nitin-desai"),
        ("envoy-on-youth", "2013-09-08", "ahmad-alhendawi"),
        ("spokesperson-for-the-secretary-general", "2025-08-26", "stephane-dujarric"),
        ("spokesperson-for-the-secretary-general", "2006-06-01", "stephane-dujarric"),
    ],
)
def test_holder_on_a_day(registry: Registry, post: str, on: str, person: str) -> None:
    found = registry.holder(post, on)
    assert found is not None and found.key == person


def _holder(registry: Registry, post: str, on: str | date) -> str:
    found = registry.holder(post, on)
    assert found is not None, (post, on)
    return found.key


def test_holder_of_a_partial_date_is_who_held_the_post_for_most_of_it(registry: Registry) -> None:
    assert _holder(registry, "un-secretary-general", "2017") == "antonio-guterres"
    assert _holder(registry, "un-secretary-general", "2006") == "kofi-annan"
    assert _holder(registry, "un-secretary-general", "2016-12") == "ban-ki-moon"
    # 2012: Sha Zukang until July, Wu Hongbo from August: seven months against five.
    assert _holder(registry, "usg-economic-and-social-affairs", "2012") == "sha-zukang"
    assert _holder(registry, "un-secretary-general", date(2020, 1, 1)) == "antonio-guterres"


def test_holder_is_none_when_nobody_known_held_the_post(registry: Registry) -> None:
    assert registry.holder("un-secretary-general", "1945") is None
    assert registry.holder("un-secretary-general", "1961-10-01") is None  # between two terms
    assert registry.holder("president-of-the-general-assembly", "2026-10") is None
    with pytest.raises(KeyError):
        registry.holder("no-such-post", "2017")


@pytest.mark.parametrize(
    ("phrase", "post"),
    [
        ("Secretary-General", "un-secretary-general"),
        ("the Secretary-General", "un-secretary-general"),
        ("UN Secretary-General", "un-secretary-general"),
        ("Secretary-General of the United Nations", "un-secretary-general"),
        ("ITU Secretary-General", "itu-secretary-general"),
        ("ITU-Secretary-General", "itu-secretary-general"),
        ("Secretary-General of the International Telecommunication Union", "itu-secretary-general"),
        ("General Assembly President", "president-of-the-general-assembly"),
        ("President of the General Assembly", "president-of-the-general-assembly"),
        ("Spokesman for the Secretary-General", "spokesperson-for-the-secretary-general"),
        (
            "Spokesman for UN Secretary-General António Guterres",
            "spokesperson-for-the-secretary-general",
        ),
        (
            "Under-Secretary-General for Economic and Social Affairs",
            "usg-economic-and-social-affairs",
        ),
        ("Deputy Secretary-General", "un-deputy-secretary-general"),
        ("his Envoy on Youth", "envoy-on-youth"),
        (
            "Special Adviser for the World Summit on the Information Society",
            "special-adviser-for-wsis",
        ),
        ("UNESCO Director-General", "unesco-director-general"),
        ("the secretary-general", "un-secretary-general"),
    ],
)
def test_match_post(registry: Registry, phrase: str, post: str) -> None:
    found = registry.match_post(phrase)
    assert found is not None and found.key == post


@pytest.mark.parametrize(
    "phrase",
    ["Under-Secretary-General for Political Affairs", "Assistant Secretary-General",
     "Special Representative of the Secretary-General for Iraq", "UNCTAD Secretary-General",
     "President of the Economic and Social Council", "the weather", ""],
)  # fmt: skip
def test_match_post_refuses_other_posts(registry: Registry, phrase: str) -> None:
    assert registry.match_post(phrase) is None


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("Ban Ki-moon", "ban-ki-moon"),
        ("Mr. Ban", "ban-ki-moon"),
        ("Ban", "ban-ki-moon"),
        ("BAN KI-MOON", "ban-ki-moon"),
        ("Guterres", "antonio-guterres"),
        ("Antonio Guterres", "antonio-guterres"),
        ("H.E. Mr. António Guterres", "antonio-guterres"),
        ("Amina Mohammed", "amina-j-mohammed"),
        ("Houlin Zhao", "houlin-zhao"),
        ("Hamadoun Toure", "hamadoun-toure"),
        ("Miguel d’Escoto Brockmann", "miguel-d-escoto-brockmann"),
        ("Csaba Korosi", "csaba-korosi"),
        ("Secretary-General António Guterres", "antonio-guterres"),
    ],
)
def test_match_person(registry: Registry, name: str, person: str) -> None:
    found = registry.match_person(name)
    assert found is not None and found.key == person


def test_match_person_unknown(registry: Registry) -> None:
    assert registry.match_person("Jane Doe") is None
    assert registry.match_person("") is None


def test_every_alias_names_its_own_entity_only(registry: Registry) -> None:
    # Documents the allowed overlaps: none. An alias shared by two entities could never be
    # resolved, so the registry must not contain one.
    for person in registry.people.values():
        for alias in (person.name, *person.aliases, *person.short_names):
            assert registry.match_person(alias) == person, alias
    for country in registry.countries.values():
        for alias in (country.name, *country.aliases, *country.adjectives):
            assert registry.match_country(alias) == country, alias
    for org in registry.organizations.values():
        for alias in (org.name, *org.aliases):
            assert registry.match_organization(alias) == org, alias
    for place in registry.places.values():
        for alias in (place.name, *place.aliases):
            assert registry.match_place(alias) == place, alias
    for series in registry.series.values():
        for alias in (series.name, *series.aliases):
            assert registry.match_series(alias) == series, alias
    for post in registry.posts.values():
        for alias in (post.label, *post.aliases):
            assert registry.match_post(alias) == post, alias


def test_find_countries_prefers_the_longest_name_and_respects_case(registry: Registry) -> None:
    text = (
        "The Chinese Government, the Republic of Korea and the Democratic People's Republic of "
        "Korea; Niger and Nigeria; Papua New Guinea and Guinea-Bissau; Türkiye, a turkey; "
        "the United States and us."
    )
    found = [(text[s:e], c.iso3) for s, e, c in registry.find_countries(text)]
    assert found == [
        ("Chinese", "CHN"), ("Republic of Korea", "KOR"),
        ("Democratic People's Republic of Korea", "PRK"), ("Niger", "NER"), ("Nigeria", "NGA"),
        ("Papua New Guinea", "PNG"), ("Guinea-Bissau", "GNB"), ("Türkiye", "TUR"),
        ("United States", "USA"),
    ]  # fmt: skip
    assert next(c.iso3 for _, _, c in registry.find_countries(text, adjectives=False)) == "KOR"


def test_find_organizations_matches_acronyms_only_in_capitals(registry: Registry) -> None:
    text = "Those who work with WHO, the ITU and UN DESA, and the who-knows."
    found = [(text[s:e], o.key) for s, e, o in registry.find_organizations(text)]
    assert found == [("WHO", "who"), ("ITU", "itu"), ("UN DESA", "un-desa")]


def test_find_people_needs_a_title_for_a_bare_surname(registry: Registry) -> None:
    text = "Ban the bomb, said Mr. Ban Ki-moon; Mr. Ban agreed with António Guterres."
    found = [(text[s:e], p.key) for s, e, p in registry.find_people(text)]
    assert found == [
        ("Mr. Ban Ki-moon", "ban-ki-moon"), ("Mr. Ban", "ban-ki-moon"),
        ("António Guterres", "antonio-guterres"),
    ]  # fmt: skip


def test_find_places_and_series(registry: Registry) -> None:
    text = "the second World Internet Conference in Wuzhen and the IGF in Geneva-based events"
    assert [p.key for _, _, p in registry.find_places(text)] == ["wuzhen", "geneva"]
    series = [s.key for _, _, s in registry.find_series(text)]
    assert series == ["world-internet-conference", "internet-governance-forum"]


def test_editions_listed_and_derived(registry: Registry) -> None:
    igf = registry.edition("internet-governance-forum", year=2017)
    assert igf is not None and igf.place == "geneva" and igf.country == "CHE" and igf.ordinal == 12
    wic = registry.edition("world-internet-conference", ordinal=2)
    assert wic is not None and wic.year == 2015 and wic.place == "wuzhen"
    debate = registry.edition("general-assembly-general-debate", year=2015)
    assert debate is not None and debate.ordinal == 70 and debate.derived
    girls = registry.edition("international-girls-in-ict-day", year=2021)
    assert girls is not None and girls.start == "2021-04-22"
    wtisd = registry.edition("world-telecommunication-and-information-society-day", year=2019)
    assert wtisd is not None and wtisd.start == "2019-05-17"
    assert registry.edition("international-day-for-countering-hate-speech", year=2021) is None
    assert registry.edition("summit-of-the-future", year=2025) is None
    assert registry.edition("no-such-series", year=2020) is None
    years = [e.year for e in registry.editions("general-assembly-general-debate")]
    assert years[0] == 1946 and years[-1] == registry.editions_until


def test_gold_speakers_and_deliverers_resolve_through_the_registry(corpus_dir: Path) -> None:
    # Every attribution the corpus annotates with both a name and a role resolves: the role
    # names a post whose holder on the document's date is the named person.
    registry = loaded()
    checked = 0
    for gold in sorted(corpus_dir.glob("**/*.gold.json")):
        annotation = json.loads(gold.read_text(encoding="utf-8"))
        for who in [*annotation.get("speakers", []), *annotation.get("delivered_by", [])]:
            if not who.get("name") or not who.get("role") or not annotation.get("date"):
                continue
            person = registry.match_person(who["name"])
            post = registry.match_post(who["role"])
            assert person is not None, (gold.name, who)
            assert post is not None, (gold.name, who)
            assert registry.holder(post.key, annotation["date"]) == person, (gold.name, who)
            checked += 1
    assert checked >= 10


# --- Bad files ---------------------------------------------------------------------------------
@pytest.fixture
def vocab_copy(tmp_path: Path) -> Path:
    target = tmp_path / "vocab"
    shutil.copytree(data_dir("vocab"), target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("people.toml", 'wikidata = "person:ban-ki-moon"', 'wikidata = "person:ban"',
         r"people\.toml: person 'ban-ki-moon': wikidata 'person:ban' is not a row"),
        ("people.toml", 'wikidata = "person:ban-ki-moon"', 'wikidata = "place:geneva"',
         r"person 'ban-ki-moon': wikidata 'place:geneva' is a place row"),
        ("people.toml", '{ post = "itu-secretary-general", start = "2015-01-01"',
         '{ post = "itu-sg", start = "2015-01-01"',
         r"person 'houlin-zhao': term 1: post 'itu-sg' is not a post key"),
        ("people.toml", 'start = "2017-01-01" }]', 'start = "2016-12-01" }]',
         r"people\.toml: post 'un-secretary-general': the terms of 'ban-ki-moon'"),
        ("people.toml", 'end = "2016-12-31" }]', 'end = "2016-13-31" }]',
         r"person 'ban-ki-moon': term 1: field 'end'"),
        ("people.toml", 'key = "kofi-annan"', 'key = "ban-ki-moon"',
         r"key must be the slug of the name|used twice"),
        ("posts.toml", 'organization = "itu"', 'organization = "itu-union"',
         r"posts\.toml: post 'itu-secretary-general': organization 'itu-union'"),
        ("places.toml", 'country = "CHE"', 'country = "XXX"',
         r"places\.toml: place 'geneva': country 'XXX'"),
        ("events.toml", 'place = "wuzhen"', 'place = "wu-zhen"',
         r"events\.toml: series 'world-internet-conference': place 'wu-zhen'"),
        ("events.toml", '{ year = 2015, start = "2015-12-16"',
         '{ year = 2015, ordinal = 3, start = "2015-12-16"',
         r"series 'world-internet-conference': edition 2: ordinal 3 disagrees"),
        ("countries.toml", '[CHN]\nname = "China"', '[CHN]\nnome = "China"',
         r"countries\.toml: country 'CHN': unknown field\(s\) nome"),
        ("organizations.toml", 'key = "un-desa"', 'key = "UN DESA"',
         r"organizations\.toml: organization 'UN DESA': 'UN DESA' is not a key"),
    ],
)  # fmt: skip
def test_bad_entries_fail_naming_file_and_entry(
    vocab_copy: Path, tsv: Path, file: str, old: str, new: str, message: str
) -> None:
    _edit(vocab_copy / "registry" / file, old, new)
    with pytest.raises(VocabularyError, match=message):
        Registry.from_files(vocab_copy, tsv)


def test_a_missing_country_fails(vocab_copy: Path, tsv: Path) -> None:
    _edit(vocab_copy / "registry" / "countries.toml", "[ZWE]", "[ZZZ]")
    with pytest.raises(VocabularyError, match=r"countries\.toml: country 'ZZZ'"):
        Registry.from_files(vocab_copy, tsv)


def test_a_bad_wikidata_row_fails_naming_its_line(
    vocab_copy: Path, tmp_path: Path, tsv: Path
) -> None:
    broken = tmp_path / "wikidata_ids.tsv"
    lines = tsv.read_text(encoding="utf-8").splitlines()
    fields = lines[3].split("\t")
    fields[3] = "Q0"
    lines[3] = "\t".join(fields)
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"wikidata_ids\.tsv:4: qid 'Q0'"):
        Registry.from_files(vocab_copy, broken)


def test_a_missing_reference_folder_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match="reference"):
        Registry.load(Settings(shared=tmp_path, reference=tmp_path / "nowhere"))


def test_load_is_cached_per_settings(settings: Settings) -> None:
    assert Registry.load(settings) is Registry.load(settings)


# --- Matching never crashes -------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_matching_never_crashes(text: str) -> None:
    registry = loaded()
    registry.match_person(text)
    registry.match_post(text)
    registry.match_organization(text)
    normalize_phrase(text)
    for finder in (registry.find_countries, registry.find_people, registry.find_posts):
        end = 0
        for start, stop, _ in finder(text):
            assert end <= start < stop <= len(text)
            end = stop


PIECES = ["Ban", "Ki-moon", "Mr.", "Niger", "ia", "–", " ", "\n", "İ", "Côte d’Ivoire", "UN",
          "DESA", "who", "the"]  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_mentions_point_at_the_text(parts: list[str]) -> None:
    text = "".join(parts)
    registry = loaded()
    for start, stop, country in registry.find_countries(text):
        names = {normalize_phrase(n) for n in (country.name, *country.aliases, *country.adjectives)}
        assert normalize_phrase(text[start:stop]) in names


def test_sparse_gazetteer_patterns_match_exactly_like_the_plain_ones(
    registry: Registry, corpus_dir: Path
) -> None:
    # Acronym patterns start each branch with its first character (so the regex engine can skip
    # to them); on the corpus and on edge cases of word starts, the matches are those of the
    # plain pattern with its look-behind first.
    from ungraph import registry as module

    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus_dir.glob("*.txt"))]
    texts.append("UN\nUN-Women ITU xITU -ITU a-ITU ITU's (ITU) 5G-UN UNDP: UN")
    gazetteers = [g for g in vars(registry).values() if isinstance(g, module.Gazetteer)]
    compared = 0
    for gazetteer in gazetteers:
        keys = list(gazetteer._acronyms)
        sparse = module._compile(keys, sparse=True)
        plain = module._compile(keys)
        if sparse is None or plain is None:
            continue
        assert sparse.pattern != plain.pattern
        for text in texts:
            folded = module.fold(text, lower=False)
            expected = [m.span() for m in plain.finditer(folded)]
            assert [m.span() for m in sparse.finditer(folded)] == expected
            compared += len(expected)
    assert compared >= 20


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="unwoyrksa. -'\n1", max_size=50))
def test_names_are_matched_only_where_they_can_start_exactly_as_finditer_would(text: str) -> None:
    # Gazetteers try their name pattern only at the words that begin a key; the matches must be
    # those of the plain scan at every character.
    from ungraph import registry as module

    keys = ["u.s", "un", "un women", "new york", "york", "ny", "s", "us'", "a-s"]
    pattern = module._compile(keys)
    assert pattern is not None
    heads = module._heads(keys)
    assert heads is not None
    expected = [m.span() for m in pattern.finditer(text)]
    assert [m.span() for m in module._matches(pattern, heads, text)] == expected


def test_a_key_that_starts_with_punctuation_makes_the_gazetteer_scan_everywhere() -> None:
    from ungraph import registry as module

    assert module._heads(["(un)", "un"]) is None
    pattern = module._compile(["(un)"])
    assert pattern is not None
    assert [m.span() for m in module._matches(pattern, None, "the (un) and (un)")] == [
        (4, 8),
        (13, 17),
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from([*"aZ `\x0b\x1c-'.", "é", "İ", "’", "–", "ß", "\u00a0", "😀"]))
)
def test_folding_by_runs_is_folding_character_by_character(text: str) -> None:
    # The fold translates ASCII runs apart from the rest (str.translate's fast path); the
    # result must be the table applied to every character, and as long as the text.
    from ungraph import registry as module

    for lower, table in ((True, module._FOLD_LOWER), (False, module._FOLD_CASE)):
        module._fold.cache_clear()
        folded = module.fold(text, lower=lower)
        assert folded == "".join(table[ord(char)] for char in text)
        assert len(folded) == len(text)
