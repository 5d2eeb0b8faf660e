"""Helpers shared by the command modules."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.core.config import Settings, settings


def ready_settings() -> Settings:
    """The settings, with the data directory created and the schema at head."""
    from pipeline.core.db import migrate

    current = settings()
    current.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(current.database_url)
    return current


def expand_paths(paths: list[str]) -> list[Path]:
    """Files given, and every file under folders given, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            found.append(path)
        else:
            print(f"not found: {raw}", file=sys.stderr)
    return found
