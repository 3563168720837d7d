"""Response schema: field groups -> the pydantic model a chunk's LLM answer must fit.

In: the field catalog and the groups a chunk is asked about.
Out: a pydantic model (built once per group combination) in which every field is
optional and every scalar comes as {value, quote}: the value as the report writes it
and a verbatim quote that states it. Asking only the groups a chunk can answer keeps
each request small; the cache key includes the schema, so it changes with it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from jixiao.catalog import FieldKind, FieldSpec, ListSpec, load_catalog


class Quoted(BaseModel):
    """一个值及其原文依据。"""

    value: str | None = Field(None, description="按原文写出的值（数字不换算）；报告未写则为 null")
    quote: str | None = Field(None, description="报告中逐字摘录的、含该值的原文片段")


class ProjectItem(BaseModel):
    """一个项目的资金情况（万元）。"""

    name: str = Field(description="项目名称，按原文")
    budget_initial: str | None = Field(None, description="年初预算数")
    adjustment: str | None = Field(None, description="年中调整（调增为正、调减为负）")
    actual: str | None = Field(None, description="实际支出/执行数")
    carryover: str | None = Field(None, description="结余结转")
    quote: str | None = Field(None, description="逐字摘录的原文片段")


class IndicatorItem(BaseModel):
    """绩效指标表的一行。"""

    level1: str | None = Field(None, description="一级指标")
    level2: str | None = Field(None, description="二级指标")
    name: str = Field(description="三级指标名称")
    target: str | None = Field(None, description="年度指标值")
    actual: str | None = Field(None, description="实际完成值")
    weight: str | None = Field(None, description="分值")
    score: str | None = Field(None, description="得分")
    deviation: str | None = Field(None, description="偏差原因分析及改进措施")


LIST_ITEM_MODELS: dict[str, type[BaseModel] | type[str]] = {
    "projects": ProjectItem,
    "indicators": IndicatorItem,
    "problems": str,
    "improvements": str,
}

_KIND_NOTES = {
    FieldKind.MONEY: "金额，连同原文单位，如“80.25万元”",
    FieldKind.PERCENT: "百分数，如“100%”",
    FieldKind.COUNT: "人数/个数",
    FieldKind.YEAR: "四位年份",
    FieldKind.SCORE: "分数",
}


def scalar_description(spec: FieldSpec) -> str:
    parts = [spec.zh]
    if spec.hint:
        parts.append(spec.hint)
    if spec.kind in _KIND_NOTES:
        parts.append(_KIND_NOTES[spec.kind])
    if spec.choices:
        parts.append("取值：" + " / ".join(spec.choices))
    return "；".join(parts)


def list_description(spec: ListSpec) -> str:
    return f"{spec.zh}：{spec.hint}" if spec.hint else spec.zh


@cache
def _response_model_for(groups: tuple[str, ...]) -> type[BaseModel]:
    catalog = load_catalog()
    definitions: dict[str, Any] = {}
    for group in groups:
        for spec in catalog.fields_in(group):
            definitions[spec.key] = (
                Quoted | None,
                Field(None, description=scalar_description(spec)),
            )
        for spec in catalog.lists_in(group):
            item = LIST_ITEM_MODELS[spec.path]
            definitions[spec.path] = (
                list[item],  # type: ignore[valid-type]
                Field(default_factory=list, description=list_description(spec)),
            )
    model = create_model(  # type: ignore[call-overload]
        "ReportExtract",
        __config__=ConfigDict(extra="ignore"),
        __doc__="从绩效自评报告片段中提取的字段；片段中没有的字段留空。",
        **definitions,
    )
    return model


def response_model_for(groups: list[str]) -> type[BaseModel]:
    """The response model for these groups of the shipped catalog (built once)."""
    ordered = tuple(name for name in load_catalog().groups if name in groups)
    return _response_model_for(ordered)
