"""考核发布: the yearly appraisal's versions, 草稿 → 公示 → 发布, and the check that a shown version
still recomputes to what was published. Leader and admin; the data layer checks order and waits."""

import pandas as pd
import streamlit as st

from dashboard.auth import current_viewer
from dashboard.documents import DOCX_MIME, Signature, publicity_notice
from dashboard.format import category_label, scheme_for
from dashboard.reads import read, store_url
from dashboard.supervision_panels import act
from dashboard.tables import ranking_table
from dashboard.widgets import download
from data import publication, queries
from data.clock import local_today, to_local
from data.db import get_engine
from data.models import PUBLICATION_STATES
from data.settings import get_settings
from metrics import publications

viewer = current_viewer()
engine = get_engine(store_url())
today = local_today()
st.title("考核发布")
periods = read(queries.periods, viewer)
years = sorted({int(k[:4]) for k in periods["period_key"]} | {today.year}, reverse=True)
year = st.selectbox("年度", years, key="pb_year")
with engine.connect() as conn:
    shown = publication.versions(conn, viewer, year)


def when(ts) -> str:
    return f"{to_local(ts):%Y-%m-%d %H:%M}" if ts is not None else ""


table = pd.DataFrame(
    [
        {
            "版本": p["version"],
            "状态": PUBLICATION_STATES[p["state"]],
            "评价日": p["as_of"],
            "公示开始": p["publicity_start"],
            "公示结束": p["publicity_end"],
            "发布时间": when(p["published_at"]),
            "发布人": p["published_by"] or "",
            "说明": p["note"] or "",
        }
        for p in shown
    ]
)
if table.empty:
    st.info(f"{year} 年度还没有发布版本。年度结果计算完成后，可在下方起草第 1 版。")
else:
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        placeholder="—",
        column_config={"状态": st.column_config.TextColumn(width=120)},
    )

announced = [p for p in shown if p["state"] in ("publicizing", "published")]
if announced:
    latest = announced[-1]
    scheme = scheme_for(year)
    result = read(queries.ranking, viewer, latest["snapshot_id"])
    columns = ["排名", "部门", "总分", "等次"]
    rankings = {
        category_label(c): ranking_table(result[result["category"] == c], scheme)[columns]
        for c in scheme.categories
        if (result["category"] == c).any()
    }
    download(
        f"下载第 {latest['version']} 版考核结果公示（Word）",
        viewer,
        target=f"publication:{latest['id']}",
        period=str(year),
        kind="docx",
        file_name=f"{year}年度考核结果公示_第{latest['version']}版.docx",
        mime=DOCX_MIME,
        key="pb_notice_docx",
        build=lambda: publicity_notice(
            year,
            latest["version"],
            latest["publicity_start"],
            latest["publicity_end"],
            rankings,
            Signature(get_settings().issuer, "", latest["publicity_start"]),
        ),
    )

open_ = next((p for p in shown if p["state"] in ("draft", "publicizing")), None)
if open_ is None:
    note = st.text_input("版本说明（如：采纳申诉后重新发布）", key="pb_note")
    if st.button("起草新版本", type="primary", key="pb_draft"):
        act(engine, "起草新版本", lambda conn: publication.draft(conn, viewer, year, note or None))
elif open_["state"] == "draft":
    st.subheader(f"第 {open_['version']} 版：开始公示")
    start = st.date_input("公示开始日期", value=today, key="pb_start")
    if st.button("开始公示", type="primary", key="pb_publicize"):
        act(engine, "开始公示", lambda conn: publication.publicize(conn, viewer, open_["id"], start))
else:
    st.subheader(f"第 {open_['version']} 版：公示中")
    st.caption(
        f"公示期 {open_['publicity_start']:%Y-%m-%d} 至 {open_['publicity_end']:%Y-%m-%d}；"
        "公示期结束且申诉全部复核后可以发布。"
    )
    if st.button("发布", type="primary", key="pb_publish"):
        act(engine, "发布", lambda conn: publication.publish(conn, viewer, open_["id"], today))

checkable = [p for p in shown if p["state"] != "draft"]
if checkable:
    st.subheader("核验")
    labels = {p["id"]: f"第 {p['version']} 版（{PUBLICATION_STATES[p['state']]}）" for p in checkable}
    # the states are in the key: a kept widget would go on showing a version's state of before
    states = "-".join(p["state"] for p in checkable)
    chosen = st.selectbox("核验版本", list(labels), format_func=labels.get, key=f"pb_check_version_{states}")
    if st.button("核验（用发布时保存的方案、豁免与调整重算）", key="pb_verify"):
        problems = publications.verify_version(engine, chosen).problems
        if problems:
            st.error(f"{labels[chosen]}核验未通过：\n\n" + "\n\n".join(f"- {p}" for p in problems))
        else:
            st.success(f"{labels[chosen]}核验通过：重算结果与发布时完全一致")
