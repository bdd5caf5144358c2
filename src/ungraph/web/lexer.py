r"""Screening SPARQL text before it runs: its form, its dataset clauses, and what is refused.

The engine parses and runs queries in a worker process; this module only *tokenises* the text
(SPARQL 1.1's lexical rules: comments, IRIs with ``\u`` escapes, the four kinds of strings,
prefixed names with ``\`` escapes, variables, blank nodes, language tags) so that the server can,
before anything runs:

- tell a query from an update (an update is refused: the endpoint is read-only);
- refuse ``SERVICE`` (Oxigraph would send an HTTP request for it) and ``LOAD``;
- read ``BASE``, ``PREFIX``, ``FROM`` and ``FROM NAMED``, so that the dataset a query asks for
  can be checked against the graphs of this store and passed to the engine explicitly.

Soundness: every character the engine reads as part of the query's structure, this lexer reads
as structure too. Where they could disagree, the lexer errs towards seeing *more* structure
(an ``<`` that does not open a valid IRI is an operator, an unknown character is a token of its
own), so a keyword can never hide from it inside what it wrongly took for an IRI, string or
comment. At worst a harmless query is refused (a language tag spelt ``@service`` is read as a
tag, so not even that).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_KEYWORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
)

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

_TOKEN = re.compile(
    r"""
    (?P<ws>[\x20\t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|"""
    + _UCHAR
    + r""")*>)
  | (?P<long>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''|\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\")
  | (?P<string>'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<var>[?$][0-9"""
    + _PN_CHARS_U
    + r"""][0-9"""
    + _PN_CHARS_U
    + r"""\u00b7\u0300-\u036f\u203f-\u2040]*)
  | (?P<bnode>_:[0-9"""
    + _PN_CHARS_U
    + r"""](?:["""
    + _PN_CHARS
    + r""".]*["""
    + _PN_CHARS
    + r"""])?)
  | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<pname>(?:"""
    + _PN_PREFIX
    + r""")?:(?:"""
    + _PN_LOCAL
    + r""")?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind (a group name of the lexer), text and 1-based position."""

    kind: str
    text: str
    line: int
    column: int


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text`` without white space and comments.

    >>> [(t.kind, t.text) for t in tokens('SELECT * { ?s <p#x> "}#" } # SERVICE')]
    [('word', 'SELECT'), ('other', '*'), ('other', '{'), ('var', '?s'), ('iri', '<p#x>'), ('string', '"}#"'), ('other', '}')]
    >>> [t.text for t in tokens(r"ex:a\\#b SERVICE")]
    ['ex:a\\\\#b', 'SERVICE']
    """
    line, line_start = 1, 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        start = match.start()
        if kind not in ("ws", "comment"):
            yield Token(kind, match.group(), line, start - line_start + 1)
        chunk = match.group()
        newlines = chunk.count("\n")
        if newlines:
            line += newlines
            line_start = start + chunk.rindex("\n") + 1


class ScreeningError(ValueError):
    """The text asks for something the endpoint refuses; ``status`` is the HTTP status to use."""

    def __init__(self, message: str, *, status: int = 400, token: Token | None = None) -> None:
        if token is not None:
            message = f"{message} (line {token.line}, column {token.column})"
        super().__init__(message)
        self.status = status


@dataclass
class Screened:
    """What the screening learnt of a query."""

    form: str
    """``select``, ``construct``, ``describe`` or ``ask``."""
    base: str
    """The base IRI in effect after the prologue (the endpoint's unless the query says BASE)."""
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named)


_UNESCAPE_UCHAR = re.compile(_UCHAR)
_UNESCAPE_LOCAL = re.compile(r"\\(.)")


def _iri_value(token: Token) -> str:
    r"""The IRI an IRIREF token stands for, ``\u`` escapes decoded.

    >>> _iri_value(Token("iri", r"<http://e/\u0067>", 1, 1))
    'http://e/g'
    """
    return _UNESCAPE_UCHAR.sub(lambda m: chr(int(m.group()[2:], 16)), token.text[1:-1])


def _resolve(iri: str, base: str) -> str:
    """``iri`` resolved against ``base`` (RFC 3986), unchanged when already absolute."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
        return iri
    return urljoin(base, iri)


def screen(text: str, base: str) -> Screened:
    """Check a query before it runs; raise :class:`ScreeningError` for what is refused.

    ``base`` is the endpoint's base IRI for relative IRIs (a ``BASE`` in the query wins).
    Syntax errors are left to the engine, which reports them with positions, except where
    the screening needs to understand the text (a ``FROM`` without an IRI after it).

    >>> s = screen("PREFIX g: <http://e/g/> SELECT * FROM g:one FROM NAMED <two> {}", "http://e/")
    >>> s.form, s.from_graphs, s.from_named
    ('select', ['http://e/g/one'], ['http://e/two'])
    >>> screen("CLEAR ALL", "http://e/")
    Traceback (most recent call last):
    ...
    ungraph.web.lexer.ScreeningError: this is a SPARQL Update (CLEAR), and this endpoint is read-only: it answers queries only (line 1, column 1)
    >>> screen("SELECT * { SERVICE <http://e/> { ?s ?p ?o } }", "http://e/")
    Traceback (most recent call last):
    ...
    ungraph.web.lexer.ScreeningError: SERVICE (federated query) is not allowed here: this endpoint never sends requests to other services (line 1, column 12)
    """
    found = list(tokens(text))
    prefixes: dict[str, str] = {}
    form: str | None = None
    first: Token | None = None
    i = 0
    # The prologue: BASE and PREFIX declarations, in any order, before the query form.
    while i < len(found):
        token = found[i]
        word = token.text.upper() if token.kind == "word" else ""
        if word == "BASE" and i + 1 < len(found) and found[i + 1].kind == "iri":
            base = _resolve(_iri_value(found[i + 1]), base)
            i += 2
            continue
        if (
            word == "PREFIX"
            and i + 2 < len(found)
            and found[i + 1].kind == "pname"
            and found[i + 1].text.endswith(":")
            and found[i + 2].kind == "iri"
        ):
            prefixes[found[i + 1].text[:-1]] = _resolve(_iri_value(found[i + 2]), base)
            i += 3
            continue
        first = token
        if word in QUERY_FORMS:
            form = word.lower()
        break
    for token in found:
        if token.kind != "word":
            continue
        word = token.text.upper()
        if word == "SERVICE":
            raise ScreeningError(
                "SERVICE (federated query) is not allowed here: this endpoint never sends "
                "requests to other services",
                token=token,
            )
        if word == "LOAD":
            raise ScreeningError(
                "LOAD is not allowed: this endpoint is read-only and never fetches data",
                token=token,
            )
    if first is not None and first.kind == "word" and first.text.upper() in UPDATE_KEYWORDS:
        raise ScreeningError(
            f"this is a SPARQL Update ({first.text.upper()}), and this endpoint is read-only: "
            "it answers queries only",
            token=first,
        )
    if form is None:
        # Not a query we recognise: the engine will say precisely what is wrong.
        return Screened(form="", base=base)
    screened = Screened(form=form, base=base)
    j = i + 1
    while j < len(found):
        token = found[j]
        if token.kind == "word" and token.text.upper() == "FROM":
            named = (
                j + 1 < len(found)
                and found[j + 1].kind == "word"
                and found[j + 1].text.upper() == "NAMED"
            )
            target_at = j + (2 if named else 1)
            if target_at >= len(found) or found[target_at].kind not in ("iri", "pname"):
                raise ScreeningError(
                    "FROM must be followed by an IRI of a graph of this store", token=token
                )
            target = found[target_at]
            iri = _graph_iri(target, prefixes, base)
            (screened.from_named if named else screened.from_graphs).append(iri)
            j = target_at + 1
            continue
        j += 1
    return screened


def _graph_iri(token: Token, prefixes: dict[str, str], base: str) -> str:
    if token.kind == "iri":
        return _resolve(_iri_value(token), base)
    prefix, _, local = token.text.partition(":")
    if prefix not in prefixes:
        raise ScreeningError(f"the prefix {prefix}: is not declared", token=token)
    return prefixes[prefix] + _UNESCAPE_LOCAL.sub(r"\1", local)
