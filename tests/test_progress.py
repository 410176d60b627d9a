"""What `devkit up` prints while its steps run, without a terminal: the plain rendering, byte for byte.

The steps are tiny real Step objects (as in test_pipeline.py); the only stand-in is the clock
(time.monotonic in the runner and the report), so that the seconds in the lines are fixed.
The terminal (live) rendering is tested on a pseudo-terminal in test_up_progress.py.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest

from devkit.commands import up
from devkit.config import loading
from devkit.context import Context
from devkit.core.errors import StepFailed
from devkit.core.ui import UI
from devkit.pipeline import Done, Selection


class Step:
    def __init__(self, name: str, needs: tuple[str, ...] = (), fail: bool = False) -> None:
        self.name, self.needs, self.fail = name, needs, fail

    def inputs(self, ctx: Context) -> dict[str, str]:
        return {"the value": "v1"}

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        return None

    def run(self, ctx: Context) -> Done:
        ctx.progress("half way")  # plain output shows activity only with -v
        if self.fail:
            raise StepFailed(f"{self.name} broke", hint="fix it")
        ctx.notes.append(f"{self.name} left a note")
        return Done(f"{self.name} done")

    def verify(self, ctx: Context) -> None:
        return None


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Context:
    """A project's context; each run() gets a fresh one on the same state, as each `devkit up`."""
    monkeypatch.setattr(up.time, "monotonic", lambda: 100.0)  # the clock stands still
    (tmp_path / "devkit.toml").write_text("")
    return Context.create(loading.load(tmp_path))


def run(ctx: Context, steps: list[Step], selection: Selection, **ui: Any) -> dict[str, Any]:
    ctx = Context.create(ctx.config)
    face = UI(**ui)
    started = up.time.monotonic()
    results = up.run_pipeline(ctx, face, steps, selection)
    return up.report(ctx, face, results, started)


def chain() -> list[Step]:
    """Each needs the one before: the order of the lines is fixed."""
    return [
        Step("database"),
        Step("deps", ("database",)),
        Step("tenants", ("deps",)),
        Step("docs", ("tenants",)),
    ]


def test_plain_lines_each_step_once_at_start_and_end_no_table(ctx: Context, capsys: Any) -> None:
    first = chain()
    run(ctx, first, Selection())
    capsys.readouterr()
    run(ctx, chain(), Selection(force=["deps"], skip=["docs"]))
    assert capsys.readouterr().out == (
        "○ docs         left-out   0.00s  skipped by --skip\n"
        "✓ database     skipped    0.00s  up to date\n"
        "→ deps: forced (--force)\n"
        "note: deps left a note\n"
        "✓ deps         ran        0.00s  deps done\n"
        "✓ tenants      skipped    0.00s  up to date\n"
        "\n"
        "ready except: docs (skipped by --skip) in 0.00s\n"
    )


def test_plain_failure_lines_and_the_last_line(ctx: Context, capsys: Any) -> None:
    steps = [Step("database"), Step("deps", ("database",), fail=True), Step("tenants", ("deps",))]
    payload = run(ctx, steps, Selection(only=["tenants"]))
    assert capsys.readouterr().out == (
        "→ database: first run\n"
        "note: database left a note\n"
        "✓ database     ran        0.00s  database done\n"
        "→ deps: first run\n"
        "✗ deps         failed     0.00s  deps broke\n"
        "- tenants      not-run    0.00s  not run: deps failed\n"
        "\n"
        "✗ deps failed\n"
        "✗ deps broke\n"
        "hint: fix it\n"
        "\n"
        "not ready: deps, tenants did not complete (0.00s)\n"
    )
    assert [s["status"] for s in payload["steps"]] == ["ran", "failed", "not-run"]


def test_quiet_prints_only_the_last_line_and_errors(ctx: Context, capsys: Any) -> None:
    run(ctx, chain(), Selection(), quiet=True)
    assert capsys.readouterr().out == "ready in 0.00s\n"
    steps = [Step("database"), Step("deps", ("database",), fail=True)]
    run(ctx, steps, Selection(force=["*"]), quiet=True)
    assert capsys.readouterr().out == (
        "\n✗ deps failed\n✗ deps broke\nhint: fix it\nnot ready: deps did not complete (0.00s)\n"
    )


def test_json_lists_the_steps_left_out(ctx: Context, capsys: Any) -> None:
    payload = run(ctx, chain(), Selection(only=["deps"], skip=["database"]), json_mode=True)
    assert payload["left_out"] == [
        {"name": "database", "reason": "skipped by --skip"},
        {"name": "tenants", "reason": "not selected by --only"},
        {"name": "docs", "reason": "not selected by --only"},
    ]
    assert {s["name"]: s["status"] for s in payload["steps"]} == {
        "database": "left-out",
        "deps": "ran",
        "tenants": "left-out",
        "docs": "left-out",
    }
    assert capsys.readouterr().out == ""  # stdout belongs to the JSON envelope (emitted by the CLI)


def test_verbose_plain_output_shows_what_a_step_is_doing(ctx: Context, capsys: Any) -> None:
    run(ctx, [Step("database")], Selection(), verbose=1)
    assert "  database: half way\n" in capsys.readouterr().out


# -- the live view, rendered into a terminal emulator (pyte) ----------------------------------


def terminal_ui(buffer: io.StringIO) -> UI:
    """A UI whose console is an 80x24 colour terminal writing into `buffer`."""
    from rich.console import Console

    face = UI()
    face.console = Console(file=buffer, force_terminal=True, width=80, height=24, highlight=False)
    return face


def screen(raw: str) -> list[str]:
    import pyte

    term = pyte.Screen(80, 24)
    pyte.Stream(term).feed(raw.replace("\n", "\r\n"))  # a tty's onlcr, which a StringIO lacks
    return [line.rstrip() for line in term.display if line.strip()]


def test_live_lines_then_the_table_once_with_notes_above(tmp_path: Path) -> None:
    from devkit.pipeline import Result, Status
    from devkit.progress import LiveView

    buffer = io.StringIO()
    face = terminal_ui(buffer)
    view = LiveView(face, ["database", "deps"])
    view.checking("database")
    view.started("database", "first run")
    view.activity("database", "waiting for the database: starting up")
    time.sleep(0.3)  # a few refreshes of the live region
    during = screen(buffer.getvalue())
    view.above("note: the cluster lives in /tmp/elsewhere")
    first = Result("database", Status.RAN, 1.5, "native on 127.0.0.1:5432")
    view.done(first)
    second = Result("deps", Status.LEFT_OUT, 0.0, "skipped by --skip")
    view.done(second)
    time.sleep(0.3)
    view.close([first, second])
    assert during[0].endswith("database: starting up") and during[0].split()[1] == "database"
    assert during[1].split() == ["·", "deps", "waiting"]
    assert screen(buffer.getvalue()) == [
        "note: the cluster lives in /tmp/elsewhere",
        "step      status      seconds  detail",
        "database  ✓ ran       1.50     native on 127.0.0.1:5432",
        "deps      ○ left-out  0.00     skipped by --skip",
    ]


def test_a_long_detail_is_cut_at_a_word_boundary_never_inside_an_option() -> None:
    from devkit.core.ui import clip_words

    detail = "ran manage.py setup_public_tenant --domain localhost --owner-email admin@example.com"
    cut = clip_words(detail, 50)
    assert cut == "ran manage.py setup_public_tenant --domain…"
    assert len(cut) <= 50
    assert clip_words(detail, 200) == detail
    assert clip_words("a-single-very-long-word-without-spaces", 10) == "a-single-…"
