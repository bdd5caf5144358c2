"""`ungraph extract`, `ungraph evaluate` and `ungraph tag-sdg` from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from ungraph.cli import EXIT_FAILED, main


def test_extract_json_one_object_per_document_and_bad_files_named(
    tmp_path: Path, corpus_dir: Path
) -> None:
    for name in ("000_seed", "001_sgsm9852_annan_world_telecommunication_day_2005"):
        for suffix in (".txt", ".meta.json"):
            shutil.copy(corpus_dir / f"{name}{suffix}", tmp_path)
    (tmp_path / "broken.txt").write_bytes(b"\x00\x01\x02binary\x00")
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(tmp_path), "--json"])
    assert result.exit_code == EXIT_FAILED
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert sorted(r["symbol"] for r in records) == ["SG/SM/17419", "SG/SM/9852"]
    assert "broken.txt" in result.stderr and "empty.txt" in result.stderr
    seed = next(r for r in records if r["symbol"] == "SG/SM/17419")
    assert seed["delivered_by"][0]["name"] == "Wu Hongbo"
    text = (tmp_path / "000_seed.txt").read_text(encoding="utf-8")
    for call in seed["calls_to_action"]:
        assert text[call["span"][0] : call["span"][1]] == call["text"]


def test_evaluate_json_on_a_folder_with_gold(tmp_path: Path, corpus_dir: Path) -> None:
    for suffix in (".txt", ".meta.json", ".gold.json"):
        shutil.copy(corpus_dir / f"000_seed{suffix}", tmp_path)
    result = CliRunner().invoke(main, ["evaluate", "--gold", str(tmp_path), "--json", "-"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["documents"] == 1
    assert figures["fields"]["speakers"]["f1"] == 1.0
    assert figures["fields"]["calls_to_action"]["tp"] == 4


def test_evaluate_reports_a_broken_gold_file(tmp_path: Path, corpus_dir: Path) -> None:
    shutil.copy(corpus_dir / "000_seed.txt", tmp_path)
    (tmp_path / "000_seed.gold.json").write_text('{"symbol": ', encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", "--gold", str(tmp_path)])
    assert result.exit_code == EXIT_FAILED
    assert "000_seed.gold.json:1:" in result.stderr


def test_tag_sdg_reads_json_lines_and_names_bad_lines() -> None:
    lines = [
        json.dumps(
            {
                "id": "a",
                "text": "Broadband must become affordable for everyone in the least developed countries.",
            }
        ),
        "not json",
        json.dumps({"id": 7, "text": "Target 5.b and SDG 4 guide our work."}),
        json.dumps({"text": "no id"}),
    ]
    result = CliRunner().invoke(main, ["tag-sdg"], input="\n".join(lines) + "\n")
    assert result.exit_code == EXIT_FAILED
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 7]
    assert "9.c" in out[0]["targets"] and 9 in out[0]["goals"]
    assert "5.b" in out[1]["targets"] and {4, 5} <= set(out[1]["goals"])
    assert "<stdin>:2:" in result.stderr and "<stdin>:4:" in result.stderr
