"""The limits table: one entry per limit, each stated with the value the code enforces."""

from __future__ import annotations

import tomllib
from pathlib import Path

from components.core import limits, texts
from components.data import triplets
from components.explore import scale
from components.training import finetune
from components.vectors import geometry, neighbours

ROOT = Path(__file__).resolve().parents[2]


def test_every_limit_constant_has_a_user_facing_entry():
    constants = {
        name: value
        for name, value in vars(limits).items()
        if name.isupper() and isinstance(value, int)
    }
    assert set(constants) == set(limits.LIMITS)
    for name, value in constants.items():
        assert limits.LIMITS[name].value == value, name
        assert f"{value:,}" in limits.help_text(name)


def test_modules_use_the_limits():
    assert texts.MAX_SENTENCES == limits.SENTENCES
    assert scale.MAX_SENTENCES == limits.SENTENCES
    assert scale.BACKGROUND_MIN == limits.BACKGROUND_SENTENCES
    assert scale.HEATMAP_MAX == limits.HEATMAP_SENTENCES
    assert scale.TSNE_MAX == limits.TSNE_SENTENCES
    assert scale.PUBLIC_SESSION_MB == limits.SESSION_MB
    assert neighbours.EXACT_MAX == limits.INDEX_SENTENCES
    assert texts.MAX_UPLOAD_MB == limits.UPLOAD_MB
    assert triplets.MAX_TRIPLETS == limits.TRIPLETS
    assert triplets.MAX_TABLE_ROWS == limits.TABLE_ROWS
    assert finetune.MAX_COPIES == limits.FINE_TUNED_COPIES
    assert finetune.MAX_EPOCHS == limits.EPOCHS
    assert geometry.GEOMETRY_MAX == limits.GEOMETRY_SENTENCES
    assert geometry.RAW_MAX == limits.RAW_SENTENCES


def test_server_config_matches_the_limits():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == limits.UPLOAD_MB
    assert config["server"]["maxMessageSize"] == limits.MESSAGE_MB
    # watchdog's recursive watch of a folder holding .venv spun a core forever (config.toml)
    assert config["server"]["fileWatcherType"] == "none"


def test_markdown_table_lists_every_limit():
    table = limits.markdown_table()
    assert table.count("\n") == len(limits.LIMITS) + 1
    assert (
        f"| sentences used on Explore (typed, uploaded or generated) | {limits.SENTENCES:,} "
        "| `SENTENCES` |" in table
    )


def test_readme_states_every_limit_as_enforced():
    readme = (ROOT / "docs" / "shared-server.md").read_text()
    assert limits.markdown_table() in readme, "regenerate the README table: limits.markdown_table()"
