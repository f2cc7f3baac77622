"""Every desk form (each POST route of the router) sent by a logged-in coordinator with its
fields over-long, repeated, or not UTF-8 at all: an answer, never a 500 - a refusal (4xx)
or the form's own page - and the request and place it names keep what they were (but for
the repeated fields, which make a valid form)."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

from db.places import Place
from tests.support import browser
from tests.support.desk_client import asked_in_review, at_the_desk

FIELDS = (
    *("text", "reason", "note", "summary", "was", "once", "name", "phone", "language"),
    *("channel", "title", "title_local", "description", "description_local", "starts"),
    *("ends", "place", "address", "street", "housenumber", "postcode", "opening_hours"),
    *("wheelchair", "category", "stadtbezirk", "stadtteil", "languages", "activity"),
    *("basis", "confirm", "expires_on", "seen_on", "signer_name", "signer_role", "request"),
    *("upload", "on", "duration", "rrule", "lat", "lon", "pin", "kind", "email", "website"),
)
# Each field's value as bytes on the wire, already form-encoded.
VALUES = {
    "long": quote("ä" * 3_000),  # over every field's limit (1,000 at most), the body under 5 MB
    "not UTF-8": "%FF%FE%C3%28",
    "NUL and controls": "%00%1B%7F%E2%80%AE",
    "repeated": "x&{field}=y",
}
SKIPPED = ("/desk/login/", "/desk/logout")


async def test_no_desk_form_answers_500_to_malformed_fields(db, site, web_chat):
    _site, base = site
    posts = [
        pattern
        for method, pattern, _ in browser.routes()
        if method == "POST" and pattern.startswith("/desk") and not pattern.startswith(SKIPPED)
    ]
    assert len(posts) > 20
    broken = []
    async with at_the_desk(web_chat, db, base) as desk:
        request = await asked_in_review(web_chat, db, "rita", "de", "Einkaufen, bitte")
        place = await db.places.upsert(
            Place(source="t", source_id="1", name="Treff", category="library", lat=51.5, lon=7.4),
            "test",
        )
        before = (await db.requests.get(request.id), await db.places.get(place))
        for kind, value in VALUES.items():
            if kind == "repeated":  # a valid form, that may act: what came before may not
                refused = (await db.requests.get(request.id), await db.places.get(place))
            for pattern in posts:
                path = browser.fill(pattern, {"id": str(request.id)})
                body = "&".join(
                    [f"csrf={desk.csrf}", *(f"{f}={value.format(field=f)}" for f in FIELDS)]
                )
                async with desk.browser.post(
                    base + path,
                    data=body.encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    allow_redirects=False,
                ) as answer:
                    if answer.status >= 500:
                        broken.append(f"{path} ({kind}): {answer.status}")
    assert broken == []
    # (Mark verified takes no field: it acts, as it should.)
    assert replace(refused[1], last_verified=None) == replace(before[1], last_verified=None)
    assert refused[0].description == before[0].description
