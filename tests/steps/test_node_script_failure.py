"""A package's install script that failed is named with its cause (issue 25 #6); one that
downloads from a host this machine cannot reach says so. npm's own lines, from a real corpus
project (electron's postinstall without access to github.com)."""

from __future__ import annotations

from devkit.steps.node_deps import _script_failure

ELECTRON = """\
npm error code 1
npm error path /p/frontend/node_modules/electron
npm error command failed
npm error command sh -c node install.js
npm error RequestError: getaddrinfo ENOTFOUND github.com
npm error     at ClientRequest.<anonymous> (/p/got/request.js:178:14)
"""


def test_a_download_from_an_unreachable_host_is_named() -> None:
    said = _script_failure(ELECTRON)
    assert said.startswith("the install script `node install.js` in /p/frontend/node_modules/electron failed")
    assert "it downloads from github.com, which this machine cannot reach" in said


def test_another_script_failure_keeps_its_own_error_line() -> None:
    said = _script_failure(ELECTRON.replace("RequestError: getaddrinfo ENOTFOUND github.com", "ERROR  boom"))
    assert said.endswith("failed: npm error ERROR  boom")
