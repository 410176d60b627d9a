"""`devkit docs`: copilot-instructions and ROADMAP regenerated from facts, inside marker blocks.

Modules: settings (paths), gather (template variables), stack / workflows / roadmap (sources),
blocks (marker merge), render (Jinja2 + masking), generate (plan, diff, write, freshness).
"""

from devkit.docs.generate import check_docs_fresh

__all__ = ["check_docs_fresh"]
