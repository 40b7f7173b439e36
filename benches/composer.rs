//! Composer performance: prepare a 10-photo carousel of 24-megapixel camera JPEGs (decode,
//! EXIF orientation, crop to 4:5, resize to 1440 px wide, JPEG encode under 8 MB) through the
//! same code the app runs ([`PostSpec::prepare`]), through the CLI's entry point (`publish
//! --crop 4:5` reads each photo's size with [`upright_size`], then prepares), and the same
//! work done in the same run by libvips' `vipsthumbnail` and by ImageMagick's `convert` with
//! its fast path (`-define jpeg:size`, shrink on load like ours). A peer that is not
//! installed prints `SKIPPED: … not found`. Reports min/median/max wall time, the ratio of
//! ours to each peer, and peak memory. Every output is 1440x1800 px at JPEG quality 90
//! (4:4:4 chroma for all three: ours always, libvips and ImageMagick from quality 90 up).
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
use socialdesk::media::prepare::{CropPreset, CropRect, upright_size};
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
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()) as f64)
        .sum::<f64>()
        / 1e6;
    println!(
        "input: {PHOTOS} JPEGs of {WIDTH}x{HEIGHT} px ({:.0} MP), {total_mb:.1} MB in all, half with EXIF orientation 6",
        f64::from(WIDTH * HEIGHT) / 1e6
    );

    let mut ours = Vec::new();
    let mut ours_cpu = Vec::new();
    let mut ours_peak = 0;
    let mut output_bytes = 0;
    let mut stages = [Duration::ZERO; STAGES.len()];
    for _ in 0..runs {
        reset_peak_rss();
        let before = current_rss_kib();
        let cpu_before = own_cpu_time();
        let start = Instant::now();
        // Per photo: pictures are prepared side by side, so each keeps its own stage clock.
        let mut last = vec![(Instant::now(), None::<usize>); PHOTOS];
        let draft = carousel(&photos)
            .prepare(&mut |item, fraction| {
                let now = Instant::now();
                let Some(last) = last.get_mut(item) else {
                    return;
                };
                if let Some(stage) = last.1 {
                    stages[stage] += now - last.0;
                }
                *last = (
                    now,
                    STAGES
                        .iter()
                        .position(|(f, _)| (*f - fraction).abs() < 1e-9),
                );
            })
            .expect("the carousel prepares");
        ours.push(start.elapsed());
        ours_cpu.push(own_cpu_time().saturating_sub(cpu_before));
        ours_peak = ours_peak.max(peak_rss_kib().saturating_sub(before));
        output_bytes = draft.items.iter().map(|i| i.content.len()).sum::<usize>();
        assert_eq!(draft.items.len(), PHOTOS);
    }
    println!(
        "socialdesk  Composer prepare: {}  peak memory +{:.0} MiB  output {:.1} MB",
        spread(&mut ours),
        ours_peak as f64 / 1024.0,
        output_bytes as f64 / 1e6,
    );

    let breakdown: Vec<String> = STAGES
        .iter()
        .zip(stages)
        .filter(|((_, name), _)| !name.is_empty())
        .map(|((_, name), total)| format!("{name} {:.0}", ms(total) / (runs * PHOTOS) as f64))
        .collect();
    println!(
        "  per photo, each on its own thread (ms): {}",
        breakdown.join(", ")
    );
    print_cpu(&mut ours_cpu);

    let ours_median = median(&mut ours);

    // The CLI's way: `publish --crop 4:5` reads each file and its size, then prepares.
    let mut cli = Vec::new();
    let mut cli_cpu = Vec::new();
    for _ in 0..runs {
        let cpu_before = own_cpu_time();
        let start = Instant::now();
        let draft = cli_carousel(&photos)
            .prepare(&mut |_, _| {})
            .expect("the carousel prepares");
        cli.push(start.elapsed());
        cli_cpu.push(own_cpu_time().saturating_sub(cpu_before));
        assert_eq!(draft.items.len(), PHOTOS);
    }
    let cli_median = median(&mut cli);
    println!(
        "socialdesk  CLI path (size from header + prepare): {}",
        spread(&mut cli)
    );
    print_cpu(&mut cli_cpu);

    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("output dir");
    match peer("/usr/bin/vipsthumbnail") {
        None => println!("SKIPPED: vipsthumbnail not found (install Debian's `libvips-tools`)"),
        Some(vips) => {
            let (mut times, mut cpu, peak) = time_peer(runs, &photos, &out, |input, output| {
                let mut c = Command::new(&vips);
                c.arg(input)
                    .args(["--size", "1440x1800", "--smartcrop", "centre", "-o"])
                    .arg(format!("{}[Q=90]", output.display()));
                c
            });
            let vips_median = median(&mut times);
            println!(
                "vipsthumbnail: {}  peak memory {peak}  [{}]",
                spread(&mut times),
                vips_version(&vips)
            );
            print_cpu(&mut cpu);
            print_ratio("Composer", ours_median, "vipsthumbnail", vips_median);
            print_ratio("CLI", cli_median, "vipsthumbnail", vips_median);
            if !cpu.is_empty() {
                let cpu_ratio =
                    median(&mut ours_cpu).as_secs_f64() / median(&mut cpu).as_secs_f64();
                println!("  ratio Composer/vipsthumbnail (CPU time medians): {cpu_ratio:.2}");
            }
        }
    }
    match imagemagick() {
        None => println!("SKIPPED: ImageMagick convert not found (install Debian's `imagemagick`)"),
        Some(convert) => {
            let (mut times, mut cpu, peak) = time_peer(runs, &photos, &out, |input, output| {
                let mut c = Command::new(&convert);
                // Shrink on load to at least the 4:5 crop's pixels at 1440x1800 (1/2 scale
                // here), then orient, cover 1440x1800 and cut the centre: our crop exactly.
                c.args(["-define", "jpeg:size=2700x1800"])
                    .arg(input)
                    .args([
                        "-auto-orient",
                        "-resize",
                        "1440x1800^",
                        "-gravity",
                        "center",
                    ])
                    .args(["-extent", "1440x1800", "-quality", "90"])
                    .arg(output);
                c
            });
            let convert_median = median(&mut times);
            println!(
                "imagemagick convert -define jpeg:size: {}  peak memory {peak}  [{}]",
                spread(&mut times),
                convert.display(),
            );
            print_cpu(&mut cpu);
            print_ratio("Composer", ours_median, "convert", convert_median);
        }
    }
}

/// "median M ms (min, max, N runs)" of a set of timings.
fn spread(times: &mut [Duration]) -> String {
    format!(
        "median {:>6.0} ms  (min {:.0}, max {:.0}, {} runs)",
        ms(median(times)),
        ms(*times.iter().min().expect("runs > 0")),
        ms(*times.iter().max().expect("runs > 0")),
        times.len()
    )
}

fn print_cpu(cpu: &mut [Duration]) {
    if !cpu.is_empty() {
        println!("  CPU time (user + system): {}", spread(cpu));
    }
}

fn print_ratio(ours: &str, ours_time: Duration, peer: &str, peer_time: Duration) {
    let ratio = ours_time.as_secs_f64() / peer_time.as_secs_f64();
    println!(
        "  ratio {ours}/{peer} (medians): {ratio:.2}  ({peer} takes {:.2}x our time)",
        1.0 / ratio
    );
}

/// Runs `command(input, output)` once per photo, `runs` times; returns each run's wall time,
/// each run's CPU time (user + system, when GNU time is there to measure it) and the largest
/// process's peak RSS.
fn time_peer(
    runs: usize,
    photos: &[PathBuf],
    out: &Path,
    command: impl Fn(&Path, &Path) -> Command,
) -> (Vec<Duration>, Vec<Duration>, String) {
    let mut times = Vec::new();
    let mut cpu_times = Vec::new();
    let mut peak_kib = None;
    for _ in 0..runs {
        let start = Instant::now();
        let mut cpu = Some(Duration::ZERO);
        for (i, photo) in photos.iter().enumerate() {
            let output = out.join(format!("{i}.jpg"));
            let measured = run_measured(command(photo, &output), &output);
            peak_kib = peak_kib.max(measured.map(|m| m.0));
            cpu = cpu.zip(measured).map(|(total, m)| total + m.1);
            let size = image::image_dimensions(&output).expect("the peer wrote a picture");
            assert_eq!(size, (1440, 1800), "the peer's output size");
        }
        times.push(start.elapsed());
        cpu_times.extend(cpu);
    }
    let peak = peak_kib.map_or("n/a (no /usr/bin/time)".to_string(), |kib| {
        format!("{:.0} MiB (largest process)", kib as f64 / 1024.0)
    });
    (times, cpu_times, peak)
}

/// Runs `command` under GNU time when it is there; returns its peak RSS in KiB and its CPU
/// time (user + system).
fn run_measured(command: Command, output: &Path) -> Option<(u64, Duration)> {
    let timer = Path::new("/usr/bin/time");
    let report = output.with_extension("rss");
    let mut command = if timer.exists() {
        let mut c = Command::new(timer);
        c.arg("-o").arg(&report).args(["-f", "%M %U %S"]);
        c.arg(command.get_program()).args(command.get_args());
        c
    } else {
        command
    };
    let status = command.status().expect("the peer runs");
    assert!(status.success(), "the peer failed: {command:?}");
    let report = std::fs::read_to_string(&report).ok()?;
    let mut fields = report.trim().lines().last()?.split_whitespace();
    let peak = fields.next()?.parse().ok()?;
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((peak, Duration::from_secs_f64(user + system)))
}

/// This process's CPU time so far (user + system, every thread), from `/proc/self/stat`.
fn own_cpu_time() -> Duration {
    const TICKS_PER_SEC: f64 = 100.0; // USER_HZ on Linux
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state.
    Duration::from_secs_f64((ticks(11) + ticks(12)) / TICKS_PER_SEC)
}

fn peer(path: &str) -> Option<PathBuf> {
    Some(PathBuf::from(path)).filter(|p| p.exists())
}

fn vips_version(vips: &Path) -> String {
    Command::new(vips)
        .arg("--vips-version")
        .output()
        .ok()
        .map_or_else(
            || vips.display().to_string(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_string(),
        )
}

/// The carousel as `publish --crop 4:5` builds it: each file read and its size taken from
/// its header ([`upright_size`]), the crop centred from that size.
fn cli_carousel(photos: &[PathBuf]) -> PostSpec {
    let mut spec = carousel(photos);
    for (item, path) in spec.items.iter_mut().zip(photos) {
        let bytes = std::fs::read(path).expect("the photo reads");
        let (w, h) = upright_size(&bytes).expect("the header reads");
        item.crop = CropRect::for_preset(CropPreset::Portrait, w, h);
    }
    spec
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
        for c in &mut pixel.0 {
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
