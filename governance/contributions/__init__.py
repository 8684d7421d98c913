"""What governance contributes to the registries of kernel.registry."""
