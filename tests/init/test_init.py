"""`devkit init`: the real CLI, with and without a person at a terminal (pexpect drives a pty)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pexpect
import pytest
import yaml

from devkit.config import loading, toml_text
from devkit.core import jsonc
from tests.support.project import REPO, devkit, pin_provider

EXAMPLE_ENV = {
    "DB_NAME": "{name}",
    "DB_USER": "{user}",
    "DB_PASSWORD": "{password}",
    "DB_HOST": "{host}",
    "DB_PORT": "{port}",
}  # no DATABASE_URL: the example's settings never read it (issue 11 defect 13)
DOWN, ENTER, KILL_LINE = "\x1b[B", "\r", "\x15"


@pytest.fixture
def fresh(example: Path) -> Path:
    """The example project before anyone ran devkit init in it."""
    (example / "devkit.toml").unlink()
    return example


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)  # CI=true would mean "never prompt"


def spawn_init(project: Path, *args: str) -> pexpect.spawn:
    """The real `devkit init` on a pseudo-terminal, as a person would run it."""
    env = {**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    env.pop("CI", None)
    return pexpect.spawn(
        sys.executable,
        ["-m", "devkit", "init", "--project", str(project), *args],
        cwd=str(REPO),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


# -- TOML text -------------------------------------------------------------------------------


def test_rendered_toml_round_trips_and_devkit_accepts_it(tmp_path: Path) -> None:
    values = {
        "env_file": ".env.local",
        "lock_timeout": 30.0,
        "database.provider": "native",
        "database.port": 55432,
        "tenants.super.name": 'we"ird\\name é',  # any string: a display name
        "database.env": {"PG_URL": "{url}", "X": "{host}"},
        "tenants.super.domain": "public.localhost",
        "tenants.create_guest": "builtin",
    }
    text = toml_text.render(values, "", list(loading.effective(loading.load(tmp_path))))
    assert toml_text.flatten(tomllib.loads(text)) == values
    assert text == toml_text.render(
        dict(reversed(values.items())), "", list(loading.effective(loading.load(tmp_path)))
    )
    (tmp_path / "devkit.toml").write_text(text)
    cfg = loading.load(tmp_path)
    assert cfg.database.port == 55432 and cfg.database.env["PG_URL"] == "{url}"
    assert cfg.tenants.super.domain == "public.localhost"


def test_adding_keys_keeps_comments_and_layout() -> None:
    before = '# mine\nenv_file = ".env"  # why\n\n[database]\nuser = "u"  # keep\n\n[tenants]\n'
    after = toml_text.add_keys(
        before, {"database.port": 5433, "manage_py": "m.py", "tenants.guest.name": "G"}
    )
    assert after is not None
    assert toml_text.flatten(tomllib.loads(after)) == {
        "env_file": ".env",
        "manage_py": "m.py",
        "database.user": "u",
        "database.port": 5433,
        "tenants.guest.name": "G",
    }
    assert after.startswith('# mine\nenv_file = ".env"  # why\nmanage_py = "m.py"\n')
    assert 'user = "u"  # keep\nport = 5433' in after


def test_adding_a_key_already_there_takes_the_new_value_in_place() -> None:
    """The env step writes [database.env] whole (its keys plus the new ones): a key already in the
    file is replaced where it is, not refused as a duplicate (which read as 'cannot be edited')."""
    before = '[database.env]\nDB_HOST = "{host}"  # mine\n\n[tenants]\nsuperuser = "a"\n\n[node]\ndir = ""\n'
    after = toml_text.add_keys(before, {"database.env": {"DB_HOST": "{host}", "PGPORT": "{port}"}})
    assert after is not None
    assert tomllib.loads(after)["database"]["env"] == {"DB_HOST": "{host}", "PGPORT": "{port}"}
    assert after.endswith('[tenants]\nsuperuser = "a"\n\n[node]\ndir = ""\n')


def test_edits_keep_dotted_keys_inline_tables_and_the_rest_of_pyproject() -> None:
    """tomlkit round trip (issue 11 defect 15): layouts the hand-written editor had to rewrite."""
    dotted = '# top\ndatabase.user = "u"  # dotted\n'
    after = toml_text.add_keys(dotted, {"database.port": 5433})
    assert after is not None and after.startswith(dotted)
    assert tomllib.loads(after)["database"] == {"user": "u", "port": 5433}
    inline = 'database = { user = "u" }  # inline\n'
    after = toml_text.add_keys(inline, {"database.env": {"DB_HOST": "{host}"}})
    assert after is not None and "# inline" in after
    assert tomllib.loads(after)["database"] == {"user": "u", "env": {"DB_HOST": "{host}"}}
    pyproject = (
        '[project]\nname = "p"  # keep me\n\n# ruff below\n[tool.ruff]\nline-length = 99\n\n'
        '[tool.devkit.database]\nname = "n"\n'
    )
    after = toml_text.add_keys(pyproject, {"env_file": ".env", "database.user": "u"}, "tool.devkit")
    assert after is not None
    assert after.startswith(
        '[project]\nname = "p"  # keep me\n\n# ruff below\n[tool.ruff]\nline-length = 99\n'
    )
    assert tomllib.loads(after)["tool"]["devkit"] == {
        "env_file": ".env",
        "database": {"name": "n", "user": "u"},
    }
    assert toml_text.strip_tables(after, "tool.devkit") == (
        '[project]\nname = "p"  # keep me\n\n# ruff below\n[tool.ruff]\nline-length = 99\n'
    )


# -- without a person --------------------------------------------------------------------------


def test_no_input_writes_detected_defaults_and_a_rerun_is_a_noop(fresh: Path) -> None:
    ran = devkit("init", "--no-input", project=fresh, timeout=60)
    assert ran.code == 0, ran.text
    text = (fresh / "devkit.toml").read_text()
    cfg = loading.load(fresh)
    assert cfg.source == str(fresh / "devkit.toml")
    assert cfg.database.env == EXAMPLE_ENV  # read off backend/config/settings.py
    assert cfg.database.name == "tenant_demo" and cfg.database.provider == "auto"
    assert "detected manage_py = 'backend/manage.py'" in ran.out
    again = devkit("init", "--no-input", project=fresh, timeout=60)
    assert again.code == 0 and "devkit.toml is up to date" in again.out
    assert (fresh / "devkit.toml").read_text() == text


def test_no_input_on_the_example_changes_nothing(example: Path) -> None:
    pin_provider(example, "auto")  # the committed example, as it is in the repository
    before = (example / "devkit.toml").read_text()
    ran = devkit("init", "--no-input", "--json", project=example, timeout=60)
    assert ran.code == 0, ran.text
    assert '"changed": false' in ran.out and '"written": []' in ran.out
    assert (example / "devkit.toml").read_text() == before


def test_closed_stdin_never_waits_on_a_prompt(fresh: Path) -> None:
    """No --no-input flag and no CI: stdin is /dev/null, so devkit must not ask (timeout = hang)."""
    ran = devkit("init", project=fresh, timeout=30)
    assert ran.code == 0, ran.text
    assert (fresh / "devkit.toml").is_file()


def test_rerun_shows_a_diff_and_writes_only_with_yes(fresh: Path) -> None:
    path = fresh / "devkit.toml"
    path.write_text('# our settings\n[database]\nuser = "demo"  # the settings expect demo\n')
    ran = devkit("init", "--no-input", project=fresh, timeout=60)
    assert ran.code == 0, ran.text
    assert "+provider = " in ran.out and "--yes" in ran.out
    assert path.read_text().startswith("# our settings\n")
    assert "provider" not in path.read_text()
    ran = devkit("init", "--no-input", "--yes", project=fresh, timeout=60)
    assert ran.code == 0, ran.text
    text = path.read_text()
    assert text.startswith('# our settings\n[database]\nuser = "demo"  # the settings expect demo\n')
    assert loading.load(fresh).database.env == EXAMPLE_ENV
    assert loading.load(fresh).database.user == "demo"


def test_pyproject_target_keeps_the_rest_of_the_file(fresh: Path) -> None:
    pyproject = fresh / "pyproject.toml"
    original = '[project]\nname = "demo"\nversion = "1"\n\n[tool.ruff]\nline-length = 99\n'
    pyproject.write_text(original)
    ran = devkit("init", "--no-input", "--write-to", "pyproject.toml", project=fresh, timeout=60)
    assert ran.code == 0, ran.text
    assert pyproject.read_text().startswith(original)
    assert not (fresh / "devkit.toml").exists()
    cfg = loading.load(fresh)
    assert cfg.source.endswith("pyproject.toml [tool.devkit]")
    assert cfg.database.env == EXAMPLE_ENV
    assert devkit("init", "--no-input", project=fresh, timeout=60).out.count("up to date") == 1


# -- a person at a terminal ------------------------------------------------------------------


def test_interactive_first_run_asks_and_writes_the_answers(fresh: Path) -> None:
    child = spawn_init(fresh)
    child.expect("Where should the development database come from")
    child.send(DOWN + DOWN + ENTER)  # auto, docker, [native]
    child.expect("Which PostgreSQL major version")
    child.send(ENTER)
    child.expect("Which port should PostgreSQL listen on")
    child.send(KILL_LINE + "70000" + ENTER)
    child.expect("a number from 0 to 65535")  # the validator refuses, the question stays
    child.send(KILL_LINE + "55432" + ENTER)
    child.expect("How is the public \\(super\\) tenant created")
    child.send(DOWN + DOWN + ENTER)  # auto, the project's other command, [builtin]
    child.expect("tenant's name")
    child.send(KILL_LINE + "Demo Public" + ENTER)
    child.expect("tenant's domain")
    child.send(ENTER)
    child.expect("How is the guest \\(development\\) tenant created")
    child.send(ENTER)  # auto: the project's create_guest_tenant
    child.expect("AI assistant instructions")
    child.send(ENTER)
    child.expect("generate the roadmap")
    child.send(KILL_LINE + "docs/PLAN.md" + ENTER)
    child.expect("\\(new\\)")
    child.expect("Write \\(.*devkit.toml\\)\\?")
    child.send("y")
    assert finish(child) == 0, child.before
    cfg = loading.load(fresh)
    assert (cfg.database.provider, cfg.database.port) == ("native", 55432)
    assert cfg.database.image.startswith("postgres:")
    assert cfg.tenants.create_super == "builtin" and cfg.tenants.create_guest == "auto"
    assert (cfg.tenants.super.name, cfg.tenants.super.domain) == ("Demo Public", "localhost")
    assert cfg.database.env == EXAMPLE_ENV
    assert (cfg.docs.copilot_instructions, cfg.docs.roadmap) == (
        ".github/copilot-instructions.md",
        "docs/PLAN.md",
    )


def test_interactive_rerun_asks_only_what_is_missing_and_can_decline(example: Path) -> None:
    before = (example / "devkit.toml").read_text()
    child = spawn_init(example)
    child.expect("Which PostgreSQL major version")
    assert "Where should the development database" not in child.before  # provider is set
    child.send(ENTER)
    child.expect("Which port")
    child.send(KILL_LINE + "5433" + ENTER)
    child.expect("AI assistant instructions")
    child.send(ENTER)
    child.expect("generate the roadmap")
    child.send(ENTER)
    child.expect("changes:")
    child.expect("\\+port = 5433")
    child.expect("Apply these changes")
    assert "tenant created" not in child.before  # the tenant commands are configured
    child.send("n")
    child.expect("nothing written")
    assert finish(child) == 0
    assert (example / "devkit.toml").read_text() == before


def test_ctrl_c_at_a_question_exits_130_and_writes_nothing(fresh: Path) -> None:
    child = spawn_init(fresh)
    child.expect("Where should the development database come from")
    child.sendcontrol("c")
    assert finish(child) == 130
    assert not (fresh / "devkit.toml").exists()


# -- the devcontainer --------------------------------------------------------------------------


def test_devcontainer_files(example: Path) -> None:
    subprocess.run(["git", "init", "-q", str(example)], check=True)
    ran = devkit(
        "init",
        "--devcontainer",
        "--no-input",
        "--install-spec",
        "git+https://example.com/devkit.git@main#egg=devkit",
        project=example,
        timeout=60,
    )
    assert ran.code == 0, ran.text
    folder = example / ".devcontainer"
    data = jsonc.loads((folder / "devcontainer.json").read_text())
    assert data["postCreateCommand"].endswith("devkit up --no-input")
    assert data["postCreateCommand"].startswith(
        "uv tool install 'git+https://example.com/devkit.git@main#egg=devkit' && "
    )
    assert data["dockerComposeFile"] == "docker-compose.yml" and data["service"] == "app"
    assert data["containerEnv"] == {
        "DEVKIT_DATABASE_PROVIDER": "external",  # the compose db, whatever the project pins
        "DB_HOST": "db",
        "DB_PORT": "5432",
        "DB_NAME": "tenant_demo",
        "DB_USER": "demo",
    }
    assert "features" not in data  # no feature registry: Node comes from the Dockerfile
    dockerfile = (folder / "Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-bookworm" in dockerfile
    assert "ARG NODE_IMAGE=node:20-bookworm-slim" in dockerfile and "COPY --from=node" in dockerfile
    assert "pip install --no-cache-dir 'uv==" in dockerfile
    compose = yaml.safe_load((folder / "docker-compose.yml").read_text())
    assert compose["services"]["app"]["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    db = compose["services"]["db"]
    assert db["ports"] == ["127.0.0.1:${DEVKIT_DB_PORT:-5432}:5432"]
    assert "pg_isready" in db["healthcheck"]["test"][1]
    assert db["volumes"] == ["db-data:/var/lib/postgresql/data"] and "db-data" in compose["volumes"]
    assert db["env_file"] == ".env" and compose["services"]["app"]["env_file"] == ".env"
    assert "POSTGRES_PASSWORD" not in str(compose)

    env = folder / ".env"
    assert env.stat().st_mode & 0o777 == 0o600
    values = dict(
        line.split("=", 1)
        for line in env.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    password = values["POSTGRES_PASSWORD"]
    assert len(password) >= 24
    assert values["DB_PASSWORD"] == password
    assert values["DATABASE_URL"] == f"postgresql://demo:{password}@db:5432/tenant_demo"
    for committed in ("devcontainer.json", "docker-compose.yml"):
        assert password not in (folder / committed).read_text()
    assert password not in ran.text
    ignored = subprocess.run(["git", "check-ignore", "-q", ".devcontainer/.env"], cwd=example)
    assert ignored.returncode == 0

    again = devkit("init", "--devcontainer", "--no-input", project=example, timeout=60)
    assert again.code == 0, again.text
    assert f"POSTGRES_PASSWORD={password}\n" in env.read_text()  # the volume keeps its password


def test_devcontainer_merges_into_the_users_jsonc(example: Path) -> None:
    folder = example / ".devcontainer"
    folder.mkdir()
    mine = (
        '// our team devcontainer\n{\n    "name": "ours", // keep\n'
        '    "dockerComposeFile": ["docker-compose.yml"],\n'
        '    "customizations": {"vscode": {"extensions": ["a.b"]}},\n}\n'
    )
    (folder / "devcontainer.json").write_text(mine)
    ran = devkit("init", "--devcontainer", "--no-input", project=example, timeout=60)
    assert ran.code == 0, ran.text
    assert "kept yours" in ran.out and "--yes" in ran.out
    assert (folder / "devcontainer.json").read_text() == mine  # shown, not written
    assert not (folder / ".env").exists()  # nothing written without agreement
    ran = devkit("init", "--devcontainer", "--no-input", "--yes", project=example, timeout=60)
    assert ran.code == 0, ran.text
    text = (folder / "devcontainer.json").read_text()
    assert text.startswith('// our team devcontainer\n{\n    "name": "ours", // keep\n')
    data = jsonc.loads(text)
    assert data["name"] == "ours" and data["customizations"] == {"vscode": {"extensions": ["a.b"]}}
    assert data["dockerComposeFile"] == ["docker-compose.yml"]
    assert "devkit up --no-input" in data["postCreateCommand"]


def test_devcontainer_refuses_a_single_container_definition(example: Path) -> None:
    folder = example / ".devcontainer"
    folder.mkdir()
    (folder / "devcontainer.json").write_text('{"image": "python:3.12"}')
    ran = devkit("init", "--devcontainer", "--no-input", project=example, timeout=60)
    assert ran.code == 2 and "Docker Compose" in ran.text
