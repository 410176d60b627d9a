"""Masking (issue 11 defect 8): a corpus of real lines, and which secrets are weak."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.core import masking

CORPUS = Path(__file__).parents[1] / "fixtures" / "masking" / "corpus.txt"


def _cases() -> tuple[list[str], list[tuple[str, str]]]:
    secrets: list[str] = []
    cases: list[tuple[str, str]] = []
    pending: str | None = None
    for line in CORPUS.read_text().splitlines():
        if line.startswith("secrets:"):
            secrets += line.split(":", 1)[1].split()
        elif line.startswith("= "):
            cases.append((line[2:], line[2:]))
        elif line.startswith("< "):
            pending = line[2:]
        elif line.startswith("> "):
            assert pending is not None, line
            cases.append((pending, line[2:]))
            pending = None
    assert pending is None
    return secrets, cases


SECRETS, CASES = _cases()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert sum(1 for given, want in CASES if given == want) >= 20  # most real lines hold no secret


@pytest.mark.parametrize(("given", "want"), CASES, ids=[given[:60] for given, _ in CASES])
def test_corpus_line(given: str, want: str) -> None:
    for secret in SECRETS:
        masking.register(secret)
    assert masking.mask(given) == want


def test_corpus_as_one_text() -> None:
    """Logs are masked as whole texts, not line by line: the result must be the same."""
    for secret in SECRETS:
        masking.register(secret)
    assert masking.mask("\n".join(g for g, _ in CASES)) == "\n".join(w for _, w in CASES)


@pytest.mark.parametrize(
    ("secret", "weak"),
    [
        ("postgres", True),
        ("Postgres123", True),
        ("hunter2", True),
        ("correcthorse", True),  # letters only: a word to a dictionary attack
        ("s3cr3tT0k3n", True),  # 11 characters
        ("s3cr3tT0ken-9fQx", False),
        ("Zm9vYmFyYmF6cXV4LWRldmtpdA", False),
        ("qWErtZuiOPasdFGhjKLyxcVB", False),  # a generated token can be letters only: mixed case
    ],
)
def test_is_weak(secret: str, weak: bool) -> None:
    assert masking.is_weak(secret) is weak


def test_doctor_with_the_password_postgres_masks_only_the_value(example: Path) -> None:
    """The real run of the issue: with DATABASE_URL's password `postgres`, doctor printed
    `**** (PostgreSQL) 15.18 … in /usr/lib/****ql/15/bin`. Port 1: nothing needs to answer."""
    from tests.support.project import devkit, pin_provider

    pin_provider(example, "external")
    url = "postgresql://app:postgres@127.0.0.1:1/app"
    ran = devkit("doctor", "system", "database", "-v", project=example, env={"DATABASE_URL": url})
    assert "postgresql://app:****@127.0.0.1:1/app" in ran.text
    assert "postgres (PostgreSQL) 15" in ran.text and "/usr/lib/postgresql/15/bin" in ran.text, ran.text
    assert "****ql" not in ran.text and "**** (PostgreSQL)" not in ran.text
