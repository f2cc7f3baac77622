-- The pace follows urgency and the hour (issue 63 point 4, handlers/helping/pace.py): a
-- volunteer says whether they take requests after the daytime too (1) or only in the
-- daytime (0). Volunteers registered before were asked at any hour outside their quiet
-- hours: they keep that (1) until they choose otherwise in their profile. Part of the volunteer's profile
-- (db/personal_data.py: volunteering; exported with /mydata, erased with the profile).
ALTER TABLE volunteers ADD COLUMN evenings INTEGER NOT NULL DEFAULT 1;
