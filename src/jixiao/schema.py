"""Response schema: field groups -> the pydantic model a chunk's LLM answer must fit.

In: the field catalog and the fields a question asks (scalar keys, list paths).
Out: a flat pydantic model (built once per combination) in which every field is
optional and every scalar comes as {value, quote}: the value as the report writes it
and a verbatim quote that states it. Asking only a few fields keeps each request small
for a small model; the cache key includes the schema, so it changes with it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from jixiao.catalog import FieldKind, FieldSpec, ListSpec, load_catalog
from jixiao.core import Indicator, ListItem, Project

logger = logging.getLogger(__name__)


class Quoted(BaseModel):
    """值及原文。"""

    value: str | None = Field(None, description="照抄原文的值，带单位")
    quote: str | None = Field(None, description="含该值的原文，逐字")


def answer_item_model(item_type: type[ListItem], name: str, quote: bool) -> type[BaseModel]:
    """The shape a model answers one list item in: the item's own attributes (from `core`,
    so the keys are spelled once) as text as the report writes it, figures unconverted."""
    definitions: dict[str, Any] = {}
    for key in item_type.columns():
        info = item_type.model_fields[key]
        if info.is_required():
            definitions[key] = (str, Field(description=info.description))
        else:
            definitions[key] = (str | None, Field(None, description=info.description))
    if quote:
        definitions["quote"] = (str | None, Field(None, description="逐字摘录的原文片段"))
    return create_model(name, __doc__=item_type.__doc__, **definitions)


ProjectItem = answer_item_model(Project, "ProjectItem", quote=True)
IndicatorItem = answer_item_model(Indicator, "IndicatorItem", quote=False)

# Text items are answered as plain strings.
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
def _response_model_for(fields: tuple[str, ...], lists: tuple[str, ...]) -> type[BaseModel]:
    catalog = load_catalog()
    definitions: dict[str, Any] = {}
    for spec in catalog.fields:
        if spec.key in fields:
            definitions[spec.key] = (
                Quoted | None,
                Field(None, description=scalar_description(spec)),
            )
    for list_spec in catalog.lists:
        if list_spec.path in lists:
            item = LIST_ITEM_MODELS[list_spec.path]
            definitions[list_spec.path] = (
                list[item],  # type: ignore[valid-type]
                Field(default_factory=list, description=list_description(list_spec)),
            )
    return create_model(
        "ReportExtract",
        __config__=ConfigDict(extra="ignore"),
        __doc__="报告片段中所问字段的值；片段没有写的填 null。",
        **definitions,
    )


def response_model_for(fields: Sequence[str], lists: Sequence[str] = ()) -> type[BaseModel]:
    """The flat response model asking these scalar keys and list paths (built once):
    field key -> {value, quote}, list path -> items, in catalog order."""
    return _response_model_for(tuple(fields), tuple(lists))
