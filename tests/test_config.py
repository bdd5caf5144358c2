"""Settings: defaults, environment, flags, and errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from ungraph.config import DEFAULT_BASE_IRI, SettingError, load_settings


def test_defaults_put_reference_and_corpus_under_shared(tmp_path: Path) -> None:
    settings = load_settings({"UNGRAPH_SHARED": str(tmp_path)})
    assert settings.base_iri == DEFAULT_BASE_IRI
    assert settings.corpus_dir == tmp_path / "corpus"
    assert settings.reference_dir == tmp_path / "reference"
    assert settings.origin("shared") == "env UNGRAPH_SHARED"


def test_flags_override_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {"UNGRAPH_BASE_IRI": "https://env.example/"}, base_iri="https://flag.example/", corpus=None
    )
    assert settings.base_iri == "https://flag.example/"
    assert settings.origin("base_iri") == "flag"


def test_missing_folder_error_names_setting_and_origin(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    settings = load_settings({"UNGRAPH_REFERENCE": str(missing)})
    with pytest.raises(SettingError) as raised:
        settings.require_dir("reference")
    message = str(raised.value)
    assert "'reference'" in message
    assert str(missing) in message
    assert "UNGRAPH_REFERENCE" in message


def test_missing_file_in_existing_folder_is_named(tmp_path: Path) -> None:
    settings = load_settings({"UNGRAPH_REFERENCE": str(tmp_path)})
    with pytest.raises(SettingError, match=r"no file sdg_targets\.tsv"):
        settings.require_file("reference", "sdg_targets.tsv")


@pytest.mark.parametrize("bad", ["ftp://x.org/", "https://x.org/no-slash", "not an iri"])
def test_base_iri_must_be_absolute_http_with_trailing_slash(bad: str) -> None:
    with pytest.raises(SettingError, match="base_iri"):
        load_settings({"UNGRAPH_BASE_IRI": bad})


def test_default_shared_is_beside_the_checkout(settings_default_shared: Path) -> None:
    assert settings_default_shared.name == "shared"


@pytest.fixture
def settings_default_shared() -> Path:
    return load_settings({}).shared
