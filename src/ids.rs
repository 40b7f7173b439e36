//! Identifier newtypes, so a media id can never be passed where a user id is expected.
//!
//! Graph ids are numeric strings, but some responses (the Instagram code exchange's `user_id`)
//! send them as JSON numbers; every id type accepts both and always holds a string.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as the Graph API spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                string_or_number(d).map(Self)
            }
        }
    };
}

id_type!(
    /// An Instagram professional account id (`<IG_ID>`, the `user_id` of `GET /me`).
    IgUserId
);
id_type!(
    /// An Instagram media id (a post, a carousel child, a story or a reel).
    MediaId
);
id_type!(
    /// A Facebook Page id (Facebook Login only).
    PageId
);
id_type!(
    /// An Instagram comment id.
    CommentId
);
id_type!(
    /// A publishing container id (`POST /<IG_ID>/media`).
    ContainerId
);

/// Deserializes a JSON string or integer into its string form.
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Str(String),
        Int(u64),
        Signed(i64),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::Str(s) => s,
        Raw::Int(n) => n.to_string(),
        Raw::Signed(n) => n.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_strings_and_numbers() {
        let a: IgUserId = serde_json::from_str("\"17841400000000000\"").expect("string id");
        let b: IgUserId = serde_json::from_str("17841400000000000").expect("numeric id");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "17841400000000000");
    }
}
