-- 0011: the publish claim. Every process that publishes a draft (the app, its scheduler,
-- `publish`, `publish resume`, `run-scheduler` from cron) first claims it with one
-- conditional UPDATE; the claim names its owner and holds until `claim_until` (Unix ms,
-- wall clock), renewed while the pipeline runs. A claim whose owner died is taken over
-- only once it has expired, and the taker resumes from the journal.

ALTER TABLE drafts ADD COLUMN claim_owner TEXT;
ALTER TABLE drafts ADD COLUMN claim_until INTEGER;

-- What the post is (kind, caption and the prepared files' SHA-256), so publishing the same
-- post again on the account within 24 hours asks first.
ALTER TABLE drafts ADD COLUMN fingerprint TEXT;
