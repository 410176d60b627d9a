"""What masking costs on a real-sized log: devkit/masking.mask over the corpus lines of
tests/fixtures/masking/corpus.txt repeated to N lines, as one text (how logs are masked) and line
by line (how the console masks), against a baseline measured in the same run: the replace-only
masking of known secrets that devkit did before (one str.replace per secret).

Not a test: prints timings and ratios. Usage: .venv/bin/python bench/masking.py [--lines N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from devkit.core import masking  # noqa: E402

CORPUS = REPO / "tests" / "fixtures" / "masking" / "corpus.txt"


def corpus() -> tuple[list[str], list[str]]:
    secrets: list[str] = []
    lines: list[str] = []
    for line in CORPUS.read_text().splitlines():
        if line.startswith("secrets:"):
            secrets += line.split(":", 1)[1].split()
        elif line.startswith(("= ", "< ")):
            lines.append(line[2:])
    return secrets, lines


def best(fn, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=20000)
    args = parser.parse_args()
    secrets, lines = corpus()
    for secret in secrets:
        masking.register(secret)
    log = (lines * (args.lines // len(lines) + 1))[: args.lines]
    text = "\n".join(log)

    def replace_only() -> None:
        out = text
        for secret in secrets:
            out = out.replace(secret, masking.MASK)

    baseline = best(replace_only)
    whole = best(lambda: masking.mask(text))
    per_line = best(lambda: [masking.mask(line) for line in log])
    print(f"{args.lines} lines, {len(text) / 1e6:.2f} MB, {len(secrets)} registered secrets")
    print(f"baseline replace-only   {baseline * 1000:8.1f} ms")
    print(f"mask (one text)         {whole * 1000:8.1f} ms  ratio {whole / baseline:6.1f}x")
    print(f"mask (line by line)     {per_line * 1000:8.1f} ms  ratio {per_line / baseline:6.1f}x")
    print(f"per line                {per_line / args.lines * 1e6:8.2f} µs")


if __name__ == "__main__":
    main()
