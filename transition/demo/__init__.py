"""The demo: a tenant with a login for every role and engagements that tell a story
(``setup.load``, run by ``manage.py load_demo``)."""
