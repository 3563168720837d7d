"""Input tokens: jixiao's chunked requests vs one prompt with the whole report and schema.

Usage: python benchmarks/prompt_tokens.py [--tokenize-url http://127.0.0.1:8089] [FILES...]

Counts, per report, the tokens of every chunk request jixiao sends (system prompt, user
prompt with the chunk, the chunk's response schema) and of a single request holding the
whole report and the whole schema. With --tokenize-url the counts come from a
llama-cpp-python server's /extras/tokenize/count (the model's own tokenizer); without
it, from jixiao's estimator (an upper bound).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import httpx2

from jixiao.catalog import load_catalog
from jixiao.chunk import estimate_tokens
from jixiao.core import Chunk
from jixiao.llm import build_messages, load_prompts
from jixiao.pipeline import prepare
from jixiao.schema import response_model_for
from jixiao.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def counter(url: str | None):
    if not url:
        return estimate_tokens
    client = httpx2.Client(base_url=url, timeout=60)

    def count(text: str) -> int:
        response = client.post("/extras/tokenize/count", json={"input": text})
        response.raise_for_status()
        return int(response.json()["count"])

    return count


def request_tokens(count, chunk: Chunk) -> int:
    prompts = load_prompts()
    messages = build_messages(prompts, chunk)
    schema = json.dumps(response_model_for(chunk.groups).model_json_schema(), ensure_ascii=False)
    return sum(count(m["content"]) for m in messages) + count(schema)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--tokenize-url")
    args = parser.parse_args()
    files = args.files or sorted((ROOT / "examples").glob("*.txt"))
    count = counter(args.tokenize_url)
    catalog = load_catalog()
    print(f"{'report':28} {'chunks':>6} {'chunked in':>10} {'whole in':>9}")
    for path in files:
        prepared = prepare(path, Settings(), catalog)
        chunked = sum(request_tokens(count, chunk) for chunk in prepared.chunks)
        whole = Chunk(
            index=0,
            start=0,
            end=len(prepared.text),
            heading_path=[],
            text=prepared.text,
            tokens=0,
            groups=list(catalog.groups),
        )
        single = request_tokens(count, whole)
        print(f"{path.stem:28} {len(prepared.chunks):>6} {chunked:>10} {single:>9}")


if __name__ == "__main__":
    main()
