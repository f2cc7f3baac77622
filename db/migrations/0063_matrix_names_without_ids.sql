-- Matrix people whose first name is their own Matrix id: stored so while a person without a
-- display name was named by matrix-nio's `user_name` (the id itself). Others read that name
-- (a helper's in her requester's chat), and an id lets them reach the person outside the
-- bot; now a person without a display name has no name (read as "Resident"), and one she
-- sets later is taken at her next message. Nothing of the schema changes.
UPDATE users SET first_name = '' WHERE platform = 'matrix' AND first_name = platform_user_id;
-- compatible-from: 0062
