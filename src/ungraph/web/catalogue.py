"""The query catalogue (``queries/*.rq``): each query's name, its grlc-style ``#+`` header
(summary, description, tags, params, ...), its text, and its parameters bound safely.

A parameter is a variable named grlc's way, ``?_{name}_{type}`` (``?_target_iri``,
``?_year_integer``), declared in the header with its default::

    #+ params:
    #+   - target_iri: http://metadata.un.org/sdg/9.c
    #+   - year_integer:

The file as written leaves every parameter free (any value), so it runs alone in the editor; the
catalogue writes the given value, else the default, as a typed SPARQL term in place of the
variable (an empty default, or an empty value, leaves it free). Values are never spliced as text:
an IRI must be absolute and one SPARQL's ``IRIREF`` can hold, an integer digits, a date a real
date; strings become escaped literals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from rdflib import URIRef
from rdflib.namespace import XSD

from ungraph.resources import query_paths
from ungraph.web.lexer import Token, tokens
from ungraph.web.prepared import ParameterError, sparql_term

_HEADER = re.compile(r"^#\+ ?(.*)$")
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_ITEM = re.compile(r"^\s+-\s*(.*)$")


class HeaderError(ValueError):
    """A ``#+`` header line that is neither ``key: value`` nor a ``- item`` of a list."""


def parse_header(text: str, origin: str = "<query>") -> dict[str, Any]:
    """The grlc-style header of a query: ``#+ key: value`` lines, and lists written as
    ``#+ key:`` followed by ``#+   - item`` lines. Values keep their text (no YAML typing).

    >>> parse_header('''#+ summary: Calls to action by SDG target
    ... #+ tags:
    ... #+   - sdg
    ... #+   - calls
    ... # an ordinary comment
    ... SELECT * WHERE { ?s ?p ?o }''')
    {'summary': 'Calls to action by SDG target', 'tags': ['sdg', 'calls']}
    >>> parse_header("#+ nonsense")
    Traceback (most recent call last):
    ...
    ungraph.web.catalogue.HeaderError: <query>:1: '#+ nonsense' is neither 'key: value' nor '- item'
    """
    header: dict[str, Any] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER.match(line)
        if match is None:
            continue
        body = match.group(1)
        item = _ITEM.match(body)
        if item is not None and current is not None:
            value = header.get(current)
            if not isinstance(value, list):
                value = [] if not value else [value]
                header[current] = value
            value.append(_unquote(item.group(1)))
            continue
        key = _KEY.match(body.strip())
        if key is None:
            if not body.strip():
                continue
            raise HeaderError(
                f"{origin}:{number}: {line.strip()!r} is neither 'key: value' nor '- item'"
            )
        current = key.group(1)
        header[current] = _unquote(key.group(2).strip())
    return header


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


PARAMETER_TYPES = ("iri", "integer", "string", "date", "boolean")
"""The types a parameter may have: the last part of its variable's name (grlc's convention)."""

FEDERATED_TAG = "federated"
"""The tag of queries that call another endpoint (``SERVICE``): shown, never run here."""

_PARAM_ITEM = re.compile(
    r"^([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*?)_(" + "|".join(PARAMETER_TYPES) + r")\s*:\s*(.*)$"
)
_PARAM_VARIABLE = re.compile(
    r"^[?$]_([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*?)_(" + "|".join(PARAMETER_TYPES) + r")$"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,18}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MAX_STRING = 1000
"""Longest string parameter accepted, in characters."""


class ParameterValueError(ValueError):
    """A parameter value that cannot be written into its query; the message names the parameter."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"parameter {name!r}: {message}")
        self.name = name


@dataclass(frozen=True)
class Parameter:
    """One parameter of a catalogue query: ``?_{name}_{type}`` in the text."""

    name: str
    type: str
    default: str = ""

    @property
    def variable(self) -> str:
        """The variable's name without ``?``: ``_target_iri``."""
        return f"_{self.name}_{self.type}"

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type, "default": self.default}


def parameter_term(parameter: Parameter, value: str, base: str | None = None) -> str:
    r"""``value`` written as the SPARQL term of ``parameter``'s type.

    An IRI must be absolute (a relative one is resolved against ``base`` when given: header
    defaults such as ``id/group/women-and-girls`` name the data's own resources whatever its
    base IRI); integers are digits, dates ``YYYY-MM-DD``, booleans ``true``/``false``.

    >>> parameter_term(Parameter("year", "integer"), " 2015 ")
    '"2015"^^<http://www.w3.org/2001/XMLSchema#integer>'
    >>> parameter_term(Parameter("group", "iri"), "id/group/girls", "https://w3id.org/ungraph/")
    '<https://w3id.org/ungraph/id/group/girls>'
    >>> parameter_term(Parameter("symbol", "string"), 'SG/SM/1" } DROP ALL #')
    '"SG/SM/1\\" } DROP ALL #"'
    >>> parameter_term(Parameter("target", "iri"), "http://e.org/a> ?s ?p ?o . <x:y")
    Traceback (most recent call last):
    ...
    ungraph.web.catalogue.ParameterValueError: parameter 'target': not an IRI SPARQL can hold: 'http://e.org/a> ?s ?p ?o . <x:y'
    >>> parameter_term(Parameter("year", "integer"), "2015 UNION")
    Traceback (most recent call last):
    ...
    ungraph.web.catalogue.ParameterValueError: parameter 'year': '2015 UNION' is not an integer
    """
    text = value.strip()
    kind = parameter.type
    if kind == "iri":
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        if not _SCHEME.match(text):
            if base is None:
                raise ParameterValueError(
                    parameter.name,
                    f"{text!r} is not an absolute IRI (it needs a scheme, e.g. https:)",
                )
            text = urljoin(base, text)
        try:
            return sparql_term(URIRef(text))
        except ParameterError as error:
            raise ParameterValueError(parameter.name, str(error)) from None
    if kind == "integer":
        if not _INTEGER.match(text):
            raise ParameterValueError(parameter.name, f"{value!r} is not an integer")
        return f'"{int(text)}"^^<{XSD.integer}>'
    if kind == "date":
        try:
            if not _DATE.match(text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            raise ParameterValueError(
                parameter.name, f"{value!r} is not a date (YYYY-MM-DD)"
            ) from None
        return f'"{day.isoformat()}"^^<{XSD.date}>'
    if kind == "boolean":
        lowered = text.lower()
        if lowered not in ("true", "false", "1", "0"):
            raise ParameterValueError(parameter.name, f"{value!r} is not true or false")
        return "true" if lowered in ("true", "1") else "false"
    if len(value) > MAX_STRING:
        raise ParameterValueError(parameter.name, f"longer than {MAX_STRING} characters")
    return sparql_term(value)


def _offsets(text: str) -> list[int]:
    """The offset at which each line of ``text`` starts (index 0 is line 1)."""
    starts = [0]
    for match in re.finditer("\n", text):
        starts.append(match.end())
    return starts


def parameter_variables(text: str) -> list[Token]:
    """The variable tokens of ``text`` that are named like parameters (``?_name_type``); those
    in comments, strings and IRIs are not variables and are not returned."""
    return [t for t in tokens(text) if t.kind == "var" and _PARAM_VARIABLE.match(t.text)]


def bind_parameters(
    query: CatalogueQuery, values: Mapping[str, str] | None = None, base: str | None = None
) -> str:
    """The text of ``query`` with each parameter written as a SPARQL term: the value given in
    ``values`` (by parameter name), else the header's default; an empty value or default
    leaves the variable free. ``base`` resolves relative IRIs of the header's defaults.

    Raises :class:`ParameterValueError` for a value its type refuses or a name the query does
    not take. Only variable tokens change: the same spelling in a comment, a string or an IRI
    is left alone.
    """
    given = dict(values or {})
    known = {p.name: p for p in query.parameters}
    unknown = sorted(set(given) - set(known))
    if unknown:
        takes = ", ".join(known) or "none"
        raise ParameterValueError(
            unknown[0], f"{query.name} takes no such parameter (it takes: {takes})"
        )
    terms: dict[str, str] = {}
    for parameter in query.parameters:
        if parameter.name in given:
            value, relative_base = given[parameter.name], None
        else:
            value, relative_base = parameter.default, base
        if value.strip():
            terms[parameter.variable] = parameter_term(parameter, value, relative_base)
    if not terms:
        return query.text
    starts = _offsets(query.text)
    pieces: list[str] = []
    cursor = 0
    for token in parameter_variables(query.text):
        term = terms.get(token.text[1:])
        if term is None:
            continue
        offset = starts[token.line - 1] + token.column - 1
        pieces.append(query.text[cursor:offset])
        pieces.append(term)
        cursor = offset + len(token.text)
    pieces.append(query.text[cursor:])
    return "".join(pieces)


@dataclass(frozen=True)
class CatalogueQuery:
    """One catalogue query."""

    name: str
    summary: str
    text: str
    header: dict[str, Any] = field(default_factory=dict)
    parameters: tuple[Parameter, ...] = ()

    @property
    def tags(self) -> tuple[str, ...]:
        found = self.header.get("tags") or ()
        return (found,) if isinstance(found, str) else tuple(found)

    @property
    def description(self) -> str:
        return str(self.header.get("description") or "")

    @property
    def federated(self) -> bool:
        """Whether the query calls another endpoint (tag ``federated``): this server never does."""
        return FEDERATED_TAG in self.tags

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "summary": self.summary, "query": self.text}


def _parameters(header: dict[str, Any], text: str, origin: str) -> tuple[Parameter, ...]:
    declared = header.get("params") or []
    if isinstance(declared, str):
        declared = [declared]
    parameters: list[Parameter] = []
    for item in declared:
        match = _PARAM_ITEM.match(item.strip())
        if match is None:
            raise HeaderError(
                f"{origin}: '#+ params:' item {item!r} is not 'name_type: default' with a type "
                f"among {', '.join(PARAMETER_TYPES)}"
            )
        name, kind, default = match.group(1), match.group(2), _unquote(match.group(3).strip())
        if any(p.name == name for p in parameters):
            raise HeaderError(f"{origin}: parameter {name!r} is declared twice")
        parameters.append(Parameter(name, kind, default))
    used = {t.text[1:] for t in parameter_variables(text)}
    variables = {p.variable for p in parameters}
    for missing in sorted(used - variables):
        raise HeaderError(
            f"{origin}: variable ?{missing} is named like a parameter but not declared in '#+ params:'"
        )
    for unused in sorted(variables - used):
        raise HeaderError(
            f"{origin}: parameter ?{unused} is declared in '#+ params:' but the query does not use it"
        )
    for parameter in parameters:
        if parameter.default.strip():
            try:
                parameter_term(parameter, parameter.default, "https://w3id.org/ungraph/")
            except ParameterValueError as error:
                raise HeaderError(f"{origin}: the default of {error}") from None
    return tuple(parameters)


def read_query(path: Path) -> CatalogueQuery:
    """One ``.rq`` file of the catalogue; its summary (or, lacking one, its name) titles it.
    A ``#+ params:`` header that disagrees with the query's variables is a :class:`HeaderError`."""
    text = path.read_text("utf-8")
    header = parse_header(text, str(path))
    summary = str(header.get("summary") or path.stem.replace("-", " "))
    return CatalogueQuery(path.stem, summary, text, header, _parameters(header, text, str(path)))


def catalogue() -> list[CatalogueQuery]:
    """Every query of ``queries/`` (the real files, through ``ungraph.resources``), by name."""
    return [read_query(path) for path in query_paths()]


def find(name: str) -> CatalogueQuery | None:
    """The catalogue query called ``name`` (its file's stem), or None."""
    for path in query_paths():
        if path.stem == name:
            return read_query(path)
    return None
