"""Image reader: photos and scans read by OCR."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from jixiao.ingest import read_source
from scans import FONT_PATHS


def test_images_are_read_by_ocr(tmp_path: Path) -> None:
    font = ImageFont.truetype(next(p for p in FONT_PATHS if Path(p).exists()), 30)
    image = Image.new("RGB", (1000, 200), "white")
    ImageDraw.Draw(image).text(
        (30, 60), "2024年度单位一般公共预算财政拨款收入80.25万元。", font=font, fill="black"
    )
    path = tmp_path / "photo.jpg"
    image.save(path, quality=70)
    document = read_source(path)
    assert document.ocr and document.format == "image"
    assert "80.25万元" in document.text


def test_a_phone_photos_exif_turn_is_applied(tmp_path: Path) -> None:
    font = ImageFont.truetype(next(p for p in FONT_PATHS if Path(p).exists()), 30)
    upright = Image.new("RGB", (1000, 200), "white")
    ImageDraw.Draw(upright).text(
        (30, 60), "项目支出10.15万元，基本支出70.1万元。", font=font, fill="black"
    )
    # The sensor's image lies on its side; EXIF orientation 6 says "turn 90° clockwise".
    sensor = upright.rotate(90, expand=True)
    exif = sensor.getexif()
    exif[0x0112] = 6
    path = tmp_path / "photo.jpg"
    sensor.save(path, quality=85, exif=exif)
    document = read_source(path)
    assert document.pages[0].rotation == 0  # upright before OCR: no turn left to find
    assert "项目支出10.15万元" in document.text
