"""Export stays light: reading an output folder needs no LLM client."""

from __future__ import annotations

import subprocess
import sys


def test_export_imports_neither_openai_nor_instructor() -> None:
    probe = (
        "import sys, jixiao.review.export; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'openai', 'instructor'}), "
        "sorted(m for m in sys.modules if m in ('jixiao.pipeline', 'jixiao.llm')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[] []"
