"""A settings package: the environment picks the module (DJANGO_ENV), development by the example."""

import os

from mysite import envfile

envfile.load()

if os.environ.get("DJANGO_ENV", "production") == "development":
    from mysite.settings.development import *  # noqa: F403
else:
    from mysite.settings.production import *  # noqa: F403
