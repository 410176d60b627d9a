"""Pending-migration arithmetic, including squashed migrations (pure functions; no mocks needed)."""

from __future__ import annotations

from pathlib import Path

from devkit.tenants.migrations import MigrationFile, _replaces, missing


def test_plain_migrations() -> None:
    files = [MigrationFile("shop", "0001_initial"), MigrationFile("shop", "0002_price")]
    assert missing(files, {("shop", "0001_initial")}) == ["shop.0002_price"]
    assert missing(files, {("shop", "0001_initial"), ("shop", "0002_price")}) == []


def test_squashed_counts_when_all_replaced_are_applied() -> None:
    squash = MigrationFile("shop", "0001_squashed_0002", (("shop", "0001_initial"), ("shop", "0002_price")))
    files = [MigrationFile("shop", "0001_initial"), MigrationFile("shop", "0002_price"), squash]
    assert missing(files, {("shop", "0001_initial"), ("shop", "0002_price")}) == []
    assert missing(files, {("shop", "0001_squashed_0002")}) == []
    assert missing(files, {("shop", "0001_initial")}) == ["shop.0002_price"]
    assert missing(files, set()) == ["shop.0001_squashed_0002"]


def test_replaces_read_from_source(tmp_path: Path) -> None:
    path = tmp_path / "0001_squashed.py"
    path.write_text("class Migration:\n    replaces = [('shop', '0001_initial'), ('shop', '0002_x')]\n")
    assert _replaces(path) == (("shop", "0001_initial"), ("shop", "0002_x"))
