//! The location picker and the collaborators field, headless: the test plays the engine.
//! Search a place, see one without coordinates greyed, pick one, publish with it and the
//! collaborators, clear it; over-the-limit collaborators block publishing with the reason;
//! an Instagram Login account is told both need Facebook Login.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use socialdesk::engine::composer::{ComposerCommand, ComposerEvent};
use socialdesk::engine::{Command, EngineSide, Event};
use socialdesk::graph::locations::{Place, PlaceAddress};
use socialdesk::ids::IgUserId;
use socialdesk::model::{Account, LoginKind};
use socialdesk::ui::App;
use socialdesk::ui::composer::place::{
    CLEAR_LOCATION, COLLABORATORS_LABEL, PLACE_SEARCH_BUTTON, PLACE_SEARCH_LABEL,
};

use crate::support::ui::{composer_tab, drop_square_picture, sent_post, type_into};
use crate::support::{ACCOUNT_ID, drain, push};

/// The Composer tab with one square picture, for `account`.
fn composer(account: Account) -> (Harness<'static, App>, EngineSide) {
    let (mut harness, mut side) = composer_tab(1600.0, account);
    drop_square_picture(&mut harness, &side);
    drain(&mut side);
    (harness, side)
}

fn place(id: &str, name: &str, coordinates: bool) -> Place {
    Place {
        id: id.into(),
        name: name.into(),
        location: Some(PlaceAddress {
            street: coordinates.then(|| "40 SW Harbour Way".into()),
            city: Some("Portland".into()),
            country: Some("United States".into()),
            latitude: coordinates.then_some(45.52),
            longitude: coordinates.then_some(-122.67),
        }),
    }
}

/// Types `query` in the place search and presses its button.
fn search_places(harness: &mut Harness<'_, App>, query: &str) {
    type_into(harness, PLACE_SEARCH_LABEL, query);
    harness.get_by_label(PLACE_SEARCH_BUTTON).click();
    harness.run();
}

#[test]
fn a_location_is_searched_picked_published_and_cleared() {
    let (mut harness, mut side) = composer(account(LoginKind::Facebook));
    harness.get_by_label("No location");
    search_places(&mut harness, "harbour");
    let commands = drain(&mut side);
    assert!(
        commands.iter().any(|c| matches!(
            c,
            Command::Composer(ComposerCommand::SearchLocations { account, query })
                if query == "harbour" && account.as_str() == ACCOUNT_ID
        )),
        "{commands:?}"
    );
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Locations {
            account: IgUserId::from(ACCOUNT_ID),
            query: "harbour".into(),
            places: vec![
                place("110000000000002", "Harbour Bakery", true),
                place("110000000000005", "Harbour Festival", false),
            ],
        }),
    );
    // The place without coordinates is greyed, with the reason.
    assert!(
        harness
            .get_by_label("Harbour Festival")
            .accesskit_node()
            .is_disabled()
    );
    harness.get_by_label_contains("no coordinates, cannot be tagged");
    harness.get_by_label("Harbour Bakery").click();
    harness.run();
    harness.get_by_label("Location: Harbour Bakery");

    type_into(
        &mut harness,
        COLLABORATORS_LABEL,
        "@harbour.bakery, baristaben",
    );
    harness.get_by_label("2 / 3");

    harness.get_by_label("Publish").click();
    harness.run();
    let (_, post) = sent_post(&mut side).expect("a Publish command");
    let location = post.place.location.as_ref().expect("the location is sent");
    assert_eq!(location.id, "110000000000002");
    assert_eq!(location.name, "Harbour Bakery");
    assert_eq!(
        post.place.collaborators,
        vec!["harbour.bakery", "baristaben"]
    );

    harness.get_by_label(CLEAR_LOCATION).click();
    harness.run();
    harness.get_by_label("No location");
    assert!(harness.query_by_label("Location: Harbour Bakery").is_none());
}

#[test]
fn a_failed_search_shows_the_cause() {
    let (mut harness, mut side) = composer(account(LoginKind::Facebook));
    search_places(&mut harness, "cafe");
    drain(&mut side);
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::LocationsFailed {
            account: IgUserId::from(ACCOUNT_ID),
            query: "cafe".into(),
            message: "the login expired: reconnect the account in Accounts".into(),
        }),
    );
    harness.get_by_label("the login expired: reconnect the account in Accounts");
}

#[test]
fn four_collaborators_show_the_limit_and_block_publishing() {
    let (mut harness, _side) = composer(account(LoginKind::Facebook));
    type_into(&mut harness, COLLABORATORS_LABEL, "a, b, c, d");
    harness.get_by_label("4 / 3");
    harness.get_by_label_contains("at most 3 collaborators per post; remove 1");
    assert!(
        harness
            .get_by_label("Publish")
            .accesskit_node()
            .is_disabled()
    );
}

#[test]
fn an_instagram_login_account_is_told_location_and_collaborators_need_facebook_login() {
    let (harness, _side) = composer(account(LoginKind::Instagram));
    harness.get_by_label_contains(
        "Location tags and collaborators need the account connected with Facebook Login",
    );
    assert!(harness.query_by_label(PLACE_SEARCH_LABEL).is_none());
    assert!(harness.query_by_label(COLLABORATORS_LABEL).is_none());
}

/// Saves what the picker looks like (run with `--ignored`; needs a GPU or a software
/// adapter): `target/place_picker.png`.
#[test]
#[ignore = "renders the picker to a PNG to look at; run by hand"]
fn screenshot_of_the_picker() {
    let (mut harness, mut side) = composer(account(LoginKind::Facebook));
    search_places(&mut harness, "harbour");
    drain(&mut side);
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Locations {
            account: IgUserId::from(ACCOUNT_ID),
            query: "harbour".into(),
            places: vec![
                place("110000000000002", "Harbour Bakery", true),
                place("110000000000005", "Harbour Festival", false),
            ],
        }),
    );
    type_into(
        &mut harness,
        COLLABORATORS_LABEL,
        "@harbour.bakery, baristaben, a, b",
    );
    let image = harness.render().expect("render");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/place_picker.png");
    std::fs::create_dir_all(out.parent().expect("dir")).expect("dir");
    image.save(&out).expect("png");
}

#[test]
fn switching_to_a_story_blocks_publishing_until_location_and_collaborators_are_removed() {
    use socialdesk::ui::composer::place::CLEAR_FOR_STORY;

    let (mut harness, _side) = composer(account(LoginKind::Facebook));
    type_into(&mut harness, COLLABORATORS_LABEL, "mira");
    harness.get_by_label("Story").click();
    harness.run();
    harness.get_by_label_contains("stories cannot have collaborators");
    assert!(
        harness
            .get_by_label("Publish")
            .accesskit_node()
            .is_disabled()
    );
    harness.get_by_label(CLEAR_FOR_STORY).click();
    harness.run();
    assert!(
        harness
            .query_by_label_contains("stories cannot have collaborators")
            .is_none()
    );
    assert!(
        !harness
            .get_by_label("Publish")
            .accesskit_node()
            .is_disabled()
    );
}

fn account(login: LoginKind) -> Account {
    crate::support::account("demo.studio", login)
}
