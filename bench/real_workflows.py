"""`bench/workflows.py --corpus DIR`: devkit on real workflows, scored against hand labels.

Every file listed in DIR/MANIFEST.md (`| file | github:owner/repo | path in repo | … |`) is put
back at its path in a folder per repository (so a local reusable workflow of the same repository
is found, as in the real checkout) and checked alone with the default options. The labels are
tests/fixtures/workflows/real-corpus-labels.yaml, made by reading each file without devkit's
output in view; only the rules they cover are scored (DK001, DK002, DK101-DK104). A finding
matches a label of the same rule at the label's `line` or `alt_line` (a command continued over
several lines may be reported at its first line or at the line of the image); each label and
each (rule, line) finding is matched once.

tests/fixtures/workflows/real-corpus-disputes.yaml lists labels that devkit's authors believe
are wrong, with the reason: `action: remove` (the labelled finding should not be reported) or
`action: add` (a finding the labels miss). The labels are never edited; the table is printed
as labelled and with the disputes applied, and the two are never mixed.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from devkit.ci.workflows import RULES, check_paths  # noqa: E402
from devkit.ci.workflows.order import deploy_matcher, job_roles  # noqa: E402
from devkit.ci.workflows.source import Map, load_yaml  # noqa: E402
from devkit.ci.workflows.workflow import Workflow  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "workflows"
LABELS = FIXTURES / "real-corpus-labels.yaml"
DISPUTES = FIXTURES / "real-corpus-disputes.yaml"
SCORED = ("DK001", "DK002", "DK101", "DK102", "DK103", "DK104")
_ROW = re.compile(r"^\|\s*([^|\s]+\.ya?ml)\s*\|\s*github:([^|\s]+)\s*\|\s*([^|\s]+)\s*\|")


@dataclass(frozen=True)
class Label:
    rule: str
    lines: tuple[int, ...]
    reason: str


@dataclass
class Score:
    tp: Counter[str]
    fp: Counter[str]
    fn: Counter[str]
    notes: list[str]


def manifest(corpus: Path) -> list[tuple[str, str, str]]:
    """(file, owner/repo, path in the repository) for every row of MANIFEST.md."""
    rows = []
    for line in (corpus / "MANIFEST.md").read_text().splitlines():
        found = _ROW.match(line)
        if found:
            rows.append((found.group(1), found.group(2), found.group(3)))
    return rows


def stage(corpus: Path, rows: list[tuple[str, str, str]], into: Path) -> dict[str, tuple[Path, Path]]:
    """Copy each file to into/<owner__repo>/<path>: {file: (repository root, staged path)}."""
    staged = {}
    for name, repo, path in rows:
        root = into / repo.replace("/", "__")
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / name, target)
        staged[name] = (root, target)
    return staged


def labels(disputes: list[dict[str, Any]] | None) -> dict[str, list[Label]]:
    data = yaml.safe_load(LABELS.read_text())
    out: dict[str, list[Label]] = {}
    for name, entry in data["files"].items():
        out[name] = [
            Label(str(f["rule"]), _lines(f), str(f.get("reason", "")))
            for f in entry.get("findings") or []
            if str(f["rule"]) in SCORED
        ]
    for dispute in disputes or []:
        name, rule = dispute["file"], str(dispute["rule"])
        if dispute["action"] == "remove":
            kept = [lab for lab in out[name] if not (lab.rule == rule and dispute["line"] in lab.lines)]
            if len(kept) == len(out[name]):
                raise SystemExit(f"dispute names no label: {name} {rule} {dispute['line']}")
            out[name] = kept
        else:
            out[name].append(Label(rule, _lines(dispute), str(dispute.get("reason", ""))))
    return out


def _lines(entry: dict[str, Any]) -> tuple[int, ...]:
    return tuple(int(entry[k]) for k in ("line", "alt_line") if entry.get(k) is not None)


def findings(staged: dict[str, tuple[Path, Path]]) -> dict[str, dict[tuple[str, int], str]]:
    """{file: {(rule, line): message}} for the scored rules."""
    out = {}
    for name, (root, path) in staged.items():
        report = check_paths(root, [path])
        shown = str(path.relative_to(root))
        out[name] = {
            (f.rule, f.line): f.message for f in report.findings if f.rule in SCORED and f.path == shown
        }
    return out


def score(expected: dict[str, list[Label]], got: dict[str, dict[tuple[str, int], str]]) -> Score:
    result = Score(Counter(), Counter(), Counter(), [])
    for name in sorted(got):
        unmatched = dict(got[name])
        for label in expected.get(name, []):
            hit = next((k for k in sorted(unmatched) if k[0] == label.rule and k[1] in label.lines), None)
            if hit is None:
                result.fn[label.rule] += 1
                result.notes.append(f"missed         {label.rule} {name}:{label.lines[0]}  ({label.reason})")
            else:
                result.tp[label.rule] += 1
                del unmatched[hit]
        for (rule, line), message in sorted(unmatched.items()):
            result.fp[rule] += 1
            result.notes.append(f"false positive {rule} {name}:{line}  {message}")
    return result


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def table(title: str, result: Score) -> list[str]:
    counts = f"{'labels':>6} {'TP':>4} {'FP':>4} {'FN':>4}"
    lines = [title, f"{'rule':<7} {'name':<26} {counts} {'precision':>9} {'recall':>6}"]
    for rule in SCORED:
        tp, fp, fn = result.tp[rule], result.fp[rule], result.fn[rule]
        lines.append(
            f"{rule:<7} {RULES[rule].name:<26} {tp + fn:>6} {tp:>4} {fp:>4} {fn:>4} "
            f"{_ratio(tp, tp + fp):>9} {_ratio(tp, tp + fn):>6}"
        )
    tp, fp, fn = (sum(c.values()) for c in (result.tp, result.fp, result.fn))
    ratios = f"{_ratio(tp, tp + fp):>9} {_ratio(tp, tp + fn):>6}"
    lines.append(f"{'all':<7} {'':<26} {tp + fn:>6} {tp:>4} {fp:>4} {fn:>4} {ratios}")
    return lines


def roles(staged: dict[str, tuple[Path, Path]]) -> list[str]:
    """Deploy and migrate jobs as devkit sees them vs the labels (informational: the labels list
    migrate jobs of any tool; `migrate_jobs_without_dk102_command` names those whose migration
    is not a Django/devkit command or not visible, which devkit is not meant to see)."""
    data = yaml.safe_load(LABELS.read_text())["files"]
    matcher = deploy_matcher(())
    notes = []
    agree = total = 0
    for name, (root, path) in sorted(staged.items()):
        doc = load_yaml(path)
        if not isinstance(doc, Map) or not isinstance(doc.get("jobs"), Map):
            continue
        deploys, migrators = job_roles(Workflow(str(path.relative_to(root)), doc, root), matcher)
        entry = data.get(name, {})
        other_tools = set(entry.get("migrate_jobs_without_dk102_command") or [])
        for kind, mine, theirs in (
            ("deploy", set(deploys), set(entry.get("deploy_jobs") or [])),
            ("migrate", set(migrators), set(entry.get("migrate_jobs") or [])),
        ):
            total += 1
            if mine == theirs:
                agree += 1
                continue
            why = " (labels: not a Django/devkit command, or not visible)"
            why = why if (mine ^ theirs) <= other_tools else ""
            notes.append(f"{kind:<7} jobs differ {name}: devkit {sorted(mine)}, labels {sorted(theirs)}{why}")
    return [f"job roles: devkit agrees with the labels on {agree} of {total} (file, role) pairs", *notes]


def report(corpus: Path, *, verbose: bool) -> int:
    corpus = (corpus if corpus.is_absolute() else Path.cwd() / corpus).resolve()
    rows = manifest(corpus)
    listed = yaml.safe_load(DISPUTES.read_text()) if DISPUTES.is_file() else None
    disputes = (listed or {}).get("disputes") or []
    with tempfile.TemporaryDirectory(prefix="devkit-real-workflows-") as tmp:
        staged = stage(corpus, rows, Path(tmp))
        got = findings(staged)
        as_labelled = score(labels(None), got)
        disputed = score(labels(disputes), got)
        role_notes = roles(staged)
    print(f"corpus: {len(rows)} real workflow files from {corpus} (labels: {LABELS.relative_to(REPO)})")
    print("\n".join(table("\nagainst the labels as written:", as_labelled)))
    print("\n".join(table(f"\nwith the {len(disputes)} disputes of {DISPUTES.name} applied:", disputed)))
    print()
    print(role_notes[0])
    if verbose:
        print("\nas labelled:")
        print("\n".join(as_labelled.notes) or "(no false positive, no miss)")
        print("\nwith the disputes applied:")
        print("\n".join(disputed.notes) or "(no false positive, no miss)")
        print("\n".join(role_notes[1:]))
    return 0
