"""The decision store: append-only, the last decision per field in force."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from jixiao.review.app import create_app


def test_decisions_are_never_overwritten(examples_out: Path) -> None:
    from jixiao.review.decisions import DecisionStore

    client = TestClient(create_app(examples_out, "tester"))
    name = sorted(p.stem for p in examples_out.glob("0*.json"))[-1]
    for value in ("2023", "2024"):
        response = client.post(
            f"/r/{name}/decide",
            headers={"origin": "http://testserver"},
            data={"field": "fiscal_year", "action": "edit", "value": value},
        )
        assert response.status_code == 200
    store = DecisionStore(examples_out)
    sha = json.loads((examples_out / f"{name}.json").read_text(encoding="utf-8"))["source"][
        "sha256"
    ]
    history = [d.new_value for d in store.history(sha) if d.field == "fiscal_year"]
    assert history[-2:] == [2023, 2024]
    assert store.latest(sha)["fiscal_year"].new_value == 2024
