"""Fake external services that tests run against (real servers on 127.0.0.1)."""
