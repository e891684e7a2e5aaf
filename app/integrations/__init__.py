"""Adapters for learning platforms (Open edX: credentials-service API, event bus)."""
