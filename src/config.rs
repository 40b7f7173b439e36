//! Where socialdesk talks to and where it keeps its files.
//!
//! Every Meta host is configuration so tests, the sandbox and users can point the client
//! anywhere. [`Endpoints::sandbox`] maps them all onto one sandbox root, at the same paths
//! Meta documents, with graph.facebook.com under the `/facebook` prefix.

use std::path::{Path, PathBuf};

use url::Url;

/// The Graph API version socialdesk is written against.
pub const API_VERSION: &str = "v24.0";

/// Base URLs of every Meta host the client calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// Instagram's authorization window (`https://www.instagram.com/oauth/authorize`).
    pub instagram_authorize: Url,
    /// Instagram's code exchange (`https://api.instagram.com/oauth/access_token`).
    pub instagram_token: Url,
    /// graph.instagram.com root, without version (`https://graph.instagram.com/`).
    pub instagram_graph: Url,
    /// Facebook Login dialog (`https://www.facebook.com/v24.0/dialog/oauth`).
    pub facebook_dialog: Url,
    /// graph.facebook.com root, without version (`https://graph.facebook.com/`).
    pub facebook_graph: Url,
    /// Resumable video uploads (Facebook Login), root of `ig-api-upload/…`
    /// (`https://rupload.facebook.com/`).
    pub rupload: Url,
    /// Version segment put in front of every Graph path, e.g. `v24.0`.
    pub api_version: String,
}

impl Endpoints {
    /// Meta's real hosts.
    pub fn meta() -> Self {
        Self {
            instagram_authorize: parse_static("https://www.instagram.com/oauth/authorize"),
            instagram_token: parse_static("https://api.instagram.com/oauth/access_token"),
            instagram_graph: parse_static("https://graph.instagram.com/"),
            facebook_dialog: parse_static(&format!(
                "https://www.facebook.com/{API_VERSION}/dialog/oauth"
            )),
            facebook_graph: parse_static("https://graph.facebook.com/"),
            rupload: parse_static("https://rupload.facebook.com/"),
            api_version: API_VERSION.to_owned(),
        }
    }

    /// Every host mapped onto one sandbox (or any emulator) root such as `http://127.0.0.1:8080/`.
    pub fn sandbox(root: &Url) -> Self {
        let root = with_trailing_slash(root);
        let join = |path: &str| root.join(path).unwrap_or_else(|_| root.clone());
        Self {
            instagram_authorize: join("oauth/authorize"),
            instagram_token: join("oauth/access_token"),
            instagram_graph: root.clone(),
            facebook_dialog: join("facebook/dialog/oauth"),
            facebook_graph: join("facebook/"),
            rupload: join("rupload/"),
            api_version: API_VERSION.to_owned(),
        }
    }

    /// Replaces both Graph roots (the `--graph-url` override): the Instagram root is used
    /// as given, graph.facebook.com is taken to live under `/facebook/` of the same root and
    /// rupload.facebook.com under `/rupload/` (as [`Endpoints::sandbox`] lays them out).
    pub fn with_graph_root(mut self, root: &Url) -> Self {
        let root = with_trailing_slash(root);
        self.facebook_graph = root.join("facebook/").unwrap_or_else(|_| root.clone());
        self.rupload = root.join("rupload/").unwrap_or_else(|_| root.clone());
        self.instagram_graph = root;
        self
    }
}

fn parse_static(s: &str) -> Url {
    // The literals above are valid URLs; a failure here is a programming error caught by tests.
    Url::parse(s).unwrap_or_else(|e| panic!("built-in URL {s} is invalid: {e}"))
}

fn with_trailing_slash(url: &Url) -> Url {
    let mut url = url.clone();
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

/// The directories socialdesk keeps its files in (XDG on Linux).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataDirs {
    /// SQLite store, token fallback file.
    pub data: PathBuf,
    /// Thumbnail cache; safe to delete.
    pub cache: PathBuf,
    /// Log files.
    pub logs: PathBuf,
}

impl DataDirs {
    /// The platform's standard locations, e.g. `~/.local/share/socialdesk` on Linux.
    pub fn standard() -> Option<Self> {
        let dirs = directories::ProjectDirs::from("app", "socialdesk", "socialdesk")?;
        Some(Self {
            data: dirs.data_dir().to_path_buf(),
            cache: dirs.cache_dir().to_path_buf(),
            logs: dirs.data_dir().join("logs"),
        })
    }

    /// Everything under one directory (`--data-dir`, tests).
    pub fn under(root: &Path) -> Self {
        Self {
            data: root.to_path_buf(),
            cache: root.join("cache"),
            logs: root.join("logs"),
        }
    }

    /// The SQLite database file.
    pub fn database(&self) -> PathBuf {
        self.data.join("socialdesk.sqlite3")
    }

    /// Creates the directories if missing.
    pub fn create(&self) -> std::io::Result<()> {
        for dir in [&self.data, &self.cache, &self.logs] {
            std::fs::create_dir_all(dir)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_endpoints_use_documented_paths() {
        let root = Url::parse("http://127.0.0.1:9000").expect("url");
        let e = Endpoints::sandbox(&root);
        assert_eq!(
            e.instagram_authorize.as_str(),
            "http://127.0.0.1:9000/oauth/authorize"
        );
        assert_eq!(
            e.instagram_token.as_str(),
            "http://127.0.0.1:9000/oauth/access_token"
        );
        assert_eq!(e.instagram_graph.as_str(), "http://127.0.0.1:9000/");
        assert_eq!(e.facebook_graph.as_str(), "http://127.0.0.1:9000/facebook/");
        assert_eq!(
            e.facebook_dialog.as_str(),
            "http://127.0.0.1:9000/facebook/dialog/oauth"
        );
        assert_eq!(e.rupload.as_str(), "http://127.0.0.1:9000/rupload/");
    }
}
