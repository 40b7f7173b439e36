//! Conversations, messages and private replies (Instagram Direct). (Handler added with its feature; `impl GraphClient { pub fn messages(..) }` lives here.)
