"""/delete that cannot be done (handlers/privacy.py ``erase_or_tell``), through the console
as a real process: found in a black-box pass, a damaged list of erased accounts made the
erasure fail - it rolled back, the person read "something went wrong" and the
coordinators were never told."""

from __future__ import annotations

import sqlite3

from handlers.messenger import backchannel_language
from handlers.privacy import ERASURE_FAILED, LIST_FAILED
from locales import translator
from tests.support.cli import run_bot

# /start, the language offered, no reading aloud, agree; then /delete and its "yes".
SCRIPT = "/start\n1\n3\n1\n/delete\n1\n"


def test_a_failed_erasure_tells_the_person_and_the_coordinators(tmp_path):
    database = tmp_path / "c.sqlite3"
    (tmp_path / "c.erased").write_text("garbage\n", encoding="ascii")  # damaged
    result = run_bot("console", "--lang", "en", database=database, input=SCRIPT)
    assert result.returncode == 0, result.stderr
    en = translator("en")
    out = result.stdout
    assert (
        str(en.t("😕 Sorry, something went wrong on our side. Please try again in a moment."))
        not in out
    )
    assert "it is all still stored" in out and "coordinators have been told" in out, out
    assert "All your data has been deleted" not in out
    notice = [line for line in out.splitlines() if line.startswith("[coordinators]")]
    bt = backchannel_language()  # the coordinators' language
    said = " ".join(bt.t(ERASURE_FAILED, name="resident", reason=bt.t(LIST_FAILED)).split()[2:])
    assert any(said in line for line in notice), out
    with sqlite3.connect(database) as db:
        (agreed,) = db.execute(
            "SELECT count(*) FROM users WHERE platform_user_id = 'resident'"
            " AND consent_at IS NOT NULL"
        ).fetchone()
    assert agreed == 1  # nothing was erased
