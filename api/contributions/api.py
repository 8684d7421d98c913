"""The API app's own resources: the change feed, API tokens and webhooks (each module registers
its own in ``kernel.registry.api_resources``). Every domain registers its resources in its own
``<app>/contributions/api.py``."""

from api.rest import changes, tokens, webhooks  # noqa: F401
