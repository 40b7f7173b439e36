//! Composer performance: prepare a 10-photo carousel of 24-megapixel camera JPEGs (decode,
//! EXIF orientation, crop to 4:5, resize to 1440 px wide, JPEG encode under 8 MB) through the
//! same code the app runs ([`PostSpec::prepare`]), and the same work done by ImageMagick's
//! `convert` in the same run. Reports wall time and peak memory of each.
//! Run with `cargo bench --bench composer` (add `-- --runs N` to change the repetitions).
//!
//! The photos are made here, deterministically: a demo photo scaled to 6000x4000 with film
//! grain on top, so the JPEGs are as hard to decode as a camera's (~10 MB each), every other
//! one carrying EXIF orientation 6 (a portrait shot from a phone held upright).
//!
//! Peak memory: our side resets the process's peak RSS (`/proc/self/clear_refs`, value 5)
//! before each run and reads `VmHWM` after; ImageMagick's is the largest maximum RSS of its
//! processes as GNU `time -f %M` reports it, so both numbers mean "most resident at once".

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, RgbImage};
use socialdesk::engine::composer::{ItemSpec, MediaSource, PostSpec};
use socialdesk::ids::IgUserId;
use socialdesk::media::prepare::{CropPreset, CropRect};
use socialdesk::store::PostKind;

const PHOTOS: usize = 10;
const WIDTH: u32 = 6000;
const HEIGHT: u32 = 4000;
/// EXIF (TIFF little-endian) with one IFD entry: Orientation = 6 (rotate 90° clockwise).
const EXIF_ORIENTATION_6: [u8; 26] = [
    b'I', b'I', 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, // header, IFD at 8
    0x01, 0x00, // one entry
    0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00,
    0x00, // 0x0112 SHORT 1 = 6
    0x00, 0x00, 0x00, 0x00, // no next IFD
];

/// The progress fractions `prepare` reports as each stage begins (see `PrepareStage`).
const STAGES: [(f32, &str); 5] = [
    (0.0, "decode+orient"),
    (0.45, "crop"),
    (0.55, "resize"),
    (0.75, "encode"),
    (1.0, ""),
];

fn main() {
    let runs = runs_from_args();
    let dir = tempfile::tempdir().expect("temp dir");
    eprintln!("making {PHOTOS} photos of {WIDTH}x{HEIGHT} px…");
    let photos = make_photos(dir.path());
    let total_mb: f64 = photos
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64)
        .sum::<f64>()
        / 1e6;
    println!(
        "input: {PHOTOS} JPEGs of {WIDTH}x{HEIGHT} px ({:.0} MP), {total_mb:.1} MB in all, half with EXIF orientation 6",
        f64::from(WIDTH * HEIGHT) / 1e6
    );

    let mut ours = Vec::new();
    let mut ours_peak = 0;
    let mut output_bytes = 0;
    let mut stages = [Duration::ZERO; STAGES.len()];
    for _ in 0..runs {
        reset_peak_rss();
        let before = current_rss_kib();
        let start = Instant::now();
        let mut last = (Instant::now(), None::<usize>);
        let draft = carousel(&photos)
            .prepare(&mut |_, fraction| {
                let now = Instant::now();
                if let Some(stage) = last.1 {
                    stages[stage] += now - last.0;
                }
                last = (now, STAGES.iter().position(|(f, _)| *f == fraction));
            })
            .expect("the carousel prepares");
        ours.push(start.elapsed());
        ours_peak = ours_peak.max(peak_rss_kib().saturating_sub(before));
        output_bytes = draft.items.iter().map(|i| i.content.len()).sum::<usize>();
        assert_eq!(draft.items.len(), PHOTOS);
    }
    println!(
        "socialdesk  prepare: median {:>7.0} ms  (min {:.0}, max {:.0}, {runs} runs)  peak memory +{:.0} MiB  output {:.1} MB",
        ms(median(&mut ours)),
        ms(*ours.iter().min().expect("runs > 0")),
        ms(*ours.iter().max().expect("runs > 0")),
        ours_peak as f64 / 1024.0,
        output_bytes as f64 / 1e6,
    );

    let breakdown: Vec<String> = STAGES
        .iter()
        .zip(stages)
        .filter(|((_, name), _)| !name.is_empty())
        .map(|((_, name), total)| format!("{name} {:.0}", ms(total) / (runs * PHOTOS) as f64))
        .collect();
    println!("  per photo (ms): {}", breakdown.join(", "));

    let Some(convert) = imagemagick() else {
        println!("imagemagick: not found (install Debian's `imagemagick` to compare)");
        return;
    };
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("output dir");
    let mut theirs = Vec::new();
    let mut theirs_peak = None;
    for _ in 0..runs {
        let start = Instant::now();
        for (i, photo) in photos.iter().enumerate() {
            let peak = run_convert(&convert, photo, &out.join(format!("{i}.jpg")), i % 2 == 1);
            theirs_peak = theirs_peak.max(peak);
        }
        theirs.push(start.elapsed());
    }
    let peak = theirs_peak.map_or("n/a (no /usr/bin/time)".to_string(), |kib| {
        format!("{:.0} MiB (largest process)", kib as f64 / 1024.0)
    });
    println!(
        "imagemagick convert: median {:>7.0} ms  (min {:.0}, max {:.0}, {runs} runs)  peak memory {peak}  [{}]",
        ms(median(&mut theirs)),
        ms(*theirs.iter().min().expect("runs > 0")),
        ms(*theirs.iter().max().expect("runs > 0")),
        convert.display(),
    );
}

/// The carousel as the Composer would send it: every photo cropped to 4:5.
fn carousel(photos: &[PathBuf]) -> PostSpec {
    let items = photos
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let (w, h) = if i % 2 == 1 {
                (HEIGHT, WIDTH)
            } else {
                (WIDTH, HEIGHT)
            };
            ItemSpec {
                crop: CropRect::for_preset(CropPreset::Portrait, w, h),
                ..ItemSpec::new(MediaSource::Path(path.clone()))
            }
        })
        .collect();
    PostSpec {
        account: IgUserId::from("17841400000000001"),
        kind: PostKind::Carousel,
        caption: "Bench carousel #socialdesk".into(),
        share_to_feed: false,
        scheduled_at: None,
        items,
        place: Default::default(),
        draft: None,
        allow_duplicate: false,
    }
}

/// The same steps with ImageMagick: orient, crop the centred 4:5, resize to 1440 wide, JPEG.
/// Returns the process's peak RSS in KiB when GNU time is there to measure it.
fn run_convert(convert: &Path, input: &Path, output: &Path, rotated: bool) -> Option<u64> {
    let (w, h) = if rotated {
        (HEIGHT, WIDTH)
    } else {
        (WIDTH, HEIGHT)
    };
    let rect = CropRect::for_preset(CropPreset::Portrait, w, h);
    let (x, y, cw, ch) = rect.pixels(w, h);
    let timer = Path::new("/usr/bin/time");
    let report = output.with_extension("rss");
    let mut command = if timer.exists() {
        let mut c = Command::new(timer);
        c.arg("-o").arg(&report).args(["-f", "%M"]).arg(convert);
        c
    } else {
        Command::new(convert)
    };
    let status = command
        .arg(input)
        .args(["-auto-orient", "-crop"])
        .arg(format!("{cw}x{ch}+{x}+{y}"))
        .args(["+repage", "-resize", "1440x", "-quality", "90"])
        .arg(output)
        .status()
        .expect("convert runs");
    assert!(status.success(), "convert failed on {}", input.display());
    std::fs::read_to_string(&report)
        .ok()
        .and_then(|s| s.trim().lines().last()?.trim().parse().ok())
}

fn make_photos(dir: &Path) -> Vec<PathBuf> {
    let base = image::load_from_memory(include_bytes!("../assets/demo/coffee.jpg"))
        .expect("demo photo decodes")
        .resize_exact(WIDTH, HEIGHT, image::imageops::FilterType::Triangle)
        .to_rgb8();
    (0..PHOTOS)
        .map(|i| {
            let photo = grain(&base, i as u32);
            let mut jpeg = Cursor::new(Vec::new());
            let mut encoder = JpegEncoder::new_with_quality(&mut jpeg, 92);
            if i % 2 == 1 {
                encoder
                    .set_exif_metadata(EXIF_ORIENTATION_6.to_vec())
                    .expect("the JPEG encoder writes EXIF");
            }
            encoder
                .write_image(&photo, WIDTH, HEIGHT, image::ExtendedColorType::Rgb8)
                .expect("encode");
            let path = dir.join(format!("photo-{i}.jpg"));
            std::fs::write(&path, jpeg.into_inner()).expect("write photo");
            path
        })
        .collect()
}

/// Adds deterministic per-pixel noise (a cheap xorshift), like a camera sensor's grain.
fn grain(base: &RgbImage, seed: u32) -> RgbImage {
    let mut state = 0x9E37_79B9u32 ^ seed.wrapping_mul(0x85EB_CA6B);
    let mut out = base.clone();
    for pixel in out.pixels_mut() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state % 25) as i16 - 12;
        for c in pixel.0.iter_mut() {
            *c = (i16::from(*c) + n).clamp(0, 255) as u8;
        }
    }
    out
}

fn imagemagick() -> Option<PathBuf> {
    ["/usr/bin/magick", "/usr/bin/convert"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn runs_from_args() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
        .max(1)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn current_rss_kib() -> u64 {
    status_kib("VmRSS:")
}

fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// Resets `VmHWM` to the current RSS (Linux ≥ 4.0); ignored where unsupported.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
