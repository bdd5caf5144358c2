"""Catalogue queries on small hand-written datasets for cases the corpus build does not have:
shared resources described again in several document graphs (as the mapping writes them, and
as the store's union default graph then repeats them), and a speech act no known term covers.
"""

from __future__ import annotations

import pyoxigraph as ox

from ungraph.web.catalogue import bind_parameters, catalogue

BASE = "https://w3id.org/ungraph/"
PREFIXES = f"""
@prefix ung: <https://w3id.org/ungraph/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <{BASE}id/> .
"""


def _run(trig: str, name: str, **values: str) -> list[dict[str, str]]:
    store = ox.Store()
    store.load(input=(PREFIXES + trig).encode("utf-8"), format=ox.RdfFormat.TRIG)
    query = next(q for q in catalogue() if q.name == name)
    text = bind_parameters(query, values, BASE)
    solutions = store.query(text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [
        {n: t.value for n, t in zip(names, row, strict=True) if t is not None} for row in solutions
    ]


# Two documents, each graph describing the speaker again (types and label, as the mapping
# does); the registry holds one term of office, which covers only the first document's day.
TWO_DOCUMENTS = """
<https://w3id.org/ungraph/graph/registry> {
  id:person\\/p a ung:Person ; rdfs:label "P. Erson"@en .
  id:post\\/a a ung:Post ; rdfs:label "Post A"@en .
  id:post\\/b a ung:Post ; rdfs:label "Post B"@en .
  id:holding\\/1 ung:holder id:person\\/p ; ung:post id:post\\/a ;
      ung:startDate "2010-01-01"^^xsd:date ; ung:endDate "2012-12-31"^^xsd:date .
  id:holding\\/2 ung:holder id:person\\/x ; ung:post id:post\\/b ;
      ung:startDate "2000-01-01"^^xsd:date .
}
<https://w3id.org/ungraph/graph/document/d1> {
  id:document\\/d1 a ung:Document ; dct:date "2011-05-01"^^xsd:date .
  id:document\\/d1\\/speech\\/1 a ung:SpeechAct ; ung:speaker id:person\\/p ;
      ung:recordedIn id:document\\/d1 .
  id:person\\/p a ung:Person ; rdfs:label "P. Erson"@en .
}
<https://w3id.org/ungraph/graph/document/d2> {
  id:document\\/d2 a ung:Document ; dct:date "2019-05-01"^^xsd:date .
  id:document\\/d2\\/speech\\/1 a ung:SpeechAct ; ung:speaker id:person\\/p ;
      ung:recordedIn id:document\\/d2 .
  id:person\\/p a ung:Person ; rdfs:label "P. Erson"@en .
}
"""


def test_a_speech_act_no_term_covers_keeps_the_term_columns_empty() -> None:
    rows = _run(TWO_DOCUMENTS, "08-speakers-and-the-posts-they-held")
    by_document = {r["document"].rsplit("/", 1)[1]: r for r in rows}
    assert len(rows) == 2, "one row per speech act, however often the speaker is described"
    covered, uncovered = by_document["d1"], by_document["d2"]
    assert covered["post"] == BASE + "id/post/a" and covered["postLabel"] == "Post A"
    assert covered["speakerName"] == "P. Erson"
    # 2019 is after the only term: no post, no term (not every post of the registry).
    assert {"post", "postLabel", "termStart", "termEnd"}.isdisjoint(uncovered)
    assert uncovered["speakerName"] == "P. Erson"


def test_a_speaker_described_in_every_document_graph_is_counted_once_per_document() -> None:
    trig = TWO_DOCUMENTS.replace(
        "ung:recordedIn id:document\\/d2 .",
        "ung:recordedIn id:document\\/d2 ; ung:deliveredBy id:person\\/p .",
    )
    trig += """
<https://w3id.org/ungraph/graph/document/d3> {
  id:person\\/q a ung:Person ; rdfs:label "Q. Uestion"@en .
  id:document\\/d3 a ung:Document ; dct:date "2019-06-01"^^xsd:date .
  id:document\\/d3\\/speech\\/1 a ung:SpeechAct ; ung:speaker id:person\\/p ;
      ung:deliveredBy id:person\\/q ; ung:recordedIn id:document\\/d3 .
  id:person\\/p a ung:Person ; rdfs:label "P. Erson"@en .
}
"""
    rows = _run(trig, "18-deliverers-by-post")
    assert [(r["delivererName"], r["onBehalfOf"], r["documents"]) for r in rows] == [
        ("Q. Uestion", "P. Erson", "1")
    ]
