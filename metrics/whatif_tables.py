"""The what-if frames under Chinese column names: one layout for the terminal, the scheme
page and the meeting's workbook."""

from __future__ import annotations

import pandas as pd

SCENARIO_LABELS = {
    "label": "情景",
    "ranks_moved": "名次变动部门数",
    "largest_move": "最大名次变动",
    "tier_changes": "等次变动部门数",
}
DEPARTMENT_LABELS = {
    "name": "部门",
    "category": "类别",
    "rank": "排名",
    "scenarios_moved": "名次变动的情景数",
    "largest_move": "最大名次变动",
    "best_rank": "最好排名",
    "worst_rank": "最差排名",
}


def comparison_frame(table: pd.DataFrame, categories: dict[str, str]) -> pd.DataFrame:
    """The comparison in Chinese column names, as the terminal, the page and the workbook show it."""
    return pd.DataFrame(
        {
            "类别": table["category"].map(categories).fillna(table["category"]).to_numpy(),
            "部门": table["name"].to_numpy(),
            "现行总分": table["total_now"].to_numpy(),
            "现行等次": table["tier_now"].to_numpy(),
            "现行排名": table["rank_now"].array,
            "草案总分": table["total_draft"].to_numpy(),
            "草案等次": table["tier_draft"].to_numpy(),
            "草案排名": table["rank_draft"].array,
            "总分变化": table["total_change"].to_numpy(),
            "名次变化": table["rank_change"].array,
            "等次变化": table["tier_changed"].map({True: "是", False: ""}).to_numpy(),
        }
    )
