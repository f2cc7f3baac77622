"""Scripts and styles from the npm registry, served by the bot itself.

``package.json`` at the top of the repository names them; ``make`` installs them with
``npm ci`` into ``node_modules/`` (never copied into the repository). Only the files
listed here are served, under ``/vendor/``; the folder can be moved with
``NACHBARBOT_WEB_ASSETS`` (the container image installs them elsewhere).
"""

from __future__ import annotations

import os
from pathlib import Path

from aiohttp import web

_DEFAULT = Path(__file__).resolve().parents[2] / "node_modules"

# URL path under /vendor/ → file inside node_modules.
VENDOR = {
    "leaflet/leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    "leaflet/images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
    "leaflet/images/marker-icon-2x.png": "leaflet/dist/images/marker-icon-2x.png",
    "leaflet/images/marker-shadow.png": "leaflet/dist/images/marker-shadow.png",
    "leaflet/images/layers.png": "leaflet/dist/images/layers.png",
    "leaflet/images/layers-2x.png": "leaflet/dist/images/layers-2x.png",
    "markercluster/leaflet.markercluster.js": (
        "leaflet.markercluster/dist/leaflet.markercluster.js"
    ),
    "markercluster/MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
    "markercluster/MarkerCluster.Default.css": (
        "leaflet.markercluster/dist/MarkerCluster.Default.css"
    ),
}


def vendor_root() -> Path:
    return Path(os.environ.get("NACHBARBOT_WEB_ASSETS") or _DEFAULT)


def missing() -> list[str]:
    """Vendor files that are not installed (``doctor`` and the server's start say so)."""
    root = vendor_root()
    return [name for name, rel in VENDOR.items() if not (root / rel).is_file()]


_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


async def vendor(request: web.Request) -> web.StreamResponse:
    rel = VENDOR.get(request.match_info["name"])
    if rel is None:
        raise web.HTTPNotFound()
    path = vendor_root() / rel
    if not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(
        path,
        headers={
            "Content-Type": _TYPES.get(path.suffix, "application/octet-stream"),
            "Cache-Control": "public, max-age=86400",
        },
    )
