"""The house keeps its layers: the import-linter contracts in ``.importlinter`` hold.

core <- intake <- read <- extract <- review <- suppliers <- ubl/deliver <- jobs <- reports
<- api <- sales <- payments <- http/cli, and the workbench over ``pipeline.api`` only.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--config", str(config)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_layer_contracts_hold() -> None:
    result = _lint_imports(ROOT / ".importlinter")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_a_wrong_way_import_is_caught(tmp_path: Path) -> None:
    """The check can fail: with the jobs layer put under core, its real imports break it."""
    reversed_layers = tmp_path / "reversed.ini"
    reversed_layers.write_text(
        "[importlinter]\nroot_packages =\n    pipeline\n\n"
        "[importlinter:contract:reversed]\nname = reversed\ntype = layers\ncontainers =\n    pipeline\n"
        "layers =\n    core\n    jobs\n"
    )
    result = _lint_imports(reversed_layers)
    assert result.returncode != 0
    assert "pipeline.jobs is not allowed to import pipeline.core" in result.stdout
