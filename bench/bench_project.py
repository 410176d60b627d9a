"""The bench project: examples/tenant-demo with a realistic pinned requirements set (issue 13).

Generated at bench time into /tmp so the repository stays small. The set is what a real
django-tenants project declared (DRF, drf-spectacular, django-tenants, Pillow, psutil, pytest,
black, flake8, gunicorn, ...), resolved for Python 3.11 and pinned like `pip freeze` output.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.project import copy_example  # noqa: E402

REQUIREMENTS = """\
asgiref==3.13.0
attrs==26.1.0
black==26.10.1
certifi==2026.10.19.post1
charset-normalizer==3.5.3
click==8.5.1
coverage==7.17.5
django==5.2.19
django-cors-headers==4.9.0
django-debug-toolbar==8.0.0
django-environ==0.14.0
django-filter==26.2
django-tenants==4.0.1
djangorestframework==3.18.3
drf-spectacular==0.30.0
factory-boy==3.3.3
faker==40.63.0
flake8==7.5.0
gunicorn==27.0.1
idna==3.20
inflection==0.5.1
iniconfig==2.3.1
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
mccabe==0.7.0
mypy-extensions==1.2.0
packaging==26.4
pathspec==1.1.1
pillow==13.0.0
platformdirs==4.14.9
pluggy==1.7.0
psutil==7.2.2
psycopg==3.3.9
psycopg-binary==3.3.9
pycodestyle==2.15.0
pyflakes==4.1.0
pygments==2.21.0
pytest==9.2.0
pytest-django==4.14.0
python-dateutil==2.9.0.post0
pytokens==0.4.1
pyyaml==6.0.4
referencing==0.37.0
requests==2.34.2
rpds-py==2026.9.1
six==1.17.0
sqlparse==0.6.1
typing-extensions==4.16.0
uritemplate==4.2.0
urllib3==2.8.0
whitenoise==6.12.0
"""


def make_bench_project(dest: Path) -> Path:
    """A copy of the example project whose backend requirements are the pinned set above."""
    project = copy_example(dest)
    (project / "backend" / "requirements.txt").write_text(REQUIREMENTS)
    return project
