"""Generated docs: copilot-instructions and ROADMAP regenerated from facts, inside marker blocks.

Modules: settings (paths), gather (template variables), stack / workflows / roadmap (sources),
blocks (marker merge), render (Jinja2 + masking), generate (plan, diff, write, freshness);
templates/ holds the packaged Jinja2 templates. The `devkit docs` command body is
commands/docs.py.

Layer: beside tenants, above the spine. May import progress, pipeline, context, database,
project, ci, config and core."""

from devkit.docs.generate import check_docs_fresh

__all__ = ["check_docs_fresh"]
