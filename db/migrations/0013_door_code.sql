-- The code word requester and volunteer both get when a request is matched (an emoji and
-- a two-digit number), so the person at the door can be recognised. Blanked with the
-- request's other content.
ALTER TABLE help_requests ADD COLUMN door_code TEXT NOT NULL DEFAULT '';
