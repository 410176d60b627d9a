"""Jinja2 rendering: packaged templates, replaced by name from the project's templates folder.

Every rendered text goes through masking.mask before it can reach a file.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit.core.errors import ConfigError, StepFailed
from devkit.core.masking import mask

if TYPE_CHECKING:
    import jinja2

PACKAGED = Path(__file__).resolve().parent / "templates"

# One Jinja2 environment per templates folder for the process: Jinja2 keeps the compiled
# templates in it (compiling the packaged ones takes ~0.3 s here, and a run renders them more than
# once), and reloads a template whose file changed (auto_reload, by mtime). Across processes the
# compiled code is kept in Jinja2's own bytecode cache (a 0700 folder of this user's in the temp
# directory, checked against each template's source): the templates, never a rendered text.
_ENVIRONMENTS: dict[str, jinja2.Environment] = {}
_LOCK = threading.Lock()


def template_files(override: Path | None) -> list[Path]:
    """Every template that can shape the output (for the step's fingerprint)."""
    folders = [PACKAGED] + ([override] if override and override.is_dir() else [])
    return sorted(p for folder in folders for p in folder.glob("*.j2") if p.is_file())


class Renderer:
    def __init__(self, override: Path | None) -> None:
        import jinja2

        if override is not None and not override.is_dir():
            raise ConfigError(
                f"docs.templates: {override} is not a folder",
                hint="create it, or leave docs.templates empty for the packaged ones",
            )
        folders = [str(override)] if override is not None else []
        with _LOCK:
            env = _ENVIRONMENTS.get(str(override))
            if env is None:
                env = _ENVIRONMENTS[str(override)] = jinja2.Environment(
                    loader=jinja2.FileSystemLoader([*folders, str(PACKAGED)]),
                    undefined=jinja2.StrictUndefined,
                    autoescape=False,
                    keep_trailing_newline=True,
                    trim_blocks=True,
                    lstrip_blocks=True,
                    bytecode_cache=jinja2.FileSystemBytecodeCache(),
                )
        self.env = env

    def render(self, name: str, variables: dict[str, Any]) -> str:
        import jinja2

        try:
            text = self.env.get_template(name).render(**variables)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(
                f"{exc.filename or name}:{exc.lineno}: template error: {exc.message}",
                hint="fix the template (Jinja2 syntax)",
            ) from exc
        except jinja2.TemplateNotFound as exc:
            raise ConfigError(f"template {exc.name} not found") from exc
        except jinja2.TemplateError as exc:
            # The facts lacked something the template needs: a failed step, not a usage error.
            raise StepFailed(
                f"docs failed {_where(name, exc)}: a fact the template needs is missing: {exc.message}",
                hint="report it with .devkit/facts.json (docs/docs-command.md lists the facts each "
                "statement needs); a project template (docs.templates) must test optional facts",
            ) from exc
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            raise StepFailed(
                f"docs failed {_where(name, exc)}: {type(exc).__name__}: {exc}",
                hint="report it with .devkit/facts.json (docs/docs-command.md lists the facts)",
            ) from exc
        return mask(text)


def _where(name: str, exc: BaseException) -> str:
    """`name:line` of the template frame that failed (Jinja2 rewrites tracebacks to templates)."""
    tb, line = exc.__traceback__, 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f"{name}:{line}" if line else name
