"""The matching view of report text: traditional characters and pinyin glosses folded
for finding words, with the way back to the printed text."""

from jixiao.patterns import fold_for_matching, folded_view


def test_fold_removes_glosses_and_simplifies() -> None:
    assert fold_for_matching("年度資金總額") == "年度资金总额"
    assert fold_for_matching("執(zhí)行數(shù)") == "执行数"


def test_bracketed_letters_that_are_no_gloss_stay() -> None:
    # a column mark and a formula are not pinyin: no tone mark
    assert fold_for_matching("全年預算數(A)") == "全年预算数(A)"
    assert fold_for_matching("執行率(B/A)") == "执行率(B/A)"
    assert fold_for_matching("面积(m)") == "面积(m)"


def test_a_span_of_the_view_maps_back_to_the_printed_text() -> None:
    text = "某某縣農(nóng)業(yè)服務(wù)站（2026年度）"
    view = folded_view(text)
    assert view.text == "某某县农业服务站(2026年度)"
    at = view.text.index("农业服务站")
    start, end = view.span(at, at + len("农业服务站"))
    assert text[start:end] == "農(nóng)業(yè)服務(wù)站"
    year = view.text.index("2026")
    assert text[slice(*view.span(year, year + 4))] == "2026"
