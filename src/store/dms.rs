//! Store methods for conversations and messages cache (`impl Store` blocks for that feature).
