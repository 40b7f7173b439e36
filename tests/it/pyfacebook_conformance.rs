//! python-facebook-api (`pip install python-facebook-api`, its `IGBusinessApi`) runs its
//! hashtag search, hashtag media and business discovery calls unmodified against the
//! sandbox: an independent client's reading of Meta's API must agree with the emulator's.
//!
//! The library goes into a throwaway venv cached under the target dir
//! (`CARGO_TARGET_TMPDIR/pyfacebook-venv`), so a second run installs nothing. Without
//! python3, its venv module (Debian: python3-venv) or PyPI, the test prints a `SKIPPED:`
//! line and returns: it checks the sandbox, not the machine's network.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use socialdesk::sandbox::{Sandbox, SandboxOptions};

const SCRIPT: &str = include_str!("scripts/pyfacebook_conformance.py");
/// The library version the script was written against (its API moved between releases).
const PACKAGE: &str = "python-facebook-api==0.24.0";

fn run(command: &mut Command) -> Option<Output> {
    command.output().ok()
}

fn tail(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

/// The venv's python with the library installed, or why it cannot be had.
fn venv_python() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pyfacebook-venv");
    let python = venv.join("bin").join("python");
    let ready = venv.join(".installed");
    if ready.exists() && python.exists() {
        return Ok(python);
    }
    let _ = std::fs::remove_dir_all(&venv);
    let made = run(Command::new("python3").args(["-m", "venv"]).arg(&venv))
        .ok_or("python3 is not installed")?;
    if !made.status.success() {
        return Err(format!(
            "python3 -m venv failed (install python3-venv): {}",
            tail(&made)
        ));
    }
    let pip = run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--timeout",
        "20",
        "--retries",
        "1",
        PACKAGE,
    ]))
    .ok_or("the venv's python did not start")?;
    if !pip.status.success() {
        let _ = std::fs::remove_dir_all(&venv);
        return Err(format!(
            "pip could not install {PACKAGE} (PyPI unreachable?): {}",
            tail(&pip)
        ));
    }
    std::fs::write(&ready, PACKAGE).map_err(|e| format!("could not mark the venv ready: {e}"))?;
    Ok(python)
}

#[tokio::test]
async fn python_facebook_api_runs_hashtag_and_discovery_calls_against_the_sandbox() {
    let python = match tokio::task::spawn_blocking(venv_python)
        .await
        .expect("join")
    {
        Ok(p) => p,
        Err(why) => {
            println!("SKIPPED: python-facebook-api conformance: {why}");
            return;
        }
    };
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let token = sandbox
        .control()
        .mint_token(
            "facebook",
            "Alex Rivera",
            &["instagram_basic", "pages_show_list"],
        )
        .expect("token");
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("conformance.py");
    std::fs::write(&script, SCRIPT).expect("script written");
    let base = format!("{}facebook/", sandbox.url());
    let mut command = Command::new(python);
    command
        .arg(&script)
        .env("BASE_URL", &base)
        .env("TOKEN", &token)
        .env("IG_ID", "17841400000000001")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env("NO_PROXY", "127.0.0.1,localhost");
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("python runs");
    assert!(
        out.status.success(),
        "python-facebook-api disagreed with the sandbox:\n{}",
        tail(&out)
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the script's JSON summary");
    assert_eq!(summary["top"], 20);
    assert_eq!(summary["recent"], 60);
    assert_eq!(summary["discovered"], "harbour.bakery");
}
