"""What reporting contributes to the registries of kernel.registry."""
