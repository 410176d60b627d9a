"""`devkit init`: detect, ask what cannot be detected, write the configuration and a devcontainer.

discover.py reads the project; questions.py asks (questionary, or the defaults with --no-input);
toml_text.py writes TOML text; configure.py and devcontainer.py plan, show and write the files.
"""
