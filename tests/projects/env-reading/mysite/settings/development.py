from mysite.settings.base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["*"]
