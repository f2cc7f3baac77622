"""A resident's number refused on a phone, in real Chromium at 390 px, in Arabic (right to
left): the field the error is about is marked invalid, described by the error (what a
screen reader says at it) and has the focus, so that a keyboard or a screen reader is at
the field to correct - not at the page's top, a long page above the form. The example
number the refusal gives reads as typed in Arabic and Persian too ("0231 1234567", not
"1234567 0231")."""

from __future__ import annotations

from bot.web.desk.phone_residents import BAD_NUMBER, EXAMPLE_NUMBER, NO_NAME, refusal_text
from db import Database
from locales import translator
from tests.support import browser as chromium
from tests.support.desk_client import desk_in_chromium

FOCUSED = """() => {
  const el = document.activeElement;
  const described = (el.getAttribute('aria-describedby') || '').split(' ')
    .map(id => document.getElementById(id)).filter(Boolean).map(e => e.textContent).join(' ');
  return {id: el.id, invalid: el.getAttribute('aria-invalid'), described};
}"""


# Where each of the example's two groups of digits starts on the screen: its area code
# must be left of the rest, as on a phone's keypad, whatever the sentence's direction.
GROUPS_AT = """([area, rest]) => {
  const error = document.getElementById('request-error');
  const walker = document.createTreeWalker(error, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(area + ' ' + rest);
    if (at < 0) continue;
    const left = offset => {
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + 1);
      return range.getBoundingClientRect().left;
    };
    return {area: left(at), rest: left(at + area.length + 1)};
  }
  return null;
}"""


async def _entered(db: Database, coordinator: int) -> int:
    request = await db.requests.create(
        None,
        coordinator,
        state="open",
        entered_by=coordinator,
        category="shopping",
        description="Einkauf für Frau Erna",
        stadtbezirk="Innenstadt-Nord",
        languages=("ar",),
        offline_contact="Erna",
    )
    return request.id


async def test_the_refused_field_is_marked_described_and_focused(db, site, web_chat):
    _site, base = site
    t = translator("ar")
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        request_id = await _entered(db, desk.user_id)
        await page.goto(f"{base}/desk/requests/{request_id}?lang=ar")  # kept in a cookie
        for field, number, name, said in (
            ("phone-number", "0231 98", "Erna", BAD_NUMBER),
            ("phone-name", "0231 9876543", " ", NO_NAME),
        ):
            await page.fill("#phone-number", number)
            await page.fill("#phone-name", name)
            await page.evaluate("document.getElementById('phone-name').removeAttribute('required')")
            async with page.expect_navigation():
                await page.locator("#phone-form button[type=submit]").click()
            await page.wait_for_load_state("load")
            focused = await page.evaluate(FOCUSED)
            assert focused["id"] == field and focused["invalid"] == "true", focused
            assert str(refusal_text(t, said)) in focused["described"], focused
            box = await page.locator(f"#{field}").bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844, box
            assert await page.evaluate("document.documentElement.dir") == "rtl"
            await chromium.assert_accessible(page, f"refused {field}")
    assert (await db.requests.get(request_id)).requester_id is None


async def test_the_example_number_reads_left_to_right_in_arabic_and_persian(db, site, web_chat):
    _site, base = site
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        request_id = await _entered(db, desk.user_id)
        for lang in ("ar", "fa"):
            t = translator(lang)
            await page.goto(f"{base}/desk/requests/{request_id}?lang={lang}")
            await page.fill("#phone-number", "0231 98")
            await page.fill("#phone-name", "Erna")
            async with page.expect_navigation():
                await page.locator("#phone-form button[type=submit]").click()
            area, rest = str(t.digits(EXAMPLE_NUMBER)).split()
            at = await page.evaluate(GROUPS_AT, [area, rest])
            assert at is not None, await page.inner_text("#request-error")
            assert at["area"] < at["rest"], (lang, at)
    assert (await db.requests.get(request_id)).requester_id is None
