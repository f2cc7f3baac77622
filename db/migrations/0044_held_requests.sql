-- Issue 79, point 1: a request a posting limit holds back is kept, not refused
-- (handlers/helping/posting_limits.py). It is a draft (db/request_states.py: never sent, it
-- counts nowhere) with why it is held (held_reason: flood, wait, day, open) and when it goes
-- on to review (held_until; empty for "open": when one of the person's requests closes).
-- The release job moves it to review (handlers/helping/held_requests.py).
ALTER TABLE help_requests ADD COLUMN held_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE help_requests ADD COLUMN held_until TEXT;
