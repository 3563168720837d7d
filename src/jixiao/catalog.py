"""The field catalog: field paths, kinds, groups and label wordings, read from data.

In: `data/fields.toml` (shipped with the package).
Out: a `Catalog` of `FieldSpec`, `ListSpec` and `GroupSpec` models; helpers to walk the
contract's field paths. Nothing here knows about LLMs or text.
"""

from __future__ import annotations

import logging
import tomllib
from enum import StrEnum
from functools import cache
from importlib import resources

from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)


class FieldKind(StrEnum):
    ENUM = "enum"
    TEXT = "text"
    YEAR = "year"
    MONEY = "money"
    PERCENT = "percent"
    COUNT = "count"
    SCORE = "score"
    GRADE = "grade"
    DATE = "date"
    PHONE = "phone"
    PERSON = "person"


NUMERIC_KINDS = frozenset(
    {FieldKind.YEAR, FieldKind.MONEY, FieldKind.PERCENT, FieldKind.COUNT, FieldKind.SCORE}
)


class AskWhere(StrEnum):
    """Where the model is asked for a field (see `questions`)."""

    CUES = "cues"  # in chunks that hold one of its labels
    FIRST = "first"  # in the report's first chunk (title, cover)
    FIRST_AND_CUES = "first+cues"


class GroupSpec(BaseModel):
    name: str
    zh: str
    triggers: list[str]


class LookAlikes(BaseModel):
    """Look-alike wordings of a field that hold only in one kind of report."""

    not_labels: list[str] = Field(default_factory=list, alias="not")
    sentence_not: list[str] = Field(default_factory=list)


class FallbackSpec(BaseModel):
    """Wordings read only when a field's own find nothing (their values are inferred)."""

    labels: list[str]
    not_labels: list[str] = Field(default_factory=list, alias="not")


class FieldSpec(BaseModel):
    path: str
    zh: str
    kind: FieldKind
    group: str
    hint: str = ""
    choices: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    # wordings that state the field only in reports of one kind ("project": 已完成拨付)
    kind_labels: dict[str, list[str]] = Field(default_factory=dict)
    not_labels: list[str] = Field(default_factory=list, alias="not")
    sentence_not: list[str] = Field(default_factory=list)
    cells: list[tuple[str, str]] = Field(default_factory=list)
    pick: str = "single"
    # report kind -> look-alikes that hold in that kind of report and wherever the kind
    # is not known (in a project report "项目" names the report's own project)
    report_not: dict[str, LookAlikes] = Field(default_factory=dict)

    def look_alikes(self, report_kind: str | None) -> tuple[list[str], list[str]]:
        """(not, sentence_not) for a report of this kind (None: not known)."""
        not_labels, sentence_not = list(self.not_labels), list(self.sentence_not)
        for kind, extra in self.report_not.items():
            if report_kind is None or report_kind == kind:
                not_labels += extra.not_labels
                sentence_not += extra.sentence_not
        return not_labels, sentence_not

    units: list[str] = Field(default_factory=list)  # count units; empty: 人 and 名
    fallback: FallbackSpec | None = None
    # the field whose part this one is (人员经费 of 基本支出): a figure introduced by 其中
    # after a figure of another whole (the total's 工资福利支出) is not this field
    part_of: str | None = None
    ask: AskWhere = AskWhere.CUES

    @property
    def key(self) -> str:
        """Flat key used in LLM response models (`funds.basic` -> `funds_basic`)."""
        return self.path.replace(".", "_")

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def labels_for(self, report_kind: str | None) -> list[str]:
        """The field's wordings in a report of this kind (None: kind unknown)."""
        if report_kind is None:
            return self.labels
        return self.labels + self.kind_labels.get(report_kind, [])


class ListSpec(BaseModel):
    path: str
    zh: str
    group: str
    hint: str = ""
    cues: list[str] = Field(default_factory=list)  # empty: the group's triggers


class Catalog(BaseModel):
    groups: dict[str, GroupSpec]
    fields: list[FieldSpec]
    lists: list[ListSpec]

    def field(self, path: str) -> FieldSpec:
        for spec in self.fields:
            if spec.path == path:
                return spec
        raise KeyError(path)

    def fields_in(self, group: str) -> list[FieldSpec]:
        return [spec for spec in self.fields if spec.group == group]

    def lists_in(self, group: str) -> list[ListSpec]:
        return [spec for spec in self.lists if spec.group == group]

    @property
    def all_paths(self) -> list[str]:
        return [spec.path for spec in self.fields] + [spec.path for spec in self.lists]


def parse_catalog(raw: dict) -> Catalog:
    groups = {
        name: GroupSpec(name=name, zh=body["zh"], triggers=body.get("triggers", []))
        for name, body in raw["groups"].items()
    }
    fields = [FieldSpec.model_validate(entry) for entry in raw["field"]]
    lists = [ListSpec.model_validate(entry) for entry in raw["list"]]
    for path, group in [(s.path, s.group) for s in fields] + [(s.path, s.group) for s in lists]:
        if group not in groups:
            raise ValueError(f"field {path} names unknown group {group}")
    return Catalog(groups=groups, fields=fields, lists=lists)


@cache
def load_catalog() -> Catalog:
    """The catalog shipped with jixiao (read once; it is immutable data)."""
    text = resources.files("jixiao").joinpath("data/fields.toml").read_text(encoding="utf-8")
    return parse_catalog(tomllib.loads(text))
