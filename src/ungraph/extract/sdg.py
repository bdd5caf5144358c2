"""Links to the 2030 Agenda, SDG goals and targets: explicit mentions and the topic tagger.

Explicit mentions are what the text names: "the 2030 Agenda for Sustainable Development", "the
Sustainable Development Goals", "SDGs", "Goal 9", "SDG 4", "target 9.c", and references to the
Agenda's targets on a subject ("specific targets on information and communication technologies",
which are the targets whose text names ICT). Implicit links come from the topic tagger
(``vocab/sdg_topics.toml``): per sentence, queries written by the team; a goal the text names
explicitly lends weight to its own targets.
"""

from __future__ import annotations

import re
from functools import cache

from ungraph.extract.context import Context, Draft
from ungraph.extract.model import SdgLink
from ungraph.extract.patterns import Guarded
from ungraph.extract.topics import TopicIndex, TopicView, combine
from ungraph.resources import vocab_path

PASSAGE_THRESHOLD = 0.5  # a sentence is tagged with a target at this score
DOCUMENT_THRESHOLD = 0.5
EXPLICIT_GOAL_BOOST = 0.25  # added to a target's score when the text names its goal

# The targets whose own text names information and communications technology (the KOS labels
# of 4.b, 5.b, 9.c and 17.8): what "the targets on ICT" of the 2030 Agenda refers to.
ICT_TARGETS = ("4.b", "5.b", "9.c", "17.8")

_GOAL_NUMBER = r"(?:1[0-7]|[1-9])"
_TARGET_CODE = rf"{_GOAL_NUMBER}\.(?:1[0-9]|[1-9]|[a-h])"
_EXPLICIT: tuple[tuple[str, Guarded], ...] = (
    (
        "2030-agenda",
        Guarded(
            re.compile(
                r"\b(?:the\s+)?(?:2030 Agenda(?: for Sustainable Development)?|Agenda 2030|"
                r"Transforming our world: the 2030 Agenda for Sustainable Development)\b"
            ),
            ("Agenda",),
        ),
    ),
    (
        "2030-agenda",
        Guarded(
            re.compile(
                r"\b(?:(?:all\s+)?(?:17|seventeen)\s+)?(?:(?:United Nations|UN)['’]?s?\s+)?"
                r"Sustainable Development Goals(?:\s+for\s+2030)?\b|\bSDGs\b|\bGlobal Goals\b"
            ),
            ("Goals", "SDGs"),
        ),
    ),
    # "SDG Stimulus", "the SDG Summit": a named SDG initiative refers to the Goals.
    (
        "2030-agenda",
        Guarded(
            re.compile(
                r"\bSDG\s+(?:[A-Z][a-z]+)(?:\s+(?:to|for)\s+[^.,;]{3,40}?\bGoals\b[^.,;]{0,20})?"
            ),
            ("SDG",),
        ),
    ),
    (
        "target",
        Guarded(
            re.compile(
                rf"\b(?:SDG\s+)?[Tt]argets?\s+(?P<codes>{_TARGET_CODE}(?:(?:,\s*|\s+and\s+|\s+or\s+){_TARGET_CODE})*)"
            ),
            ("arget",),
        ),
    ),
    (
        "indicator",
        Guarded(
            re.compile(rf"\b[Ii]ndicators?\s+(?P<codes>{_TARGET_CODE}\.\d{{1,2}})"), ("ndicator",)
        ),
    ),
    (
        "goal",
        Guarded(
            re.compile(
                rf"\b(?:SDG\s*|Goal\s+|Sustainable Development Goal\s+)(?P<codes>{_GOAL_NUMBER}(?:(?:,\s*|\s+and\s+|\s+or\s+){_GOAL_NUMBER})*)\b"
            ),
            ("SDG", "Goal"),
        ),
    ),
)
# "specific targets on information and communication technologies", "targets related to ICT".
_ICT_TARGET_REFERENCE = Guarded(
    re.compile(
        r"\b(?:(?:specific|several|dedicated|concrete)\s+)?targets\s+(?:on|for|related to|relating to|"
        r"concerning|that address)\s+(?:the\s+)?(?:information and communications? technolog(?:y|ies)|ICTs?|"
        r"digital technolog(?:y|ies)|technology|the Internet|broadband)(?:\s+and\s+(?:the\s+)?Internet)?"
    ),
    ("targets",),
)


@cache
def topic_index() -> TopicIndex:
    """The SDG and WSIS queries in one index: both taggers read every sentence of a document
    (and the calls' sentences again), so a sentence is matched once for both."""
    return TopicIndex.from_toml(vocab_path("sdg_topics.toml"), vocab_path("wsis_topics.toml"))


@cache
def sdg_index() -> TopicView:
    """The team's phrase queries for the 169 targets and 17 goals."""
    return topic_index().scheme(vocab_path("sdg_topics.toml"))


def _codes(group: str) -> list[str]:
    return re.findall(rf"{_TARGET_CODE}|{_GOAL_NUMBER}", group)


def explicit_mentions(ctx: Context) -> list[SdgLink]:
    """Every explicit reference in the body, in text order, one per passage."""
    text = ctx.text
    start, end = ctx.header.body
    found: list[SdgLink] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _EXPLICIT:
        for match in pattern.finditer(text, start, end):
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            evidence = ctx.evidence(match.start(), match.end())
            if kind == "2030-agenda":
                codes = ["2030-agenda"]
            elif kind == "indicator":
                codes = [match.group("codes").rsplit(".", 1)[0]]
            else:
                codes = _codes(match.group("codes"))
            for code in codes:
                found.append(SdgLink(code, True, 1.0, evidence, "explicit-mention"))
            taken.append((match.start(), match.end()))
    for match in _ICT_TARGET_REFERENCE.finditer(text, start, end):
        if any(match.start() < e and s < match.end() for s, e in taken):
            continue
        evidence = ctx.evidence(match.start(), match.end())
        for code in ICT_TARGETS:
            found.append(SdgLink(code, True, 0.9, evidence, "explicit-mention"))
        taken.append((match.start(), match.end()))
    return sorted(found, key=lambda link: (link.evidence.start, link.code))


def tag_passages(index: TopicView, passages: list[tuple[int, int]], text: str,
                 boosted_goals: set[str]) -> dict[str, tuple[float, tuple[int, int]]]:  # fmt: skip
    """Concept -> (document score, best passage) for every concept tagged in some passage."""
    per_concept: dict[str, list[tuple[float, tuple[int, int]]]] = {}
    for span in passages:
        for concept, score in index.score(text[span[0] : span[1]]).items():
            goal = concept.split(".")[0]
            if "." in concept and goal in boosted_goals:
                score = min(1.0, score + EXPLICIT_GOAL_BOOST)
            if score >= PASSAGE_THRESHOLD:
                per_concept.setdefault(concept, []).append((score, span))
    result: dict[str, tuple[float, tuple[int, int]]] = {}
    for concept, hits in per_concept.items():
        document_score = combine(score for score, _ in hits)
        if document_score >= DOCUMENT_THRESHOLD:
            best = max(hits, key=lambda hit: (hit[0], -hit[1][0]))
            result[concept] = (document_score, best[1])
    return result


def extract(ctx: Context, draft: Draft) -> None:
    """Fill ``draft.sdg``: explicit mentions first, then tagger links not already explicit."""
    explicit = explicit_mentions(ctx)
    named_goals = {
        link.code for link in explicit if "." not in link.code and link.code != "2030-agenda"
    }
    named = {link.code for link in explicit}
    tagged = tag_passages(sdg_index(), ctx.body_sentences, ctx.text, named_goals)
    implicit: list[SdgLink] = []
    for concept in sorted(tagged, key=_code_order):
        if concept in named:
            continue
        score, (start, end) = tagged[concept]
        implicit.append(SdgLink(concept, False, score, ctx.evidence(start, end), "topic-tagger"))
    draft.sdg = explicit + implicit


def _code_order(code: str) -> tuple[int, str]:
    goal, _, target = code.partition(".")
    return int(goal), target.rjust(2, "0")


def tag_text(text: str) -> tuple[list[int], list[str]]:
    """Goals and targets a snippet addresses (``ungraph tag-sdg``): explicit numbers it names
    and what the tagger finds in any of its sentences."""
    from ungraph.parse.sentences import sentences

    spans = sentences(text) or [(0, len(text))]
    named_targets: set[str] = set()
    named_goals: set[str] = set()
    for kind, pattern in _EXPLICIT:
        if kind in {"target", "goal", "indicator"}:
            for match in pattern.finditer(text):
                group = match.group("codes")
                codes = [group.rsplit(".", 1)[0]] if kind == "indicator" else _codes(group)
                for code in codes:
                    (named_targets if "." in code else named_goals).add(code)
    if _ICT_TARGET_REFERENCE.search(text):
        named_targets.update(ICT_TARGETS)
    tagged = tag_passages(sdg_index(), spans, text, named_goals)
    targets = named_targets | {c for c in tagged if "." in c}
    goals = named_goals | {c for c in tagged if "." not in c} | {t.split(".")[0] for t in targets}
    return sorted(int(g) for g in goals), sorted(targets, key=_code_order)
