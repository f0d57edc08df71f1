"""The only code shared by all services: settings, database, errors, logging, HTTP."""
