//! Moderation rule matching: what each [`RuleKind`] looks for in a comment's text, and the
//! validation that turns a bad rule (an invalid regex, an empty keyword list) into a message
//! naming the problem before it is saved, instead of a rule that silently never matches.
//!
//! Regexes use the `regex` crate (linear time, so a user's pattern can never hang a sync),
//! case-insensitive, searched anywhere in the text (anchor with `^…$` for a whole match).

use regex::{Regex, RegexBuilder};
use thiserror::Error;

use crate::store::{CommentRule, RuleKind};

/// Compiled regexes larger than this are refused (a pasted word list, not a pattern).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Why a rule cannot be saved or run.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RuleError {
    #[error(
        "rule \"{name}\": the regex `{pattern}` is invalid: {reason}. Fix the pattern (Rust regex syntax, matched case-insensitively anywhere in the comment, e.g. `dm\\s+(me|us)`) and save the rule again"
    )]
    BadRegex {
        name: String,
        pattern: String,
        reason: String,
    },
    #[error(
        "rule \"{name}\" has nothing to look for: enter comma-separated keywords or a regex, or pick the emoji-only or link kind"
    )]
    EmptyPattern { name: String },
}

/// A rule ready to test comments: its regex compiled once, not per comment.
#[derive(Clone, Debug)]
pub struct RuleMatcher {
    rule: CommentRule,
    regex: Option<Regex>,
    keywords: Vec<String>,
}

impl RuleMatcher {
    /// Checks and compiles `rule`.
    pub fn new(rule: CommentRule) -> Result<Self, RuleError> {
        let mut regex = None;
        let mut keywords = Vec::new();
        match rule.kind {
            RuleKind::Keyword => {
                keywords = rule
                    .pattern
                    .split(',')
                    .map(|w| w.trim().to_lowercase())
                    .filter(|w| !w.is_empty())
                    .collect();
                if keywords.is_empty() {
                    return Err(RuleError::EmptyPattern { name: rule.name });
                }
            }
            RuleKind::Regex => {
                if rule.pattern.trim().is_empty() {
                    return Err(RuleError::EmptyPattern { name: rule.name });
                }
                let compiled = RegexBuilder::new(&rule.pattern)
                    .case_insensitive(true)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| RuleError::BadRegex {
                        name: rule.name.clone(),
                        pattern: rule.pattern.clone(),
                        reason: regex_reason(&e),
                    })?;
                regex = Some(compiled);
            }
            RuleKind::EmojiOnly | RuleKind::Link => {}
        }
        Ok(Self {
            rule,
            regex,
            keywords,
        })
    }

    /// The rule this matcher was built from.
    pub fn rule(&self) -> &CommentRule {
        &self.rule
    }

    /// True when the rule applies to `text`.
    pub fn matches(&self, text: &str) -> bool {
        match self.rule.kind {
            RuleKind::Keyword => {
                let lower = text.to_lowercase();
                self.keywords.iter().any(|w| lower.contains(w.as_str()))
            }
            RuleKind::Regex => self.regex.as_ref().is_some_and(|r| r.is_match(text)),
            RuleKind::EmojiOnly => is_emoji_only(text),
            RuleKind::Link => has_link(text),
        }
    }
}

/// Checks a rule before it is saved (the UI and the engine both call it).
pub fn validate(rule: &CommentRule) -> Result<(), RuleError> {
    RuleMatcher::new(rule.clone()).map(|_| ())
}

/// The regex crate's message on one line (its syntax errors span several, with a caret).
fn regex_reason(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(s) => s
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with("error:"))
            .map_or_else(
                || s.replace('\n', " "),
                |l| {
                    l.trim_start()
                        .trim_start_matches("error:")
                        .trim()
                        .to_owned()
                },
            ),
        regex::Error::CompiledTooBig(limit) => {
            format!("it compiles to more than {limit} bytes; use a shorter pattern")
        }
        other => other.to_string(),
    }
}

fn is_emoji_only(text: &str) -> bool {
    let mut any = false;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if !is_emoji(c) {
            return false;
        }
        any = true;
    }
    any
}

fn has_link(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("http://")
        || lower.contains("https://")
        || lower.contains("www.")
        || lower.split_whitespace().any(|w| {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            [
                ".com", ".net", ".org", ".io", ".ly", ".example", ".shop", ".xyz",
            ]
            .iter()
            .any(|tld| w.len() > tld.len() + 1 && w.ends_with(tld))
        })
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0x2B00..=0x2BFF
        | 0xFE0F | 0x200D | 0x20E3 | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RuleAction;

    fn rule(kind: RuleKind, pattern: &str) -> CommentRule {
        CommentRule {
            id: 1,
            name: "r".into(),
            kind,
            pattern: pattern.into(),
            action: RuleAction::Hide,
            enabled: true,
        }
    }

    fn matcher(kind: RuleKind, pattern: &str) -> RuleMatcher {
        RuleMatcher::new(rule(kind, pattern)).expect("valid rule")
    }

    #[test]
    fn keywords_emoji_and_links_match() {
        assert!(matcher(RuleKind::Keyword, "followers, spam").matches("Get 10k FOLLOWERS now"));
        assert!(!matcher(RuleKind::Keyword, "followers").matches("lovely"));
        assert!(matcher(RuleKind::EmojiOnly, "").matches("🔥 🔥😍"));
        assert!(!matcher(RuleKind::EmojiOnly, "").matches("🔥 nice"));
        assert!(!matcher(RuleKind::EmojiOnly, "").matches("   "));
        assert!(matcher(RuleKind::Link, "").matches("see https://x.y"));
        assert!(matcher(RuleKind::Link, "").matches("visit cheap-followers.example today"));
        assert!(!matcher(RuleKind::Link, "").matches("I love coffee."));
    }

    #[test]
    fn regexes_match_anywhere_ignoring_case() {
        let dm = matcher(RuleKind::Regex, r"dm\s+(me|us)");
        assert!(dm.matches("Nice! DM  us now"));
        assert!(dm.matches("dm me"));
        assert!(!dm.matches("admin: dmus"));
        let whole = matcher(RuleKind::Regex, r"^\d+k followers$");
        assert!(whole.matches("10K Followers"));
        assert!(!whole.matches("get 10k followers"));
        let word = matcher(RuleKind::Regex, r"\bfree\b");
        assert!(word.matches("FREE stuff"));
        assert!(!word.matches("carefree"));
    }

    #[test]
    fn an_invalid_regex_is_refused_with_a_message_naming_it() {
        for bad in ["(unclosed", "*dm us*", "[z-a]", r"\p{NotAClass}"] {
            let err = RuleMatcher::new(rule(RuleKind::Regex, bad)).expect_err(bad);
            let msg = err.to_string();
            assert!(matches!(err, RuleError::BadRegex { .. }), "{bad}: {msg}");
            assert!(msg.contains(bad), "names the pattern: {msg}");
            assert!(msg.contains("invalid:"), "{msg}");
            assert!(!msg.contains('\n'), "one line: {msg}");
            assert!(validate(&rule(RuleKind::Regex, bad)).is_err());
        }
    }

    #[test]
    fn empty_keywords_and_regexes_are_refused() {
        for (kind, pattern) in [(RuleKind::Keyword, " , "), (RuleKind::Regex, "  ")] {
            let err = RuleMatcher::new(rule(kind, pattern)).expect_err("empty");
            assert!(matches!(err, RuleError::EmptyPattern { .. }));
        }
        assert!(validate(&rule(RuleKind::Link, "")).is_ok());
        assert!(validate(&rule(RuleKind::EmojiOnly, "")).is_ok());
    }

    #[test]
    fn a_huge_regex_is_refused_not_compiled() {
        let huge = format!("({})", vec!["a{1000}"; 200].join("|"));
        let err = RuleMatcher::new(rule(RuleKind::Regex, &huge)).expect_err("too big");
        assert!(matches!(err, RuleError::BadRegex { .. }), "{err}");
    }
}
