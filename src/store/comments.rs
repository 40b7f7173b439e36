//! Store methods for comments cache, moderation rules and log, saved replies (`impl Store` blocks for that feature).
