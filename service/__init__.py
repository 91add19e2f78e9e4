"""Settings, wiring, ingest, search, the HTTP API and the CLI."""
