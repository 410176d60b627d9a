"""Precision and recall of `devkit check-workflows` per rule over a labelled corpus.

Not a test: prints a table. Without --corpus: every file under tests/fixtures/workflows that has
a sidecar `<file>.expected` (lines `RULE LINE`; empty: no finding) is checked alone with the
default options; a finding counts as a true positive when the sidecar lists the same (rule,
line). The goal: no false positive and no miss for the error rules (DK001, DK002, DK101, DK102,
DK104). Also prints the time of the whole check against a plain PyYAML parse of the same files,
measured in the same run (a ratio, never asserted).

With --corpus DIR (the real workflows, ../shared/corpus/workflows): the files are scored against
the hand labels in tests/fixtures/workflows/real-corpus-labels.yaml (made without devkit's output
in view; see bench/real_workflows.py), once as labelled and once with the disputes in
real-corpus-disputes.yaml applied.

Usage: .venv/bin/python bench/workflows.py [--corpus DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from devkit.ci.workflows import RULES, check_paths  # noqa: E402

CORPUS = REPO / "tests" / "fixtures" / "workflows"
ERROR_RULES = [r for r, rule in RULES.items() if rule.severity == "error"]


def labelled() -> list[tuple[Path, set[tuple[str, int]]]]:
    """(file, expected findings) for every file with a sidecar."""
    out = []
    for sidecar in sorted(CORPUS.rglob("*.expected")):
        path = sidecar.with_name(sidecar.name[: -len(".expected")])
        expected = set()
        for line in sidecar.read_text().splitlines():
            if line.strip():
                rule, number = line.split()
                expected.add((rule, int(number)))
        out.append((path, expected))
    return out


def found(path: Path) -> set[tuple[str, int]]:
    """The findings in this file (a workflow may also report in a compose file it deploys)."""
    report = check_paths(path.parent, [path])
    return {(f.rule, f.line) for f in report.findings if f.path == path.name}


def score() -> tuple[Counter[str], Counter[str], Counter[str], list[str]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    notes = []
    for path, expected in labelled():
        got = found(path)
        name = path.relative_to(CORPUS)
        for rule, _line in sorted(got & expected):
            tp[rule] += 1
        for rule, line in sorted(got - expected):
            fp[rule] += 1
            notes.append(f"false positive {rule} {name}:{line}")
        for rule, line in sorted(expected - got):
            fn[rule] += 1
            notes.append(f"missed         {rule} {name}:{line}")
    return tp, fp, fn, notes


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def _timing(files: list[Path]) -> tuple[float, float]:
    import yaml

    start = time.perf_counter()
    for path in files:
        with contextlib.suppress(yaml.YAMLError):  # the baseline only parses
            yaml.safe_load(path.read_bytes())
    plain = time.perf_counter() - start
    start = time.perf_counter()
    for path in files:
        check_paths(path.parent, [path])
    checked = time.perf_counter() - start
    return plain, checked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every false positive and miss")
    parser.add_argument("--corpus", type=Path, help="a folder of real workflows with a MANIFEST.md")
    args = parser.parse_args()
    if args.corpus is not None:
        from real_workflows import report

        return report(args.corpus, verbose=args.verbose)
    files = labelled()
    tp, fp, fn, notes = score()
    print(f"corpus: {len(files)} labelled files under {CORPUS.relative_to(REPO)}")
    print(f"{'rule':<7} {'name':<26} {'severity':<8} {'expected':>8} {'TP':>4} {'FP':>4} {'FN':>4} "
          f"{'precision':>9} {'recall':>6}")  # fmt: skip
    for rule_id, rule in RULES.items():
        expected = tp[rule_id] + fn[rule_id]
        print(
            f"{rule_id:<7} {rule.name:<26} {rule.severity:<8} {expected:>8} {tp[rule_id]:>4} "
            f"{fp[rule_id]:>4} {fn[rule_id]:>4} {_ratio(tp[rule_id], tp[rule_id] + fp[rule_id]):>9} "
            f"{_ratio(tp[rule_id], expected):>6}"
        )
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    print(
        f"{'all':<7} {'':<26} {'':<8} {total_tp + total_fn:>8} {total_tp:>4} {total_fp:>4} {total_fn:>4} "
        f"{_ratio(total_tp, total_tp + total_fp):>9} {_ratio(total_tp, total_tp + total_fn):>6}"
    )
    errors_clean = all(fp[r] == 0 and fn[r] == 0 for r in ERROR_RULES)
    verdict = "no false positive, no miss" if errors_clean else "NOT clean"
    print(f"error rules ({', '.join(ERROR_RULES)}): {verdict}")
    plain, checked = _timing([p for p, _ in files])
    print(f"time: check {checked:.3f} s vs plain yaml.safe_load {plain:.3f} s (x{checked / plain:.1f})")
    if args.verbose or notes:
        print("\n".join(notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
