"""数据共享: mount_rate, open_rate, request_on_time, call_success, usage_rate, objection_on_time."""

from __future__ import annotations

import pandas as pd

from data.models import HIST_COLUMNS
from metrics.indicators import COUNT_COLUMNS, EVIDENCE_COLUMNS, FIX_COLUMNS, Parts, deadlines, resource_fixes
from metrics.inputs import Context, PeriodInputs
from metrics.latency import p95_bound, p95_text


def catalog(inputs: PeriodInputs, ctx: Context) -> pd.DataFrame:
    """Resources of assessed departments registered on or before min(end, as_of) (or undated)."""
    r = inputs.resources
    keep = ctx.assessed(r["provider_dept_id"]) & ~(r["registered_at"] > pd.Timestamp(ctx.cutoff))
    return r[keep].rename(columns={"provider_dept_id": "dept_id"})


def _count(frame: pd.DataFrame, good: pd.Series, indicator: str) -> pd.DataFrame:
    g = pd.DataFrame({"dept_id": frame["dept_id"], "good": good.astype(int)})
    g = g.groupby("dept_id").agg(numerator=("good", "sum"), denominator=("good", "size")).reset_index()
    g["indicator"] = indicator
    return g[COUNT_COLUMNS]


def _resource_rows(rows: pd.DataFrame, indicator: str, status: str, detail) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dept_id": rows["dept_id"],
            "indicator": indicator,
            "item_type": "resource",
            "item_key": rows["resource_code"],
            "label": rows["name"],
            "status": status,
            "due_at": pd.NaT,
            "done_at": pd.NaT,
            "detail": detail,
        },
        columns=EVIDENCE_COLUMNS,
    )


def catalog_indicators(inputs: PeriodInputs, ctx: Context):
    cat = catalog(inputs, ctx)
    shareable = cat[cat["share_type"] != "not_shared"]
    counts = [
        _count(shareable, shareable["mounted"], "mount_rate"),
        _count(cat, cat["share_type"].isin(["unconditional", "conditional"]), "open_rate"),
    ]
    unmounted = shareable[~shareable["mounted"]]
    evidence = _resource_rows(unmounted, "mount_rate", "unmounted", [{"共享类型": s} for s in unmounted["share_type"]])
    fixes = resource_fixes(
        unmounted,
        "mount_rate",
        "挂接目录资源「"
        + unmounted["name"]
        + "」（"
        + unmounted["resource_code"]
        + "）：为其登记实际的库表、文件或接口",
    )
    return Parts(counts, [evidence], [fixes])


def call_indicators(inputs: PeriodInputs, ctx: Context):
    """call_success from the daily rollup; usage_rate matches mounted resources to services."""
    calls = inputs.calls[ctx.assessed(inputs.calls["provider_dept_id"])].rename(columns={"provider_dept_id": "dept_id"})
    per_dept = calls.groupby("dept_id").agg(calls=("calls", "sum"), failures=("failures", "sum")).reset_index()
    success = pd.DataFrame(
        {
            "dept_id": per_dept["dept_id"],
            "indicator": "call_success",
            "numerator": per_dept["calls"] - per_dept["failures"],
            "denominator": per_dept["calls"],
        }
    )
    failing = calls[calls["failures"] > 0].sort_values(["dept_id", "failures"], ascending=[True, False])
    top = (
        inputs.faults.sort_values(["failed", "fault_code"], ascending=[False, True], na_position="last")
        .drop_duplicates(["provider_dept_id", "service_code"])
        .rename(columns={"provider_dept_id": "dept_id"})
    )
    failing = failing.merge(
        top[["dept_id", "service_code", "fault_code", "failed"]], on=["dept_id", "service_code"], how="left"
    )
    latency = inputs.latency.rename(columns={"provider_dept_id": "dept_id"})
    failing = failing.merge(latency, on=["dept_id", "service_code"], how="left")
    hist = failing.reindex(columns=HIST_COLUMNS).fillna(0).to_numpy(dtype="int64")
    timed, total_ms = failing["duration_count"].fillna(0), failing["duration_sum_ms"].fillna(0)
    details = [
        {
            "调用次数": int(c),
            "失败次数": int(f),
            "成功率": round((c - f) / c * 100, 2) if c else None,
            "主要错误码": None if pd.isna(code) else code,
            "主要错误码近期失败次数": None if pd.isna(n) else int(n),
            "平均响应毫秒（整月）": round(ms / t) if t else None,
            "P95响应毫秒（整月）": p95_text(p95_bound(h)),
        }
        for c, f, code, n, t, ms, h in zip(
            failing["calls"], failing["failures"], failing["fault_code"], failing["failed"], timed, total_ms, hist
        )
    ]
    service_evidence = pd.DataFrame(
        {
            "dept_id": failing["dept_id"],
            "indicator": "call_success",
            "item_type": "service",
            "item_key": failing["service_code"],
            "label": "接口 " + failing["service_code"],
            "status": "failing",
            "due_at": pd.NaT,
            "done_at": pd.NaT,
            "detail": details,
        },
        columns=EVIDENCE_COLUMNS,
    )
    code_hint = failing["fault_code"].map(lambda c: "" if pd.isna(c) else f"，主要错误码 {c}")
    service_fixes = pd.DataFrame(
        {
            "dept_id": failing["dept_id"],
            "indicator": "call_success",
            "item_type": "service",
            "item_key": failing["service_code"],
            "action": "排查接口 "
            + failing["service_code"]
            + " 的调用失败（期内失败 "
            + failing["failures"].astype(str)
            + " 次"
            + code_hint
            + "）",
            "deadline": pd.NaT,
            "upcoming": False,
            "fix_num": failing["failures"],
            "fix_den": 0,
            "base_num": 0,
            "base_den": 0,
        },
        columns=FIX_COLUMNS,
    )

    cat = catalog(inputs, ctx)
    mounted = cat[cat["mounted"]]
    used_codes = set(inputs.calls.loc[inputs.calls["calls"] > inputs.calls["failures"], "service_code"])
    used = mounted["service_code"].isin(used_codes)
    usage = _count(mounted, used, "usage_rate")
    unused = mounted[~used]
    called = calls.groupby("service_code")["calls"].sum()
    unused_detail = [
        {"服务编码": code, "期内调用次数": int(called.get(code, 0))}
        if pd.notna(code)
        else {"服务编码": None, "说明": "未登记服务编码，无法关联调用记录"}
        for code in unused["service_code"]
    ]
    usage_evidence = _resource_rows(unused, "usage_rate", "unused", unused_detail)
    usage_fixes = resource_fixes(
        unused,
        "usage_rate",
        "推动已挂接资源「" + unused["name"] + "」（" + unused["resource_code"] + "）被实际调用，或核对其服务编码",
    )
    return Parts([success[COUNT_COLUMNS], usage], [service_evidence, usage_evidence], [service_fixes, usage_fixes])


def request_indicators(inputs: PeriodInputs, ctx: Context):
    req = inputs.requests
    limit = pd.Series(ctx.scheme.limits["request"], index=req.index)
    judged = deadlines.judge(req, ctx, "provider_dept_id", "submitted_at", "answered_at", limit)
    label = "共享申请 " + judged["request_id"] + "（资源 " + judged["resource_code"].fillna("未注明") + "）"
    action = "答复共享申请 " + judged["request_id"] + "（截止 " + judged["deadline"].dt.strftime("%Y-%m-%d") + "）"
    return Parts(
        [deadlines.counts(judged, "provider_dept_id", "request_on_time")],
        [deadlines.evidence(judged, "provider_dept_id", "request_id", "request_on_time", "request", label)],
        [deadlines.fixes(judged, ctx, "provider_dept_id", "request_id", "request_on_time", "request", action)],
    )


def objection_indicators(inputs: PeriodInputs, ctx: Context):
    obj = inputs.objections
    limit = pd.Series(ctx.scheme.limits["objection"], index=obj.index)
    judged = deadlines.judge(obj, ctx, "provider_dept_id", "raised_at", "resolved_at", limit)
    label = (
        "数据异议 "
        + judged["objection_id"]
        + "（"
        + judged["kind"].fillna("未分类")
        + "，资源 "
        + judged["resource_code"].fillna("未注明")
        + "）"
    )
    action = "处理数据异议 " + judged["objection_id"] + "（截止 " + judged["deadline"].dt.strftime("%Y-%m-%d") + "）"
    return Parts(
        [deadlines.counts(judged, "provider_dept_id", "objection_on_time")],
        [deadlines.evidence(judged, "provider_dept_id", "objection_id", "objection_on_time", "objection", label)],
        [deadlines.fixes(judged, ctx, "provider_dept_id", "objection_id", "objection_on_time", "objection", action)],
    )
