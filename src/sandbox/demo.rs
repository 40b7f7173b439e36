//! The sandbox's demo world: two Instagram professional accounts with their media, and the
//! Facebook user and Pages that Facebook Login sees.
//!
//! Everything is generated from the seed and the clock's start instant, so two sandboxes
//! started with the same seed at the same time hold identical data (ids, captions, counts,
//! timestamps). The data is immutable once generated; mutable state lives in `state.rs`.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Username of the demo business account.
pub const BUSINESS_USERNAME: &str = "northwind.coffee";
/// Username of the demo creator account.
pub const CREATOR_USERNAME: &str = "mira.makes";

/// Names of the embedded demo photos, in the order `images.rs` embeds them.
pub const PHOTO_COUNT: usize = 8;

/// One Instagram professional account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Account {
    /// The IG user id (`<IG_ID>`), e.g. `17841400000000001`.
    pub ig_id: String,
    /// The app-scoped id `/me` answers as `id` on Instagram Login.
    pub app_scoped_id: String,
    pub username: String,
    pub name: String,
    /// `Business` or `Media_Creator`.
    pub account_type: String,
    pub followers: u64,
    pub follows: u64,
    pub biography: String,
    pub website: String,
}

/// `media_type` as read back from the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MediaType {
    Image,
    Video,
    CarouselAlbum,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Image => "IMAGE",
            MediaType::Video => "VIDEO",
            MediaType::CarouselAlbum => "CAROUSEL_ALBUM",
        }
    }
}

/// `media_product_type`: where the media was published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Product {
    Feed,
    Reels,
    Story,
    /// A live broadcast (`live.rs`): readable only while on air.
    Live,
}

impl Product {
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Feed => "FEED",
            Product::Reels => "REELS",
            Product::Story => "STORY",
            Product::Live => "LIVE",
        }
    }
}

/// Frame shape of a media's picture; decides the generated image's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Aspect {
    /// 1:1
    Square,
    /// 4:5
    Portrait,
    /// 1.91:1
    Landscape,
    /// 9:16 (stories and reel covers)
    Vertical,
}

impl Aspect {
    /// Width / height.
    pub fn ratio(self) -> f64 {
        match self {
            Aspect::Square => 1.0,
            Aspect::Portrait => 0.8,
            Aspect::Landscape => 1.91,
            Aspect::Vertical => 9.0 / 16.0,
        }
    }
}

/// One IG media object: a feed post, reel, story or carousel child.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Media {
    pub id: String,
    /// IG id of the owning account.
    pub owner: String,
    pub owner_username: String,
    pub media_type: MediaType,
    pub product: Product,
    pub caption: Option<String>,
    pub alt_text: Option<String>,
    pub timestamp: DateTime<Utc>,
    pub like_count: u64,
    pub comments_count: u64,
    /// The owner hid like counts: `like_count` is omitted on indirect reads.
    pub hide_likes: bool,
    pub comments_enabled: bool,
    /// Reels only: also shown in the feed grid.
    pub shared_to_feed: bool,
    /// Products tagged on this media (Facebook Login shopping).
    pub product_tags: Vec<super::shopping::ProductTag>,
    /// Usernames invited as collaborators (Facebook Login).
    pub collaborators: Vec<String>,
    pub shortcode: String,
    /// Carousel children ids, in order.
    pub children: Vec<String>,
    /// Set on carousel children.
    pub parent: Option<String>,
    /// Index into the embedded photos (the cover, for published videos).
    pub photo: usize,
    pub aspect: Aspect,
    /// Key of uploaded bytes (`images.rs`) for media published through the API.
    pub upload: Option<String>,
    /// Key of the reel's `cover_url` image, shown as its picture and `thumbnail_url`.
    #[serde(default)]
    pub cover: Option<String>,
    /// Its video matches a copyrighted recording (`copyright.rs`).
    #[serde(default)]
    pub copyright_match: bool,
}

/// One comment or reply on a media.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Comment {
    pub id: String,
    pub media_id: String,
    /// Set on replies: the top-level comment replied to.
    pub parent_id: Option<String>,
    pub text: String,
    pub username: String,
    /// IGSID of the author (the account's own IG id for its own replies).
    pub from_id: String,
    pub timestamp: DateTime<Utc>,
    pub like_count: u64,
    pub hidden: bool,
}

/// What a publishing container will become.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContainerKind {
    Image,
    Reels,
    Stories,
    Carousel,
}

/// Processing state of a container's fetched media.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Processing {
    /// Still fetching / transcoding.
    Pending,
    /// Fetched and valid; `ready_at` gates `FINISHED` so clients must poll.
    Ready {
        ready_at: DateTime<Utc>,
        width: u32,
        height: u32,
    },
    /// Failed with an error subcode (e.g. 2207026) and a message.
    Failed { subcode: i64, message: String },
}

impl Container {
    /// `status_code` and `status` at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> (&'static str, String) {
        if self.published_media.is_some() {
            return ("PUBLISHED", "Published: Media has been published.".into());
        }
        if now - self.created_at > Duration::hours(24) {
            return (
                "EXPIRED",
                "Expired: The container was not published within 24 hours.".into(),
            );
        }
        if let Some((subcode, _)) = self.failure() {
            return (
                "ERROR",
                format!("Error: Media upload has failed with error code {subcode}"),
            );
        }
        if self.cover == Some(CoverFetch::Pending) {
            return (
                "IN_PROGRESS",
                "In Progress: Media is still being processed.".into(),
            );
        }
        match &self.processing {
            Processing::Pending => (
                "IN_PROGRESS",
                "In Progress: Media is still being processed.".into(),
            ),
            Processing::Ready { ready_at, .. } if now < *ready_at => (
                "IN_PROGRESS",
                "In Progress: Media is still being processed.".into(),
            ),
            Processing::Ready { .. } => (
                "FINISHED",
                "Finished: Media has been uploaded and it is ready to be published.".into(),
            ),
            Processing::Failed { subcode, .. } => (
                "ERROR",
                format!("Error: Media upload has failed with error code {subcode}"),
            ),
        }
    }

    /// Why the container failed: its media first, then its cover image.
    pub fn failure(&self) -> Option<(i64, &str)> {
        match (&self.processing, &self.cover) {
            (Processing::Failed { subcode, message }, _)
            | (_, Some(CoverFetch::Failed { subcode, message })) => Some((*subcode, message)),
            _ => None,
        }
    }
}

/// A publishing container (`POST /{ig-id}/media`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Container {
    pub id: String,
    pub owner: String,
    pub kind: ContainerKind,
    pub is_video: bool,
    pub is_carousel_item: bool,
    pub caption: Option<String>,
    pub alt_text: Option<String>,
    pub share_to_feed: bool,
    pub children: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub processing: Processing,
    /// Upload key of the fetched bytes.
    pub upload: Option<String>,
    pub published_media: Option<String>,
    pub product_tags: Vec<super::shopping::ProductTag>,
    pub collaborators: Vec<String>,
    /// A Page id with coordinates (`location_id`).
    #[serde(default)]
    pub location_id: Option<String>,
    /// Reels: the `cover_url` image, fetched like the media itself.
    #[serde(default)]
    pub cover: Option<CoverFetch>,
    /// Its video matches a copyrighted recording (`copyright.rs`).
    #[serde(default)]
    pub copyright_match: bool,
}

/// Where a reel's `cover_url` image stands. A failed cover fails the container, as Meta
/// reports any media it could not fetch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CoverFetch {
    Pending,
    /// Upload key of the fetched JPEG.
    Fetched {
        upload: String,
    },
    Failed {
        subcode: i64,
        message: String,
    },
}

/// The Facebook user of the Facebook Login flow.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FbUser {
    pub id: String,
    pub name: String,
}

/// A Facebook Page the demo user manages.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Page {
    pub id: String,
    pub name: String,
    pub category: String,
    pub category_id: String,
    /// IG id of the linked professional account, if any.
    pub instagram_business_account: Option<String>,
    pub tasks: Vec<String>,
}

/// The whole generated world.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Demo {
    pub accounts: Vec<Account>,
    /// Every media object, children and stories included.
    pub media: Vec<Media>,
    pub fb_user: FbUser,
    pub pages: Vec<Page>,
    pub comments: Vec<Comment>,
    pub containers: Vec<Container>,
    pub dms: super::dms::Inbox,
    pub next_media_id: u64,
    pub next_comment_id: u64,
    pub next_container_id: u64,
    /// Pages Search results (location tags).
    #[serde(default = "super::locations::demo_places")]
    pub places: super::locations::Places,
    /// Resumable uploads by container.
    #[serde(default)]
    pub rupload: super::rupload::Uploads,
    /// The business account's shop (product tagging).
    pub catalog: super::shopping::Catalog,
    /// Other people's media that tag the demo accounts (the `tags` edge).
    pub tags: Vec<super::mentions::Tag>,
    /// Hashtags each account queried (Hashtag Search's 30-per-7-days budget).
    #[serde(default)]
    pub hashtag_searches: super::hashtags::Searches,
    /// The live broadcast on air (`live.rs`); kept with the world, so a broadcast started
    /// in a state folder's world is still on air for the next process.
    #[serde(default)]
    pub live: Option<super::live::Broadcast>,
}

impl Demo {
    pub fn account_by_id(&self, id: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.ig_id == id || a.app_scoped_id == id)
    }
    pub fn account_by_username(&self, username: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.username == username)
    }
    pub fn media_by_id(&self, id: &str) -> Option<&Media> {
        self.media.iter().find(|m| m.id == id)
    }
    pub fn comment_by_id(&self, id: &str) -> Option<&Comment> {
        self.comments.iter().find(|c| c.id == id)
    }
    pub fn container_by_id(&self, id: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.id == id)
    }
    /// Comments and replies on a media (what `comments_count` reports).
    pub fn comment_count(&self, media_id: &str) -> usize {
        self.comments
            .iter()
            .filter(|c| c.media_id == media_id)
            .count()
    }
    /// Top-level comments on a media, newest first.
    pub fn comments_on(&self, media_id: &str) -> Vec<&Comment> {
        let mut out: Vec<&Comment> = self
            .comments
            .iter()
            .filter(|c| c.media_id == media_id && c.parent_id.is_none())
            .collect();
        out.sort_by_key(|c| std::cmp::Reverse(c.timestamp));
        out
    }
    /// Replies to a comment, oldest first.
    pub fn replies_to(&self, comment_id: &str) -> Vec<&Comment> {
        let mut out: Vec<&Comment> = self
            .comments
            .iter()
            .filter(|c| c.parent_id.as_deref() == Some(comment_id))
            .collect();
        out.sort_by_key(|c| c.timestamp);
        out
    }
    /// Posts published through the API by `ig_id` in the 24 h before `now`; a carousel is
    /// one post, as Meta counts it against `content_publishing_limit`.
    pub fn published_in_last_day(&self, ig_id: &str, now: DateTime<Utc>) -> usize {
        self.posts_published_in_last_day(ig_id, now).count()
    }
    /// The top-level posts (single media or whole carousels, never slides) `ig_id`
    /// published through the API in the 24 h before `now`.
    fn posts_published_in_last_day<'a>(
        &'a self,
        ig_id: &'a str,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a Media> + 'a {
        self.media.iter().filter(move |m| {
            m.owner == ig_id
                && m.parent.is_none()
                && self.published_through_api(m)
                && now - m.timestamp < Duration::hours(24)
        })
    }
    /// True for media published through `media_publish` rather than seeded demo posts. A
    /// carousel album has no file of its own (its slides carry the uploads), so it counts
    /// through its children; without that a carousel never used up the daily quota.
    fn published_through_api(&self, m: &Media) -> bool {
        m.upload.is_some()
            || m.children.iter().any(|c| {
                self.media_by_id(c)
                    .is_some_and(|child| child.upload.is_some())
            })
    }
    /// API-published posts with product tags (on the post or a slide) in the last 24 h.
    pub fn tagged_published_in_last_day(&self, ig_id: &str, now: DateTime<Utc>) -> usize {
        self.posts_published_in_last_day(ig_id, now)
            .filter(|m| {
                !m.product_tags.is_empty()
                    || m.children.iter().any(|c| {
                        self.media_by_id(c)
                            .is_some_and(|c| !c.product_tags.is_empty())
                    })
            })
            .count()
    }
    /// The 24 h publishing quota (accounts report 25, 50 or 100).
    #[allow(clippy::unused_self)] // the world answers, as Meta's accounts report their own quota
    pub fn quota_total(&self, account: &Account) -> usize {
        if account.account_type == "Business" {
            100
        } else {
            50
        }
    }
    /// A container's `status_code` / `status`; a carousel reports its least-ready child.
    pub fn container_status(&self, c: &Container, now: DateTime<Utc>) -> (&'static str, String) {
        let own = c.status(now);
        if c.kind != ContainerKind::Carousel || own.0 != "FINISHED" {
            return own;
        }
        for child in c.children.iter().filter_map(|id| self.container_by_id(id)) {
            let status = child.status(now);
            if matches!(status.0, "IN_PROGRESS" | "ERROR" | "EXPIRED") {
                return status;
            }
        }
        own
    }
    /// A fresh media id.
    pub fn take_media_id(&mut self) -> String {
        take_id(&mut self.next_media_id)
    }
    /// A fresh comment id.
    pub fn take_comment_id(&mut self) -> String {
        take_id(&mut self.next_comment_id)
    }
    /// A fresh container id.
    pub fn take_container_id(&mut self) -> String {
        take_id(&mut self.next_container_id)
    }
    pub fn page_by_id(&self, id: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.id == id)
    }
    /// Feed media (posts, carousels, reels; no stories, no children) newest first.
    pub fn feed_of(&self, ig_id: &str) -> Vec<&Media> {
        let mut out: Vec<&Media> = self
            .media
            .iter()
            .filter(|m| {
                m.owner == ig_id
                    && m.parent.is_none()
                    && !matches!(m.product, Product::Story | Product::Live)
            })
            .collect();
        out.sort_by(|a, b| b.timestamp.cmp(&a.timestamp).then(b.id.cmp(&a.id)));
        out
    }
    /// Stories younger than 24 h at `now`, newest first.
    pub fn live_stories_of(&self, ig_id: &str, now: DateTime<Utc>) -> Vec<&Media> {
        let mut out: Vec<&Media> = self
            .media
            .iter()
            .filter(|m| {
                m.owner == ig_id
                    && m.product == Product::Story
                    && m.timestamp <= now
                    && now - m.timestamp < Duration::hours(24)
            })
            .collect();
        out.sort_by_key(|m| std::cmp::Reverse(m.timestamp));
        out
    }
}

const BUSINESS_CAPTIONS: &[&str] = &[
    "Fresh roast Friday ☕ Our Ethiopia Guji just landed. #specialtycoffee #northwindcoffee #freshroast",
    "Latte art practice with @baristaben 🎨 #latteart #coffeetime",
    "Rainy mornings call for a flat white 🌧️ #flatwhite #cafelife #coffeeshop",
    "Behind the bar: dialing in the new espresso blend. #espresso #baristalife",
    "Meet our new neighbours @harbourbakery 🥐 Pastries now every weekend! #coffeeandcroissant",
    "Cold brew season is here 🧊 #coldbrew #summer #northwindcoffee",
    "Cupping session with the team — notes of plum, cocoa and jasmine. #cupping #coffeetasting",
    "Brick walls, warm cups. Come say hi on Harbour Street 👋 #localcafe #supportlocal",
    "Weekend hours: 7am–4pm ☀️ #cafehours #weekendvibes",
    "From bean to cup: our roasting process in 30 seconds 🔥 #roastery #coffeeroasting",
    "Thank you for 12k! ❤️ Here's 10% off all beans this week. #community #thankyou",
    "New single origin: Colombia Huila 🇨🇴 #singleorigin #pourover",
];

const CREATOR_CAPTIONS: &[&str] = &[
    "Weekend project: a tiny rocket lamp 🚀 #maker #diy #3dprinting",
    "Studio cat supervising as usual 🐈 #studiocat #makerlife",
    "Textures I keep coming back to: brick, gravel, grass 🧱 #texturestudy #photography",
    "Looking up: the Hubble deep field still blows my mind ✨ #space #astrophotography",
    "Collab with @northwind.coffee — custom cup sleeves! ☕ #collab #handmade",
    "Process reel: sanding, priming, painting 🎨 #process #woodworking",
    "Tried a new glaze today, thoughts? #ceramics #pottery #handmade",
    "Packing orders for the shop 📦 thank you all! #smallbusiness #etsyseller",
    "Astronaut helmet prop, 40 hours in 👩‍🚀 #cosplay #propmaking",
    "Sunday sketchbook ✏️ #sketchbook #illustration",
];

/// Photos each account tends to post (indices into the embedded photo list:
/// 0 astronaut, 1 brick, 2 chelsea, 3 coffee, 4 grass, 5 gravel, 6 hubble, 7 rocket).
const BUSINESS_PHOTOS: &[usize] = &[3, 3, 3, 1, 5, 4, 2];
const CREATOR_PHOTOS: &[usize] = &[0, 1, 2, 4, 5, 6, 7, 3];

/// First id handed to media; all media ids count up from here.
const FIRST_MEDIA_ID: u64 = 17_900_000_000_000_001;

/// Builds the demo world for `seed`, with the clock starting at `start`.
pub fn generate(seed: u64, start: DateTime<Utc>) -> Demo {
    let mut rng = StdRng::seed_from_u64(seed);
    let business = Account {
        ig_id: "17841400000000001".into(),
        app_scoped_id: "27100000000000001".into(),
        username: BUSINESS_USERNAME.into(),
        name: "Northwind Coffee Roasters".into(),
        account_type: "Business".into(),
        followers: 12_400 + rng.random_range(0..60),
        follows: 310 + rng.random_range(0..20),
        biography: "Small-batch roastery & café on Harbour Street ☕\nOpen daily 7–4 · Beans shipped weekly".into(),
        website: "https://northwind.example.com/".into(),
    };
    let creator = Account {
        ig_id: "17841400000000002".into(),
        app_scoped_id: "27100000000000002".into(),
        username: CREATOR_USERNAME.into(),
        name: "Mira Okafor".into(),
        account_type: "Media_Creator".into(),
        followers: 3_100 + rng.random_range(0..40),
        follows: 820 + rng.random_range(0..40),
        biography: "Maker · props, ceramics & tiny lamps ✨ DMs open for collabs".into(),
        website: "https://mira.example.com/shop".into(),
    };

    let mut media = Vec::new();
    let mut next_id = FIRST_MEDIA_ID;
    for (account, captions, photos, base_likes) in [
        (&business, BUSINESS_CAPTIONS, BUSINESS_PHOTOS, 380u64),
        (&creator, CREATOR_CAPTIONS, CREATOR_PHOTOS, 140u64),
    ] {
        generate_account_media(
            &mut rng,
            &mut next_id,
            &mut media,
            start,
            account,
            captions,
            photos,
            base_likes,
        );
    }

    let fb_user = FbUser {
        id: "10160000000000001".into(),
        name: "Alex Rivera".into(),
    };
    let pages = vec![
        Page {
            id: "104000000000001".into(),
            name: "Northwind Coffee Roasters".into(),
            category: "Coffee Shop".into(),
            category_id: "128673187201735".into(),
            instagram_business_account: Some(business.ig_id.clone()),
            tasks: [
                "ANALYZE",
                "ADVERTISE",
                "MODERATE",
                "CREATE_CONTENT",
                "MANAGE",
            ]
            .map(String::from)
            .to_vec(),
        },
        Page {
            id: "104000000000002".into(),
            name: "Northwind Events".into(),
            category: "Community".into(),
            category_id: "2612".into(),
            instagram_business_account: None,
            tasks: ["ANALYZE", "MODERATE", "CREATE_CONTENT"]
                .map(String::from)
                .to_vec(),
        },
    ];
    // A few of the business's coffee photos already carry product tags.
    let catalog = super::shopping::demo_catalog();
    for (i, m) in media
        .iter_mut()
        .filter(|m| m.owner == business.ig_id && m.media_type == MediaType::Image && m.photo == 3)
        .enumerate()
        .filter(|(i, _)| i % 4 == 0)
    {
        let product = &catalog.products[i % 3];
        m.product_tags.push(super::shopping::ProductTag {
            product_id: product.product_id,
            x: Some(0.5),
            y: Some(0.6),
        });
    }
    let mut next_comment_id = FIRST_COMMENT_ID;
    let mut comments = Vec::new();
    for m in media
        .iter()
        .filter(|m| m.parent.is_none() && m.product != Product::Story)
    {
        let owner = if m.owner == business.ig_id {
            &business
        } else {
            &creator
        };
        generate_comments(
            &mut rng,
            &mut next_comment_id,
            &mut comments,
            start,
            m,
            owner,
        );
    }
    // The small account (insights' 100-follower rule) draws from its own generator so the
    // other accounts' data does not change; its media get no generated comments.
    let small = super::insights::small_account();
    let mut small_rng = StdRng::seed_from_u64(seed ^ 0x5a11);
    generate_account_media(
        &mut small_rng,
        &mut next_id,
        &mut media,
        start,
        &small,
        CREATOR_CAPTIONS,
        CREATOR_PHOTOS,
        9,
    );
    Demo {
        dms: super::dms::generate(start, &business, &creator),
        tags: super::mentions::generate(
            start,
            &[&business, &creator],
            &mut media,
            &mut comments,
            &mut next_id,
            &mut next_comment_id,
        ),
        accounts: vec![business, creator, small],
        media,
        fb_user,
        pages,
        comments,
        containers: Vec::new(),
        next_media_id: next_id,
        next_comment_id,
        next_container_id: FIRST_CONTAINER_ID,
        catalog,
        places: super::locations::demo_places(),
        rupload: Default::default(),
        hashtag_searches: Default::default(),
        live: None,
    }
}

/// People who comment on the demo accounts: (username, IGSID).
pub const COMMENTERS: &[(&str, &str)] = &[
    ("harbour.bakery", "6120000000000001"),
    ("baristaben", "6120000000000002"),
    ("lena.loves.latte", "6120000000000003"),
    ("tom_on_tour", "6120000000000004"),
    ("coffee.snob.42", "6120000000000005"),
    ("ana.pereira", "6120000000000006"),
    ("kenji.makes", "6120000000000007"),
    ("the.daily.grind", "6120000000000008"),
    ("sofia_sketches", "6120000000000009"),
    ("free.followers.now", "6120000000000010"),
];

pub const COMMENT_TEXTS: &[&str] = &[
    "Looks amazing! 😍",
    "What time do you open on Sundays?",
    "This made my morning ☀️",
    "Need this right now 🙌",
    "Is the Guji available online?",
    "@tom_on_tour we have to go here",
    "Beautiful shot 📸",
    "How long did this take?",
    "🔥🔥🔥",
    "Do you ship to Canada?",
    "Best flat white in town, no contest.",
    "Love the colours here",
    "Where can I buy one?",
    "Can't wait to visit!",
];

const SPAM_TEXT: &str = "Get 10k followers FAST 🚀 DM us now!! free.followers.now";

/// First ids of the comment and container ranges.
const FIRST_COMMENT_ID: u64 = 17_850_000_000_000_001;
const FIRST_CONTAINER_ID: u64 = 17_950_000_000_000_001;

fn generate_comments(
    rng: &mut StdRng,
    next_id: &mut u64,
    out: &mut Vec<Comment>,
    start: DateTime<Utc>,
    media: &Media,
    owner: &Account,
) {
    // A real thread per media, capped so the whole world stays small.
    let count = (media.comments_count as usize).min(40);
    let mut top_level: Vec<String> = Vec::new();
    let span = (start - media.timestamp).num_seconds().max(60);
    let mut times: Vec<i64> = (0..count).map(|_| rng.random_range(30..span)).collect();
    times.sort_unstable();
    for offset in times {
        let timestamp = media.timestamp + Duration::seconds(offset);
        let id = take_id(next_id);
        let reply_to = (!top_level.is_empty() && rng.random_bool(0.25))
            .then(|| top_level[rng.random_range(0..top_level.len())].clone());
        let (username, from_id, text) = if reply_to.is_some() && rng.random_bool(0.6) {
            (
                owner.username.clone(),
                owner.ig_id.clone(),
                "Thank you so much! ❤️".to_owned(),
            )
        } else {
            let (u, igsid) = COMMENTERS[rng.random_range(0..COMMENTERS.len())];
            let text = if u == "free.followers.now" {
                SPAM_TEXT.to_owned()
            } else {
                COMMENT_TEXTS[rng.random_range(0..COMMENT_TEXTS.len())].to_owned()
            };
            (u.to_owned(), igsid.to_owned(), text)
        };
        if reply_to.is_none() {
            top_level.push(id.clone());
        }
        out.push(Comment {
            id,
            media_id: media.id.clone(),
            parent_id: reply_to,
            text,
            username,
            from_id,
            timestamp,
            like_count: rng.random_range(0..6),
            hidden: false,
        });
    }
}

#[allow(clippy::too_many_arguments)] // a private builder step; grouping would only add a struct
fn generate_account_media(
    rng: &mut StdRng,
    next_id: &mut u64,
    out: &mut Vec<Media>,
    start: DateTime<Utc>,
    account: &Account,
    captions: &[&str],
    photos: &[usize],
    base_likes: u64,
) {
    let count = 62 + rng.random_range(0..8usize);
    // Feed posts spread over the 90 days before the clock start (oldest first).
    let mut offsets: Vec<i64> = (0..count)
        .map(|_| rng.random_range(3_600..90 * 86_400))
        .collect();
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    for offset in offsets {
        let timestamp = start - Duration::seconds(offset);
        let roll: f64 = rng.random();
        let (media_type, product) = if roll < 0.55 {
            (MediaType::Image, Product::Feed)
        } else if roll < 0.8 {
            (MediaType::CarouselAlbum, Product::Feed)
        } else {
            (MediaType::Video, Product::Reels)
        };
        let aspect = match product {
            Product::Reels => Aspect::Vertical,
            _ => match rng.random_range(0..4) {
                0 | 1 => Aspect::Square,
                2 => Aspect::Portrait,
                _ => Aspect::Landscape,
            },
        };
        let id = take_id(next_id);
        let mut children = Vec::new();
        if media_type == MediaType::CarouselAlbum {
            for _ in 0..rng.random_range(2..=10) {
                let child_id = take_id(next_id);
                let video = rng.random_bool(0.2);
                out.push(Media {
                    id: child_id.clone(),
                    owner: account.ig_id.clone(),
                    owner_username: account.username.clone(),
                    media_type: if video {
                        MediaType::Video
                    } else {
                        MediaType::Image
                    },
                    product: Product::Feed,
                    caption: None,
                    alt_text: None,
                    timestamp,
                    like_count: 0,
                    comments_count: 0,
                    hide_likes: false,
                    comments_enabled: true,
                    shared_to_feed: false,
                    product_tags: Vec::new(),
                    collaborators: Vec::new(),
                    shortcode: shortcode(rng),
                    children: Vec::new(),
                    parent: Some(id.clone()),
                    photo: photos[rng.random_range(0..photos.len())],
                    aspect,
                    upload: None,
                    cover: None,
                    copyright_match: false,
                });
                children.push(child_id);
            }
        }
        let reach_factor = if product == Product::Reels { 3 } else { 1 };
        let like_count =
            base_likes * reach_factor / 2 + rng.random_range(0..base_likes * reach_factor);
        let caption = captions[rng.random_range(0..captions.len())].to_owned();
        let alt_text = (media_type == MediaType::Image && rng.random_bool(0.3))
            .then(|| format!("Photo by @{}: {}", account.username, describe(photos[0])));
        out.push(Media {
            id,
            owner: account.ig_id.clone(),
            owner_username: account.username.clone(),
            media_type,
            product,
            caption: Some(caption),
            alt_text,
            timestamp,
            like_count,
            comments_count: rng.random_range(0..like_count / 12 + 2),
            hide_likes: rng.random_bool(0.1),
            comments_enabled: !rng.random_bool(0.05),
            shared_to_feed: product == Product::Reels && !rng.random_bool(0.2),
            product_tags: Vec::new(),
            collaborators: Vec::new(),
            shortcode: shortcode(rng),
            children,
            parent: None,
            photo: photos[rng.random_range(0..photos.len())],
            aspect,
            upload: None,
            cover: None,
            copyright_match: false,
        });
    }
    // A few stories within the last 24 h.
    for _ in 0..rng.random_range(2..=4) {
        let timestamp = start - Duration::seconds(rng.random_range(600..20 * 3_600));
        let video = rng.random_bool(0.3);
        out.push(Media {
            id: take_id(next_id),
            owner: account.ig_id.clone(),
            owner_username: account.username.clone(),
            media_type: if video {
                MediaType::Video
            } else {
                MediaType::Image
            },
            product: Product::Story,
            caption: None,
            alt_text: None,
            timestamp,
            like_count: 0,
            comments_count: 0,
            hide_likes: false,
            comments_enabled: false,
            shared_to_feed: false,
            product_tags: Vec::new(),
            collaborators: Vec::new(),
            shortcode: shortcode(rng),
            children: Vec::new(),
            parent: None,
            photo: photos[rng.random_range(0..photos.len())],
            aspect: Aspect::Vertical,
            upload: None,
            cover: None,
            copyright_match: false,
        });
    }
}

fn take_id(next: &mut u64) -> String {
    let id = *next;
    *next += 1;
    id.to_string()
}

fn shortcode(rng: &mut StdRng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..11)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn describe(photo: usize) -> &'static str {
    match photo {
        0 => "an astronaut in a white suit",
        1 => "a red brick wall",
        2 => "a tabby cat looking at the camera",
        3 => "a cup of coffee with latte art",
        4 => "close-up of green grass",
        5 => "grey gravel",
        6 => "a field of distant galaxies",
        _ => "a rocket lifting off at night",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_rich_enough() {
        let start = Utc::now();
        let a = generate(42, start);
        let b = generate(42, start);
        assert_eq!(a.media.len(), b.media.len());
        assert_eq!(a.media[10].caption, b.media[10].caption);
        for acct in &a.accounts {
            let feed = a.feed_of(&acct.ig_id);
            assert!(
                feed.len() >= 60,
                "{} has {} media",
                acct.username,
                feed.len()
            );
            assert!(
                feed.iter()
                    .any(|m| m.media_type == MediaType::CarouselAlbum)
            );
            assert!(feed.iter().any(|m| m.product == Product::Reels));
            assert!(
                feed.iter()
                    .all(|m| start - m.timestamp <= Duration::days(90))
            );
            assert!(!a.live_stories_of(&acct.ig_id, start).is_empty());
        }
        let c = generate(7, start);
        assert_ne!(
            a.media.iter().map(|m| m.like_count).sum::<u64>(),
            c.media.iter().map(|m| m.like_count).sum::<u64>()
        );
    }
}
