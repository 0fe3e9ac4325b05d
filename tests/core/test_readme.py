from pathlib import Path

from core.settings import settings_table

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_configuration_table_is_the_generated_one():
    # Regenerate with: python -m core.settings
    start = README.index("<!-- settings -->") + len("<!-- settings -->")
    end = README.index("<!-- /settings -->")
    assert README[start:end].strip() == settings_table()


def test_readme_opens_with_the_run_and_test_commands():
    assert README.index("<!-- run-command -->") < README.index("<!-- test-command -->")
    assert "memberhub serve" in README and ".venv/bin/pytest" in README
