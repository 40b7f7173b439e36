//! Preparing a post's pictures side by side.
//!
//! Each picture is read, decoded once (shrunk on load), cropped, resized and encoded on its
//! own, so a 10-photo carousel splits cleanly by picture: it runs on as many threads as the
//! machine has cores, at most [`MAX_WORKERS`] (each worker holds one photo's pixels at a
//! time, which bounds memory). Results come back by item number; [`super::post`] consumes
//! them in order, so the first problem reported is the same as when pictures were prepared
//! one after another.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::media::prepare::{self, PrepareOptions, PreparedImage};

use super::post::{MediaSource, PostError};

/// The most pictures prepared at once: a 24-megapixel photo in flight takes ~50 MB.
const MAX_WORKERS: usize = 4;

/// One picture to prepare: its item's index in the post, where it is and how to frame it.
pub(super) struct PictureJob<'a> {
    pub index: usize,
    pub source: &'a MediaSource,
    pub options: PrepareOptions,
}

/// What a worker tells the calling thread.
enum Report {
    Progress(usize, f32),
    Done(usize, Result<PreparedImage, PostError>),
}

/// Prepares every job on up to [`MAX_WORKERS`] threads, calling `progress(item, fraction)`
/// on this thread as stages begin. Returns one result per item index (`None` where no job
/// was given, e.g. for videos).
pub(super) fn prepare_pictures(
    jobs: &[PictureJob<'_>],
    items: usize,
    progress: &mut dyn FnMut(usize, f32),
) -> Vec<Option<Result<PreparedImage, PostError>>> {
    let mut results: Vec<Option<Result<PreparedImage, PostError>>> =
        std::iter::repeat_with(|| None).take(items).collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(MAX_WORKERS)
        .min(jobs.len());
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || {
                while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = prepare_picture(job, &mut |fraction| {
                        // A closed channel means the caller is gone; the result is dropped too.
                        let _ = sender.send(Report::Progress(job.index, fraction));
                    });
                    if sender.send(Report::Done(job.index, result)).is_err() {
                        return;
                    }
                }
            });
        }
        // The workers hold the only senders left: the loop ends when the last one finishes.
        drop(sender);
        for report in receiver {
            match report {
                Report::Progress(index, fraction) => progress(index, fraction),
                Report::Done(index, result) => {
                    if let Some(slot) = results.get_mut(index) {
                        *slot = Some(result);
                    }
                }
            }
        }
    });
    results
}

/// Reads and prepares one picture (blocking).
pub(super) fn prepare_picture(
    job: &PictureJob<'_>,
    progress: &mut dyn FnMut(f32),
) -> Result<PreparedImage, PostError> {
    let bytes = job.source.read()?;
    prepare::prepare_image_with_progress(&bytes, &job.options, &mut |stage| {
        progress(stage.fraction());
    })
    .map_err(|source| PostError::Prepare {
        item: job.index + 1,
        file: job.source.name(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use image::{ImageEncoder, Rgb, RgbImage};

    use super::*;
    use crate::media::prepare::{CropRect, PrepareError, Surface};

    fn picture(name: &str, width: u32, height: u32) -> MediaSource {
        let image = RgbImage::from_pixel(width, height, Rgb([200, 40, 40]));
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut bytes)
            .write_image(
                image.as_raw(),
                width,
                height,
                image::ExtendedColorType::Rgb8,
            )
            .expect("encode jpeg");
        MediaSource::Bytes {
            name: name.into(),
            bytes: Arc::new(bytes),
        }
    }

    fn job(index: usize, source: &MediaSource) -> PictureJob<'_> {
        PictureJob {
            index,
            source,
            options: PrepareOptions {
                crop: CropRect::FULL,
                surface: Surface::Feed,
                match_ratio: None,
            },
        }
    }

    #[test]
    fn results_come_back_by_item_with_each_items_own_error() {
        let wide = picture("wide.jpg", 800, 800);
        let narrow = picture("narrow.jpg", 200, 200);
        let tall = picture("tall.jpg", 640, 800);
        // Item 1 (index 1) is a video in the post: no job, no result.
        let jobs = [job(0, &wide), job(2, &narrow), job(3, &tall)];
        let mut seen = Vec::new();
        let results = prepare_pictures(&jobs, 4, &mut |item, fraction| seen.push((item, fraction)));
        assert_eq!(results.len(), 4);
        let size = |i: usize| match &results[i] {
            Some(Ok(p)) => Some((p.width, p.height)),
            _ => None,
        };
        assert_eq!(size(0), Some((800, 800)));
        assert!(results[1].is_none(), "no job, no result");
        match &results[2] {
            Some(Err(PostError::Prepare { item, file, source })) => {
                assert_eq!((*item, file.as_str()), (3, "narrow.jpg"));
                assert_eq!(*source, PrepareError::TooNarrow { width: 200 });
            }
            other => panic!("item 3 should be too narrow: {other:?}"),
        }
        assert_eq!(size(3), Some((640, 800)));
        // Every picture reported its start, and the good ones their end, to this thread.
        for item in [0, 2, 3] {
            assert!(seen.contains(&(item, 0.0)), "{item} started: {seen:?}");
        }
        assert!(
            seen.contains(&(0, 1.0)) && seen.contains(&(3, 1.0)),
            "{seen:?}"
        );
    }
}
