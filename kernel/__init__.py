"""The kernel: what every domain stands on, importing no app of its own."""
