"""Every code a page shows has a Chinese label: frequencies, audit targets, fault codes."""

from __future__ import annotations

from data.vocabulary import audit_target_label, fault_label, frequency_label


def test_frequencies_in_chinese():
    assert frequency_label("monthly") == "每月"
    assert frequency_label("every_2_days") == "每 2 日"
    assert frequency_label("every_3_weeks") == "每 3 周"
    assert frequency_label("every_4_months") == "每 4 个月"
    assert frequency_label("按需") == "按需"  # not a code: shown as written


def test_audit_targets_in_chinese():
    names = {3: "市卫健委"}
    assert audit_target_label("ranking:city_dept", names) == "排名（市直部门）"
    assert audit_target_label("evidence:3", names) == "部门证据（市卫健委）"
    assert audit_target_label("faults:9", names) == "错误码（部门 9）"
    assert audit_target_label("quarantine:all", names) == "隔离记录（全部）"
    assert audit_target_label("score_snapshot:12", names) == "评分快照（第 12 号）"
    assert audit_target_label("supervision:7", names) == "督办事项（第 7 号）"
    assert audit_target_label("alert:4", names) == "预警（第 4 号）"
    assert audit_target_label("sources", names) == "数据源状态"
    assert audit_target_label("leader", names) == "leader"  # a user name stays


def test_fault_code_with_its_label_beside_it():
    labels = {"TIMEOUT": "调用超时"}
    assert fault_label("TIMEOUT", labels) == "调用超时（TIMEOUT）"
    assert fault_label("E999", labels) == "E999"
    assert fault_label(None, labels) == ""
