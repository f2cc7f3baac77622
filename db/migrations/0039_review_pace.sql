-- A review that keeps pace (issue 63 point 3, handlers/helping/review_pace.py).
-- coordinators_on_duty: the coordinators who said "on duty now" (in the desk or with /duty
-- in the backchannel), since when; a row goes when they say "off", lose the role, or with
-- the account. A request waiting for review past [help] review_remind_minutes reminds them
-- (review_reminded_at), and after twice that long every coordinator (review_escalated_at).
CREATE TABLE coordinators_on_duty (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    since   TEXT NOT NULL
);
ALTER TABLE help_requests ADD COLUMN review_reminded_at TEXT;
ALTER TABLE help_requests ADD COLUMN review_escalated_at TEXT;
