"""Where a place's (or a district's) links and QR codes lead.

Each chat app the city runs says how it opens the bot at a place or a district (its
declaration's ``opening``, bot/transports/registry.py ``openings``): a deep link where the
app takes a start payload (the bot's @username known: ``Site.bot_username``, from the
running transport, or asked once by ``python -m bot web``), else its account and the
command to write to it. A printed code leads to the first of them, else to the web page
itself. QR codes are inline SVG made here with segno: no script, no request.
"""

from __future__ import annotations

import segno
from markupsafe import Markup

from bot.transports.registry import Opening, openings
from bot.web.site import Site


def ways(site: Site, payload: str) -> list[Opening]:
    """How the pages open the bot at ``payload`` (``place_12``, a district's), per app -
    and in the demo at the console beside the web (``Site.media``: the transports running
    in this process), where its reader writes ``/start <payload>``."""
    return openings(site.config, site.bot_username, payload, site.media.keys())


def qr_target(site: Site, payload: str, page: str) -> str:
    """What a printed code should open: the bot if a link reaches it, else ``page``."""
    found = [way for way in ways(site, payload) if way.link]
    return found[0].link if found else f"{site.base_url}{page}"


def reaches_the_bot(site: Site, payload: str) -> bool:
    """Whether :func:`qr_target` leads to the bot (else to the web page)."""
    return any(way.link for way in ways(site, payload))


def qr_svg(target: str, label: str, *, css_class: str = "qr") -> Markup:
    """The QR code of ``target`` as an SVG element sized by CSS (a viewBox, no width)."""
    code = segno.make(target, error="m")
    svg = code.svg_inline(
        scale=1, border=2, omitsize=True, svgclass=css_class, lineclass=None, title=label
    )
    # An image for assistive technology, named by its title.
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))
