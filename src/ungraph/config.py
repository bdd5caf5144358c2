"""Settings in one place: defaults, ``UNGRAPH_*`` environment variables, then CLI flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from ungraph.resources import project_root

ENV_PREFIX = "UNGRAPH_"
DEFAULT_BASE_IRI = "https://w3id.org/ungraph/"


class SettingError(ValueError):
    """A setting has a value that cannot work; the message names the setting and its origin."""


def _default_shared() -> Path:
    # Third-party data sits beside the checkout (../shared); from an installed package the
    # working directory stands in for the checkout.
    root = project_root()
    return (root.parent if root is not None else Path.cwd().parent) / "shared"


def _default_var() -> Path:
    root = project_root()
    return (root if root is not None else Path.cwd()) / "var"


@dataclass(frozen=True)
class Settings:
    """Every setting ungraph reads. Paths are absolute once loaded.

    ``origins`` records where each value came from (``default``, ``env UNGRAPH_X``, ``flag``),
    so that an error can say which knob to turn.
    """

    base_iri: str = DEFAULT_BASE_IRI
    shared: Path = field(default_factory=_default_shared)
    corpus: Path | None = None
    reference: Path | None = None
    ungd: Path | None = None
    store: str | None = None
    var: Path = field(default_factory=_default_var)
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    # Derived defaults: everything under ``shared`` unless set on its own.
    @property
    def corpus_dir(self) -> Path:
        return self.corpus if self.corpus is not None else self.shared / "corpus"

    @property
    def reference_dir(self) -> Path:
        return self.reference if self.reference is not None else self.shared / "reference"

    @property
    def ungd_dir(self) -> Path:
        return self.ungd if self.ungd is not None else self.shared / "ungd"

    @property
    def store_location(self) -> str:
        """The store: a folder for the embedded store, or a ``sparql+http(s)://`` address."""
        return self.store if self.store is not None else str(self.var / "store")

    @property
    def cache_dir(self) -> Path:
        return self.var / "cache"

    def origin(self, name: str) -> str:
        return self.origins.get(name, "default")

    def require_dir(self, name: str) -> Path:
        """Return the folder a setting names, or raise naming the setting when it is missing.

        ``name`` is one of ``shared``, ``corpus``, ``reference``, ``ungd``.
        """
        path: Path = getattr(self, f"{name}_dir") if name != "shared" else self.shared
        if not path.is_dir():
            origin = self.origin(name)
            if origin == "default" and name != "shared":
                origin = f"default, under shared={self.shared} ({self.origin('shared')})"
            raise SettingError(
                f"setting '{name}' points to {path}, which is not a folder "
                f"(from {origin}; set {ENV_PREFIX}{name.upper()} or --{name} to fix it)"
            )
        return path

    def require_file(self, name: str, relative: str) -> Path:
        """Return ``<folder of setting name>/relative``, or raise naming the setting."""
        path = self.require_dir(name) / relative
        if not path.is_file():
            raise SettingError(
                f"setting '{name}' ({self.require_dir(name)}, from {self.origin(name)}) "
                f"has no file {relative}"
            )
        return path

    def with_overrides(self, **values: object) -> Settings:
        """Return a copy with the non-None values set, recorded as coming from flags."""
        chosen = {k: v for k, v in values.items() if v is not None}
        if not chosen:
            return self
        converted = {k: _convert(k, v, "flag") for k, v in chosen.items()}
        origins = {**self.origins, **{k: "flag" for k in chosen}}
        return _checked(replace(self, **converted, origins=origins))  # type: ignore[arg-type]


_PATH_FIELDS = {"shared", "corpus", "reference", "ungd", "var"}


def _convert(name: str, value: object, origin: str) -> object:
    if name not in {f.name for f in fields(Settings)} or name == "origins":
        raise SettingError(f"unknown setting '{name}' (from {origin})")
    if name in _PATH_FIELDS:
        return Path(str(value)).expanduser().resolve()
    return str(value)


def _checked(settings: Settings) -> Settings:
    base = settings.base_iri
    parts = urlsplit(base)
    if parts.scheme not in {"http", "https"} or not parts.netloc or not base.endswith("/"):
        raise SettingError(
            f"setting 'base_iri' must be an absolute http(s) IRI ending in '/', got {base!r} "
            f"(from {settings.origin('base_iri')})"
        )
    return settings


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read settings from the environment (``UNGRAPH_BASE_IRI``, ``UNGRAPH_SHARED``, ...),
    then apply ``overrides`` (CLI flags; ``None`` means "not given").

    >>> load_settings({"UNGRAPH_BASE_IRI": "https://example.org/kg/"}).base_iri
    'https://example.org/kg/'
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    origins: dict[str, str] = {}
    for f in fields(Settings):
        if f.name == "origins":
            continue
        key = ENV_PREFIX + f.name.upper()
        if env.get(key):
            values[f.name] = _convert(f.name, env[key], f"env {key}")
            origins[f.name] = f"env {key}"
    settings = _checked(Settings(**values, origins=origins))  # type: ignore[arg-type]
    return settings.with_overrides(**overrides)
