"""Golden files: the graphs of six corpus documents, compared by isomorphism with snapshots under
``tests/golden/`` (``pytest --regen-golden`` rewrites them).

The snapshots hold no third-party text: every string the document's text (or its page title)
contains, from 12 characters up, is stored as ``@text[start:end]`` (or ``@title``) and read back
from the corpus file in ``../shared`` when comparing. The run (IRI, time, software version) is
fixed, so that snapshots change only when the mapping or the extraction does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeGuard

import pytest
from rdflib import XSD, Graph, Literal
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from ungraph.config import Settings
from ungraph.extract import extract_document
from ungraph.extract.knowledge import Knowledge
from ungraph.iris import Minter
from ungraph.mapping import Run, map_document
from ungraph.namespaces import bind_prefixes
from ungraph.sources import read_sources
from ungraph.sources.model import SourceDocument
from ungraph.validate import GraphValidator, TypeIndex, type_index
from ungraph.vocab import vocabulary_graphs

GOLDEN = Path(__file__).parent / "golden"
MINTER = Minter("https://w3id.org/ungraph/")
RUN = Run.create(
    MINTER, "golden", version="0.0.0-golden", started=datetime(2015, 12, 16, tzinfo=UTC)
)
MIN_QUOTED = 12
MARKER = re.compile(r"^@text\[(\d+):(\d+)\]$")

# name -> corpus file: the seed, a message delivered by someone else, a spokesperson's
# statement, a UNIS Vienna re-issue, an ITU page and a press.un.org HTML page.
DOCUMENTS = {
    "seed": "000_seed.txt",
    "delivered-by": "partial/P02_sgsm11272_igf_rio_2007_delivered_by_sha_zukang.txt",
    "spokesperson": "045_sgsm22776_spokesman_statement_ai_panel_global_dialogue_2025_body.txt",
    "unis": "025_unis_sgsm1235_wtisd_2022.txt",
    "itu": "015_itu_wtisd_2017_zhao_message.txt",
    "press-page": "html/press.un.org_dsgsm1874.html",
}


@pytest.fixture(scope="module")
def knowledge(settings: Settings) -> Knowledge:
    return Knowledge.load(settings)


@pytest.fixture(scope="module")
def types(settings: Settings) -> TypeIndex:
    graphs = vocabulary_graphs(settings, MINTER)
    return type_index(graphs[name] for name in ("sdg", "vocabulary", "registry"))


def source_of(corpus: Path, relative: str) -> SourceDocument:
    (source,) = read_sources([corpus / relative])
    assert isinstance(source, SourceDocument), source
    return source


def encode(graph: Graph, source: SourceDocument) -> Graph:
    """The graph with quoted text replaced by references into the source."""
    encoded = bind_prefixes(Graph())
    for s, p, o in graph:
        if _is_text(o):
            value = str(o)
            if source.title and value == source.title:
                o = Literal("@title", lang=o.language, datatype=o.datatype)
            elif len(value) >= MIN_QUOTED and (start := source.text.find(value)) >= 0:
                reference = f"@text[{start}:{start + len(value)}]"
                o = Literal(reference, lang=o.language, datatype=o.datatype)
        encoded.add((s, p, o))
    return encoded


def decode(graph: Graph, source: SourceDocument) -> Graph:
    """The graph with the references replaced by the source's text again."""
    decoded = Graph()
    for s, p, o in graph:
        if _is_text(o):
            value = str(o)
            if value == "@title" and source.title:
                o = Literal(source.title, lang=o.language, datatype=o.datatype)
            elif match := MARKER.match(value):
                text = source.text[int(match[1]) : int(match[2])]
                o = Literal(text, lang=o.language, datatype=o.datatype)
        decoded.add((s, p, o))
    return decoded


def _is_text(node: object) -> TypeGuard[Literal]:
    return isinstance(node, Literal) and node.datatype in (None, XSD.string)


def readable_diff(expected: Graph, actual: Graph, limit: int = 25) -> str:
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = []
    for title, graph in (("only in the golden file", only_expected), ("only now", only_actual)):
        triples = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph)
        lines.append(f"{title} ({len(triples)}):")
        lines.extend(f"  {t[:300]}" for t in triples[:limit])
    return "\n".join(lines)


def mapped_graph(name: str, corpus: Path, knowledge: Knowledge, types: TypeIndex) -> Graph:
    source = source_of(corpus, DOCUMENTS[name])
    extraction = extract_document(source, knowledge)
    result = map_document(
        extraction, MINTER, RUN, registry=knowledge.registry, known=types.__contains__
    )
    return result.graph


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_graph_matches_its_golden_file(
    name: str,
    corpus_dir: Path,
    knowledge: Knowledge,
    types: TypeIndex,
    regen_golden: bool,
) -> None:
    source = source_of(corpus_dir, DOCUMENTS[name])
    actual = encode(mapped_graph(name, corpus_dir, knowledge, types), source)
    path = GOLDEN / f"{name}.ttl"
    if regen_golden:
        header = (
            f"# Golden graph of {DOCUMENTS[name]} (../shared/corpus). Passages are stored as\n"
            "# @text[start:end] into that file and @title for its page title; regenerate with\n"
            "# pytest --regen-golden.\n"
        )
        path.write_text(header + actual.serialize(format="turtle"), "utf-8")
    expected = Graph().parse(path, format="turtle")
    assert isomorphic(expected, actual), f"{path.name} differs:\n{readable_diff(expected, actual)}"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_golden_graph_is_valid_and_holds_no_third_party_text(
    name: str, corpus_dir: Path, types: TypeIndex
) -> None:
    source = source_of(corpus_dir, DOCUMENTS[name])
    golden = Graph().parse(GOLDEN / f"{name}.ttl", format="turtle")
    for _s, _p, o in golden:
        if _is_text(o) and not MARKER.match(str(o)):
            assert len(str(o)) < MIN_QUOTED or str(o) not in source.text, str(o)
    # The snapshot decodes to a graph that passes the SHACL gate.
    validation = GraphValidator(types=types).validate(decode(golden, source), name)
    assert validation.conforms, "\n".join(r.describe() for r in validation.results)


def test_encoding_round_trips(corpus_dir: Path, knowledge: Knowledge, types: TypeIndex) -> None:
    source = source_of(corpus_dir, DOCUMENTS["seed"])
    graph = mapped_graph("seed", corpus_dir, knowledge, types)
    encoded = encode(graph, source)
    assert any(MARKER.match(str(o)) for o in encoded.objects())
    assert isomorphic(decode(encoded, source), graph)


def test_every_golden_file_belongs_to_a_document() -> None:
    assert {p.stem for p in GOLDEN.glob("*.ttl")} == set(DOCUMENTS)
