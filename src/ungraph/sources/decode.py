"""Bytes to text: byte-order marks, strict UTF-8, a Western-encoding detector, newlines to LF."""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from ungraph.sources.model import SourceError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# Longest mark first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# What the detector may choose from. UN documents in English, French and Spanish that are not
# UTF-8 come from Windows (cp1252), older Unix tools (Latin-1, Latin-9) or classic Mac OS; letting
# the detector roam over Cyrillic or Asian code pages turns a few curly quotes into nonsense.
DETECTOR_CANDIDATES = ("cp1252", "iso8859_15", "latin_1", "mac_roman")

# C0 controls a text file does not contain. Tab, LF, CR, VT (Word's manual line break) and FF
# (the page breaks of the General Debate corpus) are allowed.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
MAX_CONTROL_RATIO = 0.01

# Labels a page may declare, mapped as the WHATWG Encoding Standard maps them: browsers read
# "iso-8859-1" and "us-ascii" as windows-1252, and a UTF-16 label without a BOM as UTF-8.
_DECLARED_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "x-cp1252": "cp1252",
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}


@dataclass(frozen=True)
class Decoded:
    """Decoded text and how it was decoded.

    ``encoding`` is the Python codec that produced the text; ``how`` says why that one:
    ``bom``, ``utf-8`` (strict UTF-8 succeeded), ``declared`` (the page or server said so),
    ``detected`` (charset-normalizer) or ``fallback`` (cp1252, else Latin-1).
    """

    text: str
    encoding: str
    how: str

    @property
    def label(self) -> str:
        """``utf-8``, ``cp1252 (detected)``, ... for reports and ``SourceDocument.extra``."""
        return self.encoding if self.how == "utf-8" else f"{self.encoding} ({self.how})"


def human_size(size: int) -> str:
    """A byte count for messages.

    >>> human_size(5 * 1024 * 1024)
    '5 MiB'
    >>> human_size(1536)
    '1.5 KiB'
    >>> human_size(12)
    '12 bytes'
    """
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            if unit == "bytes":
                return f"{size} bytes"
            return f"{value:.1f}".rstrip("0").rstrip(".") + f" {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def read_limited(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, origin: str = "") -> bytes:
    """Return the bytes of ``path``, or raise :class:`SourceError` if it is over ``max_bytes``.

    The size is checked from the file system before reading, and the read itself stops one byte
    past the limit, so a huge (or growing, or special) file is never loaded whole.
    """
    where = origin or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SourceError(where, _too_big(size, max_bytes))
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise SourceError(where, f"cannot be read: {error.strerror or error}") from error
    if len(data) > max_bytes:
        raise SourceError(where, _too_big(len(data), max_bytes))
    return data


def _too_big(size: int, max_bytes: int) -> str:
    return (
        f"is {human_size(size)}, over the limit of {human_size(max_bytes)} "
        "(raise max_bytes to read it)"
    )


def normalise_newlines(text: str) -> str:
    r"""CRLF and lone CR become LF; nothing else changes.

    >>> normalise_newlines("a\r\nb\rc\n")
    'a\nb\nc\n'
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_bytes(data: bytes, origin: str, *, declared: str | None = None) -> Decoded:
    """Decode the bytes of one document and normalise its newlines to ``\\n``.

    Order: a byte-order mark decides; else strict UTF-8; else the ``declared`` encoding (an HTML
    ``<meta charset>`` or an HTTP header); else charset-normalizer among
    :data:`DETECTOR_CANDIDATES`; else cp1252, and Latin-1 for bytes cp1252 leaves undefined.
    Strict UTF-8 goes before a declaration because a non-ASCII text that happens to be valid
    UTF-8 almost never is anything else, while mislabelled pages are common.

    Raises :class:`SourceError` (naming ``origin``) for binary data (NUL bytes, too many control
    characters), for empty or whitespace-only text, and for text a BOM promises but the bytes
    do not deliver. The text keeps its quotes, dashes and non-breaking spaces as published.

    >>> decode_bytes("café".encode("cp1252"), "x.txt").label
    'cp1252 (detected)'
    >>> decode_bytes(b"\\xef\\xbb\\xbfa\\r\\nb", "x.txt").text
    'a\\nb'
    """
    decoded = _decode(data, origin, declared)
    text = normalise_newlines(decoded.text)
    if not text.strip():
        raise SourceError(origin, "is empty" if not text else "contains only whitespace")
    return Decoded(text, decoded.encoding, decoded.how)


def _decode(data: bytes, origin: str, declared: str | None) -> Decoded:
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return _decode_with_bom(data, len(mark), encoding, origin, declared)
    _check_binary_bytes(data, origin)
    return _decode_unmarked(data, origin, declared)


def _decode_with_bom(
    data: bytes, mark: int, encoding: str, origin: str, declared: str | None
) -> Decoded:
    body = data[mark:]
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding != "utf-8":
            raise SourceError(
                origin,
                f"starts with a {encoding.upper()} byte-order mark but byte {error.start + mark} "
                "is not valid in that encoding (binary file?)",
            ) from error
        # A UTF-8 mark in front of Windows text happens when files are concatenated or
        # re-saved by a confused editor: drop the mark and read the rest on its own.
        _check_binary_bytes(body, origin)
        rest = _decode_unmarked(body, origin, declared)
        return Decoded(rest.text, rest.encoding, f"{rest.how} after a UTF-8 BOM")
    check_text(text, origin, unassigned=True)
    return Decoded(text, encoding, "bom")


def _decode_unmarked(data: bytes, origin: str, declared: str | None) -> Decoded:
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    codec = _declared_codec(declared)
    if codec is not None and codec != "utf-8":
        try:
            return Decoded(data.decode(codec, _errors_for(codec)), codec, "declared")
        except UnicodeDecodeError:
            pass
    best = from_bytes(data, cp_isolation=list(DETECTOR_CANDIDATES)).best()
    if best is not None:
        return Decoded(str(best), best.encoding, "detected")
    return Decoded(data.decode("cp1252", _LATIN1_FALLBACK), "cp1252", "fallback")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    # The WHATWG windows-1252 decoder maps the five bytes cp1252 leaves undefined (0x81, 0x8D,
    # 0x8F, 0x90, 0x9D) to the code points Latin-1 gives them, so decoding never fails.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin_1"), error.end


_LATIN1_FALLBACK = "ungraph-latin1-fallback"
codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)


def _errors_for(codec: str) -> str:
    return _LATIN1_FALLBACK if codec == "cp1252" else "strict"


def _declared_codec(label: str | None) -> str | None:
    """The Python codec for a declared encoding label, or None if it names none.

    >>> _declared_codec("ISO-8859-1"), _declared_codec("utf8"), _declared_codec("klingon")
    ('cp1252', 'utf-8', None)
    """
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    if key in _DECLARED_ALIASES:
        return _DECLARED_ALIASES[key]
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    return "utf-8" if name == "utf-8" else name


def _check_binary_bytes(data: bytes, origin: str) -> None:
    if b"\x00" in data:
        raise SourceError(
            origin,
            "contains NUL bytes: a binary file, or UTF-16/32 text without a byte-order mark",
        )
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if controls and controls > MAX_CONTROL_RATIO * len(data):
        raise SourceError(
            origin,
            f"looks binary: {controls} control bytes in {len(data)} "
            f"(more than {MAX_CONTROL_RATIO:.0%})",
        )


# How much of a BOM-marked text the unassigned-character check samples.
_SAMPLE_CHARS = 65536


def check_text(text: str, origin: str, *, unassigned: bool = False) -> None:
    r"""Raise :class:`SourceError` if decoded text looks like binary data.

    NUL characters, or more than 1% control characters. With ``unassigned``, also count
    unassigned and private-use code points in the first 64 Ki characters: binary data behind
    a UTF-16/32 byte-order mark decodes to those rather than to controls.

    >>> check_text("a\x00b", "x.jsonl:3")
    Traceback (most recent call last):
    ungraph.sources.model.SourceError: x.jsonl:3: contains NUL characters: a binary file?
    """
    if "\x00" in text:
        raise SourceError(origin, "contains NUL characters: a binary file?")
    odd = len(_CONTROL_CHARS.findall(text))
    size = len(text)
    if unassigned:
        sample = text[:_SAMPLE_CHARS]
        size = len(sample)
        odd = len(_CONTROL_CHARS.findall(sample)) + sum(
            1 for char in sample if unicodedata.category(char) in {"Cn", "Co"}
        )
    if odd and odd > MAX_CONTROL_RATIO * size:
        raise SourceError(
            origin,
            f"looks binary: {odd} control{' or unassigned' if unassigned else ''} "
            f"characters in {size}",
        )
