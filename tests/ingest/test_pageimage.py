"""Page images before OCR: photos cut out and straightened, light flattened, scans levelled."""

from __future__ import annotations

import random

import numpy
import pytest
from PIL import Image

from conftest import EXAMPLES
from jixiao.ingest.ocr import ruled_tables
from jixiao.ingest.pageimage import find_paper, flatten_light, prepare_page, skew_angle
from scans import PAGE, degrade, photograph, render_pages


@pytest.fixture(scope="module")
def table_page() -> Image.Image:
    """Report 000's page with its two ruled tables (budget figures and goals)."""
    return render_pages(EXAMPLES / "000_76118bcffa81813f.txt")[3]


def _rule_lean(page: Image.Image) -> float:
    """The most any vertical table rule moves sideways from a table's top row to its bottom."""
    leans = []
    for table in ruled_tables(page):
        last = table.bands[-1][2]
        first = next(edges for _, _, edges in table.bands if len(edges) == len(last))
        leans += [abs(a - b) for a, b in zip(first, last, strict=True)]
    return max(leans)


def _columns(page: Image.Image) -> list[int]:
    """How many column edges each table row has."""
    return [len(edges) for table in ruled_tables(page) for _, _, edges in table.bands]


@pytest.mark.parametrize("seed", [3, 7, 21])
def test_a_photographed_page_is_cut_out_and_straightened(table_page, seed: int) -> None:
    photo = photograph(table_page, random.Random(seed))
    paper = find_paper(photo)
    assert paper is not None
    # The sheet alone, about A4 in shape (a slanted view foreshortens it a little).
    assert paper.size[0] < photo.size[0] * 0.95
    assert paper.size[1] / paper.size[0] == pytest.approx(PAGE[1] / PAGE[0], rel=0.06)
    prepared = prepare_page(photo)
    tables = ruled_tables(prepared)
    assert len(tables) == len(ruled_tables(table_page)) == 2
    # Rules come out upright: a leaning rule would drop out of the table's rows.
    assert _rule_lean(prepared) <= 3
    assert _columns(prepared) == _columns(table_page)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_shadow_over_the_papers_edge_does_not_bend_it(table_page, seed: int) -> None:
    # A shadow over the right edge darkens the paper there below the brightness that
    # divides paper from desk: the bright shape's right side is the shadow's curve, not the
    # paper's edge. Cut out along that curve, the tables' rules would lean and drop out.
    photo = photograph(table_page, random.Random(seed), shadow_at=(0.72, 0.62))
    grey = numpy.asarray(photo.convert("L"))
    right_edge = grey[
        int(grey.shape[0] * 0.55) : int(grey.shape[0] * 0.7), -int(grey.shape[1] * 0.2) :
    ]
    assert numpy.percentile(right_edge, 95) < 140  # the shadowed paper is dark there
    prepared = prepare_page(photo)
    assert _rule_lean(prepared) <= 3
    assert _columns(prepared) == _columns(table_page)


def test_a_scan_passes_through_unchanged_but_levelled(table_page) -> None:
    scan = degrade(table_page, random.Random(1), rotate=2.0)
    assert find_paper(scan) is None  # the image is the page itself
    assert flatten_light(scan) is scan  # evenly lit: left alone
    assert skew_angle(scan) == pytest.approx(-2.0)
    assert prepare_page(scan).size == scan.size


def test_a_page_on_a_dark_surface_is_only_taken_when_it_stands_out() -> None:
    grey_card = Image.new("RGB", (800, 1100), (120, 120, 120))
    grey_card.paste(Image.new("RGB", (500, 700), (140, 140, 140)), (150, 200))
    assert find_paper(grey_card) is None  # 20 grey levels: no sheet of paper


def test_uneven_light_is_divided_out(table_page) -> None:
    page = numpy.asarray(table_page.convert("L"), dtype=float)
    light = numpy.linspace(1.0, 0.5, page.shape[1])[None, :]
    dim = Image.fromarray((page * light).astype(numpy.uint8))
    flat = numpy.asarray(flatten_light(dim).convert("L"))
    paper = flat[numpy.asarray(table_page.convert("L")) > 200]
    # Paper reads as paper on the dark side too, and ink stays ink.
    assert numpy.percentile(paper, 5) > 200
    assert flat[numpy.asarray(table_page.convert("L")) < 60].mean() < 110
