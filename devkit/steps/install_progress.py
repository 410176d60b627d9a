"""What a Python installer is doing now, read from its output lines (uv and pip), for live progress.

    progress = InstallProgress()
    for line in output_lines:
        now = progress.feed(line)   # "resolving 12 packages", "downloading 3 packages", ...
        if now: show(now)

Pure text in, text out: the live rendering (ui.py) decides how to show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_UV_DONE = re.compile(r"^\s*(Resolved|Prepared|Installed|Uninstalled|Audited) (\d+) packages?\b")
_UV_WORDS = {
    "Resolved": "resolved",
    "Prepared": "downloaded",
    "Installed": "installed",
    "Uninstalled": "removed",
    "Audited": "checked",
}


@dataclass
class InstallProgress:
    """Counts packages through resolving, downloading and installing, across output lines."""

    collected: set[str] = field(default_factory=set)
    downloading: int = 0

    def feed(self, line: str) -> str | None:
        """The new state after `line`, or None when the line says nothing new."""
        text = line.strip()
        done = _UV_DONE.match(text)
        if done:
            word, count = _UV_WORDS[done.group(1)], int(done.group(2))
            return f"{word} {count} package{'s' if count != 1 else ''}"
        if text.startswith("Collecting ") or text.startswith("Requirement already satisfied: "):
            rest = text.removeprefix("Collecting ").removeprefix("Requirement already satisfied: ")
            name = re.split(r"[\s<>=!~\[;@(]", rest, maxsplit=1)[0]
            self.collected.add(name.lower())
            return f"resolving {len(self.collected)} packages"
        if text.startswith("Downloading ") or text.startswith("Downloaded "):
            self.downloading += text.startswith("Downloading ")
            return f"downloading {max(self.downloading, 1)} packages"
        if text.startswith("Installing collected packages: "):
            count = len([n for n in text.split(": ", 1)[1].split(",") if n.strip()])
            return f"installing {count} packages"
        if text.startswith("Successfully installed "):
            return f"installed {len(text.split()) - 2} packages"
        return None
