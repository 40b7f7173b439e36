-- 0006: Composer item extras: product tags and the video cover, as one JSON object
-- {"product_tags":[{"product_id","x","y"}], "thumb_offset_ms":N, "cover_url":"…"}
-- (all keys optional), so later per-item options need no new migration.

ALTER TABLE draft_items ADD COLUMN extras_json TEXT NOT NULL DEFAULT '{}';
