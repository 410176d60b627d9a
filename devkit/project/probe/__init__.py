"""Scripts run by the PROJECT's interpreter (through `manage.py shell -c`), never imported by devkit.

They must work on the project's Python with only Django installed: standard library + Django.
"""
