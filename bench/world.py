"""The simulated province every benchmark file describes: departments, services, callers.

Built once from a seed, so the year's log, the new day's file, the department register
and the catalog all name the same departments and the same services.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CITY_DEPARTMENTS = [
    "市发展和改革委员会",
    "市教育局",
    "市科学技术局",
    "市经济和信息化局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市自然资源和规划局",
    "市生态环境局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市水利局",
    "市农业农村局",
    "市商务局",
    "市文化广电旅游局",
    "市卫生健康委员会",
    "市退役军人事务局",
    "市应急管理局",
    "市审计局",
    "市市场监督管理局",
    "市统计局",
    "市医疗保障局",
    "市体育局",
    "市林业局",
    "市城市管理局",
    "市数据资源管理局",
    "市政务服务管理办公室",
    "市信访局",
    "市机关事务管理局",
    "市人民防空办公室",
    "市金融工作局",
    "市粮食和物资储备局",
    "市档案局",
    "市民族宗教事务局",
    "市外事办公室",
    "市国有资产监督管理委员会",
    "市公共资源交易中心",
    "市住房公积金管理中心",
    "市税务局",
    "市气象局",
    "市消防救援支队",
    "市烟草专卖局",
    "市邮政管理局",
    "市地震局",
    "市残疾人联合会",
    "市总工会",
    "市妇女联合会",
    "市科学技术协会",
    "市供销合作社",
    "市红十字会",
    "市不动产登记中心",
    "市社会保险事业管理中心",
    "市交通警察支队",
    "市出入境管理局",
    "市知识产权局",
    "市口岸办公室",
    "市大数据中心",
    "市水文局",
]
DISTRICT_FIRST = "东西南北中新江山湖河"
DISTRICT_SECOND = "城安平阳宁和丰华兴清"

# Spellings the department register lists as aliases, and one only the source declares.
REGISTER_ALIASES = {
    "市市场监督管理局": "市市场监管局",
    "市卫生健康委员会": "市卫健委",
    "市发展和改革委员会": "市发改委",
}
SOURCE_ALIASES = {"市人社局": "市人力资源和社会保障局"}
ALIAS_SHARE = 0.3  # of the calls made by a department that has an alias, spelled with it

FAILURE_SHARE = 0.02
FAULT_CODES = ("TIMEOUT", "E500", "E503", "AUTH_DENIED", "BAD_REQUEST")
SHARE_TYPES = ("无条件共享", "有条件共享", "不予共享")
FREQUENCIES = ("实时", "每日", "每周", "每月", "每季度", "每年", "不定期")


@dataclass(frozen=True)
class World:
    names: tuple[str, ...]  # department names, index = department number
    categories: tuple[str, ...]  # 市直部门 | 区县
    spellings: tuple[str, ...]  # names, then the alias spellings used in logs
    alias_of: np.ndarray  # department → index into spellings of its alias, or -1
    service_provider: np.ndarray  # service → provider department
    service_failure_rate: np.ndarray  # service → probability a call fails
    pair_consumer: np.ndarray  # caller pair → consumer department
    pair_service: np.ndarray  # caller pair → service
    pair_cdf: np.ndarray  # cumulative call share of the pairs (Zipf)

    @property
    def service_codes(self) -> list[str]:
        return [service_code(j) for j in range(len(self.service_provider))]


def service_code(j: int) -> str:
    return f"FW{j:06d}"


def department_names(count: int) -> tuple[list[str], list[str]]:
    districts = [
        f"{a}{b}{'区' if i < 30 else '县'}"
        for i, (a, b) in enumerate((a, b) for a in DISTRICT_FIRST for b in DISTRICT_SECOND)
    ]
    city_count = min(len(CITY_DEPARTMENTS), (count * 2 + 2) // 5)
    district_count = count - city_count
    if district_count > len(districts):
        raise ValueError(f"at most {len(CITY_DEPARTMENTS) + len(districts)} departments")
    names = list(CITY_DEPARTMENTS[:city_count]) + districts[:district_count]
    categories = ["市直部门"] * city_count + ["区县"] * district_count
    return names, categories


def build_world(seed: int, departments: int = 150, services: int = 5000, pairs: int = 25000) -> World:
    rng = np.random.default_rng(seed)
    names, categories = department_names(departments)
    spellings = list(names)
    alias_of = np.full(departments, -1, dtype=np.int32)
    for alias, name in {**{a: n for n, a in REGISTER_ALIASES.items()}, **SOURCE_ALIASES}.items():
        if name in names:
            alias_of[names.index(name)] = len(spellings)
            spellings.append(alias)
    provider_weight = rng.pareto(1.5, departments) + 0.2
    service_provider = rng.choice(departments, size=services, p=provider_weight / provider_weight.sum())
    pair_service = rng.integers(0, services, pairs)
    pair_consumer = rng.integers(0, departments, pairs)
    same = pair_consumer == service_provider[pair_service]
    pair_consumer[same] = (pair_consumer[same] + 1) % departments
    weight = 1.0 / np.arange(1, pairs + 1) ** 1.1
    # Some services fail far more than others; scaled so that FAILURE_SHARE of calls fail.
    failure = rng.gamma(0.6, 1.0, services)
    call_share = np.bincount(pair_service, weights=weight, minlength=services) / weight.sum()
    failure = np.clip(failure * FAILURE_SHARE / (failure * call_share).sum(), 0.0, 0.9)
    return World(
        names=tuple(names),
        categories=tuple(categories),
        spellings=tuple(spellings),
        alias_of=alias_of,
        service_provider=service_provider.astype(np.int32),
        service_failure_rate=failure,
        pair_consumer=pair_consumer.astype(np.int32),
        pair_service=pair_service.astype(np.int32),
        pair_cdf=np.cumsum(weight) / weight.sum(),
    )
