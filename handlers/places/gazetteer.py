"""Where is "Hoerde", "44137" or "Brechten bitte"? Districts and postcodes of the city.

Loaded from the configured data folder (``stadtbezirke.csv``, ``stadtteile.csv``,
``postcodes.csv``). Matching forgives case, missing umlauts ("Hoerde", "Horde"), small
typos and extra words; when nothing matches well, the closest names are offered.

The city's own name is not a place in it: "Dortmund", "ich wohne in Dortmund" resolve to
nothing (``Resolution.city_only``), "Dortmund Hörde" to Hörde. Names written in the other
scripts the bot speaks (هورده, Хёрде) are transliterated to Latin (anyascii) and compared by
their consonants, since Arabic and Persian leave most vowels out and Cyrillic spells German
sounds its own way ("Kherde"); the aliases in ``stadtteile.csv`` hold what that misses.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from anyascii import anyascii
from rapidfuzz import fuzz, process

from handlers.parsing import typed

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The gazetteer's files and their columns, as in data/dortmund/ (``number`` and ``stadtteile``
# are for the people keeping the files; the loader reads the others).
GAZETTEER_FILES: dict[str, tuple[str, ...]] = {
    "stadtbezirke.csv": ("stadtbezirk", "number", "lat", "lon"),
    "stadtteile.csv": ("stadtteil", "stadtbezirk", "lat", "lon", "aliases"),
    "postcodes.csv": ("postcode", "lat", "lon", "stadtbezirk", "stadtteile"),
}
_POSTCODE = re.compile(r"\b(\d{5})\b")
_COORDS = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
MATCH_THRESHOLD = 82
# Spellings of one sound in German and in transliterated Arabic, Persian and Cyrillic,
# replaced in this order (longest first) before the vowels go.
_SOUNDS = (
    ("tsch", "c"),
    ("sch", "s"),
    ("sh", "s"),
    ("ch", "h"),
    ("kh", "h"),
    ("ck", "k"),
    ("ph", "f"),
    ("th", "t"),
    ("gh", "g"),
    ("zh", "z"),
    ("tz", "z"),
    ("ts", "z"),
    ("c", "k"),
    ("q", "k"),
    ("p", "b"),
    ("v", "f"),
    ("j", "g"),
)


def fold(text: str) -> str:
    """Lowercase, umlauts written out (ö → oe), other scripts transliterated to Latin,
    accents and punctuation dropped."""
    text = text.casefold().replace("ß", "ss")
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, spelled)
    text = unicodedata.normalize("NFKD", text)
    # Marks go, and so do symbols: anyascii spells an emoji out as its name ("🙂" as
    # "slight smile"), which then matched districts and was offered back as guesses.
    text = "".join(
        ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch)[0] != "S"
    )
    # Soft signs and hamzas come out as apostrophes: they are not word breaks.
    text = anyascii(text).casefold().replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def slug(name: str) -> str:
    """A district's name as a deep link may carry it (``/start district_hoerde``):
    Telegram allows only ASCII letters, digits, ``_`` and ``-`` there."""
    return fold(name).replace(" ", "-")


def skeleton(folded: str) -> str:
    """The consonants of a folded name, the way a name survives transliteration:
    "hoerde", "hwrdh" (هورده) and "kherde" (Хёрде) are all "hrd"."""
    for spelled, sound in _SOUNDS:
        folded = folded.replace(spelled, sound)
    words = []
    for word in folded.split():
        word = re.sub(r"(.)\1+", r"\1", re.sub(r"[aeiouwy]", "", word))
        # A final e is often written with a final h (ه, ة) in Arabic and Persian.
        words.append(word[:-1] if len(word) > 1 and word.endswith("h") else word)
    return " ".join(word for word in words if word)


def _latin(text: str) -> bool:
    return all(not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN") for ch in text)


def _variants(name: str) -> set[str]:
    """ "Hörde" is also typed "Hoerde" and "Horde"."""
    # Folding the decomposed form drops the umlaut's dots instead of spelling it out.
    return {fold(name), fold(unicodedata.normalize("NFKD", name.casefold()))}


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Area:
    kind: str  # "stadtbezirk", "stadtteil", "postcode" or "point"
    name: str
    lat: float
    lon: float
    stadtbezirk: str = ""


@dataclass(frozen=True)
class Resolution:
    area: Area | None
    suggestions: tuple[str, ...] = ()
    # Only the city itself was named ("Dortmund", "ich wohne in Dortmund"): which part?
    city_only: bool = False


class Gazetteer:
    def __init__(
        self,
        bezirke: list[Area],
        teile: list[Area],
        postcodes: list[Area],
        aliases: dict[str, Area],
    ) -> None:
        self.bezirke = bezirke
        self.teile = teile
        self.postcodes = {area.name: area for area in postcodes}
        self._names: dict[str, Area] = {}
        for area in [*bezirke, *teile]:
            for variant in _variants(area.name):
                # A Stadtteil named like its Stadtbezirk (Hörde in Hörde) means the Stadtteil.
                self._names[variant] = area
        for alias, area in aliases.items():
            for variant in _variants(alias):
                self._names.setdefault(variant, area)
        # Consonant skeletons for names typed in other scripts; one shared by two different
        # areas (Westrich, Oestrich) decides nothing.
        skeletons: dict[str, set[Area]] = {}
        for key, area in self._names.items():
            bones = skeleton(key)
            if bones:
                skeletons.setdefault(bones, set()).add(area)
        self._skeletons = {
            bones: next(iter(areas)) for bones, areas in skeletons.items() if len(areas) == 1
        }
        points = [(a.lat, a.lon) for a in [*bezirke, *teile, *postcodes]]
        margin = 0.05  # about 5 km around the outermost centroids
        self.box = (
            min(p[0] for p in points) - margin,
            max(p[0] for p in points) + margin,
            min(p[1] for p in points) - margin,
            max(p[1] for p in points) + margin,
        )

    def contains(self, lat: float, lon: float) -> bool:
        lat_min, lat_max, lon_min, lon_max = self.box
        return lat_min <= lat <= lat_max and lon_min <= lon <= lon_max

    def nearest_stadtteil(self, lat: float, lon: float) -> Area:
        return min(self.teile, key=lambda a: distance_m(lat, lon, a.lat, a.lon))

    def display_names(self) -> list[str]:
        return sorted({a.name for a in [*self.bezirke, *self.teile]})

    def resolve(self, query: str, city: str = "") -> Resolution:
        """A postcode, ``LAT,LON`` or a district name (fuzzy) → an area, or suggestions.
        ``city`` is the city's own name, which names no part of it."""
        query = typed(query)
        coords = _COORDS.match(query)
        if coords:
            lat, lon = float(coords.group(1)), float(coords.group(2))
            if self.contains(lat, lon):
                return Resolution(
                    Area(
                        "point",
                        f"{lat:.5f}, {lon:.5f}",
                        lat,
                        lon,
                        self.nearest_stadtteil(lat, lon).stadtbezirk,
                    )
                )
            return Resolution(None)
        postcode = _POSTCODE.search(query)
        if postcode:
            return Resolution(self.postcodes.get(postcode.group(1)))
        folded = fold(query)
        if not folded:
            return Resolution(None)
        if folded in self._names:
            return Resolution(self._names[folded])
        words, named_city = without_city(folded.split(), city)
        if not words:
            return Resolution(None, city_only=named_city)
        # Extra words ("in hoerde bitte"): try every run of one to three words.
        candidates = {
            " ".join(words[i:j])
            for i in range(len(words))
            for j in range(i + 1, min(len(words), i + 3) + 1)
        }
        longest_first = sorted(candidates, key=len, reverse=True)
        for candidate in longest_first:
            if candidate in self._names:
                return Resolution(self._names[candidate])
        if not _latin(query):
            for candidate in longest_first:
                bones = skeleton(candidate)
                # Two consonants are many words' ("خانه", house, is Hacheney's "hn"): a
                # word of a sentence names a place only by three or more.
                if len(bones.replace(" ", "")) < 3 and candidate != " ".join(words):
                    continue
                area = self._skeletons.get(bones)
                if area is not None:
                    return Resolution(area)
        best = None
        for candidate in candidates:
            match = process.extractOne(
                candidate, self._names.keys(), scorer=fuzz.ratio, score_cutoff=MATCH_THRESHOLD
            )
            if match and (best is None or match[1] > best[1]):
                best = match
        if best is not None:
            return Resolution(self._names[best[0]])
        if named_city:
            return Resolution(None, city_only=True)
        close = process.extract(" ".join(words), self._names.keys(), scorer=fuzz.WRatio, limit=12)
        names: list[str] = []
        for key, _score, _ in close:
            name = self._names[key].name
            if name not in names:
                names.append(name)
        return Resolution(None, tuple(names[:4]))


def without_city(words: list[str], city: str) -> tuple[list[str], bool]:
    """The words without the city's own name (in any script), and whether it was there."""
    name = fold(city).split()
    if not name:
        return words, False
    bones = skeleton(" ".join(name))
    kept: list[str] = []
    named = False
    i = 0
    while i < len(words):
        run = words[i : i + len(name)]
        if run == name or (len(bones) >= 4 and skeleton(" ".join(run)) == bones):
            named = True
            i += len(name)
            continue
        kept.append(words[i])
        i += 1
    return kept, named


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fp:
        return list(csv.DictReader(fp))


def find_data_dir(configured: str) -> Path:
    path = Path(configured)
    if not path.is_absolute() and not path.exists():
        path = PROJECT_ROOT / configured
    return path


@cache
def load_gazetteer(directory: str) -> Gazetteer:
    root = find_data_dir(directory)
    bezirke = [
        Area("stadtbezirk", r["stadtbezirk"], float(r["lat"]), float(r["lon"]), r["stadtbezirk"])
        for r in _read(root / "stadtbezirke.csv")
    ]
    teile, aliases = [], {}
    for row in _read(root / "stadtteile.csv"):
        area = Area(
            "stadtteil", row["stadtteil"], float(row["lat"]), float(row["lon"]), row["stadtbezirk"]
        )
        teile.append(area)
        for alias in (row.get("aliases") or "").split(";"):
            if alias.strip():
                aliases[alias.strip()] = area
    postcodes = [
        Area("postcode", r["postcode"], float(r["lat"]), float(r["lon"]), r["stadtbezirk"])
        for r in _read(root / "postcodes.csv")
    ]
    return Gazetteer(bezirke, teile, postcodes, aliases)
