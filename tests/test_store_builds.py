"""Atomic builds: a new version becomes current only when complete; crashes lose nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from ungraph.rdfio import RdfInputError
from ungraph.store import (
    DocumentRecord,
    LoadFailed,
    StoreError,
    begin_build,
    current_version,
    load_files,
    open_store,
    store_document,
)
from ungraph.store.layout import StoreLayout
from ungraph.store.memory import forget_memory_store

EX = "http://example.org/"
FORMATS_DIR = Path(__file__).parent / "data" / "store" / "formats"


def _graph(n: int, tag: str = "v") -> Graph:
    graph = Graph()
    for i in range(n):
        graph.add((URIRef(f"{EX}s{i}"), URIRef(f"{EX}{tag}"), Literal(i)))
    return graph


def _build(location: str, graphs: int, tag: str = "v") -> str:
    with begin_build(location, seed=False) as build:
        for g in range(graphs):
            store_document(
                build.store,
                DocumentRecord(f"doc-{g}", f"{EX}g{g}", f"hash-{tag}-{g}"),
                _graph(3, tag),
            )
    version = current_version(location)
    assert version is not None
    return version


def test_commit_switches_and_keeps_the_previous_version(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    first = _build(location, 2)
    second = _build(location, 3)
    third = _build(location, 4)
    layout = StoreLayout(Path(location))
    assert current_version(location) == third
    assert sorted(p.name for p in layout.versions.iterdir()) == sorted([second, third])
    assert first not in os.listdir(layout.versions)
    with open_store(location, read_only=True) as store:
        assert store.count() == 12
        assert len(store.documents()) == 4
    assert layout.manifest(third)["parent"] == second
    assert layout.manifest(third)["state"] == "committed"


def test_abort_leaves_current_untouched(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    version = _build(location, 1)
    build = begin_build(location)
    build.store.replace_graph(f"{EX}g0", _graph(10))
    build.abort()
    assert current_version(location) == version
    with open_store(location, read_only=True) as store:
        assert store.count() == 3
    assert sorted(os.listdir(StoreLayout(Path(location)).versions)) == [version]


def test_an_exception_in_the_with_block_aborts(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    version = _build(location, 1)
    with pytest.raises(RuntimeError), begin_build(location) as build:
        build.store.drop_graph(f"{EX}g0")
        raise RuntimeError("mapping failed")
    assert current_version(location) == version


def test_seeded_build_starts_from_the_current_version(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    _build(location, 2)
    with begin_build(location, seed=True) as build:
        assert build.store.count() == 6
        records = build.store.documents()
        assert records["doc-1"].content_hash == "hash-v-1"
        # A rebuild replaces only the changed document.
        store_document(build.store, DocumentRecord("doc-1", f"{EX}g1", "hash-new"), _graph(1, "w"))
    with open_store(location, read_only=True) as store:
        assert store.count() == 4
        assert store.documents()["doc-1"].content_hash == "hash-new"
        assert store.documents()["doc-0"].content_hash == "hash-v-0"


def test_readers_of_the_old_version_keep_working(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    old = _build(location, 1)
    reader = open_store(location, read_only=True)
    new = _build(location, 5, tag="w")
    assert new != old
    # The old reader still answers from its version; a new reader sees the new one.
    assert reader.version == old
    assert reader.count() == 3
    assert bool(reader.query(f"ASK {{ ?s <{EX}v> ?o }}"))
    with open_store(location, read_only=True) as fresh:
        assert fresh.version == new
        assert fresh.count() == 15
    reader.close()


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    build = begin_build(location)
    try:
        with pytest.raises(StoreError, match="another process"):
            begin_build(location)
        with pytest.raises(StoreError, match="another process"):
            open_store(location)
    finally:
        build.abort()
    begin_build(location).abort()  # the lock was released


def test_a_build_cannot_be_committed_twice(tmp_path: Path) -> None:
    build = begin_build(str(tmp_path / "store"))
    build.commit()
    with pytest.raises(StoreError, match="already"):
        build.commit()


def test_pointer_is_a_relative_symlink(tmp_path: Path) -> None:
    location = tmp_path / "store"
    version = _build(str(location), 1)
    assert os.readlink(location / "current") == f"versions/{version}"
    # The folder can move: the pointer still resolves.
    moved = tmp_path / "moved"
    location.rename(moved)
    with open_store(str(moved), read_only=True) as store:
        assert store.count() == 3


_KILLED_BUILD = textwrap.dedent(
    """
    import sys
    from rdflib import Graph, Literal, URIRef
    from ungraph.store import begin_build
    build = begin_build(sys.argv[1], seed=True)
    n = 0
    while True:
        graph = Graph()
        for i in range(500):
            subject = URIRef(f"http://example.org/new{n}/{i}")
            graph.add((subject, URIRef("http://example.org/p"), Literal(i)))
        build.store.replace_graph(f"http://example.org/g0", graph)
        build.store.add(f"http://example.org/extra{n}", graph)
        n += 1
        if n == 3:
            print("writing", flush=True)
    """
)


def test_kill_9_in_the_middle_of_a_build_loses_nothing(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    version = _build(location, 2)
    reader = open_store(location, read_only=True)
    process = subprocess.Popen(
        [sys.executable, "-c", _KILLED_BUILD, location], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "writing"
        time.sleep(0.5)  # let it write to disk for a while
        assert process.poll() is None, "the build ended by itself"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    # The half-written version is there, but current still points to the old one, intact.
    layout = StoreLayout(Path(location))
    assert len(os.listdir(layout.versions)) == 2
    assert current_version(location) == version
    assert reader.count() == 6
    with open_store(location, read_only=True) as store:
        assert store.count() == 6
        assert store.named_graphs() == [f"{EX}g0", f"{EX}g1"]
    reader.close()
    # The next build clears the leftover and works (the kernel released the dead writer's lock).
    with begin_build(location) as build:
        assert build.store.count() == 6
    assert len(os.listdir(layout.versions)) == 2
    assert version in os.listdir(layout.versions)


def test_load_files_keeps_good_files_before_a_bad_one(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    files = [FORMATS_DIR / "small.ttl", FORMATS_DIR / "small.nq", FORMATS_DIR / "bad.ttl"]
    with pytest.raises(LoadFailed) as caught:
        load_files(location, [*files, FORMATS_DIR / "small.trig"])
    assert [Path(r.path).name for r in caught.value.loaded] == ["small.ttl", "small.nq"]
    assert isinstance(caught.value.error, RdfInputError)
    assert "bad.ttl:3:" in str(caught.value)
    with open_store(location, read_only=True) as store:
        # 6 + 6 statements, one of them (ex:b ex:age 42 in the default graph) in both files.
        assert store.count() == 11


def test_load_files_with_nothing_good_commits_nothing(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    load_files(location, [FORMATS_DIR / "small.ttl"])
    version = current_version(location)
    with pytest.raises(LoadFailed):
        load_files(location, [FORMATS_DIR / "bad.jsonld"])
    assert current_version(location) == version


def test_memory_builds_swap_the_named_store() -> None:
    try:
        with begin_build("memory:build-test") as build:
            build.store.replace_graph(f"{EX}g", _graph(2))
        with begin_build("memory:build-test", seed=True) as build:
            assert build.store.count() == 2
            build.store.add(f"{EX}h", _graph(1))
            # Not visible before the commit.
            assert open_store("memory:build-test").count() == 2
        assert open_store("memory:build-test", read_only=True).count() == 3
    finally:
        forget_memory_store("build-test")
