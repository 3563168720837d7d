"""The reviewer workflow in a real browser: Playwright driving Debian's chromium.

The outputs under review come from replaying the examples' recordings (a real model's
answers). Screenshots of the queue and a report screen are left in test-artifacts/.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import EXAMPLES, RECORDINGS, ROOT
from jixiao.catalog import load_catalog
from jixiao.cli import app as cli
from jixiao.core import LIST_ITEM_TYPES
from jixiao.flags import load_flags
from jixiao.output import load_report
from jixiao.review.app import create_app
from jixiao.review.decisions import Action, DecisionStore
from jixiao.review.promote import promote_report
from jixiao.settings import Settings
from recorded_server import recorded_server

LOCAL = "http://127.0.0.1:8765"  # the review server answers only this machine's names

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("llm-cache") / "cache"


@pytest.fixture(scope="module")
def cached_out(tmp_path_factory, cache_dir: Path) -> Path:
    """The examples extracted through a real HTTP endpoint answering with their
    recordings, into an LLM cache that keeps each call's exchanges (promote needs it)."""
    out = tmp_path_factory.mktemp("cleared") / "out"
    with recorded_server(RECORDINGS / "examples") as endpoint:
        result = CliRunner().invoke(
            cli,
            [
                "extract",
                str(EXAMPLES),
                "--out",
                str(out),
                "--cache-dir",
                str(cache_dir),
                "--base-url",
                endpoint.base_url,
                "--model",
                "qwen2.5-coder-1.5b-instruct",
                "--mode",  # the recordings' mode: a live probe is not recorded
                "md_json",
            ],
        )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed (.ci/run installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _select_text(page, start: int, end: int) -> None:
    """Select text[start:end] of the report text, as a mouse drag would."""
    page.evaluate(
        """([start, end]) => {
            const root = document.getElementById("text");
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            const range = document.createRange();
            let seen = 0, node;
            while ((node = walker.nextNode())) {
                const next = seen + node.data.length;
                if (seen <= start && start < next) range.setStart(node, start - seen);
                if (seen < end && end <= next) { range.setEnd(node, end - seen); break; }
                seen = next;
            }
            const chosen = window.getSelection();
            chosen.removeAllRanges();
            chosen.addRange(range);
        }""",
        [start, end],
    )


def _card(page, path: str):
    return page.locator(f'.field[data-field="{path}"]')


def _decide_by_key(page, path: str, key: str) -> None:
    """Click a field's card (as a reviewer picks it), press a key, wait for the swap."""
    card = _card(page, path)
    before = card.locator(".history li").count()
    card.locator(".head").click()
    page.keyboard.press(key)
    page.wait_for_function(
        """([path, before]) => {
            const card = document.querySelector(`.field[data-field="${path}"]`);
            return card && !/htmx-/.test(card.className)
                && card.querySelectorAll(".history li").length > before;
        }""",
        arg=[path, before],
    )


def _clear_the_rest(page) -> int:
    """Accept every flagged field left, one `a` each; returns how many."""
    cleared = 0
    while page.locator(".field.flagged").count():
        path = page.locator(".field.flagged").first.get_attribute("data-field")
        _decide_by_key(page, path, "a")
        assert "flagged" not in _card(page, path).get_attribute("class"), path
        cleared += 1
    return cleared


def _mark_done(page) -> None:
    page.keyboard.press("d")
    page.wait_for_selector("#report-state.s-done")


def _visible_words_are_chinese(text: str, where: str) -> None:
    """No raw flag code, field path, Python repr or English status word in `text`."""
    codes = set(load_flags())
    paths = {spec.path for spec in load_catalog().fields} | set(LIST_ITEM_TYPES)
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9.\[\]+]*", text))
    assert not words & codes, (where, words & codes)
    heads = {p.split(".")[0] for p in paths if "." in p}
    shown_paths = {
        w for w in words if w.split("[")[0] in paths or ("." in w and w.split(".")[0] in heads)
    }
    assert not shown_paths, (where, shown_paths)
    for repr_mark in ("Decimal(", "{'", "['", "None", "True", "False"):
        assert repr_mark not in text, (where, repr_mark)
    english = {
        "ok",
        "flagged",
        "missing",
        "reviewed",
        "accept",
        "edit",
        "done",
        "open",
        "error",
        "warning",
        "unit",
        "project",
        "status",
        "reviewer",
        "candidates",
    }
    assert not {w.lower() for w in words} & english, (where, words)


def test_a_reviewer_clears_all_four_examples(
    cached_out: Path, cache_dir: Path, tmp_path: Path, browser
) -> None:
    out = cached_out
    port = _free_port()
    running = uvicorn.Server(
        uvicorn.Config(
            create_app(out, "审核员甲"), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    while not running.started:
        time.sleep(0.05)
    server = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1500, "height": 950})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server + "/")
    assert page.locator("#queue tbody tr").count() == 4
    # risk counts missing fields: 002 (31 of 37 missing) is not the safest report
    risks = {
        r.get_attribute("data-report"): int(r.locator(".risk").inner_text())
        for r in page.locator("#queue tbody tr").all()
    }
    assert risks["002_84a1d662e5590cf1"] > risks["000_76118bcffa81813f"]
    assert "株洲市芦淞区文学艺术界联合会" in page.locator("#queue").inner_text()
    page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)
    _visible_words_are_chinese(page.locator("body").inner_text(), "queue")
    names = {n[:3]: n for n in risks}
    texts = {k: (out / f"{n}.normalized.txt").read_text("utf-8") for k, n in names.items()}

    # --- 000: a candidate by key (equal to the value: an accept), the phone edited, a
    # project row added, the flagged project row accepted, the rest accepted.
    page.goto(f"{server}/r/{names['000']}")
    page.wait_for_selector(".field.flagged")
    page.screenshot(path=str(ARTIFACTS / "review-report.png"))
    _visible_words_are_chinese(page.locator("body").inner_text(), "000")
    income = _card(page, "funds.income_total")
    first_candidate = income.locator('.candidate[data-key="1"]')
    assert first_candidate.locator(".key").inner_text() == "1"
    picked = first_candidate.get_attribute("data-value")
    _decide_by_key(page, "funds.income_total", "1")
    assert "接受" in _card(page, "funds.income_total").locator(".history li").first.inner_text()
    _card(page, "filing.phone").locator(".head").click()
    page.keyboard.press("e")
    page.keyboard.type("07312858050")
    page.keyboard.press("Enter")
    page.wait_for_selector('.field[data-field="filing.phone"].reviewed')
    projects = _card(page, "projects")
    new_row = projects.locator("tr.new-row")
    new_row.locator('input[name="cell.name"]').fill("审核新增项目")
    new_row.locator('input[name="cell.actual"]').fill("1.50")
    new_row.locator("button.row-add").click()
    page.wait_for_selector('.field[data-field="projects"] tr.added')
    assert _card(page, "projects").get_attribute("class").split()[1] == "flagged"
    _card(page, "projects").locator('tr[data-row="projects[0]"] button.row-accept').click()
    page.wait_for_selector('.field[data-field="projects"].reviewed')
    _clear_the_rest(page)
    _mark_done(page)

    # --- 001: the last improvement row deleted (the reviewer finds it is not one); the
    # rest accepted.
    page.goto(f"{server}/r/{names['001']}")
    _visible_words_are_chinese(page.locator("body").inner_text(), "001")
    rows = _card(page, "improvements").locator("tr[data-row]")
    last = rows.nth(rows.count() - 1).get_attribute("data-row")
    _card(page, "improvements").locator(f'tr[data-row="{last}"] button.row-delete').click()
    page.wait_for_selector(f'tr[data-row="{last}"]', state="detached")
    page.wait_for_selector('.field[data-field="improvements"].reviewed')
    _clear_the_rest(page)
    _mark_done(page)

    # --- 002: a missing field (项目支出) and a new project row filled by selecting text;
    # an accept undone and made again.
    page.goto(f"{server}/r/{names['002']}")
    _visible_words_are_chinese(page.locator("body").inner_text(), "002")
    start = texts["002"].index("项目总额12.42万元") + len("项目总额")
    _card(page, "funds.project").locator(".head").click()
    _select_text(page, start, start + len("12.42万元"))
    page.keyboard.press("s")
    page.wait_for_selector('.field[data-field="funds.project"].reviewed')
    assert _card(page, "funds.project").locator(".shown").inner_text() == "12.42 万元"
    name = "外地文学艺术家来零打卡接待经费"
    at = texts["002"].index(name)
    new_row = _card(page, "projects").locator("tr.new-row")
    new_row.locator('input[name="cell.name"]').click()
    _select_text(page, at, at + len(name))
    page.locator("button.use-selection").click()
    assert new_row.locator('input[name="cell.name"]').input_value() == name
    new_row.locator('input[name="cell.actual"]').fill("2")
    new_row.locator("button.row-add").click()
    page.wait_for_selector('.field[data-field="projects"] tr.added')
    open_field = page.locator('.field.flagged:not([data-field="projects"])').first
    undone = open_field.get_attribute("data-field")
    _decide_by_key(page, undone, "a")
    assert "reviewed" in _card(page, undone).get_attribute("class")
    _decide_by_key(page, undone, "u")
    assert "flagged" in _card(page, undone).get_attribute("class")
    assert "撤销" in _card(page, undone).locator(".history li").first.inner_text()
    # a report with open fields cannot be marked done
    page.keyboard.press("d")
    page.wait_for_selector("#toast:not([hidden])")
    assert "还有待审字段" in page.locator("#toast").inner_text()
    _clear_the_rest(page)
    _mark_done(page)

    # --- 003: the flagged project row (its figures are not in the report's project
    # table) deleted, the income total (failing its sum) accepted.
    page.goto(f"{server}/r/{names['003']}")
    body = page.locator("body").inner_text()
    _visible_words_are_chinese(body, "003")
    assert re.search(r"收入合计 642\.01 万元 ≠ 各项收入之和 [\d.]+ 万元（差 [\d.]+ 万元", body)
    _card(page, "projects").locator('tr[data-row="projects[0]"] button.row-delete').click()
    page.wait_for_selector('tr[data-row="projects[0]"]', state="detached")
    page.wait_for_selector('.field[data-field="projects"].reviewed')
    _decide_by_key(page, "funds.income_total", "a")
    _clear_the_rest(page)
    _mark_done(page)

    # --- reload: everything kept; the queue says all four done.
    page.goto(f"{server}/r/{names['000']}")
    assert _card(page, "filing.phone").locator(".shown").inner_text() == "07312858050"
    assert "审核新增项目" in [
        i.input_value() for i in _card(page, "projects").locator('input[name="cell.name"]').all()
    ]
    assert page.locator("#report-state").inner_text() == "已完成"
    page.goto(f"{server}/r/{names['003']}")
    assert page.locator('tr[data-row="projects[0]"]').count() == 0
    page.goto(f"{server}/r/{names['002']}")
    assert _card(page, "funds.project").locator(".shown").inner_text() == "12.42 万元"
    assert page.locator(".field.flagged").count() == 0
    # the selected text is the field's evidence, highlighted
    assert page.locator('mark[data-fields~="funds.project"]').inner_text() == "12.42万元"

    history_time = _card(page, "funds.project").locator(".history time").first.inner_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", history_time)
    for key in names:
        page.goto(f"{server}/r/{names[key]}")
        _visible_words_are_chinese(page.locator("body").inner_text(), f"{key} after review")
    page.goto(server + "/")
    assert "已完成 4 / 4 份报告" in page.locator("#counter").inner_text()
    _visible_words_are_chinese(page.locator("body").inner_text(), "queue after review")
    page.screenshot(path=str(ARTIFACTS / "review-queue-done.png"), full_page=True)
    page.locator("button.export").click()
    page.wait_for_selector(".exported")
    assert "已导出 4 份报告" in page.locator(".exported").inner_text()
    assert "所有待审字段均已处理" in page.locator(".exported").inner_text()
    assert dialogs == []
    page.close()
    running.should_exit = True
    thread.join(timeout=10)

    # --- the decisions as stored: the candidate equal to the value is an accept
    store = DecisionStore(out)
    sha = load_report(out / f"{names['000']}.json")["source"]["sha256"]
    income_decision = store.latest(sha)["funds.income_total"]
    assert income_decision.action is Action.ACCEPT
    assert str(income_decision.new_value) == picked

    # --- promote a cleared report
    case = tmp_path / "golden-case"
    written = promote_report(out, names["000"], case, Settings(cache_dir=cache_dir))
    assert (case / "expected.json").is_file() and written
    expected = json.loads((case / "expected.json").read_text("utf-8"))["fields"]
    assert expected["filing.phone"]["value"] == "07312858050"
    assert "审核新增项目" in [p["name"] for p in expected["projects"]["value"]]

    # --- the export an analyst opens
    target = out / "export"
    from openpyxl import load_workbook

    book = load_workbook(target / "jixiao-export.xlsx")
    sheet = book["reports"]
    headers = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    assert all((sheet.column_dimensions[c].width or 0) >= 8 for c in ("A", "B", "C", "D"))
    assert sheet.column_dimensions["A"].width > 20  # unit names are long
    rows = {r[headers.index("来源文件")].value: r for r in sheet.iter_rows(min_row=2)}
    row000 = rows[f"{names['000']}.txt"]
    phone = row000[headers.index("联系电话")]
    assert phone.value == "07312858050" and phone.data_type == "s"
    money = rows[f"{names['003']}.txt"][headers.index("收入合计（万元）")]
    assert money.value == 642.01 and money.number_format == "#,##0.00"
    rate = rows[f"{names['003']}.txt"][headers.index("预算执行率")]
    assert rate.value == 1 and rate.number_format == "0.00%"
    assert row000[headers.index("单位名称")].value == "株洲市芦淞区文学艺术界联合会"
    with sqlite3.connect(target / "jixiao-export.sqlite") as connection:
        ordered = connection.execute(
            "SELECT funds_income_total FROM reports WHERE funds_income_total IS NOT NULL"
            " ORDER BY funds_income_total"
        ).fetchall()
        failing = connection.execute(
            "SELECT unit_name, reason, resolved, resolution FROM flags"
            " WHERE code = 'sum_income_sources'"
        ).fetchall()
        split = connection.execute(
            "SELECT target, target_number, target_unit FROM indicators"
            " WHERE target_number IS NOT NULL LIMIT 1"
        ).fetchone()
    values = [v for (v,) in ordered]
    assert values == sorted(values) and len(values) >= 3
    assert [str(v) for v in values] != sorted(str(v) for v in values)  # numeric, not text
    ((_unit, reason, resolved, resolution),) = [
        row for row in failing if row[0] == "中国共产党株洲市芦淞区委员会宣传部"
    ]
    assert re.match(
        r"收入合计 642\.01 万元 ≠ 各项收入之和 [\d.]+ 万元（差 [\d.]+ 万元，超出容差", reason
    )
    assert "一般公共预算财政拨款收入 598.25 万元" in reason
    assert (resolved, resolution) == ("是", "接受")
    assert split[0].startswith(str(split[1]).removesuffix(".0")) and split[2]


def test_report_text_is_escaped(tmp_path: Path, browser) -> None:
    out = tmp_path / "out"
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "evil.txt").write_text(
        "2024年度某某局部门整体支出绩效自评报告\n<script>alert('x')</script>基本支出70.1万元。\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(cli, ["extract", str(inputs), "--out", str(out)]).exit_code == 0
    client = TestClient(create_app(out, "tester"), base_url=LOCAL)
    html = client.get("/r/evil").text
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_content(html)
    assert "<script>alert('x')</script>" in page.locator("#text").inner_text()
    assert dialogs == []
    page.close()


def test_paths_outside_the_folder_and_cross_origin_posts_are_refused(examples_out: Path) -> None:
    client = TestClient(create_app(examples_out, "tester"), base_url=LOCAL)
    assert client.get("/r/../../../etc/passwd").status_code == 404
    assert client.get("/r/%2e%2e/%2e%2e/etc/passwd").status_code == 404
    assert client.get("/static/../review.py").status_code == 404
    name = sorted(p.stem for p in examples_out.glob("0*.json"))[0]
    form = {"field": "fiscal_year", "action": "accept"}
    assert client.post(f"/r/{name}/decide", data=form).status_code == 403
    evil = client.post(f"/r/{name}/decide", data=form, headers={"origin": "http://evil.example"})
    assert evil.status_code == 403
    ok = client.post(f"/r/{name}/decide", data=form, headers={"origin": LOCAL})
    assert ok.status_code == 200


def test_candidates_come_from_the_saved_index_not_the_rules(
    examples_out: Path, monkeypatch
) -> None:
    import jixiao.numbers
    import jixiao.rules
    import jixiao.segment

    def refuse(*args, **kwargs):
        raise AssertionError("review must not run the extraction stages again")

    for module, name in (
        (jixiao.rules, "run_rules"),
        (jixiao.rules, "entries_for"),
        (jixiao.numbers, "index_numbers"),
        (jixiao.segment, "segment"),
    ):
        monkeypatch.setattr(module, name, refuse)
    client = TestClient(create_app(examples_out, "tester"), base_url=LOCAL)
    name = sorted(p.name[: -len(".index.jsonl")] for p in examples_out.glob("0*.index.jsonl"))[0]
    html = client.get(f"/r/{name}").text
    assert 'class="candidate fits"' in html
    assert "没有保存数字索引" not in html


def test_an_output_without_a_saved_index_opens_without_candidates(
    examples_out: Path, tmp_path: Path
) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(examples_out, old, ignore=shutil.ignore_patterns("*.index.jsonl", "*.sqlite"))
    client = TestClient(create_app(old, "tester"), base_url=LOCAL)
    name = sorted(p.stem for p in old.glob("0*.json"))[0]
    response = client.get(f"/r/{name}")
    assert response.status_code == 200
    assert 'class="candidate' not in response.text
    assert "没有保存数字索引" in response.text
    assert client.get("/").status_code == 200
