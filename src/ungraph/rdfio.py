"""Reading RDF files safely: format detection, size limits, hardened XML, positioned errors."""

from __future__ import annotations

import gzip
import io
import re
import xml.sax
import xml.sax.handler
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pyoxigraph
import rdflib
from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser as create_defused_parser

from ungraph.formats import JSONLD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE, Format, from_path

# Large enough for every dump ungraph writes, small enough that a mistaken upload of a disk
# image stops at once. Applies to the decompressed bytes, so a gzip bomb stops too.
DEFAULT_MAX_BYTES = 1 << 30
_SNIFF_BYTES = 4096


class RdfInputError(ValueError):
    """An RDF file that cannot be loaded; ``str()`` reads ``file:line:column: message``."""

    def __init__(
        self, path: str | Path, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = str(path)
        self.message = message
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class RdfSyntaxError(RdfInputError):
    """The file is not valid in its format."""


class UnsafeXmlError(RdfInputError):
    """An XML file declares a DTD, entities or external references (e.g. "billion laughs")."""


class InputTooLarge(RdfInputError):
    """The (decompressed) file is larger than the configured limit."""


class UnknownRdfFormat(RdfInputError):
    """Neither the file name nor the content tells the format."""


def detect_format(path: str | Path, head: bytes = b"") -> tuple[Format, bool]:
    """The RDF format of a file and whether it is gzipped: by extension, else by content.

    >>> detect_format("x.ttl")[0].name
    'turtle'
    >>> detect_format("upload.bin", b'<?xml version="1.0"?><rdf:RDF')[0].name
    'rdfxml'
    >>> detect_format("upload", b'{"@id": "http://e.org/a"}')[0].name
    'jsonld'
    >>> detect_format("upload", b"<http://a> <http://b> <http://c> <http://g> .")[0].name
    'nquads'
    """
    try:
        return from_path(path)
    except ValueError:
        pass
    gz = head[:2] == b"\x1f\x8b"
    if gz:
        try:
            head = gzip.GzipFile(fileobj=io.BytesIO(head)).read(_SNIFF_BYTES)
        except (OSError, EOFError):
            head = b""
    fmt = _sniff(head.decode("utf-8", "replace"))
    if fmt is None:
        raise UnknownRdfFormat(
            path,
            "cannot tell the RDF format from the file name or content; use one of the "
            "extensions .ttl .nt .nq .trig .jsonld .rdf (optionally .gz) or give the format",
        )
    return fmt, gz


_NT_LINE = re.compile(r'^\s*(?:<[^>]*>|_:\S+)\s+<[^>]*>\s+(?:<[^>]*>|_:\S+|".*")\s*(\S.*)?\.\s*$')


def _sniff(text: str) -> Format | None:
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<?xml") or stripped.startswith("<rdf:RDF"):
        return RDFXML
    if stripped.startswith(("{", "[")):
        return JSONLD
    if re.search(r"^\s*(@prefix|@base|PREFIX|BASE)\b", stripped, re.MULTILINE | re.IGNORECASE):
        return (
            TRIG if re.search(r"^\s*(GRAPH\s+)?(<[^>]*>|\w*:\w*)\s*\{", stripped, re.M) else TURTLE
        )
    first = next((line for line in stripped.splitlines() if line.strip()), "")
    match = _NT_LINE.match(first)
    if match:
        return NQUADS if match.group(1) else NTRIPLES
    return None


class _LimitedReader(io.RawIOBase):
    """Reads at most ``limit`` bytes from ``raw``, then fails (and remembers that it did)."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self._raw = raw
        self._left = limit
        self.exceeded = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        data = self._raw.read(min(len(view), self._left + 1))
        if len(data) > self._left:
            self.exceeded = True
            raise OSError("input is larger than the size limit")
        self._left -= len(data)
        view[: len(data)] = data
        return len(data)


@contextmanager
def open_rdf(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[IO[bytes]]:
    """Open an RDF file for reading as bytes, decompressing ``.gz``, capped at ``max_bytes``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise RdfInputError(path, f"cannot read: {error.strerror or error}") from error
    if size > max_bytes:
        raise InputTooLarge(path, f"file is {size} bytes, larger than the limit of {max_bytes}")
    with path.open("rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        source: IO[bytes] = gzip.GzipFile(fileobj=raw) if gz else raw  # type: ignore[assignment]
        limited = _LimitedReader(source, max_bytes)
        reader = io.BufferedReader(limited, 1 << 16)
        try:
            yield reader
        except (OSError, EOFError, zlib.error) as error:
            if limited.exceeded:
                raise InputTooLarge(
                    path, f"decompressed content is larger than the limit of {max_bytes} bytes"
                ) from error
            if gz:
                raise RdfInputError(path, f"damaged gzip data: {error}") from error
            raise RdfInputError(path, f"cannot read: {error}") from error
        finally:
            reader.close()
            if gz:
                source.close()


class _Locator(xml.sax.handler.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.locator: Any = None

    def setDocumentLocator(self, locator: Any) -> None:
        self.locator = locator


def check_xml(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Raise :class:`UnsafeXmlError` if an XML file has a DTD, entity declarations or external
    references, and :class:`RdfSyntaxError` if it is not well-formed, before any RDF parser sees
    it. Streams the file, so a huge file costs time but not memory.
    """
    # rdflib and Oxigraph would expand internal entities ("billion laughs") or resolve external
    # ones; RDF/XML needs neither, so any DTD is refused outright.
    parser = create_defused_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    handler = _Locator()
    parser.setContentHandler(handler)
    parser.setFeature(xml.sax.handler.feature_namespaces, False)
    with open_rdf(path, max_bytes=max_bytes) as stream:
        try:
            parser.parse(stream)
        except DefusedXmlException as error:
            line = handler.locator.getLineNumber() if handler.locator else None
            column = handler.locator.getColumnNumber() if handler.locator else None
            raise UnsafeXmlError(
                path,
                f"XML with a DTD or entity declarations is refused ({type(error).__name__}: "
                f"{error}); RDF/XML needs neither",
                line,
                column + 1 if column is not None else None,
            ) from error
        except xml.sax.SAXParseException as error:
            raise RdfSyntaxError(
                path,
                f"XML is not well-formed: {error.getMessage()}",
                error.getLineNumber(),
                _one_based(error.getColumnNumber()),
            ) from error


def _one_based(column: int | None) -> int | None:
    # SAX counts columns from 0, editors and Oxigraph from 1.
    return None if column is None else column + 1


_OXI_PREFIX = re.compile(
    r"^Parser error (?:at line \d+ (?:between columns \d+ and \d+|column \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+): "
)


def syntax_error(path: str | Path, error: SyntaxError) -> RdfSyntaxError:
    """Turn a parser's SyntaxError (Oxigraph or rdflib) into ``file:line:column: message``."""
    message = _OXI_PREFIX.sub("", error.msg or str(error))
    if "LoadDocumentCallback" in message:
        message = "remote JSON-LD contexts are not fetched; put the @context inline"
    return RdfSyntaxError(path, message, error.lineno, error.offset)


def iter_quads(
    path: str | Path,
    *,
    fmt: Format | None = None,
    base_iri: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[pyoxigraph.Quad]:
    """Parse a file with Oxigraph and yield its quads (blank nodes renamed apart, so two files'
    ``_:b0`` stay two nodes). Errors come as :class:`RdfInputError` with the position.

    For embedded backends; other code should not depend on pyoxigraph types.
    """
    path = Path(path)
    if fmt is None:
        fmt = detect_format(path, _head(path))[0]
    if fmt is RDFXML:
        check_xml(path, max_bytes=max_bytes)
    with open_rdf(path, max_bytes=max_bytes) as stream:
        try:
            yield from pyoxigraph.parse(
                stream,
                fmt.oxigraph,  # type: ignore[arg-type]
                base_iri=base_iri or path.resolve().as_uri(),
                rename_blank_nodes=True,
            )
        except SyntaxError as error:
            if fmt is RDFXML and error.lineno is None:
                raise _rdfxml_position(path, error, max_bytes) from error
            raise syntax_error(path, error) from error


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(_SNIFF_BYTES)
    except OSError as error:
        raise RdfInputError(path, f"cannot read: {error.strerror or error}") from error


def _rdfxml_position(path: Path, error: SyntaxError, max_bytes: int) -> RdfSyntaxError:
    # Oxigraph's RDF/XML errors carry no position; rdflib's SAX-based parser does. The file has
    # already passed check_xml, so handing it to rdflib is safe.
    graph = rdflib.Graph()
    with open_rdf(path, max_bytes=max_bytes) as stream:
        try:
            graph.parse(stream, format="xml", publicID=path.resolve().as_uri())
        except xml.sax.SAXParseException as sax_error:
            return RdfSyntaxError(
                path,
                sax_error.getMessage(),
                sax_error.getLineNumber(),
                _one_based(sax_error.getColumnNumber()),
            )
        except Exception as rdflib_error:
            match = re.search(r"line (\d+), column (\d+)", str(rdflib_error))
            if match:
                return RdfSyntaxError(
                    path, str(error.msg or error), int(match.group(1)), int(match.group(2)) + 1
                )
    return _locate_quoted(path, syntax_error(path, error), max_bytes)


def _locate_quoted(path: Path, error: RdfSyntaxError, max_bytes: int) -> RdfSyntaxError:
    # Last resort: Oxigraph quotes the offending token ("Unexpected text event: 'x'"); point at
    # its first occurrence after the XML prolog and say that this is what the position means.
    match = re.search(r"'([^']{1,200})'|`([^`]{1,200})`", error.message)
    if match is None:
        return error
    fragment = match.group(1) or match.group(2)
    with open_rdf(path, max_bytes=max_bytes) as stream:
        text = stream.read().decode("utf-8", "replace")
    start = text.find("?>") + 2 if text.lstrip().startswith("<?xml") else 0
    for pattern in (f">{fragment}<", f'"{fragment}"', fragment):
        found = text.find(pattern, start)
        if found >= 0:
            offset = found + (1 if pattern[0] in '>"' else 0)
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            return RdfSyntaxError(path, f"{error.message} (at its first occurrence)", line, column)
    return error


def read_dataset(
    path: str | Path,
    *,
    fmt: Format | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> rdflib.Dataset:
    """Parse a file into an rdflib Dataset (triples of triple formats go to its default graph),
    with the same hardening and positioned errors as the store's loader.
    """
    from ungraph.store.terms import quad_to_rdflib

    dataset = rdflib.Dataset()
    for quad in iter_quads(path, fmt=fmt, max_bytes=max_bytes):
        s, p, o, g = quad_to_rdflib(quad)
        graph = dataset.default_graph if g is None else dataset.graph(g)
        graph.add((s, p, o))
    return dataset
