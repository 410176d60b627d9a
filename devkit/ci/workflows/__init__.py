"""Workflow policy (`devkit check-workflows`): GitHub workflows, compose files and Dockerfiles
parsed as what they are (YAML with line numbers, FROM lines), checked by rules with ids."""

from devkit.ci.workflows.check import check_paths, discover, doctor_check
from devkit.ci.workflows.rules import RULES, Finding

__all__ = ["RULES", "Finding", "check_paths", "discover", "doctor_check"]
