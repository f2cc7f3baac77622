-- Matrix people whose first name ends in their own Matrix id in brackets ("Vera
-- (@vera2:example.org)"): stored so while matrix-nio's `user_name` named a person whose
-- display name another member of the room shared (it adds the id). Others read that name
-- (a helper's in her requester's chat, a requester's in an offer), and the id lets them
-- reach the person outside the bot (0063 emptied the names that were the id alone). Now the
-- name she chose is kept without it; a display name set later is taken at her next message.
-- Compared by position, not LIKE: an id may hold "_", which LIKE reads as any character.
-- Nothing of the schema changes.
UPDATE users
SET first_name = rtrim(substr(first_name, 1, length(first_name) - length(platform_user_id) - 3))
WHERE platform = 'matrix'
  AND length(first_name) > length(platform_user_id) + 3
  AND substr(first_name, length(first_name) - length(platform_user_id) - 2)
      = ' (' || platform_user_id || ')';
-- compatible-from: 0063
