"""Files, folders and globs in; documents or errors out, one bad file never stopping the rest."""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import ungraph.sources as sources
from ungraph.cli import EXIT_FAILED, main
from ungraph.sources import (
    FolderReader,
    SourceDocument,
    SourceError,
    iter_documents,
    read_sources,
    reader_for,
)


def _tree(root: Path) -> Path:
    """A small folder of inputs: good files of each kind, bad ones, and things to skip."""
    (root / "b").mkdir(parents=True)
    (root / "b" / "deeper").mkdir()
    (root / ".hidden").mkdir()
    (root / "a.txt").write_text("Alpha.\n", encoding="utf-8")
    (root / "a.meta.json").write_text('{"title": "Alpha"}', encoding="utf-8")
    (root / "a.gold.json").write_text('{"symbol": null}', encoding="utf-8")
    (root / "b" / "c.html").write_text("<p>Gamma.</p>", encoding="utf-8")
    (root / "b" / "deeper" / "d.jsonl").write_text(
        '{"id": "d1", "text": "Delta."}\n{"id": "d2", "text": "Epsilon."}\n', encoding="utf-8"
    )
    (root / "b" / "empty.txt").write_bytes(b"")
    (root / "b" / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (root / "b" / "big.txt").write_bytes(b"x" * 2000)
    (root / "b" / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + "Zeta.".encode("utf-16-le"))
    (root / ".hidden" / "secret.txt").write_text("Hidden.", encoding="utf-8")
    (root / ".dotfile.txt").write_text("Hidden too.", encoding="utf-8")
    (root / "notes.md").write_text("# not a document", encoding="utf-8")
    (root / "manifest.tsv").write_text("file\tx\n", encoding="utf-8")
    return root


def test_a_folder_is_read_recursively_in_a_fixed_order(tmp_path: Path) -> None:
    root = _tree(tmp_path / "in")
    items = list(read_sources([root], max_bytes=1000))
    summary = [
        (Path(item.origin).name, "error" if isinstance(item, SourceError) else item.doc_id)
        for item in items
    ]
    assert summary == [
        ("a.txt", "a"),
        ("big.txt", "error"),
        ("c.html", "c"),
        ("d.jsonl:1", "d1"),
        ("d.jsonl:2", "d2"),
        ("empty.txt", "error"),
        ("image.txt", "error"),
        ("utf16.txt", "utf16"),
    ]
    messages = {Path(i.origin).name: i.message for i in items if isinstance(i, SourceError)}
    assert "over the limit of 1000 bytes" in messages["big.txt"]
    assert messages["empty.txt"] == "is empty"
    assert "NUL" in messages["image.txt"]
    alpha = items[0]
    assert isinstance(alpha, SourceDocument) and alpha.title == "Alpha"
    # The same inputs give the same answer every time.
    assert [i.origin for i in read_sources([root], max_bytes=1000)] == [i.origin for i in items]


def test_globs_expand_sorted_and_skip_what_no_reader_knows(tmp_path: Path) -> None:
    root = _tree(tmp_path / "in")
    errors: list[SourceError] = []
    specs = [str(root / "**" / "*.jsonl"), str(root / "*")]
    documents = list(iter_documents(specs, on_error=errors.append))
    # The jsonl file first (first spec), then a.txt and folder b; d.jsonl is not read twice;
    # the .md, .tsv and sidecars the star matches are skipped, hidden files are not matched.
    assert [d.doc_id for d in documents] == ["d1", "d2", "a", "big", "c", "utf16"]
    assert sorted(Path(e.origin).name for e in errors) == ["empty.txt", "image.txt"]
    only_txt = [d.doc_id for d in iter_documents([str(root / "*.txt")])]
    assert only_txt == ["a"]


def test_iter_documents_hands_errors_over_or_raises(tmp_path: Path) -> None:
    root = _tree(tmp_path / "in")
    errors: list[SourceError] = []
    documents = list(iter_documents([root], max_bytes=1000, on_error=errors.append))
    assert [d.doc_id for d in documents] == ["a", "c", "d1", "d2", "utf16"]
    assert sorted(Path(e.origin).name for e in errors) == ["big.txt", "empty.txt", "image.txt"]
    with pytest.raises(SourceError, match="over the limit"):
        list(iter_documents([root], max_bytes=1000))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing.txt", "no such file or folder"),
        ("nothing-*.txt", "matches no documents"),
        ("notes.md", "is of a type no reader knows"),
        ("a.meta.json", "is a sidecar, not a document"),
        ("emptydir", "is a folder with no documents in it"),
    ],
)
def test_a_spec_that_names_nothing_readable_is_an_error(
    tmp_path: Path, spec: str, message: str
) -> None:
    root = _tree(tmp_path / "in")
    (root / "emptydir").mkdir()
    target = str(root / spec)
    (error,) = list(read_sources([target]))
    assert isinstance(error, SourceError)
    assert error.origin == target
    assert message in error.message


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    root = _tree(tmp_path / "in")
    items = list(read_sources([root / "a.txt", str(root / "a.*"), root]))
    assert sum(isinstance(i, SourceDocument) and i.doc_id == "a" for i in items) == 1


def test_an_explicitly_named_hidden_file_is_read(tmp_path: Path) -> None:
    root = _tree(tmp_path / "in")
    (document,) = list(read_sources([root / ".dotfile.txt"]))
    assert isinstance(document, SourceDocument) and document.text == "Hidden too."


def test_a_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    root = _tree(tmp_path / "in")
    os.symlink(root, root / "b" / "loop")
    items = list(read_sources([root], max_bytes=1000))
    assert sum(isinstance(i, SourceDocument) and i.doc_id == "a" for i in items) == 1


def test_reader_for_uses_the_longest_ending(monkeypatch: pytest.MonkeyPatch) -> None:
    def tarball(path: Path, *, max_bytes: int = 0) -> Iterator[SourceDocument | SourceError]:
        yield SourceError(str(path), "tarball reader")

    monkeypatch.setitem(sources.READERS, ".tar.gz", tarball)
    assert reader_for(Path("ungd.TAR.GZ")) is tarball
    assert reader_for(Path("x.TXT")) is sources.READERS[".txt"]
    assert reader_for(Path(".txt")) is None
    assert reader_for(Path("x.gz")) is None


def test_a_folder_reader_claims_its_folder_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The slot the UN General Debate corpus will use: a folder of "Session NN - YYYY" folders.
    root = tmp_path / "mixed"
    debate = root / "ungd"
    (debate / "Session 70 - 2015").mkdir(parents=True)
    (debate / "Session 70 - 2015" / "ARG_70_2015.txt").write_text("Debate.", encoding="utf-8")
    (root / "z.txt").write_text("Zed.", encoding="utf-8")
    seen: list[Path] = []

    def read_debates(path: Path, *, max_bytes: int = 0) -> Iterator[SourceDocument | SourceError]:
        seen.append(path)
        yield SourceDocument("ARG_70_2015", f"{path}!ARG", "Debate.", "ungd")

    def claims(folder: Path) -> bool:
        return any(child.name.startswith("Session ") for child in folder.iterdir())

    monkeypatch.setattr(sources, "FOLDER_READERS", [FolderReader("ungd", claims, read_debates)])
    items = list(read_sources([root]))
    assert [i.doc_id for i in items if isinstance(i, SourceDocument)] == ["ARG_70_2015", "z"]
    assert seen == [debate]


def test_cli_sources_lists_documents_and_fails_on_errors(tmp_path: Path) -> None:
    root = _tree(tmp_path / "in")
    runner = CliRunner()
    good = runner.invoke(main, ["sources", str(root / "a.txt"), str(root / "b" / "c.html")])
    assert good.exit_code == 0, good.output
    assert "text " in good.output and "a.txt" in good.output and "c.html" in good.output
    bad = runner.invoke(main, ["sources", "--max-bytes", "1000", "--json", str(root)])
    assert bad.exit_code == EXIT_FAILED
    lines = [line for line in bad.output.splitlines() if line.startswith("{")]
    assert sum('"error"' in line for line in lines) == 3
    assert sum('"id"' in line for line in lines) == 5
