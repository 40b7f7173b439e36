//! Pasting a picture into the Composer: the "Paste image" button, Ctrl+V (Cmd+V) when no
//! text field has the keyboard, and pictures eframe already took off the clipboard
//! (`egui::Event::PasteImage`). Reading and PNG encoding run on their own thread through
//! [`Pending`]; the clipboard sits behind a trait so tests never touch the real one.

use std::sync::Arc;

use crate::media::clipboard::{self, PasteError};
use crate::ui::pending::Pending;

/// A clipboard answer: PNG bytes of the picture, or why there is none.
pub type PasteResult = Result<Vec<u8>, PasteError>;

/// Reads a picture from a clipboard; the answer arrives later.
pub trait ClipboardSource {
    fn read_image(&mut self, ctx: &egui::Context) -> Pending<PasteResult>;
}

/// The system clipboard (X11, Wayland with data-control, Windows, macOS) through `arboard`.
#[derive(Default)]
pub struct SystemClipboard;

impl ClipboardSource for SystemClipboard {
    fn read_image(&mut self, ctx: &egui::Context) -> Pending<PasteResult> {
        Pending::spawn(ctx, clipboard::read_system_clipboard)
    }
}

/// A clipboard that hands out prepared answers (tests); empty means "no picture".
#[derive(Default)]
pub struct ScriptedClipboard {
    pub answers: Vec<PasteResult>,
}

impl ClipboardSource for ScriptedClipboard {
    fn read_image(&mut self, _ctx: &egui::Context) -> Pending<PasteResult> {
        if self.answers.is_empty() {
            Pending::ready(Err(PasteError::NoImage))
        } else {
            Pending::ready(self.answers.remove(0))
        }
    }
}

/// Encodes a picture egui already read from the clipboard, off the UI thread.
pub fn encode_pasted(ctx: &egui::Context, image: Arc<egui::ColorImage>) -> Pending<PasteResult> {
    Pending::spawn(ctx, move || {
        let [w, h] = image.size;
        let rgba: Vec<u8> = image
            .pixels
            .iter()
            .flat_map(egui::Color32::to_array)
            .collect();
        clipboard::encode_png(w, h, &rgba)
    })
}

/// What the user did this frame that asks for a paste.
pub enum PasteRequest {
    /// Read the clipboard (button or shortcut).
    Read,
    /// eframe handed over a picture.
    Image(Arc<egui::ColorImage>),
}

/// Looks for a paste in this frame's input. Text pastes are left to a focused text field;
/// with none focused, Ctrl+V / Cmd+V reads the clipboard for a picture.
pub fn requested(ui: &egui::Ui) -> Option<PasteRequest> {
    let text_field_has_keyboard = ui.ctx().egui_wants_keyboard_input();
    ui.input(|i| {
        i.events.iter().find_map(|e| match e {
            egui::Event::PasteImage(image) => Some(PasteRequest::Image(image.clone())),
            egui::Event::Paste(_) if !text_field_has_keyboard => Some(PasteRequest::Read),
            egui::Event::Key {
                key: egui::Key::V,
                pressed: true,
                modifiers,
                ..
            } if modifiers.command && !text_field_has_keyboard => Some(PasteRequest::Read),
            _ => None,
        })
    })
}
