"""Full-text search over documents: a SQLite FTS5 index of titles and texts, built from the store
once per store version (Oxigraph has no text index, and a SPARQL ``CONTAINS`` scan reads every
text for every search; docs/ui.md has the measurements)."""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape
from rdflib import Literal

from ungraph.store import GraphStore
from ungraph.web import prepared

_OPEN, _CLOSE = "\x02", "\x03"  # highlight sentinels: never in document text
_TERMS = re.compile(r'"([^"]*)"|(\S+)')
SCHEMA = (
    "CREATE VIRTUAL TABLE documents USING fts5("
    "iri UNINDEXED, date UNINDEXED, title, text, tokenize='unicode61 remove_diacritics 2')"
)


def fts_query(text: str) -> str | None:
    """An FTS5 query from what a person types: every word (or "quoted phrase") must occur;
    a trailing ``*`` matches a prefix. Operators and punctuation are taken literally, so no
    input is an FTS5 syntax error. None when nothing is left to search for.

    >>> fts_query('digital divide')
    '"digital" "divide"'
    >>> fts_query('"digital public goods" AND wom*')
    '"digital public goods" "AND" "wom"*'
    >>> fts_query('say "hi') is None, fts_query('  ') is None
    (False, True)
    """
    terms = []
    for phrase, word in _TERMS.findall(text):
        token = phrase if phrase else word
        prefix = token.endswith("*") and not phrase
        token = token.rstrip("*").strip().replace('"', "")
        if not token:
            continue
        terms.append(f'"{token}"' + ("*" if prefix else ""))
    return " ".join(terms) or None


def marked(text: str) -> Markup:
    """FTS5 highlight output as HTML: the text escaped, the matches in ``<mark>``.

    >>> marked("a \\x02<b>\\x03 c")
    Markup('a <mark>&lt;b&gt;</mark> c')
    """
    safe = str(escape(text))
    return Markup(safe.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))


@dataclass(frozen=True)
class Hit:
    """One matching document."""

    iri: str
    title: Markup
    date: str | None
    snippet: Markup


@dataclass(frozen=True)
class Results:
    """A page of hits, the total number of matches and how long the search took."""

    query: str
    total: int
    hits: list[Hit]
    seconds: float


class SearchIndex:
    """An FTS5 index of one store version's documents (a file, or in memory)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._lock = threading.Lock()

    @classmethod
    def build(cls, store: GraphStore, path: Path | None = None) -> SearchIndex:
        """Index every document of ``store``; with ``path``, write the index file atomically
        (to a temporary name, then renamed) so that parallel workers never read half of it."""
        if path is None:
            db = sqlite3.connect(":memory:", check_same_thread=False)
            fill(db, store)
            return cls(db)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)
        db = sqlite3.connect(temporary)
        try:
            fill(db, store)
            db.close()
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        return cls.open(path)

    @classmethod
    def open(cls, path: Path) -> SearchIndex:
        uri = f"file:{path}?mode=ro"
        return cls(sqlite3.connect(uri, uri=True, check_same_thread=False))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def search(self, text: str, *, limit: int = 20, offset: int = 0) -> Results:
        """The documents matching ``text`` (see :func:`fts_query`), best first (BM25, a match
        in the title weighing five times one in the text)."""
        started = time.perf_counter()
        query = fts_query(text)
        if query is None:
            return Results(text, 0, [], 0.0)
        with self._lock:
            total = int(
                self._db.execute(
                    "SELECT count(*) FROM documents WHERE documents MATCH ?", (query,)
                ).fetchone()[0]
            )
            rows = self._db.execute(
                "SELECT iri, date, highlight(documents, 2, ?, ?), "
                "snippet(documents, 3, ?, ?, '…', 32) FROM documents "
                "WHERE documents MATCH ? ORDER BY bm25(documents, 0, 0, 5.0, 1.0) "
                "LIMIT ? OFFSET ?",
                (_OPEN, _CLOSE, _OPEN, _CLOSE, query, limit, offset),
            ).fetchall()
        hits = [
            Hit(iri, marked(title or iri), date, marked(snippet))
            for iri, date, title, snippet in rows
        ]
        return Results(text, total, hits, time.perf_counter() - started)

    def close(self) -> None:
        self._db.close()


def _documents(store: GraphStore) -> Iterator[tuple[str, str | None, str, str]]:
    for row in prepared.select(store, "search-documents"):
        date = row.get("date")
        yield (
            str(row["document"]),
            str(date) if isinstance(date, Literal) else None,
            str(row.get("title", "")),
            str(row.get("text", "")),
        )


def fill(db: sqlite3.Connection, store: GraphStore) -> int:
    """Create the index table in ``db`` and fill it from ``store``; returns the documents."""
    db.execute(SCHEMA)
    with db:
        cursor = db.executemany(
            "INSERT INTO documents (iri, date, title, text) VALUES (?, ?, ?, ?)",
            _documents(store),
        )
    return cursor.rowcount


class SearchIndexes:
    """The index of each store version, built on first use and shared by the threads of one
    process; on disk (one file per version, in ``folder``) they are shared between worker
    processes too, and outdated files are removed."""

    def __init__(self, folder: Path | None) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self._indexes: dict[object, SearchIndex] = {}

    def get(self, store: GraphStore) -> SearchIndex:
        version = getattr(store, "version", None)
        key: object = version if version is not None else id(store)
        with self._lock:
            index = self._indexes.get(key)
            if index is None:
                index = self._load(store, version)
                for old in self._indexes.values():
                    old.close()
                self._indexes = {key: index}
            return index

    def _load(self, store: GraphStore, version: str | None) -> SearchIndex:
        if self._folder is None or version is None:
            return SearchIndex.build(store)
        path = self._folder / f"search-{version}.sqlite"
        if path.is_file():
            return SearchIndex.open(path)
        self._folder.mkdir(parents=True, exist_ok=True)
        # One process builds (seconds at 10,000 documents); the server's other workers wait
        # for it and open the file.
        with (self._folder / f".search-{version}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if path.is_file():
                return SearchIndex.open(path)
            index = SearchIndex.build(store, path)
        for other in [*self._folder.glob("search-*.sqlite"), *self._folder.glob(".search-*.lock")]:
            if (
                other.stem not in (path.stem, f".{path.stem}")
                and time.time() - other.stat().st_mtime > 3600
            ):
                # Kept an hour: a worker still on the previous version may be reading it.
                other.unlink(missing_ok=True)
        return index
