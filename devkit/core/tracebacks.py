"""Python tracebacks printed by the project's own code, summarised for the console.

When a migration, a tenant command or the settings raise, the console shows the exception line
and the file:line where it was raised (the deepest frame in the project's code, not Django's);
the whole traceback stays in the command's log and is shown with -v.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_START = "Traceback (most recent call last):"
_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?$')
_LIBRARY = ("/site-packages/", "/dist-packages/", "/lib/python3", "<frozen ", "<string>")


@dataclass(frozen=True)
class Raised:
    exception: str  # "ValueError: boom"
    path: str
    line: int
    function: str

    def lines(self) -> str:
        """Where, then what: like the last two lines of a traceback (the exception line last)."""
        where = f"{self.path}:{self.line}" + (f" in {self.function}" if self.function else "")
        return f"raised at {where}\n{self.exception}"


def summarize(output: str) -> Raised | None:
    """The last traceback in `output`: its exception line and the deepest frame of project code."""
    start = output.rfind(_START)
    if start == -1:
        return None
    frames: list[tuple[str, int, str]] = []
    exception = ""
    for line in output[start + len(_START) :].splitlines():
        match = _FRAME.match(line)
        if match:
            frames.append((match["path"], int(match["line"]), match["func"] or ""))
        elif frames and line.strip() and not line.startswith((" ", "\t")):
            exception = line.strip()
            break
    if not frames or not exception:
        return None
    own = [f for f in frames if not any(marker in f[0] for marker in _LIBRARY)]
    path, number, function = (own or frames)[-1]
    if len(exception) > 300:
        exception = exception[:297] + "..."
    return Raised(exception, path, number, function)
