"""The reviewer workflow in a real browser: Playwright driving Debian's chromium.

The outputs under review come from replaying the examples' recordings (a real model's
answers). Screenshots of the queue and a report screen are left in test-artifacts/.
"""

from __future__ import annotations

import csv
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import ROOT
from jixiao.cli import app as cli
from jixiao.output import load_report
from jixiao.review.app import create_app
from jixiao.review.export import export

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
def server(examples_out: Path) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(examples_out, "审核员甲"), host="127.0.0.1", port=port, log_level="warning"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(100):
        if running.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed (.ci/run installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_clear_flagged_fields_reload_and_export(examples_out: Path, server: str, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server + "/")
    rows = page.locator("#queue tbody tr")
    assert rows.count() == 4
    page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)

    # The riskiest report first; open it.
    first = rows.first.locator("a.report-link")
    name = first.inner_text()
    first.click()
    page.wait_for_selector(".field.flagged")
    page.screenshot(path=str(ARTIFACTS / "review-report.png"))

    # Click a flagged field with candidates: its evidence spans light up.
    card = page.locator(".field.flagged:has(.candidate)").first
    path = card.get_attribute("data-field")
    card.locator(".head").click()
    assert "selected" in card.get_attribute("class")
    marks = page.locator("mark.active")
    assert marks.count() >= 1
    assert all(path in m.get_attribute("data-fields").split() for m in marks.all())

    # Clicking a highlighted figure selects its field.
    other_mark = page.locator("mark[data-fields]").nth(0)
    other_field = other_mark.get_attribute("data-fields").split()[0]
    other_mark.click()
    assert "selected" in page.locator(f'.field[data-field="{other_field}"]').get_attribute("class")

    # Pick the first candidate of the flagged field (one click).
    card = page.locator(f'.field[data-field="{path}"]')
    candidate = card.locator(".candidate").first
    picked_value = candidate.get_attribute("data-value")
    candidate.click()
    page.wait_for_selector(f'.field[data-field="{path}"].reviewed')

    # Edit another flagged field by keyboard: select it, e, type, Enter.
    edit_card = page.locator(".field.flagged:has(form.decide)").first
    edit_path = edit_card.get_attribute("data-field")
    edit_card.locator(".head").click()
    page.keyboard.press("e")
    page.keyboard.type("2099")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'.field[data-field="{edit_path}"].reviewed')

    # Mark a third one "not in report", with a reason.
    gone_card = page.locator(".field.flagged:has(form.decide)").first
    gone_path = gone_card.get_attribute("data-field")
    gone_card.locator(".reason-input").fill("表中无此数")
    gone_card.locator("button.not-in-report").click()
    page.wait_for_selector(f'.field[data-field="{gone_path}"].reviewed')

    # Reload: the decisions are shown.
    page.reload()
    for decided in (path, edit_path, gone_path):
        assert "已审核" in page.locator(f'.field[data-field="{decided}"] .decision').inner_text()
    assert dialogs == []

    # Export holds the decided values and the audit rows.
    target = export(examples_out)
    exported = load_report(target / f"{name}.json")
    flat = {}
    for key, node in exported["report"].items():
        if isinstance(node, dict) and "status" not in node:
            flat.update({f"{key}.{k}": v for k, v in node.items()})
        else:
            flat[key] = node
    assert str(flat[path]["value"]) == picked_value and flat[path]["status"] == "reviewed"
    assert flat[gone_path]["value"] is None and flat[gone_path]["status"] == "reviewed"
    assert str(flat[edit_path]["value"]) == "2099"
    with sqlite3.connect(target / "jixiao-export.sqlite") as connection:
        audit = connection.execute("SELECT field, action, reviewer, reason FROM audit").fetchall()
    assert (path, "edit", "审核员甲", None) in audit or any(a[0] == path for a in audit)
    assert (gone_path, "not_in_report", "审核员甲", "表中无此数") in audit
    with (target / "reports.csv").open(encoding="utf-8-sig") as stream:
        table = list(csv.reader(stream))
    header = table[0]
    assert any(h.startswith("单位名称") and h.endswith("unit_name") for h in header)
    row = next(r for r in table[1:] if r[0] == name)
    assert row[header.index(next(h for h in header if h.endswith(" " + gone_path)))] == ""
    assert (target / "jixiao-export.xlsx").stat().st_size > 0
    page.close()


def test_report_text_is_escaped(tmp_path: Path, browser) -> None:
    out = tmp_path / "out"
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "evil.txt").write_text(
        "2024年度某某局部门整体支出绩效自评报告\n<script>alert('x')</script>基本支出70.1万元。\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(cli, ["extract", str(inputs), "--out", str(out)]).exit_code == 0
    client = TestClient(create_app(out, "tester"))
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
    client = TestClient(create_app(examples_out, "tester"))
    assert client.get("/r/../../../etc/passwd").status_code == 404
    assert client.get("/r/%2e%2e/%2e%2e/etc/passwd").status_code == 404
    assert client.get("/static/../review.py").status_code == 404
    name = sorted(p.stem for p in examples_out.glob("0*.json"))[0]
    form = {"field": "fiscal_year", "action": "accept"}
    assert client.post(f"/r/{name}/decide", data=form).status_code == 403
    evil = client.post(f"/r/{name}/decide", data=form, headers={"origin": "http://evil.example"})
    assert evil.status_code == 403
    ok = client.post(f"/r/{name}/decide", data=form, headers={"origin": "http://testserver"})
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
    client = TestClient(create_app(examples_out, "tester"))
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
    client = TestClient(create_app(old, "tester"))
    name = sorted(p.stem for p in old.glob("0*.json"))[0]
    response = client.get(f"/r/{name}")
    assert response.status_code == 200
    assert 'class="candidate' not in response.text
    assert "没有保存数字索引" in response.text
    assert client.get("/").status_code == 200
