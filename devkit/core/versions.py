"""Version requirements as projects write them: .python-version and requires-python (PEP 440, read
with `packaging`), .nvmrc and package.json engines (npm's semver ranges, read with `node-semver`,
a port of npm's own implementation). Both libraries are imported only when a version is checked.

The answer is True/False, or None when the requirement cannot be judged here: an nvm alias
(`lts/*`, `lts/iron`, `node`, `stable`) names a moving target that only nvm's remote index
resolves, and devkit does not go to the network to learn which release that is today.
"""

from __future__ import annotations

import re

_NVM_ALIASES = ("lts", "node", "stable", "latest", "current", "system", "default")
_PLAIN = re.compile(r"^v?\d+(\.\d+){0,2}$")


def python_satisfies(have: str, requirement: str) -> bool | None:
    """`3.11.7` against `3.11` (.python-version: that release series), `3.11.7`, or a PEP 440
    specifier set like `>=3.10,<3.13` (requires-python); None when it is neither."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    requirement = requirement.strip()
    try:
        version = Version(have.strip().lstrip("v"))
        if _PLAIN.match(requirement):  # a .python-version line: the series it names
            wanted = requirement.lstrip("v")
            spec = SpecifierSet(f"=={wanted}.*" if wanted.count(".") < 2 else f"=={wanted}")
        else:
            spec = SpecifierSet(requirement)
    except (InvalidVersion, InvalidSpecifier):
        return None
    return spec.contains(version, prereleases=True)


def node_satisfies(have: str, requirement: str) -> bool | None:
    """`v20.20.2` against an npm range (`20`, `20.x`, `^20.19.0 || >=22`, `~20.20.0`, `>=18 <21`);
    None for nvm aliases and for what npm would not accept as a range."""
    import nodesemver

    requirement = requirement.strip()
    if not requirement or requirement.split("/")[0].lower() in _NVM_ALIASES:
        return None
    try:
        if nodesemver.valid_range(requirement, loose=True) is None:
            return None
        return bool(nodesemver.satisfies(have.strip(), requirement, loose=True))
    except (ValueError, TypeError):
        return None
