"""Why an input was refused, readable by the command line and by a person in any language.

The importers (places, events) and the editing checks shared by the chat and the desk
refuse input with an :class:`Explained` reason: it *is* the English sentence (the command
line prints it, logs and tests compare it), and it keeps its message and values so that a
page or a chat can say it in the reader's language with ``reason.text(t)``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from markupsafe import Markup

from locales import Translator


class Explained(str):
    """An English sentence that remembers its (``N_``-marked) message, values and field."""

    message: str
    values: dict[str, Any]
    field: str

    def __new__(cls, message: str, field: str = "", **values: Any) -> Explained:
        self = super().__new__(cls, message.format(**values))
        self.message = message
        self.values = values
        self.field = field
        return self

    def text(self, t: Translator) -> Markup:
        # A value that is itself explained (say, "a list" in "… is not an object but a
        # list") or written the reader's way (an example date) is said in their language too.
        values = {
            key: value.text(t) if isinstance(value, Said) else value
            for key, value in self.values.items()
        }
        return t.t(self.message, **values)


@runtime_checkable
class Said(Protocol):
    """A value of a refusal that the reader's language writes its own way (an
    :class:`Explained`, an example the bot formats with Babel): ``str()`` in English for the
    command line, ``text(t)`` for a reader."""

    def text(self, t: Translator) -> str: ...


class Refusal(ValueError):
    """A refused input; ``reason`` says why (``str(refusal)`` is the English sentence)."""

    def __init__(self, message: str, field: str = "", **values: Any) -> None:
        self.reason = Explained(message, field, **values)
        super().__init__(self.reason)

    @property
    def field(self) -> str:
        return self.reason.field

    def text(self, t: Translator) -> Markup:
        return self.reason.text(t)
