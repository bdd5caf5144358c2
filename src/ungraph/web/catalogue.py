"""The query catalogue (``queries/*.rq``) as the editor shows it: each query's name, its
grlc-style ``#+`` header (summary, description, tags, ...) and its text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ungraph.resources import query_paths

_HEADER = re.compile(r"^#\+ ?(.*)$")
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_ITEM = re.compile(r"^\s+-\s*(.*)$")


class HeaderError(ValueError):
    """A ``#+`` header line that is neither ``key: value`` nor a ``- item`` of a list."""


def parse_header(text: str, origin: str = "<query>") -> dict[str, Any]:
    """The grlc-style header of a query: ``#+ key: value`` lines, and lists written as
    ``#+ key:`` followed by ``#+   - item`` lines. Values keep their text (no YAML typing).

    >>> parse_header('''#+ summary: Calls to action by SDG target
    ... #+ tags:
    ... #+   - sdg
    ... #+   - calls
    ... # an ordinary comment
    ... SELECT * WHERE { ?s ?p ?o }''')
    {'summary': 'Calls to action by SDG target', 'tags': ['sdg', 'calls']}
    >>> parse_header("#+ nonsense")
    Traceback (most recent call last):
    ...
    ungraph.web.catalogue.HeaderError: <query>:1: '#+ nonsense' is neither 'key: value' nor '- item'
    """
    header: dict[str, Any] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER.match(line)
        if match is None:
            continue
        body = match.group(1)
        item = _ITEM.match(body)
        if item is not None and current is not None:
            value = header.get(current)
            if not isinstance(value, list):
                value = [] if not value else [value]
                header[current] = value
            value.append(_unquote(item.group(1)))
            continue
        key = _KEY.match(body.strip())
        if key is None:
            if not body.strip():
                continue
            raise HeaderError(
                f"{origin}:{number}: {line.strip()!r} is neither 'key: value' nor '- item'"
            )
        current = key.group(1)
        header[current] = _unquote(key.group(2).strip())
    return header


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


@dataclass(frozen=True)
class CatalogueQuery:
    """One catalogue query."""

    name: str
    summary: str
    text: str
    header: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "summary": self.summary, "query": self.text}


def read_query(path: Path) -> CatalogueQuery:
    """One ``.rq`` file of the catalogue; its summary (or, lacking one, its name) titles it."""
    text = path.read_text("utf-8")
    header = parse_header(text, str(path))
    summary = str(header.get("summary") or path.stem.replace("-", " "))
    return CatalogueQuery(path.stem, summary, text, header)


def catalogue() -> list[CatalogueQuery]:
    """Every query of ``queries/`` (the real files, through ``ungraph.resources``), by name."""
    return [read_query(path) for path in query_paths()]
