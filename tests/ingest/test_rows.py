"""Pages read as rows put together: a table row cut by a page break made whole."""

from __future__ import annotations

import dataclasses

from jixiao.ingest.base import PageRow, PageRows, table_row_text
from jixiao.ingest.rows import continues, join_pages, row_suspects


def _table_row(cells: list[str], top: float, cut: bool = False, unsure=()) -> PageRow:
    return PageRow(
        top=top, text=table_row_text(cells), cells=cells, cut=cut, ocr=True, unsure=list(unsure)
    )


def test_a_table_row_cut_by_the_page_end_is_joined_with_its_rest() -> None:
    first = PageRows(
        confidence=0.99,
        rows=[
            PageRow(top=10, text="绩效指标"),
            _table_row(["", "数量指标", "查处非法宗教", "≥4起", "4起", "5", "5"], 900, cut=True),
        ],
    )
    second = PageRows(
        confidence=0.99,
        rows=[
            PageRow(top=5, text="-3-"),  # a page number may stand above the rest of the row
            _table_row(["", "", "活动", "", "", "", ""], 40),
            _table_row(["", "质量指标", "完成率", "100%", "100%", "10", "10"], 90),
        ],
    )
    rows = join_pages([first, second])
    assert [r.text for r in rows] == [
        "绩效指标",
        "|  | 数量指标 | 查处非法宗教活动 | ≥4起 | 4起 | 5 | 5 |",
        "-3-",
        "|  | 质量指标 | 完成率 | 100% | 100% | 10 | 10 |",
    ]
    breaks = [s for s in row_suspects(rows) if s.reason == "ocr_page_break"]
    assert {s.text for s in breaks} == {"数量指标", "查处非法宗教活动", "≥4起", "4起", "5"}
    assert all(s.context == rows[1].text for s in breaks)


def test_a_new_row_of_figures_on_the_next_page_is_not_joined() -> None:
    cut = _table_row(["时效指标", "全年", "全年", "8", "8"], 900, cut=True)
    new = _table_row(["经济效益指标", "发展", "发展", "5", "5"], 40)
    assert not continues(cut.cells, new.cells)
    rows = join_pages([PageRows(confidence=1, rows=[cut]), PageRows(confidence=1, rows=[new])])
    assert [r.cells for r in rows] == [cut.cells, new.cells]
    # and a row not at the page foot is never joined
    whole = dataclasses.replace(cut, cut=False)
    rows = join_pages([PageRows(confidence=1, rows=[whole]), PageRows(confidence=1, rows=[new])])
    assert len(rows) == 2
