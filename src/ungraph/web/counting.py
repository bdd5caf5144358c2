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
        outside, self._quoted = _outside_strings(chunk, self._quoted)
        self._lines += outside.count(b"\n")
        return self.rows


_STRING = re.compile(rb'"[^"]*"')


def _outside_strings(data: bytes, inside: bool) -> tuple[bytes, bool]:
    """The parts of ``data`` outside double-quoted strings, each string replaced by ``s``, and
    whether ``data`` ends inside a string (``inside``: whether it starts inside one). Quotes
    must all be delimiters (escapes removed first). Done with one regular expression pass, in C.

    >>> _outside_strings(b'a"b"c"d', False)
    (b'ascs', True)
    >>> _outside_strings(b'x"y', True)
    (b'sy', False)
    """
    prefix = b""
    if inside:
        end = data.find(b'"')
        if end < 0:
            return b"", True
        data, prefix = data[end + 1 :], b"s"
    stripped = prefix + _STRING.sub(b"s", data)
    opened = stripped.find(b'"')
    if opened >= 0:
        return stripped[:opened] + b"s", True
    return stripped, False


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
        self._last = b""

    def feed(self, chunk: bytes) -> int:
        data = self._carry + chunk
        self._carry = b""
        # An escape cut by the chunk boundary waits for its second byte.
        trailing = len(data) - len(data.rstrip(b"\\"))
        if trailing % 2:
            data, self._carry = data[:-1], b"\\"
        if b"\\" in data:
            data = _ESCAPE.sub(b"", data)
        outside, self._in_string = _outside_strings(data, self._in_string)
        text = self._last + outside
        self.rows += text.count(b",{") + text.count(b"[{")
        if text:
            self._last = text[-1:]
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
