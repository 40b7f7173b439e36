-- 0009: a reel's cover picture from the user's disk, prepared (9:16 JPEG) when the draft is
-- saved and hosted like the item's own file: `cover_hosted_url` is the journal of that
-- upload, so a retry or a restart does not upload the cover again. All three are NULL for
-- items without a cover picture (a cover frame or a cover URL lives in extras_json).

ALTER TABLE draft_items ADD COLUMN cover_file_name TEXT;
ALTER TABLE draft_items ADD COLUMN cover_content BLOB;
ALTER TABLE draft_items ADD COLUMN cover_hosted_url TEXT;
