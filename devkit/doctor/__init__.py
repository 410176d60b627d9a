"""`devkit doctor`: checks grouped by category, one small function each, a registry and the report.

Modules: model (Finding, Check, the registry), env (what checks share: config, the one probe,
the connection), one module per category, runner (imports the category modules, which registers
their checks, and runs them concurrently), fixes, report (console, JSON, Markdown).

Layer: beside init, below commands. May import steps, tenants, docs, the spine, database,
project, ci, config and core."""
