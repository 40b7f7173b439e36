//! The parser for Graph's `fields=` selection syntax.
//!
//! Supports what clients send to the Instagram APIs: plain names (`id,caption`), nested
//! expansion (`children{id,media_url}`, `owner{id}`) and modifiers on edges
//! (`children.limit(2){id}`, `media.limit(5)`), nested up to [`MAX_DEPTH`] levels. The parser
//! only checks syntax; which names exist is decided by the node that renders them.

use thiserror::Error;

/// How deep `{...}` selections may nest. The parser (and every renderer after it) recurses
/// once per level, so an unbounded depth lets one GET overflow the stack and kill the
/// sandbox; real selections never go past three or four levels.
pub const MAX_DEPTH: usize = 32;

/// One selected field, possibly with a sub-selection and an edge page size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// `.limit(n)` on an edge.
    pub limit: Option<u32>,
    /// `{...}`; `None` when the field was named without braces.
    pub sub: Option<Vec<Field>>,
}

impl Field {
    /// A field without modifier or sub-selection.
    pub fn plain(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            limit: None,
            sub: None,
        }
    }
}

/// Writes a selection back in `fields=` syntax (for the `next` URLs of nested edges).
pub fn render(fields: &[Field]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|f| {
            let mut s = f.name.clone();
            if let Some(n) = f.limit {
                s.push_str(".limit(");
                s.push_str(&n.to_string());
                s.push(')');
            }
            if let Some(sub) = &f.sub {
                s.push('{');
                s.push_str(&render(sub));
                s.push('}');
            }
            s
        })
        .collect();
    parts.join(",")
}

/// Why a `fields` value could not be parsed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FieldsError {
    #[error("Syntax error \"Expected end of string instead of \"{0}\".\" at character {1}: {2}")]
    Unexpected(char, usize, String),
    #[error("Syntax error \"Unexpected end of string\" in fields: {0}; close every '{{' and '('")]
    UnexpectedEnd(String),
    #[error("Syntax error \"Field name expected\" at character {0}: {1}")]
    EmptyName(usize, String),
    #[error("(#100) Unknown field modifier ({0}); only .limit(n) is supported")]
    UnknownModifier(String),
    #[error("(#100) The value of limit must be a positive integer, got ({0})")]
    BadLimit(String),
    #[error(
        "(#100) fields nest more than {0} levels deep at character {1}; select fewer nested '{{' levels"
    )]
    TooDeep(usize, usize),
}

/// Parses a complete `fields` value. An empty string selects nothing (an empty list).
pub fn parse(input: &str) -> Result<Vec<Field>, FieldsError> {
    let chars: Vec<char> = input.chars().collect();
    let mut p = Parser {
        chars: &chars,
        pos: 0,
        src: input,
        depth: 0,
    };
    p.skip_ws();
    if p.at_end() {
        return Ok(Vec::new());
    }
    let list = p.list()?;
    p.skip_ws();
    match p.peek() {
        None => Ok(list),
        Some(c) => Err(FieldsError::Unexpected(c, p.pos, input.to_owned())),
    }
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    src: &'a str,
    /// `{` levels open at `pos`.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.pos += 1;
        }
    }
    fn list(&mut self) -> Result<Vec<Field>, FieldsError> {
        let mut out = vec![self.item()?];
        loop {
            self.skip_ws();
            if self.peek() == Some(',') {
                self.pos += 1;
                out.push(self.item()?);
            } else {
                return Ok(out);
            }
        }
    }
    fn name(&mut self) -> Result<String, FieldsError> {
        self.skip_ws();
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        if start == self.pos {
            return match self.peek() {
                None => Err(FieldsError::UnexpectedEnd(self.src.to_owned())),
                Some(_) => Err(FieldsError::EmptyName(self.pos, self.src.to_owned())),
            };
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }
    fn item(&mut self) -> Result<Field, FieldsError> {
        let name = self.name()?;
        let mut field = Field {
            name,
            limit: None,
            sub: None,
        };
        loop {
            self.skip_ws();
            match self.peek() {
                Some('.') => {
                    self.pos += 1;
                    let modifier = self.name()?;
                    self.eat('(')?;
                    let start = self.pos;
                    while matches!(self.peek(), Some(c) if c != ')') {
                        self.pos += 1;
                    }
                    let arg: String = self.chars[start..self.pos].iter().collect();
                    self.eat(')')?;
                    if modifier != "limit" {
                        return Err(FieldsError::UnknownModifier(modifier));
                    }
                    let n: u32 = arg
                        .trim()
                        .parse()
                        .map_err(|_| FieldsError::BadLimit(arg.clone()))?;
                    if n == 0 {
                        return Err(FieldsError::BadLimit(arg));
                    }
                    field.limit = Some(n);
                }
                Some('{') => {
                    field.sub = Some(self.sub_selection()?);
                    return Ok(field);
                }
                _ => return Ok(field),
            }
        }
    }
    /// `{...}` after a field name, refused past [`MAX_DEPTH`] levels before recursing.
    fn sub_selection(&mut self) -> Result<Vec<Field>, FieldsError> {
        if self.depth >= MAX_DEPTH {
            return Err(FieldsError::TooDeep(MAX_DEPTH, self.pos));
        }
        self.pos += 1;
        self.depth += 1;
        self.skip_ws();
        let sub = if self.peek() == Some('}') {
            Vec::new()
        } else {
            self.list()?
        };
        self.eat('}')?;
        self.depth -= 1;
        Ok(sub)
    }
    fn eat(&mut self, want: char) -> Result<(), FieldsError> {
        self.skip_ws();
        match self.peek() {
            Some(c) if c == want => {
                self.pos += 1;
                Ok(())
            }
            Some(c) => Err(FieldsError::Unexpected(c, self.pos, self.src.to_owned())),
            None => Err(FieldsError::UnexpectedEnd(self.src.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(fields: &[Field]) -> Vec<&str> {
        fields.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn flat_list_with_spaces() {
        let f = parse(" id, caption ,media_type").expect("parses");
        assert_eq!(names(&f), ["id", "caption", "media_type"]);
        assert!(f.iter().all(|x| x.sub.is_none() && x.limit.is_none()));
    }

    #[test]
    fn nested_expansion() {
        let f = parse("id,children{id,media_type,media_url},owner{id}").expect("parses");
        assert_eq!(names(&f), ["id", "children", "owner"]);
        let children = f[1].sub.as_ref().expect("children has a sub-selection");
        assert_eq!(names(children), ["id", "media_type", "media_url"]);
        assert_eq!(names(f[2].sub.as_ref().expect("owner sub")), ["id"]);
    }

    #[test]
    fn limit_modifier_and_deep_nesting() {
        let f = parse("media.limit(3){id,children.limit(2){id}},username").expect("parses");
        assert_eq!(f[0].limit, Some(3));
        let inner = f[0].sub.as_ref().expect("media sub");
        assert_eq!(inner[1].name, "children");
        assert_eq!(inner[1].limit, Some(2));
        assert_eq!(names(inner[1].sub.as_ref().expect("children sub")), ["id"]);
        assert_eq!(f[1], Field::plain("username"));
    }

    #[test]
    fn limit_without_braces() {
        let f = parse("children.limit(2)").expect("parses");
        assert_eq!(f[0].limit, Some(2));
        assert_eq!(f[0].sub, None);
    }

    #[test]
    fn render_round_trips() {
        let src = "id,children.limit(2){id,media_url},owner{id}";
        assert_eq!(render(&parse(src).expect("parses")), src);
    }

    #[test]
    fn empty_is_empty() {
        assert_eq!(parse("").expect("parses"), Vec::new());
    }

    /// `a{a{a{...}}}` nested `levels` deep.
    fn nested(levels: usize) -> String {
        format!("{}id{}", "a{".repeat(levels), "}".repeat(levels))
    }

    #[test]
    fn nesting_is_capped_at_max_depth() {
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        assert!(matches!(
            parse(&nested(MAX_DEPTH + 1)),
            Err(FieldsError::TooDeep(MAX_DEPTH, _))
        ));
        // Deep enough to overflow the stack without the cap.
        let err = parse(&nested(100_000)).expect_err("refused");
        assert!(err.to_string().contains("32 levels"), "{err}");
    }

    #[test]
    fn syntax_errors() {
        assert!(matches!(parse("id,{x}"), Err(FieldsError::EmptyName(..))));
        assert!(matches!(
            parse("children{id"),
            Err(FieldsError::UnexpectedEnd(_))
        ));
        assert!(matches!(
            parse("id}"),
            Err(FieldsError::Unexpected('}', 2, _))
        ));
        assert!(matches!(parse("id,"), Err(FieldsError::UnexpectedEnd(_))));
        assert_eq!(
            parse("media.limit(x)"),
            Err(FieldsError::BadLimit("x".into()))
        );
        assert_eq!(
            parse("media.limit(0)"),
            Err(FieldsError::BadLimit("0".into()))
        );
        assert!(matches!(
            parse("media.order(x)"),
            Err(FieldsError::UnknownModifier(_))
        ));
    }
}

/// Property tests: any `fields=` value parses or is refused with a message, never a panic or
/// a stack overflow; what parses renders back to the same selection.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_500))]

        #[test]
        fn any_text_parses_or_is_refused(input in "\\PC{0,200}") {
            if let Err(e) = parse(&input) {
                prop_assert!(!e.to_string().is_empty());
            }
        }

        #[test]
        fn selection_soup_round_trips(input in "[a-z_{}().,0-9 ]{0,300}") {
            if let Ok(fields) = parse(&input) {
                prop_assert_eq!(parse(&render(&fields)), Ok(fields));
            }
        }

        #[test]
        fn nesting_is_bounded_at_any_depth(depth in 0usize..5_000, closed in any::<bool>()) {
            let mut input = "a{".repeat(depth) + "id";
            if closed {
                input += &"}".repeat(depth);
            }
            let parsed = parse(&input);
            if depth > MAX_DEPTH {
                prop_assert!(matches!(parsed, Err(FieldsError::TooDeep(..))), "{parsed:?}");
            } else {
                prop_assert_eq!(parsed.is_ok(), closed || depth == 0);
            }
        }
    }
}
