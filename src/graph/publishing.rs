//! Content publishing: containers, status, media_publish, publishing limit, product tags. (Handler added with its feature.)
