"""The limits table: one entry per limit, each stated with the value the code enforces."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from components.core import limits

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


def limit_copies(path: Path) -> set[str]:
    """Module-level names assigned nothing but `limits.NAME` in one file."""
    copies = set()
    for node in ast.parse(path.read_text()).body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if (
            isinstance(value, ast.Attribute)
            and isinstance(value.value, ast.Name)
            and value.value.id == "limits"
        ):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            copies |= {target.id for target in targets if isinstance(target, ast.Name)}
    return copies


def test_components_read_limits_by_their_one_name():
    """No `X = limits.Y` copies: a copy hides the one name a test patches and the docs show."""
    found = {}
    for path in sorted((ROOT / "components").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        copies = limit_copies(path)
        if copies:
            found[relative] = sorted(copies)
    assert not found, f"use limits.NAME directly instead of a copy: {found}"


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


def test_the_limits_doc_states_every_limit_as_enforced():
    """docs/shared-server.md (linked from the README) holds the limits table, as generated."""
    doc = (ROOT / "docs" / "shared-server.md").read_text()
    assert limits.markdown_table() in doc, (
        "regenerate the table in docs/shared-server.md: limits.markdown_table()"
    )
