//! Account and media insights. (Handler added with its feature; `impl GraphClient { pub fn insights(..) }` lives here.)
