"""Turn a command's output lines into the short "what it does now" text of a step's live line:
installers (pip, uv, npm/pnpm/yarn: resolving, downloading, building, installing N packages)
and django-tenants' migrate_schemas (which schema, N of M, which migration).

Only for display: success is decided by exit codes and verification, never by these lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], ActivityParser], str]]] = []


def _on(pattern: str) -> Callable[..., object]:
    def register(fn: Callable[[re.Match[str], ActivityParser], str]) -> Callable[..., str]:
        _PATTERNS.append((re.compile(pattern), fn))
        return fn

    return register


@dataclass
class ActivityParser:
    """Stateful: pip says "Collecting" once per package, so the parser counts them."""

    collected: set[str] = field(default_factory=set)

    def __call__(self, line: str) -> str | None:
        text = line.strip()
        for pattern, describe in _PATTERNS:
            match = pattern.match(text)
            if match:
                return describe(match, self)
        return None


# -- pip -------------------------------------------------------------------------------------
@_on(r"Collecting (\S+)")
def _collecting(m: re.Match[str], state: ActivityParser) -> str:
    state.collected.add(m.group(1))
    count = len(state.collected)
    return f"resolving {count} package{'s' if count > 1 else ''}: {m.group(1)}"


@_on(r"(Downloading|Using cached) (\S+?)(?:\.metadata)?(?: \(| *$)")
def _downloading(m: re.Match[str], state: ActivityParser) -> str:
    return f"{m.group(1).lower()} {m.group(2)}"


@_on(r"Building wheels for collected packages: (.+)")
def _building_all(m: re.Match[str], state: ActivityParser) -> str:
    return f"building wheels for {m.group(1)}"


@_on(r"Building wheel for (\S+)")
def _building(m: re.Match[str], state: ActivityParser) -> str:
    return f"building a wheel for {m.group(1)}"


@_on(r"Installing collected packages: (.*)")
def _installing(m: re.Match[str], state: ActivityParser) -> str:
    return f"installing {len(m.group(1).split(','))} packages"


# -- uv --------------------------------------------------------------------------------------
@_on(r"(Resolved|Prepared|Installed|Audited|Uninstalled) (\d+ packages?)")
def _uv_summary(m: re.Match[str], state: ActivityParser) -> str:
    return f"{m.group(1).lower()} {m.group(2)}"


@_on(r"(Downloading|Building) (\S+)")
def _uv_fetching(m: re.Match[str], state: ActivityParser) -> str:
    return f"{m.group(1).lower()} {m.group(2)}"


# -- npm / pnpm / yarn -----------------------------------------------------------------------
@_on(r"(added \d+ packages?)")
def _npm_added(m: re.Match[str], state: ActivityParser) -> str:
    return m.group(1)


@_on(r"Progress: resolved (\d+), reused (\d+), downloaded (\d+), added (\d+)")
def _pnpm_progress(m: re.Match[str], state: ActivityParser) -> str:
    return f"resolved {m.group(1)}, downloaded {m.group(3)}, added {m.group(4)} packages"


@_on(r"➤ YN\d+: (┌ )?(Resolution|Fetch|Link) step")
def _yarn_step(m: re.Match[str], state: ActivityParser) -> str:
    return f"{m.group(2).lower()} step"


# -- django-tenants migrate_schemas: "[2/3 (66%) standard:guest] Applying crm.0001_initial... OK"
@_on(r"\[(?:(\d+)/(\d+) \(\d+%\) )?\w+:([^\]]+)\] +(.*)")
def _migrate_schemas(m: re.Match[str], state: ActivityParser) -> str:
    count = f" ({m.group(1)}/{m.group(2)})" if m.group(1) else ""
    message = m.group(4).strip().removesuffix(" OK").removesuffix("...")
    doing = f": {message.lower()}" if message.startswith("Applying ") else ""
    return f"{m.group(3)}{count}{doing}"


# -- devkit's development tenants (probe/tenants.py): "created tenant 'tenant7' (7/50) by cloning …"
@_on(r"created tenant(?: row)? '([^']+)' \((\d+)/(\d+)\)")
def _dev_tenant(m: re.Match[str], state: ActivityParser) -> str:
    return f"{m.group(1)} ({m.group(2)}/{m.group(3)})"


def reporter(tool: str, progress: Callable[[str], None]) -> Callable[[str], None]:
    """An on_line callback for proc.run that reports "<tool>: <activity>" through `progress`."""
    parse = ActivityParser()

    def on_line(line: str) -> None:
        what = parse(line)
        if what:
            progress(f"{tool}: {what}")

    return on_line
