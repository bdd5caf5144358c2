"""``ungraph build``: the corpus builds, a rebuild skips what did not change and replaces what did,
failures are quarantined without losing anything, and a killed build leaves the previous version
current and intact."""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDFS, Graph, Literal, URIRef

import ungraph.build as build_module
import ungraph.mapping as mapping_module
from ungraph.build import REPORT_NAME, BuildError, BuildOptions, BuildReport, build
from ungraph.cli import main
from ungraph.config import Settings
from ungraph.extract import EXTRACTORS
from ungraph.formats import NTRIPLES
from ungraph.iris import Minter
from ungraph.mapping import MappedDocument, Run
from ungraph.namespaces import UNG
from ungraph.processes import clean_context
from ungraph.store import SelectResult, current_version, open_store
from ungraph.store.layout import StoreLayout

SEED = "https://w3id.org/ungraph/id/document/sg-sm-17419"
# A message delivered by someone else, a spokesperson's statement, a UNIS re-issue, an ITU page.
SMALL = (
    "000_seed",
    "045_sgsm22776_spokesman_statement_ai_panel_global_dialogue_2025_body",
    "025_unis_sgsm1235_wtisd_2022",
    "015_itu_wtisd_2017_zhao_message",
)


def copy_documents(corpus: Path, names: tuple[str, ...], folder: Path) -> Path:
    """Copy corpus documents and their sidecars into a scratch folder (never the repository)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        for path in corpus.glob(f"{name}.*"):
            if not path.name.endswith(".gold.json"):
                shutil.copy(path, folder / path.name)
    return folder


def options(sources: Path | str, store: Path, **changes: object) -> BuildOptions:
    base = BuildOptions(sources=(str(sources),), store=str(store), workers=0)
    return replace(base, **changes)  # type: ignore[arg-type]


def corpus_documents(corpus: Path) -> list[Path]:
    return sorted(
        p for p in corpus.rglob("*") if p.suffix in {".txt", ".html"} and p.name != "README.md"
    )


def document_graph(store: Path, document: str) -> Graph:
    graph_name = document.replace("/id/document/", "/graph/document/")
    with open_store(str(store), read_only=True) as opened:
        data = b"".join(opened.dump(NTRIPLES, graph=graph_name))
    return Graph().parse(data=data, format="nt")


# The whole corpus, once --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus_build(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings, corpus_dir: Path
) -> tuple[Path, BuildReport, Path]:
    store = tmp_path_factory.mktemp("corpus") / "store"
    report_file = store.parent / "report.json"
    report = build(settings, options(corpus_dir, store, workers=2, report=report_file))
    return store, report, report_file


def test_the_corpus_builds(corpus_build: tuple[Path, BuildReport, Path], corpus_dir: Path) -> None:
    store, report, _ = corpus_build
    documents = corpus_documents(corpus_dir)
    assert report.read == len(documents)
    problems = "\n".join(build_module.iter_quarantine_lines(report))
    assert not report.quarantined, problems
    assert report.built + len(report.duplicates) == report.read
    assert report.exit_code == 0
    with open_store(str(store), read_only=True) as opened:
        records = opened.documents()
        graphs = set(opened.named_graphs())
        assert len(records) == report.built == report.documents_in_store
        assert {r.graph for r in records.values()} <= graphs
        for name in ("ontology", "sdg", "vocabulary", "registry", "matrix"):
            assert f"https://w3id.org/ungraph/graph/{name}" in graphs
        assert opened.count() == report.store_quads > report.triples_written > 10_000


def test_two_captures_of_one_page_are_reported_as_duplicates(
    corpus_build: tuple[Path, BuildReport, Path],
) -> None:
    _, report, _ = corpus_build
    (duplicate,) = report.duplicates
    assert duplicate["document"].endswith("/sg-sm-21982")
    assert duplicate["origin"].endswith("press.un.org_sgsm21982_capture2.html")
    assert duplicate["kept"].endswith("press.un.org_sgsm21982.html")


def test_the_seed_is_in_the_store_with_its_links(
    corpus_build: tuple[Path, BuildReport, Path],
) -> None:
    store, _, _ = corpus_build
    graph = document_graph(store, SEED)
    doc = URIRef(SEED)
    assert (doc, UNG.speaker, URIRef("https://w3id.org/ungraph/id/person/ban-ki-moon")) in graph
    assert (doc, UNG.deliveredBy, URIRef("https://w3id.org/ungraph/id/person/wu-hongbo")) in graph
    event = URIRef("https://w3id.org/ungraph/id/event/world-internet-conference-2015")
    assert (doc, UNG.addressedTo, event) in graph
    assert len(set(graph.subjects(UNG.evidenceFor, doc))) >= 10


def test_the_report_is_written_with_the_version_and_where_asked(
    corpus_build: tuple[Path, BuildReport, Path],
) -> None:
    store, report, report_file = corpus_build
    assert report.version is not None
    inside = StoreLayout(store).version_dir(report.version) / REPORT_NAME
    for path in (inside, report_file):
        data = json.loads(path.read_text("utf-8"))
        assert data["documents"]["built"] == report.built
        assert data["documents"]["quarantined"] == 0
        assert data["pipeline"] == report.pipeline
        assert data["run"].startswith("https://w3id.org/ungraph/id/run/")
        assert {"extract_cpu", "map_cpu", "validate_cpu", "documents"} <= set(data["timings"])
        assert data["peak_mib"]["main"] > 50 and data["peak_mib"]["worker"] > 50


def test_a_second_build_skips_everything(
    corpus_build: tuple[Path, BuildReport, Path], settings: Settings, corpus_dir: Path
) -> None:
    store, first, _ = corpus_build
    before = current_version(str(store))
    again = build(settings, options(corpus_dir, store, workers=2))
    assert again.built == 0
    assert again.skipped == first.built
    assert again.shared_graphs_reused
    assert again.documents_in_store == first.documents_in_store
    assert again.store_quads == first.store_quads
    assert current_version(str(store)) != before
    # The first version was compacted before the switch; nothing was written this time.
    assert first.timings["optimize"] > 0 and "optimize" not in again.timings


# Small builds -------------------------------------------------------------------------------------
@pytest.fixture
def small(tmp_path: Path, corpus_dir: Path) -> Path:
    return copy_documents(corpus_dir, SMALL, tmp_path / "docs")


def test_changing_one_document_replaces_only_it(
    small: Path, tmp_path: Path, settings: Settings
) -> None:
    store = tmp_path / "store"
    first = build(settings, options(small, store))
    assert first.built == len(SMALL)
    seed = small / "000_seed.txt"
    seed.write_text(seed.read_text("utf-8") + "\nWe must connect every school.\n", "utf-8")
    second = build(settings, options(small, store))
    assert (second.built, second.replaced, second.skipped) == (1, 1, len(SMALL) - 1)
    text = document_graph(store, SEED).value(URIRef(SEED), UNG.text)
    assert "We must connect every school." in str(text)
    with open_store(str(store), read_only=True) as opened:
        assert len(opened.documents()) == len(SMALL)


def test_force_rebuilds_unchanged_documents(
    small: Path, tmp_path: Path, settings: Settings
) -> None:
    store = tmp_path / "store"
    build(settings, options(small, store))
    forced = build(settings, options(small, store, force=True))
    assert (forced.built, forced.skipped) == (len(SMALL), 0)


def test_a_document_that_violates_the_shapes_is_quarantined(
    small: Path, tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    build(settings, options(small, store))
    (small / "000_seed.txt").write_text(
        (small / "000_seed.txt").read_text("utf-8") + "\nOne more line.\n", "utf-8"
    )
    original = mapping_module.map_document

    def inject(*args: object, **kwargs: object) -> MappedDocument:
        mapped = original(*args, **kwargs)  # type: ignore[arg-type]
        if str(mapped.iri) == SEED:  # a second text breaks "exactly one ung:text"
            mapped.graph.add((mapped.iri, UNG.text, Literal("A second text.")))
        return mapped

    monkeypatch.setattr(build_module, "map_document", inject)
    report = build(settings, options(small, store))
    (quarantined,) = report.quarantined
    assert quarantined.stage == "validate"
    assert quarantined.origin.endswith("000_seed.txt")
    assert quarantined.document == SEED
    assert quarantined.kept_previous
    # The second text breaks "exactly one" (and the passages no longer match both texts).
    (result,) = [
        r for r in quarantined.results if r.constraint.endswith("MaxCountConstraintComponent")
    ]
    assert result.shape == "https://w3id.org/ungraph/shapes#DocumentShape"
    assert result.focus_node == SEED
    assert result.path == str(UNG.text)
    assert "exactly one ung:text" in result.message
    assert report.exit_code == 1
    # The rest is built; the quarantined document keeps its previous graph, not the bad one.
    assert report.skipped == len(SMALL) - 1
    texts = list(document_graph(store, SEED).objects(URIRef(SEED), UNG.text))
    assert len(texts) == 1 and "One more line." not in str(texts[0])
    lines = list(build_module.iter_quarantine_lines(report))
    assert "000_seed.txt: validate" in lines[0] and "previous version kept" in lines[0]
    assert any("DocumentShape" in line and SEED in line and "ung:text" in line for line in lines)


def test_a_graph_the_rdf_parser_refuses_is_quarantined_and_the_rest_is_built(
    small: Path, tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # rdflib accepts an IRI with a space; the N-Triples written for the store would not parse.
    original = mapping_module.map_document

    def inject(*args: object, **kwargs: object) -> MappedDocument:
        mapped = original(*args, **kwargs)  # type: ignore[arg-type]
        if str(mapped.iri) == SEED:
            mapped.graph.add((mapped.iri, RDFS.seeAlso, URIRef("https://example.org/a b")))
        return mapped

    monkeypatch.setattr(build_module, "map_document", inject)
    store = tmp_path / "store"
    report = build(settings, options(small, store))
    (quarantined,) = report.quarantined
    assert (quarantined.stage, quarantined.document) == ("validate", SEED)
    assert quarantined.message.startswith("GraphSyntaxError: Invalid IRI code point")
    assert "<https://example.org/a b>" in quarantined.message
    assert report.built == len(SMALL) - 1
    with open_store(str(store), read_only=True) as opened:
        assert SEED not in dict(opened.documents())


def test_an_extractor_that_raises_is_named_and_the_rest_is_built(
    small: Path, tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = EXTRACTORS["themes"]

    def broken(ctx: object, draft: object) -> None:
        if "Wu Hongbo" in ctx.text:  # type: ignore[attr-defined]
            raise RuntimeError("boom")
        real(ctx, draft)  # type: ignore[arg-type]

    monkeypatch.setitem(EXTRACTORS, "themes", broken)
    report = build(settings, options(small, tmp_path / "store"))
    (quarantined,) = report.quarantined
    assert quarantined.stage == "extract"
    assert "000_seed.txt" in quarantined.message and "'themes'" in quarantined.message
    assert "RuntimeError: boom" in quarantined.message
    assert report.built == len(SMALL) - 1


def test_a_document_that_hangs_is_stopped_by_the_timeout(
    small: Path, tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = EXTRACTORS["themes"]

    def slow(ctx: object, draft: object) -> None:
        if "Wu Hongbo" in ctx.text:  # type: ignore[attr-defined]
            while True:
                time.sleep(0.01)
        real(ctx, draft)  # type: ignore[arg-type]

    monkeypatch.setitem(EXTRACTORS, "themes", slow)
    started = time.monotonic()
    report = build(settings, options(small, tmp_path / "store", timeout=1.0))
    assert time.monotonic() - started < 60
    (quarantined,) = report.quarantined
    assert quarantined.stage in {"timeout", "extract"}
    assert "longer than 1 s" in quarantined.message
    assert report.built == len(SMALL) - 1


def test_bad_inputs_are_named_and_nothing_good_is_lost(
    small: Path, tmp_path: Path, settings: Settings
) -> None:
    (small / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (small / "empty.txt").write_text("   \n", "utf-8")
    (small / "sidecar.txt").write_text("A short statement about broadband.\n", "utf-8")
    (small / "sidecar.meta.json").write_text('{"source_url": "https://un.org/x",\n  oops}', "utf-8")
    report = build(settings, options(small, tmp_path / "store"))
    found = {Path(q.origin).name: q for q in report.quarantined}
    assert set(found) == {"binary.txt", "empty.txt", "sidecar.meta.json"}
    assert all(q.stage == "read" for q in found.values())
    assert "line 2 column 3" in found["sidecar.meta.json"].message
    assert report.built == len(SMALL)
    assert report.exit_code == 1


def test_prune_drops_documents_no_longer_in_the_sources(
    small: Path, tmp_path: Path, settings: Settings
) -> None:
    store = tmp_path / "store"
    build(settings, options(small, store))
    for path in small.glob("015_*"):
        path.unlink()
    kept = build(settings, options(small, store))
    assert kept.pruned == 0 and kept.documents_in_store == len(SMALL)
    pruned = build(settings, options(small, store, prune=True))
    assert pruned.pruned == 1 and pruned.documents_in_store == len(SMALL) - 1
    with open_store(str(store), read_only=True) as opened:
        assert not any("itu" in g and "2017" in g for g in opened.named_graphs())


def test_prune_is_skipped_when_a_source_could_not_be_identified(
    small: Path, tmp_path: Path, settings: Settings
) -> None:
    store = tmp_path / "store"
    build(settings, options(small, store))
    seed = small / "000_seed.txt"
    seed.write_bytes(b"\x00\x01binary now" * 50)
    report = build(settings, options(small, store, prune=True))
    assert report.pruned == 0
    assert report.documents_in_store == len(SMALL)
    assert any("--prune skipped" in warning for warning in report.warnings)


def test_a_locked_store_stops_the_build_before_anything(
    small: Path, tmp_path: Path, settings: Settings
) -> None:
    store = tmp_path / "store"
    build(settings, options(small, store))
    before = current_version(str(store))
    with open_store(str(store)), pytest.raises(BuildError, match="being written"):
        build(settings, options(small, store))
    assert current_version(str(store)) == before


def test_bad_settings_stop_the_build(small: Path, tmp_path: Path, settings: Settings) -> None:
    broken = replace(settings, reference=tmp_path / "missing")
    with pytest.raises(BuildError, match="reference"):
        build(broken, options(small, tmp_path / "store", force=True))
    assert current_version(str(tmp_path / "store")) is None


def test_memory_stores_build_too(small: Path, settings: Settings) -> None:
    report = build(settings, options(small, "memory:test-build"))  # type: ignore[arg-type]
    assert report.built == len(SMALL) and report.version is None
    with open_store("memory:test-build", read_only=True) as opened:
        assert len(opened.documents()) == len(SMALL)


# The command line -----------------------------------------------------------------------------------
def test_cli_build_default_sources_summary_and_exit_codes(
    small: Path, tmp_path: Path, corpus_dir: Path
) -> None:
    store, report = tmp_path / "store", tmp_path / "report.json"
    runner = CliRunner()
    args = ["--corpus", str(small), "build", "--store", str(store), "--workers", "0"]
    ok = runner.invoke(main, [*args, "--report", str(report)])
    assert ok.exit_code == 0, ok.output
    assert "documents read" in ok.output and "quarantined" in ok.output
    assert json.loads(report.read_text("utf-8"))["documents"]["built"] == len(SMALL)
    (small / "bad.txt").write_bytes(b"\x00" * 100)
    failed = runner.invoke(main, [*args, "--json"])
    assert failed.exit_code == 1
    data = json.loads(failed.stdout)
    assert data["documents"]["skipped_unchanged"] == len(SMALL)
    assert data["quarantined"][0]["origin"].endswith("bad.txt")
    assert "bad.txt: read:" in failed.stderr
    missing = runner.invoke(main, ["build", "--store", str(store), str(tmp_path / "nothing")])
    assert missing.exit_code == 1
    assert "no such file or folder" in missing.stderr


def test_cli_build_no_optimize_leaves_the_store_as_loaded(small: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["build", str(small), "--store", str(tmp_path / "s"), "--no-optimize", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["documents"]["built"] == len(SMALL)
    assert "optimize" not in report["timings"]


def test_cli_build_verbose_lists_every_document(small: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["build", str(small), "--store", str(tmp_path / "s"), "--workers", "0", "-v"]
    )
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if line.startswith("built ")]
    assert len(lines) == len(SMALL)
    assert all(line.split()[1].endswith((".txt", ".html")) for line in lines)


def test_cli_build_error_exits_2(small: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--reference", str(tmp_path), "build", str(small), "--store", str(tmp_path / "s")]
    )
    assert result.exit_code == 2
    assert "reference" in result.output


def test_cli_load_names_the_file_and_line_of_an_rdf_syntax_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> .\n", "utf-8"
    )
    result = CliRunner().invoke(main, ["load", str(bad), "--store", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert f"{bad}:2:" in result.output


def test_a_built_store_validates(corpus_build: tuple[Path, BuildReport, Path]) -> None:
    store, _, _ = corpus_build
    result = CliRunner().invoke(main, ["validate", "--store", str(store), "--workers", "1"])
    assert result.exit_code == 0, result.output[-3000:]


# kill -9 ------------------------------------------------------------------------------------------
def many_documents(corpus: Path, path: Path, copies: int) -> Path:
    """A JSON-lines file of corpus texts under new ids (scratch data, never committed)."""
    texts = [p.read_text("utf-8") for p in sorted(corpus.glob("*.txt"))]
    with path.open("w", encoding="utf-8") as out:
        for n in range(copies):
            text = texts[n % len(texts)]
            out.write(json.dumps({"id": f"copy-{n}", "text": f"{text}\nCopy {n}.\n"}) + "\n")
    return path


def lines_of(process: subprocess.Popen[str]) -> Iterator[str]:
    assert process.stdout is not None
    yield from process.stdout


def test_kill_9_during_a_build_leaves_the_previous_version_intact(
    small: Path, tmp_path: Path, corpus_dir: Path, request: pytest.FixtureRequest
) -> None:
    store = tmp_path / "store"
    # The build's temporary folder, short: the worker pool's sockets live there too, and a
    # socket's path may not exceed 107 bytes.
    temporary = Path(tempfile.mkdtemp(prefix="ungraph-kill-"))
    request.addfinalizer(lambda: shutil.rmtree(temporary, ignore_errors=True))
    env = {**os.environ, "UNGRAPH_CORPUS": str(corpus_dir), "TMPDIR": str(temporary)}
    command = [str(Path(sys.executable).parent / "ungraph")]
    first = subprocess.run(
        [*command, "build", str(small), "--store", str(store), "--workers", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    version = current_version(str(store))
    with open_store(str(store), read_only=True) as opened:
        quads, records = opened.count(), dict(opened.documents())
    many = many_documents(corpus_dir, tmp_path / "many.jsonl", 400)
    process = subprocess.Popen(
        [
            *command,
            "build",
            str(many),
            "--store",
            str(store),
            "--workers",
            "1",
            "--batch",
            "4",
            "-v",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        built = 0
        for line in lines_of(process):
            built += line.startswith("built")
            if built >= 5:
                break
        assert built >= 5, "the build never got going"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
        if process.stdout is not None:
            process.stdout.close()
    assert current_version(str(store)) == version
    with open_store(str(store), read_only=True) as opened:
        assert opened.count() == quads
        assert dict(opened.documents()) == records
    # The graphs it had spooled for loading went with the process.
    assert not list(temporary.glob("ungraph-load-*"))
    # The next build cleans up the leftover and works.
    again = subprocess.run(
        [*command, "build", str(small), "--store", str(store), "--workers", "0", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["documents"]["skipped_unchanged"] == len(SMALL)
    layout = StoreLayout(store)
    assert set(p.name for p in layout.versions.iterdir()) <= layout.keep_set()


def test_the_loader_drops_only_graphs_the_version_may_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A graph from the parent version or from an earlier chunk of this build is replaced, not
    merged with its new content; new graphs are bulk-loaded without a drop."""
    monkeypatch.setattr(build_module._Loader, "CHUNK", 1)  # every write is its own chunk
    seeded, fresh = "https://example.org/g/seeded", "https://example.org/g/fresh"
    with open_store(str(tmp_path / "store")) as store:
        store.replace_graph(seeded, Graph().parse(data="<urn:a> <urn:p> <urn:old> .", format="nt"))
        dropped: list[str] = []
        drop = store.drop_graph

        def recorded_drop(graph: str) -> None:
            dropped.append(graph)
            drop(graph)

        monkeypatch.setattr(store, "drop_graph", recorded_drop)
        loader = build_module._Loader(store, [seeded])
        loader.write(seeded, "<urn:a> <urn:p> <urn:new> .\n")
        loader.write(fresh, "<urn:b> <urn:p> <urn:first> .\n")
        loader.write(fresh, "<urn:b> <urn:p> <urn:second> .\n")  # claimed again by another source
        loader.close()
        assert dropped == [seeded, fresh]
        rows = store.query("SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
        assert isinstance(rows, SelectResult)
        assert [(str(g), str(o)) for g, o in rows] == [
            (fresh, "urn:second"),
            (seeded, "urn:new"),
        ]


def test_a_graph_written_twice_before_its_chunk_is_loaded_keeps_the_second_content(
    tmp_path: Path,
) -> None:
    graph = "https://example.org/g/twice"
    with open_store(str(tmp_path / "store")) as store:
        loader = build_module._Loader(store)
        loader.write(graph, "<urn:b> <urn:p> <urn:first> .\n")
        loader.write("https://example.org/g/other", "<urn:c> <urn:p> <urn:c> .\n")
        loader.write(graph, "<urn:b> <urn:p> <urn:second> .\n")
        loader.close()
        rows = store.query(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        assert isinstance(rows, SelectResult)
        assert [str(o) for (o,) in rows] == ["urn:second"]
        assert store.count() == 2


def test_under_a_deep_temporary_folder_workers_are_spawned_and_the_build_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus_dir: Path
) -> None:
    # The fork server's socket would not fit in a Unix socket path ("AF_UNIX path too long").
    deep = tmp_path / ("d" * 60) / ("e" * 40)
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert clean_context().get_start_method() == "forkserver"
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    assert clean_context().get_start_method() == "spawn"
    env = {**os.environ, "TMPDIR": str(deep), "UNGRAPH_CORPUS": str(corpus_dir)}
    command = [str(Path(sys.executable).parent / "ungraph"), "build", "--workers", "2", "--json"]
    command += [str(corpus_dir / "000_seed.txt"), "--store", str(tmp_path / "store")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["documents"]["built"] == 1


def test_workers_keep_the_collector_off_what_they_loaded(settings: Settings) -> None:
    minter = Minter(settings.base_iri)
    with ProcessPoolExecutor(
        1,
        mp_context=clean_context(),
        initializer=build_module._start_worker,
        initargs=(settings, {}, Run.create(minter, "test"), 60.0),
    ) as pool:
        frozen = pool.submit(gc.get_freeze_count).result()
        threshold = pool.submit(gc.get_threshold).result()
    assert frozen > 50_000  # the registry, lexicons and shapes
    assert threshold[0] == 10_000


def test_where_files_cannot_be_opened_by_descriptor_the_spool_is_named_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_module, "_OWN_DESCRIPTORS", str(tmp_path / "no-such-folder"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with open_store(str(tmp_path / "store")) as store:
        loader = build_module._Loader(store)
        loader.write("https://example.org/g/named", "<urn:b> <urn:p> <urn:o> .\n")
        assert [p.suffix for p in tmp_path.glob("ungraph-load-*")] == [".nq"]
        loader.close()
        assert store.count() == 1
    assert not list(tmp_path.glob("ungraph-load-*"))


def test_a_load_that_fails_in_its_thread_fails_the_build_in_the_main_one(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "store")) as store:
        loader = build_module._Loader(store)
        loader.write("https://example.org/g/bad", "this is not N-Triples .\n")
        loader.flush()  # the load starts in its thread
        with pytest.raises(SyntaxError):
            loader.close()
        loader.close()  # nothing left to load or wait for
