-- A sender can be forged (issue 62, point 5; bot/transports/sms/store.py).
--
-- sms_numbers.confirmed_at: when the number last texted back a right code (an erasure, an
-- act that ends or redirects running help, a STOP of its notices): its holder was there
-- then, and its texts to a helper pass for a while (handlers/coded_acts.py).
-- sms_numbers.stranger: its STOP came while the number was nobody's; a person a
-- coordinator enters with it later is not bound by it (bot/web/desk/phone_residents.py).
ALTER TABLE sms_numbers ADD COLUMN confirmed_at TEXT;
ALTER TABLE sms_numbers ADD COLUMN stranger INTEGER NOT NULL DEFAULT 0;
