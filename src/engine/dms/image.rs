//! Sending a picture from a file: DMs, like publishing, take a public URL that Meta fetches,
//! so the file goes to the same host the Composer uses (the sandbox's upload endpoint in
//! sandbox mode) and the message carries the resulting URL.

use std::path::Path;

use super::super::composer::Hosting;
use super::super::core::Core;
use super::DmError;

/// True when `source` names a local file rather than a URL.
pub fn is_local_file(source: &str) -> bool {
    !(source.starts_with("https://") || source.starts_with("http://"))
}

/// Uploads a JPEG or PNG file to the configured hosting and returns its public URL.
pub async fn host_image_file(core: &Core, path: &Path) -> Result<String, DmError> {
    let shown = path.display().to_string();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let content_type = match extension.as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        _ => {
            return Err(DmError::ImageFile {
                path: shown,
                reason: "Instagram DMs take JPEG or PNG pictures; convert the file first".into(),
            });
        }
    };
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| DmError::ImageFile {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
    let hosting = Hosting::for_core(core)
        .await
        .map_err(|e| DmError::Hosting(e.to_string()))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("image");
    hosting
        .upload(name, content_type, bytes)
        .await
        .map_err(|e| DmError::Hosting(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_not_files() {
        assert!(!is_local_file("https://cdn.example/x.jpg"));
        assert!(is_local_file("/home/me/x.jpg"));
        assert!(is_local_file("x.png"));
    }
}
