//! How commands print data, the same way everywhere: `--json` prints one JSON document,
//! and a list that can be long is cut at `--limit` with a last line saying how many more
//! there are, so nobody scrolls back through a thousand lines to find the prompt.

use anyhow::Result;

/// Items a long list prints unless `--limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 50;

/// Prints `value` as one pretty-printed JSON document.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Keeps the first `limit` items; returns how many were left out.
pub fn cut<T>(items: &mut Vec<T>, limit: usize) -> usize {
    let left_out = items.len().saturating_sub(limit);
    items.truncate(limit);
    left_out
}

/// The line after a cut list: how many more `noun`s there are and how to see them.
pub fn more_line(left_out: usize, noun: &str, total: usize) -> Option<String> {
    (left_out > 0).then(|| {
        format!(
            "… {} more {noun} (of {}): pass --limit {total} to see them all",
            thousands(left_out),
            thousands(total)
        )
    })
}

/// Prints [`more_line`]: on stdout after a table, on stderr after JSON (which stays one
/// document a script can parse).
pub fn print_more(left_out: usize, noun: &str, total: usize, json: bool) {
    if let Some(line) = more_line(left_out, noun, total) {
        if json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
}

/// `1254` as `1,254`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_list_says_how_many_more_there_are() {
        let mut items: Vec<usize> = (0..1254).collect();
        let left_out = cut(&mut items, 50);
        assert_eq!(items.len(), 50);
        assert_eq!(
            more_line(left_out, "comments", 1254).as_deref(),
            Some("… 1,204 more comments (of 1,254): pass --limit 1254 to see them all")
        );
        let mut short = vec![1, 2];
        assert_eq!(cut(&mut short, 50), 0);
        assert_eq!(more_line(0, "comments", 2), None);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
