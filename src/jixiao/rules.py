"""Rules: the number index and the alias tables -> candidates for every field, no LLM.

In: the normalized text, its blocks and sections, the number index and the catalog.
Out: per scalar field the candidates the rules find (each with its evidence span), and
rule-built lists (indicators from the indicator table, projects, problems,
improvements). A figure is a candidate for a field only when its label context fits
the field's wordings (`labels`, `not`, `cells` in data/fields.toml) and its kind fits
the field's kind. With provider `none` these candidates are the whole extraction; with
a model they confirm, correct or flag its answers (see validate).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from jixiao.catalog import Catalog, FieldKind, FieldSpec
from jixiao.core import Block, BlockKind, Candidate, Cell, Section
from jixiao.evidence import evidence_of, squash
from jixiao.numbers import IndexedNumber, parse_figure, parse_money, strip_zeros

RULES_ORIGIN = "rules"
TITLE_MAX_LINES = 3
ORG_SUFFIX = re.compile(
    r"(?:委员会|联合会|办公室|中心|协会|学会|研究院|政府|局|部|委|办|院|站|所|厅|处|队|馆|校|会|社|团|室|公司)$"
)
_TITLE_PREFIX = re.compile(r"^(?:(?:19|20)\d{2}年度?)")
_TITLE_TAIL = re.compile(
    r"(?:(?:19|20)\d{2}年度?)?(?:部门|单位)?(?:整体支出|项目支出|项目)?(?:绩效)?(?:自评|评价)?(?:报告|自评表).*$"
)
UNIT_KIND_WORDS = ("整体支出", "部门整体", "单位整体")
PROJECT_KIND_WORDS = ("项目支出绩效", "项目绩效", "专项资金绩效", "项目自评")
OCR_FUZZY_MIN_CHARS = 5
UNIT_KIND_HINTS = ("部门（单位）基本情况", "预算单位基本情况", "部门整体情况", "单位基本情况")
# A name ends at white space, punctuation, or the next label when OCR ate the spaces.
_NAME_END = r"(?=\s|$|[，,。；;（(]|填报|填表|联系|电话|单位|日期|签字|负责人)"
FILING_PATTERNS = {
    "filing.preparer": re.compile(
        r"(?:填表人|填报人|经办人)\s*[：:]\s*(?P<v>[\u4e00-\u9fff·]{2,5}?)" + _NAME_END
    ),
    "filing.date": re.compile(
        r"(?:填报日期|填表日期)\s*[：:]\s*"
        r"(?P<v>(?:19|20)\d{2}(?:[.\-/]\d{1,2}[.\-/]\d{1,2}|年\d{1,2}月\d{1,2}日))"
    ),
    "filing.phone": re.compile(r"(?:联系电话|电话)\s*[：:]\s*(?P<v>\d[\d\-]{5,14}\d)"),
    "filing.head": re.compile(
        r"(?:单位负责人(?:签字)?|负责人签字)\s*[：:]\s*(?P<v>[\u4e00-\u9fff·]{2,5}?)" + _NAME_END
    ),
    "score.grade": re.compile(
        r"(?:评价等级|自评等级|等级)\s*(?:为|[：:])\s*[“\"]?(?P<v>优秀|良好|合格|不合格|优|良|中|差)"
    ),
}
INDICATOR_COLUMNS = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "指标名称"),
    "target": ("年度指标值", "指标值", "目标值"),
    "actual": ("实际完成值", "完成值", "实际值"),
    "weight": ("分值", "权重"),
    "score": ("得分",),
    "deviation": ("偏差",),
}
PROBLEM_HEADINGS = ("存在的问题", "存在问题", "问题及原因", "问题")
IMPROVEMENT_HEADINGS = ("改进措施", "下一步", "建议", "措施", "改进")
_PROJECT_PROSE = re.compile(
    r"项目[“\"「](?P<name>[^”\"」，。,]{2,60})[”\"」]?(?P<body>[^。]*?实际支出\s*(?P<actual>\d+(?:\.\d+)?)\s*万元[^。]*)"
)
_AMOUNT = r"\s*(?P<{}>\d+(?:\.\d+)?)\s*万元"
_PROJECT_PARTS = {
    "budget_initial": re.compile(r"年初预算(?:金额|数)?" + _AMOUNT.format("v")),
    "adjustment_up": re.compile(r"调增" + _AMOUNT.format("v")),
    "adjustment_down": re.compile(r"调减" + _AMOUNT.format("v")),
    "carryover": re.compile(r"结余结转" + _AMOUNT.format("v")),
}


class RuleContext(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str
    index: list[IndexedNumber]
    blocks: list[Block]
    sections: list[Section]
    fiscal_year: int | None = None
    ocr: bool = False  # text came from OCR: key words may carry one misread character

    @property
    def tables(self) -> list[Block]:
        return [b for b in self.blocks if b.kind is BlockKind.TABLE]

    def title_lines(self) -> list[tuple[int, int]]:
        """Spans of the lines before the first heading (at most a few)."""
        first_heading = next((b.start for b in self.blocks if b.kind is BlockKind.HEADING), None)
        end = first_heading if first_heading is not None else len(self.text)
        spans = [
            (b.start, b.end) for b in self.blocks if b.kind is BlockKind.PARAGRAPH and b.end <= end
        ]
        return spans[:TITLE_MAX_LINES]


def mentions(label: str, alias: str) -> bool:
    if alias.startswith("re:"):
        return re.search(alias[3:], label) is not None
    return alias in label


def label_fits(spec: FieldSpec, entry: IndexedNumber, fiscal_year: int | None) -> bool:
    """Whether the words around a figure state this field."""
    if any(word in entry.sentence for word in spec.sentence_not):
        return False
    if entry.label:
        return any(mentions(entry.label, a) for a in spec.labels) and not any(
            mentions(entry.label, n) for n in spec.not_labels
        )
    if not entry.in_table:
        return False
    for row_alias, column_alias in spec.cells:
        if "{year}" in row_alias + column_alias:
            if fiscal_year is None:
                continue
            row_alias = row_alias.replace("{year}", str(fiscal_year))
            column_alias = column_alias.replace("{year}", str(fiscal_year))
        row_fits = not row_alias or row_alias in entry.row_label
        column_fits = not column_alias or column_alias in entry.column_label
        if row_fits and column_fits and not any(n in entry.row_label for n in spec.not_labels):
            return True
    return False


def kind_fits(spec: FieldSpec, entry: IndexedNumber) -> bool:
    match spec.kind:
        case FieldKind.MONEY:
            return entry.kind == "money"
        case FieldKind.PERCENT:
            return entry.kind == "percent"
        case FieldKind.COUNT:
            integral = entry.value == entry.value.to_integral_value()
            people = entry.unit in ("人", "名") or (entry.kind == "plain" and entry.in_table)
            return integral and people and entry.comparator is None
        case FieldKind.SCORE:
            # A score cell may have taken the money unit of the table it sits in.
            scoreish = entry.kind in ("plain", "score") or (
                entry.kind == "money" and not entry.unit_printed
            )
            return scoreish and entry.comparator is None
        case FieldKind.YEAR:
            return entry.kind == "year"
    return False


def entry_value(spec: FieldSpec, entry: IndexedNumber) -> Any:
    if spec.kind is FieldKind.MONEY:
        return entry.wanyuan
    if spec.kind in (FieldKind.COUNT, FieldKind.YEAR):
        return int(entry.value)
    return strip_zeros(entry.value)


def entries_for(spec: FieldSpec, ctx: RuleContext) -> list[IndexedNumber]:
    """Index entries whose label and kind fit the field."""
    found = [e for e in ctx.index if kind_fits(spec, e) and label_fits(spec, e, ctx.fiscal_year)]
    if spec.pick == "last_in_row":
        last: dict[str, IndexedNumber] = {}
        for entry in found:
            key = entry.row_key or str(entry.start)
            last[key] = entry
        found = sorted(last.values(), key=lambda e: e.start)
    return found


def _candidate(value: Any, text: str, start: int, end: int) -> Candidate:
    return Candidate(
        value=value,
        origin=RULES_ORIGIN,
        quote=text[start:end],
        evidence=[evidence_of(text, start, end)],
    )


def numeric_candidates(spec: FieldSpec, ctx: RuleContext) -> list[Candidate]:
    return [
        _candidate(entry_value(spec, e), ctx.text, e.start, e.end) for e in entries_for(spec, ctx)
    ]


# --- text fields and classifications ---------------------------------------------------


def fiscal_year_candidates(ctx: RuleContext) -> tuple[list[Candidate], bool]:
    """Years stated in the title; else the commonest year in the funds figures' labels
    (second value: True when inferred rather than stated in the title)."""
    for start, end in ctx.title_lines():
        for entry in ctx.index:
            if entry.kind == "year" and start <= entry.start < end:
                return [_candidate(int(entry.value), ctx.text, entry.start, entry.end)], False
    counts: dict[int, list[IndexedNumber]] = {}
    for money in (e for e in ctx.index if e.kind == "money" and e.label):
        match = re.search(r"((?:19|20)\d{2})年", money.label)
        if match:
            counts.setdefault(int(match.group(1)), []).append(money)
    if not counts:
        return [], False
    year = max(counts, key=lambda y: len(counts[y]))
    years = [e for e in ctx.index if e.kind == "year" and int(e.value) == year]
    if not years:
        return [], False
    return [_candidate(year, ctx.text, years[0].start, years[0].end)], True


def unit_name_candidates(ctx: RuleContext) -> list[Candidate]:
    found: list[Candidate] = []
    for table in ctx.tables:
        for row in table.rows:
            for position, cell in enumerate(row[:-1]):
                if re.search(r"(?:单位|部门)(?:（单位）)?名称", cell.text):
                    value = next((c for c in row[position + 1 :] if c.text.strip()), None)
                    if value is not None and ORG_SUFFIX.search(value.text.strip()):
                        found.append(
                            _candidate(value.text.strip(), ctx.text, value.start, value.end)
                        )
    for start, end in ctx.title_lines():
        line = ctx.text[start:end]
        prefix = _TITLE_PREFIX.match(line)
        name_start = prefix.end() if prefix else 0
        name = _TITLE_TAIL.sub("", line[name_start:]).strip()
        if len(name) >= 4 and ORG_SUFFIX.search(name):
            offset = start + line.index(name, name_start)
            found.append(_candidate(name, ctx.text, offset, offset + len(name)))
            break
    return found


def report_kind_candidates(ctx: RuleContext) -> tuple[list[Candidate], bool]:
    """unit / project from the title's words (second value: True when only inferred)."""
    for start, end in ctx.title_lines():
        line = ctx.text[start:end]
        for words, kind in ((PROJECT_KIND_WORDS, "project"), (UNIT_KIND_WORDS, "unit")):
            for word in words:
                if word in line:
                    at = start + line.index(word)
                    return [_candidate(kind, ctx.text, at, at + len(word))], False
    head = ctx.text[:1500]
    for word in UNIT_KIND_HINTS:
        at = find_word(word, head, ocr=ctx.ocr)
        if at is not None:
            return [_candidate("unit", ctx.text, at, at + len(word))], True
    return [], False


def find_word(word: str, text: str, ocr: bool = False) -> int | None:
    """Offset of `word` in `text`; in OCR text also a reading with one character misread.

    OCR confuses single characters that look alike (门/内, 己/已), so a key phrase of five or
    more characters is still found with one substitution; the first and last characters
    must match, which keeps short common words from matching by chance.
    """
    if word in text:
        return text.index(word)
    if not ocr or len(word) < OCR_FUZZY_MIN_CHARS:
        return None
    size = len(word)
    for at in range(len(text) - size + 1):
        piece = text[at : at + size]
        if piece[0] != word[0] or piece[-1] != word[-1]:
            continue
        if sum(a != b for a, b in zip(piece, word, strict=True)) <= 1:
            return at
    return None


def pattern_candidates(path: str, ctx: RuleContext) -> list[Candidate]:
    return [
        _candidate(m.group("v"), ctx.text, m.start("v"), m.end("v"))
        for m in FILING_PATTERNS[path].finditer(ctx.text)
    ]


def goal_candidates(ctx: RuleContext) -> dict[str, list[Candidate]]:
    found: dict[str, list[Candidate]] = {"goals.expected": [], "goals.achieved": []}
    for table in ctx.tables:
        for number, row in enumerate(table.rows[:-1]):
            texts = [c.text for c in row]
            expected = _column_of(texts, ("预期目标", "年度目标"))
            achieved = _column_of(texts, ("实际完成情况", "完成情况"))
            if expected is None or achieved is None:
                continue
            below = table.rows[number + 1]
            for path, column in (("goals.expected", expected), ("goals.achieved", achieved)):
                cell = _aligned_cell(row, below, column)
                if cell is not None and len(cell.text.strip()) >= 4:
                    found[path].append(
                        _candidate(cell.text.strip(), ctx.text, cell.start, cell.end)
                    )
    return found


def _column_of(texts: list[str], names: tuple[str, ...]) -> int | None:
    for position, text in enumerate(texts):
        if any(name in text for name in names):
            return position
    return None


def _aligned_cell(header: list[Cell], row: list[Cell], column: int) -> Cell | None:
    index = column + (len(row) - len(header))
    return row[index] if 0 <= index < len(row) else None


# --- lists ----------------------------------------------------------------------------


def indicator_items(ctx: RuleContext) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for table in ctx.tables:
        header: list[Cell] | None = None
        columns: dict[str, int] = {}
        carried: dict[str, str | None] = {"level1": None, "level2": None}
        for row in table.rows:
            texts = [c.text for c in row]
            if header is None:
                found = {key: _column_of(texts, names) for key, names in INDICATOR_COLUMNS.items()}
                if found["name"] is not None and (
                    found["target"] is not None or found["score"] is not None
                ):
                    header, columns = row, {k: v for k, v in found.items() if v is not None}
                continue
            if texts and texts[0].strip().startswith("总分"):
                break
            item = _indicator_row(ctx.text, header, row, columns, carried)
            if item is not None:
                items.append(item)
    return items


def _indicator_row(text, header, row, columns, carried) -> dict[str, Any] | None:
    cells = {key: _aligned_cell(header, row, column) for key, column in columns.items()}
    values = {key: (cell.text.strip() if cell is not None else "") for key, cell in cells.items()}
    for level in ("level1", "level2"):
        if values.get(level):
            carried[level] = re.sub(r"\s*[（(]\d+分[）)]\s*$", "", values[level].replace("\n", ""))
    name_cell = cells.get("name")
    name = values.get("name", "")
    if name_cell is None or not name or name in ("无", "——", "/"):
        return None
    item: dict[str, Any] = {
        "level1": carried["level1"],
        "level2": carried["level2"],
        "name": name.replace("\n", ""),
        "target": values.get("target") or None,
        "actual": values.get("actual") or None,
        "deviation": values.get("deviation") or None,
    }
    for key in ("weight", "score"):
        figure = parse_figure(values.get(key) or None)
        item[key] = None if figure is None else strip_zeros(figure.value)
    spans = [c for c in cells.values() if c is not None and c.end > c.start]
    start, end = min(c.start for c in spans), max(c.end for c in spans)
    item["evidence"] = [evidence_of(text, name_cell.start, name_cell.end)]
    item["row"] = (start, end)
    return item


def project_items(ctx: RuleContext) -> list[dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for match in _PROJECT_PROSE.finditer(ctx.text):
        name = match.group("name").strip()
        body = match.group("body")
        parts = {key: pattern.findall(body) for key, pattern in _PROJECT_PARTS.items()}
        item: dict[str, Any] = {"name": name}
        initial = parts["budget_initial"]
        item["budget_initial"] = parse_money(initial[0]) if len(initial) == 1 else None
        up, down = parts["adjustment_up"], parts["adjustment_down"]
        item["adjustment"] = (
            parse_money(up[0])
            if len(up) == 1 and not down
            else -parse_money(down[0])
            if len(down) == 1 and not up
            else None
        )
        item["actual"] = parse_money(match.group("actual"))
        item["carryover"] = parse_money(parts["carryover"][0]) if parts["carryover"] else None
        item["evidence"] = [evidence_of(ctx.text, match.start(), match.end())]
        items.setdefault(squash(name), item)
    return list(items.values())


def section_items(
    ctx: RuleContext, headings: tuple[str, ...], avoid: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Paragraphs of the sections whose own heading names the topic."""
    items: list[dict[str, Any]] = []
    for section in ctx.sections:
        heading = section.heading
        if not any(word in heading for word in headings):
            continue
        if any(word in heading for word in avoid) and not any(
            heading.rstrip().endswith(word) for word in headings
        ):
            continue
        for block in section.blocks:
            if block.kind is not BlockKind.PARAGRAPH:
                continue
            body = ctx.text[block.start : block.end].strip()
            if len(body) >= 6:
                items.append(
                    {"text": body, "evidence": [evidence_of(ctx.text, block.start, block.end)]}
                )
    return items


def rule_lists(ctx: RuleContext) -> dict[str, list[dict[str, Any]]]:
    indicators = indicator_items(ctx)
    for item in indicators:
        item.pop("row", None)
    return {
        "indicators": indicators,
        "projects": project_items(ctx),
        "problems": section_items(ctx, PROBLEM_HEADINGS, IMPROVEMENT_HEADINGS),
        "improvements": section_items(ctx, IMPROVEMENT_HEADINGS, PROBLEM_HEADINGS),
    }


# --- all scalar fields ------------------------------------------------------------------


class RuleFindings(BaseModel):
    candidates: dict[str, list[Candidate]]
    inferred: set[str]
    lists: dict[str, list[dict[str, Any]]]
    execution_score: Decimal | None = None  # the 得分 of the budget-execution row


EXECUTION_ROWS = ("年度资金总额", "资金总额", "预算执行率")


def execution_score(ctx: RuleContext) -> Decimal | None:
    """The score a self-evaluation table gives budget execution, outside the indicators."""
    for entry in ctx.index:
        in_row = any(word in entry.row_label for word in EXECUTION_ROWS)
        if entry.in_table and in_row and "得分" in entry.column_label:
            return strip_zeros(entry.value)
    return None


def run_rules(catalog: Catalog, ctx: RuleContext) -> RuleFindings:
    candidates: dict[str, list[Candidate]] = {}
    inferred: set[str] = set()
    years, year_inferred = fiscal_year_candidates(ctx)
    candidates["fiscal_year"] = years
    if year_inferred:
        inferred.add("fiscal_year")
    ctx.fiscal_year = years[0].value if years else None
    kinds, kind_inferred = report_kind_candidates(ctx)
    candidates["report_kind"] = kinds
    if kind_inferred:
        inferred.add("report_kind")
    candidates["unit_name"] = unit_name_candidates(ctx)
    candidates.update(goal_candidates(ctx))
    for path in FILING_PATTERNS:
        candidates[path] = pattern_candidates(path, ctx)
    for spec in catalog.fields:
        if spec.path not in candidates:
            candidates[spec.path] = numeric_candidates(spec, ctx) if spec.numeric else []
    return RuleFindings(
        candidates=candidates,
        inferred=inferred,
        lists=rule_lists(ctx),
        execution_score=execution_score(ctx),
    )


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except ArithmeticError:
            return False
    if isinstance(a, str) and isinstance(b, str):
        return squash(a) == squash(b)
    return a == b
