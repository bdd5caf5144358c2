"""Downloads and descriptions: the dumps ``ungraph export`` wrote (with size, checksum, format
and licence), the VoID/DCAT description, the ontology and the SHACL shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH
from werkzeug.wrappers import Response as BaseResponse

from ungraph.config import load_settings
from ungraph.formats import HTML, RDF_FORMATS, TURTLE, Format
from ungraph.namespaces import bind_prefixes
from ungraph.resources import ontology_path, shapes_paths
from ungraph.web.addresses import PAGE_AND_DATA
from ungraph.web.resources import requested_format

bp = Blueprint("downloads", __name__)

MANIFEST = "export-manifest.json"
CONTENTS = {
    "links": "the links to other datasets (Wikidata, SDG KOS, SDGIO, UNBIS), as VoID link sets"
}
"""How the listing words a file's ``content`` from the manifest."""
DESCRIPTION = "void.ttl"


@bp.record_once
def _setup(state: object) -> None:
    app = state.app  # type: ignore[attr-defined]
    if not app.config.get("UNGRAPH_DOWNLOADS"):
        app.config["UNGRAPH_DOWNLOADS"] = str(load_settings().var / "dumps")


class ExportMissing(LookupError):
    """The export folder has no (readable) export yet."""


@dataclass(frozen=True)
class Download:
    """One file of the export as the listing shows it."""

    name: str
    bytes: int
    sha256: str
    format: str | None
    media_type: str | None
    scope: str | None

    @property
    def size(self) -> str:
        """The size for people: ``12.3 MB``.

        >>> Download("x", 12_345_678, "", None, None, None).size
        '12.3 MB'
        """
        value = float(self.bytes)
        for unit in ("bytes", "kB", "MB", "GB"):
            if value < 1000 or unit == "GB":
                return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
            value /= 1000
        raise AssertionError("unreachable")


@dataclass(frozen=True)
class Export:
    """What an export folder holds: the manifest's facts, its files and the description."""

    folder: Path
    manifest: dict[str, Any]
    files: list[Download]
    description: Graph

    @property
    def licences(self) -> list[str]:
        return sorted({str(o) for o in self.description.objects(None, DCTERMS.license)})

    @property
    def rights(self) -> list[str]:
        return sorted({str(o) for o in self.description.objects(None, DCTERMS.rights)})


def export_folder() -> Path:
    """The folder ``ungraph export`` wrote to (``UNGRAPH_DOWNLOADS``, default ``{var}/dumps``)."""
    return Path(current_app.config["UNGRAPH_DOWNLOADS"])


def read_export(folder: Path) -> Export:
    """Read ``export-manifest.json`` and ``void.ttl``; :class:`ExportMissing` when absent."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ExportMissing(f"no export in {folder}: run `ungraph export --out {folder}`")
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
        files = [
            Download(
                entry["name"],
                int(entry["bytes"]),
                entry["sha256"],
                entry.get("format"),
                entry.get("media_type"),
                (
                    CONTENTS.get(entry["content"], entry["content"])
                    if entry.get("content")
                    else None
                    if "merged" not in entry
                    else ("merge of all graphs" if entry["merged"] else "every named graph")
                ),
            )
            for entry in manifest["files"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ExportMissing(f"{manifest_path}: not an export manifest ({error})") from error
    description = bind_prefixes(Graph())
    void_path = folder / DESCRIPTION
    if void_path.is_file():
        description.parse(data=void_path.read_text("utf-8"), format="turtle")
    return Export(folder, manifest, files, description)


def _export_or_none() -> tuple[Export | None, str | None]:
    try:
        return read_export(export_folder()), None
    except ExportMissing as error:
        return None, str(error)


@bp.get("/downloads/")
@bp.get("/downloads")
def listing() -> str:
    """The dumps with size, SHA-256, format, media type and licence, or why there are none."""
    export, problem = _export_or_none()
    return render_template("downloads.html", export=export, problem=problem)


@bp.get("/downloads/<name>")
def file(name: str) -> BaseResponse:
    """One file of the export (only names the manifest lists)."""
    export, problem = _export_or_none()
    if export is None:
        abort(404, description=problem)
    entry = next((f for f in export.files if f.name == name), None)
    if entry is None:
        abort(404, description=f"the export has no file {name}")
    compressed = name.endswith(".gz")
    mimetype = "application/gzip" if compressed else (entry.media_type or "text/plain")
    response = send_from_directory(
        export.folder, name, mimetype=mimetype, as_attachment=compressed, max_age=3600
    )
    response.headers["Digest"] = f"sha-256={entry.sha256}"
    return response


def _file_response(path: Path, fmt: Format, *, negotiated: bool = True) -> Response:
    """A small file as written (the description, the ontology, a shapes file)."""
    response = Response(path.read_bytes(), mimetype=fmt.media_type)
    if negotiated:
        response.headers["Vary"] = "Accept"
    return response


def _rdf_response(graph: Graph, fmt: Format) -> BaseResponse:
    assert fmt.rdflib is not None
    data = graph.serialize(format=fmt.rdflib, encoding="utf-8")
    response = Response(data, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/dataset")
def dataset() -> BaseResponse:
    """The dataset's IRI (``{base}dataset``): 303 to its description."""
    response = redirect(url_for("downloads.void"), code=303)
    return response


@bp.get("/.well-known/void")
@bp.get("/void")
def void() -> BaseResponse:
    """The VoID + DCAT description of the dataset, in the RDF format asked for."""
    export, problem = _export_or_none()
    if export is None or len(export.description) == 0:
        abort(404, description=problem or f"the export in {export_folder()} has no void.ttl")
    fmt = requested_format(RDF_FORMATS)
    if fmt is TURTLE:
        return _file_response(export.folder / DESCRIPTION, TURTLE)
    return _rdf_response(export.description, fmt)


@cache
def _ontology_graph() -> Graph:
    return bind_prefixes(Graph()).parse(data=ontology_path().read_text("utf-8"), format="turtle")


@cache
def _ontology_html() -> str:
    from ungraph.ontology_docs import render_ontology_html

    return render_ontology_html()


@bp.get("/ontology")
def ontology() -> BaseResponse:
    """The ontology: pyLODE's HTML documentation, or Turtle (and every RDF format) by
    negotiation."""
    fmt = requested_format(PAGE_AND_DATA)
    if fmt is HTML:
        from ungraph.ontology_docs import OntologyDocsError

        try:
            html = _ontology_html()
        except OntologyDocsError as error:
            abort(503, description=str(error))
        response = Response(html, mimetype=HTML.media_type)
        response.headers["Vary"] = "Accept"
        response.headers["Link"] = _twins("downloads.ontology")
        return response
    if fmt is TURTLE:
        return _file_response(ontology_path(), TURTLE)
    return _rdf_response(_ontology_graph(), fmt)


def _twins(endpoint: str) -> str:
    return ", ".join(
        f'<{url_for(endpoint, format=f.name)}>; rel="alternate"; type="{f.media_type}"'
        for f in RDF_FORMATS
    )


@dataclass(frozen=True)
class ShapeSummary:
    """A node shape as the shapes page lists it."""

    iri: str
    file: str
    targets: list[str]
    comment: str | None
    properties: list[tuple[str, str | None]]


@cache
def _shapes() -> tuple[Graph, tuple[ShapeSummary, ...]]:
    graph = bind_prefixes(Graph())
    summaries = []
    for path in shapes_paths():
        part = Graph().parse(data=path.read_text("utf-8"), format="turtle")
        graph += part
        for shape in sorted(set(part.subjects(RDF.type, SH.NodeShape)), key=str):
            targets = sorted(
                part.namespace_manager.normalizeUri(str(t))
                for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
                for t in part.objects(shape, p)
            )
            comment = part.value(shape, RDFS.comment)
            properties = []
            for prop in part.objects(shape, SH.property):
                path_node = part.value(prop, SH.path)
                message = part.value(prop, SH.message)
                if path_node is None:
                    continue
                shown = (
                    part.namespace_manager.normalizeUri(path_node)
                    if isinstance(path_node, URIRef)
                    else "(path expression)"
                )
                properties.append((shown, str(message) if isinstance(message, Literal) else None))
            summaries.append(
                ShapeSummary(
                    part.namespace_manager.normalizeUri(shape)
                    if isinstance(shape, URIRef)
                    else str(shape),
                    path.name,
                    targets,
                    str(comment) if comment is not None else None,
                    sorted(properties),
                )
            )
    return graph, tuple(summaries)


@bp.get("/shapes")
def shapes() -> BaseResponse:
    """The SHACL shapes every document graph is validated with: an HTML listing, or all the
    shapes in one RDF document by negotiation."""
    fmt = requested_format(PAGE_AND_DATA)
    graph, summaries = _shapes()
    if fmt is HTML:
        html = render_template(
            "shapes.html", shapes=summaries, files=[p.name for p in shapes_paths()]
        )
        response = Response(html, mimetype=HTML.media_type)
        response.headers["Vary"] = "Accept"
        response.headers["Link"] = _twins("downloads.shapes")
        return response
    return _rdf_response(graph, fmt)


@bp.get("/shapes/<name>")
def shapes_file(name: str) -> BaseResponse:
    """One shapes file as written (Turtle)."""
    if name not in {p.name for p in shapes_paths()}:
        abort(404, description=f"no shapes file {name}")
    return _file_response(shapes_paths()[0].parent / name, TURTLE, negotiated=False)
