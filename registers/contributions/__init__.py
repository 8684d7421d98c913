"""What registers contributes to the registries of kernel.registry."""
