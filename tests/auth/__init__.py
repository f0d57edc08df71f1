"""Tests of the OAuth Service (a package so tests can import the shared helpers in conftest)."""
