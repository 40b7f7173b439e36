//! Reading the redirect that ends a login, whether it reached the loopback listener or was
//! pasted by hand: the `#_` / `#_=_` Meta appends is stripped, `state` is checked, and
//! `error=access_denied` becomes [`AuthError::Denied`].

use url::Url;

use super::AuthError;
use crate::model::LoginKind;

/// What the login window was called, for messages.
pub(crate) fn window_name(kind: LoginKind) -> &'static str {
    match kind {
        LoginKind::Instagram => "Instagram",
        LoginKind::Facebook => "Facebook",
    }
}

/// Removes the fragment Meta appends to the redirect (`#_` on Instagram, `#_=_` on
/// Facebook), and any other fragment, which is never part of the code.
pub fn strip_fragment(raw: &str) -> &str {
    let raw = raw.trim();
    match raw.find('#') {
        Some(i) => &raw[..i],
        None => raw,
    }
}

/// Checks a redirect and returns the authorization code.
///
/// `raw` is a full URL (`http://localhost:8765/callback?code=..&state=..#_`) or just its query
/// string. The state is checked before anything else so a forged answer is never trusted.
pub fn code_from_redirect(
    raw: &str,
    expected_state: &str,
    kind: LoginKind,
) -> Result<String, AuthError> {
    let cleaned = strip_fragment(raw);
    if cleaned.is_empty() {
        return Err(AuthError::InvalidRedirect {
            reason: "it is empty".into(),
        });
    }
    let url = Url::parse(cleaned).or_else(|_| {
        let query = cleaned.trim_start_matches('?');
        if query.contains('=') {
            Url::parse(&format!("http://localhost/callback?{query}"))
        } else {
            Err(url::ParseError::RelativeUrlWithoutBase)
        }
    });
    let url = url.map_err(|e| AuthError::InvalidRedirect {
        reason: e.to_string(),
    })?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let (state, error, code) = (param("state"), param("error"), param("code"));
    if state.is_none() && error.is_none() && code.is_none() {
        return Err(AuthError::InvalidRedirect {
            reason: "it carries no code, state or error".into(),
        });
    }
    if state.as_deref() != Some(expected_state) {
        return Err(AuthError::StateMismatch);
    }
    if let Some(error) = error {
        if error == "access_denied" {
            return Err(AuthError::Denied {
                window: window_name(kind),
            });
        }
        let description = param("error_description")
            .or_else(|| param("error_reason"))
            .unwrap_or_default()
            .replace('+', " ");
        return Err(AuthError::Provider {
            provider: window_name(kind),
            error,
            description,
        });
    }
    // A `#_` that was percent-encoded into the query is not part of the code either.
    let code = code.map(|c| c.trim_end_matches("#_").trim().to_owned());
    match code {
        Some(c) if !c.is_empty() => Ok(c),
        _ => Err(AuthError::MissingCode),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IG: LoginKind = LoginKind::Instagram;

    #[test]
    fn strips_instagram_and_facebook_fragments() {
        assert_eq!(
            strip_fragment(" https://x/cb?code=abc#_ "),
            "https://x/cb?code=abc"
        );
        assert_eq!(
            strip_fragment("https://x/cb?code=abc#_=_"),
            "https://x/cb?code=abc"
        );
        assert_eq!(
            strip_fragment("https://x/cb?code=abc"),
            "https://x/cb?code=abc"
        );
        let code = code_from_redirect("https://localhost:1/callback?code=AQB12&state=S#_", "S", IG)
            .expect("code");
        assert_eq!(code, "AQB12");
        let code = code_from_redirect(
            "http://localhost:1/callback?code=AQB12%23_&state=S",
            "S",
            IG,
        )
        .expect("code");
        assert_eq!(code, "AQB12");
    }

    #[test]
    fn accepts_a_bare_query_string() {
        assert_eq!(
            code_from_redirect("?code=C&state=S", "S", IG).expect("code"),
            "C"
        );
        assert_eq!(
            code_from_redirect("code=C&state=S#_", "S", IG).expect("code"),
            "C"
        );
    }

    #[test]
    fn wrong_or_missing_state_is_rejected_before_the_code_is_read() {
        let err = code_from_redirect("http://localhost/callback?code=C&state=other", "S", IG)
            .expect_err("state");
        assert!(matches!(err, AuthError::StateMismatch));
        assert!(err.to_string().contains("not for this login"));
        let err =
            code_from_redirect("http://localhost/callback?code=C", "S", IG).expect_err("no state");
        assert!(matches!(err, AuthError::StateMismatch));
    }

    #[test]
    fn deny_and_provider_errors_are_told_plainly() {
        let url = "http://localhost/callback?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request&state=S#_";
        let err = code_from_redirect(url, "S", IG).expect_err("denied");
        assert_eq!(
            err.to_string(),
            "You chose Deny in the Instagram window, nothing was connected; try again and choose Allow"
        );
        let err = code_from_redirect(
            "http://localhost/callback?error=server_error&state=S",
            "S",
            LoginKind::Facebook,
        )
        .expect_err("provider");
        assert!(matches!(err, AuthError::Provider { .. }));
    }

    #[test]
    fn garbage_is_an_invalid_redirect_and_empty_code_is_missing() {
        assert!(matches!(
            code_from_redirect("hello", "S", IG),
            Err(AuthError::InvalidRedirect { .. })
        ));
        assert!(matches!(
            code_from_redirect("http://localhost/callback", "S", IG),
            Err(AuthError::InvalidRedirect { .. })
        ));
        assert!(matches!(
            code_from_redirect("http://localhost/callback?code=&state=S", "S", IG),
            Err(AuthError::MissingCode)
        ));
    }
}

/// Property tests: whatever reaches the callback (pasted by the user or sent by another
/// local program), the code is returned only with the right `state`, and nothing panics.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;
    use url::form_urlencoded::byte_serialize;

    use super::*;

    fn encoded(s: &str) -> String {
        byte_serialize(s.as_bytes()).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        #[test]
        fn any_redirect_is_checked_or_refused(raw in "\\PC{0,200}", state in "[A-Za-z0-9_-]{1,32}") {
            if code_from_redirect(&raw, &state, LoginKind::Instagram).is_ok() {
                prop_assert!(raw.contains(&state) || raw.contains(&encoded(&state)));
            }
        }

        #[test]
        fn a_wrong_state_is_never_accepted(
            code in "\\PC{1,40}",
            state in "[A-Za-z0-9_-]{1,32}",
            other in "[A-Za-z0-9_-]{1,32}",
        ) {
            prop_assume!(state != other);
            let raw = format!(
                "http://127.0.0.1:8765/callback?code={}&state={}#_",
                encoded(&code),
                encoded(&other)
            );
            prop_assert!(code_from_redirect(&raw, &state, LoginKind::Facebook).is_err());
        }

        #[test]
        fn the_right_state_returns_the_code_as_sent(
            code in "[A-Za-z0-9_.-]{1,60}",
            state in "[A-Za-z0-9_-]{1,32}",
        ) {
            let raw = format!(
                "http://127.0.0.1:8765/callback?code={}&state={}#_",
                encoded(&code),
                encoded(&state)
            );
            let got = code_from_redirect(&raw, &state, LoginKind::Instagram);
            prop_assert_eq!(got.ok(), Some(code));
        }
    }
}
