"""General Debate build benchmark: the real corpus (10,952 statements, 1946-2024) built,
validated and loaded by ``ungraph build``, against the naive pipeline measured in the same run.

Three measurements, each in a fresh process:

- **The whole build** (``ungraph build`` of the archive, as a user runs it, default workers):
  wall time, documents per second, the peak resident memory of the *whole process tree* (main
  process, fork server and workers, sampled from ``/proc`` every 0.2 s), and the CPU time of
  each stage as the build report gives it (summed over workers).
- **Stages on a sample, ours**: statements taken evenly across the archive, one core: parse +
  extract alone, mapping, SHACL validation (the build's validator) and loading (Oxigraph's bulk
  loader, as the build loads), documents per second each, and peak memory.
- **Stages on the same sample, naive**: the same extraction and mapping, every graph added to one
  rdflib ``Graph`` with the vocabularies, and one whole-graph pySHACL run (no inference).

The naive pipeline cannot take the whole corpus (its pySHACL run grows with the graph and runs
each SPARQL constraint once per focus node: hours), so the ratios are on the sample, and the
output says so. Targets: the whole corpus in under 10 minutes, peak memory under 2 GiB.

``UNGRAPH_BENCH_QUICK=1``: a 12-statement sample, built whole as well (CI smoke run).
``UNGRAPH_BENCH_UNGD_SAMPLE=N`` sets the sample; ``UNGRAPH_BENCH_UNGD_FULL=0`` skips the full build.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path, PurePosixPath
from typing import Any

from bench.naive import NaivePipeline
from bench.process import in_fresh_process
from ungraph.config import load_settings

QUICK = os.environ.get("UNGRAPH_BENCH_QUICK") == "1"
SAMPLE = int(os.environ.get("UNGRAPH_BENCH_UNGD_SAMPLE", "12" if QUICK else "200"))
FULL = not QUICK and os.environ.get("UNGRAPH_BENCH_UNGD_FULL", "1") != "0"
CORPUS_SIZE = 10_952  # statements in the archive (manifest.tsv)
TARGET_SECONDS = 600
TARGET_MIB = 2048


# ---------------------------------------------------------------------------------------------
# Memory of a process tree
# ---------------------------------------------------------------------------------------------
def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, read from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
        children.setdefault(parent, []).append(int(entry))
    total, stack, page = 0, [root], os.sysconf("SC_PAGE_SIZE")
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                total += int(handle.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


def run_measured(command: list[str]) -> tuple[int, float, float, str]:
    """Run ``command``: exit code, wall seconds, peak MiB of its process tree, stderr's tail."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.2)
    wall = time.perf_counter() - started
    assert process.stderr is not None
    tail = process.stderr.read().decode("utf-8", "replace")[-2000:]
    return process.returncode, wall, peak / 2**20, tail


# ---------------------------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------------------------
def sample_folder(archive: Path, count: int, folder: Path) -> Path:
    """``count`` statements taken evenly across the archive, written as the unpacked corpus is
    (``Session NN - YYYY/ISO3_NN_YYYY.txt``) under ``folder`` (kept between runs)."""
    marker = folder / ".done"
    if marker.is_file() and marker.read_text("utf-8") == str(count):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    step = max(1, CORPUS_SIZE // count)
    taken = 0
    with tarfile.open(archive, "r|gz") as tar:
        files = (m for m in tar if m.isfile() and m.name.endswith(".txt"))
        for index, member in enumerate(files):
            if index % step or taken >= count:
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            path = PurePosixPath(member.name)
            target = folder / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(handle.read())
            taken += 1
    marker.write_text(str(count), "utf-8")
    return folder


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------
def measure_build(source: str, store: Path, report: Path) -> dict[str, Any]:
    """``ungraph build`` as a user runs it, in its own process tree."""
    shutil.rmtree(store, ignore_errors=True)
    command = [sys.executable, "-c", "from ungraph.cli import main; main()", "build", source]
    command += ["--store", str(store), "--report", str(report)]
    code, wall, peak, tail = run_measured(command)
    if code not in (0, 1):
        raise RuntimeError(f"ungraph build failed ({code}): {tail}")
    data = json.loads(report.read_text("utf-8"))
    built = data["documents"]["built"]
    timings = data["timings"]
    shutil.rmtree(store, ignore_errors=True)
    return {
        "documents": data["documents"]["read"],
        "built": built,
        "quarantined": data["documents"]["quarantined"],
        "wall_s": round(wall, 1),
        "docs_per_s": round(built / wall, 2),
        "peak_tree_mib": round(peak, 1),
        "stage_cpu_s": {k: round(timings[f"{k}_cpu"], 1) for k in ("extract", "map", "validate")},
        "stage_docs_per_cpu_s": {
            k: round(built / timings[f"{k}_cpu"], 1) if timings[f"{k}_cpu"] else None
            for k in ("extract", "map", "validate")
        },
        "triples": data["triples_written"],
        "within_target": wall < TARGET_SECONDS and peak < TARGET_MIB,
    }


def _documents(folder: str) -> list[Any]:
    from ungraph.sources import SourceDocument, read_sources

    return [d for d in read_sources([folder]) if isinstance(d, SourceDocument)]


def measure_ours(folder: str) -> dict[str, Any]:
    """Our stages on one core: parse + extract, map, validate (serialized as the workers send
    graphs), bulk load."""
    import pyoxigraph as ox

    from ungraph.extract import extract_document
    from ungraph.extract.knowledge import Knowledge
    from ungraph.iris import Minter
    from ungraph.mapping import Run, map_document
    from ungraph.validate import GraphValidator, vocabulary_types

    settings = load_settings()
    minter = Minter(settings.base_iri)
    knowledge = Knowledge.load(settings)
    types = vocabulary_types(settings)
    validator = GraphValidator(types=types)
    run = Run.create(minter, "bench")
    documents = _documents(folder)
    # Caches built on first use (the ontology's class closure, extractor indexes, pySHACL's
    # shapes) are paid before timing, by both pipelines alike.
    warm = map_document(
        extract_document(documents[0], knowledge), minter, run, known=types.__contains__
    )
    validator.validate_batch([(str(warm.iri), warm.graph)], serialize=True)
    seconds = {"extract": 0.0, "map": 0.0, "validate": 0.0, "load": 0.0}
    chunks: list[str] = []
    conforming = 0
    for source in documents:
        t0 = time.process_time()
        extraction = extract_document(source, knowledge)
        t1 = time.process_time()
        mapped = map_document(
            extraction, minter, run, registry=knowledge.registry, known=types.__contains__
        )
        t2 = time.process_time()
        (validation,) = validator.validate_batch([(str(mapped.iri), mapped.graph)], serialize=True)
        t3 = time.process_time()
        seconds["extract"] += t1 - t0
        seconds["map"] += t2 - t1
        seconds["validate"] += t3 - t2
        conforming += validation.conforms
        assert validation.ntriples is not None
        name = str(mapped.graph_name)
        chunks.append(validation.ntriples.replace(" .\n", f" <{name}> .\n"))
    started = time.process_time()
    store = ox.Store()
    store.bulk_load(("".join(chunks)).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    seconds["load"] = time.process_time() - started
    count = len(documents)
    return {
        "documents": count,
        "conforming": conforming,
        "quads": len(store),
        "cpu_s": {k: round(v, 2) for k, v in seconds.items()},
        "docs_per_s": {k: round(count / v, 1) if v else None for k, v in seconds.items()},
        "docs_per_s_all": round(count / sum(seconds.values()), 2),
        "peak_mib": _peak_mib(),
    }


def measure_naive(folder: str) -> dict[str, Any]:
    """The naive pipeline: one rdflib graph for the vocabularies and every document, one
    whole-graph pySHACL run."""
    from pyshacl import validate

    from ungraph.extract import extract_document
    from ungraph.mapping import map_extraction

    naive = NaivePipeline.start("naive")
    knowledge, minter, run, graph = naive.knowledge, naive.minter, naive.run, naive.graph
    documents = _documents(folder)
    map_extraction(extract_document(documents[0], knowledge), minter, run)  # warm-up, as ours
    seconds = {"extract": 0.0, "map": 0.0, "validate": 0.0, "load": 0.0}
    for source in documents:
        t0 = time.process_time()
        extraction = extract_document(source, knowledge)
        t1 = time.process_time()
        mapped = map_extraction(extraction, minter, run, registry=knowledge.registry)
        t2 = time.process_time()
        graph += mapped  # "loading": into the one in-memory graph
        t3 = time.process_time()
        seconds["extract"] += t1 - t0
        seconds["map"] += t2 - t1
        seconds["load"] += t3 - t2
    started = time.process_time()
    conforms, _report, _text = validate(graph, shacl_graph=naive.shapes, inference="none")
    seconds["validate"] = time.process_time() - started
    count = len(documents)
    return {
        "documents": count,
        "conforms": bool(conforms),
        "triples": len(graph),
        "cpu_s": {k: round(v, 2) for k, v in seconds.items()},
        "docs_per_s": {k: round(count / v, 1) if v else None for k, v in seconds.items()},
        "docs_per_s_all": round(count / sum(seconds.values()), 2),
        "peak_mib": _peak_mib(),
    }


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------
def run() -> dict[str, Any]:
    settings = load_settings()
    archive = settings.ungd_dir / "ungd-txt.tar.gz"
    if not archive.is_file():
        return {"skipped": f"the General Debate archive is not at {archive}"}
    work = settings.var / "bench" / "ungd"
    work.mkdir(parents=True, exist_ok=True)
    folder = sample_folder(archive, SAMPLE, work / f"sample-{SAMPLE}" / "txt")
    results: dict[str, Any] = {"quick": QUICK, "cpus": os.cpu_count(), "sample": SAMPLE}
    if FULL:
        results["full"] = measure_build(str(archive), work / "store-full", work / "full.json")
        print(f"ungd full build: {json.dumps(results['full'])}", flush=True)
    results["sample_build"] = measure_build(str(folder), work / "store-sample", work / "s.json")
    print(f"ungd sample build: {json.dumps(results['sample_build'])}", flush=True)
    results["ours"] = in_fresh_process(measure_ours, str(folder))
    print(f"ungd ours: {json.dumps(results['ours'])}", flush=True)
    results["naive"] = in_fresh_process(measure_naive, str(folder))
    print(f"ungd naive: {json.dumps(results['naive'])}", flush=True)
    results["note"] = (
        f"stage figures and ratios on {results['ours']['documents']} statements taken evenly "
        "across the archive, one "
        "core, CPU time; the naive pipeline (one rdflib graph, one whole-graph pySHACL run) "
        "cannot take the whole corpus in reasonable time"
    )
    print(table(results))
    return results


def table(results: dict[str, Any]) -> str:
    """The figures as a text table, ratios ours / naive."""
    ours, naive = results["ours"], results["naive"]

    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.1f}x" if a and b else "-"

    rows = [("documents / s (one core)", f"ours ({ours['documents']})", "naive", "ratio")]
    for stage, label in (
        ("extract", "parse + extract"),
        ("map", "mapping"),
        ("validate", "SHACL validation"),
        ("load", "loading"),
    ):
        a, b = ours["docs_per_s"][stage], naive["docs_per_s"][stage]
        rows.append((label, str(a), str(b), ratio(a, b)))
    rows.append(
        (
            "all stages",
            str(ours["docs_per_s_all"]),
            str(naive["docs_per_s_all"]),
            ratio(ours["docs_per_s_all"], naive["docs_per_s_all"]),
        )
    )
    rows.append(("peak MiB", str(ours["peak_mib"]), str(naive["peak_mib"]), ""))
    for key in ("sample_build", "full"):
        if key in results:
            build = results[key]
            rows.append(
                (
                    f"ungraph build, {build['built']} docs",
                    f"{build['wall_s']} s, {build['docs_per_s']} docs/s",
                    f"peak tree {build['peak_tree_mib']} MiB",
                    "within target" if build["within_target"] else "OVER TARGET",
                )
            )
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)) for row in rows]
    return "\n".join(lines) + f"\n({results['note']})"
