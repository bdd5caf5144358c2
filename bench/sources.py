"""Documents-stage benchmarks: documents per second per format, and memory while streaming.

A synthetic corpus well beyond the sample's size (text files with sidecars, press.un.org-shaped
HTML pages built from the test fixture, one large JSON-lines file), so the numbers track what a
build of 10,000+ documents pays before parsing starts. Filler text is generated, never UN text.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from ungraph.sources import SourceDocument, read_sources

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "data" / "html"
WORDS: tuple[str, ...] = ("digital", "cooperation", "network", "access", "school", "clinic")
WORDS += ("village", "library", "standard", "radio", "volunteer", "data", "connection", "skills")
WORDS += ("training", "community", "partnership", "government", "youth")


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    return [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 90))).capitalize() + "."
        for _ in range(count)
    ]


def _corpus(root: Path, texts: int, pages: int, lines: int) -> None:
    rng = random.Random(17)
    (root / "txt").mkdir()
    for n in range(texts):
        body = "\r\n\r\n".join(_paragraphs(rng, 8))  # CRLF: normalised on the way in
        (root / "txt" / f"doc{n:05d}.txt").write_text(body, encoding="utf-8", newline="")
        sidecar = {
            "source_url": f"https://press.un.org/en/2020/sgsm{n}.doc.htm",
            "published": "2020-05-17",
            "title": f"Synthetic release {n}",
        }
        (root / "txt" / f"doc{n:05d}.meta.json").write_text(json.dumps(sidecar), "utf-8")
    template = (FIXTURE / "press_un_org_multi_symbol.html").read_text(encoding="utf-8")
    (root / "html").mkdir()
    for n in range(pages):
        body = "".join(f"<p>{p}</p>" for p in _paragraphs(rng, 8))
        page = template.replace("17700", str(20000 + n)).replace(
            "<p>Let us support them with training and spare parts.</p>", body
        )
        (root / "html" / f"sgsm{20000 + n}.html").write_text(page, encoding="utf-8")
    with (root / "docs.jsonl").open("w", encoding="utf-8") as handle:
        for n in range(lines):
            text = "\n\n".join(_paragraphs(rng, 8))
            handle.write(json.dumps({"id": f"j{n}", "text": text, "published": "2021"}) + "\n")


def _read_all(spec: Path) -> tuple[int, int, int]:
    count = chars = errors = 0
    for item in read_sources([spec]):
        if isinstance(item, SourceDocument):
            count += 1
            chars += len(item.text)
        else:
            errors += 1
    return count, chars, errors


def _measure(spec: Path) -> dict[str, Any]:
    start = time.perf_counter()
    count, chars, errors = _read_all(spec)
    seconds = time.perf_counter() - start
    return {
        "documents": count,
        "errors": errors,
        "seconds": round(seconds, 3),
        "documents_per_second": round(count / seconds, 1) if seconds else None,
        "mib_per_second": round(chars / 1048576 / seconds, 2) if seconds else None,
    }


def _peak_memory(spec: Path) -> float:
    """Peak traced memory (MiB) over a whole read: flat when reading streams."""
    tracemalloc.start()
    _read_all(spec)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(peak / 1048576, 2)


def run(texts: int = 4000, pages: int = 2000, lines: int = 4000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _corpus(root, texts, pages, lines)
        return {
            "text_with_sidecar": _measure(root / "txt"),
            "html_press_un_org": _measure(root / "html"),
            "jsonl": _measure(root / "docs.jsonl"),
            "all_10000": _measure(root),
            "all_10000_peak_traced_mib": _peak_memory(root),
        }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
