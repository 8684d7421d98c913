"""The API's resources, one module per domain (what a later ``<domain>/api.py`` would hold): each
declares its serializers, filters, documented operations and viewsets, and registers them in
``kernel.registry.api_resources``; the router routes what is registered."""
