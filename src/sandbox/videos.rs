//! Real video bytes for demo videos: `/cdn/<media-id>/video.mp4` of a reel the demo made up.
//!
//! Meta's `media_url` of a video is an MP4 anyone can play or download, so the sandbox
//! serves one too: a 144 × 256 (9:16) H.264 Baseline stream of four one-second frames in an
//! MP4 container. It is written by code, not embedded, so no asset or licence is involved.
//! The frames use I_PCM macroblocks (raw samples, no transform or prediction), the simplest
//! picture every H.264 decoder must decode; a few hundred kilobytes is the price.

use std::io::Cursor;
use std::sync::OnceLock;

/// Picture size in macroblocks (16 × 16 pixels): 9 × 16 = 144 × 256 pixels.
const WIDTH_MBS: u32 = 9;
const HEIGHT_MBS: u32 = 16;
/// One frame per second.
const FRAMES: u32 = 4;
const TIMESCALE: u32 = 1000;

/// The demo MP4 (built once per process).
pub fn demo_mp4() -> Result<&'static [u8], String> {
    static BYTES: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    BYTES
        .get_or_init(|| build().map_err(|e| format!("demo video: {e}")))
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// Writes bits most significant first (H.264's RBSP order).
#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    cur: u8,
    used: u8,
}

impl Bits {
    fn bit(&mut self, b: bool) {
        self.cur = (self.cur << 1) | u8::from(b);
        self.used += 1;
        if self.used == 8 {
            self.bytes.push(self.cur);
            self.cur = 0;
            self.used = 0;
        }
    }
    fn u(&mut self, n: u32, v: u32) {
        for i in (0..n).rev() {
            self.bit((v >> i) & 1 == 1);
        }
    }
    /// Exp-Golomb unsigned.
    fn ue(&mut self, v: u32) {
        let x = v + 1;
        let len = 32 - x.leading_zeros();
        self.u(len - 1, 0);
        self.u(len, x);
    }
    fn aligned(&self) -> bool {
        self.used == 0
    }
    fn align_zero(&mut self) {
        while !self.aligned() {
            self.bit(false);
        }
    }
    /// `rbsp_trailing_bits`: a one, then zeros to the byte boundary.
    fn finish(mut self) -> Vec<u8> {
        self.bit(true);
        self.align_zero();
        self.bytes
    }
}

/// A NAL unit: header byte, then the RBSP with emulation-prevention bytes inserted.
fn nal(ref_idc: u8, kind: u8, rbsp: &[u8]) -> Vec<u8> {
    let mut out = vec![(ref_idc << 5) | kind];
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    out
}

fn sps() -> Vec<u8> {
    let mut b = Bits::default();
    b.u(8, 66); // profile_idc: Baseline
    b.u(8, 0xC0); // constraint_set0/1
    b.u(8, 30); // level 3.0
    b.ue(0); // seq_parameter_set_id
    b.ue(0); // log2_max_frame_num_minus4
    b.ue(2); // pic_order_cnt_type
    b.ue(1); // max_num_ref_frames
    b.bit(false); // gaps_in_frame_num_value_allowed_flag
    b.ue(WIDTH_MBS - 1);
    b.ue(HEIGHT_MBS - 1);
    b.bit(true); // frame_mbs_only_flag
    b.bit(true); // direct_8x8_inference_flag
    b.bit(false); // frame_cropping_flag
    b.bit(false); // vui_parameters_present_flag
    nal(3, 7, &b.finish())
}

fn pps() -> Vec<u8> {
    let mut b = Bits::default();
    b.ue(0); // pic_parameter_set_id
    b.ue(0); // seq_parameter_set_id
    b.bit(false); // entropy_coding_mode_flag: CAVLC
    b.bit(false); // bottom_field_pic_order_in_frame_present_flag
    b.ue(0); // num_slice_groups_minus1
    b.ue(0); // num_ref_idx_l0_default_active_minus1
    b.ue(0); // num_ref_idx_l1_default_active_minus1
    b.bit(false); // weighted_pred_flag
    b.u(2, 0); // weighted_bipred_idc
    b.ue(0); // pic_init_qp_minus26 = se(0)
    b.ue(0); // pic_init_qs_minus26 = se(0)
    b.ue(0); // chroma_qp_index_offset = se(0)
    b.bit(true); // deblocking_filter_control_present_flag
    b.bit(false); // constrained_intra_pred_flag
    b.bit(false); // redundant_pic_cnt_present_flag
    nal(3, 8, &b.finish())
}

/// One IDR picture of I_PCM macroblocks: a diagonal luma ramp and a colour per frame.
fn idr_frame(frame: u32) -> Vec<u8> {
    let mut b = Bits::default();
    b.ue(0); // first_mb_in_slice
    b.ue(7); // slice_type: I (all slices)
    b.ue(0); // pic_parameter_set_id
    b.u(4, 0); // frame_num
    b.ue(frame % 2); // idr_pic_id: consecutive IDRs differ
    b.bit(false); // no_output_of_prior_pics_flag
    b.bit(false); // long_term_reference_flag
    b.ue(0); // slice_qp_delta = se(0)
    b.ue(1); // disable_deblocking_filter_idc
    // Chroma per frame: blue, red, green, yellow-ish (all within 16..=240).
    let (cb, cr) = [(200, 110), (100, 210), (80, 70), (40, 150)][(frame % 4) as usize];
    for mby in 0..HEIGHT_MBS {
        for mbx in 0..WIDTH_MBS {
            b.ue(25); // mb_type: I_PCM
            b.align_zero(); // pcm_alignment_zero_bit
            for y in 0..16 {
                for x in 0..16 {
                    let (px, py) = (mbx * 16 + x, mby * 16 + y);
                    let luma = 16 + (px + py + frame * 40) % 200;
                    b.u(8, luma);
                }
            }
            for _ in 0..64 {
                b.u(8, cb);
            }
            for _ in 0..64 {
                b.u(8, cr);
            }
        }
    }
    nal(3, 5, &b.finish())
}

fn build() -> Result<Vec<u8>, mp4::Error> {
    let config = mp4::Mp4Config {
        major_brand: str::parse("isom")?,
        minor_version: 512,
        compatible_brands: vec![
            str::parse("isom")?,
            str::parse("iso2")?,
            str::parse("avc1")?,
            str::parse("mp41")?,
        ],
        timescale: TIMESCALE,
    };
    let mut writer = mp4::Mp4Writer::write_start(Cursor::new(Vec::new()), &config)?;
    writer.add_track(&mp4::TrackConfig {
        track_type: mp4::TrackType::Video,
        timescale: TIMESCALE,
        language: "und".into(),
        media_conf: mp4::MediaConfig::AvcConfig(mp4::AvcConfig {
            width: (WIDTH_MBS * 16) as u16,
            height: (HEIGHT_MBS * 16) as u16,
            seq_param_set: sps(),
            pic_param_set: pps(),
        }),
    })?;
    for frame in 0..FRAMES {
        let unit = idr_frame(frame);
        // MP4 samples carry NAL units with a 4-byte length prefix (avcC lengthSizeMinusOne 3).
        let mut sample = (unit.len() as u32).to_be_bytes().to_vec();
        sample.extend_from_slice(&unit);
        writer.write_sample(
            1,
            &mp4::Mp4Sample {
                start_time: u64::from(frame * TIMESCALE),
                duration: TIMESCALE,
                rendering_offset: 0,
                is_sync: true,
                bytes: mp4::Bytes::from(sample),
            },
        )?;
    }
    writer.write_end()?;
    Ok(writer.into_writer().into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb_matches_the_spec_table() {
        let mut b = Bits::default();
        b.ue(0); // 1
        b.ue(1); // 010
        b.ue(2); // 011
        b.ue(3); // 00100
        b.u(5, 0);
        assert_eq!(b.bytes, vec![0b1010_0110, 0b0100_0000]);
    }

    #[test]
    fn emulation_prevention_breaks_start_codes() {
        assert_eq!(
            nal(0, 1, &[0, 0, 1, 0, 0, 0]),
            vec![1, 0, 0, 3, 1, 0, 0, 3, 0]
        );
    }

    #[test]
    fn the_demo_video_is_an_mp4_with_one_h264_track_of_four_seconds() {
        let bytes = demo_mp4().expect("mp4");
        let reader =
            mp4::Mp4Reader::read_header(Cursor::new(bytes), bytes.len() as u64).expect("parses");
        let track = reader.tracks().values().next().expect("a track");
        assert_eq!(track.media_type().expect("type"), mp4::MediaType::H264);
        assert_eq!((track.width(), track.height()), (144, 256));
        assert_eq!(reader.duration().as_secs(), 4);
    }
}
