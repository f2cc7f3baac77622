"""The translation engines against fake LibreTranslate and DeepL servers on 127.0.0.1, and
the masking that keeps phone numbers, e-mail addresses, links and numbers away from them."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import TranslationSection
from bot.translation.deepl_engine import DeepL
from bot.translation.engine import Engine, EngineError
from bot.translation.engines import engine_from_config
from bot.translation.libretranslate import LibreTranslate
from bot.translation.masking import mask
from tests.support.fake_deepl import FakeDeepL
from tests.support.fake_libretranslate import FakeLibreTranslate
from tests.support.fake_translator import LANGUAGES, FakeTranslator

# Long enough for an answer on a busy machine (the fakes answer at once on 127.0.0.1); a
# "slow" fake answers only after the test, so only the timeout ends that wait.
TIMEOUT = 3.0
LT_KEY = "lt-secret-key"
DEEPL_KEY = "deepl-secret-key:fx"

STORY = (
    "Ruf mich an: 0231 123456 oder +49 170 1234567, oder schreib an max@example.org. "
    "Die Liste steht auf https://example.org/x, Hausnummer 12. Das Brot kostet 3,50 €."
)
PRIVATE = ("0231 123456", "+49 170 1234567", "max@example.org", "https://example.org/x")
NUMBERS = ("12", "3,50")


@dataclass
class Pair:
    fake: FakeTranslator
    engine: Engine
    # How the server names a language the bot calls "en" / "fa", and "" as the source.
    english: str
    persian: str
    auto: str | None


def make_engine(kind: str, url: str, key: str | None) -> Engine:
    if kind == "libretranslate":
        return LibreTranslate(url, key, timeout=TIMEOUT)
    return DeepL(key or "", server_url=url, timeout=TIMEOUT)


@pytest.fixture(params=["libretranslate", "deepl"])
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[Pair]:
    fake: FakeTranslator
    if request.param == "libretranslate":
        fake = FakeLibreTranslate(api_key=LT_KEY)
        await fake.start()
        result = Pair(fake, make_engine("libretranslate", fake.url, LT_KEY), "en", "fa", "auto")
    else:
        fake = FakeDeepL(api_key=DEEPL_KEY)
        await fake.start()
        result = Pair(fake, make_engine("deepl", fake.url, DEEPL_KEY), "EN-GB", "FA", None)
    yield result
    await result.engine.close()
    await fake.stop()


async def failure(engine: Engine) -> EngineError:
    with pytest.raises(EngineError) as caught:
        await engine.translate("Ich brauche Hilfe beim Einkaufen", "de", "en")
    return caught.value


# -- every engine in every mode ---------------------------------------------------------------


async def test_translates_through_the_server(pair: Pair) -> None:
    translated = await pair.engine.translate("Ich brauche Hilfe beim Einkaufen", "de", "en")
    assert translated == "I need help with shopping"
    call = pair.fake.calls[-1]
    assert call.text == "Ich brauche Hilfe beim Einkaufen"
    assert (call.source or "").lower() == "de"
    assert call.target == pair.english


async def test_an_empty_source_lets_the_server_detect_it(pair: Pair) -> None:
    translated = await pair.engine.translate("Ich kann am Samstag helfen", "", "tr")
    assert translated == "Cumartesi yardım edebilirim"
    assert pair.fake.calls[-1].source == pair.auto


async def test_persian_is_a_target(pair: Pair) -> None:
    # For DeepL a beta language: refused unless the request enables beta languages.
    translated = await pair.engine.translate("Ich brauche Hilfe beim Einkaufen", "de", "fa")
    assert translated == "برای خرید به کمک نیاز دارم"
    assert pair.fake.calls[-1].target == pair.persian


async def test_languages_are_the_bots_ten(pair: Pair) -> None:
    offered = await pair.engine.languages()
    assert set(LANGUAGES) <= offered
    assert all(code == code.lower() and "-" not in code for code in offered)


async def test_a_slow_server_is_down_within_the_timeout(pair: Pair) -> None:
    # The fake does not answer within the test at all: the engine coming back "down" at
    # all shows that its own timeout ended the wait, whatever the machine's speed.
    pair.fake.slow_seconds = 3600
    await pair.fake.set_mode("slow")
    assert (await failure(pair.engine)).kind == "down"
    assert pair.fake.hits == 1


async def test_a_stopped_server_is_down_and_back_on_the_same_port(pair: Pair) -> None:
    url = pair.fake.url
    await pair.fake.set_mode("down")
    assert (await failure(pair.engine)).kind == "down"
    with pytest.raises(EngineError) as caught:
        await pair.engine.languages()
    assert caught.value.kind == "down"
    await pair.fake.set_mode("ok")
    assert pair.fake.url == url
    assert await pair.engine.translate("Danke", "de", "uk") == "Дякую"


async def test_an_internal_error_is_down_and_not_retried(pair: Pair) -> None:
    await pair.fake.set_mode("5xx")
    error = await failure(pair.engine)
    assert error.kind == "down"
    assert "model crashed" not in str(error)
    # DeepL's library would by itself try five more times, a second or more apart.
    assert pair.fake.hits == 1


async def test_a_bad_request_is_refused(pair: Pair) -> None:
    await pair.fake.set_mode("4xx")
    error = await failure(pair.engine)
    assert error.kind == "refused"
    assert "400" in error.detail


async def test_an_answer_that_is_no_translation_is_garbage(pair: Pair) -> None:
    await pair.fake.set_mode("malformed")
    # Once not JSON at all, once JSON without the translation.
    assert (await failure(pair.engine)).kind == "garbage"
    assert (await failure(pair.engine)).kind == "garbage"
    with pytest.raises(EngineError) as caught:
        await pair.engine.languages()
    assert caught.value.kind == "garbage"


async def test_the_services_limit_is_quota(pair: Pair) -> None:
    await pair.fake.set_mode("quota")
    assert (await failure(pair.engine)).kind == "quota"
    assert pair.fake.hits == 1


async def test_deepl_too_many_requests_is_quota_and_not_retried() -> None:
    async with FakeDeepL(DEEPL_KEY) as fake:
        fake.quota_status = 429
        await fake.set_mode("quota")
        engine = make_engine("deepl", fake.url, DEEPL_KEY)
        assert (await failure(engine)).kind == "quota"
        # The library would wait a second and try again, five times.
        assert fake.hits == 1
        await engine.close()


@pytest.mark.parametrize("kind", ["libretranslate", "deepl"])
async def test_a_wrong_key_is_key(kind: str) -> None:
    fake: FakeTranslator = (
        FakeLibreTranslate(api_key=LT_KEY) if kind == "libretranslate" else FakeDeepL(DEEPL_KEY)
    )
    async with fake:
        engine = make_engine(kind, fake.url, "wrong-key")
        assert (await failure(engine)).kind == "key"
        with pytest.raises(EngineError) as caught:
            await engine.languages() if kind == "deepl" else await engine.translate("x", "", "en")
        assert caught.value.kind == "key"
        await engine.close()
        assert fake.calls == []


@pytest.mark.parametrize("kind", ["libretranslate", "deepl"])
async def test_a_missing_key_is_key(kind: str) -> None:
    fake: FakeTranslator = (
        FakeLibreTranslate(api_key=LT_KEY) if kind == "libretranslate" else FakeDeepL(DEEPL_KEY)
    )
    async with fake:
        # LibreTranslate answers a missing key with a 400 ("Visit ... to get an API key");
        # DeepL's engine does not even ask.
        engine = make_engine(kind, fake.url, None)
        assert (await failure(engine)).kind == "key"
        await engine.close()
    assert fake.calls == []


async def test_libretranslate_without_keys_needs_none() -> None:
    async with FakeLibreTranslate() as fake:
        engine = LibreTranslate(fake.url, timeout=TIMEOUT)
        assert await engine.translate("Danke", "de", "ar") == "شكرا"
        assert await engine.languages() == set(LANGUAGES)
        await engine.close()


async def test_no_text_reaches_the_logs(pair: Pair, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await pair.engine.translate("Ich brauche Hilfe beim Einkaufen", "de", "en")
    await pair.fake.set_mode("4xx")
    await failure(pair.engine)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Einkaufen" not in logged
    assert "shopping" not in logged
    assert LT_KEY not in logged and DEEPL_KEY not in logged


# -- configuration --------------------------------------------------------------------------


async def test_no_engine_when_translation_is_off() -> None:
    assert engine_from_config(TranslationSection()) is None


async def test_the_configured_engine_talks_to_its_server() -> None:
    async with FakeLibreTranslate(api_key=LT_KEY) as lt, FakeDeepL(DEEPL_KEY) as dl:
        for name, fake, key in (("libretranslate", lt, LT_KEY), ("deepl", dl, DEEPL_KEY)):
            section = TranslationSection(engine=name, url=fake.url, api_key=key, timeout_seconds=2)
            engine = engine_from_config(section)
            assert engine is not None and engine.name == name
            assert await engine.translate("Danke", "de", "en") == "Thank you"
            assert fake.texts() == ["Danke"]
            await engine.close()


# -- masking ----------------------------------------------------------------------------------


async def test_contact_details_and_numbers_never_reach_the_engine(pair: Pair) -> None:
    masked = mask(STORY)
    translated = await pair.engine.translate(masked.text, "de", "en")
    restored = masked.restore(translated)
    assert restored is not None
    assert pair.fake.texts() == [masked.text]
    for detail in (*PRIVATE, *NUMBERS, "example"):
        assert detail not in masked.text
    assert masked.pattern is not None
    assert not re.search(r"\d", masked.pattern.sub("", masked.text))
    assert restored == STORY.replace("Ruf mich an", "Call me").replace("Hausnummer", "house number")


async def test_a_translation_that_lost_a_token_is_not_restored(pair: Pair) -> None:
    await pair.fake.set_mode("mangle")
    masked = mask(STORY)
    assert masked.restore(await pair.engine.translate(masked.text, "de", "en")) is None


def test_text_without_anything_to_mask_passes_unchanged() -> None:
    masked = mask("Ich brauche Hilfe beim Einkaufen, bitte!")
    assert masked.text == "Ich brauche Hilfe beim Einkaufen, bitte!"
    assert masked.restore("I need help with shopping, please!") == (
        "I need help with shopping, please!"
    )


def test_what_is_masked() -> None:
    masked = mask(STORY)
    assert masked.originals == (*PRIVATE[:3], PRIVATE[3], "12", "3,50")
    assert masked.text == (
        "Ruf mich an: XQ1Z oder XQ2Z, oder schreib an XQ3Z. Die Liste steht auf XQ4Z, "
        "Hausnummer XQ5Z. Das Brot kostet XQ6Z €."
    )


def test_times_dates_links_and_odd_phone_numbers() -> None:
    masked = mask("Am 12.05.2025 um 10:30, Tel. 0231/98765-43, t.me/nachbar_bot (www.x.de/a?b=1).")
    assert masked.originals == (
        "12.05.2025",
        "10:30",
        "0231/98765-43",
        "t.me/nachbar_bot",
        "www.x.de/a?b=1",
    )
    assert masked.pattern is not None
    assert not re.search(r"\d", masked.pattern.sub("", masked.text))


@pytest.mark.parametrize(
    "text",
    [
        "Ruf an: ⁰¹⁷¹ ²³⁴⁵⁶⁷⁸",  # superscript digits
        "Ruf ⓪①⑦① ②③④⑤⑥⑦⑧ an",  # circled digits
        "Ruf ０１７１ ２３４５６７８ an",  # full-width digits
        "Schreib an anna＠example.org",  # a full-width at sign
        "Ruf 0171\u00a02345\u00a0678 an",  # no-break spaces between the groups
    ],
)
def test_look_alike_digits_and_signs_are_masked_too(text: str) -> None:
    masked = mask(text)
    assert "XQ1Z" in masked.text and len(masked.originals) == 1
    assert not any(c.isdigit() or c in "@＠" for c in masked.text.replace("XQ1Z", ""))


def test_restore_forgives_spaces_case_and_other_digits() -> None:
    masked = mask("Um 10:30 an 0231 123456")
    assert masked.text == "Um XQ1Z an XQ2Z"
    assert masked.restore("At XQ 1 Z to xq2z") == "At 10:30 to 0231 123456"
    # An engine writing Arabic-Indic or Persian digits.
    assert masked.restore("في XQ١Z إلى XQ۲Z") == "في 10:30 إلى 0231 123456"
    # Tokens in another order are fine: languages order words differently.
    assert masked.restore("XQ2Z, XQ1Z") == "0231 123456, 10:30"


@pytest.mark.parametrize(
    "translated",
    [
        "At XQ1Z to",  # missing
        "At XQ1Z to XQ2Z XQ2Z",  # doubled
        "At XQ1Z to XQ3Z",  # renumbered
        "At XQ1Z to [2]",  # replaced
        "At XQ1Z to XQ12Z",  # altered
    ],
)
def test_restore_refuses_a_lost_or_changed_token(translated: str) -> None:
    assert mask("Um 10:30 an 0231 123456").restore(translated) is None


def test_a_lookalike_in_the_text_gets_other_tokens() -> None:
    text = "Code XQ1Z und xq 2 z, Raum 5"
    masked = mask(text)
    # The user's own lookalikes keep their letters (their digits are masked like any).
    assert masked.text == "Code XQXA1ZZ und xq XA2Z z, Raum XA3Z"
    assert masked.originals == ("1", "2", "5")
    assert masked.restore(masked.text) == text
    translated = masked.text.replace("Raum", "room")
    assert masked.restore(translated) == text.replace("Raum", "room")


PIECES = st.sampled_from(
    [*"0123456789١٢۳ +-/.,:@()XQZxqzJA €äöйبwht\n", "https://", "www.", "t.me/", "XQ1Z"]
)
TEXTS = st.lists(PIECES, max_size=40).map("".join) | st.text(max_size=80)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_mask_then_restore_is_the_identity(text: str) -> None:
    masked = mask(text)
    assert masked.restore(masked.text) == text
    # No digit leaves except as a token number.
    outside = masked.pattern.sub("", masked.text) if masked.pattern else masked.text
    assert not re.search(r"\d", outside)
