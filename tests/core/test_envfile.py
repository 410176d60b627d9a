"""The env file: devkit's block is replaced byte-exactly; a damaged block never costs a user line."""

from pathlib import Path

from devkit.core import envfile

VALUES = {"DATABASE_URL": "postgresql://app:pw@127.0.0.1:5432/app", "DB_NAME": "app"}
NEWER = {"DATABASE_URL": "postgresql://app:pw@127.0.0.1:5433/app", "DB_NAME": "app"}


def _write(path: Path, values: dict[str, str]) -> list[str]:
    warnings: list[str] = []
    envfile.write(path, values, warn=warnings.append)
    return warnings


def test_every_byte_outside_the_block_is_kept(tmp_path: Path) -> None:
    """`up --force` removed the blank line after the block: no byte outside it may change."""
    env = tmp_path / ".env"
    before, after = "# mine\nSECRET_KEY=x\n\n", "\n\nDEBUG=1\n   \nLAST=no-newline"
    env.write_text(before + envfile.render(VALUES) + after)
    assert _write(env, NEWER) == []
    assert env.read_text() == before + envfile.render(NEWER) + after
    assert _write(env, NEWER) == []  # unchanged on a second run
    assert env.read_text() == before + envfile.render(NEWER) + after


def test_deleted_end_marker_never_deletes_the_users_next_line(tmp_path: Path) -> None:
    """The END marker deleted by hand: the next-but-one run deleted the user's following line."""
    env = tmp_path / ".env"
    env.write_text("A=1\n" + envfile.render(VALUES) + "USER_LINE=keep me\n")
    env.write_text(env.read_text().replace(envfile.END + "\n", ""))
    user_lines = ["A=1", "USER_LINE=keep me"]
    warnings = _write(env, NEWER)
    assert len(warnings) == 1 and "no END marker" in warnings[0]
    for run in range(3):  # the next runs, and the next-but-one
        text = env.read_text()
        assert all(line in text.splitlines() for line in user_lines), (run, text)
        assert text.count(envfile.BEGIN) == 1 and text.count(envfile.END) == 1
        assert text.endswith(envfile.render(NEWER))
        assert _write(env, NEWER) == []
    assert "DATABASE_URL=" in text.split(envfile.BEGIN)[0]  # the damaged block's lines are kept too


def test_deleted_begin_marker_does_not_append_a_block_per_run(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(envfile.render(VALUES).replace(envfile.BEGIN + "\n", "") + "MINE=1\n")
    assert len(_write(env, VALUES)) == 1
    first = env.read_text()
    assert _write(env, VALUES) == [] and env.read_text() == first
    assert first.count(envfile.BEGIN) == 1 and "MINE=1\n" in first


def test_block_appended_to_a_file_without_final_newline(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("A=1")
    _write(env, VALUES)
    assert env.read_text() == "A=1\n\n" + envfile.render(VALUES)
    assert env.stat().st_mode & 0o777 == 0o600
