"""红榜 and 黑榜: who the 通报 praises and who it names, by the scheme's [honours] rule."""

from __future__ import annotations

import pandas as pd

from metrics.scheme import Honours


def honour_lists(ranking: pd.DataFrame, rule: Honours) -> tuple[pd.DataFrame, pd.DataFrame]:
    """红榜 and 黑榜 of a ranking frame, per category.

    Each list takes 1/divisor of a category's ranked departments, bounded by the rule's
    minimum and maximum; 黑榜 also takes every department whose tier the rule names.
    """
    red, black = [], []
    for _, group in ranking[ranking["total"].notna()].groupby("category", sort=False):
        group = group.sort_values(["rank", "department"])
        size = max(rule.minimum, min(rule.maximum, len(group) // rule.divisor))
        red.append(group.head(size))
        black.append(group[group["tier"].isin(rule.black_tiers) | group.index.isin(group.tail(size).index)])
    if not red:
        return ranking.head(0), ranking.head(0)
    return pd.concat(red), pd.concat(black)
