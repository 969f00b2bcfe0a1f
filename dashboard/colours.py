"""Cell colours a reader can trust: text on a tier or band colour picked by the WCAG 2
contrast ratio, so every coloured cell stays readable (AA asks for at least 4.5:1)."""

from __future__ import annotations

from dashboard.format import BAND_COLOURS, score_band
from data.vocabulary import TIER_COLOURS

DARK_TEXT = "#000000"
LIGHT_TEXT = "#ffffff"
AA_NORMAL = 4.5
# Text colours of the ↑/↓ arrows on a white cell (on white: 5.38:1 and 4.84:1).
RISE_TEXT = "#1a7a42"
FALL_TEXT = "#d73027"


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of a '#rrggbb' colour."""
    h = hex_colour.lstrip("#")
    r, g, b = (_channel(int(h[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio (1 to 21) of two colours."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour(background: str) -> str:
    """Black or white, whichever contrasts more with the background (always ≥ 4.58:1)."""
    return max((DARK_TEXT, LIGHT_TEXT), key=lambda text: contrast_ratio(text, background))


def cell_style(background: str | None) -> str:
    return f"background-color: {background}; color: {text_colour(background)}" if background else ""


def tier_style(tier) -> str:
    """Styler rule for a 等次 cell."""
    style = cell_style(TIER_COLOURS.get(tier))
    return f"{style}; font-weight: bold" if style else ""


def score_style(tiers: dict[str, float]):
    """Styler rule colouring a total by the scheme's score bands (green ≥ 良好线, yellow ≥ 一般线, red below)."""

    def style(score) -> str:
        band = score_band(score, "", tiers)
        return "" if band == "grey" else cell_style(BAND_COLOURS[band])

    return style


def change_style(value) -> str:
    """Styler rule for a 变化 cell: rises green, falls red, both readable on white."""
    if str(value).startswith("↑"):
        return f"color: {RISE_TEXT}; font-weight: bold"
    if str(value).startswith("↓"):
        return f"color: {FALL_TEXT}; font-weight: bold"
    return ""
