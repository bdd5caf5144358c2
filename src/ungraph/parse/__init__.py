"""The parse stage: a source document's header (symbols, date, title, kind) and body span."""

from __future__ import annotations

from ungraph.parse.header import parse_header
from ungraph.parse.model import DOCUMENT_KINDS, Evidence, Header, HeaderField, HeaderLine

__all__ = ["DOCUMENT_KINDS", "Evidence", "Header", "HeaderField", "HeaderLine", "parse_header"]
