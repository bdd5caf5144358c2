"""Where the hand-authored data files (ontology, shapes, queries, vocabularies) live."""

from __future__ import annotations

from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path

DATA_DIRS = ("ontology", "shapes", "queries", "vocab")

PACKAGE_DIR = Path(__file__).resolve().parent
# In a source checkout the package sits at <root>/src/ungraph.
CHECKOUT_ROOT = PACKAGE_DIR.parent.parent


def project_root() -> Path | None:
    """Return the checkout's root folder, or None when running from an installed wheel."""
    if (CHECKOUT_ROOT / "pyproject.toml").is_file() and (CHECKOUT_ROOT / "ontology").is_dir():
        return CHECKOUT_ROOT
    return None


@cache
def data_dir(name: str) -> Path:
    """Return the folder holding one kind of data file (``ontology``, ``shapes``, ...).

    A wheel carries them under ``ungraph/_data``; an editable install reads the checkout's
    top-level folders, so edits show up without reinstalling.

    >>> data_dir("ontology").name
    'ontology'
    """
    if name not in DATA_DIRS:
        raise ValueError(f"unknown data folder {name!r}; expected one of {', '.join(DATA_DIRS)}")
    root = project_root()
    if root is not None:
        return root / name
    shipped = Path(str(importlib_resources.files("ungraph") / "_data" / name))
    if shipped.is_dir():
        return shipped
    raise FileNotFoundError(f"data folder {name!r} is neither in a checkout nor in the package")


def ontology_path() -> Path:
    """The ontology in Turtle."""
    return data_dir("ontology") / "ungraph.ttl"


def shapes_paths() -> list[Path]:
    """Every SHACL shapes file, sorted by name."""
    return sorted(data_dir("shapes").glob("*.ttl"))


def query_paths() -> list[Path]:
    """Every catalogue query, sorted by name."""
    return sorted(data_dir("queries").glob("*.rq"))


def vocab_path(name: str) -> Path:
    """One hand-written vocabulary or registry file, e.g. ``vocab_path("wsis.toml")``."""
    path = data_dir("vocab") / name
    if not path.is_file():
        raise FileNotFoundError(f"vocabulary file {path} is missing")
    return path


SPARQL_DIR = PACKAGE_DIR / "sparql"


def sparql_query(name: str) -> str:
    """The text of one internal query (stats, VoID) shipped inside the package.

    They live in ``ungraph/sparql/*.rq`` rather than the top-level catalogue because they are
    part of the code's contract (their result columns are read by name), not examples for users.

    >>> "SELECT" in sparql_query("stats-counts")
    True
    """
    path = SPARQL_DIR / f"{name}.rq"
    if not path.is_file():
        raise FileNotFoundError(f"internal query {path} is missing")
    return path.read_text("utf-8")


def sparql_query_paths() -> list[Path]:
    """Every internal query, sorted by name."""
    return sorted(SPARQL_DIR.glob("*.rq"))
