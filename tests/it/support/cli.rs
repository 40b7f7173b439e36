//! The command line as a user runs it: the real `socialdesk` binary, with a data folder of
//! the test's own and none of the developer's sandbox or Meta URL settings.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `socialdesk ARGS --data-dir DATA_DIR` and waits for it. The `SOCIALDESK_*`
/// variables of the developer's shell are removed, so only `args` choose the sandbox.
pub fn socialdesk(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socialdesk"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("SOCIALDESK_SANDBOX")
        .env_remove("SOCIALDESK_GRAPH_URL")
        .env_remove("SOCIALDESK_META_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run socialdesk")
}

/// Runs `socialdesk ARGS --meta-url META_URL --data-dir DATA` off the async runtime, as a
/// user whose Meta hosts are a standalone sandbox. `token` is the pasted token, if any.
/// No Secret Service in tests: the 0600 file is used, with a warning.
pub async fn socialdesk_on_meta_url(
    args: &[&str],
    meta_url: &url::Url,
    data: &Path,
    token: Option<String>,
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_socialdesk"));
    command
        .args(args)
        .args(["--meta-url", meta_url.as_str()])
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "warn")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    if let Some(token) = token {
        command.env("SOCIALDESK_TOKEN", token);
    }
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run")
}

/// [`socialdesk`] with `--sandbox` after `args`: the embedded sandbox's demo business.
pub fn socialdesk_in_sandbox(data_dir: &Path, args: &[&str]) -> Output {
    let mut with_sandbox = args.to_vec();
    with_sandbox.push("--sandbox");
    socialdesk(data_dir, &with_sandbox)
}

/// What the command printed on stdout (lossy UTF-8).
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What the command printed on stderr (lossy UTF-8).
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A `width`x`height` JPEG of one flat colour at `path`, for `--image`.
pub fn write_jpeg(path: &Path, width: u32, height: u32) {
    image::RgbImage::from_pixel(width, height, image::Rgb([120, 90, 60]))
        .save(path)
        .expect("jpeg");
}

/// Asserts the command failed and its stderr names `needle` (the cause or the fix).
pub fn assert_fails_with(out: &Output, needle: &str) {
    assert!(!out.status.success(), "the command must fail");
    let stderr = stderr(out);
    assert!(stderr.contains(needle), "{stderr}");
}

/// Asserts the command succeeded and printed a media id (digits) and nothing else.
pub fn assert_prints_media_id(out: &Output) {
    assert!(out.status.success(), "stderr: {}", stderr(out));
    let stdout = stdout(out);
    let id = stdout.trim();
    assert!(
        !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()),
        "{stdout}"
    );
}

/// `socialdesk publish --sandbox KIND FILE EXTRA…` in `data_dir`, where `kind` is the
/// file's flag (`--image`, `--reel`, …).
pub fn publish_file(data_dir: &Path, kind: &str, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["publish", "--sandbox", kind, file.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    socialdesk(data_dir, &args)
}

/// The binary as the user of a separately running sandbox runs it: the demo business
/// connected with a pasted token that may publish, files hosted by the sandbox's upload
/// endpoint. Unlike `--sandbox`, whose world ends with each process, this sandbox outlives
/// the commands, so a test can ask it afterwards what was posted.
pub struct OnSandbox<'a> {
    pub sandbox: &'a socialdesk::sandbox::Sandbox,
    pub data_dir: std::path::PathBuf,
    token: String,
}

impl<'a> OnSandbox<'a> {
    /// Connects the demo business in `data_dir` and points hosting at the sandbox.
    pub async fn connect(sandbox: &'a socialdesk::sandbox::Sandbox, data_dir: &Path) -> Self {
        let token = sandbox
            .control()
            .mint_token(
                "instagram",
                socialdesk::sandbox::DEMO_BUSINESS_USERNAME,
                &[
                    "instagram_business_basic",
                    "instagram_business_content_publish",
                ],
            )
            .expect("minted");
        let cli = Self {
            sandbox,
            data_dir: data_dir.to_owned(),
            token,
        };
        let url = sandbox.url().to_string();
        for args in [
            &["accounts", "add", "--login", "instagram"][..],
            &["publish", "hosting", "--sandbox-url", url.as_str()][..],
        ] {
            let out = cli.run(args).await;
            assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        }
        cli
    }

    /// `socialdesk ARGS --meta-url SANDBOX --data-dir DIR`, off the async runtime (which
    /// keeps serving the sandbox meanwhile). No Secret Service: the token goes to the 0600
    /// file, with a warning on stderr.
    pub async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("join")
            .expect("run socialdesk")
    }

    /// The command [`Self::run`] runs, to spawn and kill, or to run from another thread.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_socialdesk"));
        command
            .args(args)
            .args(["--meta-url", self.sandbox.url().as_str()])
            .arg("--data-dir")
            .arg(&self.data_dir)
            .env_remove("SOCIALDESK_SANDBOX")
            .env_remove("SOCIALDESK_GRAPH_URL")
            .env_remove("SOCIALDESK_META_URL")
            .env("SOCIALDESK_TOKEN", &self.token)
            .env("RUST_LOG", "warn")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
        command
    }

    /// The demo business's token, for reading what was posted through the API.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Posts published through the API in the last 24 h, as the sandbox counts them for
    /// `content_publishing_limit`.
    pub async fn quota_usage(&self) -> u64 {
        let url = format!(
            "{}v24.0/me/content_publishing_limit?fields=quota_usage",
            self.sandbox.url()
        );
        let body = super::raw::get_json(url, &self.token).await;
        body["data"][0]["quota_usage"]
            .as_u64()
            .unwrap_or_else(|| panic!("no quota_usage in {body}"))
    }
}

/// The line `socialdesk: …` the binary ends a failure with (warnings come before it).
pub fn error_line(out: &Output) -> String {
    let stderr = stderr(out);
    stderr
        .lines()
        .rfind(|l| l.starts_with("socialdesk: "))
        .unwrap_or_else(|| panic!("no error line in {stderr}"))
        .to_owned()
}

/// A data folder with the demo business connected (pasted token, with the comments,
/// insights and messages scopes) against `sandbox`, as `accounts add` does it.
pub async fn connected_data_dir(sandbox: &socialdesk::sandbox::Sandbox) -> tempfile::TempDir {
    let token = sandbox
        .control()
        .mint_token(
            "instagram",
            socialdesk::sandbox::DEMO_BUSINESS_USERNAME,
            &[
                "instagram_business_basic",
                "instagram_business_manage_comments",
                "instagram_business_manage_insights",
                "instagram_business_manage_messages",
            ],
        )
        .expect("token");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = socialdesk_on_meta_url(
        &["accounts", "add", "--login", "instagram"],
        &sandbox.url(),
        dir.path(),
        Some(token),
    )
    .await;
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    dir
}
