"""UN document symbols: finding them in header lines and deriving them from page addresses."""

from __future__ import annotations

import re

# A symbol is one to four upper-case series parts and a number, with optional revision parts:
# SG/SM/9852, OBV/480, UNIS/SGSM/1235, GA/11741, A/RES/70/125, E/2015/L.1/Rev.1.
# The look-behind allows a symbol glued to a word ("Secretary-GeneralSG/SM/15029", an artefact
# of old press-release layouts) but not one inside another symbol.
SYMBOL_RE = re.compile(
    r"(?<![A-Z0-9/])(?:[A-Z]{1,8}/){1,4}(?:L\.)?\d{1,6}(?:/\d{1,6})*"
    r"(?:/(?:Rev|Add|Corr)\.\d{1,3})*(?![0-9A-Za-z])"
)

# Symbol series of press releases (press.un.org "Meetings Coverage and Press Releases", UN
# Information Service Vienna).
PRESS_SERIES = frozenset(
    {
        "SG/SM",
        "SG/A",
        "SG/T",
        "SG/2",
        "DSG/SM",
        "GA",
        "GA/EF",
        "GA/SHC",
        "GA/SPD",
        "GA/L",
        "GA/AB",
        "GA/DIS",
        "GA/PAL",
        "GA/COL",
        "SC",
        "ECOSOC",
        "OBV",
        "PI",
        "HR",
        "DEV",
        "ENV/DEV",
        "POP",
        "SOC",
        "WOM",
        "IHA",
        "AFR",
        "ORG",
        "SAG",
        "NGO",
        "L",
        "UNIS/SGSM",
        "UNIS/INF",
        "UNIS/OS",
    }
)

# The basename of press page addresses: prefix letters + number (sgsm17419.doc.htm).
_ADDRESS_PREFIXES = {
    "sgsm": "SG/SM",
    "sga": "SG/A",
    "sgt": "SG/T",
    "dsgsm": "DSG/SM",
    "unissgsm": "UNIS/SGSM",
    "unisinf": "UNIS/INF",
    "ga": "GA",
    "gaef": "GA/EF",
    "gashc": "GA/SHC",
    "gaspd": "GA/SPD",
    "gal": "GA/L",
    "gaab": "GA/AB",
    "gadis": "GA/DIS",
    "gapal": "GA/PAL",
    "sc": "SC",
    "ecosoc": "ECOSOC",
    "obv": "OBV",
    "pi": "PI",
    "hr": "HR",
    "dev": "DEV",
    "envdev": "ENV/DEV",
    "pop": "POP",
    "soc": "SOC",
    "wom": "WOM",
    "iha": "IHA",
    "afr": "AFR",
    "org": "ORG",
    "sag": "SAG",
}
_ADDRESS_RE = re.compile(r"/(?P<prefix>[a-z]{2,10})(?P<number>\d{1,6})(?:\.doc)?\.html?$", re.I)
_PRESS_HOSTS = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:press\.un\.org|un\.org/(?:press|News/Press)|"
    r"unis\.unvienna\.org/unis/(?:[a-z]{2}/)?pressrels)",
    re.I,
)


def find_symbols(line: str) -> list[tuple[int, int, str]]:
    """Every symbol in a line, with offsets.

    >>> [s for _, _, s in find_symbols("SG/SM/9852-OBV/480")]
    ['SG/SM/9852', 'OBV/480']
    >>> [s for _, _, s in find_symbols("Secretary-GeneralSG/SM/15029")]
    ['SG/SM/15029']
    >>> find_symbols("ICTs for a Sustainable World #ICT4SDG")
    []
    """
    return [(m.start(), m.end(), m.group(0)) for m in SYMBOL_RE.finditer(line)]


def series_of(symbol: str) -> str:
    """The series part of a symbol.

    >>> series_of("SG/SM/9852"), series_of("UNIS/SGSM/1235"), series_of("GA/11741")
    ('SG/SM', 'UNIS/SGSM', 'GA')
    """
    parts = symbol.split("/")
    series = [p for p in parts if not re.match(r"^(?:L\.)?\d", p)]
    return "/".join(p for p in series if not re.match(r"^(?:Rev|Add|Corr)\.", p))


def is_press_symbol(symbol: str) -> bool:
    """True for the symbols of press releases (SG/SM, GA, OBV, UNIS/SGSM ...)."""
    return series_of(symbol) in PRESS_SERIES


def symbol_from_address(url: str | None) -> str | None:
    """The symbol a press page's address implies.

    >>> symbol_from_address("https://press.un.org/en/2024/sgsm22242.doc.htm")
    'SG/SM/22242'
    >>> symbol_from_address("https://unis.unvienna.org/unis/en/pressrels/2019/unissgsm932.html")
    'UNIS/SGSM/932'
    >>> symbol_from_address("https://www.un.org/sg/en/content/sg/statement/2017-12-18/x") is None
    True
    """
    if not url or not _PRESS_HOSTS.match(url.strip()):
        return None
    match = _ADDRESS_RE.search(url.strip())
    if not match:
        return None
    series = _ADDRESS_PREFIXES.get(match.group("prefix").lower())
    if series is None:
        return None
    return f"{series}/{int(match.group('number'))}"


def is_press_address(url: str | None) -> bool:
    """True for addresses of press-release pages (press.un.org, un.org/press, UNIS pressrels)."""
    return bool(url) and bool(_PRESS_HOSTS.match((url or "").strip()))
