"""`devkit doctor`: checks grouped by category, one small function each, a registry and the report.

Modules: model (Finding, Check, the registry), env (what checks share: config, the one probe,
the connection), one module per category, runner (concurrent), fixes, report (console, JSON,
Markdown).
"""
