-- Timed follow-ups of open requests: each happens once per request.
ALTER TABLE help_requests ADD COLUMN escalated_at TEXT;
ALTER TABLE help_requests ADD COLUMN reminded_at TEXT;
-- Set when the requester confirms the request is still needed: expiry counts from here.
ALTER TABLE help_requests ADD COLUMN kept_at TEXT;
