-- Certificates for volunteers (issue 41, point 17): a volunteer asks in the chat for a
-- certificate of their volunteering (``kind`` 'record') or for the confirmation that gets
-- them an extended certificate of good conduct free of charge (``kind`` 'conduct', § 30a
-- BZRG); a coordinator signs it on the desk and the PDF goes to the volunteer.
-- ``name``: as the volunteer wants it on the paper; ``birth_date`` (YYYY-MM-DD, '' for a
-- certificate of volunteering): identifies them to the registration office. ``lang``: the
-- volunteer's language beside the German text. Signing keeps who signed (``decided_by``,
-- ``signer_name``, ``signer_role``), for the confirmation the activity and its legal
-- ``basis``, and ``facts`` (JSON: period, kinds of help, times, minutes as signed), so the
-- same PDF can be made again. The whole row goes privacy.certificate_days after it was
-- decided (or asked, when nobody did): db/personal_data.py.
-- AUTOINCREMENT: an old button must never name a later row.
CREATE TABLE certificate_requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('record', 'conduct')),
    name        TEXT NOT NULL,
    birth_date  TEXT NOT NULL DEFAULT '',
    lang        TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'asked' CHECK (state IN ('asked', 'issued', 'declined')),
    asked_at    TEXT NOT NULL,
    decided_at  TEXT,
    decided_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    signer_name TEXT NOT NULL DEFAULT '',
    signer_role TEXT NOT NULL DEFAULT '',
    activity    TEXT NOT NULL DEFAULT '',
    basis       TEXT NOT NULL DEFAULT '',
    facts       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX certificate_requests_user ON certificate_requests (user_id);
CREATE INDEX certificate_requests_state ON certificate_requests (state, asked_at);
