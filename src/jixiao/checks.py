"""Checks: settled field values -> accounting and sanity flags.

In: the report's fields (values settled by validate), the catalog, and the figures the
rules read beside the indicator table (the budget-execution score).
Out: one flag per violated rule of `data/checks.toml`, its message a Chinese sentence
(templates in `data/flags.toml`) naming the fields in Chinese, the figures with their
units and the difference. Exact decimals throughout; the tolerance is stated in
checks.toml. Checks report; they never change a figure.
"""

from __future__ import annotations

import logging
import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import TypeVar

from pydantic import BaseModel, Field

from jixiao.catalog import Catalog, FieldKind, load_catalog
from jixiao.core import Flag, Indicator, ListItem, Project, ReportField, Severity
from jixiao.figures import format_decimal
from jixiao.flags import load_flags, message, with_unit

logger = logging.getLogger(__name__)

ItemT = TypeVar("ItemT", bound=ListItem)


class CheckRule(BaseModel):
    code: str
    kind: str
    zh: str
    terms: list[str] = Field(default_factory=list)
    totals: list[str] = Field(default_factory=list)
    constant: Decimal | None = None
    min_terms: int = 2
    target: str | None = None
    numerators: list[str] = Field(default_factory=list)
    denominators: list[str] = Field(default_factory=list)


class RangeRule(BaseModel):
    path: str | None = None
    kind: FieldKind | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    severity: str = "warning"
    # the code of a ratio check that, when its figures are there and agree, vouches for
    # a value outside the range (spending above the budget gives a rate over 100)
    unless_ratio: str | None = None


class CheckTable(BaseModel):
    tolerance_per_addend: Decimal
    checks: list[CheckRule]
    ranges: list[RangeRule]


@cache
def load_checks() -> CheckTable:
    raw = tomllib.loads(
        resources.files("jixiao").joinpath("data/checks.toml").read_text(encoding="utf-8")
    )
    return CheckTable(
        tolerance_per_addend=Decimal(raw["tolerance_per_addend"]),
        checks=[CheckRule.model_validate(c) for c in raw["check"]],
        ranges=[RangeRule.model_validate(r) for r in raw["range"]],
    )


def _number(fields: dict[str, ReportField], path: str) -> Decimal | None:
    field = fields.get(path)
    if field is None or field.value is None or isinstance(field.value, list):
        return None
    try:
        return Decimal(str(field.value))
    except ArithmeticError:
        return None


def _fmt(value: Decimal) -> str:
    return format_decimal(value)


def _name(path: str) -> str:
    """A field path's Chinese name (the catalog's 中文)."""
    try:
        return load_catalog().field(path).zh
    except KeyError:
        return path


def _valued(path: str | None, value: Decimal) -> str:
    """A figure of the field at `path` with its unit (`80.25 万元`, `95%`)."""
    try:
        kind = load_catalog().field(path).kind if path else None
    except KeyError:
        kind = None
    return with_unit(_fmt(value), kind)


def _money(value: Decimal) -> str:
    return with_unit(_fmt(value), FieldKind.MONEY)


def _sum_words(rule: CheckRule) -> str:
    spec = load_flags().get(rule.code)
    return (spec.sum_words or spec.zh) if spec else rule.zh


def _mismatch(
    rule: CheckRule,
    field: str,
    template: str,
    parts: dict[str, str],
    difference: Decimal,
    addends: int,
    tolerance: Decimal,
    unit_of: str | None = None,
) -> Flag:
    """A gap between two sides: a warning within the tolerance, an error beyond; the
    message from `template` with `parts`, the difference and the tolerance note (figures
    in the unit of the field at `unit_of`, money when None)."""
    within = abs(difference) <= tolerance * addends
    severity = Severity.WARNING if within else Severity.ERROR
    shown = _valued(unit_of, tolerance * addends) if unit_of else _money(tolerance * addends)
    note = message("within_tolerance" if within else "beyond_tolerance", tolerance=shown)
    gap = _valued(unit_of, abs(difference)) if unit_of else _money(abs(difference))
    return Flag(
        field=field,
        code=rule.code,
        severity=severity,
        message=message(template, **parts, diff=gap, tolerance=note),
    )


def check_sum(rule: CheckRule, fields: dict[str, ReportField], tolerance: Decimal) -> list[Flag]:
    terms = {path: _number(fields, path) for path in rule.terms}
    present = {path: value for path, value in terms.items() if value is not None}
    if len(present) < rule.min_terms:
        return []
    total_sum = sum(present.values(), Decimal(0))
    if rule.constant is not None:
        targets = {"": rule.constant}
    else:
        targets = {p: v for p in rule.totals if (v := _number(fields, p)) is not None}
    if not targets or any(total_sum == value for value in targets.values()):
        return []
    field, target = next(iter(targets.items()))
    if rule.constant is None and len(targets) > 1:
        field, target = min(targets.items(), key=lambda item: abs(total_sum - item[1]))
    unit_of = rule.terms[0]
    parts = {
        "terms": " + ".join(f"{_name(path)} {_valued(path, v)}" for path, v in present.items()),
        "sum": _valued(unit_of, total_sum),
        "sum_words": _sum_words(rule),
        "total": _valued(unit_of, target),
        "total_name": _name(field) if field else "",
    }
    template = "sum_mismatch" if field else "sum_constant"
    return [
        _mismatch(
            rule,
            field or rule.terms[0],
            template,
            parts,
            total_sum - target,
            len(present),
            tolerance,
            unit_of,
        )
    ]


def _grounded(items: list[ItemT]) -> list[tuple[int, ItemT]]:
    """(index in the list, item) of the items the validator found in the report as what
    they claim to be."""
    return [
        (index, item)
        for index, item in enumerate(items)
        if not {"not_in_source", "weak_label"} & set(item.flags)
    ]


def _projects(fields: dict[str, ReportField]) -> list[tuple[int, Project]]:
    field = fields.get("projects")
    return _grounded(list(field.value or [])) if field is not None else []


def check_projects_sum(
    rule: CheckRule, fields: dict[str, ReportField], tolerance: Decimal
) -> list[Flag]:
    actuals = [p.actual for _, p in _projects(fields)]
    if len(actuals) < 1 or any(a is None for a in actuals):
        return []
    total_sum = sum((Decimal(str(a)) for a in actuals), Decimal(0))
    for path in rule.totals:
        total = _number(fields, path)
        if total is None or total == total_sum:
            continue
        parts = {
            "terms": " + ".join(
                f"{p.name} {_money(Decimal(str(p.actual)))}" for _, p in _projects(fields)
            ),
            "sum": _money(total_sum),
            "sum_words": _sum_words(rule),
            "total": _valued(path, total),
            "total_name": _name(path),
        }
        return [
            _mismatch(rule, path, "sum_mismatch", parts, total_sum - total, len(actuals), tolerance)
        ]
    return []


def check_project_balance(
    rule: CheckRule, fields: dict[str, ReportField], tolerance: Decimal
) -> list[Flag]:
    flags: list[Flag] = []
    for index, project in _projects(fields):
        parts = [getattr(project, k) for k in Project.FIGURES]
        missing = [k for k, p in zip(Project.FIGURES, parts, strict=True) if p is None]
        implied = _balance_without(project, missing[0]) if len(missing) == 1 else None
        if implied:
            # Three of the four figures were found and do not balance on their own: the
            # fourth is not zero, so it was missed rather than left unsaid.
            flags.append(
                Flag(
                    field=f"projects[{index}]",
                    code="project_incomplete",
                    severity=Severity.WARNING,
                    message=message(
                        "project_incomplete",
                        name=project.name,
                        key=_column_name(Project, missing[0]),
                        value=_money(implied),
                    ),
                )
            )
        if missing:
            continue
        initial, adjustment, actual, carryover = (Decimal(str(p)) for p in parts)
        difference = (initial + adjustment) - (actual + carryover)
        if difference:
            words = {
                "name": project.name,
                "initial": _money(initial),
                "adjustment": _money(adjustment),
                "actual": _money(actual),
                "carryover": _money(carryover),
            }
            flags.append(
                _mismatch(
                    rule, f"projects[{index}]", "project_balance", words, difference, 4, tolerance
                )
            )
    return flags


def _column_name(item_type: type[ListItem], key: str) -> str:
    """A list column's Chinese title without its unit (`年初预算（万元）` -> `年初预算`)."""
    titles = dict(item_type.headers())
    return titles.get(key, key).split("（")[0]


def _balance_without(project: Project, missing: str) -> Decimal:
    """What the missing figure would have to be (0 when the others balance already)."""
    initial, adjustment, actual, carryover = (
        Decimal(str(getattr(project, k) or 0)) for k in Project.FIGURES
    )
    gap = (initial + adjustment) - (actual + carryover)
    spent_side = Project.FIGURES[2:]  # actual, carryover
    return gap if missing in spent_side else -gap


class RatioReading(BaseModel):
    rate: Decimal
    numerator: Decimal
    denominator: Decimal
    numerator_path: str = ""
    denominator_path: str = ""
    computed: Decimal
    tolerance: Decimal

    @property
    def holds(self) -> bool:
        return abs(self.rate - self.computed) <= self.tolerance


def read_ratio(rule: CheckRule, fields: dict[str, ReportField]) -> RatioReading | None:
    """The rate and the figures it is computed from; None when one is missing."""
    if rule.target is None:
        return None
    rate = _number(fields, rule.target)
    numerator_path, numerator = next(
        ((p, v) for p in rule.numerators if (v := _number(fields, p)) is not None), ("", None)
    )
    denominator_path, denominator = next(
        ((p, v) for p in rule.denominators if (v := _number(fields, p)) is not None), ("", None)
    )
    if rate is None or numerator is None or not denominator:
        return None
    places = max(0, -rate.normalize().as_tuple().exponent)  # type: ignore[operator]
    return RatioReading(
        rate=rate,
        numerator=numerator,
        denominator=denominator,
        computed=numerator / denominator * 100,
        tolerance=Decimal(5) / (Decimal(10) ** (places + 1)),
        numerator_path=numerator_path,
        denominator_path=denominator_path,
    )


def check_ratio(rule: CheckRule, fields: dict[str, ReportField]) -> list[Flag]:
    reading = read_ratio(rule, fields)
    if reading is None or reading.holds or rule.target is None:
        return []
    return [
        Flag(
            field=rule.target,
            code=rule.code,
            severity=Severity.ERROR,
            message=message(
                "execution_rate",
                rate_name=_name(rule.target),
                rate=_valued(rule.target, reading.rate),
                numerator_name=_name(reading.numerator_path),
                numerator=_valued(reading.numerator_path, reading.numerator),
                denominator_name=_name(reading.denominator_path),
                denominator=_valued(reading.denominator_path, reading.denominator),
                computed=f"{reading.computed.quantize(Decimal('0.01'))}%",
                tolerance=_valued(rule.target, reading.tolerance),
            ),
        )
    ]


def _indicators(fields: dict[str, ReportField]) -> list[tuple[int, Indicator]]:
    field = fields.get("indicators")
    return _grounded(list(field.value or [])) if field is not None else []


def check_indicator_scores(rule: CheckRule, fields: dict[str, ReportField]) -> list[Flag]:
    flags = []
    for index, item in _indicators(fields):
        weight, score = item.weight, item.score
        if weight is not None and score is not None and Decimal(score) > Decimal(weight):
            flags.append(
                Flag(
                    field=f"indicators[{index}]",
                    code=rule.code,
                    severity=Severity.ERROR,
                    message=message(
                        "indicator_over_weight",
                        name=item.name,
                        score=with_unit(_fmt(score), FieldKind.SCORE),
                        weight=with_unit(_fmt(weight), FieldKind.SCORE),
                    ),
                )
            )
    return flags


def check_indicator_total(
    rule: CheckRule, fields: dict[str, ReportField], execution_score: Decimal | None
) -> list[Flag]:
    scores = [item.score for _, item in _indicators(fields)]
    total = _number(fields, rule.totals[0]) if rule.totals else None
    if total is None or not scores:
        return []
    given = [s for s in scores if s is not None]
    if len(given) < len(scores):
        return []
    indicator_sum = sum(given, Decimal(0))
    sums = [indicator_sum]
    if execution_score is not None:
        sums.append(indicator_sum + execution_score)
    if total in sums:
        return []
    extra = (
        message("indicator_total_extra", score=with_unit(_fmt(execution_score), FieldKind.SCORE))
        if execution_score
        else ""
    )
    return [
        Flag(
            field=rule.totals[0],
            code=rule.code,
            severity=Severity.WARNING,
            message=message(
                "indicator_total",
                sum=with_unit(_fmt(indicator_sum), FieldKind.SCORE),
                extra=extra,
                total_name=_name(rule.totals[0]),
                total=_valued(rule.totals[0], total),
            ),
        )
    ]


def _vouched(rule: RangeRule, fields: dict[str, ReportField]) -> bool:
    """Whether the range rule's ratio check has its figures and they agree."""
    ratios = [c for c in load_checks().checks if c.code == rule.unless_ratio]
    readings = [read_ratio(check, fields) for check in ratios]
    return any(reading is not None and reading.holds for reading in readings)


def check_ranges(catalog: Catalog, fields: dict[str, ReportField]) -> list[Flag]:
    flags: list[Flag] = []
    for rule in load_checks().ranges:
        if rule.unless_ratio and _vouched(rule, fields):
            continue
        specs = [s for s in catalog.fields if s.path == rule.path or s.kind == rule.kind]
        for spec in specs:
            value = _number(fields, spec.path)
            if value is None:
                continue
            low = rule.min is not None and value < rule.min
            high = rule.max is not None and value > rule.max
            if low or high:
                bounds = (
                    f"{_valued(spec.path, rule.min) if rule.min is not None else '−∞'}…"
                    f"{_valued(spec.path, rule.max) if rule.max is not None else '∞'}"
                )
                flags.append(
                    Flag(
                        field=spec.path,
                        code="out_of_range",
                        severity=Severity(rule.severity),
                        message=message(
                            "out_of_range",
                            name=spec.zh,
                            value=_valued(spec.path, value),
                            bounds=bounds,
                        ),
                    )
                )
    return flags


def run_checks(
    catalog: Catalog, fields: dict[str, ReportField], execution_score: Decimal | None = None
) -> list[Flag]:
    table = load_checks()
    tolerance = table.tolerance_per_addend
    flags: list[Flag] = []
    for rule in table.checks:
        match rule.kind:
            case "sum":
                flags += check_sum(rule, fields, tolerance)
            case "projects_sum":
                flags += check_projects_sum(rule, fields, tolerance)
            case "project_balance":
                flags += check_project_balance(rule, fields, tolerance)
            case "ratio":
                flags += check_ratio(rule, fields)
            case "indicator_scores":
                flags += check_indicator_scores(rule, fields)
            case "indicator_total":
                flags += check_indicator_total(rule, fields, execution_score)
            case _:
                raise ValueError(f"unknown check kind {rule.kind!r} in checks.toml")
    return flags + check_ranges(catalog, fields)
