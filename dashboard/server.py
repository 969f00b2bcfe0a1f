"""What `python -m dashboard` serves: app.py as an st.App, plus the session-cookie route
and the redirect of unknown page addresses to the home page.

Streamlit finds `app` here and runs it under Uvicorn; the pages are app.py's as before.
"""

from pathlib import Path

import streamlit as st

from dashboard.session_cookie import session_routes
from dashboard.unknown_pages import unknown_page_middleware

app = st.App(Path(__file__).resolve().parent / "app.py", routes=session_routes(), middleware=unknown_page_middleware())
