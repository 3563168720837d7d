"""Review page load time for the longest example report.

Usage: python benchmarks/review_load.py [--repeat 10]

Extracts the examples by replaying their recordings into a temporary folder, serves the
review page on 127.0.0.1, and times (a) the server rendering the longest report's screen
and (b) Debian's chromium loading it to the `load` event. Prints medians in ms.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from fastapi.testclient import TestClient

from jixiao.pipeline import run_batch
from jixiao.review.app import create_app
from jixiao.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        settings = load_settings(
            {"provider": "replay", "replay_dir": ROOT / "tests/recordings/examples"}, environ={}
        )
        run_batch([ROOT / "examples"], out, settings)
        longest = max(out.glob("0*.normalized.txt"), key=lambda p: len(p.read_text("utf-8")))
        name = longest.name[: -len(".normalized.txt")]
        app = create_app(out, "bench")
        client = TestClient(app)
        server_ms = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            assert client.get(f"/r/{name}").status_code == 200
            server_ms.append((time.perf_counter() - started) * 1000)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        from playwright.sync_api import sync_playwright

        browser_ms = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page()
            for _ in range(args.repeat):
                started = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/r/{name}", wait_until="load")
                browser_ms.append((time.perf_counter() - started) * 1000)
            browser.close()
        server.should_exit = True
        chars = len(longest.read_text(encoding="utf-8"))
        print(
            f"longest example {name} ({chars} chars): server render median "
            f"{statistics.median(server_ms):.0f} ms, browser load median "
            f"{statistics.median(browser_ms):.0f} ms over {args.repeat} loads"
        )


if __name__ == "__main__":
    main()
