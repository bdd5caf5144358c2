"""What a source reader hands to the parser: one decoded document and what its page said."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceDocument:
    """One document as read from a file, a page or a JSON line, before any parsing.

    ``text`` is decoded and newline-normalised (``\\n`` only, no BOM); every extracted passage
    points into it, so readers must never change it after this point. For HTML pages it is the
    body's text (one paragraph per block, blank line between blocks) and the page's structured
    header goes into ``page_*``.

    ``doc_id`` identifies the document within its source (file stem, JSON-lines ``id``);
    ``origin`` says where it came from for error messages (``path``, ``path:line``,
    ``archive.tar.gz!member``).
    """

    doc_id: str
    origin: str
    text: str
    format: str  # "text" | "html" | "jsonl" | "ungd"
    source_url: str | None = None
    published: str | None = None  # ISO date the page or sidecar gives
    title: str | None = None  # title the page or sidecar gives
    page_symbols: tuple[str, ...] = ()  # symbols from the page structure (HTML)
    page_kind: str | None = None  # document type the page structure gives (HTML)
    extra: dict[str, str] = field(default_factory=dict)  # e.g. ungd: iso3, session, year

    @property
    def content_hash(self) -> str:
        """SHA-256 over the text and what the page said: a re-build skips unchanged documents."""
        digest = hashlib.sha256()
        for part in (
            self.text,
            self.source_url or "",
            self.published or "",
            self.title or "",
            "|".join(self.page_symbols),
            self.page_kind or "",
            repr(sorted(self.extra.items())),
        ):
            digest.update(part.encode("utf-8"))
            digest.update(b"\x00")
        return digest.hexdigest()


class SourceError(Exception):
    """A document that cannot be read; ``origin`` names the file (and line or member)."""

    def __init__(self, origin: str, message: str) -> None:
        super().__init__(f"{origin}: {message}")
        self.origin = origin
        self.message = message
