"""Scanned inputs on the review page: page images kept at extraction, evidence boxed on them.

A one-page scan of an invented report is drawn with Debian's CJK font and extracted
(rules alone) beside a text report; the review page of the scan shows the page image
with a box for each field with evidence, the text report shows none, and the images are
served only for kept files reached through no link.
"""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from jixiao.cli import app as cli
from jixiao.core import PageBox, PageScan
from jixiao.pages import BOXES_NAME, PAGES_DIR, SavedPages, align, load_pages, marks
from jixiao.review.app import create_app
from scans import _font

LOCAL = "http://127.0.0.1:8765"
CHROMIUM = "/usr/bin/chromium"
# An invented report: no unit or figure of the corpus.
LINES = [
    "青石县文化事业服务中心",
    "2023年度部门整体支出绩效自评报告",
    "一、部门基本情况",
    "单位名称：青石县文化事业服务中心",
    "2023年度收入合计 130.50万元，其中一般公共预算收入 120.50万元，其他收入 10.00万元。",
    "支出合计 128.40万元，其中基本支出 100.40万元，项目支出 28.00万元。",
]


def _draw(path: Path, lines: list[str], size: tuple[int, int] = (2480, 1400)) -> None:
    """A page of `lines` as a scanner at 300 dpi would give it (larger than kept)."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = _font().font_variant(size=48)
    for number, line in enumerate(lines):
        draw.text((180, 160 + number * 120), line, fill="black", font=font)
    image.save(path)


@pytest.fixture(scope="module")
def scanned_out(tmp_path_factory) -> Path:
    inputs = tmp_path_factory.mktemp("scans") / "in"
    inputs.mkdir()
    _draw(inputs / "scan.png", LINES)
    (inputs / "text.txt").write_text("\n".join(LINES) + "\n", encoding="utf-8")
    out = inputs.parent / "out"
    result = CliRunner().invoke(cli, ["extract", str(inputs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_scanned_pages_and_their_boxes_are_kept_beside_the_outputs(scanned_out: Path) -> None:
    folder = scanned_out / PAGES_DIR / "scan"
    with Image.open(folder / "page-1.jpg") as page:
        assert page.format == "JPEG" and max(page.size) <= 1600
    assert not (scanned_out / PAGES_DIR / "text").exists()
    saved = json.loads((folder / BOXES_NAME).read_text("utf-8"))
    text = (scanned_out / "scan.normalized.txt").read_text("utf-8")
    assert (
        saved["sha256"] == json.loads((scanned_out / "scan.json").read_text())["source"]["sha256"]
    )
    assert len(saved["boxes"]) >= len(LINES) - 1
    for box in saved["boxes"]:
        assert 0 <= box["left"] < box["right"] <= 1 and 0 <= box["top"] < box["bottom"] <= 1
        assert text[box["start"] : box["end"]].strip()
    # the title line's box spans its text in the normalized text, and stands near the top
    title = next(b for b in saved["boxes"] if "绩效自评报告" in text[b["start"] : b["end"]])
    assert title["top"] < 0.35 and title["words"]


def test_the_review_page_shows_the_scan_with_a_box_per_field_with_evidence(
    scanned_out: Path,
) -> None:
    client = TestClient(create_app(scanned_out, "tester"), base_url=LOCAL)
    html = client.get("/r/scan").text
    assert '<img src="/r/scan/page-1.jpg"' in html
    image = client.get("/r/scan/page-1.jpg")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(image.content)).size[0] <= 1600
    report = json.loads((scanned_out / "scan.json").read_text("utf-8"))
    with_evidence = [
        f"{group}.{key}" if group != key else key
        for group, node in report["report"].items()
        for key, field in (node.items() if "status" not in node else [(group, node)])
        if isinstance(field, dict) and field.get("evidence")
    ]
    assert with_evidence
    boxed = {
        path
        for chunk in html.split('class="pagebox" data-fields="')[1:]
        for path in chunk.split('"')[0].split()
    }
    assert set(with_evidence) <= boxed
    text_page = client.get("/r/text").text
    assert 'class="scan"' not in text_page and "pagebox" not in text_page
    assert client.get("/r/text/page-1.jpg").status_code == 404
    assert client.get("/r/scan/page-2.jpg").status_code == 404


def test_page_images_are_never_served_through_a_link_or_outside_the_folder(
    scanned_out: Path, tmp_path: Path
) -> None:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(scanned_out, out, symlinks=True)
    client = TestClient(create_app(out, "tester"), base_url=LOCAL)
    assert client.get("/r/scan/page-1.jpg").status_code == 200
    assert client.get("/r/../scan/page-1.jpg").status_code == 404
    assert client.get("/r/%2e%2e/out/scan/page-1.jpg").status_code == 404
    image = out / PAGES_DIR / "scan" / "page-1.jpg"
    outside = tmp_path / "secret.jpg"
    image.rename(outside)
    image.symlink_to(outside)
    assert client.get("/r/scan/page-1.jpg").status_code == 404
    # the whole folder linked in from elsewhere: nothing of it is read
    folder = out / PAGES_DIR / "scan"
    moved = tmp_path / "elsewhere"
    folder.rename(moved)
    (moved / "page-1.jpg").unlink()
    outside.rename(moved / "page-1.jpg")
    folder.symlink_to(moved, target_is_directory=True)
    assert load_pages(out, "scan") is None
    assert client.get("/r/scan/page-1.jpg").status_code == 404
    assert 'class="scan"' not in client.get("/r/scan").text


def _scan(*pieces: tuple[str, float, list[tuple[str, float, float]]]) -> PageScan:
    return PageScan(
        page=1,
        jpeg=b"",
        width=100,
        height=100,
        boxes=[
            PageBox(text=t, left=0.1, top=top, right=0.9, bottom=top + 0.05, words=w)
            for t, top, w in pieces
        ],
    )


def test_pieces_are_placed_in_the_normalized_text_and_part_of_a_line_is_marked() -> None:
    words = [("收", 0.1, 0.2), ("入", 0.2, 0.3), ("８０．２５", 0.3, 0.6), ("万元", 0.6, 0.9)]
    scan = _scan(
        ("第1页", 0.01, []), ("收入 ８０．２５万元", 0.1, words), ("| 合计 | 9 |", 0.2, [])
    )
    text = "收入 80.25万元\n| 合计 | 9 |\n"
    boxes = align([scan], text)
    assert [text[b.start : b.end] for b in boxes] == ["收入 80.25万元", "合计 | 9"]
    saved = SavedPages(sha256="x", pages=[], boxes=boxes)
    figure = text.index("80.25")
    (mark,) = marks(saved, [(figure, figure + len("80.25"), "funds.income_total")])
    assert (mark.left, mark.right, mark.top) == (0.3, 0.6, 0.1)
    (whole,) = marks(saved, [(0, len("收入 80.25万元"), "a")])
    assert (whole.left, whole.right) == (0.1, 0.9)
    assert marks(saved, [(len(text) - 1, len(text), "c")]) == []


def test_the_box_shows_when_a_field_is_clicked(scanned_out: Path) -> None:
    """In chromium: clicking a field's card outlines its evidence on the page image."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed"
    server = uvicorn.Server(
        uvicorn.Config(create_app(scanned_out, "tester"), host="127.0.0.1", port=0)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1500, "height": 950})
            page.goto(f"http://127.0.0.1:{port}/r/scan")
            page.wait_for_function("document.querySelector('.page img').complete")
            boxed = page.locator(".pagebox").first.get_attribute("data-fields") or ""
            path = boxed.split()[0]
            page.locator(f'.field[data-field="{path}"] .head').click()
            assert page.locator(f'.pagebox.active:not([data-fields~="{path}"])').count() == 0
            box = page.locator(f'.pagebox.active[data-fields~="{path}"]').first
            assert box.is_visible()
            size = box.bounding_box()
            assert size is not None and size["width"] > 5 and size["height"] > 5
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
