"""Terminal tables of query results and store statistics (rich)."""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node
from rich.table import Table

from ungraph.evaluate import Evaluation
from ungraph.stats import Stats, compact
from ungraph.store.base import AskResult, GraphResult, QueryResult, SelectResult


def term_text(term: Node | None) -> str:
    """A short, readable rendering of a term: prefixed names, quoted literals, ``_:`` blanks.

    >>> term_text(URIRef("https://w3id.org/ungraph/ontology#Document"))
    'ung:Document'
    >>> term_text(Literal("hello", lang="en"))
    '"hello"@en'
    >>> term_text(Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")))
    '3'
    >>> term_text(None)
    ''
    """
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return compact(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.language:
            return f'"{term}"@{term.language}'
        if term.datatype is None:
            return f'"{term}"'
        short = compact(str(term.datatype))
        if short in ("xsd:integer", "xsd:decimal", "xsd:boolean", "xsd:double"):
            return str(term)
        return f'"{term}"^^{short}'
    return str(term)


def result_table(result: QueryResult, *, limit: int | None = None) -> Table:
    """A table of a query result: one column per variable (SELECT), ``s p o`` (CONSTRUCT),
    or one cell (ASK). ``limit`` caps the rows shown; the caption says how many there were."""
    if isinstance(result, AskResult):
        table = Table("answer")
        table.add_row("true" if result.value else "false")
        return table
    if isinstance(result, SelectResult):
        table = Table(*result.variables) if result.variables else Table("(no variables)")
        rows = iter(result)
    elif isinstance(result, GraphResult):
        table = Table("subject", "predicate", "object")
        rows = iter(result)
    else:  # pragma: no cover - the three kinds are exhaustive
        raise TypeError(f"unknown result {result!r}")
    shown = total = 0
    for row in rows:
        total += 1
        if limit is None or shown < limit:
            table.add_row(*(term_text(t) for t in row))
            shown += 1
    table.caption = f"{total} row{'s' if total != 1 else ''}" + (
        f", {shown} shown" if shown < total else ""
    )
    return table


def stats_table(stats: Stats) -> Table:
    """The store's counts as a two-column table."""
    table = Table("what", "count", title=f"store {stats.version or ''}".strip())
    for kind, count in stats.entities.items():
        table.add_row(kind, str(count))
    for link, count in stats.links.items():
        table.add_row(f"links {link}", str(count))
    table.add_row("triples", str(stats.triples))
    table.add_row("named graphs", str(stats.graphs))
    return table


def evaluation_table(evaluation: Evaluation) -> Table:
    """Per-field precision/recall/F1 (or accuracy) with the counts behind them."""
    table = Table(
        "field", "accuracy", "precision", "recall", "F1", "counts",
        title=f"extraction vs gold ({len(evaluation.documents)} documents)",
    )  # fmt: skip
    for row in evaluation.table():
        table.add_row(*row)
    return table


def worst_documents(evaluation: Evaluation, count: int = 3) -> list[str]:
    """One line per field that is not perfect: its worst documents and their scores."""
    lines = []
    for name, result in evaluation.fields.items():
        worst = result.worst(count)
        if worst:
            lines.append(f"{name}: " + ", ".join(f"{doc} ({score:.2f})" for doc, score in worst))
    return lines
