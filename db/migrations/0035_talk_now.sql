-- "Talk now" (issue 57 point 8, handlers/helping/talk_now.py): a volunteer's talk shift,
-- the times of the week they are ready to talk now (slots of
-- handlers/helping/vocabulary.py TALK_SLOTS, stored as the other lists: ';wd-am;we-pm;',
-- '' none); and until when a "just talk" request is offered to volunteers on a talk
-- shift (NULL: the usual waves).
ALTER TABLE volunteers ADD COLUMN talk_shift TEXT NOT NULL DEFAULT '';
ALTER TABLE request_waves ADD COLUMN talk_until TEXT;
