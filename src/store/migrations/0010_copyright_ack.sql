-- 0010: when the user was told that a draft's video matches copyrighted content.
-- The publish pipeline stops once with the match (who owns it, where it would be blocked
-- or muted) and records the time here; publishing the draft again goes ahead.

ALTER TABLE drafts ADD COLUMN copyright_warned_at INTEGER;
