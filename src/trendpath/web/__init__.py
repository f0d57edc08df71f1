"""The dashboard: server-rendered Korean pages that talk to the services' public APIs only."""
