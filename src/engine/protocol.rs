//! The messages between the UI and the engine.
//!
//! The UI only ever sends [`Command`]s and reads [`Event`]s; it never touches the network,
//! the disk or tokio. Every event is followed by a repaint request so the UI wakes up.

use std::sync::Arc;

use crate::ids::{IgUserId, MediaId};
use crate::model::{Account, CopyrightCheck, LoginKind, Media, RateUsage};

/// What the UI asks the engine to do.
#[derive(Clone, Debug)]
pub enum Command {
    /// Show cached accounts and media at once, then refresh from the network.
    Start,
    /// Make this account the active one; its cached feed is sent, then refreshed.
    SelectAccount(IgUserId),
    /// Fetch the newest page of the feed again.
    RefreshFeed(IgUserId),
    /// Fetch the next page after what is loaded (infinite scroll).
    LoadMoreFeed(IgUserId),
    /// Decode a grid thumbnail (from the disk cache, else downloaded then cached).
    LoadThumbnail { url: String },
    /// Decode an image at full size for the detail panel.
    LoadImage { url: String },
    /// Read one media again (fresh counts, children) for the detail panel.
    LoadMediaDetail { account: IgUserId, media: MediaId },
    /// Open a URL (permalink, help page) in the system browser.
    OpenUrl(String),
    /// Store the user's own Meta app (id in the store, secret in the keyring).
    SaveApp(AppCredentials),
    /// Begin a browser login through the loopback listener, with the app of the last
    /// `SaveApp` of its kind sent before it (else the app saved in an earlier session).
    StartLogin(LoginRequest),
    /// Finish a login by pasting the final redirect URL the browser landed on.
    PasteRedirectUrl(String),
    /// Give up on the login in progress and close the listener.
    CancelLogin,
    /// Connect an account with a long-lived token from the App Dashboard.
    AddToken { kind: LoginKind, token: String },
    /// Forget an account and delete its token.
    RemoveAccount(IgUserId),
    /// The Composer tab's commands.
    Composer(super::composer::ComposerCommand),
    /// The Comments tab's commands.
    Comments(super::comments::CommentsCommand),
    /// The DMs tab's commands.
    Dms(super::dms::DmsCommand),
    /// The Insights tab's commands.
    Insights(super::insights::InsightsCommand),
    /// The Calendar tab's commands.
    Calendar(super::calendar::CalendarCommand),
    /// The Research tab's commands.
    Research(super::research::ResearchCommand),
    /// Live broadcasts: watching, moderating comments.
    Live(super::live::LiveCommand),
    /// The notifications switch and the window's focus.
    Notifications(super::notify::NotifyCommand),
}

/// Lives in `auth` (which logs in with it) so `auth` never reaches up into the engine;
/// re-exported here because `Command::SaveApp` carries it.
pub use crate::auth::AppCredentials;

/// A browser login to start.
#[derive(Clone, Debug)]
pub struct LoginRequest {
    pub kind: LoginKind,
    /// Loopback port matching the redirect URI registered in the Meta app (0 = any free port).
    pub port: u16,
    /// Serve the loopback over https with a locally generated certificate.
    pub https: bool,
}

/// A decoded image ready for the UI to upload as a texture.
#[derive(Clone)]
pub struct DecodedImage {
    pub url: String,
    pub image: Arc<egui::ColorImage>,
}

impl std::fmt::Debug for DecodedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedImage")
            .field("url", &self.url)
            .field("size", &self.image.size)
            .finish()
    }
}

/// Where a login stands, for the Accounts panel.
#[derive(Clone, Debug, PartialEq)]
pub enum LoginState {
    /// The browser was opened at `authorize_url`; waiting for the redirect on `redirect_uri`.
    WaitingForBrowser {
        authorize_url: String,
        redirect_uri: String,
    },
    /// The code arrived; exchanging it for tokens.
    Exchanging,
    /// The account is connected.
    Connected {
        username: String,
    },
    /// The login ended without an account; `message` names the cause and the fix.
    Failed {
        message: String,
    },
    Cancelled,
}

/// Network and sync state, for the status bar.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncStatus {
    /// A short text: "Syncing feed…", "Up to date 14:02", "Offline — showing cache".
    pub text: String,
    pub busy: bool,
    pub usage: RateUsage,
}

/// What the engine tells the UI.
#[derive(Clone, Debug)]
pub enum Event {
    /// The connected accounts, in display order, and which one is active.
    Accounts {
        accounts: Vec<Account>,
        active: Option<IgUserId>,
    },
    /// Media for an account's feed. `replace` starts the list over (first page or cache);
    /// otherwise the items are appended after what is shown.
    Feed {
        account: IgUserId,
        media: Vec<Media>,
        replace: bool,
        /// True when more pages can be fetched.
        has_more: bool,
        /// True when this came from the local cache rather than the network.
        from_cache: bool,
    },
    /// A feed request failed; what was shown stays shown.
    FeedFailed {
        account: IgUserId,
        message: String,
    },
    Thumbnail(DecodedImage),
    Image(DecodedImage),
    /// An image could not be loaded; the UI shows a broken-image placeholder.
    ImageFailed {
        url: String,
        message: String,
    },
    Login(LoginState),
    Sync(SyncStatus),
    /// The engine runs against the embedded sandbox at this URL.
    SandboxMode {
        url: String,
    },
    /// The engine left the sandbox: a real account was connected.
    LiveMode,
    /// A one-off message for the user (error or notice); names cause and fix.
    Notice {
        message: String,
        is_error: bool,
    },
    /// Media detail re-read from the network (fresh counts, children).
    MediaDetail(Box<Media>),
    /// Meta's copyright check of a published video, read when its detail opens.
    Copyright {
        media: MediaId,
        check: CopyrightCheck,
    },
    /// For the Composer tab.
    Composer(super::composer::ComposerEvent),
    /// For the Comments tab.
    Comments(super::comments::CommentsEvent),
    /// For the DMs tab.
    Dms(super::dms::DmsEvent),
    /// For the Insights tab.
    Insights(super::insights::InsightsEvent),
    /// For the Calendar tab.
    Calendar(super::calendar::CalendarEvent),
    /// For the Research tab.
    Research(super::research::ResearchEvent),
    /// For the Feed's live banner and the live moderation view.
    Live(super::live::LiveEvent),
}
