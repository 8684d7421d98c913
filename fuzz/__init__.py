"""The API fuzzed against its own OpenAPI schema on a live server (``scripts/schemathesis.sh``).

``fixture.py`` names the demo objects the fuzzer writes to, ``schemathesis.toml`` configures
the run, ``hooks.py`` fills in what no schema can say.
"""
