"""Tests of the News Service (a package so tests can import the shared helpers in conftest)."""
