from pathlib import Path

from app.settings import SETTINGS_DOC, env_name

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_documents_every_setting():
    missing = [env_name(attr) for attr in SETTINGS_DOC if f"`{env_name(attr)}`" not in README]
    assert missing == []


def test_readme_opens_with_the_run_and_test_commands():
    assert README.index("<!-- run-command -->") < README.index("<!-- test-command -->")
    assert "memberhub serve" in README and ".venv/bin/pytest" in README
