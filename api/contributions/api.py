"""The API's resources, registered in the order the router routes them: each module registers
its own (``kernel.registry.api_resources``)."""

from api.resources import engagements, governance, milestones, registers, reporting  # noqa: F401
from api.rest import changes, tokens, webhooks  # noqa: F401
