"""Render a Report: text for people, GitHub workflow commands for annotations, JSON payload."""

from __future__ import annotations

from typing import Any

from devkit.ci.workflows.check import Report
from devkit.ci.workflows.rules import Finding


def text_lines(report: Report) -> list[str]:
    lines = []
    for f in report.findings:
        lines.append(f"{f.path}:{f.line}: {f.rule} {f.name} [{f.severity}] {f.message}")
        lines.append(f"    fix: {f.hint}")
    return lines


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(f: Finding) -> str:
    """`::error file=…,line=…,title=…::message` (GitHub Actions workflow command)."""
    level = "error" if f.severity == "error" else "warning"
    props = f"file={_escape_property(f.path)},line={f.line},title={_escape_property(f.rule + ' ' + f.name)}"
    return f"::{level} {props}::{_escape_data(f.message + ' — fix: ' + f.hint)}"


def summary(report: Report) -> str:
    files = len(report.files)
    if not report.findings:
        return f"{files} file(s) checked: no findings"
    return f"{files} file(s) checked: {report.errors} error(s), {report.warnings} warning(s)"


def payload(report: Report) -> dict[str, Any]:
    return {
        "files": list(report.files),
        "errors": report.errors,
        "warnings": report.warnings,
        "findings": [f.to_json() for f in report.findings],
    }
