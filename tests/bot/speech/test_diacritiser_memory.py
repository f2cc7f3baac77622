"""The Arabic diacritiser's memory (bot/speech/diacritiser.py): taken when it loads, and
bounded whatever a text's length.

text2tashkeel builds its ONNX session at the first word it is given, not when it is made:
loading only that left the session (a second, some 20 MB) to the first Arabic text a caller
waited for, and the speech soak read it as memory grown under load (bench/speech_soak.py).
And onnxruntime keeps the working memory of the longest input it was given (a relayed line
of 2,000 characters: some 40 MB for good), so a line reaches the model in bounded pieces.
"""

from __future__ import annotations

import re

from bot.speech import diacritiser

_SIGN = re.compile("[\u064b-\u0652\u0670]")


def test_the_loaded_model_has_its_session_built(monkeypatch):
    monkeypatch.setattr(diacritiser, "_model", [])
    model = diacritiser.load()
    assert model is not None
    # text2tashkeel's Diacritizer keeps its session in ``_backend``, None until built.
    assert model.__self__._backend is not None  # type: ignore[attr-defined]
    # And the model says what it said before.
    assert diacritiser.filled("مسجد النور") != "مسجد النور"


# A relayed message's line: sentences of bare words, far longer than a piece.
SENTENCE = "سأصل بعد عشر دقائق ومعي الحليب والخبز، الطريق مزدحم جدا اليوم. "
LONG_LINE = SENTENCE * 40 + "أحتاج مساعدة"


def test_the_model_is_given_a_long_line_a_piece_at_a_time(monkeypatch):
    """onnxruntime keeps the memory of the longest input it was given: a line of 2,500
    characters reaches the model in pieces of at most PIECE, cut at a sentence's end, and
    every word is still vocalised in its place."""
    given: list[str] = []

    def model(text: str) -> str:
        given.append(text)
        return re.sub("([\u0621-\u064a])", "\\1\u064e", text)  # a fatha on each letter

    monkeypatch.setattr(diacritiser, "_model", [model])
    written = diacritiser.filled(LONG_LINE)
    assert len(LONG_LINE) > 8 * diacritiser.PIECE
    assert given and max(map(len, given)) <= diacritiser.PIECE, [len(g) for g in given]
    assert "".join(given) == LONG_LINE  # nothing left out, nothing twice
    assert all(piece.endswith(". ") for piece in given[:-1]), given[:2]  # at sentence ends
    words = re.findall("[\u0621-\u064a\u064b-\u0652]+", written)
    assert not [w for w in words if not _SIGN.search(w)]
    assert _SIGN.sub("", written) == LONG_LINE


def test_a_line_without_a_sentence_end_is_cut_at_a_space():
    line = "كلمة " * 200
    cut = diacritiser.pieces(line)
    assert "".join(cut) == line
    assert all(len(p) <= diacritiser.PIECE and p.endswith(" ") for p in cut)
