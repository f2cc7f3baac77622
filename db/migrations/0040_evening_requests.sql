-- The pace follows urgency and the hour (issue 63 point 4, handlers/helping/pace.py): a
-- volunteer says whether they take evening requests (1) or not (0, the default: nobody is
-- asked after the daytime who did not say so). Part of the volunteer's profile
-- (db/personal_data.py: volunteering; exported with /mydata, erased with the profile).
ALTER TABLE volunteers ADD COLUMN evenings INTEGER NOT NULL DEFAULT 0;
