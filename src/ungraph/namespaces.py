"""RDF namespaces: the ontology's own and the vocabularies it aligns to."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD

UNG = Namespace("https://w3id.org/ungraph/ontology#")
ONTOLOGY_IRI = "https://w3id.org/ungraph/ontology"
SDG = Namespace("http://metadata.un.org/sdg/")
SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
UNDO = Namespace("https://w3id.org/un/ontology/undo/")
UNBIS = Namespace("http://metadata.un.org/thesaurus/")
WD = Namespace("http://www.wikidata.org/entity/")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("http://schema.org/")

_BOUND = {
    "ung": UNG,
    "sdg": SDG,
    "sdgo": SDGO,
    "undo": UNDO,
    "unbis": UNBIS,
    "wd": WD,
    "oa": OA,
    "schema": SCHEMA,
    "dct": DCTERMS,
    "foaf": FOAF,
    "org": ORG,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "xsd": XSD,
    "void": VOID,
    "dcat": DCAT,
    "sh": SH,
}
# One plain mapping prefix -> namespace IRI (rdflib mixes Namespace and DefinedNamespace types).
PREFIXES: dict[str, str] = {prefix: str(namespace) for prefix, namespace in _BOUND.items()}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind every ungraph prefix on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, Namespace(namespace), override=True, replace=True)
    return graph
