"""The personal-data inventory classifies every column that can hold personal data, and
says nothing erasure could not do (services/personal_data.py, issue 21)."""

from __future__ import annotations

from pathlib import Path

from services.personal_data import (
    COPIES,
    INVENTORY,
    Found,
    Treatment,
    columns_to_classify,
    registered_models,
    render,
)

ROOT = Path(__file__).resolve().parents[2]
# The tables whose rows erasure does not look for: it may not change them.
UNTOUCHED = (Found.NEVER, Found.NOT_ABOUT_MEMBERS)


async def test_every_text_json_and_date_column_of_every_model_is_classified(db):
    classified = {name: set(table.columns) for name, table in INVENTORY.items()}
    unclassified = [
        f"{name}.{column}"
        for name, model in registered_models().items()
        for column in columns_to_classify(model)
        if column not in classified.get(name, set())
    ]
    assert unclassified == [], (
        f"classify {', '.join(unclassified)} in services/personal_data.py INVENTORY, "
        "then run `python -m services.personal_data > docs/personal-data.md`"
    )


async def test_the_inventory_names_only_models_and_columns_that_exist(db):
    models = registered_models()
    assert set(INVENTORY) == set(models)
    stale = [
        f"{name}.{column}"
        for name, table in INVENTORY.items()
        for column in table.columns
        if column not in columns_to_classify(models[name])
    ]
    assert stale == []


def test_tables_erasure_does_not_look_at_keep_every_value():
    changed = [
        f"{name}.{column}"
        for name, table in INVENTORY.items()
        if table.found in UNTOUCHED
        for column, kind in table.columns.items()
        if kind.treatment in (Treatment.ERASED, Treatment.ROW_DELETED)
    ]
    assert changed == []


def test_a_table_has_its_rows_either_erased_or_deleted():
    both = [
        name for name, table in INVENTORY.items() if table.deletes_rows and table.erased_values()
    ]
    assert both == []
    partly = [
        name
        for name, table in INVENTORY.items()
        if table.deletes_rows
        and any(c.treatment is not Treatment.ROW_DELETED for c in table.columns.values())
    ]
    assert partly == []


async def test_a_column_that_cannot_be_null_is_erased_to_a_value(db):
    models = registered_models()
    nulls_into_not_null = [
        f"{name}.{column}"
        for name, table in INVENTORY.items()
        for column, value in table.erased_values().items()
        if value is None and not models[name]._meta.fields_map[column].null
    ]
    assert nulls_into_not_null == []


def test_personal_data_docs_match_the_inventory():
    assert (ROOT / "docs" / "personal-data.md").read_text(encoding="utf-8") == render(), (
        "docs/personal-data.md is stale: run `python -m services.personal_data > "
        "docs/personal-data.md`"
    )


def test_a_copy_holds_only_columns_erasure_overwrites():
    # The database rewrites a copy from its columns: overwriting them is what erases it.
    kept = [
        f"{name}: {copy.of}.{column}"
        for name, copy in COPIES.items()
        for column in copy.columns
        if column not in INVENTORY[copy.of].erased_values()
    ]
    assert kept == []
