"""Review: extracted reports -> a person's decisions -> corrected data and golden cases.

In: an output folder of `jixiao extract` (`<name>.json`, `<name>.normalized.txt` and
`<name>.index.jsonl` per report) and a reviewer.
Out: decisions in `<OUT_DIR>/jixiao-review.sqlite` (append-only), the reports with them
applied, export files (JSON, CSV, XLSX, SQLite) and golden cases promoted from reviewed
reports.

Modules and their public names:
- `decisions`: `DecisionStore`, `Decision`, `Action`, `DATABASE_NAME`, the audit trail
  (numbered schema migrations, undo, report done states, local times).
- `apply`: `apply_decisions`, `open_fields`, `list_reports`, `typed`, the heart of review
  (no writing).
- `display`: the Chinese a reviewer reads (field names, statuses, units, flag sentences).
- `export`: `export`, `build_tables`, corrected data as files and tables.
- `app`: `create_app`, the FastAPI review page (templates and static in `web/`).
- `promote`: `promote_report`, a fully reviewed report -> `golden/<case>/`.

Outside this package only `jixiao.cli` imports it; import the module you need
(`from jixiao.review.export import export`): exporting loads neither the web app nor the
pipeline; only `promote` imports the pipeline and `jixiao.llm` (it re-chunks the input
to find each chunk's exchanges in the LLM cache).
"""
