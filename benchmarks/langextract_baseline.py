"""langextract on the fixed small-model subset: the baseline jixiao must match (issue 17).

Runs under its OWN environment, never jixiao's: langextract is not a dependency of jixiao.

    python3 -m venv ../lx-venv
    ../lx-venv/bin/pip install 'langextract[openai]==1.7.1'
    ../shared/tools/local-llm start                    # 127.0.0.1:8089, OpenAI-compatible
    ../lx-venv/bin/python benchmarks/langextract_baseline.py            # all of the subset
    ../lx-venv/bin/python benchmarks/langextract_baseline.py --limit 2  # a quick look

For each report of benchmarks/small_model_subset.txt it calls `lx.extract` once (langextract
chunks the text itself, max_char_buffer 1000 by default) with a short bilingual prompt and two
synthetic examples whose figures occur in no corpus report, against the local endpoint through
langextract's own OpenAI provider (base_url, JSON mode, no schema constraints, no fences,
temperature 0, one worker). Extraction classes map to the corpus label paths; money goes to
万元 (元 / 10000, 亿元 * 10000), rates to numbers. Scoring uses the oracle's own helpers
(shared/tools/oracle/scoring.py: numbers equal within 0.005, text equal after NFKC without
white space; "fabricated" = a figure the text prints nowhere, as 万元 or as 元).

Stdlib + langextract only. Nothing is downloaded at run time: the texts are passed as strings
(fetch_urls stays False) and the model is the local server.
Writes benchmarks/results/langextract_baseline.json and prints a table.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

import langextract as lx
from langextract import factory
from langextract.core import tokenizer as lx_tokenizer

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def load_scoring(oracle_dir: Path):
    """The oracle's scoring helpers, imported from their file (stdlib only)."""
    spec = importlib.util.spec_from_file_location("oracle_scoring", oracle_dir / "scoring.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the task given to langextract -----------------------------------------------------------

PROMPT = (
    "从政府绩效自评报告（绩效自评报告/自评表）中抽取下列字段。extraction_text "
    "必须逐字照抄原文（数字连同单位原样），原文没有的字段不要输出，不要计算、"
    "换算或编造数字。\n"
    "Extract these fields from a Chinese government performance self-evaluation report. "
    "Copy extraction_text verbatim from the text; skip a field the text does not state; "
    "never compute or invent figures.\n"
    "classes:\n"
    "report_kind 报告类型 (attribute kind: unit = 部门/单位整体支出, project = "
    "项目/专项资金/转移支付); unit_name 被评价单位/实施单位; fiscal_year 评价年度 (not "
    "the publishing date);\n"
    "staffing_authorized 编制数; staffing_actual 实有人数; staffing_retired 退休人数;\n"
    "income_total 收入合计; general_budget_income 一般公共预算(财政拨款)收入; "
    "expenditure_total 支出合计/全年执行数/实际支出; general_budget_expenditure "
    "一般公共预算支出; budget_initial 年初预算数; budget_full_year 全年(调整后)预算数; "
    "execution_rate 预算执行率; basic 基本支出; project 项目支出; personnel 人员经费; "
    "public 公用经费; three_public_total “三公”经费; carryover 结转结余;\n"
    "score_total 自评得分; score_grade 自评等级; filing_preparer 填表人; filing_date "
    "填报日期; filing_phone 联系电话; filing_head 单位负责人.\n"
    "Money classes carry attribute unit = 元 / 万元 / 亿元 as printed (also from a table "
    "header such as 单位：元)."
)

EXAMPLE_1 = (
    "青禾县农业服务中心2031年度部门整体支出绩效自评报告\n"
    "一、部门基本情况\n"
    "本单位编制人数47人，实有在职人员43人，退休人员29人。\n"
    "二、部门整体支出情况\n"
    "2031年度收入合计1234.56万元，其中一般公共预算收入1187.39万元。支出合计1209.87万元，"
    "其中一般公共预算支出1163.52万元；基本支出703.21万元（人员经费612.48万元，"
    "公用经费90.73万元），项目支出506.66万元。年初预算1111.23万元，全年预算1246.81万元，"
    "预算执行率97.04%。“三公”经费支出3.47万元，年末结转结余24.69万元。\n"
    "三、自评结论\n"
    "自评得分93.7分，自评等级为优。\n"
    "单位负责人：王青山  填报日期：2032年3月17日  联系电话：0739-5551234"
)

EXAMPLE_2 = (
    "云岭县2032年度乡村道路养护项目支出绩效自评表\n"
    "项目名称 | 乡村道路养护补助资金\n"
    "主管部门 | 云岭县交通运输局 | 实施单位 | 云岭县公路养护站\n"
    "项目资金（元） | 年初预算数 | 全年预算数 | 全年执行数 | 执行率\n"
    "年度资金总额 | 4,567,891.23 | 4,612,345.67 | 4,498,765.43 | 97.54%\n"
    "自评总分 | 88.6 | 自评等级 | 良\n"
    "填表人：李晓明  填报日期：2033年2月9日  联系电话：0871-6667890"
)

WAN = {"unit": "万元"}
YUAN = {"unit": "元"}
EXAMPLE_EXTRACTIONS = [
    (
        EXAMPLE_1,
        [
            ("unit_name", "青禾县农业服务中心", None),
            ("fiscal_year", "2031年度", None),
            ("report_kind", "部门整体支出绩效自评报告", {"kind": "unit"}),
            ("staffing_authorized", "47人", None),
            ("staffing_actual", "43人", None),
            ("staffing_retired", "29人", None),
            ("income_total", "1234.56万元", WAN),
            ("general_budget_income", "1187.39万元", WAN),
            ("expenditure_total", "1209.87万元", WAN),
            ("general_budget_expenditure", "1163.52万元", WAN),
            ("basic", "703.21万元", WAN),
            ("personnel", "612.48万元", WAN),
            ("public", "90.73万元", WAN),
            ("project", "506.66万元", WAN),
            ("budget_initial", "1111.23万元", WAN),
            ("budget_full_year", "1246.81万元", WAN),
            ("execution_rate", "97.04%", None),
            ("three_public_total", "3.47万元", WAN),
            ("carryover", "24.69万元", WAN),
            ("score_total", "93.7分", None),
            ("score_grade", "优", None),
            ("filing_head", "王青山", None),
            ("filing_date", "2032年3月17日", None),
            ("filing_phone", "0739-5551234", None),
        ],
    ),
    (
        EXAMPLE_2,
        [
            ("fiscal_year", "2032年度", None),
            ("report_kind", "项目支出绩效自评表", {"kind": "project"}),
            ("unit_name", "云岭县公路养护站", None),
            ("budget_initial", "4,567,891.23", YUAN),
            ("budget_full_year", "4,612,345.67", YUAN),
            ("expenditure_total", "4,498,765.43", YUAN),
            ("execution_rate", "97.54%", None),
            ("score_total", "88.6", None),
            ("score_grade", "良", None),
            ("filing_preparer", "李晓明", None),
            ("filing_date", "2033年2月9日", None),
            ("filing_phone", "0871-6667890", None),
        ],
    ),
]

# extraction class -> (label path, kind of value)
CLASSES = {
    "report_kind": ("report_kind", "kind"),
    "unit_name": ("unit_name", "text"),
    "fiscal_year": ("fiscal_year", "year"),
    "staffing_authorized": ("staffing.authorized", "count"),
    "staffing_actual": ("staffing.actual", "count"),
    "staffing_retired": ("staffing.retired", "count"),
    "income_total": ("funds.income_total", "money"),
    "general_budget_income": ("funds.general_budget_income", "money"),
    "expenditure_total": ("funds.expenditure_total", "money"),
    "general_budget_expenditure": ("funds.general_budget_expenditure", "money"),
    "budget_initial": ("funds.budget_initial", "money"),
    "budget_full_year": ("funds.budget_full_year", "money"),
    "execution_rate": ("funds.execution_rate", "rate"),
    "basic": ("funds.basic", "money"),
    "project": ("funds.project", "money"),
    "personnel": ("funds.personnel", "money"),
    "public": ("funds.public", "money"),
    "three_public_total": ("funds.three_public_total", "money"),
    "carryover": ("funds.carryover", "money"),
    "score_total": ("score.total", "number"),
    "score_grade": ("score.grade", "text"),
    "filing_preparer": ("filing.preparer", "text"),
    "filing_date": ("filing.date", "text"),
    "filing_phone": ("filing.phone", "text"),
    "filing_head": ("filing.head", "text"),
}

NUMBER = re.compile(r"\d[\d,，]*(?:\.\d+)?")


def examples() -> list:
    return [
        lx.data.ExampleData(
            text=text,
            extractions=[
                lx.data.Extraction(extraction_class=c, extraction_text=t, attributes=a)
                for c, t, a in items
            ],
        )
        for text, items in EXAMPLE_EXTRACTIONS
    ]


# --- turning extractions into label values ---------------------------------------------------


def first_number(text: str) -> Decimal | None:
    m = NUMBER.search(unicodedata.normalize("NFKC", text or ""))
    if not m:
        return None
    try:
        return Decimal(m.group().replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None


def value_of(cls: str, text: str, attributes: dict | None):
    """The label value of one extraction, or None when it cannot be read."""
    kind = CLASSES[cls][1]
    attributes = attributes or {}
    text = text or ""
    if kind == "text":
        return text.strip() or None
    if kind == "kind":
        k = str(attributes.get("kind", "")).strip().lower()
        if k in ("unit", "project"):
            return k
        if re.search(r"项目|專項|专项|转移支付|項目", text):
            return "project"
        if re.search(r"部门|单位|整体|部門|單位", text):
            return "unit"
        return None
    if kind == "year":
        m = re.search(r"(19|20)\d\d", unicodedata.normalize("NFKC", text))
        return int(m.group()) if m else None
    n = first_number(text)
    if n is None:
        return None
    if kind == "count":
        return int(n) if n == n.to_integral_value() else n
    if kind in ("rate", "number"):
        return n
    # money -> 万元
    norm = unicodedata.normalize("NFKC", text)
    unit = str(attributes.get("unit", "")).strip()
    if "亿" in norm:
        factor = Decimal(10000)
    elif "万" in norm:
        factor = Decimal(1)
    elif "元" in norm:
        factor = Decimal("0.0001")
    elif "亿" in unit:
        factor = Decimal(10000)
    elif "万" in unit:
        factor = Decimal(1)
    elif "元" in unit:
        factor = Decimal("0.0001")
    else:
        factor = Decimal(1)  # no unit printed or given: 万元, the reports' usual unit
    return n * factor


def example_figures() -> tuple[set, set]:
    """The examples' values as the mapping reads them (numbers, texts), plus their raw numbers."""
    numbers, texts = set(), set()
    for _, items in EXAMPLE_EXTRACTIONS:
        for cls, text, attrs in items:
            v = value_of(cls, text, attrs)
            if isinstance(v, (int, Decimal)) and CLASSES[cls][1] != "year":
                numbers.add(Decimal(v))
            elif isinstance(v, str) and CLASSES[cls][1] == "text":
                texts.add(v)
            n = first_number(text)
            if n is not None and CLASSES[cls][1] not in ("year", "text", "kind"):
                numbers.add(n)  # the printed figure too (e.g. 4567891.23 in 元)
    return numbers, texts


# --- counting calls and tokens ---------------------------------------------------------------


class CallLog:
    """Wraps the provider's OpenAI client: every chat completion, its usage and its time."""

    def __init__(self):
        self.calls: list[dict] = []

    def wrap(self, client):
        create = client.chat.completions.create

        def counted(*args, **kwargs):
            t0 = time.monotonic()
            row = {
                "prompt_tokens": None,
                "completion_tokens": None,
                "seconds": None,
                "finish_reason": None,
                "output": None,
                "error": None,
            }
            self.calls.append(row)
            try:
                response = create(*args, **kwargs)
            except Exception as exc:  # recorded, then re-raised to langextract
                row["error"] = f"{type(exc).__name__}: {exc}"[:500]
                row["seconds"] = round(time.monotonic() - t0, 3)
                raise
            row["seconds"] = round(time.monotonic() - t0, 3)
            usage = getattr(response, "usage", None)
            if usage is not None:
                row["prompt_tokens"] = getattr(usage, "prompt_tokens", None)
                row["completion_tokens"] = getattr(usage, "completion_tokens", None)
            if response.choices:
                row["finish_reason"] = response.choices[0].finish_reason
                row["output"] = response.choices[0].message.content
            return response

        client.chat.completions.create = counted


# --- one report ------------------------------------------------------------------------------


def run_report(text: str, model, args, log: CallLog) -> tuple[list[dict], str | None]:
    """langextract on one text: the raw extractions (class, text, attributes, span) or an error."""
    try:
        result = lx.extract(
            text_or_documents=text,
            prompt_description=PROMPT,
            examples=examples(),
            model=model,
            fence_output=not args.json_mode,
            use_schema_constraints=False,
            max_char_buffer=args.max_char_buffer,
            batch_length=1,
            max_workers=1,
            extraction_passes=1,
            tokenizer=lx_tokenizer.UnicodeTokenizer(),
            show_progress=False,
            fetch_urls=False,
        )
    except Exception as exc:  # one failed report must not stop the benchmark
        return [], f"{type(exc).__name__}: {exc}"[:1000]
    rows = []
    for e in result.extractions or []:
        ci = e.char_interval
        rows.append(
            {
                "class": e.extraction_class,
                "text": e.extraction_text,
                "attributes": e.attributes or None,
                "span": [ci.start_pos, ci.end_pos] if ci else None,
                "alignment": str(e.alignment_status.name) if e.alignment_status else None,
            }
        )
    return rows, None


def to_values(extractions: list[dict]) -> tuple[dict, list[dict]]:
    """Path -> value (the first readable extraction of a class in text order wins; later ones
    that disagree are counted as conflicts), and every readable extraction as (path, value)."""
    chosen, every = {}, []
    order = sorted(range(len(extractions)), key=lambda i: (extractions[i]["span"] or [10**9])[0])
    for i in order:
        e = extractions[i]
        if e["class"] not in CLASSES:
            continue
        v = value_of(e["class"], e["text"], e["attributes"])
        if v is None:
            continue
        path = CLASSES[e["class"]][0]
        every.append({"path": path, "value": v, "text": e["text"]})
        chosen.setdefault(path, v)
    return chosen, every


def jsonable(v):
    if isinstance(v, Decimal):
        return float(v) if v != v.to_integral_value() else int(v)
    return v


# --- main ------------------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    ap.add_argument("--subset", type=Path, default=HERE / "small_model_subset.txt")
    ap.add_argument(
        "--oracle",
        type=Path,
        default=None,
        help="folder of the oracle's scoring.py (default: shared/tools/oracle beside the corpus)",
    )
    ap.add_argument(
        "--base-url", default=os.environ.get("JIXIAO_BASE_URL", "http://127.0.0.1:8089/v1")
    )
    ap.add_argument(
        "--model", default=os.environ.get("JIXIAO_MODEL", "qwen2.5-coder-1.5b-instruct")
    )
    ap.add_argument("--max-char-buffer", type=int, default=1000, help="langextract's chunk size")
    ap.add_argument("--max-output-tokens", type=int, default=1024)
    ap.add_argument(
        "--json-mode",
        action="store_true",
        help="send response_format json_object (langextract's OpenAI default); on "
        "llama-cpp-python's server that is grammar-constrained sampling, which "
        "took over 9 minutes for one 2,600-token call on 2 shared cores. Default: "
        "plain text with fenced ```json output (fence_output=True)",
    )
    ap.add_argument("--timeout", type=float, default=900, help="seconds per call")
    ap.add_argument("--limit", type=int, default=0, help="only the first N reports")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "langextract_baseline.json")
    args = ap.parse_args(argv)

    oracle_dir = args.oracle or (args.corpus.parent / "tools" / "oracle")
    scoring = load_scoring(oracle_dir)
    stems = [
        s.strip()
        for s in args.subset.read_text(encoding="utf-8").splitlines()
        if s.strip() and not s.lstrip().startswith("#")
    ]
    if args.limit:
        stems = stems[: args.limit]

    # Example figures must not be real figures: refuse to run if one is printed in the corpus.
    ex_numbers, ex_texts = example_figures()
    corpus_text = "\n".join(
        p.read_text(encoding="utf-8") for p in sorted(args.corpus.glob("*.txt"))
    )
    for _, items in EXAMPLE_EXTRACTIONS:
        for cls, t, _a in items:
            if CLASSES[cls][1] not in ("kind",) and t in corpus_text and cls != "score_grade":
                raise SystemExit(f"example figure {t!r} ({cls}) occurs in the corpus: change it")

    load_start = os.getloadavg()
    log = CallLog()
    model = factory.create_model(
        factory.ModelConfig(
            model_id=args.model,
            provider="OpenAILanguageModel",
            provider_kwargs={
                "api_key": os.environ.get("JIXIAO_API_KEY", "local"),
                "base_url": args.base_url,
                "temperature": 0.0,
                "max_workers": 1,
                "max_output_tokens": args.max_output_tokens,
                **({} if args.json_mode else {"response_format": {"type": "text"}}),
            },
        ),
        use_schema_constraints=False,
        fence_output=not args.json_mode,
    )
    import openai  # installed with langextract[openai]; a client without retries, so calls count

    model._client = openai.OpenAI(
        api_key=model.api_key, base_url=args.base_url, timeout=args.timeout, max_retries=0
    )
    log.wrap(model._client)

    per_field: dict[str, Counter] = defaultdict(Counter)
    total = Counter()
    reports = []
    t_all = time.monotonic()

    def write():
        """Results so far, written after every report (a stopped run keeps what it did)."""
        wall = time.monotonic() - t_all

        summary = {
            "reports": len(reports),
            "subset_size": len(stems),
            "labelled": sum(total[o] for o in ("right", "wrong", "missing")),
            "right": total["right"],
            "wrong": total["wrong"],
            "missing": total["missing"],
            "asserted": total["asserted"],
            "asserted_numeric": total["asserted_numeric"],
            "asserted_unlabelled": total["asserted_unlabelled"],
            "fabricated": total["fabricated"],
            "copied_from_examples": total["copied_from_examples"],
            "raw_extractions": total["raw_extractions"],
            "raw_fabricated": total["raw_fabricated"],
            "calls": total["calls"],
            "failed_calls": total["failed_calls"],
            "reports_failed": total["reports_failed"],
            "prompt_tokens": total["prompt_tokens"],
            "completion_tokens": total["completion_tokens"],
            "tokens_source": "usage of each chat completion, read by a wrapper around "
            "langextract's OpenAI client (langextract itself does not report usage)",
            "wall_seconds": round(wall, 1),
            "load_average_start_end": [round(load_start[0], 2), round(os.getloadavg()[0], 2)],
            "cpus": os.cpu_count(),
        }
        result = {
            "tool": "langextract",
            "langextract_version": importlib.metadata.version("langextract"),
            "python": platform.python_version(),
            "model": args.model,
            "base_url": args.base_url,
            "settings": {
                "temperature": 0.0,
                "max_workers": 1,
                "batch_length": 1,
                "max_char_buffer": args.max_char_buffer,
                "extraction_passes": 1,
                "fence_output": not args.json_mode,
                "use_schema_constraints": False,
                "format": (
                    "JSON (response_format json_object)"
                    if args.json_mode
                    else "JSON in a ```json fence, response_format text"
                ),
                "tokenizer": "UnicodeTokenizer",
                "max_output_tokens": args.max_output_tokens,
                "max_retries": 0,
            },
            "subset": stems,
            "summary": summary,
            "per_field": {p: dict(c) for p, c in sorted(per_field.items())},
            "prompt_description": PROMPT,
            "examples": [t for t, _ in EXAMPLE_EXTRACTIONS],
            "reports": reports,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(result, ensure_ascii=False, indent=1, default=jsonable) + "\n",
            encoding="utf-8",
        )
        return summary, result

    for stem in stems:
        text = (args.corpus / f"{stem}.txt").read_text(encoding="utf-8")
        truth = scoring.truth_fields(
            json.loads((args.corpus / f"{stem}.json").read_text(encoding="utf-8"))
        )
        first_call = len(log.calls)
        t0 = time.monotonic()
        extractions, error = run_report(text, model, args, log)
        seconds = time.monotonic() - t0
        calls = log.calls[first_call:]
        chosen, every = to_values(extractions)

        rows = []
        for path, label in truth.items():
            v = chosen.get(path)
            result = (
                "missing"
                if v is None
                else ("right" if scoring.same(v, label["value"]) else "wrong")
            )
            per_field[path][result] += 1
            total[result] += 1
            rows.append(
                {"field": path, "truth": label["value"], "value": jsonable(v), "outcome": result}
            )
        asserted = []
        for path, v in chosen.items():
            numeric = isinstance(v, (int, Decimal)) and not isinstance(v, bool)
            fabricated = numeric and not scoring.digits_in_text(v, text)
            copied = (
                numeric
                and path != "fiscal_year"
                and any(abs(Decimal(v) - n) <= Decimal("0.005") for n in ex_numbers)
            ) or (
                isinstance(v, str)
                and path != "report_kind"
                and path != "score.grade"
                and any(scoring.same(v, t) for t in ex_texts)
            )
            total["asserted"] += 1
            total["asserted_numeric"] += numeric
            total["fabricated"] += fabricated
            total["copied_from_examples"] += copied
            if path not in truth:
                total["asserted_unlabelled"] += 1
            asserted.append(
                {
                    "field": path,
                    "value": jsonable(v),
                    "labelled": path in truth,
                    "fabricated": fabricated,
                    "copied_from_examples": copied,
                }
            )
        raw_fabricated = sum(
            1
            for e in every
            if isinstance(e["value"], (int, Decimal))
            and not scoring.digits_in_text(e["value"], text)
        )
        total["raw_extractions"] += len(extractions)
        total["raw_fabricated"] += raw_fabricated
        total["calls"] += len(calls)
        total["failed_calls"] += sum(1 for c in calls if c["error"])
        total["prompt_tokens"] += sum(c["prompt_tokens"] or 0 for c in calls)
        total["completion_tokens"] += sum(c["completion_tokens"] or 0 for c in calls)
        total["reports_failed"] += error is not None
        reports.append(
            {
                "report": stem,
                "seconds": round(seconds, 2),
                "error": error,
                "calls": calls,
                "extractions": extractions,
                "fields": rows,
                "asserted": asserted,
            }
        )
        c = Counter(r["outcome"] for r in rows)
        print(
            f"{stem}: right {c['right']}/{len(rows)} wrong {c['wrong']} "
            f"asserted {len(asserted)} calls {len(calls)} "
            f"{seconds:.1f}s{' ERROR ' + error[:120] if error else ''}",
            flush=True,
        )
        write()
    summary, result = write()

    print()
    print(
        f"langextract {result['langextract_version']} + {args.model}, {len(stems)} reports, "
        f"{summary['labelled']} labelled fields"
    )
    print(
        "| right | wrong | missing | asserted | fabricated | copied from examples | calls | "
        "prompt tokens | completion tokens | wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {summary['right']} | {summary['wrong']} | {summary['missing']} | "
        f"{summary['asserted']} | {summary['fabricated']} | {summary['copied_from_examples']} | "
        f"{summary['calls']} | "
        f"{summary['prompt_tokens']} | {summary['completion_tokens']} | {summary['wall_seconds']} |"
    )
    print()
    print("| field | right | wrong | missing |")
    print("|---|---|---|---|")
    for p, c in sorted(per_field.items()):
        print(f"| {p} | {c['right']} | {c['wrong']} | {c['missing']} |")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
