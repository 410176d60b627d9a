"""devkit.core.jsonc: reading JSON with comments and trailing commas; merging that keeps the text."""

from __future__ import annotations

import json

import pytest

from devkit.core import jsonc

USER_FILE = """\
// My devcontainer. Keep this comment.
{
    /* block comment before the name */
    "name": "mine", // trailing comment on the name
    "forwardPorts": [3000],
    "customizations": {
        "vscode": {
            "extensions": [
                "ms-python.python", // the one we need
            ],
        },
    },
    "remoteUser": "vscode",
}
"""


def test_loads_comments_trailing_commas_and_tricky_strings() -> None:
    text = '{"a": "// not a comment", "b": "/* nor this */", "c": [1, 2.5e3, -0.5, true, null,],}'
    assert jsonc.loads(text) == {
        "a": "// not a comment",
        "b": "/* nor this */",
        "c": [1, 2500.0, -0.5, True, None],
    }
    assert jsonc.loads(USER_FILE)["customizations"]["vscode"]["extensions"] == ["ms-python.python"]
    assert jsonc.loads('"\\u00e9\\n"') == "é\n"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"a": 1 "b": 2}', "line 1 column 9"),
        ('{\n  "a": /* open', "line 2 column 8"),
        ('{"a": tru}', "line 1 column 7"),
        ("{a: 1}", "line 1 column 2"),
        ('{"a": 1} x', "line 1 column 10"),
    ],
)
def test_errors_name_line_and_column(text: str, where: str) -> None:
    with pytest.raises(jsonc.JSONCError, match=where):
        jsonc.loads(text)


def test_plain_json_agrees_with_the_json_module() -> None:
    data = {"x": [1, {"y": "z\u2603"}], "n": None, "f": 1.5, "t": False}
    assert jsonc.loads(json.dumps(data, indent=4)) == data


def test_merge_keeps_every_comment_and_user_key() -> None:
    wanted = {
        "name": "devkit's name",
        "forwardPorts": [8000, 3000],
        "customizations": {
            "vscode": {
                "extensions": ["ms-python.python", "charliermarsh.ruff"],
                "settings": {"editor.formatOnSave": True},
            }
        },
        "postCreateCommand": "devkit up --no-input",
        "containerEnv": {"DB_HOST": "db"},
    }
    merged = jsonc.merge(USER_FILE, wanted)
    for line in USER_FILE.splitlines():
        if "//" in line or "/*" in line:
            assert line.strip() in merged.text, line
    value = jsonc.loads(merged.text)
    assert value == merged.value
    assert value["name"] == "mine"  # the user's value wins
    assert value["remoteUser"] == "vscode"
    assert value["forwardPorts"] == [3000, 8000]
    assert value["customizations"]["vscode"] == {
        "extensions": ["ms-python.python", "charliermarsh.ruff"],
        "settings": {"editor.formatOnSave": True},
    }
    assert value["postCreateCommand"] == "devkit up --no-input"
    assert value["containerEnv"] == {"DB_HOST": "db"}
    assert merged.conflicts == ('name: kept yours ("mine"), devkit would set "devkit\'s name"',)
    # The new keys use the file's own indentation (four spaces).
    assert '\n    "postCreateCommand": "devkit up --no-input"' in merged.text


def test_merge_is_idempotent_and_a_noop_when_nothing_is_missing() -> None:
    wanted = {"features": {"node": {"version": "20"}}, "forwardPorts": [8000]}
    once = jsonc.merge(USER_FILE, wanted).text
    assert jsonc.merge(once, wanted).text == once
    assert jsonc.merge(USER_FILE, {"name": "mine"}).text == USER_FILE


def test_merge_into_empty_and_single_line_containers_and_tabs() -> None:
    assert jsonc.loads(jsonc.merge("{}", {"a": [1]}).text) == {"a": [1]}
    merged = jsonc.merge('{\n\t"a": {},\n\t"b": [1] // one\n}\n', {"a": {"x": 1}, "b": [2], "c": 3})
    assert jsonc.loads(merged.text) == {"a": {"x": 1}, "b": [1, 2], "c": 3}
    assert "// one" in merged.text
    assert '\n\t"c": 3' in merged.text


def test_merge_refuses_a_non_object_document() -> None:
    with pytest.raises(jsonc.JSONCError):
        jsonc.merge("[1, 2]", {"a": 1})
