"""What milestones contributes to the registries of kernel.registry."""
