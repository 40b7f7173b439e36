//! Reading a video's container (MP4 / MOV) and checking it against Meta's video rules before
//! anything is uploaded: codec, duration, size and shape.
//!
//! Meta accepts reels as MP4/MOV with H.264 or HEVC video and AAC audio, 3 s to 15 min and up
//! to 300 MB (beyond-seeds.md, "Publishing details"); stories and carousel videos take at most
//! 60 s. A file breaking a rule would be fetched, processed for minutes and end in
//! `ERROR 2207026`; checking the header here says why at once.

use std::io::Cursor;
use std::time::Duration;

/// The shortest video Meta publishes.
pub const MIN_DURATION: Duration = Duration::from_secs(3);
/// The longest reel.
pub const MAX_REEL_DURATION: Duration = Duration::from_mins(15);
/// The longest story or carousel video.
pub const MAX_SHORT_DURATION: Duration = Duration::from_mins(1);
/// The largest video taken through `video_url`.
pub const MAX_VIDEO_BYTES: u64 = 300 * 1024 * 1024;

/// A video codec as the container names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoCodec {
    H264,
    Hevc,
    Vp9,
}

impl VideoCodec {
    pub fn name(self) -> &'static str {
        match self {
            Self::H264 => "H.264",
            Self::Hevc => "HEVC",
            Self::Vp9 => "VP9",
        }
    }
}

/// What the container says about a video.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoInfo {
    pub duration: Duration,
    pub width: u32,
    pub height: u32,
    pub codec: VideoCodec,
    /// `Some("AAC")` for AAC; `None` when the file has no audio track (allowed).
    pub audio: Option<&'static str>,
    pub bytes: u64,
}

impl VideoInfo {
    /// Width / height.
    pub fn ratio(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height.max(1))
    }

    /// True when the picture is 9:16 (within 1 %), the shape reels and stories fill.
    pub fn is_vertical_9_16(&self) -> bool {
        (self.ratio() - 9.0 / 16.0).abs() < 0.01
    }
}

/// Where the video will be published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoUse {
    Reel,
    Story,
    CarouselItem,
}

impl VideoUse {
    pub fn name(self) -> &'static str {
        match self {
            Self::Reel => "reels",
            Self::Story => "stories",
            Self::CarouselItem => "carousel videos",
        }
    }

    fn max_duration(self) -> Duration {
        match self {
            Self::Reel => MAX_REEL_DURATION,
            Self::Story | Self::CarouselItem => MAX_SHORT_DURATION,
        }
    }
}

/// Why a video cannot be published. Every message names the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VideoError {
    #[error(
        "the video's container could not be read ({0}); export it as MP4 (H.264 video, AAC audio)"
    )]
    Unreadable(String),
    #[error("the file has no video track; export it as MP4 with H.264 video")]
    NoVideoTrack,
    #[error(
        "the video uses an unsupported codec ({0}); Instagram takes H.264 or HEVC: re-encode it as H.264"
    )]
    VideoCodec(String),
    #[error(
        "the audio uses an unsupported codec ({0}); Instagram takes AAC: re-encode the audio as AAC"
    )]
    AudioCodec(String),
    #[error("the video is {}; {} must be at least 3 s: use a longer clip", secs(*.duration), .used.name())]
    TooShort { duration: Duration, used: VideoUse },
    #[error("the video is {}; {} can be at most {}: trim it", secs(*.duration), .used.name(), secs(.used.max_duration()))]
    TooLong { duration: Duration, used: VideoUse },
    #[error("the video is {} MB; the limit is 300 MB: export it at a lower bitrate", .0 / (1024 * 1024))]
    TooLarge(u64),
}

/// "12.5 s", "16 min 40 s".
fn secs(d: Duration) -> String {
    let total = d.as_secs_f64();
    if total <= 60.0 {
        if d.subsec_millis() == 0 {
            format!("{} s", d.as_secs())
        } else {
            format!("{total:.1} s")
        }
    } else {
        let whole = d.as_secs();
        format!("{} min {} s", whole / 60, whole % 60)
    }
}

/// Reads duration, picture size and codecs from an MP4/MOV header (no decoding).
pub fn probe(bytes: &[u8]) -> Result<VideoInfo, VideoError> {
    let size = bytes.len() as u64;
    let reader = mp4::Mp4Reader::read_header(Cursor::new(bytes), size)
        .map_err(|e| VideoError::Unreadable(e.to_string()))?;
    let mut video = None;
    let mut audio = None;
    let mut unsupported_video = None;
    let mut tracks: Vec<_> = reader.tracks().values().collect();
    tracks.sort_by_key(|t| t.track_id());
    for track in tracks {
        match track.track_type() {
            Ok(mp4::TrackType::Video) => match track.media_type() {
                Ok(mp4::MediaType::H264) => video = video.or(Some((VideoCodec::H264, track))),
                Ok(mp4::MediaType::H265) => video = video.or(Some((VideoCodec::Hevc, track))),
                Ok(mp4::MediaType::VP9) => video = video.or(Some((VideoCodec::Vp9, track))),
                Ok(other) => unsupported_video = Some(other.to_string()),
                Err(_) => {
                    unsupported_video = Some(
                        track
                            .box_type()
                            .map_or_else(|_| "unknown".into(), |b| b.to_string()),
                    );
                }
            },
            Ok(mp4::TrackType::Audio) => {
                audio = Some(match track.media_type() {
                    Ok(mp4::MediaType::AAC) => Ok("AAC"),
                    Ok(other) => Err(other.to_string()),
                    Err(_) => Err("unknown".to_owned()),
                });
            }
            _ => {}
        }
    }
    let (codec, track) = match (video, unsupported_video) {
        (Some(v), _) => v,
        (None, Some(name)) => return Err(VideoError::VideoCodec(name)),
        (None, None) => return Err(VideoError::NoVideoTrack),
    };
    let audio = match audio {
        None => None,
        Some(Ok(name)) => Some(name),
        Some(Err(name)) => return Err(VideoError::AudioCodec(name)),
    };
    let duration = if reader.duration().is_zero() {
        track.duration()
    } else {
        reader.duration()
    };
    Ok(VideoInfo {
        duration,
        width: u32::from(track.width()),
        height: u32::from(track.height()),
        codec,
        audio,
        bytes: size,
    })
}

/// Checks a probed video against the rules of `used`. Returns advice that does not block
/// publishing (a shape other than 9:16), or the first rule broken.
pub fn check(info: &VideoInfo, used: VideoUse) -> Result<Option<String>, VideoError> {
    if info.codec == VideoCodec::Vp9 {
        return Err(VideoError::VideoCodec(info.codec.name().to_owned()));
    }
    if info.bytes > MAX_VIDEO_BYTES {
        return Err(VideoError::TooLarge(info.bytes));
    }
    if info.duration < MIN_DURATION {
        return Err(VideoError::TooShort {
            duration: info.duration,
            used,
        });
    }
    if info.duration > used.max_duration() {
        return Err(VideoError::TooLong {
            duration: info.duration,
            used,
        });
    }
    if used != VideoUse::CarouselItem && !info.is_vertical_9_16() {
        return Ok(Some(format!(
            "the video is {}×{}; {} fill the screen at 9:16 (e.g. 1080×1920), other shapes get bars",
            info.width,
            info.height,
            used.name()
        )));
    }
    Ok(None)
}

/// A small but valid MP4 (one `codec` video track of `seconds` at 1 fps, optional AAC audio),
/// for tests and the sandbox demo. The samples are placeholder bytes: the container is what
/// the checks read.
pub fn synthetic_mp4(
    width: u16,
    height: u16,
    seconds: u32,
    codec: VideoCodec,
    with_audio: bool,
) -> Result<Vec<u8>, VideoError> {
    let fail = |e: mp4::Error| VideoError::Unreadable(e.to_string());
    let config = mp4::Mp4Config {
        major_brand: str::parse("isom").map_err(fail)?,
        minor_version: 512,
        compatible_brands: vec![
            str::parse("isom").map_err(fail)?,
            str::parse("iso2").map_err(fail)?,
            str::parse("avc1").map_err(fail)?,
            str::parse("mp41").map_err(fail)?,
        ],
        timescale: 1000,
    };
    let mut writer = mp4::Mp4Writer::write_start(Cursor::new(Vec::new()), &config).map_err(fail)?;
    let media_conf = match codec {
        VideoCodec::Hevc => mp4::MediaConfig::HevcConfig(mp4::HevcConfig { width, height }),
        VideoCodec::Vp9 => mp4::MediaConfig::Vp9Config(mp4::Vp9Config { width, height }),
        VideoCodec::H264 => mp4::MediaConfig::AvcConfig(mp4::AvcConfig {
            width,
            height,
            // Baseline profile SPS / PPS (what the avcC box records).
            seq_param_set: vec![0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x00, 0xA0, 0x47, 0xFE, 0xC8],
            pic_param_set: vec![0x68, 0xCE, 0x38, 0x80],
        }),
    };
    writer
        .add_track(&mp4::TrackConfig {
            track_type: mp4::TrackType::Video,
            timescale: 1000,
            language: "und".into(),
            media_conf,
        })
        .map_err(fail)?;
    if with_audio {
        writer
            .add_track(&mp4::TrackConfig {
                track_type: mp4::TrackType::Audio,
                timescale: 1000,
                language: "und".into(),
                media_conf: mp4::MediaConfig::AacConfig(mp4::AacConfig::default()),
            })
            .map_err(fail)?;
    }
    for i in 0..seconds {
        let sample = |bytes: &'static [u8]| mp4::Mp4Sample {
            start_time: u64::from(i) * 1000,
            duration: 1000,
            rendering_offset: 0,
            is_sync: true,
            bytes: mp4::Bytes::from_static(bytes),
        };
        writer
            .write_sample(1, &sample(&[0, 0, 0, 2, 0x65, 0x88]))
            .map_err(fail)?;
        if with_audio {
            writer
                .write_sample(2, &sample(&[0x21, 0x00, 0x49]))
                .map_err(fail)?;
        }
    }
    writer.write_end().map_err(fail)?;
    Ok(writer.into_writer().into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_a_written_mp4() {
        let bytes = synthetic_mp4(1080, 1920, 5, VideoCodec::H264, true).expect("mp4");
        let info = probe(&bytes).expect("probe");
        assert_eq!(info.codec, VideoCodec::H264);
        assert_eq!(info.audio, Some("AAC"));
        assert_eq!((info.width, info.height), (1080, 1920));
        assert_eq!(info.duration.as_secs(), 5);
        assert_eq!(check(&info, VideoUse::Reel), Ok(None));
    }

    #[test]
    fn rules_name_the_fix() {
        let short =
            probe(&synthetic_mp4(1080, 1920, 2, VideoCodec::H264, false).expect("mp4")).expect("p");
        let err = check(&short, VideoUse::Reel).expect_err("too short");
        assert!(err.to_string().contains("at least 3 s"), "{err}");

        let long = probe(&synthetic_mp4(1080, 1920, 61, VideoCodec::Hevc, false).expect("mp4"))
            .expect("p");
        assert_eq!(long.codec, VideoCodec::Hevc);
        assert!(check(&long, VideoUse::Reel).is_ok());
        let err = check(&long, VideoUse::Story).expect_err("story too long");
        assert!(err.to_string().contains("at most 60 s: trim it"), "{err}");

        let mut info = short.clone();
        info.duration = Duration::from_mins(16);
        let err = check(&info, VideoUse::Reel).expect_err("reel too long");
        assert!(err.to_string().contains("16 min 0 s"), "{err}");
        info.duration = Duration::from_secs(10);
        info.bytes = 301 * 1024 * 1024;
        assert_eq!(
            check(&info, VideoUse::Reel),
            Err(VideoError::TooLarge(info.bytes))
        );
        info.bytes = 1000;
        info.codec = VideoCodec::Vp9;
        let err = check(&info, VideoUse::Reel).expect_err("vp9");
        assert!(err.to_string().contains("re-encode it as H.264"), "{err}");
    }

    #[test]
    fn landscape_is_advice_not_an_error() {
        let info =
            probe(&synthetic_mp4(1920, 1080, 4, VideoCodec::H264, true).expect("mp4")).expect("p");
        let advice = check(&info, VideoUse::Reel).expect("ok").expect("advice");
        assert!(advice.contains("9:16"), "{advice}");
    }

    #[test]
    fn garbage_is_unreadable() {
        let err = probe(b"\0\0\0\x18ftypisomnot really a movie").expect_err("bad");
        assert!(
            matches!(err, VideoError::Unreadable(_) | VideoError::NoVideoTrack),
            "{err:?}"
        );
    }
}
