"""RDF namespaces: the ontology's own and the vocabularies it aligns to."""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD


class _Namespace(Namespace):
    """rdflib's ``Namespace``, each of whose terms is made once: ``UNG.Document`` is the same
    ``URIRef`` every time instead of a new one checked anew. The mapping names the same
    classes and properties thousands of times per document; identical terms also let every
    dictionary and set downstream (graph, validator, serialiser) skip comparing strings."""

    def __getattr__(self, name: str) -> URIRef:
        found = super().__getattr__(name)
        object.__setattr__(self, name, found)  # found by plain attribute lookup from now on
        return found


UNG = _Namespace("https://w3id.org/ungraph/ontology#")
ONTOLOGY_IRI = "https://w3id.org/ungraph/ontology"
SDG = _Namespace("http://metadata.un.org/sdg/")
SDGO = _Namespace("http://metadata.un.org/sdg/ontology#")
UNDO = _Namespace("https://w3id.org/un/ontology/undo/")
UNBIS = _Namespace("http://metadata.un.org/thesaurus/")
WD = _Namespace("http://www.wikidata.org/entity/")
OA = _Namespace("http://www.w3.org/ns/oa#")
SCHEMA = _Namespace("http://schema.org/")
# rdf:type, made once for the loops that test or write it for every triple.
RDF_TYPE = RDF.type

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
