"""The variants of messages for a medium (handlers/media/medium_texts.py): each stands for a chat
message that still exists, and a reader on the medium gets it in their language, in easy
language where there is an easy one, and a chat reader never does."""

from __future__ import annotations

from babel.messages.pofile import read_po

import handlers.media.medium_texts  # noqa: F401 - declares the variants
from locales import LOCALES_DIR, SUPPORTED_LANGUAGES, medium_variants, translator


def _template_ids() -> set[str]:
    with (LOCALES_DIR / "messages.pot").open("rb") as fp:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fp) if m.id}


def test_each_variant_stands_for_a_chat_message_of_the_catalogs() -> None:
    ids = _template_ids()
    variants = medium_variants()
    assert variants
    for (medium, chat), instead in variants.items():
        assert chat in ids, f"{medium}: no chat message {chat!r} any more"
        assert instead in ids and instead != chat


def test_a_reader_on_the_medium_gets_the_variant_and_a_chat_reader_never() -> None:
    for (medium, chat), instead in medium_variants().items():
        for lang in SUPPORTED_LANGUAGES:
            assert translator(lang, medium=medium)._(chat) == translator(lang)._(instead)
            assert translator(lang)._(chat) != translator(lang)._(instead), (lang, chat)
