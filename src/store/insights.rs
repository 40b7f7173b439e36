//! Store methods for insights cache with fetch times (`impl Store` blocks for that feature).
