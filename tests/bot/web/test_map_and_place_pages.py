"""The public web: the map and its JSON (the chat's filters), a page and posters per place
and district with the bot's deep links and QR codes, the Telegram Mini App's check of
initData, and the "🗺 Map" button in the chat."""

from __future__ import annotations

import io
import json
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import aiohttp
import pytest
from mutagen.oggopus import OggOpus

from bot.config import Config, MatrixSection, TelegramSection, WebSection
from bot.speech.engines import embedded
from bot.speech.speaker import Speaker
from bot.transports.markup import with_links
from bot.transports.matrix.render import render as matrix_render
from bot.transports.registry import bot_name
from bot.transports.telegram import TelegramTransport
from bot.transports.telegram_name import username as telegram_username
from bot.web.public import initdata, links
from bot.web.public.posters import INVITATION, PAGE_INVITATION
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Button, Message, decode, encode
from handlers.places.gazetteer import load_gazetteer, slug
from handlers.places.search import Query, nearest
from handlers.settings import HandlerSettings
from locales import SUPPORTED_LANGUAGES, hours, translator
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.memory_transport import MemoryTransport, texts
from tests.support.places_sample import import_sample
from tests.support.web_site import serving

TILES = "https://tiles.example.org/{z}/{x}/{y}.png"
USERNAME = "nachbarbot_test_bot"
URL = re.compile(r"""https?://[^\s"'<>]+""")


@pytest.fixture
async def sample(db: Database) -> Database:
    return await import_sample(db)


def _config(**matrix: str) -> Config:
    return Config(
        web=WebSection(tile_url=TILES),
        telegram=TelegramSection(token=TOKEN),
        matrix=MatrixSection(**matrix),
    )


@pytest.fixture
async def web(sample: Database, settings: HandlerSettings):
    async with serving(sample, settings, config=_config(), username=USERNAME) as (site, base):
        yield site, base


async def _get(base: str, path: str, **headers: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(base + path, headers=headers) as r:
        return r.status, await r.text()


async def _json(base: str, path: str) -> dict:
    async with aiohttp.ClientSession() as session, session.get(base + path) as response:
        assert response.status == 200
        return await response.json()


def _ids_listed(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<li data-place-id="(\d+)"', html)]


# -- the map page and its JSON -------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "lang", "direction"), [("de-DE", "de", "ltr"), ("ar", "ar", "rtl")]
)
async def test_the_map_page_in_the_visitors_language(web, accept, lang, direction):
    _site, base = web
    status, html = await _get(base, "/", **{"Accept-Language": accept})
    assert status == 200
    assert f'<html lang="{lang}" dir="{direction}">' in html
    for hook in ('id="map"', 'id="filters"', 'id="place-list"', 'id="details"'):
        assert hook in html, hook
    # The map's inner workings stay left to right; its region is named for screen readers.
    assert re.search(r'<div id="map"[^>]*dir="ltr"[^>]*aria-label="[^"]+"', html)
    t = translator(lang)
    assert t._("Kind of place") in html and t._("Kind of place") != "Kind of place"
    # Without script the list holds the places, each a link to its page.
    listed = _ids_listed(html)
    assert len(listed) == await web[0].db.places.count()
    assert f'href="/place/{listed[0]}"' in html


async def test_no_third_party_address_but_the_tiles(web):
    _site, base = web
    for path in ("/", "/?lang=fa&kind=library&open=1"):
        _status, html = await _get(base, path)
        assert set(URL.findall(html)) == {TILES}, path
        for src in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert src.startswith(("/", "?", "#")), src
    # A place's page names the bot's link and the place's own website (links, not loads):
    # every script, style and image comes from the bot.
    _status, html = await _get(base, "/place/1")
    loads = re.findall(r'<(?:script|img)[^>]*src="([^"]+)"', html)
    loads += re.findall(r'<link[^>]*href="([^"]+)"', html)
    assert loads and all(url.startswith("/") for url in loads), loads


async def test_the_json_lists_every_place_with_names_in_the_language(web):
    site, base = web
    data = await _json(base, "/api/places?lang=ar")
    assert len(data["places"]) == await site.db.places.count()
    library = next(p for p in data["places"] if p[0] == 1)
    place = await site.db.places.get(1)
    assert library[1:4] == [round(place.lat, 6), round(place.lon, 6), place.name]
    assert library[4] == place.texts["ar"][0]  # its Arabic name beside the sign's
    assert library[5] == "library" and library[6] == place.wheelchair
    assert "📚" in data["kinds"]["library"]


CHAT_FILTERS = [
    ({"kind": "library"}, {"category": "library"}),
    ({"wheelchair": "1"}, {"wheelchair": True}),
    ({"speaks": "ar"}, {"language": "ar"}),
    ({"open": "1"}, {"open_now": True}),
    ({"kind": "welcome_point", "speaks": "uk"}, {"category": "welcome_point", "language": "uk"}),
    ({"wheelchair": "1", "open": "1"}, {"wheelchair": True, "open_now": True}),
]


@pytest.mark.parametrize(("web_filters", "chat_filters"), CHAT_FILTERS)
async def test_each_filter_narrows_as_the_chats_search_does(web, web_filters, chat_filters):
    site, base = web
    total = await site.db.places.count()
    # The chat's search from the city centre, reaching the whole city, at the same minute.
    while datetime.now(UTC).second > 55:
        time.sleep(1)
    found, more = await nearest(
        site.db, Query(51.5136, 7.4653, **chat_filters), datetime.now(UTC), limit=total
    )
    assert not more
    expected = {item.place.id for item in found}
    data = await _json(base, "/api/places?" + urlencode(web_filters))
    assert {p[0] for p in data["places"]} == expected
    if "open" not in web_filters:  # all might be closed (or open) right now
        assert 0 < len(expected) < total
    # The page without script lists the same.
    _status, html = await _get(base, "/?" + urlencode(web_filters))
    assert set(_ids_listed(html)) == expected
    # Nonsense values filter nothing.
    data = await _json(base, "/api/places?kind=nonsense&speaks=xx&wheelchair=maybe")
    assert len(data["places"]) == total


# -- a place's page -----------------------------------------------------------------------


async def test_a_place_page_has_the_details_the_deep_link_and_its_qr_code(web):
    site, base = web
    place = await site.db.places.get(1)
    status, html = await _get(base, "/place/1", **{"Accept-Language": "tr"})
    assert status == 200
    assert place.name in html and place.texts["tr"][0] in html
    link = f"https://t.me/{USERNAME}?start=place_1"
    assert f'href="{link}"' in html
    qr = links.qr_svg(link, translator("tr")._("QR code: open this place in the bot"))
    assert qr in html and '<svg role="img"' in html
    assert 'id="place-map"' in html and 'href="/poster/place/1"' in html
    status, panel = await _get(base, "/place/1/panel?lang=en")
    assert status == 200 and place.name in panel and link in panel
    assert "<html" not in panel


async def test_the_deep_link_opens_that_place_in_the_chat(sample: Database, chat: MemoryTransport):
    await chat.onboard("paula", "de")
    place = await sample.places.get(3)
    shown = texts(await chat.text("paula", "/start place_3"))
    assert place.name in shown


async def test_without_telegram_the_matrix_account_is_named(sample, settings):
    config = replace(_config(user_id="@nachbarbot:example.org"), telegram=TelegramSection())
    async with serving(sample, settings, config=config, username="") as (_site, base):
        _status, html = await _get(base, "/place/2?lang=en")
        assert "t.me/" not in html
        assert "!start place_2" in html and "@nachbarbot:example.org" in html
        _status, poster = await _get(base, "/poster/place/2")
        assert "https://matrix.to/#/@nachbarbot:example.org" in poster


async def test_a_poster_whose_code_opens_the_page_says_so(sample, settings):
    """No Telegram name and no Matrix account: the code leads to the web page, and the
    poster's words must not send people to a bot they cannot reach."""
    config = replace(_config(), telegram=TelegramSection())
    async with serving(sample, settings, config=config, username="") as (_site, base):
        _status, poster = await _get(base, "/poster/place/2")
        lines = _lines(poster)
        assert lines and all(
            text == translator(code)._(PAGE_INVITATION) for code, (_, text) in lines.items()
        )
        assert f"{base}/place/2" in poster


@pytest.mark.parametrize(
    "path",
    [
        "/place/999999",
        "/place/abc",
        "/place/999999/panel",
        "/poster/place/999999",
        "/poster/district/Atlantis",
        "/poster/district/",
    ],
)
async def test_unknown_places_and_districts_are_not_found(web, path):
    _site, base = web
    status, html = await _get(base, path)
    assert status == 404
    assert "Traceback" not in html


# -- posters ------------------------------------------------------------------------------


def _lines(html: str) -> dict[str, tuple[str, str]]:
    return {
        lang: (direction, text.strip())
        for lang, direction, text in re.findall(r'<li lang="(\w+)" dir="(\w+)">([^<]+)</li>', html)
    }


async def test_a_place_poster_invites_in_every_language(web):
    site, base = web
    status, html = await _get(base, "/poster/place/1")
    assert status == 200
    place = await site.db.places.get(1)
    assert place.name in html
    lines = _lines(html)
    assert set(lines) == set(SUPPORTED_LANGUAGES)
    for code, (direction, text) in lines.items():
        t = translator(code)
        assert direction == ("rtl" if t.rtl else "ltr")
        assert text == t._(INVITATION)
    assert (
        links.qr_svg(
            f"https://t.me/{USERNAME}?start=place_1",
            translator("de")._("QR code: open the neighbourhood bot"),
            css_class="qr big",
        )
        in html
    )
    assert 'href="/static/poster.css' in html


async def test_a_district_poster_lists_its_places_and_its_link_opens_them(
    web, chat: MemoryTransport
):
    site, base = web
    status, html = await _get(base, "/poster/district/hoerde")
    assert status == 200
    assert set(_lines(html)) == set(SUPPORTED_LANGUAGES)
    hoerde, count = await site.db.places.in_district("Hörde")
    assert hoerde and count == len(hoerde)
    for place in hoerde:
        assert place.name in html
    others = [p for p in (await site.db.places.get_many(list(range(1, 90)))).values()]
    assert any(p.name not in html for p in others if p.stadtbezirk != "Hörde")
    assert f"https://t.me/{USERNAME}?start=district_hoerde" in html
    # Its name works too, and every district has a poster on the index.
    assert (await _get(base, "/poster/district/Hörde"))[0] == 200
    _status, index = await _get(base, "/posters")
    for area in load_gazetteer("data/dortmund").bezirke:
        assert f'href="/poster/district/{slug(area.name)}"' in index
    # The code's link opens the district's places in the chat.
    await chat.onboard("dora", "de")
    shown = texts(await chat.text("dora", "/start district_hoerde"))
    assert "Hörde" in shown and "📏" in shown
    assert hoerde[0].name in shown or "📍" in shown
    shown = texts(await chat.text("dora", "/start district_atlantis"))
    assert "🔗" in shown


# -- the Telegram Mini App ----------------------------------------------------------------


def _init_data(token: str = TOKEN, *, user_id: int = 4242, age: timedelta = timedelta(0), **extra):
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {"id": user_id, "first_name": "Amira", "language_code": "ar"}, separators=(",", ":")
        ),
        "auth_date": str(int((datetime.now(UTC) - age).timestamp())),
        **extra,
    }
    fields["hash"] = initdata.sign(fields, token)
    return fields


def test_initdata_as_telegram_signs_it_is_accepted():
    fields = _init_data()
    verified = initdata.verify(urlencode(fields), TOKEN)
    assert verified.user_id == 4242 and verified.language_code == "ar"


@pytest.mark.parametrize(
    "case", ["tampered", "wrong token", "old", "no hash", "twice", "future", "empty", "no user"]
)
def test_initdata_not_from_telegram_is_refused(case):
    fields = _init_data()
    if case == "tampered":
        fields["user"] = fields["user"].replace("4242", "4243")
    elif case == "wrong token":
        fields = _init_data("654321:OTHER-TOKEN")
    elif case == "old":
        fields = _init_data(age=timedelta(hours=24, minutes=1))
    elif case == "no hash":
        del fields["hash"]
    elif case == "future":
        fields = _init_data(age=-timedelta(hours=1))
    elif case == "no user":
        fields = {k: v for k, v in fields.items() if k not in ("user", "hash")}
        fields["hash"] = initdata.sign(fields, TOKEN)
    raw = "" if case == "empty" else urlencode(fields)
    if case == "twice":
        raw += "&" + urlencode({"user": fields["user"]})
    with pytest.raises(initdata.Refused):
        initdata.verify(raw, TOKEN)
    # Nor is anything accepted without a token.
    with pytest.raises(initdata.Refused):
        initdata.verify(urlencode(_init_data()), "")


async def _post_me(base: str, body: str) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{base}/api/miniapp/me", data=body, headers={"Content-Type": "text/plain"}
        ) as response,
    ):
        return response.status, await response.json()


async def test_the_mini_app_learns_the_language_only_with_signed_data(web):
    site, base = web
    person = await site.db.users.seen("telegram", "4242", "4242", "Amira")
    await site.db.users.set_language(person.id, "fa")
    await site.db.events.subscribe(person.id, "place", "5")
    await site.db.events.subscribe(person.id, "district", "Hörde")
    status, me = await _post_me(base, urlencode(_init_data()))
    assert status == 200
    assert me["language"] == "fa"
    place = await site.db.places.get(5)
    assert me["places"] == [{"id": 5, "name": place.name_in("fa")}]
    assert me["districts"] == ["Hörde"]
    # Someone the bot does not know: Telegram's language, nothing else.
    status, stranger = await _post_me(base, urlencode(_init_data(user_id=777)))
    assert status == 200 and stranger == {"language": "ar", "places": [], "districts": []}
    forged = _init_data()
    forged["user"] = forged["user"].replace("Amira", "Mallory")
    for body in (urlencode(forged), urlencode(_init_data("1:WRONG")), ""):
        status, answer = await _post_me(base, body)
        assert status == 403 and answer == {"error": "forbidden"}


# -- the "🗺 Map" button -------------------------------------------------------------------


def test_link_buttons_travel_through_the_outbox_and_show_as_text_without_buttons():
    message = Message(
        text=translator("en").t("Hello"),
        buttons=[
            [Button("🗺 Map", url="https://karte.example.org/", web_app=True)],
            [Button("🏠 Main menu", "menu:main")],
        ],
    )
    again = decode(json.loads(json.dumps(encode(message))))
    assert again.buttons == message.buttons
    with pytest.raises(ValueError):
        Button("x", "menu:main", url="https://karte.example.org/")
    with pytest.raises(ValueError):
        Button("x", url="javascript:alert(1)")
    content = matrix_render(
        with_links(message.text, message.buttons), [("🏠 Main menu", "menu:main")]
    )
    assert '🗺 Map: <a href="https://karte.example.org/">' in content["formatted_body"]
    assert content["body"].count("🏠 Main menu") == 1 and "🗺 Map: https://" in content["body"]


@pytest.fixture
async def telegram_with_web(fake_telegram: FakeTelegram, db: Database, settings: HandlerSettings):
    async def start(web_url: str) -> TelegramTransport:
        dispatcher = Dispatcher(db, build_router(), replace(settings, web_url=web_url))
        config = TelegramSection(api_base_url=fake_telegram.url, poll_timeout=1)
        transport = TelegramTransport(
            dispatcher.ports, config, TOKEN, dispatcher.router.public_commands()
        )
        await transport.start()
        return transport

    started: list[TelegramTransport] = []

    async def run(web_url: str) -> TelegramTransport:
        transport = await start(web_url)
        started.append(transport)
        return transport

    yield run
    for transport in started:
        await transport.stop()


async def _places_menu(fake: FakeTelegram, user: int) -> dict:
    start = len(fake.calls)
    fake.send_text(user, "/start", language_code="de")
    picker = await fake.wait_for("sendMessage", after=start, chat_id=user)
    mark = len(fake.calls)
    fake.press(user, "lang:de", picker, language_code="de")
    notice = await fake.wait_for("sendMessage", after=mark, chat_id=user)
    mark = len(fake.calls)
    fake.press(user, notice.button_data("✅"), notice, language_code="de")
    menu = await fake.wait_for("sendMessage", after=mark, chat_id=user)
    mark = len(fake.calls)
    fake.send_text(user, "/places", language_code="de")
    places = await fake.wait_for("sendMessage", after=mark, chat_id=user)
    return {"menu": menu.params["reply_markup"], "places": places.params["reply_markup"]}


async def test_the_map_button_opens_the_mini_app_in_telegram(fake_telegram, telegram_with_web):
    await telegram_with_web("https://karte.example.org")
    markups = await _places_menu(fake_telegram, 5151)
    label = "🗺 " + translator("de")._("Map")
    keyboard = markups["places"]["keyboard"]
    assert keyboard[0][0]["request_location"] is True
    assert {"text": label, "web_app": {"url": "https://karte.example.org/?lang=de"}} in [
        b for row in keyboard for b in row
    ]
    menu = [b for row in markups["menu"]["inline_keyboard"] for b in row]
    assert {"text": label, "web_app": {"url": "https://karte.example.org/?lang=de"}} in menu


async def test_no_map_button_when_the_web_is_off(fake_telegram, telegram_with_web):
    await telegram_with_web("")
    markups = await _places_menu(fake_telegram, 5252)
    everything = json.dumps(markups, ensure_ascii=False)
    assert "web_app" not in everything and "🗺" not in everything


async def test_over_plain_http_the_map_is_an_ordinary_link(fake_telegram, telegram_with_web):
    await telegram_with_web("http://127.0.0.1:8080")
    markups = await _places_menu(fake_telegram, 5353)
    menu = [b for row in markups["menu"]["inline_keyboard"] for b in row]
    label = "🗺 " + translator("de")._("Map")
    assert {"text": label, "url": "http://127.0.0.1:8080/?lang=de"} in menu
    assert "web_app" not in json.dumps(markups)


@pytest.mark.parametrize(
    "expression", ["Mo-Fr 09:00-17:00", "24/7", "Tu,Th 14:00-20:00; PH off", "", "nonsense 99"]
)
def test_open_now_for_the_map_is_the_chats_open_now(expression):
    start = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)  # a Monday
    for step in range(0, 7 * 24 * 60, 97):
        at = start + timedelta(minutes=step)
        assert hours.is_open(expression, at) == hours.status(expression, at).is_open


async def test_the_web_alone_asks_telegram_for_the_bots_name(fake_telegram: FakeTelegram):
    config = Config(telegram=TelegramSection(token=TOKEN, api_base_url=fake_telegram.url))
    assert await telegram_username(config) == "nachbar_bot"
    assert await bot_name(config) == "nachbar_bot"  # as python -m bot web asks it
    assert await telegram_username(Config()) == ""
    assert await bot_name(Config()) == ""
    unreachable = TelegramSection(token=TOKEN, api_base_url="http://127.0.0.1:9")
    assert await telegram_username(Config(telegram=unreachable), timeout=2) == ""


async def test_a_place_is_read_aloud_on_its_page(sample: Database, settings: HandlerSettings):
    """🔊 on the place page and the map's panel: the details said by the embedded engine
    (OGG/Opus, cached: they are public); none where no voice speaks the language."""
    speaker = Speaker(embedded())
    await speaker.check(("de", "ar"))
    async with serving(sample, settings, config=_config(), username=USERNAME, speaker=speaker) as (
        _site,
        base,
    ):
        data = await _json(base, "/api/places?lang=de")
        place_id = data["places"][0][0]
        status, page = await _get(base, f"/place/{place_id}?lang=ar")
        assert status == 200 and f"/place/{place_id}/speech.ogg?lang=ar" in page
        status, panel = await _get(base, f"/place/{place_id}/panel?lang=de")
        assert f"/place/{place_id}/speech.ogg?lang=de" in panel
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/place/{place_id}/speech.ogg?lang=ar") as response:
                assert response.status == 200
                assert response.content_type == "audio/ogg"
                assert response.headers["Accept-Ranges"] == "bytes"
                etag = response.headers["ETag"]
                audio = await response.read()
            # The player's ranges (it learns the length from the last page), and a range of
            # a version of the sound that is no more: the whole new one.
            speech = f"{base}/place/{place_id}/speech.ogg?lang=ar"
            for headers, status, expected in (
                ({"Range": "bytes=-100"}, 206, audio[-100:]),
                ({"Range": "bytes=0-3", "If-Range": etag}, 206, b"OggS"),
                ({"Range": "bytes=0-3", "If-Range": '"an older one"'}, 200, audio),
            ):
                async with session.get(speech, headers=headers) as response:
                    assert response.status == status, headers
                    assert await response.read() == expected, headers
                    assert response.headers["ETag"] == etag
            async with session.get(f"{base}/place/{place_id}/speech.ogg?lang=bg") as response:
                assert response.status == 404  # no voice checked for Bulgarian here
        assert audio.startswith(b"OggS")
        assert OggOpus(io.BytesIO(audio)).info.length > 1
        status, page = await _get(base, f"/place/{place_id}?lang=bg")
        assert "speech.ogg" not in page
