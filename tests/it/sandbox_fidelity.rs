//! The sandbox's answers where Meta's documents are precise and older emulators were not:
//! a comment's `media` field (`{id, media_product_type}` since 2021-11-09), `ig_id` on IG
//! Media, and real MP4 bytes behind a demo video's `media_url`. Raw HTTP only.

use reqwest::{Client, StatusCode};
use serde_json::Value;
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, Sandbox, SandboxOptions};

const BUSINESS_IG_ID: &str = "17841400000000001";

async fn start() -> Sandbox {
    Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts")
}

async fn get(sb: &Sandbox, path: &str, token: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut url = sb.url().join(path).expect("path");
    url.query_pairs_mut()
        .append_pair("access_token", token)
        .extend_pairs(query);
    let resp = Client::new().get(url).send().await.expect("sent");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn token(sb: &Sandbox, provider: &str, scopes: &[&str]) -> String {
    sb.control()
        .mint_token(provider, DEMO_BUSINESS_USERNAME, scopes)
        .expect("token")
}

async fn my_media(sb: &Sandbox, token: &str, prefix: &str) -> Vec<Value> {
    let (status, list) = get(
        sb,
        // On Facebook Login `me` is the Facebook user: the IG account is named by its id.
        &format!(
            "{prefix}v24.0/{}/media",
            if prefix.is_empty() {
                "me"
            } else {
                BUSINESS_IG_ID
            }
        ),
        token,
        &[
            (
                "fields",
                "id,media_type,media_product_type,media_url,comments_count",
            ),
            ("limit", "100"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["data"].as_array().expect("data").clone()
}

#[tokio::test]
async fn a_comments_media_is_id_and_product_type_by_default() {
    let sb = start().await;
    let t = token(
        &sb,
        "instagram",
        &[
            "instagram_business_basic",
            "instagram_business_manage_comments",
        ],
    );
    let media = my_media(&sb, &t, "").await;
    let mut checked = 0;
    for product in ["FEED", "REELS"] {
        let m = media
            .iter()
            .find(|m| m["media_product_type"] == product && m["comments_count"].as_u64() > Some(0))
            .unwrap_or_else(|| panic!("a commented {product} media"));
        let id = m["id"].as_str().expect("id");
        let (status, comments) = get(
            &sb,
            &format!("v24.0/{id}/comments"),
            &t,
            &[("fields", "id,text,media")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{comments}");
        let first = &comments["data"][0];
        assert_eq!(
            first["media"],
            serde_json::json!({"id": id, "media_product_type": product}),
            "{first}"
        );
        // Asked with sub-fields, exactly those come back.
        let cid = first["id"].as_str().expect("comment id");
        let (_, one) = get(
            &sb,
            &format!("v24.0/{cid}"),
            &t,
            &[("fields", "media{id,media_type}")],
        )
        .await;
        assert_eq!(one["media"]["id"], id, "{one}");
        assert!(one["media"].get("media_product_type").is_none(), "{one}");
        assert!(one["media"]["media_type"].is_string(), "{one}");
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[tokio::test]
async fn ig_id_is_answered_on_media_and_stays_the_same() {
    let sb = start().await;
    for (provider, prefix, scopes) in [
        ("instagram", "", &["instagram_business_basic"][..]),
        (
            "facebook",
            "facebook/",
            &[
                "instagram_basic",
                "pages_show_list",
                "pages_read_engagement",
            ][..],
        ),
    ] {
        let t = token(&sb, provider, scopes);
        let media = my_media(&sb, &t, prefix).await;
        let ids: Vec<&str> = media
            .iter()
            .take(2)
            .map(|m| m["id"].as_str().expect("id"))
            .collect();
        let mut legacy = Vec::new();
        for id in &ids {
            let path = format!("{prefix}v24.0/{id}");
            let (status, a) = get(&sb, &path, &t, &[("fields", "id,ig_id")]).await;
            assert_eq!(status, StatusCode::OK, "{provider}: {a}");
            let (_, b) = get(&sb, &path, &t, &[("fields", "ig_id")]).await;
            let ig_id = a["ig_id"].as_str().expect("ig_id is a string").to_owned();
            assert_eq!(b["ig_id"], ig_id, "stable across requests");
            assert_ne!(ig_id, *id, "the legacy id is not the Graph id");
            assert!(
                ig_id
                    .split('_')
                    .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit())),
                "{ig_id}"
            );
            legacy.push(ig_id);
        }
        assert_ne!(legacy[0], legacy[1], "each media has its own");
    }
}

#[tokio::test]
async fn a_demo_videos_media_url_serves_a_playable_mp4() {
    let sb = start().await;
    let t = token(&sb, "instagram", &["instagram_business_basic"]);
    let media = my_media(&sb, &t, "").await;
    let video = media
        .iter()
        .find(|m| m["media_type"] == "VIDEO")
        .expect("a demo video");
    let url = video["media_url"].as_str().expect("media_url");
    let resp = Client::new().get(url).send().await.expect("sent");
    assert_eq!(resp.status(), StatusCode::OK, "{url}");
    assert_eq!(
        resp.headers()["content-type"].to_str().expect("ascii"),
        "video/mp4"
    );
    let bytes = resp.bytes().await.expect("bytes");
    let info = socialdesk::media::video::probe(&bytes).expect("a readable MP4");
    assert_eq!(info.codec, socialdesk::media::video::VideoCodec::H264);
    assert_eq!((info.width, info.height), (144, 256));
    assert!(info.is_vertical_9_16());
    assert_eq!(info.duration.as_secs(), 4);
    // A picture has no video behind it.
    let image = media
        .iter()
        .find(|m| m["media_type"] == "IMAGE")
        .expect("a demo picture");
    let id = image["id"].as_str().expect("id");
    let resp = Client::new()
        .get(sb.url().join(&format!("cdn/{id}/video.mp4")).expect("url"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}
