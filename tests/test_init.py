import subprocess
import sys
from pathlib import Path

import jixiao

EXAMPLE = Path(__file__).parent.parent / "examples" / "000_76118bcffa81813f.txt"


def test_every_public_name_resolves() -> None:
    assert set(jixiao.__all__) == {"__version__", *jixiao._PUBLIC}
    for name in jixiao.__all__:
        assert getattr(jixiao, name) is not None, name


def test_import_jixiao_does_not_load_the_llm_stack() -> None:
    code = "import sys, jixiao; print(sorted(m for m in ('openai', 'instructor') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_extract_report_is_one_call_for_a_library_user() -> None:
    result = jixiao.extract_report(EXAMPLE, jixiao.Settings(provider="none"))
    assert isinstance(result, jixiao.Report)
    assert result.fields["unit_name"].value == "株洲市芦淞区文学艺术界联合会"
    assert result.run.provider == "none"


def test_every_library_error_is_a_jixiao_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"
    try:
        jixiao.extract_report(missing, jixiao.Settings(provider="none"))
    except jixiao.JixiaoError as exc:
        assert isinstance(exc, jixiao.IngestError) and str(missing) in str(exc)
    else:
        raise AssertionError("an unreadable report must raise")
