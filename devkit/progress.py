"""How `devkit up` shows its steps while they run: live lines, plain lines, or nothing (-q).

live  (a terminal, no CI/NO_COLOR/--json): one rich Live line per step with a spinner, the
      elapsed seconds and what it does now; at the end the region is replaced by the final
      table, printed once. Anything printed meanwhile (warnings, notes) lands above it.
plain (not a terminal, CI, NO_COLOR): each step once when it starts and once when it ends,
      no cursor movement, no table.
json  (--json): the same events as JSON lines on stderr, with the activity (JsonView).
quiet (-q): nothing here; the command prints its last line (and errors).

The runner calls these from its worker threads; the views keep their own lock.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from devkit.core.masking import mask
from devkit.pipeline import Result, Selection, run_steps

if TYPE_CHECKING:
    from devkit.context import Context
    from devkit.core.ui import UI

NAME_WIDTH = 12
REFRESH_PER_SECOND = 8


class StepView(Protocol):
    def checking(self, name: str) -> None: ...
    def started(self, name: str, reason: str) -> None: ...
    def activity(self, name: str, text: str) -> None: ...
    def done(self, result: Result) -> None: ...
    def above(self, text: str) -> None:
        """A line (a note) shown above the steps as it happens."""

    def close(self, results: list[Result]) -> None:
        """The run is over: leave the final picture (the table, for the live view)."""


def plain_line(result: Result) -> str:
    """The one line a step gets when it ends, in plain output (also the sample in the docs)."""
    from rich.markup import escape  # a detail such as "[project] dependencies" is text, not markup

    from devkit.core.ui import SYMBOLS

    status = result.status.value
    return (
        f"{SYMBOLS[status]} {result.name:<{NAME_WIDTH}} {status:<8} {result.seconds:6.2f}s  "
        f"{escape(result.detail)}"
    )


@dataclass
class PlainView:
    ui: UI

    def checking(self, name: str) -> None:
        return None

    def started(self, name: str, reason: str) -> None:
        from rich.markup import escape

        self.ui.print(f"[cyan]→[/] {name}: {escape(reason)}")

    def activity(self, name: str, text: str) -> None:
        self.ui.detail(f"  {name}: {text}")  # only with -v: plain output stays one line per event

    def done(self, result: Result) -> None:
        self.ui.print(plain_line(result))

    def above(self, text: str) -> None:
        self.ui.print(text)

    def close(self, results: list[Result]) -> None:
        return None


@dataclass
class JsonView:
    """--json: stdout is the one envelope at the end; stderr gets the run as it happens, one JSON
    object per line (`event`: step-checking, step-started, activity, step-done, note). Activity
    is sent when its text changes, at most ACTIVITY_PER_SECOND a step unless its count moved
    (`tenant7 (7/50)`: every count is sent), and the last one held back before the step ends."""

    ACTIVITY_PER_SECOND = 4

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _last: dict[str, tuple[float, str]] = field(default_factory=dict)
    _held: dict[str, str] = field(default_factory=dict)

    def _emit(self, event: dict[str, Any]) -> None:
        import json
        import sys

        line = mask(json.dumps(event, ensure_ascii=False))
        with self._lock:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    def checking(self, name: str) -> None:
        self._emit({"event": "step-checking", "step": name})

    def started(self, name: str, reason: str) -> None:
        self._emit({"event": "step-started", "step": name, "reason": reason})

    def activity(self, name: str, text: str) -> None:
        import re

        now = time.monotonic()
        with self._lock:
            at, said = self._last.get(name, (0.0, ""))
            counter = re.findall(r"\(\d+/\d+\)", text)  # "(7/50)": every count is sent
            moved = counter != re.findall(r"\(\d+/\d+\)", said)
            if text == said or (now - at < 1 / self.ACTIVITY_PER_SECOND and not moved):
                if text != said:
                    self._held[name] = text  # sent before the step's end if nothing newer comes
                return
            self._last[name] = (now, text)
            self._held.pop(name, None)
        self._emit({"event": "activity", "step": name, "text": text})

    def done(self, result: Result) -> None:
        held = self._held.pop(result.name, None)
        if held is not None:
            self._emit({"event": "activity", "step": result.name, "text": held})
        outcome = {k: v for k, v in result.to_json().items() if k != "name"}
        self._emit({"event": "step-done", "step": result.name, **outcome})

    def above(self, text: str) -> None:
        from rich.text import Text

        self._emit({"event": "note", "text": Text.from_markup(text).plain})

    def close(self, results: list[Result]) -> None:
        return None


class QuietView:
    def checking(self, name: str) -> None:
        return None

    def started(self, name: str, reason: str) -> None:
        return None

    def activity(self, name: str, text: str) -> None:
        return None

    def done(self, result: Result) -> None:
        return None

    def above(self, text: str) -> None:
        return None

    def close(self, results: list[Result]) -> None:
        return None


@dataclass
class _Row:
    name: str
    state: str = "waiting"  # waiting | checking | running | done
    since: float = 0.0
    text: str = ""
    result: Result | None = None
    spinner: Any = None


@dataclass
class LiveView:
    """One live line per step; the steps are known up front so the region never changes height."""

    ui: UI
    names: list[str]
    rows: dict[str, _Row] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _live: Any = None

    def __post_init__(self) -> None:
        from rich.live import Live

        self.rows = {n: _Row(n) for n in self.names}
        self._live = Live(
            console=self.ui.console,
            get_renderable=self._render,
            refresh_per_second=REFRESH_PER_SECOND,
            transient=True,  # the final table replaces the region (close)
            redirect_stdout=True,
            redirect_stderr=True,
        )
        self._live.start()

    def checking(self, name: str) -> None:
        self._set(name, state="checking", text="checking whether it is up to date", since=time.monotonic())

    def started(self, name: str, reason: str) -> None:
        self._set(name, state="running", text=reason)

    def activity(self, name: str, text: str) -> None:
        self._set(name, text=text)

    def done(self, result: Result) -> None:
        self._set(result.name, state="done", result=result)

    def above(self, text: str) -> None:
        self.ui.print(text)  # the console prints above an active Live region

    def close(self, results: list[Result]) -> None:
        self._live.stop()
        self.ui.summary(results)

    def _set(self, name: str, **values: Any) -> None:
        with self._lock:
            row = self.rows.setdefault(name, _Row(name))
            for key, value in values.items():
                setattr(row, key, value)

    def _render(self) -> Any:
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        from devkit.core.ui import SYMBOLS

        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=1, no_wrap=True)
        grid.add_column(width=NAME_WIDTH, no_wrap=True)
        grid.add_column(width=7, justify="right", no_wrap=True)
        grid.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        now = time.monotonic()
        # The activity is cut to what is left of the line: a long detail must never squeeze
        # the name and time columns (rich would shorten them to "tenan…").
        room = max(10, self.ui.console.width - NAME_WIDTH - 1 - 7 - 3)

        def fit(text: Text) -> Text:
            text.truncate(room, overflow="ellipsis")
            return text

        with self._lock:
            rows = list(self.rows.values())
        for row in rows:
            if row.state == "waiting":
                grid.add_row(Text("·", style="dim"), row.name, "", Text("waiting", style="dim"))
                continue
            if row.state == "done" and row.result is not None:
                r = row.result
                mark = Text.from_markup(SYMBOLS[r.status.value])
                what = fit(Text(f"{r.status.value}  {mask(r.detail)}"))
                grid.add_row(mark, row.name, f"{r.seconds:.1f}s", what)
                continue
            if row.spinner is None:
                row.spinner = Spinner("dots", style="cyan")
            grid.add_row(row.spinner, row.name, f"{now - row.since:.1f}s", fit(Text(mask(row.text))))
        return grid


def view_for(ui: UI, names: list[str]) -> StepView:
    """The view this UI's mode calls for (see the module docstring)."""
    mode = ui.progress_mode()
    if mode == "quiet":
        return QuietView()
    if mode == "live":
        return LiveView(ui, names)
    if ui.json_mode:
        return JsonView()
    return PlainView(ui)


def run_pipeline(ctx: Context, ui: UI, steps: list[Any], selection: Selection) -> list[Result]:
    """Run the steps under the project lock, shown on the console the way `ui` asks."""
    return run_steps(
        ctx,
        steps,
        selection,
        make_view=lambda names: view_for(ui, names),
        on_wait=lambda pid: ui.warn(f"waiting for another devkit (pid {pid})"),
    )
