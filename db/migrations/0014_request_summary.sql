-- Voice is a first-class request (issue 14): a coordinator's short written summary of a
-- request (mostly of a voice message), shown to volunteers with the offer. Content of the
-- request: blanked with the description (db/personal_data.py).
ALTER TABLE help_requests ADD COLUMN summary TEXT NOT NULL DEFAULT '';
