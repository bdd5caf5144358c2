"""Prepared queries of the web pages: ``web/queries/*.rq`` files with ``$name`` parameters bound
safely, sent to the store's own engine."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from ungraph.store import AskResult, GraphResult, GraphStore, QueryResult, SelectResult, StoreError

QUERY_DIR = Path(__file__).resolve().parent / "queries"

# Characters SPARQL's IRIREF production excludes (SPARQL 1.1, section 19.8, rule 139).
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\b")


class ParameterError(ValueError):
    """A value that cannot be written into a query (an IRI with forbidden characters)."""


@cache
def query_text(name: str) -> str:
    """The text of ``web/queries/{name}.rq`` (read once per process).

    >>> "SELECT" in query_text("document-evidence")
    True
    """
    path = QUERY_DIR / f"{name}.rq"
    if not path.is_file():
        raise FileNotFoundError(f"web query {path} is missing")
    return path.read_text("utf-8")


def query_paths() -> list[Path]:
    """Every query the pages run, sorted by name."""
    return sorted(QUERY_DIR.glob("*.rq"))


def sparql_term(value: str | int | Node) -> str:
    """A value as a SPARQL term: an IRI checked against the IRIREF production, a literal escaped.

    >>> sparql_term(URIRef("https://w3id.org/ungraph/id/person/ban-ki-moon"))
    '<https://w3id.org/ungraph/id/person/ban-ki-moon>'
    >>> sparql_term('say "hi"\\n')
    '"say \\\\"hi\\\\"\\\\n"'
    >>> sparql_term(20)
    '20'
    >>> sparql_term(URIRef("http://e.org/a>b"))
    Traceback (most recent call last):
    ...
    ungraph.web.prepared.ParameterError: not an IRI SPARQL can hold: 'http://e.org/a>b'
    """
    if isinstance(value, URIRef):
        if _IRI_FORBIDDEN.search(str(value)):
            raise ParameterError(f"not an IRI SPARQL can hold: {str(value)!r}")
        return f"<{value}>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Literal):
        return value.n3()
    text = str(value)
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def bind(text: str, values: Mapping[str, str | int | Node]) -> str:
    """Replace each ``$name`` variable of a query with its value as a SPARQL term.

    ``$name`` is SPARQL's other spelling of ``?name``, so every file is a valid query on its own
    (and the tests run it unbound); a parameter the caller does not give stays a variable.

    >>> bind("SELECT ?p WHERE { $this ?p $this2 }", {"this": URIRef("http://e.org/x")})
    'SELECT ?p WHERE { <http://e.org/x> ?p $this2 }'
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return sparql_term(values[name]) if name in values else match.group(0)

    return _PARAMETER.sub(replace, text)


def run(
    store: GraphStore,
    name: str,
    *,
    limit: int | None = None,
    offset: int | None = None,
    **values: str | int | Node,
) -> QueryResult:
    """Run ``web/queries/{name}.rq`` with its parameters bound, paged by ``limit``/``offset``
    (appended as solution modifiers: the files end with their ORDER BY)."""
    text = bind(query_text(name), values)
    if limit is not None:
        text += f"\nLIMIT {int(limit)}"
    if offset:
        text += f"\nOFFSET {int(offset)}"
    return store.query(text)


def select(
    store: GraphStore,
    name: str,
    *,
    limit: int | None = None,
    offset: int | None = None,
    **values: str | int | Node,
) -> list[dict[str, Any]]:
    """The rows of a SELECT query as dicts of rdflib terms (unbound variables are absent)."""
    result = run(store, name, limit=limit, offset=offset, **values)
    if not isinstance(result, SelectResult):
        raise StoreError(f"web query {name}.rq is not a SELECT query")
    names = result.variables
    return [{k: v for k, v in zip(names, row, strict=True) if v is not None} for row in result]


def ask(store: GraphStore, name: str, **values: str | int | Node) -> bool:
    """The answer of an ASK query."""
    result = store.query(bind(query_text(name), values))
    if not isinstance(result, AskResult):
        raise StoreError(f"web query {name}.rq is not an ASK query")
    return bool(result.value)


def construct(store: GraphStore, name: str, **values: str | int | Node) -> GraphResult:
    """The result of a CONSTRUCT query (serialise it with ``result.serialize(fmt)``)."""
    result = store.query(bind(query_text(name), values))
    if not isinstance(result, GraphResult):
        raise StoreError(f"web query {name}.rq is not a CONSTRUCT query")
    return result


LabelSpec = tuple[str, str, tuple[URIRef, ...], bool]
"""``(label_key, node_key, predicates, english)``: the row's ``label_key`` is a label of the
resource in ``node_key`` by one of ``predicates`` (in order of preference), only English or
untagged ones when ``english``."""


def labelled(
    store: GraphStore, rows: list[dict[str, Any]], specs: tuple[LabelSpec, ...]
) -> list[dict[str, Any]]:
    """``rows`` with the labels ``specs`` name added, read in one query, once per resource.

    Labels are not joined into the page queries themselves: each document graph repeats the
    labels of the registry resources it links to, and the union of all graphs keeps every copy,
    so a label joined per row multiplied the rows by the number of documents naming the
    resource (6,528 rows for a document's 66 evidence passages on 1,000 documents; two seconds
    a page). One English or untagged label is chosen per resource: the first predicate of the
    spec that has one, English before untagged, then the smallest text.
    """
    resources = {row[node_key] for row in rows for _, node_key, _, _ in specs if node_key in row}
    iris = sorted((r for r in resources if isinstance(r, URIRef)), key=str)
    predicates = sorted({p for _, _, preds, _ in specs for p in preds}, key=str)
    if not iris:
        return rows
    found: dict[tuple[str, str], list[Literal]] = {}
    # In chunks: one VALUES block per query stays small whatever the page.
    # VALUES for the resources and one UNION branch per predicate: a second VALUES block for
    # the predicates made Oxigraph scan every label (25 times slower on 1,000 documents).
    branches = " UNION ".join(
        f"{{ ?resource {sparql_term(p)} ?label BIND({sparql_term(p)} AS ?predicate) }}"
        for p in predicates
    )
    for start in range(0, len(iris), 500):
        chunk = " ".join(sparql_term(iri) for iri in iris[start : start + 500])
        text = (
            "SELECT DISTINCT ?resource ?predicate ?label WHERE { "
            f"VALUES ?resource {{ {chunk} }} {branches} FILTER(isLiteral(?label)) }}"
        )
        result = store.query(text)
        if not isinstance(result, SelectResult):
            raise StoreError("the label query is not a SELECT query")
        for resource, predicate, label in result:
            if isinstance(label, Literal):
                found.setdefault((str(resource), str(predicate)), []).append(label)
    chosen: dict[tuple[str, int], Literal | None] = {}
    for number, (_, _, preds, english) in enumerate(specs):
        for iri in iris:
            chosen[(str(iri), number)] = _pick(
                [found.get((str(iri), str(p)), []) for p in preds], english=english
            )
    out = []
    for row in rows:
        row = dict(row)
        for number, (label_key, node_key, _, _) in enumerate(specs):
            node = row.get(node_key)
            label = chosen.get((str(node), number)) if isinstance(node, URIRef) else None
            if label is not None:
                row[label_key] = label
        out.append(row)
    return out


def _pick(candidates: list[list[Literal]], *, english: bool) -> Literal | None:
    """The label to show: by predicate preference, English before untagged, smallest text.

    >>> _pick([[], [Literal("b"), Literal("a", lang="en"), Literal("x", lang="fr")]], english=True)
    rdflib.term.Literal('a', lang='en')
    >>> _pick([[Literal("z", lang="fr")]], english=True) is None
    True
    >>> _pick([[Literal("z", lang="fr")]], english=False)
    rdflib.term.Literal('z', lang='fr')
    """
    for labels in candidates:
        usable = [label for label in labels if not english or _rank(label) < 2]
        if usable:
            return min(usable, key=lambda label: (_rank(label), str(label)))
    return None


def _rank(label: Literal) -> int:
    """0 for English (LANGMATCHES "en"), 1 untagged, 2 any other language."""
    language = (label.language or "").lower()
    if language == "en" or language.startswith("en-"):
        return 0
    return 1 if not language else 2
