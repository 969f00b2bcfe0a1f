"""Whole local months and the days at a period's edges: a period's call totals come from
the monthly tables for its whole months and from the daily rollup only for the days
left over, so reading a year costs the same whatever the volume of calls."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import union_all


def month_split(first_day: date, last_day: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """[first_day, last_day] as the whole local months inside it, (first month, month after
    the last) by their first days or None, and the day ranges left over at its edges."""
    first_whole = first_day if first_day.day == 1 else (first_day.replace(day=1) + timedelta(days=32)).replace(day=1)
    after_whole = (last_day + timedelta(days=1)).replace(day=1)
    if first_whole >= after_whole:
        return None, [(first_day, last_day)]
    edges = [(first_day, first_whole - timedelta(days=1))] if first_day < first_whole else []
    if after_whole <= last_day:
        edges.append((after_whole, last_day))
    return (first_whole, after_whole), edges


def monthly_then_edges(months, edges, monthly_part, edge_part):
    """UNION ALL of the monthly table's rows for the whole months and the finer rows for
    the edge day ranges, as a subquery."""
    parts = ([monthly_part(*months)] if months else []) + [edge_part(a, b) for a, b in edges]
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
