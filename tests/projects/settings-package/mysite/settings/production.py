from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["example.com"]
