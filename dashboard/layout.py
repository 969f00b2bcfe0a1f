"""Page chrome: captions readable by contrast, and room for a laptop screen (1280×720),
where Streamlit's default padding leaves the main block 820 px wide and starts it 96 px
down, which cuts the ranking table and pushes it below the first screen."""

import streamlit as st

# 7.0:1 on white; Streamlit draws captions at 60 % opacity, #828180 on white, 3.88:1 (AA asks 4.5:1)
CAPTION_TEXT = "#595959"
# a read-only form (the scheme editor as a leader sees it) labels its disabled widgets at 40 %
# opacity, 2.6:1: the label is what the reader reads, so it gets the caption grey; the greyed
# field still says it cannot be changed
READABLE_CSS = (
    f"<style>[data-testid='stCaptionContainer'] {{color: {CAPTION_TEXT}; opacity: 1}}"
    f"label[data-testid='stWidgetLabel'][disabled] {{color: {CAPTION_TEXT}}}</style>"
)

COMPACT_CSS = (
    "<style>[data-testid='stMainBlockContainer']"
    "{padding-top: 2.5rem; padding-left: 1.5rem; padding-right: 1.5rem; max-width: none}</style>"
)


def readable_text() -> None:
    """Every page, the login form included: captions in a grey that passes WCAG AA."""
    st.html(READABLE_CSS)


def compact_page() -> None:
    st.html(COMPACT_CSS)


def anchor_list(sections: dict[str, str]) -> None:
    """Links to a page's sections (title → anchor of its subheader), one line at the top."""
    st.markdown(" · ".join(f"[{title}](#{anchor})" for title, anchor in sections.items()))
