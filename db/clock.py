"""Timestamps as stored: UTC, ISO 8601, second precision, so they sort as text."""

from datetime import UTC, datetime


def to_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow() -> str:
    return to_text(datetime.now(UTC))
