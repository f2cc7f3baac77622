"""The hour's budgets of decryptions are ``[matrix]`` settings (decrypt_budget.py): read
from the file with their defaults, checked at start - a bad value is refused, naming the
setting and what it must be."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.transports.matrix.decrypt_budget import Limits

MATRIX = '[matrix]\nhomeserver = "https://m.example.org"\nuser_id = "@bot:example.org"\n'
ENV = {"NACHBARBOT_MATRIX__ACCESS_TOKEN": "secret"}


def _load(tmp_path: Path, lines: str):
    path = tmp_path / "nachbarbot.toml"
    path.write_text(MATRIX + lines, encoding="utf-8")
    return load_config(path, env=ENV)


def test_the_budgets_come_from_the_matrix_section_with_defaults(tmp_path):
    assert Limits.of(_load(tmp_path, "").matrix) == Limits()
    limits = Limits.of(
        _load(
            tmp_path, "decrypt_per_known = 200\ndecrypt_known = 4000\nolm_strangers = 50\n"
        ).matrix
    )
    assert (limits.per_known, limits.known, limits.olm_strangers) == (200, 4000, 50)
    assert limits.per_stranger == Limits().per_stranger
    told = Limits.of(_load(tmp_path, "decrypt_answers = 7\ndecrypt_person_notices = 0\n").matrix)
    assert (told.answers, told.person_notices) == (7, 0)
    assert (Limits().answers, Limits().person_notices) == (100, 3)  # as before the settings


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("decrypt_per_stranger = 0\n", "matrix.decrypt_per_stranger: must be at least 1"),
        ('decrypt_known = "many"\n', "matrix.decrypt_known: must be a whole number"),
        ("decrypt_answers = -1\n", "matrix.decrypt_answers: must be at least 0"),
        (
            "olm_per_stranger = 600\n",
            "matrix.olm_per_stranger: must not be more than matrix.olm_strangers",
        ),
        (
            "decrypt_per_known = 5000\n",
            "matrix.decrypt_per_known: must not be more than matrix.decrypt_known",
        ),
        (
            "decrypt_per_known = 30\n",
            "matrix.decrypt_per_stranger: must not be more than matrix.decrypt_per_known",
        ),
        (
            "decrypt_known = 50000\n",
            "matrix.decrypt_known: must not be more than matrix.decrypt_running",
        ),
    ],
)
def test_a_bad_budget_is_refused_naming_the_setting(tmp_path, lines, message):
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, lines)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
