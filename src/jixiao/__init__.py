"""jixiao (绩效): Chinese government performance self-evaluation reports -> validated data.

The library never imports its CLI. The public API is below (`__all__`); names are loaded
on first use, so `import jixiao` stays light (the LLM stack loads only when asked for).

    import jixiao
    result = jixiao.extract_report("report.docx")          # rules only without an endpoint
    result.fields["funds.expenditure_total"].value          # Decimal, 万元
    jixiao.run_batch([Path("reports/")], Path("out/"), jixiao.Settings(jobs=2))
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

logger = logging.getLogger(__name__)

# Public name -> (module, attribute).
_PUBLIC: dict[str, tuple[str, str]] = {
    "extract_report": ("jixiao.pipeline", "extract_report"),
    "run_batch": ("jixiao.pipeline", "run_batch"),
    "prepare": ("jixiao.pipeline", "prepare"),
    "BatchResult": ("jixiao.pipeline", "BatchResult"),
    "Settings": ("jixiao.settings", "Settings"),
    "load_settings": ("jixiao.settings", "load_settings"),
    "write_report": ("jixiao.output", "write_report"),
    "load_report": ("jixiao.output", "load_report"),
    "Report": ("jixiao.core", "ReportResult"),
    "ReportField": ("jixiao.core", "ReportField"),
    "FieldStatus": ("jixiao.core", "FieldStatus"),
    "Flag": ("jixiao.core", "Flag"),
    "Severity": ("jixiao.core", "Severity"),
    "Evidence": ("jixiao.core", "Evidence"),
    "Project": ("jixiao.core", "Project"),
    "Indicator": ("jixiao.core", "Indicator"),
    "Problem": ("jixiao.core", "Problem"),
    "Improvement": ("jixiao.core", "Improvement"),
    "load_catalog": ("jixiao.catalog", "load_catalog"),
    "JixiaoError": ("jixiao.errors", "JixiaoError"),
    "ConfigError": ("jixiao.errors", "ConfigError"),
    "LLMConfigError": ("jixiao.errors", "LLMConfigError"),
    "IngestError": ("jixiao.errors", "IngestError"),
}

__all__ = [
    "BatchResult",
    "ConfigError",
    "Evidence",
    "FieldStatus",
    "Flag",
    "Improvement",
    "Indicator",
    "IngestError",
    "JixiaoError",
    "LLMConfigError",
    "Problem",
    "Project",
    "Report",
    "ReportField",
    "Settings",
    "Severity",
    "__version__",
    "extract_report",
    "load_catalog",
    "load_report",
    "load_settings",
    "prepare",
    "run_batch",
    "write_report",
]


def _version() -> str:
    """The installed package's version (importlib.metadata is slow to load: asked lazily)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jixiao")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = _version()
        return globals()[name]
    if name not in _PUBLIC:
        raise AttributeError(f"module 'jixiao' has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    __version__: str

    from jixiao.catalog import load_catalog
    from jixiao.core import (
        Evidence,
        FieldStatus,
        Flag,
        Improvement,
        Indicator,
        Problem,
        Project,
        ReportField,
        Severity,
    )
    from jixiao.core import ReportResult as Report
    from jixiao.errors import ConfigError, IngestError, JixiaoError, LLMConfigError
    from jixiao.output import load_report, write_report
    from jixiao.pipeline import BatchResult, extract_report, prepare, run_batch
    from jixiao.settings import Settings, load_settings
