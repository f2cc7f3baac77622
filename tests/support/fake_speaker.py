"""A speaker for handler and worker unit tests: it "says" a speech by recording it and
hands back a small voice message; it can be made to fail. The real engines are tested in
tests/bot/speech."""

from __future__ import annotations

from handlers.messages import SPOKEN, Speech, Voice


class FakeSpeaker:
    def __init__(self, languages: frozenset[str] = frozenset({"de", "en", "ar"})) -> None:
        self.languages = languages
        self.said: list[Speech] = []
        self.failing = False

    async def voice(self, speech: Speech) -> Voice:
        if self.failing:
            raise RuntimeError("the engine is down")
        self.said.append(speech)
        return Voice(
            file_id="",
            platform=SPOKEN,
            mime_type="audio/ogg",
            duration_seconds=1.0,
            content=b"OggS" + str(speech.text).encode(),
        )
