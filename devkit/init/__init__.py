"""`devkit init`: detect, ask what cannot be detected, write the configuration and a devcontainer.

discover.py reads the project; questions.py asks (questionary, or the defaults with --no-input);
config/toml_text.py edits TOML with tomlkit (a round trip: comments and layout kept); configure.py and
devcontainer.py plan, show and write the files (the command body is commands/init.py).

Layer: beside doctor, below commands. May import steps, tenants, docs, the spine, database,
project, ci, config and core."""
