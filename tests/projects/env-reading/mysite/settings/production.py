from mysite.helpers import require_env
from mysite.settings.base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = require_env("ALLOWED_HOSTS").split(",")
if len(SECRET_KEY) < 50:  # noqa: F405
    raise ValueError("SECRET_KEY must be at least 50 characters long in production")
