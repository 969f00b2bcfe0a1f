"""Who is looking: every read query takes a Viewer and filters by its role."""

from __future__ import annotations

from dataclasses import dataclass

ALL_DEPT_ROLES = frozenset({"leader", "inspector", "admin"})


class AccessDenied(PermissionError):
    """Raised when a viewer asks for rows outside its scope."""


@dataclass(frozen=True)
class Viewer:
    username: str
    role: str  # leader | inspector | department | admin
    dept_id: int | None = None
    display_name: str = ""

    @property
    def sees_all_departments(self) -> bool:
        return self.role in ALL_DEPT_ROLES

    def can_see_dept(self, dept_id: int) -> bool:
        return self.sees_all_departments or (self.role == "department" and dept_id == self.dept_id)

    def require_dept(self, dept_id: int) -> None:
        if not self.can_see_dept(dept_id):
            raise AccessDenied(f"{self.username} 无权查看该部门的数据")

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise AccessDenied(f"{self.username}（{self.role}）无权执行此操作")
