"""Two departments and one viewer of each role, for the supervision-loop tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from data import supervision
from data.departments import add_departments, name_index
from data.viewer import Viewer

ISSUED = date(2026, 9, 28)  # Monday before the National Day holiday
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Loop:
    own: int
    other: int
    viewers: dict[str, Viewer]


def load(engine) -> Loop:
    with engine.begin() as conn:
        add_departments(
            conn,
            [
                {"name": "市统计局", "category": "市直部门", "aliases": []},
                {"name": "市住房和城乡建设局", "category": "市直部门", "aliases": []},
            ],
        )
        ids = name_index(conn)
    own, other = ids["市统计局"], ids["市住房和城乡建设局"]
    viewers = {
        "inspector": Viewer("duch", "inspector"),
        "leader": Viewer("lingdao", "leader"),
        "admin": Viewer("admin", "admin"),
        "own_dept": Viewer("tongji", "department", dept_id=own),
        "other_dept": Viewer("zhujian", "department", dept_id=other),
    }
    return Loop(own, other, viewers)


def new_item(conn, loop: Loop, workdays: int = 3, **kw) -> int:
    return supervision.create_item(
        conn,
        loop.viewers["inspector"],
        dept_id=loop.own,
        kind="resource",
        title="目录资源逾期未更新",
        problem="3 个每月更新的资源超过 2 个月未更新",
        requirement="按更新频率补齐数据并说明原因",
        issued_on=ISSUED,
        workdays=workdays,
        **kw,
    )


def drive(conn, loop: Loop, item_id: int, state: str) -> None:
    """Move a fresh item to `state` by the legal path."""
    v = loop.viewers
    path = ["rectifying", "verifying", "closed"]
    for step in path[: path.index(state) + 1] if state != "pending" else []:
        if step == "rectifying":
            supervision.acknowledge(conn, v["own_dept"], item_id)
        elif step == "verifying":
            supervision.submit(conn, v["own_dept"], item_id, "已补齐 3 个资源的数据", [("说明.pdf", PDF)])
        else:
            supervision.close(conn, v["inspector"], item_id)
