"""红榜 and 黑榜: who the 通报 praises and who it names, by the scheme's [honours] rule."""

from __future__ import annotations

import pandas as pd

from metrics.scheme import Honours


def honour_lists(ranking: pd.DataFrame, rule: Honours) -> tuple[pd.DataFrame, pd.DataFrame]:
    """红榜 and 黑榜 of a ranking frame, per category.

    Each list takes 1/divisor of a category's ranked departments, bounded by the rule's
    minimum and maximum: 红榜 the first of them, but only of red_tiers (a category's best
    may still be 一般), 黑榜 the last, but only of bottom_tiers (ranking last among good
    departments is no failing); 黑榜 also takes every department of black_tiers.
    """
    red, black = [], []
    for _, group in ranking[ranking["total"].notna()].groupby("category", sort=False):
        group = group.sort_values(["rank", "department"])
        size = max(rule.minimum, min(rule.maximum, len(group) // rule.divisor))
        top, bottom = group.head(size), group.tail(size)
        red.append(top[top["tier"].isin(rule.red_tiers)])
        last = bottom.index[bottom["tier"].isin(rule.bottom_tiers)]
        black.append(group[group["tier"].isin(rule.black_tiers) | group.index.isin(last)])
    if not red:
        return ranking.head(0), ranking.head(0)
    return pd.concat(red), pd.concat(black)
