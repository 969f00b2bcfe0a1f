"""Blocks both supervision pages show for one opened item: the problem, the frozen evidence
against the latest scores, every feedback with its files, and the timeline."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard.documents import (
    DOCX_MIME,
    ItemText,
    Signature,
    inspectors_of,
    rectification_report,
    supervision_notice,
)
from dashboard.format import indicator_label, scheme_for
from dashboard.supervision_tables import event_table, evidence_rows_table, overdue_red
from dashboard.widgets import download
from data import attachments, queries, supervision
from data.alerts import AlertError
from data.appeals import AppealError
from data.attachments import MAX_BYTES, AttachmentError
from data.clock import local_today
from data.models import SEVERITIES, SUPERVISION_STATES
from data.publication import PublicationError
from data.replay_requests import ReplayRequestError
from data.settings import get_settings
from data.supervision import TransitionError
from data.supervision_settings import FINDING_KINDS
from data.viewer import AccessDenied, Viewer

REFUSALS = (
    TransitionError,
    AppealError,
    PublicationError,
    AccessDenied,
    AttachmentError,
    AlertError,
    ReplayRequestError,
)


CLEAR_KEY = "supervision_clear"


def act(engine: Engine, label: str, fn, clear: dict[str, object] | None = None) -> None:
    """Run one write in its own transaction; a refusal is shown in the data layer's words.
    After a success the session keys in `clear` (key → value to start with) are set on the next
    run (see clear_forms), so a form starts empty and the same item is not sent twice."""
    try:
        with engine.begin() as conn:
            fn(conn)
    except REFUSALS as exc:
        st.error(str(exc))
        return
    if clear:
        st.session_state[CLEAR_KEY] = clear
    st.toast(f"已{label}")
    st.rerun()


def clear_forms() -> None:
    """Empty the fields a successful write asked to clear. Call before any widget is drawn:
    Streamlit lets a page set a widget's value only then, and only a value set so reaches
    the browser (deleting the key would leave the old text on screen)."""
    for key, empty in st.session_state.pop(CLEAR_KEY, {}).items():
        st.session_state[key] = empty


UPLOAD_SUFFIXES = ("pdf", "png", "jpg", "jpeg", "docx", "xlsx")
_UPLOADER_STYLE = """<style>
.st-key-{key} [data-testid=stFileUploaderDropzone] button p {{ font-size: 0; }}
.st-key-{key} [data-testid=stFileUploaderDropzone] button p::after {{ content: "选择文件"; font-size: 0.875rem; }}
.st-key-{key} [data-testid=stFileUploaderDropzoneInstructions] span {{ font-size: 0; }}
.st-key-{key} [data-testid=stFileUploaderDropzoneInstructions] span::after {{
  content: "可将文件拖放到此处；每个不超过 {mb} MB，限 PDF、PNG、JPG 图片、Word（docx）、Excel（xlsx）";
  font-size: 0.875rem;
}}
</style>"""


def evidence_uploader(label: str, key: str):
    """Files for a feedback or an appeal, limited in the browser to what data.attachments accepts.
    Streamlit 1.67 has no option for its uploader's own English words ("Upload", "10MB per file"),
    so a style scoped to this widget's key puts Chinese in their place."""
    mb = MAX_BYTES // 1048576
    st.html(_UPLOADER_STYLE.format(key=key, mb=mb))
    return st.file_uploader(label, type=UPLOAD_SUFFIXES, accept_multiple_files=True, max_upload_size=mb, key=key)


def item_list(table) -> None:
    """The list of items, narrow enough for a laptop screen: the title takes what is left."""
    st.dataframe(
        overdue_red(table),
        hide_index=True,
        width="stretch",
        placeholder="—",
        column_config={
            "编号": st.column_config.NumberColumn(width=60),
            "部门": st.column_config.TextColumn(width="small"),
            "标题": st.column_config.TextColumn(width="large"),
            "严重程度": st.column_config.TextColumn(width=80),
            "状态": st.column_config.TextColumn(width=80),
            "整改期限": st.column_config.DateColumn(width=100, format="YYYY-MM-DD"),
            "逾期工作日": st.column_config.NumberColumn(width=90),
        },
    )


def attachment_button(engine: Engine, viewer: Viewer, attachment_id: int, key: str) -> None:
    """A download button for one attachment, fetched with the viewer (data.attachments scopes it)."""
    with engine.connect() as conn:
        filename, media_type, content = attachments.download(conn, viewer, attachment_id)
    st.download_button(
        f"下载附件：{filename}",
        content,
        file_name=filename,
        mime=media_type,
        key=f"{key}_att_{attachment_id}",
        on_click="ignore",
    )


def item_detail(engine: Engine, viewer: Viewer, item_id: int, key: str) -> dict:
    """Render the opened item and return it as the store holds it now."""
    with engine.connect() as conn:
        item = supervision.get_item(conn, viewer, item_id)
        frozen = supervision.evidence_now(conn, viewer, item_id)
        timeline = supervision.events(conn, viewer, item_id)
        feedback = supervision.rectifications(conn, viewer, item_id)
    st.markdown(f"**存在的问题**：{item['problem']}\n\n**整改要求**：{item['requirement']}")
    st.caption(
        f"状态：{SUPERVISION_STATES[item['state']]} · {names_of(engine, viewer).get(item['dept_id'], '')} · "
        f"{FINDING_KINDS[item['kind']]} · "
        f"严重程度：{SEVERITIES[item['severity']]}；下发 {item['issued_on']:%Y-%m-%d}，"
        f"整改期限 {item['deadline']:%Y-%m-%d}；已退回 {item['returns']} 次"
    )
    returned = [e for e in timeline if e["action"] == "return"]
    if item["state"] == "rectifying" and returned:
        st.warning(
            f"督察组已退回（{returned[-1]['actor']}）：{returned[-1]['reason']}。请按要求补充后重新提交整改反馈。"
        )
    if frozen:
        st.markdown("**下发时的证据**（与最新计算结果对照）")
        still = sum(1 for r in frozen if r["still_open"])
        if item["state"] == "verifying" and still:
            st.warning(f"下发时的 {len(frozen)} 条证据中仍有 {still} 条在最新计算结果里未整改，核验销号前请核实。")
        scheme = scheme_for(item["issued_on"].year)
        st.dataframe(
            evidence_rows_table(frozen, lambda key: indicator_label(scheme, key)), hide_index=True, width="stretch"
        )
    for n, rect in enumerate(feedback, start=1):
        with st.expander(f"第 {n} 次整改反馈（{rect['author']}）", expanded=n == len(feedback)):
            st.write(rect["text"])
            for att in rect["attachments"]:
                attachment_button(engine, viewer, att["id"], key)
    st.markdown("**办理过程**")
    st.dataframe(event_table(timeline), hide_index=True, width="stretch")
    documents_of(engine, viewer, item, frozen, feedback, timeline, key)
    return item


def names_of(engine: Engine, viewer: Viewer) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(queries.departments(conn, viewer)[["dept_id", "name"]].itertuples(index=False))


def item_text(engine: Engine, viewer: Viewer, item: dict) -> ItemText:
    names = names_of(engine, viewer)
    with engine.connect() as conn:
        helpers = supervision.assisting(conn, viewer, item["id"])
    return ItemText(
        item_id=item["id"],
        title=item["title"],
        department=names.get(item["dept_id"], f"部门 {item['dept_id']}"),
        assisting=tuple(names.get(d, f"部门 {d}") for d in helpers),
        severity=SEVERITIES[item["severity"]],
        state=SUPERVISION_STATES[item["state"]],
        issued_on=item["issued_on"],
        deadline=item["deadline"],
        problem=item["problem"],
        requirement=item["requirement"],
    )


def documents_of(engine, viewer, item, frozen, feedback, timeline, key) -> None:
    """督办通知单 (signed by the office, dated the day it was issued) and 整改情况报告 (signed
    by the lead department, dated today), each built on click and audited."""
    text = item_text(engine, viewer, item)
    scheme = scheme_for(item["issued_on"].year)
    evidence = evidence_rows_table(frozen, lambda k: indicator_label(scheme, k))
    left, right = st.columns(2)
    with left:
        download(
            "下载督办通知单（Word）",
            viewer,
            target=f"supervision:{item['id']}",
            period=text.number,
            kind="docx",
            file_name=f"督办通知单_{text.issued_on.year}-{text.item_id:04d}.docx",
            mime=DOCX_MIME,
            key=f"{key}_notice_docx",
            build=lambda: supervision_notice(
                text,
                evidence.drop(columns=["现在是否已整改"], errors="ignore"),
                Signature(get_settings().issuer, "", text.issued_on),
            ),
        )
    with right:
        download(
            "下载整改情况报告（Word）",
            viewer,
            target=f"supervision:{item['id']}",
            period=text.number,
            kind="docx",
            file_name=f"整改情况报告_{text.issued_on.year}-{text.item_id:04d}.docx",
            mime=DOCX_MIME,
            key=f"{key}_report_docx",
            build=lambda: rectification_report(
                text,
                feedback,
                event_table(timeline),
                Signature(text.department, "", local_today()),
                inspectors_of(get_settings().issuer),
            ),
        )
