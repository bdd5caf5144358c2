"""Calls to action and commitments: who calls on whom to do what, and what it concerns.

A sentence is a **call** when an agent calls on, urges, invites, encourages, counts on or looks to
someone ("I call on all participants and partners to ...", "The Secretary-General calls on all
stakeholders to ..."); a **commitment** when an agent binds itself ("I will soon present a
report ...", "we pledge to ..."); an **exhortation** when it says what must be done without
naming who is called on ("Let us ...", "We must ...", "... need to be addressed", "International
cooperation is urgently needed ...", "It is time for the world to step up"). Questions are
never calls; past-tense calls count only in reported speech (news stories, meeting coverage),
where everything is reported in the past.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ungraph.extract.context import Context, Draft
from ungraph.extract.model import AgentMention, CallKind, CallToAction
from ungraph.extract.patterns import Guarded
from ungraph.extract.sdg import PASSAGE_THRESHOLD, sdg_index
from ungraph.extract.wsis import wsis_index

_CALL_VERBS = (
    r"call(?:s)? (?:on|upon)|urge(?:s)?|appeal(?:s)? to|invite(?:s)?|encourage(?:s)?|"
    r"count(?:s)? on|look(?:s)? to|ask(?:s)?|challenge(?:s)?|exhort(?:s)?|implore(?:s)?|"
    r"call(?:s)? for|appeal(?:s)? for"
)
_PAST_CALL_VERBS = (
    r"called (?:on|upon|for)|urged|appealed (?:to|for)|invited|encouraged|asked|challenged|"
    r"reiterated (?:his|her|their|the) call|renewed (?:his|her|their|the) call|repeated (?:his|her|their|the) call"
)
_AGENT_SUBJECT = (
    r"(?:I|We|we|The (?:Deputy )?Secretary-General|the (?:Deputy )?Secretary-General|"
    r"The President|the President|The General Assembly|the General Assembly|"
    r"The United Nations|the United Nations|He|he|She|she)"
)
# "I call on all participants and partners to intensify ...", "I urge MemberStates ... to".
_CALL = Guarded(
    re.compile(
        rf"(?:^|[,;:—–]\s*|\b(?:and|so|therefore|also|again|today|now)\s+)(?P<actor>{_AGENT_SUBJECT})\s+"
        rf"(?:(?:also|again|strongly|therefore|now|today|once again|warmly)\s+)*(?P<verb>{_CALL_VERBS})\b"
        r"(?:\s+(?P<addressee>[^.;:]*?)\s+(?:to|for)\b)?"
    ),
    (
        "call",
        "urge",
        "appeal",
        "invite",
        "encourage",
        "count",
        "look",
        "ask",
        "challenge",
        "exhort",
        "implore",
    ),
)
_REPORTED_CALL = Guarded(
    re.compile(
        rf"(?P<actor>{_AGENT_SUBJECT}|[A-Z][\w.-]+(?: [A-Z][\w-]+){{0,3}})\s+(?:(?:also|again|further)\s+)*"
        rf"(?P<verb>{_PAST_CALL_VERBS})\b(?:\s+(?P<addressee>[^.;:]*?)\s+(?:to|for)\b)?"
    ),
    ("call", "urged", "appealed", "invited", "encouraged", "asked", "challenged"),
)
# "In my Roadmap ..., I made a call to ...": a speaker's own call, named as such.
_OWN_CALL = Guarded(
    re.compile(
        r"\b(?P<actor>I|we|We)\s+(?:made|make|renew|reiterate|repeat|issued?)\s+(?:a|my|our|the)\s+(?:\w+\s+)?call\b"
    ),
    ("call",),
)
# "you can help carry these goals forward", "you have a vital role to play".
_SECOND_PERSON = Guarded(
    re.compile(
        r"\b(?P<actor>you|You)\s+(?:can|could|must|should)\s+(?:help|play|lead|make|do)\b|\byou have an? (?:\w+\s+)?role\b"
    ),
    ("you", "You"),
)
# Commitments: an agent binds itself.
_COMMITMENT = Guarded(
    re.compile(
        r"(?:^|[,;:—–]\s*|\b(?:and|so|also)\s+)(?P<actor>I|We|we|The (?:Deputy )?Secretary-General|the (?:Deputy )?Secretary-General)\s+"
        r"(?:(?:will|shall|am going to|are going to)\s+(?:(?:soon|shortly|also|continue to|now|then|personally)\s+)*(?:be\s+)?[a-z]+"
        r"|(?:(?:am|are|remain|is)\s+(?:fully\s+|firmly\s+|deeply\s+)?committed\s+to)"
        r"|(?:commit|commits|pledge|pledges|promise|promises|undertake|undertakes|vow|vows)\s+(?:to|that|our|my)\b)"
    ),
    ("will", "shall", "going to", "commit", "pledge", "promise", "undertake", "vow"),
)
# Exhortations.
_LET_US = Guarded(
    re.compile(
        r"(?:^|[,;:—–]\s*|\b(?:and|so|now|today|together)\s+)(?P<actor>[Ll]et(?: us|[’']s))\b"
    ),
    ("et us", "et’s", "et's"),
)
_MODAL = Guarded(
    re.compile(
        r"(?:^[“\"‘']?|[,;:—–(]\s*|\b(?:and|but|so|now|yet|together|then|therefore|also)\s+)"
        r"(?P<actor>(?:we|We|you|You|they|They|[A-Za-z][\w’'-]*(?:\s+[\w’'-]+){0,6}?|all\s+[\w\s]{1,30}?))"
        r"(?:,\s*(?:too|also),)?\s+(?:(?:also|all|now|still|really|urgently|collectively|together|too)\s+)*"
        r"(?P<verb>must|need to|needs to|have to|has to|should|ought to)\b"
    ),
    ("must", "need", "have to", "has to", "should", "ought to"),
)
_WE_NEED = Guarded(
    re.compile(
        r"(?:^|[,;:—–]\s*|\b(?:and|but|so|now|yet)\s+)(?P<actor>[Ww]e)\s+(?:(?:urgently|also|all|now|still|really)\s+)*need\s+(?!to\b)(?P<object>[a-z])"
    ),
    ("need",),
)
_NEEDED = Guarded(
    re.compile(
        r"\b(?:is|are)\s+(?:(?:urgently|also|now|badly|still)\s+)*needed\b|\bneeds? to be (?:addressed|tackled|met|closed|bridged|done|taken|strengthened)\b"
    ),
    ("need",),
)
_TIME_TO = Guarded(
    re.compile(
        r"^(?:[^.?!]*?,\s*)?(?:It is|It[’']s) (?:(?:high|now the|the)\s+)?time (?:for [^.?!]{1,60}? )?to\b|\bThe time to act is now\b|\b[Ii]t is up to (?:us|all of us|each of us|you) to\b|\bthe time (?:has come|is now) (?:for [^.?!]{1,40}? )?to\b"
    ),
    ("time", "up to"),
)
# Descriptive uses that look like calls: "the kind of partnerships we need to achieve" (a
# relative clause), "the need to ...", "if we are to ...".
_RELATIVE_NEED = re.compile(
    r"\b(?:kind|sort|type|partnerships?|tools?|skills?|resources|investments?|action|leadership|cooperation|support|data|technology|solutions?)\s+(?:that\s+)?we\s+need\s+to\b"
)
_QUOTE_SAID = re.compile(
    r"[”\"],?\s+(?:he|she|they|[A-Z][\w.-]+(?: [A-Z][\w-]+){0,3})\s+(?:said|added|stressed|noted|warned)\b"
)


@dataclass(frozen=True)
class _Classified:
    kind: CallKind
    actor: str | None
    addressee: str | None
    confidence: float


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip(" ,;:—–-")
    return value or None


def classify(sentence: str, reported: bool = False) -> _Classified | None:
    """Whether a sentence calls to action, and how.

    >>> classify("I call on all participants to intensify efforts.").kind
    'call'
    >>> classify("I call on all participants to intensify efforts.").addressee
    'all participants'
    >>> classify("Let us work together.").kind
    'exhortation'
    >>> classify("I will soon present a report on financing.").kind
    'commitment'
    >>> classify("What kind of world must we leave?") is None
    True
    >>> classify("This is the kind of partnership we need to achieve the Goals.") is None
    True
    """
    text = sentence.strip()
    if not text or text.rstrip("”’\"' ").endswith("?"):
        return None
    match = _CALL.search(text)
    if match:
        return _Classified(
            "call", _clean(match.group("actor")), _clean(match.group("addressee")), 0.95
        )
    match = _OWN_CALL.search(text)
    if match:
        return _Classified("call", _clean(match.group("actor")), None, 0.85)
    if reported:
        match = _REPORTED_CALL.search(text)
        if match:
            return _Classified(
                "call", _clean(match.group("actor")), _clean(match.group("addressee")), 0.85
            )
    match = _COMMITMENT.search(text)
    if match and not re.search(
        r"\b(?:will|shall)\s+(?:be\s+)?(?:a|an|the)\b", text[match.start() : match.end() + 8]
    ):
        return _Classified("commitment", _clean(match.group("actor")), None, 0.85)
    match = _LET_US.search(text)
    if match:
        return _Classified("exhortation", "we", None, 0.95)
    match = _SECOND_PERSON.search(text)
    if match:
        return _Classified("call", None, "you", 0.8)
    if _TIME_TO.search(text):
        return _Classified("exhortation", None, None, 0.85)
    match = _MODAL.search(text)
    if (
        match
        and match.group("verb").startswith("need")
        and re.search(r"\b(?:the|a|an|our|their|his|her|its)\s*$", match.group("actor") or "")
    ):
        match = None  # "the need to ..." names a need; it does not call for anything
    if match and re.search(r"\b(?:who|which|that|whom|whose)$", match.group("actor") or ""):
        match = None  # a relative clause ("girls who should be in classrooms") describes
    if match and not _RELATIVE_NEED.search(text):
        actor = _clean(match.group("actor"))
        if actor and len(actor.split()) > 5:
            actor = None
        confidence = 0.75 if match.group("verb") == "should" else 0.9
        return _Classified("exhortation", actor, None, confidence)
    match = _WE_NEED.search(text)
    if match and not _RELATIVE_NEED.search(text):
        return _Classified("exhortation", "we", None, 0.85)
    if _NEEDED.search(text):
        return _Classified("exhortation", None, None, 0.8)
    return None


def _actor_key(actor: str | None, speakers: list[AgentMention]) -> tuple[str | None, str | None]:
    """Resolve "I", "The Secretary-General" (and "we" led by the speaker) to the speaker."""
    if actor is None or not speakers:
        return actor, None
    speaker = speakers[0]
    lowered = actor.lower()
    if (
        lowered in {"i", "we", "let us", "let's", "let’s", "he", "she"}
        or "secretary-general" in lowered
    ):
        if lowered in {"we", "let us", "let's", "let’s"}:
            return actor, None
        return speaker.name or actor, speaker.person_key
    return actor, None


def _concerns(ctx: Context, draft: Draft, start: int, end: int) -> tuple[tuple[str, ...], ...]:
    sentence = ctx.text[start:end]

    def inside(s: int, e: int) -> bool:
        return start <= s and e <= end

    sdg = {
        link.code
        for link in draft.sdg
        if link.explicit and inside(link.evidence.start, link.evidence.end)
    }
    sdg |= {
        code for code, score in sdg_index().score(sentence).items() if score >= PASSAGE_THRESHOLD
    }
    wsis = {
        code for code, score in wsis_index().score(sentence).items() if score >= PASSAGE_THRESHOLD
    }
    groups = {g.key for g in draft.groups if inside(g.evidence.start, g.evidence.end)}
    themes = {t.key for t in draft.themes if inside(t.evidence.start, t.evidence.end)}
    return tuple(sorted(sdg)), tuple(sorted(wsis)), tuple(sorted(groups)), tuple(sorted(themes))


def extract(ctx: Context, draft: Draft) -> None:
    """Fill ``draft.calls_to_action`` from the body's sentences (and quoted sentences)."""
    reported = ctx.header.kind in ("news-story", "meeting-coverage")
    calls: list[CallToAction] = []
    for start, end in ctx.body_sentences:
        sentence = ctx.text[start:end]
        classified = classify(sentence, reported=reported)
        if classified is None and reported and _QUOTE_SAID.search(sentence):
            quoted = re.match(r"^[“\"]([^”\"]+)[”\"]", sentence)
            if quoted:
                classified = classify(quoted.group(1).rstrip(","), reported=False)
        if classified is None:
            continue
        actor, actor_key = _actor_key(classified.actor, draft.speakers)
        sdg, wsis, groups, themes = _concerns(ctx, draft, start, end)
        calls.append(
            CallToAction(
                text=sentence,
                kind=classified.kind,
                evidence=ctx.evidence(start, end),
                actor=actor,
                actor_key=actor_key,
                addressee=classified.addressee,
                sdg=sdg,
                wsis=wsis,
                groups=groups,
                themes=themes,
                confidence=classified.confidence,
            )
        )
    draft.calls_to_action = calls
