"""What this app offers the consumers, through the registries of ``kernel.registry``."""
