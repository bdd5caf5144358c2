"""The web application's settings: every ``UNGRAPH_*`` key ``create_app`` reads, its default,
its environment variable and its check.

Precedence, lowest first: the defaults below (store and base IRI from
:class:`ungraph.config.Settings`), ``UNGRAPH_*`` environment variables, then the mapping given to
``create_app`` (which is how ``ungraph serve`` passes its flags and tests pass ``tmp_path``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ungraph.config import SettingError, load_settings

MiB = 1 << 20


@dataclass(frozen=True)
class Key:
    """One configuration key: its name, default, converter and the sentence documenting it."""

    name: str
    default: Any
    convert: Callable[[Any], Any]
    doc: str


def _positive_float(value: Any) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(f"must be a positive number, got {value!r}")
    return number


def _non_negative_float(value: Any) -> float:
    number = float(value)
    if number < 0:
        raise ValueError(f"must be zero or more, got {value!r}")
    return number


def _positive_int(value: Any) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(f"must be a positive whole number, got {value!r}")
    return number


def _non_negative_int(value: Any) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(f"must be zero or more, got {value!r}")
    return number


def _sandbox(value: Any) -> str:
    text = str(value).lower()
    if text not in {"auto", "require", "off"}:
        raise ValueError(f"must be auto, require or off, got {value!r}")
    return text


KEYS: tuple[Key, ...] = (
    Key("UNGRAPH_STORE", None, str, "store location: a folder or memory:NAME"),
    Key("UNGRAPH_BASE_IRI", None, str, "base IRI of the data (and of relative IRIs in queries)"),
    Key(
        "UNGRAPH_QUERY_TIMEOUT",
        30.0,
        _positive_float,
        "hard per-query time limit in seconds, covering evaluation and streaming",
    ),
    Key(
        "UNGRAPH_MAX_ROWS",
        100_000,
        _positive_int,
        "most SELECT rows or CONSTRUCT/DESCRIBE triples in one answer",
    ),
    Key("UNGRAPH_MAX_RESULT_BYTES", 100 * MiB, _positive_int, "most bytes in one answer"),
    Key(
        "UNGRAPH_MAX_REQUEST_BYTES",
        1 * MiB,
        _positive_int,
        "largest request body (a POSTed query or form) and query string",
    ),
    Key(
        "UNGRAPH_RATE_LIMIT",
        5.0,
        _non_negative_float,
        "requests per second each client may make on average (0 turns rate limiting off)",
    ),
    Key("UNGRAPH_RATE_BURST", 50, _positive_int, "requests a client may make at once"),
    Key(
        "UNGRAPH_TRUSTED_PROXIES",
        0,
        _non_negative_int,
        "reverse proxies in front of the server whose X-Forwarded-For is trusted",
    ),
    Key(
        "UNGRAPH_QUERY_WORKERS",
        4,
        _non_negative_int,
        "query worker processes per server process (0: run queries in the server process)",
    ),
    Key(
        "UNGRAPH_QUEUE_TIMEOUT",
        10.0,
        _non_negative_float,
        "seconds a request waits for a free query worker before a 503",
    ),
    Key(
        "UNGRAPH_NETWORK_SANDBOX",
        "auto",
        _sandbox,
        "put query workers in a network namespace without interfaces: auto, require or off",
    ),
    Key(
        "UNGRAPH_STORE_CHECK_INTERVAL",
        1.0,
        _non_negative_float,
        "seconds between checks for a new store version",
    ),
    Key(
        "UNGRAPH_DOWNLOADS",
        None,
        str,
        "folder of the dumps `ungraph export` wrote, served at /downloads [{var}/dumps]",
    ),
    Key(
        "UNGRAPH_SEARCH_DIR",
        None,
        str,
        "folder for the full-text index files, one per store version [{var}/search]",
    ),
)
BY_NAME = {key.name: key for key in KEYS}


def load_config(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Every key's value: defaults, then the environment, then ``overrides``.

    Keys of ``overrides`` that are not ungraph's (Flask's own, ``TESTING``...) pass through.

    >>> config = load_config({"UNGRAPH_MAX_ROWS": "10"}, environ={})
    >>> config["UNGRAPH_MAX_ROWS"], config["UNGRAPH_QUERY_TIMEOUT"]
    (10, 30.0)
    >>> load_config({"UNGRAPH_QUERY_TIMEOUT": -1}, environ={})
    Traceback (most recent call last):
    ...
    ungraph.config.SettingError: UNGRAPH_QUERY_TIMEOUT (from the application config): must be a positive number, got -1
    """
    env = os.environ if environ is None else environ
    given = dict(overrides or {})
    try:
        base = load_settings(
            env,
            base_iri=given.get("UNGRAPH_BASE_IRI"),
            store=given.get("UNGRAPH_STORE"),
        )
    except SettingError:
        raise
    config: dict[str, Any] = {}
    for key in KEYS:
        value, origin = key.default, "default"
        if key.name in env and env[key.name] != "":
            value, origin = env[key.name], f"env {key.name}"
        if key.name in given and given[key.name] is not None:
            value, origin = given[key.name], "the application config"
        if value is not None:
            try:
                value = key.convert(value)
            except (TypeError, ValueError) as error:
                raise SettingError(f"{key.name} (from {origin}): {error}") from error
        config[key.name] = value
    config["UNGRAPH_STORE"] = base.store_location
    config["UNGRAPH_BASE_IRI"] = base.base_iri
    for name, value in given.items():
        if name not in BY_NAME:
            config[name] = value
    return config
