"""Counting the rows of SELECT results in the bytes Oxigraph's serialisers write.

Oxigraph writes a whole result set through one call and gives no way to stop it after n rows;
counting in its output keeps the fast native serialisers and still enforces the row cap
exactly. Each counter is fed the output chunk by chunk (chunks split anywhere) and knows the
shape Oxigraph writes:

- XML: every row is one ``<result>`` element, and ``<`` never occurs unescaped in text;
- TSV: one header line, then one line per row (line breaks in values are written ``\\n``);
- CSV: one header line, then one ``\\r\\n``-terminated line per row; values holding line breaks
  are quoted, and quotes only ever open or close a quoted value (``""`` is a closed and reopened
  one), so a line break counts when an even number of quotes precede it;
- JSON: rows are the objects of the ``bindings`` array: outside strings, an object follows
  ``[`` or ``,`` only there (term objects follow ``:``). Escapes are dropped first, so every
  remaining ``"`` opens or closes a string.

``tests/serve/test_counting.py`` checks each against the real serialisers on random results
split at random places.
"""

from __future__ import annotations

import re
from typing import Protocol


class RowCounter(Protocol):
    @property
    def rows(self) -> int:
        """Rows counted so far."""
        ...

    def feed(self, chunk: bytes) -> int:
        """Count the rows completed or begun in ``chunk``; returns the running total."""
        ...


class XmlRows:
    """Rows of SPARQL XML results.

    >>> counter = XmlRows()
    >>> counter.feed(b"<results><res"), counter.feed(b"ult></result><result></result>")
    (0, 2)
    """

    _TAG = b"<result>"

    def __init__(self) -> None:
        self.rows = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> int:
        data = self._tail + chunk
        self.rows += data.count(self._TAG)
        # Keep what could be the start of a tag cut by the chunk boundary.
        keep = len(self._TAG) - 1
        self._tail = data[-keep:] if len(data) > keep else data
        if self._TAG in self._tail:
            self._tail = b""
        return self.rows


class TsvRows:
    """Rows of SPARQL TSV results (lines after the header).

    >>> counter = TsvRows()
    >>> counter.feed(b"?s\\n<a>\\n"), counter.feed(b"<b>\\n")
    (1, 2)
    """

    def __init__(self) -> None:
        self._lines = 0

    @property
    def rows(self) -> int:
        return max(0, self._lines - 1)

    def feed(self, chunk: bytes) -> int:
        self._lines += chunk.count(b"\n")
        return self.rows


class CsvRows:
    """Rows of SPARQL CSV results (line breaks outside quoted values, after the header).

    >>> counter = CsvRows()
    >>> counter.feed(b's\\r\\n"a\\r\\nb"\\r\\n"c""'), counter.feed(b'd"\\r\\n')
    (1, 2)
    """

    def __init__(self) -> None:
        self._lines = 0
        self._quoted = False

    @property
    def rows(self) -> int:
        return max(0, self._lines - 1)

    def feed(self, chunk: bytes) -> int:
        parts = chunk.split(b'"')
        for n, part in enumerate(parts):
            if n:
                self._quoted = not self._quoted
            if not self._quoted:
                self._lines += part.count(b"\n")
        return self.rows


_ESCAPE = re.compile(rb"\\.", re.DOTALL)


class JsonRows:
    """Rows of SPARQL JSON results as Oxigraph writes them (no white space between tokens).

    >>> counter = JsonRows()
    >>> counter.feed(b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"literal",')
    1
    >>> counter.feed(b'"value":"},{"}},{}]}}')
    2
    """

    def __init__(self) -> None:
        self.rows = 0
        self._in_string = False
        self._carry = b""
        self._last_outside = b""

    def feed(self, chunk: bytes) -> int:
        data = self._carry + chunk
        self._carry = b""
        # An escape cut by the chunk boundary waits for its second byte.
        trailing = len(data) - len(data.rstrip(b"\\"))
        if trailing % 2:
            data, self._carry = data[:-1], b"\\"
        if b"\\" in data:
            data = _ESCAPE.sub(b"", data)
        for n, part in enumerate(data.split(b'"')):
            if n:
                self._in_string = not self._in_string
                self._last_outside = b'"'
            if self._in_string or not part:
                continue
            self.rows += part.count(b",{") + part.count(b"[{")
            if part[:1] == b"{" and self._last_outside in (b",", b"["):
                self.rows += 1
            self._last_outside = part[-1:]
        return self.rows


def row_counter(format_name: str) -> RowCounter:
    """The counter for a results format of the format table (``json``, ``xml``, ``csv``, ``tsv``)."""
    counters: dict[str, type[JsonRows | XmlRows | CsvRows | TsvRows]] = {
        "json": JsonRows,
        "xml": XmlRows,
        "csv": CsvRows,
        "tsv": TsvRows,
    }
    counter: RowCounter = counters[format_name]()
    return counter
