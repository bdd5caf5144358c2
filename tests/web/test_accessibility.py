"""Colour contrast of the stylesheet and the charts meets WCAG 2.1 AA (4.5:1 for text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ungraph.web.charts import BAR_COLOUR, HEAT_COLOURS, INK

CSS = Path(__file__).resolve().parents[2] / "src/ungraph/web/static/ungraph.css"
AA_TEXT = 4.5


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.1, section 1.4.3) of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _variables() -> dict[str, str]:
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})", CSS.read_text("utf-8")))


def test_contrast_helper_matches_the_spec_examples() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic just-too-light grey


@pytest.mark.parametrize(
    ("text", "background"),
    [
        ("ink", "paper"),
        ("ink", "panel"),
        ("muted", "paper"),
        ("muted", "panel"),
        ("link", "paper"),
        ("link", "panel"),
        ("link-visited", "paper"),
        ("ink", "mark-1"),
        ("ink", "mark-2"),
        ("ink", "mark-3"),
        ("link", "mark-1"),
    ],
)
def test_stylesheet_text_contrast(text: str, background: str) -> None:
    colours = _variables()
    assert contrast(colours[text], colours[background]) >= AA_TEXT


def test_button_and_focus_contrast() -> None:
    colours = _variables()
    assert contrast("#ffffff", colours["accent"]) >= AA_TEXT
    # Focus outlines are non-text: 3:1 against the page (WCAG 2.1, 1.4.11).
    assert contrast(colours["focus"], colours["paper"]) >= 3
    assert contrast(colours["focus"], colours["panel"]) >= 3


def test_chart_colours() -> None:
    for step, colour in enumerate(HEAT_COLOURS):
        label = "#ffffff" if step >= 3 else INK
        assert contrast(label, colour) >= AA_TEXT, (step, colour)
    # Bars are graphics next to their numbers: 3:1 against the page.
    assert contrast(BAR_COLOUR, "#ffffff") >= 3
