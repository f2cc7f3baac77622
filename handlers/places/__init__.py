"""Encounter places: vocabulary, gazetteer, import, search, and the "find a place" chat."""

from handlers.places.chat import register

__all__ = ["register"]
