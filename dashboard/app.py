"""Streamlit entry point. Until the pages land, a summary of what the store holds."""
import pandas as pd
import streamlit as st

from data.__main__ import table_counts
from data.db import get_engine

st.set_page_config(page_title="跑办督考台", layout="wide")
st.title("跑办督考台")
counts = table_counts(get_engine())
st.dataframe(pd.DataFrame({"表": list(counts), "行数": list(counts.values())}), hide_index=True)
