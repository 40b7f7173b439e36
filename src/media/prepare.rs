//! Preparing media for publishing: aspect checks, crop, resize, JPEG encode. (Added with the Composer feature.)
