//! Comments, replies, moderation and mentions. (Handler added with its feature; `impl GraphClient { pub fn comments(..) }` lives here.)
