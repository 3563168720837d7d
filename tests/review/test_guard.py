"""The review server stays local: foreign hosts, cross-site writes, large bodies, links
out of the output folder and formula cells are refused or made inert."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from jixiao.review.app import create_app
from jixiao.review.apply import list_reports
from jixiao.review.guard import MAX_BODY_BYTES

LOCAL = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def client(examples_out: Path) -> TestClient:
    return TestClient(create_app(examples_out, "tester"), base_url=LOCAL)


def test_a_foreign_host_is_refused_before_anything_is_read(client: TestClient) -> None:
    assert client.get("/").status_code == 200
    rebinding = client.get("/", headers={"host": "evil.example"})
    assert rebinding.status_code == 421
    assert "evil" not in rebinding.text
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200
    assert client.get("/", headers={"host": "[::1]:8765"}).status_code == 200


def test_a_named_host_can_be_allowed(examples_out: Path) -> None:
    lan = TestClient(create_app(examples_out, "t", allowed_hosts=["review.lan"]))
    assert lan.get("/", headers={"host": "review.lan:8765"}).status_code == 200
    assert lan.get("/", headers={"host": "other.lan"}).status_code == 421


def test_cross_site_and_oversized_writes_are_refused(client: TestClient) -> None:
    form = {"field": "unit_name", "action": "accept"}
    assert client.post("/export", data=form).status_code == 403  # no Origin at all
    evil = client.post("/export", data=form, headers={"origin": "http://evil.example"})
    assert evil.status_code == 403
    big = "x" * (MAX_BODY_BYTES + 1)
    huge = client.post("/export", content=big, headers={"origin": LOCAL})
    assert huge.status_code == 413


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for response in (client.get("/"), client.get("/static/review.css"), client.get("/nope")):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


def test_links_out_of_the_output_folder_are_never_served(
    examples_out: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(examples_out, out, ignore=shutil.ignore_patterns("*.sqlite*"))
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "pw.json").write_text('{"report": {}}', encoding="utf-8")
    (secret / "pw.normalized.txt").write_text("root:x:0:0", encoding="utf-8")
    (out / "pw.json").symlink_to(secret / "pw.json")
    (out / "pw.normalized.txt").symlink_to(secret / "pw.normalized.txt")
    (out / "linked").symlink_to(secret, target_is_directory=True)
    name = next(iter(list_reports(examples_out)))
    shutil.copyfile(out / f"{name}.json", out / ".hidden.json")
    shutil.copyfile(out / f"{name}.normalized.txt", out / ".hidden.normalized.txt")
    reports = list_reports(out)
    assert "pw" not in reports and "linked/pw" not in reports
    assert ".hidden" in reports  # a report whose name starts with a dot is listed
    client = TestClient(create_app(out, "tester"), base_url=LOCAL)
    assert client.get("/r/pw").status_code == 404
    assert "root:x" not in client.get("/r/linked/pw").text


def test_exported_cells_that_start_like_a_formula_stay_text(
    examples_out: Path, tmp_path: Path
) -> None:
    from jixiao.review.export import export

    out = tmp_path / "out"
    shutil.copytree(examples_out, out, ignore=shutil.ignore_patterns("*.sqlite*", "export"))
    name = next(iter(list_reports(out)))
    path = out / f"{name}.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '"value": "株洲市', '"value": "=HYPERLINK(\\"http://evil.example\\")株洲市', 1
        ),
        encoding="utf-8",
    )
    result = export(out)
    rows = list(csv.reader(io.StringIO((result.folder / "reports.csv").read_text("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert not any(cell.startswith("=") for cell in cells)
    sheet = load_workbook(result.folder / "jixiao-export.xlsx")["reports"]
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    assert any(str(c.value).startswith("=HYPERLINK") for row in sheet.iter_rows() for c in row)


def test_review_says_what_to_do_with_no_outputs_or_a_busy_port(
    examples_out: Path, tmp_path: Path
) -> None:
    import socket

    from typer.testing import CliRunner

    from jixiao.cli import app

    runner = CliRunner()
    inputs = tmp_path / "reports"
    inputs.mkdir()
    (inputs / "a.txt").write_text("报告", encoding="utf-8")
    empty = runner.invoke(app, ["review", str(inputs)])
    assert empty.exit_code == 2 and "jixiao extract" in empty.output
    assert not list(inputs.glob("*.sqlite"))  # nothing written into the input folder
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = runner.invoke(app, ["review", str(examples_out), "--port", str(port)])
    assert taken.exit_code == 2 and "--port" in taken.output
