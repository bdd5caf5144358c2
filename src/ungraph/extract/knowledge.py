"""What extractors know beyond the text: the registry and the group and theme lexicons."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ungraph.config import Settings
from ungraph.extract.lexicon import Lexicon
from ungraph.registry import Registry
from ungraph.vocab import Concept, load_groups, load_themes


@dataclass
class Knowledge:
    """Loaded once per run and shared by every document (and worker process)."""

    registry: Registry
    groups: tuple[Concept, ...]
    themes: tuple[Concept, ...]

    @classmethod
    def load(cls, settings: Settings) -> Knowledge:
        return cls(Registry.load(settings), load_groups(), load_themes(settings))

    @cached_property
    def group_lexicon(self) -> Lexicon:
        return Lexicon((g.key, phrase) for g in self.groups for phrase in g.phrases)

    @cached_property
    def theme_lexicon(self) -> Lexicon:
        return Lexicon((t.key, phrase) for t in self.themes for phrase in t.phrases)

    @cached_property
    def theme_uris(self) -> dict[str, str | None]:
        """A theme's UNBIS Thesaurus concept (the first, where it has several)."""
        return {t.key: (str(t.close_matches[0]) if t.close_matches else None) for t in self.themes}
