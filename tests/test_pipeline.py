"""The batch through the CLI with provider none (no model), and bad inputs."""

import json
from pathlib import Path

from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.output import flatten_report, load_report
from jixiao.pipeline import RUN_SUMMARY_NAME

runner = CliRunner()


def _clean_env(monkeypatch) -> None:
    for name in (
        "JIXIAO_BASE_URL",
        "JIXIAO_MODEL",
        "OPENAI_BASE_URL",
        "OPENAI_MODEL",
        "JIXIAO_PROVIDER",
        "JIXIAO_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)


def test_examples_without_a_model(tmp_path: Path, examples_dir: Path, monkeypatch) -> None:
    _clean_env(monkeypatch)
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(examples_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "without a model" in result.output
    written = sorted(p.name for p in out.glob("*.json") if p.name != RUN_SUMMARY_NAME)
    assert written == [f"{p.stem}.json" for p in sorted(examples_dir.glob("*.txt"))]
    for path in out.glob("0*.json"):
        document = load_report(path)
        assert document["run"]["provider"] == "none"
        assert document["run"]["llm_calls"] == 0
        text = (out / f"{path.stem}.normalized.txt").read_text(encoding="utf-8")
        assert document["source"]["chars"] == len(text)
        for field in flatten_report(document["report"]).values():
            for evidence in field["evidence"]:
                assert text[evidence["start"] : evidence["end"]] == evidence["quote"]


def test_a_batch_survives_bad_files_and_exits_1(
    tmp_path: Path, examples_dir: Path, monkeypatch
) -> None:
    _clean_env(monkeypatch)
    inputs = tmp_path / "in"
    (inputs / "a").mkdir(parents=True)
    (inputs / "b").mkdir()
    good = (examples_dir / "002_84a1d662e5590cf1.txt").read_bytes()
    (inputs / "a" / "report.txt").write_bytes(good)
    (inputs / "b" / "report.txt").write_bytes(good.decode("utf-8").encode("gb18030"))
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "corrupt.docx").write_bytes(b"PK\x03\x04garbage")
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(inputs), "--out", str(out)])
    assert result.exit_code == 1, result.output
    # Same file name in two folders: two outputs, named by relative path.
    assert (out / "a" / "report.json").exists()
    assert (out / "b" / "report.json").exists()
    summary = json.loads((out / RUN_SUMMARY_NAME).read_text(encoding="utf-8"))
    reasons = {r["name"]: (r["status"], r["reason"]) for r in summary["reports"]}
    assert reasons["empty"] == ("failed", "the file is empty")
    assert reasons["corrupt"][0] == "failed" and "docx" in reasons["corrupt"][1]
    assert reasons["a/report"] == ("done", None)


def test_usage_errors_exit_2(tmp_path: Path, monkeypatch) -> None:
    _clean_env(monkeypatch)
    result = runner.invoke(app, ["extract", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    result = runner.invoke(
        app,
        ["extract", str(tmp_path), "--provider", "replay", "--replay", str(tmp_path / "missing")],
    )
    assert result.exit_code == 2
    assert "recordings folder not found" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("jixiao ")


def test_a_batch_logs_to_a_file_in_the_output_folder_with_tracebacks(tmp_path: Path) -> None:
    from jixiao.pipeline import RUN_LOG_NAME, run_batch
    from jixiao.settings import Settings

    good = tmp_path / "in" / "good.txt"
    good.parent.mkdir()
    good.write_text("2024年度某单位整体支出绩效自评报告\n支出合计10万元。\n", encoding="utf-8")
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    run_batch([good.parent], out, Settings(provider="none"))
    log = (out / RUN_LOG_NAME).read_text(encoding="utf-8")
    assert "run started" in log and "run ended" in log
    assert "empty.txt: not read" in log


def test_inputs_are_what_the_user_gave_and_outputs_never_collide(tmp_path: Path) -> None:
    import os
    import stat

    from jixiao.pipeline import RUN_SUMMARY_NAME, run_batch
    from jixiao.settings import Settings

    report = "2031年度某某县档案馆整体支出绩效自评报告\n支出合计118.2万元。\n"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "jixiao-run.txt").write_text(report, encoding="utf-8")  # named like the summary
    long_name = "某" * 82 + ".txt"  # 250 bytes: fits, but not with ".normalized.txt"
    (folder / long_name).write_text(report, encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("机密：root:x:0:0 系统文件内容", encoding="utf-8")
    (folder / "linked.txt").symlink_to(secret)
    out = tmp_path / "out"
    old_mask = os.umask(0o022)
    try:
        batch = run_batch([folder], out, Settings(provider="none"))
    finally:
        os.umask(old_mask)
    summary = json.loads((out / RUN_SUMMARY_NAME).read_text(encoding="utf-8"))
    assert summary["provider"] == "none"  # the run's summary was not overwritten
    by_path = {Path(r.path).name: r for r in batch.reports}
    assert by_path["jixiao-run.txt"].status == "done"
    assert (out / "jixiao-run-report.json").exists()
    assert by_path[long_name].status == "done"
    assert by_path["linked.txt"].status == "failed"
    assert "链接" in (by_path["linked.txt"].reason or "")
    written = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.txt"))
    assert "root:x" not in written
    mode = stat.S_IMODE((out / "jixiao-run-report.json").stat().st_mode)
    assert mode == 0o644  # the umask decides, not the temporary file's 0600
