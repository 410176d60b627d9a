"""`devkit check-workflows`: run the workflow policy and print findings as text or annotations."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from devkit.core.errors import UsageError
from devkit.core.ui import UI


def run_check_workflows(
    ui: UI,
    root: Path,
    paths: Sequence[Path],
    *,
    strict: bool,
    output_format: str,
    deploy_patterns: Sequence[str],
    ignore: Sequence[str],
) -> tuple[int, dict[str, Any]]:
    from rich.markup import escape

    from devkit.ci.workflows import check_paths
    from devkit.ci.workflows.report import github_line, payload, summary, text_lines

    if output_format not in ("text", "github"):
        raise UsageError(f"--format {output_format}: expected text or github")
    report = check_paths(root, paths, strict=strict, deploy_patterns=deploy_patterns, ignore=ignore)
    lines = [github_line(f) for f in report.findings] if output_format == "github" else text_lines(report)
    for line in lines:
        ui.print(escape(line))
    ui.print(escape(summary(report)))
    return (1 if report.errors else 0), payload(report)
