"""消息: the viewer's own messages (督办 下发, 催办, 逾期, 申诉结果 …), newest first."""

import streamlit as st

from dashboard.auth import current_viewer
from dashboard.reads import store_url
from data import notifications
from data.clock import to_local
from data.db import get_engine

viewer = current_viewer()
engine = get_engine(store_url())
st.title("消息")
with engine.connect() as conn:
    messages = notifications.inbox(conn, viewer)
unread = [m for m in messages if m["read_at"] is None]
if not messages:
    st.info("暂无消息。")
    st.stop()
st.caption(f"共 {len(messages)} 条，未读 {len(unread)} 条。")
if unread and st.button("全部标为已读", key="inbox_read_all"):
    with engine.begin() as conn:
        for m in unread:
            notifications.mark_read(conn, viewer, m["id"])
    st.rerun()
for m in messages:
    mark = "🔴 " if m["read_at"] is None else ""
    with st.expander(f"{mark}{m['title']}（{to_local(m['created_at']):%Y-%m-%d %H:%M}）"):
        st.write(m["body"])
        if m["item_id"] is not None:
            st.caption(f"相关督办事项 #{m['item_id']}")
        if m["read_at"] is None and st.button("标为已读", key=f"inbox_read_{m['id']}"):
            with engine.begin() as conn:
                notifications.mark_read(conn, viewer, m["id"])
            st.rerun()
