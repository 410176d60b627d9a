"""The base layer: what any tool like devkit needs, with no knowledge of Django, tenants or the
pipeline: errors and exit codes, the one subprocess helper (proc) and its process groups
(children), the one console (ui) and secret masking, state and secrets files, the env file,
project identity (ownership), run logs, activity lines, JSONC, version ranges, names.

Layer: the bottom. Imports nothing else of devkit.
"""
