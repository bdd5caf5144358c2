"""HTML pages: the real press.un.org pages, the modelled layouts, and pages no one wrote."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import NotRequired, TypedDict

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from ungraph.config import load_settings
from ungraph.sources.html import block_texts, page_date, parse_html, read_html, split_symbols
from ungraph.sources.model import SourceError

FIXTURES = Path(__file__).parent / "data" / "html"
HTML_DIR = load_settings().corpus_dir / "html"


def _manifest() -> list[dict[str, str]]:
    path = HTML_DIR / "manifest.tsv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


MANIFEST = _manifest()
# Chrome around the body of every press.un.org page (menus, sidebar, footers, share panel).
CHROME = (
    "For information media",
    "Not an official record",
    "Daily Noon Briefing",
    "Highlights",
    "Join the conversation",
    "A-Z Site Index",
    "Quick Links",
    "Media Alert",
    "Language:",
    "Facebook",
)


def test_the_html_manifest_lists_seven_pages() -> None:
    assert len(MANIFEST) == 7
    assert all((HTML_DIR / row["file"]).is_file() for row in MANIFEST)


@pytest.mark.parametrize("row", MANIFEST, ids=lambda row: row["file"])
def test_real_press_un_org_page_gives_its_header_fields(row: dict[str, str]) -> None:
    path = HTML_DIR / row["file"]
    document = read_html(path)
    assert document.format == "html"
    assert document.extra["layout"] == "press.un.org"
    assert document.published == row["page_date"]
    assert document.page_symbols == (row["symbol"],)
    assert document.source_url == row["original_address"]
    assert document.page_kind == "Press Release"
    # The README: <title> is the display title plus " | UN Press".
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
    assert soup.title is not None
    title = re.sub(r"\s+", " ", soup.title.get_text()).strip().removesuffix(" | UN Press")
    assert document.title == title


@pytest.mark.parametrize("row", MANIFEST, ids=lambda row: row["file"])
def test_real_press_un_org_page_body_is_the_release_and_nothing_else(
    row: dict[str, str],
) -> None:
    path = HTML_DIR / row["file"]
    text = read_html(path).text
    paragraphs = text.split("\n\n")
    # The first paragraph is the lead-in ("Following is UN Secretary-General ...:").
    assert re.match(r"^(Following (is|are)|The following) .+:$", paragraphs[0])
    for phrase in CHROME:
        assert phrase not in text, phrase
    # One paragraph per <p> of the body field, none lost, none added.
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
    body = soup.select_one("div.field--name-body")
    assert body is not None
    expected = [p for p in body.find_all("p") if p.get_text(strip=True)]
    assert len(paragraphs) == len(expected)
    assert "\u00a0" not in text and "\r" not in text and "\n\n\n" not in text
    assert all(line == line.strip(" ") for line in text.split("\n"))


def test_non_breaking_spaces_between_sentences_become_two_spaces() -> None:
    # press.un.org separates sentences with a non-breaking space and a space; the text keeps
    # both as spaces, as the corpus's text copies of such pages do.
    path = HTML_DIR / "press.un.org_sgsm21947.html"
    text = read_html(path).text
    body = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml").select_one(
        "div.field--name-body"
    )
    assert body is not None
    raw = body.get_text()
    assert "\u00a0" not in text
    assert text.count(".  ") == raw.count(".\u00a0 ") + raw.count(". \u00a0") > 0


def test_two_captures_of_one_page_read_the_same() -> None:
    first = read_html(HTML_DIR / "press.un.org_sgsm21982.html")
    second = read_html(HTML_DIR / "press.un.org_sgsm21982_capture2.html")
    assert first.text == second.text
    assert (first.title, first.published, first.page_symbols) == (
        second.title,
        second.published,
        second.page_symbols,
    )
    # Same content, same hash: a re-build would skip the second capture.
    assert first.content_hash == second.content_hash


# -- modelled layouts, on fixture pages written for these tests -----------------------------


class Expected(TypedDict):
    """What reading one modelled page must give."""

    layout: str
    title: str
    published: str
    symbols: tuple[str, ...]
    kind: str | None
    source_url: str | None
    first: str
    absent: tuple[str, ...]
    place: NotRequired[str]
    encoding: NotRequired[str]


MODELLED: dict[str, Expected] = {
    "press_un_org_multi_symbol.html": {
        "layout": "press.un.org",
        "title": "Secretary-General Hails Volunteer Radio Networks on International Day",
        "published": "2016-02-12",
        "symbols": ("SG/SM/17700", "OBV/1500", "PI/2100"),
        "kind": "Press Release",
        "source_url": "https://press.un.org/en/2016/sgsm17700.doc.htm",
        "first": "Following is UN Secretary-General’s message for a day celebrating radio "
        "volunteers, observed on 13 February:",
        "absent": (
            "Daily Noon Briefing",
            "For information media",
            "not an official record",
            "Join the conversation",
        ),
    },
    "un_org_sg_statement.html": {
        "layout": "un.org/sg",
        "title": "Secretary-General's video message to a workshop on open data",
        "published": "2019-04-02",
        "symbols": (),
        "kind": "Statement",
        "source_url": "https://www.un.org/sg/en/content/sg/statement/2019-04-02/"
        "secretary-generals-video-message-workshop-open-data",
        "first": "Dear participants,",
        "absent": ("Related statements", "Copyright", "Lisbon", "Statements"),
        "place": "Lisbon, Portugal",
    },
    "unis_vienna_pressrel.html": {
        "layout": "unis.unvienna.org",
        "title": "Message on a day for community radio",
        "published": "2020-02-14",
        "symbols": ("UNIS/SGSM/777",),
        "kind": "Press Release",
        "source_url": "https://unis.unvienna.org/unis/en/pressrels/2020/unissgsm777.html",
        "first": "Community radio stations carry news, music and advice to places that other "
        "media seldom reach.",
        "absent": ("For information only", "* *** *", "Information Service Vienna", "Home"),
    },
    "itu_speech.html": {
        "layout": "itu.int",
        "title": "Message of the Secretary-General on a day for standards",
        "published": "2016-10-14",
        "symbols": (),
        "kind": "Speech",
        "source_url": "https://www.itu.int/en/osg/speeches/Pages/2016-10-14.aspx",
        "first": "14 October 2016, Geneva, Switzerland",
        "absent": ("Committed to connecting the world", "Speeches"),
        "place": "Geneva, Switzerland",
    },
    "un_news_press_2003.htm": {
        "layout": "www.un.org/News/Press",
        "title": "Secretary-General Praises Village Libraries, ‘Small Rooms with Wide Windows’",
        "published": "2003-06-12",
        "symbols": ("SG/SM/8888", "OBV/333"),
        "kind": "Press Release",
        "source_url": None,
        "first": "Following is a short message of the Secretary-General to a meeting of "
        "librarians:",
        "absent": ("Department of Public Information", "* *** *", "not an official record"),
        "encoding": "cp1252 (declared)",
    },
    "un_press_drupal7.html": {
        "layout": "www.un.org/News/Press",
        "title": "Secretary-General Welcomes Solar Kiosks in Rural Schools",
        "published": "2014-01-20",
        "symbols": ("SG/SM/15555", "ENV/DEV/1400"),
        "kind": "Press Release",
        "source_url": "https://www.un.org/press/en/2014/sgsm15555.doc.htm",
        "first": "Following is the message of the Secretary-General on the opening of solar "
        "kiosks:",
        "absent": ("* *** *", "Daily Press Briefing", "For information media"),
    },
    "generic_article.html": {
        "layout": "generic",
        "title": "Libraries go online in the hills",
        "published": "2021-06-30",
        "symbols": (),
        "kind": None,
        "source_url": "https://news.example.org/2021/06/libraries-online",
        "first": "Three mountain libraries now lend laptops as well as books.",
        "absent": ("Screen-reader note", "hidden promotional", "Most read", "footer", "Home"),
    },
    "generic_no_main.html": {
        "layout": "generic",
        "title": "Notes from a field visit",
        "published": "2019-11-05",
        "symbols": (),
        "kind": None,
        "source_url": None,
        "first": "The team visited four schools and two clinics during the week.",
        "absent": ("Home", "About", "Links"),
    },
}


def test_every_fixture_page_has_expectations() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(MODELLED)


@pytest.mark.parametrize("name", sorted(MODELLED))
def test_modelled_layout_reads_its_fixture(name: str) -> None:
    expected = MODELLED[name]
    document = read_html(FIXTURES / name)
    assert document.extra["layout"] == expected["layout"]
    assert document.title == expected["title"]
    assert document.published == expected["published"]
    assert document.page_symbols == expected["symbols"]
    assert document.page_kind == expected["kind"]
    assert document.source_url == expected["source_url"]
    assert document.text.split("\n\n")[0] == expected["first"]
    for phrase in expected["absent"]:
        assert phrase not in document.text, phrase
    if "place" in expected:
        assert document.extra["place"] == expected["place"]
    assert document.extra["encoding"] == expected.get("encoding", "utf-8")


def test_old_page_text_keeps_its_typography() -> None:
    text = read_html(FIXTURES / "un_news_press_2003.htm").text
    assert "“learning never stops” — and" in text


def test_generic_body_keeps_line_breaks_lists_and_pre() -> None:
    paragraphs = read_html(FIXTURES / "generic_article.html").text.split("\n\n")
    assert (
        paragraphs[1] == "Librarians say evening visits have doubled.\nVolunteers teach the basics."
    )
    assert paragraphs[2:4] == ["Opening hours were extended.", "A reading club meets on Fridays."]
    assert paragraphs[4] == "Hours:\nMon-Fri 9-19"


# -- body text rules ----------------------------------------------------------------------


def _blocks(markup: str) -> list[str]:
    soup = BeautifulSoup(markup, "lxml")
    assert soup.body is not None
    return block_texts([soup.body])


def test_one_paragraph_per_block_and_breaks() -> None:
    assert _blocks("<p>a  <b>bold</b>\n text</p><div>b<p>c</p>d</div>") == [
        "a bold text",
        "b",
        "c",
        "d",
    ]
    assert _blocks("<p>one<br>two</p>") == ["one\ntwo"]
    assert _blocks("<p>one<br><br>two</p>") == ["one", "two"]
    assert _blocks("<p>&nbsp;</p><p>x&nbsp;&nbsp;y</p>") == ["x  y"]
    assert _blocks("<table><tr><td>cell 1</td><td>cell 2</td></tr></table>") == [
        "cell 1",
        "cell 2",
    ]


def test_scripts_hidden_and_chrome_are_not_text() -> None:
    markup = (
        "<p>kept</p><script>var x = 1;</script><style>p{}</style><nav>menu</nav>"
        "<p hidden>hidden</p><p aria-hidden='true'>aria</p><p style='display: none'>none</p>"
        "<span class='disclaimer'>For information media.</span><!-- a comment -->"
    )
    assert _blocks(markup) == ["kept"]


def test_a_page_without_body_text_is_an_error() -> None:
    with pytest.raises(SourceError) as raised:
        parse_html(
            b"<html><head><title>t</title></head><body> </body></html>", origin="e.html", doc_id="e"
        )
    assert raised.value.origin == "e.html"
    assert "no body text" in raised.value.message


def test_http_charset_is_used_for_the_page() -> None:
    data = "<p>“quoted” café</p>".encode("cp1252")
    document = parse_html(data, origin="x", doc_id="x", declared_encoding="windows-1252")
    assert document.text == "“quoted” café"


def test_relative_canonical_link_is_resolved_against_the_address() -> None:
    data = b"<link rel=canonical href='/en/2020/sgsm1.doc.htm'><p>Text.</p>"
    document = parse_html(
        data, origin="x", doc_id="x", url="https://press.un.org/en/2020/sgsm1.doc.htm?x=1"
    )
    assert document.source_url == "https://press.un.org/en/2020/sgsm1.doc.htm"


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("SG/SM/9852-OBV/480", ["SG/SM/9852", "OBV/480"]),
        ("SG/SM/15029-OBV/1219-PI/2059", ["SG/SM/15029", "OBV/1219", "PI/2059"]),
        ("GA/11741\nUNIS/SGSM/1235", ["GA/11741", "UNIS/SGSM/1235"]),
        ("SG/SM/1234/Rev.1", ["SG/SM/1234/Rev.1"]),
        ("AM/PM, Press Release", []),
    ],
)
def test_split_symbols(text: str, symbols: list[str]) -> None:
    assert split_symbols(text) == symbols


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("8 October 2023", "2023-10-08"),
        ("October 8, 2023", "2023-10-08"),
        ("8 Oct. 2023", "2023-10-08"),
        ("3/5/2005", "2005-05-03"),
        ("2023-10-08T12:00:00Z", "2023-10-08"),
        ("30 February 2023", None),
        ("Thursday", None),
    ],
)
def test_page_dates(text: str, iso: str | None) -> None:
    assert page_date(text) == iso


# -- no page crashes the reader ---------------------------------------------------------

_TAGS = st.sampled_from(
    [
        "p", "div", "br", "h1", "script", "aside", "pre", "table", "td", "li", "main",
        "article", "span", "time datetime='2020-01-01'", "div class='field--name-field-symbol'",
        "div class='field--name-body'", "link rel='canonical' href='https://press.un.org/a'",
        "link rel=canonical href='http://[::1'", "meta property='og:url' content='//x'",
        "meta name=date content='2020-13-45'", "div class='ms-rtestate-field'",
        "script>window.dataLayer.push({\"symbol\": {\"value\": [1, \"A/1\"]}})</script",
        "script type='application/ld+json'>{\"datePublished\": [1]}</script",
        "h1>x</h1><p>Department of Public Information</p",
    ]
)  # fmt: skip
_PIECES = st.one_of(
    _TAGS.map(lambda tag: f"<{tag}>"),
    _TAGS.map(lambda tag: f"</{tag.split()[0]}>"),
    st.text(max_size=20),
)
_ADDRESSES = st.sampled_from(
    [
        None,
        "https://press.un.org/en/2020/sgsm1.doc.htm",
        "https://www.un.org/sg/en/content/sg/statement/2020-01-01/x",
        "https://unis.unvienna.org/unis/en/pressrels/2020/unissgsm1.html",
        "https://www.itu.int/en/osg/speeches/Pages/2020-01-01.aspx",
        "http://www.un.org/News/Press/docs/2003/sgsm1.doc.htm",
        "http://[::1",
    ]
)


@given(st.lists(_PIECES, max_size=40).map("".join), _ADDRESSES)
def test_arbitrary_html_never_crashes_the_reader(markup: str, url: str | None) -> None:
    try:
        document = parse_html(markup.encode("utf-8"), origin="fuzz.html", doc_id="f", url=url)
    except SourceError as error:
        assert error.origin == "fuzz.html"
        return
    assert document.text.strip()
    assert "\u00a0" not in document.text and "\r" not in document.text


@given(st.binary(max_size=1024))
def test_arbitrary_bytes_never_crash_the_html_reader(data: bytes) -> None:
    try:
        parse_html(data, origin="fuzz.html", doc_id="f")
    except SourceError as error:
        assert error.origin == "fuzz.html"
