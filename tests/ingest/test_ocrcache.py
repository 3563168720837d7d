"""The OCR cache (no page read twice) and pages read side by side in worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from typer.testing import CliRunner

from jixiao.ingest import ocr as ocr_module
from jixiao.ingest import ocrcache, read_source
from jixiao.ingest.base import PageRow, PageRows
from jixiao.ingest.ocr import OcrEngine
from jixiao.ingest.ocrcache import OcrCache, image_key, page_from_json, page_to_json
from jixiao.settings import Settings
from scans import FONT_PATHS

LINES = (
    "2024年度单位一般公共预算财政拨款收入80.25万元。",
    "项目支出10.15万元，基本支出70.1万元。",
    "在职人员4人，编制人数5人。",
)


def _page(text: str) -> Image.Image:
    font = ImageFont.truetype(next(p for p in FONT_PATHS if Path(p).exists()), 30)
    image = Image.new("RGB", (1000, 200), "white")
    ImageDraw.Draw(image).text((30, 60), text, font=font, fill="black")
    return image


@pytest.fixture
def counted(monkeypatch) -> list[int]:
    """Counts the pages OCR reads in this process."""
    calls: list[int] = []
    real = OcrEngine.page

    def page(self, image):
        calls.append(1)
        return real(self, image)

    monkeypatch.setattr(OcrEngine, "page", page)
    return calls


def test_a_page_is_read_once_and_comes_back_the_same_from_the_cache(
    tmp_path: Path, counted: list[int]
) -> None:
    path = tmp_path / "scan.png"
    _page(LINES[0]).save(path)
    cache = tmp_path / "cache"
    first = read_source(path, OcrEngine(cache_dir=cache, workers=1))
    assert len(counted) == 1 and "80.25万元" in first.text
    # A new engine over the same folder, as a re-run would make: nothing is read again.
    again = read_source(path, OcrEngine(cache_dir=cache, workers=1))
    assert len(counted) == 1
    assert again.text == first.text and again.pages == first.pages
    assert again.suspect_lines == first.suspect_lines
    # Without a cache the page is read again.
    read_source(path, OcrEngine(workers=1))
    assert len(counted) == 2


def test_the_key_is_the_pixels_and_the_ocr_settings(monkeypatch) -> None:
    page = _page(LINES[0])
    assert image_key(page) == image_key(page.copy())  # same pixels, another object
    assert image_key(page) != image_key(_page(LINES[1]))
    assert image_key(page) != image_key(page.resize((500, 100)))
    assert image_key(page) != image_key(page.convert("L"))
    before = image_key(page)
    try:
        # a detector setting changed: every key changes, nothing stale is served
        monkeypatch.setattr(ocr_module, "DET_UNCLIP_RATIO", ocr_module.DET_UNCLIP_RATIO + 0.1)
        ocrcache.ocr_fingerprint.cache_clear()
        assert image_key(page) != before
    finally:
        monkeypatch.undo()
        ocrcache.ocr_fingerprint.cache_clear()
    assert image_key(page) == before


def test_a_cached_page_round_trips_and_an_unreadable_entry_is_read_again(tmp_path: Path) -> None:
    page = PageRows(
        rows=[
            PageRow(top=3.0, text="收入80.25万元", ocr=True, unsure=["80.25"]),
            PageRow(top=40.5, text="| a | b |", cells=["a", "b"], cut=True, ocr=True),
        ],
        confidence=0.93,
        rotation=180,
        lines=3,
    )
    assert page_from_json(json.loads(json.dumps(page_to_json(page)))) == page
    cache = OcrCache(tmp_path / "ocr")
    cache.put("k", page)
    assert cache.get("k") == page
    assert cache.get("other") is None
    cache._store.set("k", "{not json")
    assert cache.get("k") is None
    cache.close()


def test_an_unusable_cache_folder_costs_the_cache_not_the_reading(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    cache = OcrCache(blocked / "ocr")
    page = PageRows(rows=[PageRow(top=0.0, text="收入80.25万元", ocr=True)], confidence=0.9)
    cache.put("k", page)  # no error
    assert cache.get("k") is None and cache.broken


def test_pages_read_in_worker_processes_equal_those_read_here(
    tmp_path: Path, counted: list[int]
) -> None:
    frames = [_page(line) for line in LINES]
    path = tmp_path / "three.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    here = read_source(path, OcrEngine(workers=1))
    assert len(counted) == 3
    engine = OcrEngine(cache_dir=tmp_path / "cache", workers=2)
    seen: list[tuple[int, int]] = []
    engine.on_page = lambda done, total: seen.append((done, total))
    try:
        apart = read_source(path, engine)
    finally:
        engine.close()
    assert len(counted) == 3  # none of the three was read in this process
    assert apart.text == here.text and apart.pages == here.pages
    assert [p.page for p in apart.pages] == [1, 2, 3]
    assert all(line in apart.text for line in ("80.25万元", "10.15万元", "在职人员4人"))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    # and they were cached: an engine over the same folder reads none of them again
    assert read_source(path, OcrEngine(cache_dir=tmp_path / "cache", workers=2)).text == here.text
    assert len(counted) == 3


def test_settings_keep_ocr_pages_beside_the_llm_cache_unless_told_not_to(tmp_path: Path) -> None:
    assert Settings(cache_dir=tmp_path).ocr_cache_dir() == tmp_path / "ocr"
    # regress replays without the LLM cache, and still reads no page twice
    assert Settings(cache_dir=tmp_path, use_cache=False).ocr_cache_dir() == tmp_path / "ocr"
    assert Settings(cache_dir=tmp_path, ocr_cache=False).ocr_cache_dir() is None


def test_extract_keeps_ocr_pages_in_the_cache_folder_and_no_cache_skips_it(
    tmp_path: Path, monkeypatch
) -> None:
    from jixiao.cli import app

    for name in ("JIXIAO_BASE_URL", "JIXIAO_MODEL", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "in"
    folder.mkdir()
    _page("2024年度某某局整体支出绩效自评报告 在职人员4人。").save(folder / "d.png")
    skipped = tmp_path / "skipped"
    args = ["extract", str(folder), "--provider", "none", "--ocr-jobs", "1"]
    result = CliRunner().invoke(
        app, [*args, "--out", str(tmp_path / "o1"), "--cache-dir", str(skipped), "--no-cache"]
    )
    assert result.exit_code == 0, result.output
    assert not (skipped / "ocr").exists()
    kept = tmp_path / "kept"
    result = CliRunner().invoke(
        app, [*args, "--out", str(tmp_path / "o2"), "--cache-dir", str(kept)]
    )
    assert result.exit_code == 0, result.output
    with OcrCache(kept / "ocr")._store as store:
        assert len(store) == 1
