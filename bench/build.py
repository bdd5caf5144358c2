"""Build benchmark: documents per second, validation time, peak memory and store size of
``ungraph build`` on 10,000 and 100,000 documents, against the naive pipeline measured in the
same run (one rdflib graph for everything, validated by one whole-graph pySHACL run).

The documents are generated at bench time under ``{var}/bench/build/`` (never committed) from
the real corpus's shapes: each keeps the header of a corpus document (its kind of symbol line,
dateline, title and lead-in) with a new symbol number and year, followed by body paragraphs
drawn from the whole corpus. Each size is measured in a fresh process, so that peak memory is
that build's alone (the main process and, separately, its largest worker).

The naive baseline runs on a sample (2,000 documents; a whole-graph run over 100,000 would take
hours) and its figures are per document; the output says so.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.naive import NaivePipeline
from bench.process import in_fresh_process
from ungraph.build import BuildOptions, build, pipeline_fingerprint
from ungraph.config import Settings, load_settings
from ungraph.parse import parse_header
from ungraph.sources import SourceDocument, read_sources
from ungraph.store.layout import StoreLayout
from ungraph.validate import default_workers

QUICK = os.environ.get("UNGRAPH_BENCH_QUICK") == "1"
# UNGRAPH_BENCH_BUILD_SIZES=10000 and UNGRAPH_BENCH_BASELINE=500 run parts of the full bench.
SIZES = tuple(
    int(size)
    for size in os.environ.get(
        "UNGRAPH_BENCH_BUILD_SIZES", "40" if QUICK else "10000,100000"
    ).split(",")
)
BASELINE_SAMPLE = int(os.environ.get("UNGRAPH_BENCH_BASELINE", "20" if QUICK else "2000"))
GENERATOR = 1  # bump when the generated documents change shape
_SYMBOL = re.compile(r"\b((?:[A-Z]{2,5}/)+[A-Z]{0,5}/?)(\d{2,6})\b")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-2]\d)\b")


# ---------------------------------------------------------------------------------------------
# Documents shaped like the corpus
# ---------------------------------------------------------------------------------------------
def _templates(settings: Settings) -> tuple[list[tuple[str, SourceDocument]], list[str]]:
    """(header text, document) of every corpus document, and every body paragraph."""
    headers: list[tuple[str, SourceDocument]] = []
    paragraphs: list[str] = []
    for item in read_sources([settings.require_dir("corpus")]):
        if not isinstance(item, SourceDocument):
            continue
        start, end = parse_header(item).body
        headers.append((item.text[:start], item))
        paragraphs.extend(p.strip() for p in item.text[start:end].split("\n\n") if len(p) > 40)
    return headers, paragraphs


def generate(settings: Settings, count: int, path: Path) -> Path:
    """``count`` documents as JSON lines at ``path`` (kept between runs of the same size)."""
    marker = path.with_suffix(".done")
    if marker.exists() and marker.read_text("utf-8") == f"{GENERATOR}:{count}":
        return path
    headers, paragraphs = _templates(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps(_document(n, headers, paragraphs), ensure_ascii=False) + "\n")
    marker.write_text(f"{GENERATOR}:{count}", "utf-8")
    return path


def _document(
    n: int, headers: list[tuple[str, SourceDocument]], paragraphs: list[str]
) -> dict[str, Any]:
    pick = random.Random(n)
    header, template = headers[n % len(headers)]
    year = pick.randint(2003, 2025)
    number = 30_000 + n
    header = _SYMBOL.sub(lambda m: f"{m.group(1)}{number}", header)
    header = _YEAR.sub(str(year), header)
    body = "\n\n".join(pick.sample(paragraphs, k=min(len(paragraphs), pick.randint(4, 12))))
    record: dict[str, Any] = {
        "id": f"bench-{n}",
        "text": f"{header}{body}\n",
        # A new address per document: pages without a symbol get their IRI from it.
        "source_url": f"https://press.un.org/en/{year}/bench{number}.doc.htm",
        "published": f"{year}-{pick.randint(1, 12):02d}-{pick.randint(1, 28):02d}",
    }
    if template.title:
        record["title"] = _YEAR.sub(str(year), template.title)
    return record


# ---------------------------------------------------------------------------------------------
# Measurements, each in a fresh process
# ---------------------------------------------------------------------------------------------
def _peak_mib(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def _size_on_disk(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _measure_build(documents: str, store: str, workers: int) -> dict[str, Any]:
    settings = load_settings()
    shutil.rmtree(store, ignore_errors=True)
    options = BuildOptions(sources=(documents,), store=store, workers=workers)
    report = build(settings, options)
    first = report.to_json()
    rebuild: dict[str, Any] = {"rebuild_unchanged_s": None, "rebuild_skipped": 0}
    # Another engineer's commit to the code or data during a long run changes the pipeline:
    # the rebuild would then redo everything, which is not what it measures.
    if pipeline_fingerprint(settings) == report.pipeline:
        started = time.perf_counter()
        again = build(settings, options)  # nothing changed: every document is skipped
        rebuild = {
            "rebuild_unchanged_s": round(time.perf_counter() - started, 1),
            "rebuild_skipped": again.skipped,
        }
    layout = StoreLayout(Path(store))
    version = layout.current()
    assert version is not None
    built = max(1, report.built)
    timings = first["timings"]
    return {
        "documents": report.read,
        "built": report.built,
        "quarantined": len(report.quarantined),
        "workers": workers,
        "seconds": round(report.seconds, 1),
        "docs_per_s": round(report.built / timings["documents"], 1),
        "cpu_ms_per_doc": {
            stage: round(timings[f"{stage}_cpu"] / built * 1000, 1)
            for stage in ("extract", "map", "validate")
        },
        "validation_s": round(timings["validate_cpu"], 1),  # CPU, summed over workers
        "triples": report.triples_written,
        "triples_per_doc": round(report.triples_written / built),
        "store_quads": report.store_quads,
        "store_mib": round(_size_on_disk(layout.version_dir(version)) / 2**20, 1),
        # Workers start from a fork server, not as children of this process: the build
        # report carries each process's own peak.
        "peak_mib_main": report.peak_mib["main"],
        "peak_mib_worker": report.peak_mib.get("worker", 0.0),
        **rebuild,
    }


def _measure_baseline(documents: str, sample: int) -> dict[str, Any]:
    """The naive pipeline: every document into one rdflib graph, one pySHACL run on it."""
    from pyshacl import validate

    from ungraph.extract import extract_document
    from ungraph.mapping import map_extraction

    naive = NaivePipeline.start("baseline")
    knowledge, minter, run, graph = naive.knowledge, naive.minter, naive.run, naive.graph
    # Wall time for documents per second, CPU time for the stages (as the build reports them).
    started, cpu = time.perf_counter(), time.process_time()
    count = 0
    for source in _first(documents, sample):
        extraction = extract_document(source, knowledge)
        graph += map_extraction(extraction, minter, run, registry=knowledge.registry)
        count += 1
    mapped, mapped_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    conforms, _report, _text = validate(graph, shacl_graph=naive.shapes, inference="none")
    validated, validated_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "documents": count,
        "conforms": bool(conforms),
        "triples": len(graph),
        "docs_per_s": round(count / (mapped + validated), 2),
        "validation_s": round(validated, 1),
        "validation_ms_per_doc": round(validated_cpu / count * 1000, 1),
        "extract_map_ms_per_doc": round(mapped_cpu / count * 1000, 1),
        "peak_mib": _peak_mib(resource.RUSAGE_SELF),
        "peak_mib_per_doc": round(_peak_mib(resource.RUSAGE_SELF) / count, 3),
    }


def _first(documents: str, count: int) -> Iterator[SourceDocument]:
    for n, item in enumerate(read_sources([documents])):
        if n >= count:
            return
        if isinstance(item, SourceDocument):
            yield item


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------
def run() -> dict[str, Any]:
    settings = load_settings()
    folder = settings.var / "bench" / "build"
    workers = default_workers()
    results: dict[str, Any] = {"quick": QUICK, "cpus": workers, "sizes": {}}
    for size in SIZES:
        documents = generate(settings, size, folder / f"docs-{size}.jsonl")
        store = str(folder / f"store-{size}")
        measured = in_fresh_process(_measure_build, str(documents), store, workers)
        results["sizes"][str(size)] = measured
        print(f"build {size}: {json.dumps(measured)}", flush=True)  # a long run shows progress
        shutil.rmtree(store, ignore_errors=True)
    sample_source = generate(settings, max(SIZES), folder / f"docs-{max(SIZES)}.jsonl")
    results["baseline"] = in_fresh_process(_measure_baseline, str(sample_source), BASELINE_SAMPLE)
    print(f"baseline: {json.dumps(results['baseline'])}", flush=True)
    results["baseline"]["note"] = (
        f"naive pipeline on the first {BASELINE_SAMPLE} documents, figures per document: "
        "one whole-graph pySHACL run over 100,000 documents would take hours"
    )
    print(table(results))
    return results


def table(results: dict[str, Any]) -> str:
    """The figures as a text table, with ratios against the baseline of the same run."""
    base = results["baseline"]
    rows = [("", *(f"build {s}" for s in results["sizes"]), f"naive ({base['documents']} sample)")]
    sizes = list(results["sizes"].values())

    def ratio(ours: float, theirs: float) -> str:
        return f"{ours / theirs:.1f}x" if theirs else "-"

    rows.append(
        (
            "documents / s",
            *(f"{s['docs_per_s']} ({ratio(s['docs_per_s'], base['docs_per_s'])})" for s in sizes),
            str(base["docs_per_s"]),
        )
    )
    rows.append(
        (
            "validation ms / doc (CPU)",
            *(
                f"{s['cpu_ms_per_doc']['validate']} ({ratio(base['validation_ms_per_doc'], s['cpu_ms_per_doc']['validate'])} less)"
                for s in sizes
            ),
            str(base["validation_ms_per_doc"]),
        )
    )
    rows.append(
        (
            "validation s (total)",
            *(str(s["validation_s"]) for s in sizes),
            f"{base['validation_s']} for the sample",
        )
    )
    rows.append(
        (
            "peak MiB (main / worker)",
            *(f"{s['peak_mib_main']} / {s['peak_mib_worker']}" for s in sizes),
            f"{base['peak_mib']} ({base['peak_mib_per_doc']} / doc)",
        )
    )
    rows.append(("store MiB on disk", *(str(s["store_mib"]) for s in sizes), "(in memory)"))
    rows.append(("triples", *(str(s["triples"]) for s in sizes), str(base["triples"])))
    rows.append(
        (
            "rebuild, nothing changed (s)",
            *(
                "code changed mid-run"
                if s["rebuild_unchanged_s"] is None
                else str(s["rebuild_unchanged_s"])
                for s in sizes
            ),
            "-",
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.append(f"({results['cpus']} worker processes; {base['note']})")
    return "\n".join(lines)
