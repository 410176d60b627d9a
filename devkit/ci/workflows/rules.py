"""The rules, each with a stable id, and the finding every rule reports.

DK0xx: the file itself. DK1xx: deploy safety, always errors. DK2xx: hygiene, warnings unless
--strict. docs/ci.md lists them with examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str  # error | warning
    summary: str


RULES = {
    r.id: r
    for r in (
        Rule("DK001", "invalid-file", "error", "the file is not valid YAML or not a workflow"),
        Rule(
            "DK002",
            "duplicate-key",
            "error",
            "a mapping key is defined twice: GitHub (and compose) reject the whole file",
        ),
        Rule(
            "DK101",
            "image-not-pinned",
            "error",
            "a deploy job uses an image not pinned to the commit or to a digest",
        ),
        Rule("DK102", "migrate-in-deploy", "error", "a deploy job runs database migrations"),
        Rule(
            "DK103",
            "deploy-before-migrate",
            "warning",
            "a deploy job does not `needs:` the job that runs the migrations",
        ),
        Rule(
            "DK104",
            "compose-image-not-pinned",
            "error",
            "a compose service image is untagged, :latest or a -latest tag",
        ),
        Rule("DK105", "base-image-latest", "warning", "a Dockerfile FROM uses an untagged or :latest image"),
        Rule("DK201", "no-permissions", "warning", "neither the workflow nor the job sets `permissions:`"),
        Rule("DK202", "no-timeout", "warning", "a job has no `timeout-minutes`"),
        Rule("DK203", "write-all-permissions", "warning", "`permissions: write-all`"),
    )
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    message: str
    hint: str
    severity: str = ""  # filled from the rule (and --strict) by the checker

    @property
    def name(self) -> str:
        return RULES[self.rule].name

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }
