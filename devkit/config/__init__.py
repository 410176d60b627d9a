"""The project's devkit configuration: the model (frozen dataclasses), loading `devkit.toml` /
`[tool.devkit]` with provenance, the value checks, and the defaults detected from the project's
files (detect.py: manage.py, requirements, package.json, versions; files only, no Django);
toml_text.py edits the configuration file keeping the user's comments and layout (tomlkit).

Layer: above core. May import core only.
"""
