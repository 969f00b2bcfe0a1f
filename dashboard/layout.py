"""Page chrome for a laptop screen (1280×720): Streamlit's default padding leaves the main
block 820 px wide and starts it 96 px down, which cuts the ranking table and pushes it
below the first screen."""

import streamlit as st

COMPACT_CSS = (
    "<style>[data-testid='stMainBlockContainer']"
    "{padding-top: 2.5rem; padding-left: 1.5rem; padding-right: 1.5rem; max-width: none}</style>"
)


def compact_page() -> None:
    st.html(COMPACT_CSS)


def anchor_list(sections: dict[str, str]) -> None:
    """Links to a page's sections (title → anchor of its subheader), one line at the top."""
    st.markdown(" · ".join(f"[{title}](#{anchor})" for title, anchor in sections.items()))
