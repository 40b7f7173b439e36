//! List-valued write parameters (`user_tags`, `product_tags`, `collaborators`, ...).
//!
//! Meta's docs print them in a JavaScript-ish form (`[{username:'natgeo',x:0.5,y:1.0}]`,
//! `['user1','user2']`) while saying "JSON"; clients send either. Strict JSON is tried
//! first, then the printed form is normalised (bare keys quoted, single quotes turned into
//! double quotes) and parsed again.

use serde_json::Value;

/// Parses a JSON (or docs-style) list.
pub fn parse_list(raw: &str) -> Result<Vec<Value>, serde_json::Error> {
    match serde_json::from_str::<Vec<Value>>(raw) {
        Ok(list) => Ok(list),
        Err(strict) => serde_json::from_str::<Vec<Value>>(&normalise(raw)).map_err(|_| strict),
    }
}

/// Quotes bare object keys and converts single-quoted strings to double-quoted ones.
fn normalise(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len() + 16);
    let mut i = 0;
    // The last significant character written, to know when a key may start.
    let mut last = ' ';
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' | '‘' | '’' => {
                // A string literal: copy up to the matching closing quote.
                let closing: &[char] = if c == '"' {
                    &['"']
                } else {
                    &['\'', '’', '‘']
                };
                out.push('"');
                i += 1;
                while i < chars.len() && !closing.contains(&chars[i]) {
                    if chars[i] == '"' {
                        out.push('\\');
                    }
                    out.push(chars[i]);
                    i += 1;
                }
                out.push('"');
                last = '"';
                i += 1;
            }
            c if (c.is_ascii_alphabetic() || c == '_') && matches!(last, '{' | ',') => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                out.push('"');
                out.push_str(&word);
                out.push('"');
                last = '"';
            }
            c => {
                out.push(c);
                if !c.is_whitespace() {
                    last = c;
                }
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_json_passes_through() {
        let list = parse_list(r#"[{"username":"therock","x":0.3,"y":0.2}]"#).expect("json");
        assert_eq!(list[0]["username"], "therock");
    }

    #[test]
    fn docs_style_is_accepted() {
        let list = parse_list(
            "[{username:'kevinhart4real',x:0.5,y:0.8},{username:'therock',x:0.3,y:0.2}]",
        )
        .expect("docs form");
        assert_eq!(list.len(), 2);
        assert_eq!(list[1]["username"], "therock");
        assert_eq!(list[0]["y"], 0.8);
        let names = parse_list("['username1', 'username2']").expect("list of names");
        assert_eq!(names[1], "username2");
        let typographic = parse_list("[‘username1’,‘username2’]").expect("typographic quotes");
        assert_eq!(typographic[0], "username1");
        let ids = parse_list("[{product_id:'3231775643511089',x:0.5,y:0.8}]").expect("product");
        assert_eq!(ids[0]["product_id"], "3231775643511089");
    }

    #[test]
    fn garbage_is_refused() {
        assert!(parse_list("not a list").is_err());
        assert!(parse_list("{\"a\":1}").is_err());
    }
}
