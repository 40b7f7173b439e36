//! Store methods for drafts, the schedule and the publish journal (`impl Store` blocks for that feature).
