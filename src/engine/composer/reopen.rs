//! Turning a saved draft back into what the Composer edits.
//!
//! A draft stores the prepared (cropped, resized) files, plus where each original was and
//! how it was framed. Reopening uses the original when it is still there, so the crop can
//! change on the full picture and tags are mapped back onto it; otherwise the prepared file
//! is used as it is, and the note says why.

use std::path::PathBuf;
use std::sync::Arc;

use super::{ItemSpec, MediaSource, OpenedDraft, PostSpec};
use crate::engine::core::EngineError;
use crate::media::frame::CropFrame;
use crate::media::prepare::{CropRect, upright_size};
use crate::store::{Draft, DraftItem, DraftPlace, ProductTag, Store, UserTag};

/// Builds the Composer's view of `draft` (blocking: reads files).
pub(super) fn opened(
    store: &Store,
    draft: Draft,
    place: DraftPlace,
) -> Result<OpenedDraft, EngineError> {
    let mut missing = Vec::new();
    let mut items = Vec::with_capacity(draft.items.len());
    for item in &draft.items {
        let spec = if let Some(spec) = original(item) {
            spec
        } else {
            if item.extras.source.is_some() {
                missing.push(item.file_name.clone());
            }
            prepared(store, draft.id, item)?
        };
        let mut spec = spec;
        if let Some(cover) = &item.cover {
            let bytes = store
                .cover_file(draft.id, item.position)
                .map_err(EngineError::from)?;
            spec.cover_image = Some(MediaSource::Bytes {
                name: cover.file_name.clone(),
                bytes: Arc::new(bytes),
            });
        }
        items.push(spec);
    }
    let note = (!missing.is_empty()).then(|| {
        format!(
            "Editing draft {}. The original of {} is no longer where it was: the prepared picture is shown, and it can only be cropped further.",
            draft.id,
            missing.join(", ")
        )
    });
    Ok(OpenedDraft {
        draft: draft.id,
        post: PostSpec {
            account: draft.account,
            kind: draft.kind,
            caption: draft.caption,
            share_to_feed: draft.share_to_feed,
            scheduled_at: draft.scheduled_at,
            items,
            place,
            draft: Some(draft.id),
            allow_duplicate: false,
        },
        note,
    })
}

/// The item on its original file, if the file is still readable.
fn original(item: &DraftItem) -> Option<ItemSpec> {
    let source = item.extras.source.as_ref()?;
    let path = PathBuf::from(&source.path);
    let mut spec = ItemSpec::new(MediaSource::Path(path.clone()));
    if item.is_video {
        std::fs::metadata(&path).ok()?;
    } else {
        let bytes = std::fs::read(&path).ok()?;
        let (w, h) = upright_size(&bytes).ok()?;
        let frame = CropFrame {
            ratio: source.ratio,
            zoom: source.zoom,
            cx: source.cx,
            cy: source.cy,
        };
        spec.frame = Some(frame);
        spec.crop = frame.crop(w, h);
    }
    let crop = spec.crop;
    fill(&mut spec, item, crop);
    Some(spec)
}

/// The item on its prepared file, stored with the draft.
fn prepared(store: &Store, draft: i64, item: &DraftItem) -> Result<ItemSpec, EngineError> {
    let bytes = store
        .item_file(draft, item.position)
        .map_err(EngineError::from)?;
    let mut spec = ItemSpec::new(MediaSource::Bytes {
        name: item.file_name.clone(),
        bytes: Arc::new(bytes),
    });
    fill(&mut spec, item, CropRect::FULL);
    Ok(spec)
}

/// Alt text, tags (mapped from the published picture back through `crop`), products and
/// the video's cover settings.
fn fill(spec: &mut ItemSpec, item: &DraftItem, crop: CropRect) {
    spec.alt_text.clone_from(&item.alt_text);
    spec.tags = item
        .user_tags
        .iter()
        .map(|t| {
            let (x, y) = crop.unmap_point(t.x, t.y);
            UserTag {
                username: t.username.clone(),
                x,
                y,
            }
        })
        .collect();
    spec.product_tags = item
        .extras
        .product_tags
        .iter()
        .map(|t| {
            let place = t.x.zip(t.y).map(|(x, y)| crop.unmap_point(x, y));
            ProductTag {
                product_id: t.product_id.clone(),
                x: place.map(|(x, _)| x),
                y: place.map(|(_, y)| y),
            }
        })
        .collect();
    spec.thumb_offset_ms = item.extras.thumb_offset_ms;
    spec.cover_url.clone_from(&item.extras.cover_url);
}
