//! Migration 0007 on a database written by a 0006-era socialdesk: regex rules stored under
//! the old kind name `pattern` come back as `regex`, rule ids and the rule log are intact,
//! the AUTOINCREMENT high-water mark survives (a new rule never reuses a deleted rule's id
//! that the log still names), the foreign key to accounts still cascades, and the Mentions
//! table exists.

use rusqlite::{Connection, params};
use socialdesk::ids::IgUserId;
use socialdesk::store::{CommentRule, RuleAction, RuleKind, Store};

/// The migrations a 0006-era build shipped, in order.
const OLD: &[&str] = &[
    include_str!("../../src/store/migrations/0001_accounts_media.sql"),
    include_str!("../../src/store/migrations/0002_comments.sql"),
    include_str!("../../src/store/migrations/0003_dms.sql"),
    include_str!("../../src/store/migrations/0004_insights.sql"),
    include_str!("../../src/store/migrations/0005_drafts.sql"),
    include_str!("../../src/store/migrations/0006_draft_extras.sql"),
];

const ACCOUNT: &str = "17841400000000001";

fn old_database(path: &std::path::Path) {
    let mut conn = Connection::open(path).expect("open");
    conn.pragma_update(None, "foreign_keys", true)
        .expect("foreign keys");
    let tx = conn.transaction().expect("tx");
    for sql in OLD {
        tx.execute_batch(sql).expect("old migration");
    }
    tx.pragma_update(None, "user_version", 6).expect("version");
    tx.execute(
        "INSERT INTO accounts (id, username, login) VALUES (?1, 'studio', 'instagram')",
        [ACCOUNT],
    )
    .expect("account");
    for (name, kind, pattern, action) in [
        ("spam words", "keyword", "free, promo", "hide"),
        ("dm bait", "pattern", r"dm\s+(me|us)", "flag"),
        ("gone", "link", "", "hide"),
        ("links", "pattern", r"https?://", "hide"),
    ] {
        tx.execute(
            "INSERT INTO comment_rules (account_id, name, kind, pattern, action)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![ACCOUNT, name, kind, pattern, action],
        )
        .expect("rule");
    }
    // The newest rule (id 5, a regex) did its work and was deleted; its log entry stays.
    tx.execute(
        "INSERT INTO comment_rules (account_id, name, kind, pattern, action)
         VALUES (?1, 'old regex', 'pattern', 'x+', 'hide')",
        [ACCOUNT],
    )
    .expect("rule 5");
    for (rule_id, name, comment) in [(2, "dm bait", "c1"), (5, "old regex", "c2")] {
        tx.execute(
            "INSERT INTO comment_rule_log (account_id, rule_id, rule_name, comment_id, excerpt,
                 action, at)
             VALUES (?1, ?2, ?3, ?4, 'excerpt', 'hide', 1700000000000)",
            params![ACCOUNT, rule_id, name, comment],
        )
        .expect("log");
    }
    tx.execute("DELETE FROM comment_rules WHERE id = 5", [])
        .expect("delete rule 5");
    tx.commit().expect("commit");
}

#[test]
fn a_0006_database_with_pattern_rules_upgrades_to_regex_with_its_log_intact() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("socialdesk.db");
    old_database(&path);

    let account = IgUserId::from(ACCOUNT);
    let store = Store::open(&path).expect("the upgrade runs");
    assert!(
        store.schema_version().expect("version") >= 7,
        "0007 and later ran"
    );
    let rules = store.comment_rules(&account).expect("rules");
    let summary: Vec<(i64, &str, RuleKind)> = rules
        .iter()
        .map(|r| (r.id, r.name.as_str(), r.kind.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, "spam words", RuleKind::Keyword),
            (2, "dm bait", RuleKind::Regex),
            (3, "gone", RuleKind::Link),
            (4, "links", RuleKind::Regex),
        ]
    );
    assert_eq!(rules[1].pattern, r"dm\s+(me|us)");
    assert_eq!(rules[1].action, RuleAction::Flag);
    assert!(rules.iter().all(|r| r.enabled));

    let log = store.rule_log(&account, 10).expect("log");
    let mut names: Vec<&str> = log.iter().map(|e| e.rule_name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, vec!["dm bait", "old regex"]);

    // A new rule gets a fresh id, never 5 (which the log still names).
    let id = store
        .add_comment_rule(
            &account,
            &CommentRule {
                id: 0,
                name: "new regex".into(),
                kind: RuleKind::Regex,
                pattern: "win".into(),
                action: RuleAction::Hide,
                enabled: true,
            },
        )
        .expect("add");
    assert_eq!(id, 6);
    assert_eq!(
        store.comment_rules(&account).expect("rules")[4].kind,
        RuleKind::Regex
    );
    assert!(store.mentions(&account).expect("mentions table").is_empty());
    drop(store);

    // The rebuilt table is stored as `regex`, keeps its key to accounts, and nothing dangles.
    let conn = Connection::open(&path).expect("reopen");
    let kinds: Vec<String> = conn
        .prepare("SELECT DISTINCT kind FROM comment_rules ORDER BY kind")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(kinds, vec!["keyword", "link", "regex"]);
    let refused = conn.execute(
        "INSERT INTO comment_rules (account_id, name, kind, action) VALUES (?1, 'x', 'pattern', 'hide')",
        [ACCOUNT],
    );
    assert!(
        refused.is_err(),
        "the CHECK now names `regex`, not `pattern`"
    );
    let violations: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .expect("check");
    assert_eq!(violations, 0);
    conn.pragma_update(None, "foreign_keys", true)
        .expect("foreign keys");
    conn.execute("DELETE FROM accounts WHERE id = ?1", [ACCOUNT])
        .expect("remove account");
    let left: i64 = conn
        .query_row("SELECT COUNT(*) FROM comment_rules", [], |r| r.get(0))
        .expect("count");
    assert_eq!(left, 0, "rules still cascade with their account");
}
