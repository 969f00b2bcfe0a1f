"""Figures for the pages (Plotly, and inline SVG for sparklines); they draw stored numbers
and compute none."""

from __future__ import annotations

from html import escape

import pandas as pd
import plotly.graph_objects as go

from dashboard.colours import FALL_TEXT, RISE_TEXT, text_colour
from dashboard.format import (
    BAND_COLOURS,
    NO_DATA,
    indicator_label,
    score_band,
)
from data.periods import Period
from data.vocabulary import TIER_COLOURS
from metrics.scheme import Scheme

FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=13)
BAND_ORDER = ("grey", "red", "yellow", "green")


def _layout(fig: go.Figure, height: int, **kw) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), font=FONT, plot_bgcolor="white", **kw)
    return fig


BAND_NAMES = {"green": "达到良好线", "yellow": "达到一般线", "red": "低于一般线", "grey": NO_DATA}


def scorecard(indicators: pd.DataFrame, order: list[str], scheme: Scheme) -> go.Figure:
    """DHIS2-like scorecard: departments × indicators, coloured by the scheme's tier thresholds.
    One trace per band, so each band's numbers take the text colour that is readable on it."""
    keys = [k for k in scheme.indicators if k in set(indicators["key"])]
    labels = [indicator_label(scheme, k) for k in keys]
    bands, text = [], []
    for dept in order:
        rows = indicators[indicators["department"] == dept].set_index("key")
        b_row, t_row = [], []
        for k in keys:
            r = rows.loc[k] if k in rows.index else None
            band = "grey" if r is None else score_band(r["score"], r["status"], scheme.tiers)
            b_row.append(band)
            t_row.append(NO_DATA if band == "grey" else f"{float(r['score']):.2f}")
        bands.append(b_row)
        text.append(t_row)
    fig = go.Figure()
    for band in BAND_ORDER:
        mask = [[b == band for b in row] for row in bands]
        if not any(map(any, mask)):
            continue
        colour = BAND_COLOURS[band]
        fig.add_heatmap(
            z=[[1 if m else None for m in row] for row in mask],
            x=labels,
            y=order,
            text=[[t if m else "" for t, m in zip(trow, mrow)] for trow, mrow in zip(text, mask)],
            texttemplate="%{text}",
            textfont=dict(color=text_colour(colour)),
            colorscale=[[0, colour], [1, colour]],
            showscale=False,
            hoverongaps=False,
            xgap=2,
            ygap=2,
            name=BAND_NAMES[band],
            hovertemplate=f"部门：%{{y}}<br>指标：%{{x}}<br>得分：%{{text}}（{BAND_NAMES[band]}）<extra></extra>",
        )
    fig.update_yaxes(autorange="reversed", automargin=True, type="category", categoryorder="array", categoryarray=order)
    fig.update_xaxes(
        side="top", tickangle=-30, automargin=True, type="category", categoryorder="array", categoryarray=labels
    )
    return _layout(fig, max(260, 34 * len(order) + 120), hoverlabel=dict(font=FONT))


def distribution(totals: list[float], tiers: dict[str, float], you: float | None = None) -> go.Figure:
    """Histogram of totals with the tier thresholds, and where the viewer stands."""
    fig = go.Figure(
        go.Histogram(
            x=totals,
            xbins=dict(start=0, end=100, size=5),
            marker_color="#7f8c8d",
            name="部门数",
            hovertemplate="%{x} 分段：%{y} 个部门<extra></extra>",
        )
    )
    for name, key in (("优秀", "excellent"), ("良好", "good"), ("一般", "fair")):
        fig.add_vline(x=tiers[key], line_dash="dot", line_color=TIER_COLOURS[name])
    if you is not None:
        fig.add_vline(x=you, line_width=3, line_color="#c0392b")
        fig.add_annotation(
            x=you,
            y=1.02,
            yref="paper",
            text=f"你在这里 {you:.2f}",
            showarrow=False,
            font=dict(color="#c0392b"),
            yanchor="bottom",
        )
    lines = "、".join(
        f"{name} {tiers[key]:g}" for name, key in (("一般", "fair"), ("良好", "good"), ("优秀", "excellent"))
    )
    fig.update_xaxes(title=f"总分（虚线为等次分数线：{lines}）", range=[0, 100])
    fig.update_yaxes(title="部门数", dtick=1)
    return _layout(fig, 320, bargap=0.05, showlegend=False)


def movers(ranking: pd.DataFrame, limit: int = 5) -> go.Figure:
    """Biggest rises and falls of the total against the previous period."""
    moved = ranking[ranking["total"].notna() & ranking["prev_total"].notna()].copy()
    moved["change"] = moved["total"] - moved["prev_total"]
    moved = moved[moved["change"] != 0]
    shown = pd.concat([moved.nlargest(limit, "change"), moved.nsmallest(limit, "change")])
    shown = shown.drop_duplicates("dept_id").sort_values("change")
    fig = go.Figure(
        go.Bar(
            x=shown["change"],
            y=shown["department"],
            orientation="h",
            marker_color=["#1a9850" if c > 0 else "#d73027" for c in shown["change"]],
            text=[f"{c:+.2f}" for c in shown["change"]],
            textposition="outside",
            hovertemplate="%{y}：%{x:+.2f} 分<extra></extra>",
        )
    )
    fig.update_xaxes(title="总分变化（与上期相比）", zeroline=True)
    return _layout(fig, max(220, 30 * len(shown) + 80))


def _closed_and_running(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Closed periods, and the running ones joined to the last closed one: a running total
    is partial, so it is drawn dashed apart from the line rather than as a fall."""
    done = history["complete"].astype(bool).to_numpy()
    closed = history[done]
    running = history[~done]
    if not running.empty and not closed.empty:
        running = pd.concat([closed.tail(1), running])
    return closed, running


RUNNING_LINE = dict(color="#7f8c8d", width=2, dash="dash")


SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 240, 56, 6
CLOSED_COLOUR = "#2c7fb8"


def sparkline(history: pd.DataFrame, column: str = "score") -> str:
    """An indicator's score over the year as a small inline SVG: a dozen Plotly charts per
    page were most of a page's CPU when many users open it at once (issue 21). The running
    period is dashed and grey with an open point; each point's value is its tooltip and all
    of them are the figure's label. A period without a score is left out of the line."""
    history = history.reset_index(drop=True)
    values = history[column].astype(float)
    labels = [
        Period.parse(key).short_label + ("" if done else "（进行中）")
        for key, done in zip(history["period_key"], history["complete"].astype(bool))
    ]
    known = values.dropna()
    low, high = (float(known.min()), float(known.max())) if len(known) else (0.0, 0.0)
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(values) - 1, 1)

    def at(i: int) -> tuple[float, float]:
        y = (
            SPARK_HEIGHT / 2
            if high == low
            else SPARK_PAD + (high - values[i]) / (high - low) * (SPARK_HEIGHT - 2 * SPARK_PAD)
        )
        return round(SPARK_PAD + i * step, 1), round(y, 1)

    def line(part: pd.DataFrame, stroke: str, dash: str = "") -> str:
        points = " ".join(f"{x},{y}" for x, y in (at(i) for i in part.index if pd.notna(values[i])))
        return f'<polyline points="{points}" fill="none" stroke="{stroke}" stroke-width="2"{dash}/>'

    closed, running = _closed_and_running(history)
    parts = [line(closed, CLOSED_COLOUR)]
    if not running.empty:
        parts.append(line(running, RUNNING_LINE["color"], ' stroke-dasharray="5 3"'))
    for i in known.index:
        x, y = at(i)
        fill, stroke = (CLOSED_COLOUR, CLOSED_COLOUR) if history["complete"][i] else ("white", RUNNING_LINE["color"])
        tip = escape(f"{labels[i]}：{values[i]:.2f}")
        parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{fill}" stroke="{stroke}"><title>{tip}</title></circle>')
    summary = escape("得分走势：" + "，".join(f"{labels[i]} {values[i]:.2f}" for i in known.index))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" width="100%" '
        f'height="{SPARK_HEIGHT}" role="img" aria-label="{summary}">{"".join(parts)}</svg>'
    )


def trend(history: pd.DataFrame) -> go.Figure:
    """Total over the year's periods, with rank and tier in the hover; a running period is
    drawn dashed, with an open marker and the label 进行中, since its total is still partial."""
    labels = pd.Series(
        [
            Period.parse(key).short_label + ("" if done else "（进行中）")
            for key, done in zip(history["period_key"], history["complete"])
        ],
        index=history.index,
    )
    closed, running = _closed_and_running(history)
    fig = go.Figure()
    for part, name, line in (
        (closed, "已结束", dict(color="#c0392b")),
        (running, "进行中（未结束，得分不完整）", RUNNING_LINE),
    ):
        if part.empty:
            continue
        fig.add_scatter(
            x=labels[part.index],
            y=part["total"],
            mode="lines+markers+text",
            name=name,
            line=line,
            marker=dict(size=8, symbol=["circle" if done else "circle-open" for done in part["complete"]]),
            text=[
                (f"{t:.1f}" if pd.notna(t) else "") + ("" if done else "（进行中）")
                for t, done in zip(part["total"], part["complete"])
            ],
            textposition="top center",
            customdata=list(zip(part["rank"], part["tier"])),
            hovertemplate="%{x}<br>总分 %{y:.2f}<br>排名 %{customdata[0]}<br>等次 %{customdata[1]}<extra></extra>",
        )
    fig.update_yaxes(title="总分", range=[0, 105])
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(labels))
    return _layout(fig, 300, legend=dict(orientation="h", y=-0.25))


def call_sankey(partners: pd.DataFrame, name: str) -> go.Figure:
    """Who calls this department's services (left) and whose services it calls (right)."""
    consumers = partners[partners["direction"] == "consumer"]
    providers = partners[partners["direction"] == "provider"]
    labels = (
        [f"{p}（调用方）" for p in consumers["partner"]] + [name] + [f"{p}（提供方）" for p in providers["partner"]]
    )
    centre = len(consumers)
    sources = list(range(len(consumers))) + [centre] * len(providers)
    targets = [centre] * len(consumers) + list(range(centre + 1, centre + 1 + len(providers)))
    values = list(consumers["calls"]) + list(providers["calls"])
    failures = list(consumers["failures"]) + list(providers["failures"])
    fig = go.Figure(
        go.Sankey(
            textfont=dict(color="#222222", size=13),
            node=dict(
                label=labels,
                pad=12,
                thickness=14,
                color=["#95a5a6"] * centre + ["#c0392b"] + ["#2c7fb8"] * len(providers),
            ),
            link=dict(
                source=sources,
                target=targets,
                value=values,
                customdata=failures,
                hovertemplate="%{source.label} → %{target.label}<br>调用 %{value:,} 次"
                "<br>失败 %{customdata:,} 次<extra></extra>",
            ),
        )
    )
    return _layout(fig, max(300, 28 * max(len(consumers), len(providers), 1) + 100))


def failures_per_day(days: pd.DataFrame) -> go.Figure:
    labels = [str(d) for d in days["day"]]
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=days["failures"],
        name="失败次数",
        marker_color="#d73027",
        hovertemplate="%{x}：失败 %{y:,} 次<extra></extra>",
    )
    fig.add_scatter(
        x=labels,
        y=days["calls"],
        name="调用次数",
        yaxis="y2",
        mode="lines",
        line=dict(color="#7f8c8d"),
        hovertemplate="%{x}：调用 %{y:,} 次<extra></extra>",
    )
    fig.update_layout(
        yaxis=dict(title="失败次数", rangemode="tozero", tickformat=",d"),
        yaxis2=dict(
            title="调用次数", overlaying="y", side="right", showgrid=False, rangemode="tozero", tickformat=",d"
        ),
        legend=dict(orientation="h", y=1.12),
    )
    fig.update_xaxes(type="category")
    return _layout(fig, 300)


CATEGORY_PALETTE = ("#2c7fb8", "#fdae61", "#7fbc41", "#8073ac", "#e08214", "#35978f", "#bababa")


def complaints_per_month(counts: pd.DataFrame, per_10k: pd.DataFrame) -> go.Figure:
    """Tickets per month stacked by category (the largest six, the rest as 其他), and the
    stored 每万件投诉量 of each monthly snapshot on the right axis."""
    top = counts.groupby("category")["tickets"].sum().nlargest(len(CATEGORY_PALETTE) - 1).index
    shown = counts.assign(category=counts["category"].where(counts["category"].isin(top), "其他"))
    shown = shown.groupby(["month", "category"], as_index=False)["tickets"].sum()
    months = sorted(set(shown["month"]) | set(per_10k["month"]))
    labels = [f"{m.year}年{m.month}月" for m in months]
    fig = go.Figure()
    for colour, category in zip(CATEGORY_PALETTE, [*top, "其他"]):
        part = shown[shown["category"] == category].set_index("month")["tickets"].reindex(months, fill_value=0)
        if part.sum():
            fig.add_bar(
                x=labels,
                y=part,
                name=category,
                marker_color=colour,
                hovertemplate=f"%{{x}}：{category} %{{y:,}} 件<extra></extra>",
            )
    if not per_10k.empty:
        fig.add_scatter(
            x=[f"{m.year}年{m.month}月" for m in per_10k["month"]],
            y=per_10k["value"],
            name="每万件投诉量",
            yaxis="y2",
            mode="lines+markers",
            line=dict(color="#c0392b"),
            hovertemplate="%{x}：每万件 %{y:.2f} 件<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        yaxis=dict(title="投诉件数", rangemode="tozero", tickformat=",d"),
        yaxis2=dict(title="每万件投诉量", overlaying="y", side="right", showgrid=False, rangemode="tozero"),
        legend=dict(orientation="h", y=1.15),
    )
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels)
    return _layout(fig, 320)


def open_alerts(trend: pd.DataFrame) -> go.Figure:
    """Open alerts per day, dates written the Chinese way (Plotly's own ticks are English)."""
    fig = go.Figure(
        go.Scatter(
            x=trend["day"],
            y=trend["open"],
            mode="lines+markers",
            name="未解决预警",
            hovertemplate="%{x|%Y年%m月%d日}：未解决 %{y} 条<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat="%m月%d日")
    fig.update_yaxes(title="未解决预警（条）", rangemode="tozero")
    return _layout(fig, 260)


def contribution_bridge(
    start: str, start_total: float, steps: list[tuple[str, float]], end: str, end_total: float
) -> go.Figure:
    """Waterfall from one total to the other: each source's points (an indicator's weighted
    contribution, 加分, 扣分, capping) as a bar up or down, largest first."""
    names = [start, *(label for label, _ in steps), end]
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            measure=["absolute", *["relative"] * len(steps), "total"],
            y=names,
            x=[start_total, *(amount for _, amount in steps), end_total],
            text=[f"{start_total:.2f}", *(f"{amount:+.2f}" for _, amount in steps), f"{end_total:.2f}"],
            textposition="outside",
            increasing=dict(marker=dict(color=RISE_TEXT)),
            decreasing=dict(marker=dict(color=FALL_TEXT)),
            totals=dict(marker=dict(color="#2c7fb8")),
            connector=dict(line=dict(color="#bdbdbd", width=1)),
            hovertemplate="%{y}：%{x:.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_xaxes(title="总分", zeroline=True)
    return _layout(fig, max(240, 32 * len(names) + 80), showlegend=False)
