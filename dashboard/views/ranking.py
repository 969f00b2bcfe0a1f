"""排名总览: who ranks where in a period, by category, with drill-down and exports."""

import streamlit as st

from dashboard import charts
from dashboard.auth import current_viewer
from dashboard.colours import change_style, score_style, tier_style
from dashboard.documents import DOCX_MIME, Signature, bulletin
from dashboard.exports import XLSX_MIME, workbook
from dashboard.format import (
    NO_DATA,
    PART_YEAR,
    RANK_SPAN,
    RANK_SPAN_HELP,
    band_legend,
    category_label,
    scheme_for,
    styled_numbers,
)
from dashboard.layout import compact_page
from dashboard.reads import read
from dashboard.tables import indicator_table, problem_lines, ranking_table, search_ranking
from dashboard.widgets import (
    category_picker,
    csv_download,
    download,
    no_data,
    period_caption,
    period_picker,
)
from data import queries
from data.clock import local_today
from data.settings import get_settings
from data.vocabulary import TIERS
from metrics.honours import honour_lists

DEPARTMENT_PAGE = "views/department.py"

GRID_WIDTHS = {"排名": 44, RANK_SPAN: 52, "变化": 44, "部门": None, "总分": 64, "等次": 48, "加分": 48, "扣分": 48}
SHORT_HEADERS = {RANK_SPAN: "区间", "一票否决": "否决", "上期排名": "上期名次"}


def grid_columns(table) -> dict:
    """Widths and short headers that fit the table into a 1280 px laptop screen (部门 sized
    to its longest name); the full header is the column's tooltip, and the exports keep the
    full names."""
    config = {}
    for column in table.columns:
        config[column] = st.column_config.Column(
            SHORT_HEADERS.get(column, column),
            width=GRID_WIDTHS.get(column, 68 if column != PART_YEAR else 120),
            help=RANK_SPAN_HELP if column == RANK_SPAN else (column if column in SHORT_HEADERS else None),
        )
    return config


viewer = current_viewer()
compact_page()
st.title("排名总览")
when, which = st.columns([3, 1])
with when:
    shown = period_picker(viewer, "ranking")
if shown is None:
    st.stop()
period = shown.period
snapshot_id = shown.snapshot_id
scheme = scheme_for(period.year)
label = period.label
everyone = read(queries.ranking, viewer, snapshot_id)
with which:
    category = category_picker("ranking_category", set(everyone["category"]))
period_caption(viewer, shown)
if no_data(shown):
    st.stop()
ranking = everyone[everyone["category"] == category].reset_index(drop=True)
if ranking.empty:
    st.info(f"{label}没有{category_label(category)}的得分。")
    st.stop()

table = ranking_table(ranking, scheme, period)
scored = ranking[ranking["total"].notna()]
cols = st.columns(2 + len(TIERS))
cols[0].metric("参评部门", len(ranking))
cols[1].metric("平均分", f"{scored['total'].mean():.2f}" if len(scored) else "无数据")
for col, tier in zip(cols[2:], TIERS):
    col.metric(tier, int((ranking["tier"] == tier).sum()))

find, keep = st.columns([1, 2])
search = find.text_input("搜索部门", placeholder="输入部门名称的一部分", key="ranking_search")
tiers = keep.multiselect("按等次筛选", [*TIERS, NO_DATA], placeholder="全部等次", key="ranking_tiers")
matched = search_ranking(table, search, tiers).to_numpy()
shown_ranking = ranking[matched].reset_index(drop=True)
shown_table = table[matched].reset_index(drop=True)
# 上期总分 stays in the exports and the 进退步 tab; 一票否决 shows only when someone is vetoed
hidden = {"类别", "上期总分"} | ({"一票否决"} if not (table["一票否决"] == "是").any() else set())
styler = (
    shown_table.style.map(tier_style, subset=["等次"])
    .map(score_style(scheme.tiers), subset=["总分"])
    .map(change_style, subset=["变化"])
)
selection = st.dataframe(
    styled_numbers(styler, shown_table),
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    column_order=[c for c in shown_table.columns if c not in hidden],
    placeholder=NO_DATA,
    height=min(35 * (len(shown_table) + 1) + 3, 740),
    key="ranking_table",
    column_config=grid_columns(shown_table),
)
if shown_table.empty:
    st.caption("没有符合搜索和筛选条件的部门。")
st.caption(f"点击表头可排序，点击一行打开部门详情；上期总分见“进退步”和导出。{RANK_SPAN}：{RANK_SPAN_HELP}")


def open_department(dept_id: int) -> None:
    st.session_state["selected_dept_id"] = dept_id
    st.switch_page(DEPARTMENT_PAGE, query_params={"dept": str(dept_id)})


chosen_rows = selection.selection.rows if selection else []
if chosen_rows:
    open_department(int(shown_ranking.iloc[chosen_rows[0]]["dept_id"]))
pick, open_col = st.columns([3, 1], vertical_alignment="bottom")
names = dict(zip(ranking["dept_id"], ranking["department"]))
target = pick.selectbox(
    "查看部门详情（也可点击表格中的一行）", list(names), format_func=names.__getitem__, key="ranking_drill"
)
if open_col.button("打开部门详情", key="ranking_open", type="primary"):
    open_department(int(target))

indicators = read(queries.indicator_scores, viewer, snapshot_id, category=category)
st.subheader("导出")
red, black = honour_lists(ranking, scheme.honours)
weak = ranking[ranking["tier"] == "较差"]
problems = {
    r["department"]: problem_lines(
        indicators[indicators["dept_id"] == r["dept_id"]],
        read(queries.evidence, viewer, snapshot_id, dept_id=int(r["dept_id"])),
        scheme,
    )
    for r in weak.to_dict("records")
}
short = ["排名", "部门", "总分", "等次"]
intro = (
    f"根据{scheme.year}年度考核方案（版本 {shown.scheme_version}），对{label}"
    f"{category_label(category)}共 {len(ranking)} 个单位进行了考核，数据截至 {shown.as_of}。"
    f"等次分布：" + "，".join(f"{t} {int((ranking['tier'] == t).sum())} 个" for t in TIERS) + "。"
)
file_stem = f"{period.key}_{category_label(category)}"
with st.expander("通报落款（发文机关、文号、成文日期）"):
    s1, s2, s3 = st.columns(3)
    signature = Signature(
        issuer=s1.text_input("发文机关", value=get_settings().issuer, key="bulletin_issuer").strip(),
        number=s2.text_input("文号", placeholder=f"如 跑办〔{local_today().year}〕12号", key="bulletin_number").strip(),
        dated=s3.date_input("成文日期", value=local_today(), key="bulletin_date", format="YYYY-MM-DD"),
    )
    if not signature.issuer:
        st.caption("未填写发文机关：通报将只有成文日期。管理员可用 PAOBAN_ISSUER 设置默认的发文机关。")
c1, c2, c3 = st.columns(3)
with c1:
    download(
        "下载 Excel 工作簿",
        viewer,
        target=f"ranking:{category}",
        period=period.key,
        kind="xlsx",
        file_name=f"排名_{file_stem}.xlsx",
        mime=XLSX_MIME,
        key="ranking_xlsx",
        build=lambda: workbook({"排名": table, "指标得分": indicator_table(indicators, scheme)}),
    )
with c2:
    download(
        "下载 Word 通报",
        viewer,
        target=f"bulletin:{category}",
        period=period.key,
        kind="docx",
        file_name=f"通报_{file_stem}.docx",
        mime=DOCX_MIME,
        key="ranking_docx",
        build=lambda: bulletin(
            f"{label}{category_label(category)}考核情况通报",
            intro,
            ranking_table(ranking, scheme)[short],
            ranking_table(red, scheme)[short],
            ranking_table(black, scheme)[short],
            problems,
            signature,
        ),
    )
with c3:
    csv_download(
        table,
        viewer,
        target=f"ranking:{category}",
        period=period.key,
        file_name=f"排名_{file_stem}.csv",
        key="ranking_csv",
    )

heat, spread, moved = st.tabs(["计分卡", "总分分布", "进退步"])
with heat:
    st.caption(band_legend(scheme.tiers))
    if indicators.empty:
        st.caption("本期没有指标得分。")
    else:
        st.plotly_chart(
            charts.scorecard(indicators, list(ranking["department"]), scheme), width="stretch", key="ranking_scorecard"
        )
with spread:
    st.plotly_chart(
        charts.distribution(list(scored["total"]), scheme.tiers), width="stretch", key="ranking_distribution"
    )
with moved:
    if ranking["prev_total"].notna().any():
        st.plotly_chart(charts.movers(ranking), width="stretch", key="ranking_movers")
    else:
        st.caption("没有上一期的得分，无法比较进退。")
