"""Row counters against Oxigraph's real serialisers: random values, random chunk boundaries."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ungraph.formats import RESULT_FORMATS
from ungraph.web.counting import row_counter

# Values with everything that could fool a counter: quotes, backslashes, braces, brackets,
# commas, line breaks, tags, and text that looks like serialised structure.
TRICKY = st.sampled_from(
    ['"', "\\", "{", "}", "[", "]", ",", "\n", "\r\n", "\t", "<result>", '"},{"', '\\"', "é", ":"]
)
VALUE = st.lists(st.one_of(TRICKY, st.text(max_size=5)), max_size=6).map("".join)
TERM = st.one_of(
    VALUE.map(ox.Literal),
    VALUE.map(lambda v: ox.Literal(v, language="en")),
    st.integers(0, 10**6).map(lambda n: ox.NamedNode(f"http://e/{n}")),
    st.just(None),
)
ROWS = st.lists(st.lists(TERM, min_size=2, max_size=2), max_size=25)


def _results_format(fmt: str) -> ox.QueryResultsFormat:
    engine = {f.name: f for f in RESULT_FORMATS}[fmt].oxigraph
    assert isinstance(engine, ox.QueryResultsFormat)
    return engine


def _serialised(rows: list[list[ox.Literal | ox.NamedNode | None]], fmt: str) -> bytes:
    store = ox.Store()
    values = " ".join(
        "(" + " ".join("UNDEF" if t is None else str(t) for t in row) + ")" for row in rows
    )
    answer = store.query(f"SELECT ?a ?b WHERE {{ VALUES (?a ?b) {{ {values} }} }}")
    assert isinstance(answer, ox.QuerySolutions)
    output = io.BytesIO()
    answer.serialize(output, _results_format(fmt))
    return output.getvalue()


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, start = [], 0
    for point in [*points, len(data)]:
        pieces.append(data[start:point])
        start = point
    return pieces


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@settings(max_examples=150, deadline=None)
@given(rows=ROWS, cuts=st.lists(st.integers(0, 10**6), max_size=12))
def test_counter_counts_every_row(
    fmt: str, rows: list[list[ox.Literal | ox.NamedNode | None]], cuts: list[int]
) -> None:
    data = _serialised(rows, fmt)
    counter = row_counter(fmt)
    seen = [counter.feed(piece) for piece in _chunks(data, cuts)]
    assert counter.rows == len(rows)
    assert seen == sorted(seen)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_rows_without_bindings_count(fmt: str) -> None:
    store = ox.Store()
    answer = store.query("SELECT * WHERE { VALUES ?x { 1 2 3 } FILTER(true) }")
    assert isinstance(answer, ox.QuerySolutions)
    output = io.BytesIO()
    answer.serialize(output, _results_format(fmt))
    counter = row_counter(fmt)
    for byte in output.getvalue():
        counter.feed(bytes([byte]))
    assert counter.rows == 3
