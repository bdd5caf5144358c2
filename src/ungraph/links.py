"""The graph's links to the open-data web: which datasets it links to, which triples are links,
and the link dump (``links.nt.gz``) with the counts its VoID link sets state.

A triple is a *link* into an external dataset when its object is an IRI of that dataset and
its subject an IRI outside it (``sparql/links.rq`` says exactly which). The subject is one of
ungraph's own resources, or a resource of a dataset the store republishes: the SDG KOS's
goals carry the KOS's own ``skos:exactMatch`` to SDGIO and Wikidata, a link set whose
``void:subjectsTarget`` is the KOS.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from rdflib import URIRef

from ungraph.iris import SDG_BASE
from ungraph.namespaces import UNBIS, WD
from ungraph.resources import sparql_query
from ungraph.store.base import GraphStore, SelectResult, StoreError

SDG_KOS = URIRef(SDG_BASE.rstrip("/"))
LINKS_FILE = "links.nt.gz"
"""The link dump's file name in an export."""


@dataclass(frozen=True)
class ExternalDataset:
    """A dataset ungraph links to, for VoID link sets."""

    key: str
    title: str
    iri: URIRef
    uri_space: str
    also: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def holds(self, iri: str) -> bool:
        """Whether ``iri`` belongs to this dataset.

        >>> SDG.holds("http://metadata.un.org/sdg/9.c"), SDG.holds("http://metadata.un.org/sdg")
        (True, True)
        >>> SDG.holds("http://metadata.un.org/sdg/ontology#Goal")
        False
        """
        if iri in self.also:
            return True
        return iri.startswith(self.uri_space) and not iri.startswith(self.excluded)


WIKIDATA = ExternalDataset("wikidata", "Wikidata", URIRef("https://www.wikidata.org/"), str(WD))
SDG = ExternalDataset(
    "sdg-kos",
    "UN SDG Knowledge Organization System",
    SDG_KOS,
    SDG_BASE,
    also=(str(SDG_KOS),),
    excluded=(f"{SDG_BASE}ontology#",),
)
UNBIS_THESAURUS = ExternalDataset(
    "unbis", "UNBIS Thesaurus", URIRef(str(UNBIS).rstrip("/")), str(UNBIS)
)
SDGIO = ExternalDataset(
    "sdgio",
    "Sustainable Development Goals Interface Ontology (SDGIO)",
    URIRef("http://purl.unep.org/sdg/sdgio.owl"),
    "http://purl.unep.org/sdg/SDGIO_",
)
EXTERNAL_DATASETS: tuple[ExternalDataset, ...] = (WIKIDATA, SDG, UNBIS_THESAURUS, SDGIO)
"""Every dataset the graph links to. The SDG KOS is also republished in the store (its own
links out to SDGIO and Wikidata are link sets whose subjects are the KOS's)."""

OWN = "ungraph"
"""The key of ungraph's own resources as the subjects of a link set."""


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def values_rows(datasets: tuple[ExternalDataset, ...] = EXTERNAL_DATASETS) -> list[str]:
    """The ``VALUES`` rows of ``sparql/links.rq`` for ``datasets``: key, URI space, the
    dataset's own IRI, and the one excluded space or ``UNDEF``.

    >>> values_rows((WIKIDATA,))
    ['("wikidata" "http://www.wikidata.org/entity/" "https://www.wikidata.org/" UNDEF)']
    """
    rows = []
    for dataset in datasets:
        if len(dataset.excluded) > 1 or len(dataset.also) > 1:
            raise ValueError(
                f"dataset {dataset.key}: the link query takes one excluded space and one IRI"
            )
        whole = dataset.also[0] if dataset.also else str(dataset.iri)
        excluded = _literal(dataset.excluded[0]) if dataset.excluded else "UNDEF"
        rows.append(
            f"({_literal(dataset.key)} {_literal(dataset.uri_space)} {_literal(whole)} {excluded})"
        )
    return rows


def links_query() -> str:
    """``sparql/links.rq``, after checking that its ``VALUES`` rows are the datasets of
    :data:`EXTERNAL_DATASETS` (the file runs alone, so it carries them; they must not drift)."""
    text = sparql_query("links")
    block = re.search(
        r"VALUES \(\?target \?space \?whole \?excluded\) \{\n(.*?)\n\s*\}", text, re.S
    )
    if block is None:
        raise StoreError("sparql/links.rq has lost its VALUES block")
    written = [line.strip() for line in block.group(1).splitlines() if line.strip()]
    if written != values_rows():
        raise StoreError(
            "the VALUES rows of sparql/links.rq differ from ungraph.links.EXTERNAL_DATASETS: "
            + "; ".join(values_rows())
        )
    return text


@dataclass(frozen=True)
class Link:
    """One link: subject, predicate, object IRIs, and the keys of the subject's and the
    object's datasets."""

    subject: str
    predicate: str
    object: str
    source: str
    target: str

    def ntriples(self) -> str:
        """The link as an N-Triples line (the store's IRIs are valid ``IRIREF``s already)."""
        return f"<{self.subject}> <{self.predicate}> <{self.object}> .\n"


def source_of(iri: str, datasets: tuple[ExternalDataset, ...] = EXTERNAL_DATASETS) -> str:
    """The key of the dataset a link's subject belongs to: an external one that holds it, else
    ungraph's own.

    >>> source_of("http://metadata.un.org/sdg/9"), source_of("https://w3id.org/ungraph/id/x")
    ('sdg-kos', 'ungraph')
    """
    for dataset in datasets:
        if dataset.holds(iri):
            return dataset.key
    return OWN


def links(store: GraphStore) -> Iterator[Link]:
    """Every link of the store, each distinct triple once, in a stable order."""
    result = store.query(links_query())
    if not isinstance(result, SelectResult):
        raise StoreError("sparql/links.rq is not a SELECT query")
    for subject, predicate, obj, target in result:
        if subject is None or predicate is None or obj is None or target is None:
            continue
        yield Link(str(subject), str(predicate), str(obj), source_of(str(subject)), str(target))


LinkCounts = Counter[tuple[str, str, str]]
"""Links by (subject dataset key, target dataset key, predicate IRI)."""


def write_links(store: GraphStore, output: IO[bytes]) -> LinkCounts:
    """Write every link as N-Triples to ``output``; return how many there are by subject
    dataset, target dataset and predicate (the VoID link sets)."""
    counts: LinkCounts = Counter()
    for link in links(store):
        output.write(link.ntriples().encode("utf-8"))
        counts[(link.source, link.target, link.predicate)] += 1
    return counts


def dataset_by_key(key: str) -> ExternalDataset:
    for dataset in EXTERNAL_DATASETS:
        if dataset.key == key:
            return dataset
    raise KeyError(key)
