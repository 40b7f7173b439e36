//! Mentions over real HTTP against the sandbox: the `tags` edge pages with cursors through
//! every media that tags the account, and `POST /{ig-id}/mentions` replies in the thread of
//! a comment that @mentioned the account (an unknown comment is refused with code 100).

use std::sync::Arc;

use socialdesk::auth::SandboxBrowser;
use socialdesk::config::{DataDirs, Endpoints};
use socialdesk::engine::{Core, EngineConfig, Mode};
use socialdesk::ids::CommentId;
use socialdesk::model::Account;
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, Sandbox, SandboxOptions};
use socialdesk::store::secrets::MemorySecrets;

struct World {
    sandbox: Sandbox,
    core: Arc<Core>,
    account: Account,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let dirs = DataDirs::under(dir.path());
    let mut config = EngineConfig::new(
        dirs.clone(),
        Mode::Live(Box::new(Endpoints::sandbox(&sandbox.url()))),
    );
    config.secrets = Some(Arc::new(MemorySecrets::default()));
    config.browser = Some(Arc::new(
        SandboxBrowser::new()
            .expect("browser")
            .with_username(DEMO_BUSINESS_USERNAME),
    ));
    let core = Arc::new(Core::start(config).await.expect("core"));
    let account = core
        .login_to_sandbox(DEMO_BUSINESS_USERNAME)
        .await
        .expect("login")
        .into_iter()
        .next()
        .expect("one account");
    World {
        sandbox,
        core,
        account,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_edge_pages_through_every_tagged_media() {
    let w = world().await;
    let session = w.core.session(&w.account).await.expect("session");
    let handler = w.core.client().comments(&session);
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = handler
            .tagged_media(&w.account.id, 3, after.as_deref())
            .await
            .expect("tags page");
        pages += 1;
        assert!(page.items.len() <= 3, "limit is respected");
        seen.extend(page.items);
        match page.after.filter(|_| page.next.is_some()) {
            Some(a) => after = Some(a),
            None => break,
        }
        assert!(pages < 10, "paging must end");
    }
    assert_eq!(
        seen.len(),
        7,
        "the demo tags the business account in 7 media"
    );
    assert_eq!(pages, 3);
    let mut ids: Vec<_> = seen.iter().map(|m| m.id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 7, "no media twice across pages");
    assert!(
        seen.windows(2).all(|p| p[0].timestamp >= p[1].timestamp),
        "newest first"
    );
    for m in &seen {
        let owner = m.username.as_deref().expect("username");
        assert_ne!(
            owner, DEMO_BUSINESS_USERNAME,
            "tagged media are other people's"
        );
        assert!(m.permalink.is_some() && m.media_url.is_some());
        assert!(
            m.caption
                .as_deref()
                .is_some_and(|c| c.contains(&format!("@{DEMO_BUSINESS_USERNAME}")))
        );
        assert_eq!(m.comments_count, Some(1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_to_mention_lands_in_the_thread_and_unknown_comment_is_refused() {
    let w = world().await;
    let session = w.core.session(&w.account).await.expect("session");
    let handler = w.core.client().comments(&session);
    let page = handler
        .tagged_media(&w.account.id, 1, None)
        .await
        .expect("tags page");
    let media = page.items.first().expect("a tagged media");
    let mention = w
        .sandbox
        .control()
        .comments_of_media(media.id.as_str())
        .into_iter()
        .find(|c| c.text.contains(&format!("@{DEMO_BUSINESS_USERNAME}")))
        .expect("a comment mentioning the account");
    let mention_id = CommentId::from(mention.id.clone());
    let reply = handler
        .reply_to_mention(
            &w.account.id,
            &mention_id,
            Some(&media.id),
            "Yes, we ship worldwide!",
        )
        .await
        .expect("reply to mention");
    let thread = w.sandbox.control().comments_of_media(media.id.as_str());
    let posted = thread
        .iter()
        .find(|c| c.id == reply.as_str())
        .expect("the reply is in the sandbox");
    assert_eq!(posted.parent_id.as_deref(), Some(mention.id.as_str()));
    assert_eq!(posted.text, "Yes, we ship worldwide!");
    assert_eq!(posted.username, DEMO_BUSINESS_USERNAME);

    let err = handler
        .reply_to_mention(
            &w.account.id,
            &CommentId::from("999999999".to_owned()),
            None,
            "hello",
        )
        .await
        .expect_err("unknown comment");
    assert_eq!(err.code, Some(100), "{err:?}");
}

#[test]
fn cli_lists_tagged_media_as_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_socialdesk"))
        .args(["comments", "mentions", "--sandbox", "--json", "--data-dir"])
        .arg(dir.path())
        .env_remove("SOCIALDESK_SANDBOX")
        .env_remove("SOCIALDESK_GRAPH_URL")
        .env_remove("SOCIALDESK_META_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run socialdesk");
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 7);
    assert!(lines.iter().all(|m| m["id"].is_string()
        && m["permalink"].is_string()
        && m["username"].as_str() != Some(DEMO_BUSINESS_USERNAME)));
}
