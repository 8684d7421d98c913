"""What this app contributes to the registries of kernel/registry.py."""
