-- comments cache, moderation rules and log, saved replies: tables are added here by that feature before it ships.
SELECT 1;
