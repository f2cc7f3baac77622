"""The controlled vocabularies of places: categories, target groups, access, operators.

Keys are stored; labels are translated at display time. ``*_SYNONYMS`` map what import
files say (German, English, OpenStreetMap tags) to our keys.
"""

from __future__ import annotations

from locales import N_

# key -> (icon, label)
CATEGORIES: dict[str, tuple[str, str]] = {
    "neighbourhood_centre": ("🏘️", N_("Neighbourhood meeting point")),
    "citizens_centre": ("🏛️", N_("Citizens' centre")),
    "senior_centre": ("☕", N_("Senior meeting place")),
    "family_centre": ("👨‍👩‍👧", N_("Family centre")),
    "multigenerational_house": ("🏠", N_("Multi-generation house")),
    "youth_centre": ("🧒", N_("Youth centre")),
    "library": ("📚", N_("Library")),
    "adult_education": ("🎓", N_("Adult education (VHS)")),
    "welcome_point": ("🗣️", N_("Language café / welcome point")),
    "counselling": ("💬", N_("Counselling centre")),
    "religious_community": ("🕊️", N_("Religious community rooms")),
    "club_house": ("🌳", N_("Club house / allotment club")),
}

TARGET_GROUPS: dict[str, str] = {
    "everyone": N_("everyone"),
    "seniors": N_("seniors"),
    "families": N_("families"),
    "youth": N_("children and young people"),
    "women": N_("women"),
    "newcomers": N_("newcomers"),
    "disability": N_("people with disabilities"),
}

# Three looks: only full access gets ♿; "limited" must not pass for it (a step, a narrow
# door), "no" is plainly marked.
WHEELCHAIR: dict[str, tuple[str, str]] = {
    "yes": ("♿", N_("wheelchair accessible")),
    "limited": ("🚧", N_("partly wheelchair accessible")),
    "no": ("🚫", N_("not wheelchair accessible")),
    "unknown": ("❔", N_("wheelchair access unknown")),
}

# The same values for an easy reader's "how to get in" line: plain words about steps.
EASY_ACCESS: dict[str, tuple[str, str]] = {
    "yes": ("♿", N_("without steps")),
    "limited": ("🚧", N_("partly with steps")),
    "no": ("🚫", N_("with steps")),
    "unknown": ("❔", N_("steps: please ask")),
}

OPERATOR_TYPES: dict[str, str] = {
    "public": N_("public"),
    "association": N_("association"),
    "welfare": N_("welfare organisation"),
    "religious": N_("church or religious community"),
    "private": N_("private"),
}


def _fold(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _synonyms(table: dict[str, list[str]]) -> dict[str, str]:
    return {_fold(word): key for key, words in table.items() for word in [key, *words]}


CATEGORY_SYNONYMS = _synonyms(
    {
        "neighbourhood_centre": [
            "quartierstreff",
            "nachbarschaftstreff",
            "quartiersbüro",
            "stadtteiltreff",
            "stadtteilzentrum",
            "community_centre",
            "neighbourhood_centre",
            "nachbarschaftszentrum",
        ],
        "citizens_centre": [
            "bürgerzentrum",
            "bürgertreff",
            "bürgerhaus",
            "citizens_centre",
            "community_hall",
            "village_hall",
        ],
        "senior_centre": [
            "seniorenbegegnungsstätte",
            "seniorentreff",
            "seniorenbüro",
            "senior_centre",
            "senior",
            "seniors",
            "senior_center",
        ],
        "family_centre": ["familienzentrum", "family_centre", "family"],
        "multigenerational_house": [
            "mehrgenerationenhaus",
            "mgh",
            "multigenerational_house",
            "multigeneration_house",
        ],
        "youth_centre": [
            "jugendfreizeitstätte",
            "jugendzentrum",
            "jugendtreff",
            "youth_centre",
            "youth_center",
            "youth",
        ],
        "library": ["bibliothek", "bücherei", "stadtteilbibliothek", "library"],
        "adult_education": ["vhs", "volkshochschule", "adult_education", "school"],
        "welcome_point": [
            "sprachcafé",
            "sprachcafe",
            "ankommenstreffpunkt",
            "frauencafé",
            "willkommenstreff",
            "language_cafe",
            "welcome_point",
            "refugee",
            "integration",
        ],
        "counselling": [
            "beratungsstelle",
            "beratung",
            "counselling",
            "counseling",
            "social_facility",
            "outreach",
            "social_centre",
        ],
        "religious_community": [
            "gemeindehaus",
            "gemeinderäume",
            "kirchengemeinde",
            "religious_community",
            "place_of_worship",
            "church",
            "mosque",
            "religious",
        ],
        "club_house": [
            "vereinsheim",
            "kleingartenverein",
            "club_house",
            "clubhouse",
            "allotments",
            "club",
        ],
    }
)

WHEELCHAIR_SYNONYMS = _synonyms(
    {
        "yes": ["ja", "barrierefrei", "true", "1", "designated"],
        "limited": ["eingeschränkt", "teilweise", "teils", "partial", "partly"],
        "no": ["nein", "false", "0"],
        "unknown": ["unbekannt", ""],
    }
)

TARGET_GROUP_SYNONYMS = _synonyms(
    {
        "everyone": ["alle", "all", "jeder", "public"],
        "seniors": ["senioren", "seniorinnen", "ältere", "senior"],
        "families": ["familien", "family", "eltern", "parents"],
        "youth": ["jugend", "jugendliche", "kinder", "children", "young", "kinderundjugendliche"],
        "women": ["frauen", "woman"],
        "newcomers": [
            "neuzugewanderte",
            "geflüchtete",
            "zugewanderte",
            "refugees",
            "migrants",
            "migration",
        ],
        "disability": ["menschenmitbehinderung", "behinderung", "disabled", "handicap"],
    }
)

OPERATOR_TYPE_SYNONYMS = _synonyms(
    {
        "public": ["öffentlich", "stadt", "kommune", "municipal", "government", "community"],
        "association": ["verein", "ev", "club", "ngo", "non_profit"],
        "welfare": ["wohlfahrtsverband", "wohlfahrt", "charity"],
        "religious": ["kirche", "kirchlich", "religiös", "church"],
        "private": ["privat"],
    }
)


def normalise(value: str, synonyms: dict[str, str]) -> str | None:
    """Our key for an import file's word, or None if it means nothing we know."""
    return synonyms.get(_fold(value))
