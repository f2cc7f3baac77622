"""Logs hold no personal data: no message text, name, phone number, location or token.

The unit tests feed records from library loggers and our own through a handler added after
the redaction was installed (as pytest's caplog is); the process test runs ``python -m bot
run`` at DEBUG against the fake Bot API server, plays a story and reads the whole log.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bot import log_redaction
from bot.transports.matrix.key_vault import open_text
from db import Database
from tests.support.bot_process import launch_bot
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.matrix_bot import BOT_NUMBERS
from tests.support.matrix_encrypted_people import EncryptedPerson
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse

NAME = "Zuleikha"
SECRET = "Türcode 4711 Qwertzuiop"
PHONE = "+49 151 23456789"
LATITUDE, LONGITUDE = 51.51234, 7.46789
REAL_TOKEN = "7712345678:AAHk3x9QwErTyUiOpAsDfGhJkLzXcVbNm12"
GROUP = -100


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _assert_clean(text: str) -> None:
    for needle in (NAME, "Qwertzuiop", str(LATITUDE), str(LONGITUDE), TOKEN, REAL_TOKEN):
        assert needle not in text, needle
    assert _digits(PHONE) not in _digits(text), "phone number"
    assert "151 23456789" not in text and "23456789" not in text


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """A handler added after installation, on the root logger, at DEBUG."""
    log_redaction.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_library_child_loggers_keep_their_format_but_not_content(captured: io.StringIO):
    update = {"message": {"text": SECRET, "from": {"first_name": NAME}}}
    logging.getLogger("telegram.ext.foo").debug("Calling %s with %s", "sendMessage", update)
    logging.getLogger("aiosqlite").debug(
        "executing %s", ("UPDATE users SET name = ? WHERE id = ?", (NAME, 7))
    )
    logging.getLogger("nio.rooms.sub").info("location %s,%s", LATITUDE, LONGITUDE)
    logging.getLogger("httpcore.http11").debug("send %(body)s", {"body": f"text={PHONE}"})
    logging.getLogger("httpx").info(
        f'HTTP Request: POST https://api.telegram.org/bot{REAL_TOKEN}/sendMessage "HTTP/1.1 200"'
    )
    # A file's download (a person's voice message): the address without the file's path.
    logging.getLogger("httpx").info(
        'HTTP Request: %s %s "%s %d %s"',
        "GET",
        httpx.URL(f"https://api.telegram.org/file/bot{REAL_TOKEN}/voice/file_4711.oga"),
        "HTTP/1.1",
        200,
        "OK",
    )
    text = captured.getvalue()
    _assert_clean(text)
    assert "file_4711" not in text and "/file/bot" in text
    # The shape of the records is kept: what happened, not what was said.
    assert "Calling sendMessage with …" in text
    assert "executing …" in text
    assert "/sendMessage" in text


def test_registered_secrets_are_scrubbed_everywhere(captured: io.StringIO):
    log_redaction.redact_everywhere("s3cr3t-matrix-access")
    logging.getLogger("bot.transports.matrix").info("logged in with s3cr3t-matrix-access")
    logging.getLogger("some.lib").info("token s3cr3t-matrix-access")
    assert "s3cr3t" not in captured.getvalue()


def test_our_own_records_are_scrubbed_of_phone_numbers_and_places(captured: io.StringIO):
    logging.getLogger("handlers.helping").info("note %s", f"call {PHONE} or 0231-123456")
    logging.getLogger("bot.app").info("near %s, %s", LATITUDE, LONGITUDE)
    logging.getLogger("nachbarbot").info("request %d in state %s", 42, "review")
    text = captured.getvalue()
    _assert_clean(text)
    assert "0231" not in text and "123456" not in text
    # Ids and states, which our records are made of, stay readable.
    assert "request 42 in state review" in text


@pytest.mark.parametrize(
    "text",
    [
        "call ⁰¹⁷¹ ²³⁴⁵⁶⁷⁸",
        "call ⓪①⑦① ②③④⑤⑥⑦⑧",
        "call ٠١٧١ ٢٣٤٥٦٧٨",  # Arabic-Indic
        "call ۰۱۷۱ ۲۳۴۵۶۷۸",  # Persian
        "call 0171\u00a02345\u00a0678",
        "mail anna＠example.org",
    ],
)
def test_look_alike_digits_and_signs_are_scrubbed(captured: io.StringIO, text: str):
    logging.getLogger("handlers.helping").info("note %s", text)
    logged = captured.getvalue()
    assert "note" in logged
    assert not any(c.isdigit() for c in logged.split("note", 1)[1]), logged
    assert "example" not in logged


def test_exceptions_are_scrubbed(captured: io.StringIO):
    try:
        raise ValueError(f"bad answer for {REAL_TOKEN}: {PHONE} at {LATITUDE},{LONGITUDE}")
    except ValueError:
        logging.getLogger("telegram.ext.Application").exception("handler failed")
        logging.getLogger("bot.cli").exception("update failed")
    try:
        raise KeyError(NAME)
    except KeyError:
        logging.getLogger("handlers.x").error("lookup", exc_info=True, stack_info=True)
    text = captured.getvalue()
    _assert_clean(text)
    assert "Traceback" in text and "ValueError" in text


def test_caplog_sees_redacted_records(caplog: pytest.LogCaptureFixture):
    log_redaction.install()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("telegram.ext.ExtBot").debug("Set Bot API URL: %s", f"/bot{REAL_TOKEN}")
    logging.getLogger("handlers.relay").info("relayed to %s", PHONE)
    _assert_clean(caplog.text)
    _assert_clean(" ".join(record.getMessage() for record in caplog.records))


def test_records_made_without_the_factory_are_redacted_by_the_handler_filter():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        log_redaction.install()  # filters the handlers the root logger has
        handler.handle(
            logging.makeLogRecord(
                {"name": "nio.rooms", "msg": "member %s at %s", "args": (NAME, PHONE)}
            )
        )
    finally:
        root.removeHandler(handler)
    assert stream.getvalue() == "member … at …\n"


def test_a_broken_record_does_not_raise(captured: io.StringIO, capsys: pytest.CaptureFixture[str]):
    logging.getLogger("handlers.x").warning("two %s %s", "only-one")
    logging.getLogger("aiohttp.client").warning("%d", "not a number")

    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError(NAME)

        __repr__ = __str__

    logging.getLogger("bot.x").error("value %s", Hostile())
    logging.getLogger("lib.x").error(Hostile())
    text = captured.getvalue()
    assert NAME not in text
    assert "two %s %s" in text and "value %s" in text
    assert len(text.splitlines()) == 4
    # Nor did logging print its own report of a failed record (with the arguments in it).
    assert "Logging error" not in capsys.readouterr().err


def test_installation_is_idempotent():
    log_redaction.install()
    factory = logging.getLogRecordFactory()
    log_redaction.install()
    assert logging.getLogRecordFactory() is factory


# -- the real process ------------------------------------------------------------------------


async def _telegram_story(fake: FakeTelegram, user: int) -> None:
    """Onboarding, a place search by location, a help request with a secret and a phone
    number that reaches the coordinators' group with the requester's name."""

    async def answer(send: Callable[[], object]) -> None:
        mark = len(fake.calls)
        send()
        await fake.wait_for("sendMessage", after=mark, chat_id=user)

    mark = len(fake.calls)
    fake.send_text(user, "/start", language_code="de")
    picker = await fake.wait_for("sendMessage", after=mark, chat_id=user)
    mark = len(fake.calls)
    fake.press(user, "lang:de", picker, language_code="de")
    offer = await fake.wait_for(  # read aloud? (a voice speaks German)
        "sendMessage", lambda c: "ra:no" in str(c.params), after=mark, chat_id=user
    )
    mark = len(fake.calls)
    fake.press(user, "ra:no", offer)
    notice = await fake.wait_for(
        "sendMessage", lambda c: "consent:yes" in str(c.params), after=mark, chat_id=user
    )
    mark = len(fake.calls)
    fake.press(user, "consent:yes", notice)
    menu = await fake.wait_for("sendMessage", after=mark, chat_id=user)

    location = {"latitude": LATITUDE, "longitude": LONGITUDE}
    await answer(lambda: fake.press(user, menu.button_data("📍"), menu))
    await answer(lambda: fake.send_message(user, location=location))

    await answer(lambda: fake.press(user, "hr:new"))
    await answer(lambda: fake.press(user, "hr:cat:shopping"))
    await answer(lambda: fake.send_text(user, f"{SECRET}, ruf an: {PHONE}"))
    await answer(lambda: fake.send_message(user, location=location))
    for data in ("hr:when:asap", "hr:langs-done", "hr:send"):
        await answer(lambda data=data: fake.press(user, data))
    await fake.wait_for("sendMessage", lambda c: NAME in c.text, chat_id=GROUP)


async def _matrix_story(person: EncryptedPerson, bot_user_id: str) -> None:
    """Onboarding, a place search by location and a text with a secret and a phone number,
    in an encrypted direct chat as Element X makes one (what the bot decrypts must not
    reach the log either)."""
    await person.client.set_displayname(NAME)
    await person.wait_for_keys_of(bot_user_id)
    room = await person.dm(bot_user_id)
    mark = len(person.received)
    await person.say(room, "!start")
    await person.wait_for(lambda e: "1️⃣" in body(e), after=mark)
    mark = len(person.received)
    await person.say(room, "1")
    await person.wait_for(lambda e: body(e).startswith("🔊 "), after=mark)  # read aloud?
    mark = len(person.received)
    await person.say(room, "3")  # 📖 no
    notice = await person.wait_for(lambda e: "🔒" in body(e), after=mark)
    mark = len(person.received)
    await person.react(room, notice["event_id"], "1️⃣")
    await person.wait_for(lambda e: "🏠" in body(e), after=mark)
    mark = len(person.received)
    await person.say(room, "1")  # 1️⃣ find a place
    await person.wait_for(lambda e: "📍" in body(e), after=mark)
    mark = len(person.received)
    await person.share_location(room, LATITUDE, LONGITUDE)
    await person.wait_for(lambda e: True, after=mark)
    mark = len(person.received)
    await person.say(room, f"{SECRET}, ruf an: {PHONE}")
    await person.wait_for(lambda e: True, after=mark)


async def test_debug_log_of_a_real_story_holds_no_personal_data(
    tmp_path: Path, fake_telegram: FakeTelegram, synapse: Synapse
):
    fake = fake_telegram
    fake.token = REAL_TOKEN  # shaped like a real one
    user = 1001
    fake.names[user] = NAME
    account = synapse.register(f"nachbarbot-log{next(BOT_NUMBERS)}")
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[bot]\ndatabase = "{tmp_path / "bot.sqlite3"}"\nlog_level = "DEBUG"\n'
        f'[telegram]\napi_base_url = "{fake.url}"\npoll_timeout = 1\n'
        f'[matrix]\nhomeserver = "{synapse.url}"\nuser_id = "{account["user_id"]}"\n'
        "sync_timeout = 1\n"
        f'[help]\ntelegram_backchannel = "{GROUP}"\nnew_user_cooldown_minutes = 0\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    env["NACHBARBOT_TELEGRAM__TOKEN"] = REAL_TOKEN
    env["NACHBARBOT_MATRIX__ACCESS_TOKEN"] = account["access_token"]
    log = tmp_path / "bot.log"
    process = launch_bot(config, env, log)
    person = EncryptedPerson(synapse, "zuleikha")
    try:
        await fake.wait_for("getMe", timeout=180)  # a cold start on a busy machine
        await person.start()
        await _telegram_story(fake, user)
        await _matrix_story(person, account["user_id"])
        await fake.settle()
    finally:
        await person.stop()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    text = log.read_text(encoding="utf-8", errors="replace")
    assert " DEBUG " in text, "the log must really be at DEBUG"
    assert len(text.splitlines()) > 100
    assert "running: telegram, matrix" in text
    _assert_clean(text)
    assert account["access_token"] not in text
    # Nor the bot's encryption secrets: its cross-signing seeds, its device's store, the
    # key that seals them (in its file beside the database).
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        sealed_seeds = await db.transport_state.get("matrix.cross_signing") or ""
        store = await db.transport_state.crypto_store(account["user_id"], account["device_id"])
    finally:
        await db.close()
    key_file = tmp_path / "bot.matrix-key"
    key = base64.b64decode(key_file.read_text(encoding="ascii"))
    seeds = json.loads(open_text(key, sealed_seeds, "matrix.cross_signing"))
    assert seeds.get("master") and seeds["master"] not in text
    assert seeds["self_signing"] not in text
    assert store and store[:40] not in text
    assert sealed_seeds[:40] not in text
    assert key_file.read_text(encoding="ascii").strip() not in text
    assert "zuleikha" not in text  # the Matrix user name
    # HTTP requests are logged (not silenced by a level), with the token scrubbed.
    assert "/bot***/sendMessage" in text
