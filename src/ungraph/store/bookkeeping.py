"""Where a remote store keeps its bookkeeping — document records, the store version, the
writer's lease lock — inside the engine, so that every build and web node sees the same.

Two ways, because engines differ in what they can hide from queries:

- :class:`TripleBook` writes triples into the records graph ``{base}graph/ungraph-records``.
  Virtuoso keeps that graph out of every query ungraph sends (``input:*-graph-exclude``).
- :class:`GraphNameBook` writes *empty named graphs* whose names carry the facts
  (``{records}/record/{id}?key=…&hash=…``). Oxigraph keeps empty named graphs, and an empty
  graph adds nothing to any triple pattern, so queries over the union of all graphs — which is
  the only way to query Oxigraph server without listing every graph — see exactly ungraph's
  data, and counts, dumps and the VoID description equal the embedded store's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Protocol
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pyoxigraph as ox

from ungraph.store.base import DocumentRecord

REC = "https://w3id.org/ungraph/records#"
"""The namespace of the bookkeeping terms in the records graph (not part of the ontology)."""

Holder = tuple[str, str, str]
"""A lock holder: token, owner (host and process), expiry (ISO 8601, UTC)."""

Select = Callable[[str], list[ox.QuerySolution]]
Update = Callable[[str, str], None]


class Book(Protocol):
    """The bookkeeping operations a remote store needs."""

    def records(self) -> dict[str, DocumentRecord]: ...

    def write_records(self, pending: Mapping[str, DocumentRecord | None]) -> None: ...

    def clear_records(self) -> None: ...

    def version(self) -> str | None: ...

    def write_version(self, version: str, parent: str | None, committed: str) -> None: ...

    def holders(self) -> list[Holder]: ...

    def add_holder(self, holder: Holder) -> None:
        """Add ``holder`` — where the engine allows, only if nobody holds the lock."""
        ...

    def remove_holder(self, holder: Holder) -> None: ...

    def renew(self, old: Holder, new: Holder) -> None: ...


def _text(term: object) -> str:
    value = getattr(term, "value", None)
    return "" if value is None else str(value)


def escape(text: str) -> str:
    r"""``text`` as the inside of a SPARQL string literal.

    >>> escape('a "b" \\ c\n')
    'a \\"b\\" \\\\ c\\n'
    """
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


def record_id(key: str) -> str:
    """A short stable id for a document key (the record's name).

    >>> record_id("https://w3id.org/ungraph/id/document/sg-sm-1")
    '59e51547ce3ee364fb77eeac44d9f5c4'
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class TripleBook:
    """Bookkeeping as triples in the records graph."""

    def __init__(self, graph: str, select: Select, update: Update) -> None:
        self.graph = graph
        self._select = select
        self._update = update
        self._lock = f"<{graph}/lock>"

    def records(self) -> dict[str, DocumentRecord]:
        rows = self._select(
            f"PREFIX rec: <{REC}>\nSELECT ?key ?graph ?hash ?pipeline ?updated WHERE {{ GRAPH "
            f"<{self.graph}> {{ ?r rec:key ?key ; rec:graph ?graph ; rec:contentHash ?hash ; "
            "rec:pipeline ?pipeline ; rec:updated ?updated } }"
        )
        found: dict[str, DocumentRecord] = {}
        for row in rows:
            values = [_text(term) for term in row]
            found[values[0]] = DocumentRecord(*values)
        return found

    def write_records(self, pending: Mapping[str, DocumentRecord | None]) -> None:
        nodes = " ".join(f"<{self.graph}/record/{record_id(key)}>" for key in pending)
        parts = [
            f"DELETE {{ GRAPH <{self.graph}> {{ ?r ?p ?o }} }} WHERE {{ GRAPH <{self.graph}> "
            f"{{ VALUES ?r {{ {nodes} }} ?r ?p ?o }} }}"
        ]
        lines = []
        for key, record in pending.items():
            if record is None:
                continue
            lines.append(
                f'<{self.graph}/record/{record_id(key)}> <{REC}key> "{escape(record.key)}" ; '
                f'<{REC}graph> "{escape(record.graph)}" ; '
                f'<{REC}contentHash> "{escape(record.content_hash)}" ; '
                f'<{REC}pipeline> "{escape(record.pipeline)}" ; '
                f'<{REC}updated> "{escape(record.updated)}" .'
            )
        if lines:
            parts.append(f"INSERT DATA {{ GRAPH <{self.graph}> {{\n" + "\n".join(lines) + "\n} }")
        self._update(" ;\n".join(parts), "writing document records")

    def clear_records(self) -> None:
        self._update(
            f"DELETE WHERE {{ GRAPH <{self.graph}> {{ ?r <{REC}key> ?k ; ?p ?o }} }}",
            "removing document records",
        )

    def version(self) -> str | None:
        rows = self._select(
            f"SELECT ?v WHERE {{ GRAPH <{self.graph}> {{ <{self.graph}> <{REC}version> ?v }} }}"
        )
        values = sorted(_text(row[0]) for row in rows if row[0] is not None)
        return values[-1] if values else None

    def write_version(self, version: str, parent: str | None, committed: str) -> None:
        g, s = self.graph, f"<{self.graph}>"
        parent_triple = f'{s} <{REC}parent> "{escape(parent)}" .' if parent else ""
        self._update(
            f"DELETE {{ GRAPH <{g}> {{ {s} ?p ?o }} }} WHERE {{ GRAPH <{g}> {{ {s} ?p ?o "
            f"FILTER(?p IN (<{REC}version>, <{REC}parent>, <{REC}committed>)) }} }} ;\n"
            f'INSERT DATA {{ GRAPH <{g}> {{ {s} <{REC}version> "{escape(version)}" ; '
            f'<{REC}committed> "{escape(committed)}" . {parent_triple} }} }}',
            "recording the store version",
        )

    def holders(self) -> list[Holder]:
        rows = self._select(
            f"SELECT ?h ?o ?e WHERE {{ GRAPH <{self.graph}> {{ {self._lock} "
            f"<{REC}holder> ?h ; <{REC}owner> ?o ; <{REC}expires> ?e }} }}"
        )
        return [(_text(row[0]), _text(row[1]), _text(row[2])) for row in rows]

    def add_holder(self, holder: Holder) -> None:
        token, owner, expires = (escape(part) for part in holder)
        self._update(
            f'INSERT {{ GRAPH <{self.graph}> {{ {self._lock} <{REC}holder> "{token}" ; '
            f'<{REC}owner> "{owner}" ; <{REC}expires> "{expires}" }} }} WHERE {{ FILTER NOT '
            f"EXISTS {{ GRAPH <{self.graph}> {{ {self._lock} <{REC}holder> ?h }} }} }}",
            "taking the writer's lock",
        )

    def remove_holder(self, holder: Holder) -> None:
        self._update(
            f"DELETE WHERE {{ GRAPH <{self.graph}> {{ {self._lock} <{REC}holder> "
            f'"{escape(holder[0])}" ; ?p ?o }} }}',
            "releasing the writer's lock",
        )

    def renew(self, old: Holder, new: Holder) -> None:
        g = self.graph
        self._update(
            f"DELETE {{ GRAPH <{g}> {{ {self._lock} <{REC}expires> ?e }} }} "
            f'INSERT {{ GRAPH <{g}> {{ {self._lock} <{REC}expires> "{escape(new[2])}" }} }} '
            f'WHERE {{ GRAPH <{g}> {{ {self._lock} <{REC}holder> "{escape(old[0])}" ; '
            f"<{REC}expires> ?e }} }}",
            "renewing the writer's lock",
        )


class GraphNameBook:
    """Bookkeeping as empty named graphs whose names hold the facts (see the module)."""

    def __init__(self, graph: str, select: Select, update: Update) -> None:
        self.graph = graph
        self._select = select
        self._update = update
        self._names: dict[str, str] | None = None
        """record id -> the graph name holding that record now (the writer's cache)."""

    def _list(self, kind: str) -> list[tuple[str, dict[str, str]]]:
        prefix = f"{self.graph}/{kind}"
        rows = self._select(
            f'SELECT ?g WHERE {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), "{escape(prefix)}")) }}'
        )
        found = []
        for row in rows:
            name = _text(row[0])
            parts = urlsplit(name)
            found.append((name, dict(parse_qsl(parts.query, keep_blank_values=True))))
        return found

    def _name(self, kind: str, fields: Mapping[str, str]) -> str:
        return f"{self.graph}/{kind}?" + urlencode(fields, quote_via=quote, safe="")

    def records(self) -> dict[str, DocumentRecord]:
        found: dict[str, DocumentRecord] = {}
        names: dict[str, str] = {}
        for name, fields in self._list("record/"):
            record = DocumentRecord(
                fields.get("key", ""),
                fields.get("graph", ""),
                fields.get("hash", ""),
                fields.get("pipeline", ""),
                fields.get("updated", ""),
            )
            found[record.key] = record
            names[record_id(record.key)] = name
        self._names = names
        return found

    def write_records(self, pending: Mapping[str, DocumentRecord | None]) -> None:
        if self._names is None:
            self.records()
        assert self._names is not None
        operations = []
        for key, record in pending.items():
            rid = record_id(key)
            old = self._names.pop(rid, None)
            if old is not None:
                operations.append(f"DROP SILENT GRAPH <{old}>")
            if record is not None:
                name = self._name(
                    f"record/{rid}",
                    {
                        "key": record.key,
                        "graph": record.graph,
                        "hash": record.content_hash,
                        "pipeline": record.pipeline,
                        "updated": record.updated,
                    },
                )
                operations.append(f"CREATE SILENT GRAPH <{name}>")
                self._names[rid] = name
        if operations:
            self._update(" ;\n".join(operations), "writing document records")

    def clear_records(self) -> None:
        names = [name for name, _ in self._list("record/")]
        if names:
            self._update(" ;\n".join(f"DROP SILENT GRAPH <{n}>" for n in names), "removing records")
        self._names = {}

    def version(self) -> str | None:
        versions = sorted(fields.get("version", "") for _, fields in self._list("version?"))
        return versions[-1] if versions and versions[-1] else None

    def write_version(self, version: str, parent: str | None, committed: str) -> None:
        operations = [f"DROP SILENT GRAPH <{name}>" for name, _ in self._list("version?")]
        fields = {"version": version, "committed": committed}
        if parent:
            fields["parent"] = parent
        operations.append(f"CREATE SILENT GRAPH <{self._name('version', fields)}>")
        self._update(" ;\n".join(operations), "recording the store version")

    def _holder_name(self, holder: Holder) -> str:
        token, owner, expires = holder
        return self._name("lock", {"holder": token, "owner": owner, "expires": expires})

    def holders(self) -> list[Holder]:
        return [
            (fields.get("holder", ""), fields.get("owner", ""), fields.get("expires", ""))
            for _, fields in self._list("lock?")
        ]

    def add_holder(self, holder: Holder) -> None:
        # No conditional insert of an empty graph: the caller's read-back settles races.
        self._update(f"CREATE SILENT GRAPH <{self._holder_name(holder)}>", "taking the lock")

    def remove_holder(self, holder: Holder) -> None:
        for name, fields in self._list("lock?"):
            if fields.get("holder") == holder[0]:
                self._update(f"DROP SILENT GRAPH <{name}>", "releasing the writer's lock")

    def renew(self, old: Holder, new: Holder) -> None:
        for name, fields in self._list("lock?"):
            if fields.get("holder") == old[0]:
                self._update(
                    f"DROP SILENT GRAPH <{name}> ;\nCREATE SILENT GRAPH <{self._holder_name(new)}>",
                    "renewing the writer's lock",
                )
