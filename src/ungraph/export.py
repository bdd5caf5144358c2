"""The dumps: the whole dataset in six RDF formats, gzipped, with checksums, a JSON-LD context
and a VoID + DCAT description."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, VOID, XSD

from ungraph import __version__
from ungraph.formats import JSONLD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE, Format
from ungraph.iris import Minter
from ungraph.links import (
    LINKS_FILE,
    OWN,
    SDG_KOS,
    ExternalDataset,
    LinkCounts,
    dataset_by_key,
    write_links,
)
from ungraph.namespaces import PREFIXES, UNG, bind_prefixes
from ungraph.resources import ontology_path, sparql_query
from ungraph.stats import compact
from ungraph.store.base import GraphStore, SelectResult, StoreError

SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")
# DCAT 3 term; rdflib's DCAT namespace predates it and warns on attribute access.
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")

# Which dumps, in which order; ``True`` = the merge of all graphs, each distinct triple once.
DUMPS: tuple[tuple[Format, bool], ...] = (
    (TRIG, False),
    (NQUADS, False),
    (TURTLE, True),
    (NTRIPLES, True),
    (JSONLD, True),
    (RDFXML, True),
)

RIGHTS = (
    "The facts and the graph of ungraph (the extracted links between documents, speakers, "
    "events, SDG targets, WSIS action lines, groups and themes; identifiers; descriptions written "
    "by the project) are licensed under Creative Commons Attribution 4.0 International (CC BY "
    "4.0). The quoted passages (document texts and titles, evidence quotes in oa:exact, "
    "oa:prefix and oa:suffix, and the sentences of calls to action) are United Nations text, "
    "© United Nations, quoted as evidence for the extracted links; they are not licensed under "
    "CC BY by this project. SDG goals and targets reuse the UN SDG Knowledge Organization System "
    "(http://metadata.un.org/sdg) with citation, keeping its IRIs. The WSIS–SDG matrix links are "
    "a third-party transcription of the WSIS–SDG Matrix, reused with attribution."
)


@dataclass(frozen=True)
class ExportOptions:
    """What the description says about the dataset; every value has a sensible default."""

    base_iri: str
    downloads_base: str | None = None
    sparql_endpoint: str | None = None
    title: str = "ungraph: the United Nations' commitments on ICT"
    description: str = (
        "A knowledge graph of United Nations press releases, Secretary-General messages, "
        "statements and remarks about information and communication technologies: who spoke, "
        "who delivered it, at which event, calling on whom to do what, for which SDG goals and "
        "targets and WSIS action lines, each link with the passage that supports it."
    )
    publisher: str = "The ungraph project"
    version: str = __version__
    modified: datetime | None = None
    stem: str = "ungraph"

    @property
    def downloads(self) -> str:
        return self.downloads_base or f"{self.base_iri}downloads/"

    @property
    def endpoint(self) -> str:
        return self.sparql_endpoint or f"{self.base_iri}sparql"


@dataclass(frozen=True)
class ExportedFile:
    """One file the export wrote."""

    name: str
    bytes: int
    sha256: str
    format: str | None = None
    media_type: str | None = None
    merged: bool | None = None
    compressed: bool = False
    content: str | None = None
    """What a file holds when it is not a dump of the graphs (``links``: the link dump)."""

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class ExportReport:
    """What :func:`export` wrote and counted."""

    out: Path
    files: list[ExportedFile] = field(default_factory=list)
    quads: int = 0
    triples: int = 0
    graphs: int = 0
    linksets: dict[str, int] = field(default_factory=dict)
    link_counts: LinkCounts = field(default_factory=LinkCounts)

    def file(self, name: str) -> ExportedFile:
        for exported in self.files:
            if exported.name == name:
                return exported
        raise KeyError(name)


class _HashingWriter:
    """A binary file wrapper that hashes and counts what goes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.bytes += len(data)
        return self._raw.write(data)

    def flush(self) -> None:
        self._raw.flush()


def _write_atomically(path: Path, fill: Any, *, compress: bool) -> tuple[int, str]:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as raw:
        hashing = _HashingWriter(raw)
        if compress:
            # mtime=0 and no file name in the header: the same data gives the same bytes.
            with gzip.GzipFile(
                filename="", mode="wb", fileobj=hashing, mtime=0, compresslevel=6
            ) as zipped:
                fill(zipped)
        else:
            fill(hashing)
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(temporary, path)
    return hashing.bytes, hashing.sha256.hexdigest()


def context_file_name(version: str = __version__) -> str:
    """The versioned JSON-LD context's file name: major.minor of the ontology version.

    >>> context_file_name("0.1.0")
    'context-0.1.jsonld'
    """
    return "context-" + ".".join(version.split(".")[:2]) + ".jsonld"


def _select(store: GraphStore, name: str) -> list[dict[str, Any]]:
    result = store.query(sparql_query(name))
    if not isinstance(result, SelectResult):
        raise StoreError(f"internal query {name}.rq is not a SELECT query")
    return [dict(zip(result.variables, row, strict=True)) for row in result]


def jsonld_context(used_terms: Iterable[str] = ()) -> dict[str, Any]:
    """A JSON-LD context: every ungraph prefix, and a term for each ``ung:`` class and
    property of the ontology (plus any other ``ung:`` term the data uses), with ``@type``
    coercion for object properties (``@id``) and typed datatype properties."""
    ontology = Graph()
    path = ontology_path()
    if path.is_file():
        ontology.parse(path, format="turtle")
    context: dict[str, Any] = {"@version": 1.1}
    context.update(dict(sorted(PREFIXES.items())))
    terms: dict[str, Any] = {}
    ung = str(UNG)
    for kind in (
        OWL.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDF.Property,
    ):
        for subject in ontology.subjects(RDF.type, kind):
            iri = str(subject)
            if not iri.startswith(ung):
                continue
            local = iri[len(ung) :]
            if kind == OWL.ObjectProperty:
                terms[local] = {"@id": f"ung:{local}", "@type": "@id"}
            elif kind == OWL.DatatypeProperty:
                ranges = [r for r in ontology.objects(subject, RDFS.range) if isinstance(r, URIRef)]
                typed = [
                    r for r in ranges if str(r).startswith(str(XSD)) and r not in (XSD.string,)
                ]
                if len(typed) == 1:
                    terms[local] = {"@id": f"ung:{local}", "@type": compact(str(typed[0]))}
                else:
                    terms.setdefault(local, f"ung:{local}")
            else:
                terms.setdefault(local, f"ung:{local}")
    for iri in used_terms:
        if iri.startswith(ung) and iri[len(ung) :] not in terms:
            terms[iri[len(ung) :]] = f"ung:{iri[len(ung) :]}"
    context.update(dict(sorted(terms.items())))
    return {"@context": context}


def _namespace(iri: str) -> str:
    """The vocabulary namespace of a term: a known prefix's namespace, else up to ``#`` or ``/``.

    >>> _namespace("http://www.w3.org/2004/02/skos/core#prefLabel")
    'http://www.w3.org/2004/02/skos/core#'
    >>> _namespace("http://example.org/vocab/term")
    'http://example.org/vocab/'
    """
    best = ""
    for namespace in PREFIXES.values():
        if iri.startswith(namespace) and len(namespace) > len(best):
            best = namespace
    if best:
        return best
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def export(store: GraphStore, out: Path, options: ExportOptions) -> ExportReport:
    """Write every dump, the JSON-LD context, ``void.ttl``, ``SHA256SUMS`` and
    ``export-manifest.json`` into ``out``; return what was written.

    Dumps stream from the store's engine through gzip into the file: nothing holds the graph
    in memory as rdflib objects. Only the description (a few hundred triples) uses rdflib.
    """
    out.mkdir(parents=True, exist_ok=True)
    report = ExportReport(out=out)
    prefixes = {**PREFIXES, "data": f"{options.base_iri}id/"}
    for fmt, merged in DUMPS:
        name = fmt.file_name(options.stem, gzip=True)
        size, digest = _write_atomically(
            out / name,
            lambda output, fmt=fmt, merged=merged: store.dump_to(
                output, fmt, merged=merged, prefixes=prefixes
            ),
            compress=True,
        )
        report.files.append(
            ExportedFile(name, size, digest, fmt.name, fmt.media_type, merged, compressed=True)
        )

    # The links alone (links.nt.gz), for those who want to join their data to ours without
    # loading the graph; the same counts go into the VoID link sets.
    link_counts: LinkCounts = LinkCounts()
    size, digest = _write_atomically(
        out / LINKS_FILE,
        lambda output: link_counts.update(write_links(store, output)),
        compress=True,
    )
    report.files.append(
        ExportedFile(
            LINKS_FILE,
            size,
            digest,
            NTRIPLES.name,
            NTRIPLES.media_type,
            compressed=True,
            content="links",
        )
    )
    report.link_counts = link_counts

    terms = [str(row["term"]) for row in _select(store, "void-terms") if row["term"] is not None]
    context = jsonld_context(terms)
    context_name = context_file_name()
    size, digest = _write_atomically(
        out / context_name,
        lambda output: output.write(
            (json.dumps(context, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        ),
        compress=False,
    )
    report.files.append(ExportedFile(context_name, size, digest, JSONLD.name, JSONLD.media_type))

    counts = _select(store, "void-counts")[0]
    report.triples = int(counts["triples"].toPython())
    report.quads = store.count()
    report.graphs = len(store.named_graphs())
    description = describe(store, options, report, terms, counts)
    void_bytes = description.serialize(format="turtle").encode("utf-8")
    size, digest = _write_atomically(
        out / "void.ttl", lambda output: output.write(void_bytes), compress=False
    )
    report.files.append(ExportedFile("void.ttl", size, digest, TURTLE.name, TURTLE.media_type))

    sums = "".join(f"{f.sha256}  {f.name}\n" for f in report.files).encode("ascii")
    size, digest = _write_atomically(out / "SHA256SUMS", lambda o: o.write(sums), compress=False)
    report.files.append(ExportedFile("SHA256SUMS", size, digest))

    manifest = {
        "dataset": str(Minter(options.base_iri).dataset()),
        "version": options.version,
        "modified": _modified(options).isoformat(),
        "quads": report.quads,
        "triples": report.triples,
        "graphs": report.graphs,
        "linksets": report.linksets,
        "downloads": options.downloads,
        "files": [f.to_json() for f in report.files],
    }
    (out / "export-manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    return report


def _modified(options: ExportOptions) -> datetime:
    return (options.modified or datetime.now(UTC)).replace(microsecond=0)


def describe(
    store: GraphStore,
    options: ExportOptions,
    report: ExportReport,
    terms: Iterable[str],
    counts: dict[str, Any],
) -> Graph:
    """The VoID + DCAT description of the dataset and its distributions (the dumps in
    ``report.files``); fills ``report.linksets``."""
    minter = Minter(options.base_iri)
    dataset = minter.dataset()
    g = bind_prefixes(Graph())
    g.bind("spdx", SPDX)
    g.bind("data", Namespace(options.base_iri))
    modified = Literal(_modified(options).isoformat(), datatype=XSD.dateTime)

    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, Literal(options.title, lang="en")))
    g.add((dataset, DCTERMS.description, Literal(options.description, lang="en")))
    g.add((dataset, DCTERMS.license, CC_BY_4))
    g.add((dataset, DCTERMS.rights, Literal(RIGHTS, lang="en")))
    g.add((dataset, DCTERMS.source, SDG_KOS))
    publisher = minter.agent("ungraph")
    g.add((dataset, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(options.publisher)))
    g.add((dataset, DCAT_VERSION, Literal(options.version)))
    g.add((dataset, OWL.versionInfo, Literal(options.version)))
    g.add((dataset, DCTERMS.modified, modified))
    g.add((dataset, VOID.sparqlEndpoint, URIRef(options.endpoint)))
    g.add((dataset, VOID.uriSpace, Literal(f"{options.base_iri}id/")))
    g.add((dataset, VOID.triples, Literal(report.triples, datatype=XSD.integer)))
    for key, predicate in (
        ("subjects", VOID.distinctSubjects),
        ("objects", VOID.distinctObjects),
        ("properties", VOID.properties),
    ):
        g.add((dataset, predicate, Literal(int(counts[key].toPython()), datatype=XSD.integer)))

    for namespace in sorted({_namespace(t) for t in terms}):
        g.add((dataset, VOID.vocabulary, URIRef(namespace)))

    for exported in report.files:
        if not exported.compressed or exported.format is None or exported.content is not None:
            continue
        fmt = next(f for f, _ in DUMPS if f.name == exported.format)
        url = URIRef(options.downloads + exported.name)
        distribution = URIRef(f"{dataset}/distribution/{fmt.name}")
        scope = "the merge of all graphs" if exported.merged else "all named graphs"
        g.add((dataset, DCAT.distribution, distribution))
        g.add((dataset, VOID.dataDump, url))
        g.add((dataset, VOID.feature, URIRef(fmt.oxigraph.iri)))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add(
            (distribution, DCTERMS.title, Literal(f"{fmt.label} dump, {scope}, gzipped", lang="en"))
        )
        g.add((distribution, DCAT.downloadURL, url))
        g.add((distribution, DCAT.accessURL, url))
        g.add((distribution, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + fmt.media_type)))
        g.add((distribution, DCAT.compressFormat, URIRef(IANA_MEDIA_TYPES + "application/gzip")))
        g.add((distribution, DCTERMS.format, URIRef(fmt.oxigraph.iri)))
        g.add(
            (distribution, DCAT.byteSize, Literal(exported.bytes, datatype=XSD.nonNegativeInteger))
        )
        g.add((distribution, DCTERMS.license, CC_BY_4))
        checksum = BNode()
        g.add((distribution, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(exported.sha256, datatype=XSD.hexBinary)))

    _add_linksets(g, store, dataset, report)
    return g


def _add_linksets(g: Graph, store: GraphStore, dataset: URIRef, report: ExportReport) -> None:
    """One ``void:Linkset`` per subject dataset, target dataset and link predicate, counted
    from the link dump (so the description and ``links.nt.gz`` agree), each a subset of the
    dataset with the link dump as its ``void:dataDump``; fills ``report.linksets``. The link
    dump is not a ``dcat:Distribution`` of the dataset: it holds only the link sets."""
    dump = next((f for f in report.files if f.content == "links"), None)
    dump_url = URIRef(_downloads(g, dataset) + dump.name) if dump is not None else None
    described: set[str] = set()
    for (source, target_key, predicate), triples in sorted(report.link_counts.items()):
        target = dataset_by_key(target_key)
        subjects = dataset if source == OWN else dataset_by_key(source).iri
        short = compact(predicate)
        if short == predicate:
            short = "p-" + hashlib.sha256(predicate.encode("utf-8")).hexdigest()[:10]
        name = target.key if source == OWN else f"{source}-{target.key}"
        linkset = URIRef(f"{dataset}/linkset/{name}/{short.replace(':', '-')}")
        g.add((dataset, VOID.subset, linkset))
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, VOID.subjectsTarget, subjects))
        g.add((linkset, VOID.objectsTarget, target.iri))
        g.add((linkset, VOID.linkPredicate, URIRef(predicate)))
        g.add((linkset, VOID.triples, Literal(triples, datatype=XSD.integer)))
        if dump_url is not None:
            g.add((linkset, VOID.dataDump, dump_url))
        key = f"{target.key} {compact(predicate)}"
        report.linksets[key if source == OWN else f"{source}>{key}"] = triples
        for described_dataset in (target, *(() if source == OWN else (dataset_by_key(source),))):
            if described_dataset.key not in described:
                described.add(described_dataset.key)
                _describe_external(g, described_dataset)


def _describe_external(g: Graph, target: ExternalDataset) -> None:
    g.add((target.iri, RDF.type, VOID.Dataset))
    g.add((target.iri, DCTERMS.title, Literal(target.title, lang="en")))
    g.add((target.iri, VOID.uriSpace, Literal(target.uri_space)))


def _downloads(g: Graph, dataset: URIRef) -> str:
    """The downloads base the description already states (the first dump's folder)."""
    for url in sorted(str(o) for o in g.objects(dataset, VOID.dataDump)):
        return url.rsplit("/", 1)[0] + "/"
    return str(dataset).rsplit("/", 1)[0] + "/downloads/"
