"""One connector per chat service plus the console; each renders the shared message model.

:func:`lazily` is a transport package's ``__getattr__``: its service and what it loads
(matrix-nio, pjsua2, a gateway) only when asked for, so that its configuration and its
declaration load without them (bot/transports/registry.py)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazily(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package`` that loads each of its names from the module
    ``homes`` names for it (``{"service": "transport"}``), when asked for."""

    def attribute(name: str) -> Any:
        if name in homes:
            return getattr(importlib.import_module(f"{package}.{homes[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return attribute
