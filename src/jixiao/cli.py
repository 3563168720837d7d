"""CLI: `jixiao extract` and friends; flags in, the library called, a summary out.

In: command-line flags and the environment.
Out: calls into `jixiao.pipeline`, a progress bar over reports and a summary table.
Exit codes: 0 every report done; 1 some report failed (unreadable, or chunks that
failed); 2 usage or configuration error.
Imports stay light: the pipeline (and with it openai, instructor and OCR) loads inside
the commands that run it, so `--help` and `review` start fast.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from jixiao.choices import AskPolicy, LLMMode, ProviderName
from jixiao.errors import CaseError, ConfigError, LLMConfigError, ReviewError

if TYPE_CHECKING:
    from jixiao.pipeline import BatchResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# A TOML config file; typer checks that it exists and is a file before the command runs.
ConfigOption = Annotated[
    Path | None, typer.Option(help="TOML config file.", exists=True, dir_okay=False)
]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    # click's plain help: typer's rich help loads rich.markdown and markdown-it, which
    # took most of `jixiao --help`'s time
    rich_markup_mode=None,
    help="jixiao (绩效): performance self-evaluation reports -> validated JSON.",
)
# Wide enough for the summary table when stderr is a pipe or a CI log, not a terminal.
console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def _version(value: bool) -> None:
    if value:
        from jixiao import __version__

        typer.echo(f"jixiao {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """jixiao (绩效): performance self-evaluation reports -> validated JSON."""


@app.command()
def extract(
    inputs: Annotated[list[Path], typer.Argument(help="Report files or folders.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    provider: Annotated[
        ProviderName, typer.Option(help="openai, replay, none; auto picks openai when configured.")
    ] = ProviderName.AUTO,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint.")] = None,
    model: Annotated[str | None, typer.Option(help="Model name at the endpoint.")] = None,
    mode: Annotated[
        LLMMode | None,
        typer.Option(help="Output mode; auto: probed once per endpoint and remembered."),
    ] = None,
    ask: Annotated[
        AskPolicy | None,
        typer.Option(help="gaps: ask the model only what the rules leave open; all: every cue."),
    ] = None,
    jobs: Annotated[int | None, typer.Option(help="Concurrent LLM calls.")] = None,
    ocr_jobs: Annotated[
        int | None,
        typer.Option(help="Processes reading the scanned pages of a report (default: cores)."),
    ] = None,
    chunk_tokens: Annotated[int | None, typer.Option(help="Token budget per chunk.")] = None,
    record: Annotated[
        Path | None, typer.Option(help="Write recordings of every LLM call here.")
    ] = None,
    replay: Annotated[
        Path | None, typer.Option(help="Serve LLM answers from these recordings.")
    ] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Cache folder (LLM answers; OCR pages in its ocr/).")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not use the LLM or the OCR cache.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace earlier outputs even by ones whose model calls failed."
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Extract every report under INPUTS into one JSON per report in --out.

    The API key comes from JIXIAO_API_KEY or OPENAI_API_KEY only, never a flag, so it
    stays out of shell history.
    """
    logging.getLogger("instructor").setLevel(logging.CRITICAL)  # failures go to calls.jsonl
    overrides = {
        "provider": provider if provider is not ProviderName.AUTO else None,
        "base_url": base_url,
        "model": model,
        "mode": mode,
        "ask": ask,
        "jobs": jobs,
        "ocr_jobs": ocr_jobs,
        "chunk_tokens": chunk_tokens,
        "record_dir": record,
        "replay_dir": replay,
        "cache_dir": cache_dir,
        "use_cache": False if no_cache else None,
        "ocr_cache": False if no_cache else None,
    }
    settings = _llm_settings(config, **overrides)
    missing = [str(path) for path in inputs if not path.exists()]
    if missing:
        console.print(f"[red]no such file or folder:[/] {', '.join(missing)}")
        raise typer.Exit(EXIT_USAGE)
    if settings.resolved_provider() is ProviderName.NONE:
        console.print(
            "[yellow]No model configured (JIXIAO_BASE_URL / JIXIAO_MODEL or --base-url / "
            "--model): running without a model; only the deterministic rules fill fields.[/]"
        )
    try:
        batch = _run_with_progress(inputs, out, settings, force)
    except LLMConfigError as exc:
        console.print(f"[red]LLM configuration error:[/] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc
    _print_summary(batch, out)
    raise typer.Exit(EXIT_FAILED if batch.failed else EXIT_OK)


def _run_with_progress(inputs: list[Path], out: Path, settings, force: bool) -> BatchResult:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from jixiao.ingest.ocr import shared_engine
    from jixiao.pipeline import ReportSummary, run_batch

    # the engine the batch reads scans with (pipeline.prepare takes the same shared one)
    ocr = shared_engine(settings.ocr_cache_dir(), settings.ocr_jobs)
    with Progress(
        TextColumn("[bold]extract"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("", total=None)

        def on_start(total: int) -> None:
            progress.update(task, total=total)

        def on_report(summary: ReportSummary) -> None:
            progress.update(task, advance=1, description=summary.name)

        def on_page(done: int, total: int) -> None:
            progress.update(task, description=f"OCR {done}/{total}")

        ocr.on_page = on_page
        try:
            return run_batch(
                inputs, out, settings, on_start=on_start, on_report=on_report, force=force
            )
        finally:
            ocr.on_page = None


def _print_summary(batch: BatchResult, out: Path) -> None:
    from rich.table import Table

    from jixiao.core import ReportStatus

    table = Table(title=f"jixiao: {batch.provider} / {batch.model or 'no model'}")
    for column in (
        "report",
        "status",
        "chunks",
        "LLM calls",
        "cache hits",
        "tokens in",
        "tokens out",
        "fields",
        "ok",
        "errors",
        "warnings",
        "s",
    ):
        table.add_column(column, justify="left" if column in ("report", "status") else "right")
    for report in batch.reports:
        status = report.status.value
        if report.status is not ReportStatus.DONE:
            status = f"[red]{status}[/]: {report.reason}"
        table.add_row(
            report.name,
            status,
            str(report.chunks),
            str(report.llm_calls),
            str(report.cache_hits),
            str(report.input_tokens),
            str(report.output_tokens),
            str(report.fields_found),
            str(report.fields_ok),
            str(report.errors),
            str(report.warnings),
            f"{report.seconds:.1f}",
        )
    total_calls = sum(r.llm_calls for r in batch.reports)
    total_hits = sum(r.cache_hits for r in batch.reports)
    console.print(table)
    console.print(
        f"{len(batch.reports)} reports, {len(batch.failed)} failed; "
        f"{total_calls} LLM calls, {total_hits} cache hits; prompt {batch.prompt_version}; "
        f"outputs in {out}"
    )


def _llm_settings(config: Path | None, **overrides):
    from jixiao.settings import load_settings

    try:
        return load_settings(overrides, config_file=config)
    except (ConfigError, ValueError) as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc


@app.command()
def record(
    cases: Annotated[list[Path], typer.Argument(help="golden/<case> folders (or golden/).")],
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint.")] = None,
    model: Annotated[str | None, typer.Option(help="Model name at the endpoint.")] = None,
    mode: Annotated[
        LLMMode | None,
        typer.Option(help="Output mode; auto: probed once per endpoint and remembered."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Refresh golden cases' recordings from a live endpoint (JIXIAO_* settings)."""
    from jixiao.golden import case_dirs, record_case

    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    settings = _llm_settings(config, base_url=base_url, model=model, mode=mode, use_cache=False)
    if not (settings.base_url or settings.model):
        console.print("[red]record needs a live endpoint:[/] set JIXIAO_BASE_URL / JIXIAO_MODEL")
        raise typer.Exit(EXIT_USAGE)
    failed = 0
    for root in cases:
        for case_dir in case_dirs(root):
            try:
                result = record_case(case_dir, settings)
                console.print(
                    f"{case_dir.name}: {result.run.llm_calls} calls, "
                    f"{result.run.input_tokens}+{result.run.output_tokens} tokens, "
                    f"{result.run.seconds:.0f} s"
                )
            except (CaseError, LLMConfigError) as exc:
                failed += 1
                console.print(f"[red]{case_dir.name}:[/] {exc}")
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


COUNT_COLUMNS = ("truth", "ok", "flagged", "mismatch", "missing", "extra")


def _count_cells(counts: dict[str, int]) -> list[str]:
    matched = counts["ok"] + counts["flagged"]
    accuracy = f"{matched / counts['truth']:.0%}" if counts["truth"] else "-"
    return [*(str(counts[key]) for key in COUNT_COLUMNS), accuracy]


@app.command()
def regress(
    root: Annotated[
        Path, typer.Argument(help="The golden corpus folder.", exists=True, file_okay=False)
    ] = Path("golden"),
    live: Annotated[bool, typer.Option("--live", help="Ask the endpoint, not recordings.")] = False,
    update_baseline: Annotated[
        bool, typer.Option("--update-baseline", help="Accept the current outcomes.")
    ] = False,
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML here.")] = None,
    summary: Annotated[Path | None, typer.Option(help="Write the JSON summary here.")] = None,
    config: ConfigOption = None,
) -> None:
    """Replay every golden case offline and compare each field with the reviewed truth.

    Exits 1 when a field that matched in the baseline no longer does (or got flagged), or
    a case cannot be replayed.
    """
    import json as json_module

    from rich.table import Table

    from jixiao.golden import junit_xml, summary_json
    from jixiao.golden import regress as run_regress

    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    provider = ProviderName.OPENAI if live else ProviderName.REPLAY
    settings = _llm_settings(config, provider=provider, use_cache=False)
    result = run_regress(root, settings, update_baseline=update_baseline)
    table = Table(title=f"jixiao regress {root} ({'live' if live else 'replay'})")
    for column in (
        "case",
        "in truth",
        "ok match",
        "flagged match",
        "mismatch",
        "missing",
        "extra",
        "accuracy",
        "changes vs baseline",
    ):
        table.add_column(
            column, justify="left" if column in ("case", "changes vs baseline") else "right"
        )
    totals = dict.fromkeys(COUNT_COLUMNS, 0)
    for case in result.cases:
        if case.error:
            table.add_row(case.case, *[""] * 7, f"[red]ERROR {case.error}[/]")
            continue
        counts = case.counts()
        for key, value in counts.items():
            totals[key] += value
        changes = [f"[red]worse {f.path} ({f.baseline}→{f.outcome})[/]" for f in case.regressions]
        changes += [
            f"[green]better {f.path} ({f.baseline}→{f.outcome})[/]" for f in case.improvements
        ]
        table.add_row(case.case, *_count_cells(counts), "\n".join(changes) or "same")
    table.add_row("[bold]total", *_count_cells(totals), "")
    console.print(table)
    if junit:
        junit.write_text(junit_xml(result), encoding="utf-8")
    if summary:
        summary.write_text(
            json_module.dumps(summary_json(result), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    verdict = "FAILED" if result.failed else "passed"
    console.print(
        f"regress {verdict}: {len(result.cases)} cases in {result.seconds:.1f} s"
        + ("; baseline updated" if update_baseline else "")
    )
    raise typer.Exit(EXIT_FAILED if result.failed else EXIT_OK)


@app.command()
def review(
    out_dir: Annotated[Path, typer.Argument(help="The output folder of an extract run.")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(help="A host name besides this machine's the page may be reached by."),
    ] = None,
    reviewer: Annotated[str | None, typer.Option(help="Your name (default: OS user).")] = None,
    timezone: Annotated[
        str,
        typer.Option(envvar="JIXIAO_TIMEZONE", help="Time zone the page shows times in."),
    ] = "Asia/Shanghai",
) -> None:
    """Serve the review page for OUT_DIR on http://HOST:PORT/."""
    import getpass
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    import uvicorn

    from jixiao.review.app import create_app

    if not out_dir.is_dir():
        console.print(f"[red]没有这个文件夹：[/] {out_dir}")
        raise typer.Exit(EXIT_USAGE)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        console.print(f"[red]未知时区：[/] {timezone}")
        raise typer.Exit(EXIT_USAGE) from exc
    from jixiao.review.apply import list_reports

    if not list_reports(out_dir.resolve()):
        console.print(
            f"[red]{out_dir} 里没有 jixiao extract 的输出。[/]先运行 "
            f"`jixiao extract 报告文件夹/ --out {out_dir}`，再审核这个输出文件夹。"
        )
        raise typer.Exit(EXIT_USAGE)
    if not _port_free(host, port):
        console.print(
            f"[red]端口 {port} 已被占用。[/]请用 --port 换一个端口，例如 --port {port + 1}"
        )
        raise typer.Exit(EXIT_USAGE)
    name = reviewer or getpass.getuser()
    console.print(f"审核 {out_dir}，审核人 {name}：http://{host}:{port}/")
    app = create_app(out_dir, name, timezone, allowed_hosts=allow_host or [])
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _port_free(host: str, port: int) -> bool:
    """Whether the review server could listen on host:port (checked before it starts, so
    a busy port gets a sentence instead of a traceback)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@app.command("export")
def export_command(
    out_dir: Annotated[Path, typer.Argument(help="The output folder of an extract run.")],
    to: Annotated[Path | None, typer.Option("--to", help="Export folder (OUT_DIR/export).")] = None,
    timezone: Annotated[
        str,
        typer.Option(envvar="JIXIAO_TIMEZONE", help="Time zone of the times written."),
    ] = "Asia/Shanghai",
) -> None:
    """Write corrected JSON, CSV, XLSX and SQLite tables with the review decisions applied."""
    from jixiao.review.export import export

    if not out_dir.is_dir():
        console.print(f"[red]没有这个文件夹：[/] {out_dir}")
        raise typer.Exit(EXIT_USAGE)
    try:
        result = export(out_dir, to, timezone)
    except ReviewError as exc:
        console.print(f"[red]无法导出：[/] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc
    console.print(
        f"已导出 {result.reports} 份报告到 {result.folder}；"
        + (
            f"[yellow]仍有 {result.open_fields} 个待审字段未处理[/]"
            if result.open_fields
            else "所有待审字段均已处理"
        )
    )


@app.command()
def promote(
    out_dir: Annotated[Path, typer.Argument(help="The output folder holding the report.")],
    name: Annotated[str, typer.Argument(help="The report's name in OUT_DIR.")],
    case: Annotated[Path, typer.Argument(help="The new golden case folder (golden/<case>).")],
    cache_dir: Annotated[Path | None, typer.Option(help="LLM cache the run used.")] = None,
    config: ConfigOption = None,
) -> None:
    """Make a reviewed report a golden case: its input, recordings from the cache, and the
    reviewed values as expected.json."""
    from jixiao.review.promote import promote_report

    settings = _llm_settings(config, cache_dir=cache_dir)
    try:
        written = promote_report(out_dir, name, case, settings)
    except (CaseError, ReviewError) as exc:
        console.print(f"[red]无法转为黄金样例：[/] {exc}")
        raise typer.Exit(EXIT_FAILED) from exc
    console.print(f"黄金样例 {case}：{'、'.join(written)}")
