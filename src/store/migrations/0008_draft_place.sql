-- 0008: where a post is and who it is made with, and the resumable-upload journal.
--
-- draft_place: the location tag (a Facebook Page id with coordinates, and its name for the
-- UI) and up to 3 collaborator usernames (JSON list), one row per draft that has either.
-- draft_uploads: for videos sent to rupload (Facebook Login), the container whose bytes are
-- being / have been uploaded. `started_at` is written before the first byte is sent and
-- `uploaded_at` once rupload accepted the whole file, so a restart resumes the upload (or
-- skips it) instead of creating a second container. A row whose container_id no longer
-- matches draft_items.container_id (the containers were reset) is stale and ignored.

CREATE TABLE draft_place (
    draft_id           INTEGER PRIMARY KEY REFERENCES drafts (id) ON DELETE CASCADE,
    location_id        TEXT,
    location_name      TEXT,
    collaborators_json TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE draft_uploads (
    draft_id     INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    container_id TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    uploaded_at  INTEGER,
    PRIMARY KEY (draft_id, position)
);
