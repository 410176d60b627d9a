"""The runner: order, concurrency, failure propagation, records written only on success, the lock.

The steps here are tiny real objects implementing the Step protocol (nothing external to mock).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devkit.config import loading
from devkit.context import Context
from devkit.core.errors import LockHeld, StepFailed, UsageError
from devkit.core.state import project_lock
from devkit.pipeline import Done, Runner, Selection, Status


@dataclass
class Recorder:
    name: str
    needs: tuple[str, ...] = ()
    value: str = "v1"
    fail: bool = False
    broken_outcome: bool = False
    delay: float = 0.0
    calls: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)

    def inputs(self, ctx: Context) -> dict[str, str]:
        return {"the value": self.value}

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        return None

    def run(self, ctx: Context) -> Done:
        self.calls.append("run")
        self.active.append(self.name)
        time.sleep(self.delay)
        if self.fail:
            raise StepFailed(f"{self.name} broke", hint="fix it")
        return Done(f"{self.name} done")

    def verify(self, ctx: Context) -> None:
        if self.broken_outcome:
            raise StepFailed(f"{self.name}: outcome missing")


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    (tmp_path / "devkit.toml").write_text("")
    return Context.create(loading.load(tmp_path))


def test_runs_in_dependency_order_and_skips_when_fresh(ctx: Context) -> None:
    order: list[str] = []
    a = Recorder("a", active=order)
    b = Recorder("b", needs=("a",), active=order)
    first = Runner([b, a]).run(ctx, Selection())
    assert order == ["a", "b"]
    assert [r.status for r in first] == [Status.RAN, Status.RAN]
    second = Runner([a, b]).run(ctx, Selection())
    assert [r.status for r in second] == [Status.SKIPPED, Status.SKIPPED]
    a.value = "v2"
    third = Runner([a, b]).run(ctx, Selection())
    assert [r.status for r in third] == [Status.RAN, Status.SKIPPED]


@dataclass
class Changer(Recorder):
    """A later step that changes an input of an earlier one (as the env step maps DATABASES onto
    [database.env], which the database step writes into the env file)."""

    changes: Recorder | None = None

    def run(self, ctx: Context) -> Done:
        if self.changes is not None and self.changes.value == "v1":
            self.changes.value = "v2"
        return super().run(ctx)


def test_a_step_whose_inputs_a_later_step_changed_runs_again_in_the_same_run(ctx: Context) -> None:
    reasons: list[tuple[str, str]] = []
    a = Recorder("a")
    b = Changer("b", needs=("a",), changes=a)
    first = Runner([a, b], on_start=lambda n, r: reasons.append((n, r))).run(ctx, Selection())
    assert [r.status for r in first] == [Status.RAN, Status.RAN]
    assert a.calls == ["run", "run"] and b.calls == ["run"]
    assert reasons[-1] == ("a", "again: the value changed by another step of this run")
    second = Runner([a, b]).run(ctx, Selection())
    assert [r.status for r in second] == [Status.SKIPPED, Status.SKIPPED]  # nothing is "changed" now


def test_a_fresh_step_whose_inputs_a_later_step_changed_runs_at_the_end_of_the_run(ctx: Context) -> None:
    """Met outside the corpus: a run skipped the database (fresh), then the env step mapped
    DATABASES onto [database.env]; the next `up` re-ran the database for a change nobody made."""
    a = Recorder("a")
    b = Changer("b", needs=("a",))
    Runner([a, b]).run(ctx, Selection())  # both ran; nothing changed a
    b.changes, b.value = a, "v2"  # b has something to do now, and it changes a's input
    second = Runner([a, b]).run(ctx, Selection())
    assert a.calls == ["run", "run"]  # skipped as fresh, then run again at the end of the run
    assert [r.status for r in second] == [Status.RAN, Status.RAN]
    third = Runner([a, b]).run(ctx, Selection())
    assert [r.status for r in third] == [Status.SKIPPED, Status.SKIPPED]


def test_a_step_runs_again_only_when_what_it_needs_did_not_fail(ctx: Context) -> None:
    a = Recorder("a")
    b = Changer("b", needs=("a",), changes=a, fail=True)
    first = Runner([a, b]).run(ctx, Selection())
    assert [r.status for r in first] == [Status.RAN, Status.FAILED]
    assert a.calls == ["run", "run"]  # its own inputs changed; b's failure is b's own result


def test_a_rerun_names_the_input_that_changed(ctx: Context) -> None:
    reasons: dict[str, str] = {}
    a = Recorder("a")
    Runner([a]).run(ctx, Selection())
    a.value = "v2"
    Runner([a], on_start=lambda name, reason: reasons.update({name: reason})).run(ctx, Selection())
    assert reasons == {"a": "changed: the value"}


def test_changed_inputs_are_named_new_gone_and_counted() -> None:
    from devkit.core import inputs

    before = inputs.short({"settings.py": "1", "$FOO": "s3cret-value", "old.txt": "y"})
    now = {"settings.py": "2", "$FOO": "s3cret-value", "new.txt": "z"}
    assert inputs.changed(before, now) == ["settings.py", "new.txt (new)", "old.txt (gone)"]
    labels = [f"f{n}.py" for n in range(7)]
    assert inputs.describe(labels) == "f0.py, f1.py, f2.py and 4 more"
    assert inputs.describe(labels[:4]) == "f0.py, f1.py, f2.py, f3.py"
    assert "s3cret" not in json.dumps(before)  # digests only: a variable may hold a secret


def test_independent_steps_run_concurrently(ctx: Context) -> None:
    steps = [Recorder(n, delay=0.3) for n in ("x", "y", "z")]
    started = time.monotonic()
    Runner(steps).run(ctx, Selection())
    assert time.monotonic() - started < 0.8  # sequential would be 0.9 s


def test_failure_stops_dependents_and_records_nothing(ctx: Context) -> None:
    a = Recorder("a", fail=True)
    b = Recorder("b", needs=("a",))
    results = {r.name: r for r in Runner([a, b]).run(ctx, Selection())}
    assert results["a"].status is Status.FAILED and results["a"].error is not None
    assert results["b"].status is Status.NOT_RUN and "a failed" in results["b"].detail
    assert b.calls == []
    assert ctx.state.step("a") == {}


def test_failed_verification_is_a_failure(ctx: Context) -> None:
    step = Recorder("a", broken_outcome=True)
    [result] = Runner([step]).run(ctx, Selection())
    assert result.status is Status.FAILED and "outcome missing" in result.detail
    assert ctx.state.step("a") == {}


def test_only_brings_needs_skip_and_force(ctx: Context) -> None:
    a, b, c = Recorder("a"), Recorder("b", needs=("a",)), Recorder("c")
    only = {r.name: (r.status, r.detail) for r in Runner([a, b, c]).run(ctx, Selection(only=["b"]))}
    assert only["c"] == (Status.LEFT_OUT, "not selected by --only") and c.calls == []
    assert only["a"][0] is only["b"][0] is Status.RAN
    skipped = {r.name: r for r in Runner([a, b, c]).run(ctx, Selection(skip=["c"]))}
    # Its own status (issue 11, defect 11): not the "skipped" of an up-to-date step.
    assert skipped["c"].status is Status.LEFT_OUT and c.calls == []
    assert skipped["c"].detail == "skipped by --skip"
    forced = {r.name: r.status for r in Runner([a, b, c]).run(ctx, Selection(force=["a"]))}
    assert forced == {"a": Status.RAN, "b": Status.SKIPPED, "c": Status.RAN}
    everything = Runner([a, b, c]).run(ctx, Selection(force=["*"]))
    assert all(r.status is Status.RAN for r in everything)


def test_unknown_step_name_is_a_usage_error(ctx: Context) -> None:
    with pytest.raises(UsageError) as info:
        Runner([Recorder("a")]).run(ctx, Selection(only=["nope"]))
    assert "steps are: a" in (info.value.hint or "")


def test_state_is_written_atomically_from_threads(ctx: Context) -> None:
    steps = [Recorder(f"s{i}") for i in range(8)]
    Runner(steps).run(ctx, Selection())
    assert sorted(ctx.state.reload() or ctx.state.data["steps"]) == sorted(s.name for s in steps)


def test_lock_held_by_another_process(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from devkit.core.state import project_lock\n"
            "with project_lock(Path(sys.argv[1]), 5):\n    print('held', flush=True); time.sleep(30)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        waited: list[str] = []
        with pytest.raises(LockHeld) as info, project_lock(tmp_path, 0.3, on_wait=waited.append):
            pass
        assert f"pid {holder.pid}" in info.value.message
        assert waited == [str(holder.pid)]
    finally:
        holder.kill()
        holder.wait()
    with project_lock(tmp_path, 1):  # released when the holder died
        pass


def test_lock_serialises_threads(tmp_path: Path) -> None:
    inside: list[int] = []
    overlap: list[bool] = []

    def work() -> None:
        with project_lock(tmp_path, 5):
            inside.append(1)
            overlap.append(len(inside) > 1)
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlap == [False, False]


def test_a_step_whose_need_is_left_out_still_waits_for_that_need_s_needs(ctx: Context) -> None:
    order: list[str] = []

    @dataclass
    class Logged(Recorder):
        def run(self, ctx: Context) -> Done:
            done = super().run(ctx)
            order.append(self.name)
            return done

    steps = [Logged("db", delay=0.2), Logged("tenants", needs=("db",)), Logged("docs", needs=("tenants",))]
    results = {r.name: r.status for r in Runner(steps).run(ctx, Selection(skip=["tenants"]))}
    assert results == {"db": Status.RAN, "tenants": Status.LEFT_OUT, "docs": Status.RAN}
    assert order == ["db", "docs"]
