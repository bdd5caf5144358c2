"""Measure extraction against human annotations (``.gold.json``): precision, recall, F1.

Matching rules (README, "Measuring extraction"):
- ``symbol``: exact. A gold ``null`` (no symbol printed in the text) is matched by no symbol or
  by one the system derived from the source address. ``symbols_all``: the symbols the system
  read from the text, as a set, against the gold list.
- ``date``: exact, but a partial gold date ("2017", "2012-05") matches a system date that starts
  with it. ``title``: equal after folding white space and case.
- ``speakers``, ``delivered_by``: person names, case- and accent-insensitive (or the same
  registry person). A gold entry with ``name: null`` and a role is the person who held the
  role on the document's date. A gold entry with neither name nor role says the text does not
  tell who speaks: such documents are not scored for that field.
- ``events`` (addressed / mentioned): the same registry series, or names that share at least
  half of their content words.
- Verbatim fields (``sdg_refs`` ↔ explicit SDG links, ``groups`` (with the annotation's
  ``country_groups``, since the group scheme holds country groups), ``ict_themes`` ↔ themes,
  ``calls_to_action``, ``places``, ``organizations``): a system item matches a gold string when
  its evidence passage overlaps an occurrence of that string in the text; items are paired one
  to one (maximum matching); system items with the same passage count once.
- ``is_ict_related``: accuracy.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ungraph.extract.knowledge import Knowledge
from ungraph.extract.model import Extraction
from ungraph.registry import Registry

_STOPWORDS = frozenset(
    [
        "the",
        "of",
        "on",
        "for",
        "and",
        "to",
        "in",
        "a",
        "an",
        "at",
        "by",
        "with",
        "united",
        "nations",
        "un",
        "international",
        "world",
        "day",
        "meeting",
        "event",
    ]
)


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name.

    >>> fold("António  Guterres") == fold("antonio guterres")
    True
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().replace("’", "'").split())


@dataclass
class Score:
    """Counts for one field, over all documents or one."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    correct: int = 0
    total: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.correct += other.correct
        self.total += other.total


@dataclass
class FieldResult:
    name: str
    kind: str  # "set" (P/R/F1) or "single" (accuracy)
    total: Score = field(default_factory=Score)
    per_document: dict[str, Score] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def record(self, doc: str, score: Score, errors: list[str]) -> None:
        self.total.add(score)
        self.per_document[doc] = score
        if errors:
            self.errors[doc] = errors

    def worst(self, count: int = 3) -> list[tuple[str, float]]:
        def value(score: Score) -> float:
            return score.accuracy if self.kind == "single" else score.f1

        scored = [(doc, value(s)) for doc, s in self.per_document.items()]
        return sorted(
            (item for item in scored if item[1] < 1.0), key=lambda item: (item[1], item[0])
        )[:count]

    def to_json(self) -> dict[str, Any]:
        total = self.total
        result: dict[str, Any] = {"kind": self.kind, "documents": len(self.per_document)}
        if self.kind == "single":
            result.update(
                accuracy=round(total.accuracy, 4), correct=total.correct, total=total.total
            )
        else:
            result.update(
                precision=round(total.precision, 4),
                recall=round(total.recall, 4),
                f1=round(total.f1, 4),
                tp=total.tp,
                fp=total.fp,
                fn=total.fn,
            )
        result["worst"] = [{"document": d, "score": round(v, 4)} for d, v in self.worst()]
        result["errors"] = self.errors
        return result


# Matching helpers ----------------------------------------------------------------------------
def max_matching(left: int, right: int, edges: Callable[[int, int], bool]) -> int:
    """Size of a maximum one-to-one matching between ``left`` and ``right`` items.

    >>> max_matching(2, 2, lambda i, j: i == 0 or j == 0)
    2
    """
    adjacency = [[j for j in range(right) if edges(i, j)] for i in range(left)]
    match_of_right: list[int | None] = [None] * right

    def augment(i: int, seen: set[int]) -> bool:
        for j in adjacency[i]:
            if j in seen:
                continue
            seen.add(j)
            owner = match_of_right[j]
            if owner is None or augment(owner, seen):
                match_of_right[j] = i
                return True
        return False

    return sum(1 for i in range(left) if augment(i, set()))


def occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    """Every place ``needle`` occurs in ``text`` (exact first, then ignoring case and spaces)."""
    if not needle:
        return []
    found = [(m.start(), m.end()) for m in re.finditer(re.escape(needle), text)]
    if found:
        return found
    pattern = r"\s+".join(re.escape(part) for part in needle.split())
    return [(m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)]


def _overlap_score(
    text: str, gold: Sequence[str], spans: Sequence[tuple[int, int]]
) -> tuple[Score, list[str]]:
    distinct = sorted(set(spans))
    gold_spans = [occurrences(text, g) for g in gold]
    matched = max_matching(
        len(gold),
        len(distinct),
        lambda i, j: any(s < distinct[j][1] and distinct[j][0] < e for s, e in gold_spans[i]),
    )
    errors = []
    for i, g in enumerate(gold):
        if not any(any(s < e2 and s2 < e for s2, e2 in distinct) for s, e in gold_spans[i]):
            errors.append(f"missed: {g[:90]}")
    for s2, e2 in distinct:
        if not any(any(s < e2 and s2 < e for s, e in occ) for occ in gold_spans):
            errors.append(f"extra: {text[s2:e2][:90]}")
    return Score(tp=matched, fp=len(distinct) - matched, fn=len(gold) - matched), errors


def _content_words(name: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", fold(name)) if w not in _STOPWORDS}


def names_overlap(a: str, b: str) -> bool:
    """Event names that share at least half of the shorter one's content words.

    >>> names_overlap("World Internet Conference", "second World Internet Conference (Wuzhen)")
    True
    >>> names_overlap("Internet Governance Forum", "World Oceans Day")
    False
    """
    wa, wb = _content_words(a), _content_words(b)
    if not wa or not wb:
        return fold(a) == fold(b)
    return len(wa & wb) / min(len(wa), len(wb)) >= 0.5


# The evaluator -------------------------------------------------------------------------------
@dataclass
class Evaluation:
    """Per-field results over a set of annotated documents."""

    fields: dict[str, FieldResult]
    documents: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": len(self.documents),
            "fields": {name: result.to_json() for name, result in self.fields.items()},
        }

    def table(self) -> list[tuple[str, str, str, str, str, str]]:
        rows = []
        for name, result in self.fields.items():
            t = result.total
            if result.kind == "single":
                rows.append((name, f"{t.accuracy:.3f}", "", "", "", f"{t.correct}/{t.total}"))
            else:
                rows.append(
                    (
                        name,
                        "",
                        f"{t.precision:.3f}",
                        f"{t.recall:.3f}",
                        f"{t.f1:.3f}",
                        f"tp {t.tp} fp {t.fp} fn {t.fn}",
                    )
                )
        return rows


class Evaluator:
    """Compares extractions with gold annotations, field by field."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.fields: dict[str, FieldResult] = {}
        self.documents: list[str] = []

    def _field(self, name: str, kind: str) -> FieldResult:
        if name not in self.fields:
            self.fields[name] = FieldResult(name, kind)
        return self.fields[name]

    def add(self, extraction: Extraction, gold: dict[str, Any], doc: str) -> None:
        self.documents.append(doc)
        text = extraction.text
        header = extraction.header
        if "symbol" in gold:
            self._symbol(extraction, gold, doc)
        if "date" in gold:
            got = header.date.value if header.date else None
            expected = gold["date"]
            ok = (
                got == expected if expected is None else bool(got) and str(got).startswith(expected)
            )
            self._single("date", doc, ok, f"{got} ≠ {expected}")
        if "title" in gold:
            got_title = header.title.value if header.title else None
            ok = (got_title is None and gold["title"] is None) or (
                got_title is not None
                and gold["title"] is not None
                and fold(got_title) == fold(gold["title"])
            )
            self._single("title", doc, ok, f"{got_title!r} ≠ {gold['title']!r}")
        date = header.date.value if header.date else gold.get("date")
        for field_name in ("speakers", "delivered_by"):
            if field_name in gold:
                self._people(field_name, extraction, gold[field_name], date, doc)
        if "events" in gold:
            for relation in ("addressed", "mentioned"):
                self._events(relation, extraction, gold["events"], doc)
        verbatim = {
            "sdg_refs": [e.evidence for e in extraction.sdg if e.explicit],
            "groups": [g.evidence for g in extraction.groups],
            "ict_themes": [t.evidence for t in extraction.themes],
            "calls_to_action": [c.evidence for c in extraction.calls_to_action],
            "places": [e.evidence for e in extraction.entities if e.kind in ("place", "country")],
            "organizations": [e.evidence for e in extraction.entities if e.kind == "organization"],
        }
        for gold_field, evidence in verbatim.items():
            if gold_field in gold and isinstance(gold[gold_field], list):
                expected = list(gold[gold_field])
                if gold_field == "groups":
                    # The group scheme holds country groups too (least developed countries,
                    # developing countries), which the annotation keeps apart.
                    expected += [g for g in gold.get("country_groups") or [] if isinstance(g, str)]
                score, errors = _overlap_score(text, expected, [(e.start, e.end) for e in evidence])
                self._field(gold_field, "set").record(doc, score, errors)
        if "is_ict_related" in gold:
            got_ict = extraction.ict_related
            self._single(
                "is_ict_related",
                doc,
                got_ict == gold["is_ict_related"],
                f"{got_ict} (score {extraction.ict_score})",
            )

    def _single(self, name: str, doc: str, ok: bool, error: str) -> None:
        self._field(name, "single").record(
            doc, Score(correct=int(ok), total=1), [] if ok else [error]
        )

    def _symbol(self, extraction: Extraction, gold: dict[str, Any], doc: str) -> None:
        header = extraction.header
        expected = gold["symbol"]
        primary = header.symbols[0] if header.symbols else None
        if expected is None:
            ok = primary is None or primary.source == "address"
        else:
            ok = primary is not None and primary.value == expected
        self._single("symbol", doc, ok, f"{primary.value if primary else None} ≠ {expected}")
        printed = {s.value for s in header.symbols if s.source in ("text", "page")}
        gold_all = set(gold.get("symbols_all") or [])
        tp = len(printed & gold_all)
        errors = [f"missed: {s}" for s in sorted(gold_all - printed)] + [
            f"extra: {s}" for s in sorted(printed - gold_all)
        ]
        self._field("symbols_all", "set").record(
            doc, Score(tp=tp, fp=len(printed) - tp, fn=len(gold_all) - tp), errors
        )

    def _gold_person(self, entry: dict[str, Any], date: str | None) -> str | None:
        if entry.get("name"):
            return str(entry["name"])
        role = entry.get("role")
        if not role or not date:
            return None
        post = self.registry.match_post(role)
        if post is None:
            return None
        person = self.registry.holder(post.key, on=date)
        return person.name if person is not None else None

    def _same_person(self, a: str, b: str) -> bool:
        if fold(a) == fold(b):
            return True
        pa, pb = self.registry.match_person(a), self.registry.match_person(b)
        if pa is not None and pb is not None:
            return pa.key == pb.key
        # "Kagame" and "Paul Kagame": one name inside the other.
        fa, fb = fold(a), fold(b)
        return f" {fa} " in f" {fb} " or f" {fb} " in f" {fa} "

    def _people(
        self,
        name: str,
        extraction: Extraction,
        gold: list[dict[str, Any]],
        date: str | None,
        doc: str,
    ) -> None:
        annotated = [g for g in gold if g.get("name") or g.get("role")]
        if gold and not annotated:
            return  # the annotator could not tell who speaks: nothing to score here
        expected = [self._gold_person(g, date) or f"<{g.get('role')}>" for g in annotated]
        mentions = extraction.speakers if name == "speakers" else extraction.delivered_by
        got = [m.name or f"<{m.role}>" for m in mentions]
        matched = max_matching(
            len(expected), len(got), lambda i, j: self._same_person(expected[i], got[j])
        )
        errors = [
            f"expected {e}" for e in expected if not any(self._same_person(e, g) for g in got)
        ]
        errors += [f"extra {g}" for g in got if not any(self._same_person(e, g) for e in expected)]
        score = Score(tp=matched, fp=len(got) - matched, fn=len(expected) - matched)
        self._field(name, "set").record(doc, score, errors)

    def _series_of(self, entry: dict[str, Any]) -> str | None:
        for key in ("name", "alias"):
            value = entry.get(key)
            if value:
                series = self.registry.match_series(str(value))
                if series is not None:
                    return series.key
        return None

    def _events(
        self, relation: str, extraction: Extraction, gold: list[dict[str, Any]], doc: str
    ) -> None:
        expected = [g for g in gold if g.get("role") == relation]
        got = [e for e in extraction.events if e.relation == relation]
        if not expected and not got:
            self._field(f"events_{relation}", "set").record(doc, Score(), [])
            return

        def same(i: int, j: int) -> bool:
            g, e = expected[i], got[j]
            series = self._series_of(g)
            if series is not None and e.series is not None:
                return series == e.series
            names = [str(g[k]) for k in ("name", "alias") if g.get(k)]
            return any(names_overlap(n, e.name) for n in names)

        matched = max_matching(len(expected), len(got), same)
        errors = [
            f"expected {g.get('name')}"
            for i, g in enumerate(expected)
            if not any(same(i, j) for j in range(len(got)))
        ]
        errors += [
            f"extra {e.name}"
            for j, e in enumerate(got)
            if not any(same(i, j) for i in range(len(expected)))
        ]
        self._field(f"events_{relation}", "set").record(
            doc, Score(tp=matched, fp=len(got) - matched, fn=len(expected) - matched), errors
        )

    def result(self) -> Evaluation:
        order = [
            "symbol", "symbols_all", "date", "title", "speakers", "delivered_by",
            "events_addressed", "events_mentioned", "sdg_refs", "groups", "ict_themes",
            "calls_to_action", "places", "organizations", "is_ict_related",
        ]  # fmt: skip
        fields = {name: self.fields[name] for name in order if name in self.fields}
        return Evaluation(fields, self.documents)


def gold_files(folder: Path) -> list[Path]:
    """Every ``*.gold.json`` under a folder, sorted."""
    return sorted(folder.rglob("*.gold.json"))


def document_for(gold_path: Path) -> Path:
    """The text a gold file annotates (same stem, ``.txt``)."""
    return gold_path.with_name(gold_path.name[: -len(".gold.json")] + ".txt")


def evaluate(
    extractions: Iterable[tuple[Extraction, dict[str, Any], str]], registry: Registry
) -> Evaluation:
    evaluator = Evaluator(registry)
    for extraction, gold, doc in extractions:
        evaluator.add(extraction, gold, doc)
    return evaluator.result()


class GoldError(ValueError):
    """A gold file that cannot be read, or whose document is missing or unreadable."""


def load_gold(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise GoldError(f"{path}: cannot read: {error}") from error
    except json.JSONDecodeError as error:
        raise GoldError(f"{path}:{error.lineno}:{error.colno}: {error.msg}") from error
    if not isinstance(data, dict):
        raise GoldError(f"{path}: a gold annotation is a JSON object")
    return data


def evaluate_folder(folder: Path, knowledge: Knowledge) -> tuple[Evaluation, list[str]]:
    """Extract and score every document of ``folder`` (recursively) that has a gold file.

    Returns the evaluation and the problems met (unreadable gold files or documents), which
    leave those documents out without stopping the others.
    """
    from ungraph.extract import ExtractionError, extract_document
    from ungraph.sources import SourceError, read_sources

    problems: list[str] = []
    pairs: list[tuple[Extraction, dict[str, Any], str]] = []
    for gold_path in gold_files(folder):
        try:
            gold = load_gold(gold_path)
        except GoldError as error:
            problems.append(str(error))
            continue
        document = document_for(gold_path)
        if not document.is_file():
            problems.append(f"{gold_path}: no document {document.name} beside it")
            continue
        for item in read_sources([document]):
            if isinstance(item, SourceError):
                problems.append(str(item))
                continue
            try:
                extraction = extract_document(item, knowledge)
            except ExtractionError as error:
                problems.append(str(error))
                continue
            pairs.append((extraction, gold, str(document.relative_to(folder))))
    return evaluate(pairs, knowledge.registry), problems
