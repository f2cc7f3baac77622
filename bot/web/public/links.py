"""Where a place's (or a district's) links and QR codes lead.

The bot's Telegram deep link ``https://t.me/<username>?start=<payload>`` when the bot's
@username is known (``Site.bot_username``: from the running Telegram transport, or asked
once with getMe by ``python -m bot web``, see ``bot_name``); else the bot's Matrix account
(``https://matrix.to/#/<user_id>``), where ``!start <payload>`` opens the same thing; else
the web page itself. QR codes are inline SVG made here with segno: no script, no request.
"""

from __future__ import annotations

from urllib.parse import quote

import segno
from markupsafe import Markup

from bot.web.site import Site


def telegram(site: Site, payload: str) -> str:
    return f"https://t.me/{site.bot_username}?start={payload}" if site.bot_username else ""


def matrix_account(site: Site) -> str:
    return site.config.matrix.user_id


def matrix_link(site: Site) -> str:
    account = matrix_account(site)
    return f"https://matrix.to/#/{quote(account, safe='@:')}" if account else ""


def qr_target(site: Site, payload: str, page: str) -> str:
    """What a printed code should open: the bot if it can be reached, else ``page``."""
    return telegram(site, payload) or matrix_link(site) or f"{site.base_url}{page}"


def reaches_the_bot(site: Site, payload: str) -> bool:
    """Whether :func:`qr_target` leads to the bot (else to the web page)."""
    return bool(telegram(site, payload) or matrix_link(site))


def qr_svg(target: str, label: str, *, css_class: str = "qr") -> Markup:
    """The QR code of ``target`` as an SVG element sized by CSS (a viewBox, no width)."""
    code = segno.make(target, error="m")
    svg = code.svg_inline(
        scale=1, border=2, omitsize=True, svgclass=css_class, lineclass=None, title=label
    )
    # An image for assistive technology, named by its title.
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))
