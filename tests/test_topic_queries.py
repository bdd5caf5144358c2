"""The topic tagger's query files (vocab/sdg_topics.toml, vocab/wsis_topics.toml): they load, cover
exactly the official codes, copy no official text, and tag the hand-labelled snippet sets well
enough (micro precision and recall at the extractor's passage threshold)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from ungraph.extract.sdg import PASSAGE_THRESHOLD, sdg_index, tag_passages, tag_text
from ungraph.extract.topics import QueryError, TopicIndex
from ungraph.extract.wsis import wsis_index
from ungraph.parse.sentences import sentences
from ungraph.resources import vocab_path

DATA = Path(__file__).parent / "data" / "tagger"
ICT_TARGETS = ("4.4", "4.a", "4.b", "5.b", "9.c", "17.6", "17.8")
RELATED_TARGETS = ("8.10", "16.10")
WSIS_CODES = {f"C{n}" for n in range(1, 12)} | {f"C7.{n}" for n in range(1, 9)}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _snippets(name: str) -> list[dict[str, Any]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _micro(pairs: Iterable[tuple[set[str], set[str]]]) -> tuple[float, float]:
    """Micro precision and recall over (expected, predicted) label sets."""
    tp = fp = fn = 0
    for expected, predicted in pairs:
        tp += len(expected & predicted)
        fp += len(predicted - expected)
        fn += len(expected - predicted)
    return tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0


def _sdg_pairs(name: str, field: str) -> list[tuple[set[str], set[str]]]:
    pairs = []
    for record in _snippets(name):
        goals, targets = tag_text(str(record["text"]))
        predicted = set(targets) if field == "targets" else {str(g) for g in goals}
        expected = record[field]
        assert isinstance(expected, list)
        pairs.append(({str(code) for code in expected}, predicted))
    return pairs


def _wsis_tags(text: str) -> set[str]:
    # As the WSIS extractor does: per sentence, through the same passage/document thresholds.
    return set(tag_passages(wsis_index(), sentences(text) or [(0, len(text))], text, set()))


def _wsis_pairs(name: str) -> list[tuple[set[str], set[str]]]:
    pairs = []
    for record in _snippets(name):
        expected = record["action_lines"]
        assert isinstance(expected, list)
        pairs.append((set(expected), _wsis_tags(str(record["text"]))))
    return pairs


# --- The files load and cover exactly the official codes -----------------------------------
def test_both_query_files_load() -> None:
    sdg = TopicIndex.from_toml(vocab_path("sdg_topics.toml"))
    wsis = TopicIndex.from_toml(vocab_path("wsis_topics.toml"))
    assert len(sdg.queries) > 169 * 2 and len(wsis.queries) > 19 * 2
    for index in (sdg, wsis):
        assert set(index.labels) == set(index.concepts)
        assert all(label.strip() for label in index.labels.values())


def test_every_sdg_target_and_goal_has_queries_and_nothing_else(reference_dir: Path) -> None:
    targets = {row["target"] for row in _rows(reference_dir / "sdg_targets.tsv")}
    goals = {row["code"] for row in _rows(reference_dir / "sdg_goals.tsv")}
    assert len(targets) == 169 and len(goals) == 17
    concepts = set(sdg_index().concepts)
    assert concepts - targets - goals == set(), "codes outside the official lists"
    assert targets - concepts == set(), "targets without queries"
    assert goals - concepts == set(), "goals without queries"


def test_every_wsis_action_line_has_queries_and_nothing_else(reference_dir: Path) -> None:
    official = {row["code"] for row in _rows(reference_dir / "wsis_action_lines.tsv")}
    assert official == WSIS_CODES
    assert set(wsis_index().concepts) == WSIS_CODES


def test_no_query_is_listed_twice_in_a_concept() -> None:
    for index in (sdg_index(), wsis_index()):
        seen: set[tuple[str, str]] = set()
        for query in index.queries:
            key = (query.concept, query.text)
            assert key not in seen, f"{query.concept}: {query.text!r} listed twice"
            seen.add(key)


def test_the_query_files_copy_no_official_text(reference_dir: Path) -> None:
    # Queries are keywords in our words; six running words of a target or goal title in a query
    # file would be a copy (terms of art such as "not in employment" stay shorter).
    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    size = 6
    official: set[tuple[str, ...]] = set()
    titles = [row["title"] for row in _rows(reference_dir / "sdg_targets.tsv")]
    titles += [row["title"] for row in _rows(reference_dir / "sdg_goals.tsv")]
    for title in titles:
        w = words(title)
        official.update(tuple(w[i : i + size]) for i in range(len(w) - size + 1))
    for name in ("sdg_topics.toml", "wsis_topics.toml"):
        w = words(vocab_path(name).read_text(encoding="utf-8"))
        copied = {" ".join(w[i : i + size]) for i in range(len(w) - size + 1)} & {
            " ".join(gram) for gram in official
        }
        assert not copied, f"{name} copies official target text: {sorted(copied)}"


# --- Bad query files fail with the file and the concept named ------------------------------
def _with_extra_query(tmp_path: Path, concept: str, entry: str) -> Path:
    text = vocab_path("sdg_topics.toml").read_text(encoding="utf-8")
    header = f'[concept."{concept}"]\n'
    start = text.index(header)
    at = text.index("queries = [\n", start) + len("queries = [\n")
    path = tmp_path / "sdg_topics.toml"
    path.write_text(text[:at] + f"  {entry},\n" + text[at:], encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('{ q = "broadband & ", w = 0.8 }', r"bad alternative ''"),
        ('{ q = "!broadband", w = 0.8 }', r"needs a positive term"),
        ('{ q = "broadband & afford*", w = 1.5 }', r"weight 1\.5 not in \(0, 1\]"),
        ("{ w = 0.8 }", r"bad query entry"),
    ],
)
def test_a_broken_query_names_the_file_and_the_concept(
    tmp_path: Path, entry: str, message: str
) -> None:
    path = _with_extra_query(tmp_path, "9.c", entry)
    with pytest.raises(QueryError, match=message) as raised:
        TopicIndex.from_toml(path)
    assert str(path) in str(raised.value) and "'9.c'" in str(raised.value)


def test_a_file_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "wsis_topics.toml"
    path.write_text('[concept."C2"]\nqueries = ["broadband & rural"\n', encoding="utf-8")
    with pytest.raises(QueryError, match=re.escape(str(path))):
        TopicIndex.from_toml(path)


def test_a_concept_defined_in_two_files_of_one_index_names_both(tmp_path: Path) -> None:
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text('[concept."C2"]\nqueries = ["broadband & rural"]\n', encoding="utf-8")
    second.write_text('[concept."C2"]\nqueries = ["fibre"]\n', encoding="utf-8")
    with pytest.raises(QueryError, match="'C2'") as raised:
        TopicIndex.from_toml(first, second)
    assert str(first) in str(raised.value) and str(second) in str(raised.value)


def test_a_scheme_is_the_concepts_its_file_defines(tmp_path: Path) -> None:
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text('[concept."9.c"]\nqueries = ["broadband & rural"]\n', encoding="utf-8")
    second.write_text('[concept."C2"]\nqueries = ["fibre"]\n', encoding="utf-8")
    index = TopicIndex.from_toml(first, second)
    assert index.scheme(first).concepts == ["9.c"] and index.scheme(second).concepts == ["C2"]
    assert index.scheme(second).score("Fibre to rural schools.") == {"C2": 1.0}
    with pytest.raises(QueryError, match="no concept"):
        index.scheme(tmp_path / "other.toml")


def test_the_sdg_and_wsis_views_share_one_index_and_keep_to_their_concepts() -> None:
    sdg, wsis = sdg_index(), wsis_index()
    assert sdg.index is wsis.index
    assert not set(sdg.concepts) & set(wsis.concepts)
    text = "Affordable broadband and e-government services for women and girls in rural areas."
    both = sdg.index.score(text)
    assert set(sdg.score(text)) and set(wsis.score(text))  # the passage exercises both
    assert {**sdg.score(text), **wsis.score(text)} == both
    alone = TopicIndex.from_toml(vocab_path("wsis_topics.toml"))
    assert wsis.score(text) == alone.score(text)  # sharing changes no score


# --- Generic words never tag on their own --------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "The Internet.",
        "Technology.",
        "We must bridge the digital divide.",
        "Information and communication technologies.",
        "Broadband.",
        "Connectivity.",
        "Mobile phones.",
        "Women and men.",
        "Data.",
        "Innovation.",
        "Artificial intelligence.",
        "Digital transformation.",
        "Sustainable development.",
        "The information society.",
        "Access to information.",
        "Human rights and fundamental freedoms.",
        "The rule of law.",
    ],
)
def test_a_generic_phrase_alone_tags_no_target(text: str) -> None:
    goals, targets = tag_text(text)
    assert (goals, targets) == ([], []), text


@pytest.mark.parametrize(
    "text",
    ["The Internet.", "Technology.", "Digital.", "Data.", "Broadband.", "Sustainable development."],
)
def test_a_generic_phrase_alone_tags_no_action_line(text: str) -> None:
    assert _wsis_tags(text) == set(), text


# --- Quality on the hand-labelled snippets -------------------------------------------------
# Measured when the queries were committed (tag_text / tag_passages at the extractor's 0.5):
#   sdg_snippets.jsonl   targets P 1.000 R 1.000 (163 labels), goals P 1.000 R 1.000
#   sdg_heldout.jsonl    targets P 0.889 R 0.681 (47 labels), goals P 0.889 R 0.727 - never
#                        used for tuning, so this is the estimate for unseen text
#   wsis_snippets.jsonl  P 1.000 R 1.000 (96 labels)
#   wsis_extra.jsonl     P 1.000 R 1.000 (36 labels) - blind P 0.846 R 0.306 before it was
#                        used for tuning (see docs/tagger.md)
# The floors sit a small margin below, so that breaking or loosening queries fails here.
FLOORS: list[tuple[str, Callable[[], list[tuple[set[str], set[str]]]], float, float]] = [
    ("sdg_snippets targets", lambda: _sdg_pairs("sdg_snippets.jsonl", "targets"), 0.95, 0.95),
    ("sdg_snippets goals", lambda: _sdg_pairs("sdg_snippets.jsonl", "goals"), 0.95, 0.95),
    ("sdg_heldout targets", lambda: _sdg_pairs("sdg_heldout.jsonl", "targets"), 0.85, 0.63),
    ("sdg_heldout goals", lambda: _sdg_pairs("sdg_heldout.jsonl", "goals"), 0.85, 0.68),
    ("wsis_snippets", lambda: _wsis_pairs("wsis_snippets.jsonl"), 0.95, 0.95),
    ("wsis_extra", lambda: _wsis_pairs("wsis_extra.jsonl"), 0.9, 0.9),
]


@pytest.mark.parametrize(("name", "pairs", "precision_floor", "recall_floor"), FLOORS)
def test_micro_precision_and_recall_meet_their_floors(
    name: str,
    pairs: Callable[[], list[tuple[set[str], set[str]]]],
    precision_floor: float,
    recall_floor: float,
) -> None:
    assert PASSAGE_THRESHOLD == 0.5  # the floors were measured at this threshold
    precision, recall = _micro(pairs())
    assert precision >= precision_floor, f"{name}: precision {precision:.3f}"
    assert recall >= recall_floor, f"{name}: recall {recall:.3f}"


@pytest.mark.parametrize("target", ICT_TARGETS + RELATED_TARGETS)
def test_each_ict_target_is_found_in_its_own_snippets(target: str) -> None:
    own = [r for r in _snippets("sdg_snippets.jsonl") if target in r["targets"]]
    assert len(own) >= 3, f"{target}: too few snippets to judge"
    found = [r["id"] for r in own if target in tag_text(str(r["text"]))[1]]
    assert len(found) / len(own) >= 0.8, f"{target}: found in {found} of {[r['id'] for r in own]}"


@pytest.mark.parametrize("target", ICT_TARGETS + RELATED_TARGETS)
def test_each_ict_target_stays_off_the_negatives(target: str) -> None:
    negatives = [r for r in _snippets("sdg_snippets.jsonl") if not r["targets"]]
    assert len(negatives) >= 40
    wrong = [r["id"] for r in negatives if target in tag_text(str(r["text"]))[1]]
    assert not wrong, f"{target} tagged on negatives {wrong}"


def test_every_wsis_action_line_is_found_in_its_own_snippets() -> None:
    records = _snippets("wsis_snippets.jsonl")
    for code in sorted(WSIS_CODES):
        own = [r for r in records if code in r["action_lines"]]
        assert own, f"{code}: no snippet"
        found = [r for r in own if code in _wsis_tags(str(r["text"]))]
        assert len(found) / len(own) >= 0.75, f"{code}: {len(found)} of {len(own)}"


def test_the_snippet_sets_are_well_formed(reference_dir: Path) -> None:
    targets = {row["target"] for row in _rows(reference_dir / "sdg_targets.tsv")}
    for name in ("sdg_snippets.jsonl", "sdg_heldout.jsonl"):
        records = _snippets(name)
        assert len({r["id"] for r in records}) == len(records), name
        for record in records:
            codes = record["targets"]
            goals = record["goals"]
            assert isinstance(codes, list) and isinstance(goals, list)
            assert set(codes) <= targets, (name, record["id"])
            # A labelled target implies its goal.
            assert {int(code.split(".")[0]) for code in codes} <= set(goals), (name, record["id"])
    sdg = _snippets("sdg_snippets.jsonl")
    assert len(sdg) >= 150 and sum(1 for r in sdg if not r["targets"]) >= 40
    for name in ("wsis_snippets.jsonl", "wsis_extra.jsonl"):
        records = _snippets(name)
        assert len({r["id"] for r in records}) == len(records), name
        for record in records:
            assert set(record["action_lines"]) <= WSIS_CODES, (name, record["id"])
    assert len(_snippets("wsis_snippets.jsonl")) >= 80
