"""Extraction speed on one core: documents per second, per extractor, on real UN text.

Two workloads of real text, read by path (never copied): the annotated corpus (short press
releases, repeated to smooth the timer) and general-debate statements from the UNGD tarball
(long speeches). The baseline, measured in the same run on the same documents, is the parse
stage alone (header, body span, sentences): the ratio says how much the extractors add to the
floor every document pays anyway.
"""

from __future__ import annotations

import os
import tarfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ungraph.config import load_settings
from ungraph.extract import EXTRACTORS, Knowledge
from ungraph.extract.context import Context, Draft
from ungraph.parse import parse_header
from ungraph.parse.sentences import sentences
from ungraph.sources import SourceDocument, read_sources

QUICK = os.environ.get("UNGRAPH_BENCH_QUICK") == "1"


def _corpus(corpus: Path, repeat: int) -> list[SourceDocument]:
    documents = [d for d in read_sources([corpus]) if isinstance(d, SourceDocument)]
    return documents * repeat


def _ungd(ungd: Path, count: int) -> list[SourceDocument]:
    """The first ``count`` statements of the 21st century from the tarball, in archive order."""
    archive = ungd / "ungd-txt.tar.gz"
    if not archive.is_file():
        return []
    found: list[SourceDocument] = []
    with tarfile.open(archive) as tar:
        for member in _members(tar):
            name = member.name.rsplit("/", 1)[-1]
            parts = name[:-4].split("_")
            if len(parts) != 3 or int(parts[2]) < 2000:
                continue
            handle = tar.extractfile(member)
            if handle is None:
                continue
            text = handle.read().decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
            found.append(SourceDocument(name[:-4], f"{archive}!{member.name}", text, "text"))
            if len(found) >= count:
                break
    return found


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    for member in tar:
        if member.isfile() and member.name.endswith(".txt"):
            yield member


def _time(documents: list[SourceDocument], knowledge: Knowledge) -> dict[str, Any]:
    started = time.perf_counter()
    for document in documents:
        header = parse_header(document)
        sentences(document.text, *header.body)
    parse_seconds = time.perf_counter() - started

    per_extractor: dict[str, float] = defaultdict(float)
    started = time.perf_counter()
    for document in documents:
        header = parse_header(document)
        ctx = Context(document, header, knowledge, header.date.value if header.date else None)
        draft = Draft()
        for name, extractor in EXTRACTORS.items():
            t0 = time.perf_counter()
            extractor(ctx, draft)
            per_extractor[name] += time.perf_counter() - t0
    full_seconds = time.perf_counter() - started
    count = len(documents)
    characters = sum(len(d.text) for d in documents)
    return {
        "documents": count,
        "mean_characters": round(characters / count) if count else 0,
        "baseline_parse_docs_per_s": round(count / parse_seconds, 1),
        "extract_docs_per_s": round(count / full_seconds, 1),
        "ratio_extract_vs_parse": round(full_seconds / parse_seconds, 2),
        "seconds_per_extractor": {k: round(v, 3) for k, v in per_extractor.items()},
    }


def run() -> dict[str, Any]:
    settings = load_settings()
    knowledge = Knowledge.load(settings)
    corpus = _corpus(settings.require_dir("corpus"), 4 if QUICK else 40)
    results: dict[str, Any] = {"corpus": _time(corpus, knowledge)}
    statements = _ungd(settings.ungd_dir, 30 if QUICK else 500)
    if statements:
        results["general_debate"] = _time(statements, knowledge)
    return results
