"""What the registers contribute to the registries of the kernel."""
