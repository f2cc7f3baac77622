"""``python -m bot matrix replace-identity`` refusing: the reason goes where every other
command's refusals go (stderr), exit code 2 for a configuration that lacks what it needs
(docs/operations.md, "Exit codes"); the replacement itself is tested against Synapse in
tests/bot/transports/matrix/test_cross_signing.py."""

from __future__ import annotations

from tests.support.cli import run_bot


def test_without_a_homeserver_the_refusal_goes_to_stderr(tmp_path):
    refused = run_bot("matrix", "replace-identity", database=tmp_path / "x.sqlite3")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stdout == ""  # before, the refusal was printed here
    assert refused.stderr == "nachbarbot: dortmund has no Matrix homeserver configured\n"


def test_without_the_password_the_refusal_goes_to_stderr(tmp_path):
    refused = run_bot(
        "matrix",
        "replace-identity",
        database=tmp_path / "x.sqlite3",
        env={
            "NACHBARBOT_MATRIX__HOMESERVER": "http://127.0.0.1:9",
            "NACHBARBOT_MATRIX__USER_ID": "@bot:example.org",
            "NACHBARBOT_MATRIX__ACCESS_TOKEN": "syt_x",
        },
    )
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stdout == ""
    assert "needs the account's password (matrix.password)" in refused.stderr
