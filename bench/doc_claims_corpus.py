"""The claim checker on the real-project corpus: render each project's generated docs from its
facts and check every statement (tests/support/doc_claims.py). Not a test: it needs the corpus's
scratch copies (hand-fixed copies where `devkit up` went green, so they hold `.devkit/facts.json`
and a virtualenv), which live outside this repository.

    .venv/bin/python bench/doc_claims_corpus.py [--scratch DIR] [--work DIR] [--probe] [--show NAME]
                                                 [--as-written] [--only NAME]

Each project is copied to WORK/<name> (without its venv, which is linked, node_modules and
devkit's cluster) so nothing is written into the scratch copies; the facts' paths are rewritten to
the copy. With --probe the current facts probe runs in the copy on the project's own interpreter
(no database is started: the settings load with the env file, like `devkit docs` without a
server), so facts the scratch run predates (models per app, tenant routing, health routes, the
project's tenant commands) are real too. Prints per project: false claims (must be 0) and the
misleading ones, listed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devkit.config import loading
from devkit.context import Context
from devkit.docs import generate, workflows
from devkit.docs.settings import docs_settings
from devkit.project import envloading
from tests.support.doc_claims import generated_blocks, misleading_claims, violated_claims

SCRATCH = Path("/tmp/devkit-corpus-scratch")
WORK = Path("/tmp/wt26-claims")
_LEFT_OUT = {".venv", "node_modules", "__pycache__"}
_LEFT_OUT_IN_DEVKIT = {"postgres", "logs", "children", "lock"}


def _ignore(folder: str, names: list[str]) -> set[str]:
    out = {n for n in names if n in _LEFT_OUT}
    if Path(folder).name == ".devkit":
        out |= {n for n in names if n in _LEFT_OUT_IN_DEVKIT}
    return out


def copy_project(source: Path, dest: Path) -> Path:
    """A copy to render in: the venv linked (read only, never changed), the facts' paths moved."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, ignore=_ignore, symlinks=True)
    if (source / ".venv").is_dir():
        os.symlink(source / ".venv", dest / ".venv")
    facts = dest / ".devkit" / "facts.json"
    facts.write_text(facts.read_text().replace(str(source), str(dest)))
    return dest


def check(project: Path, probe: bool, as_written: bool = False) -> dict[str, Any]:
    config = loading.load(project)
    ctx = Context.create(config, no_input=True)
    if probe:
        facts = ctx.facts(refresh=True)
    else:
        facts = json.loads((project / ".devkit" / "facts.json").read_text())["facts"]
    updates = generate.plan(ctx, facts)
    # --as-written: the files as an earlier devkit wrote them (what the scratch run left), not re-rendered
    text = generated_blocks("".join((u.before or "") if as_written else u.after for u in updates))
    flows = workflows.load_workflows(config.path(docs_settings(config).workflows), config.root)
    env_loaded = envloading.detect(config).loads
    return {
        "text": text,
        "false": violated_claims(text, facts, env_loaded=env_loaded, workflows=flows, root=config.root),
        "misleading": misleading_claims(text, facts, root=config.root),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch", type=Path, default=SCRATCH)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--probe", action="store_true", help="run the current facts probe in each copy")
    parser.add_argument("--show", help="print the rendered docs of this project")
    parser.add_argument(
        "--as-written", action="store_true", help="check the docs files as they are (an earlier devkit's)"
    )
    parser.add_argument("--only", action="append", default=[], help="only projects whose name contains this")
    args = parser.parse_args()
    projects = sorted(p.parent.parent for p in args.scratch.glob("*/.devkit/facts.json"))
    projects = [p for p in projects if not args.only or any(o in p.name for o in args.only)]
    rows, failures = [], 0
    for source in projects:
        dest = copy_project(source, args.work / source.name)
        try:
            result = check(dest, args.probe, args.as_written)
        except Exception as exc:  # one project's failure is a row of the table, not the end of the run
            rows.append((source.name, "error", f"{type(exc).__name__}: {exc}", []))
            failures += 1
            continue
        if args.show and args.show in source.name:
            print(result["text"])
        rows.append((source.name, len(result["false"]), result["false"], result["misleading"]))
        failures += bool(result["false"])
    print(f"\n{'project':<55} {'false':>5} {'misleading':>10}")
    for name, false, _, misleading in rows:
        print(f"{name:<55} {false!s:>5} {len(misleading):>10}")
    for name, _, false, misleading in rows:
        for line in false if isinstance(false, list) else [false]:
            print(f"FALSE      {name}: {line}")
        for line in misleading:
            print(f"MISLEADING {name}: {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
