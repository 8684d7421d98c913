"""Development on one machine: SQLite and the folder broker unless the environment says so."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Local development may point webhooks at a receiver on this machine.
WEBHOOKS_ALLOW_PRIVATE_URLS = True
