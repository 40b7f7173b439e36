//! Copyright detection on videos, as the Copyright Detection guide shows it:
//! `GET /{container-id}?fields=copyright_check_status` before publishing and
//! `GET /{media-id}?fields=copyright_check_information` after.
//!
//! Every video is checked while it processes. A switch (`SandboxControl::set_copyright_match`,
//! `POST /__sandbox/copyright?matches=true|false`) makes the videos of containers created
//! while it is on match a (fictional) recording, so a client's warning path can be exercised.
//! The guide lists the statuses `completed`, `error`, `in_progress` and `not_started` but its
//! samples say `complete`; the sandbox answers the listed `completed`.

use serde_json::{Value, json};

/// `copyright_check_status` of a container whose `status_code` is `code`.
pub fn container_status(is_video: bool, matched: bool, code: &str) -> Value {
    let status = match (is_video, code) {
        (false, _) => "not_started",
        (true, "IN_PROGRESS") => "in_progress",
        (true, "ERROR") => "error",
        (true, _) => "completed",
    };
    let matched = matched && status == "completed";
    let mut check = json!({ "status": status, "matches_found": matched });
    // The guide: when matches are found, `author`, `content_title`, `matched_segments` and
    // `owner_copyright_policy` come with them (its sample leaves them out).
    if matched && let (Some(check), Value::Object(found)) = (check.as_object_mut(), match_found()) {
        check.extend(found);
    }
    check
}

/// `copyright_check_information` of published media.
pub fn media_information(is_video: bool, matched: bool) -> Value {
    let status = if is_video { "completed" } else { "not_started" };
    let matched = matched && is_video;
    let mut info = json!({ "status": { "status": status, "matches_found": matched } });
    if matched {
        info["copyright_matches"] = json!([match_found()]);
    }
    info
}

/// The demo match: a fictional track with a block and a mute policy, in the guide's shape.
fn match_found() -> Value {
    json!({
        "content_title": "Midnight Espresso",
        "author": "The Night Baristas",
        "owner_copyright_policy": {
            "name": "Northwind Records",
            "actions": [
                { "action": "BLOCK", "territories": "2", "geos": ["Canada", "Germany"] },
                { "action": "MUTE", "territories": "1", "geos": ["United Kingdom of Great Britain and Northern Ireland"] }
            ]
        },
        "matched_segments": [
            { "start_time_in_seconds": 1.5, "duration_in_seconds": 4.0, "segment_type": "AUDIO" }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_processing_and_matches_only_show_once_completed() {
        assert_eq!(
            container_status(true, true, "IN_PROGRESS"),
            json!({"status": "in_progress", "matches_found": false})
        );
        let found = container_status(true, true, "FINISHED");
        assert_eq!(found["status"], "completed");
        assert_eq!(found["matches_found"], true);
        assert_eq!(found["author"], "The Night Baristas");
        assert_eq!(
            container_status(false, true, "FINISHED")["status"],
            "not_started"
        );
        let info = media_information(true, true);
        assert_eq!(info["status"]["matches_found"], true);
        assert_eq!(
            info["copyright_matches"][0]["owner_copyright_policy"]["actions"][0]["action"],
            "BLOCK"
        );
        assert!(
            media_information(true, false)
                .get("copyright_matches")
                .is_none()
        );
    }
}
