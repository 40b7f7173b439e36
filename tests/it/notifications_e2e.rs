//! Desktop notifications from the real engine over a real sandbox, shown through a fake
//! notifier: the first sync only sets the baseline, a new comment and a new DM are each
//! announced once, and a sync that finds nothing new announces nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use socialdesk::engine::comments::{CommentsCommand, CommentsEvent};
use socialdesk::engine::dms::{DmsCommand, DmsEvent};
use socialdesk::engine::notify::{
    Notification, NotificationKind, Notifications, NotifyCommand, RecordingNotifier,
};
use socialdesk::engine::{self, Command, EngineHandle, Event};
use socialdesk::ids::IgUserId;

use crate::support::wait::PATIENCE;
use crate::support::world;

/// Sends `command` and reads events until `done` says this one answered it.
fn run(handle: &mut EngineHandle, command: Command, done: impl Fn(&Event) -> bool) {
    assert!(handle.send(command), "the engine takes the command");
    let start = Instant::now();
    loop {
        match handle.try_recv() {
            Some(event) if done(&event) => return,
            Some(_) => {}
            None => {
                assert!(start.elapsed() < PATIENCE, "the engine never answered");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

fn sync_comments(handle: &mut EngineHandle, account: &IgUserId) {
    let id = account.clone();
    run(
        handle,
        Command::Comments(CommentsCommand::Refresh(account.clone())),
        move |e| matches!(e, Event::Comments(CommentsEvent::Synced { account, .. }) if *account == id),
    );
}

fn sync_dms(handle: &mut EngineHandle, account: &IgUserId) {
    let id = account.clone();
    run(
        handle,
        Command::Dms(DmsCommand::Refresh(account.clone())),
        move |e| matches!(e, Event::Dms(DmsEvent::Conversations { account, from_cache: false, .. }) if *account == id),
    );
}

fn kinds(shown: &[Notification]) -> Vec<NotificationKind> {
    shown.iter().map(|n| n.kind).collect()
}

#[test]
fn new_comments_and_messages_are_announced_once_each() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let world = runtime.block_on(world());
    let account = world.account().id.clone();
    let recorder = RecordingNotifier::default();
    let mut config = world.config();
    config.notifications = Arc::new(Notifications::new(Box::new(recorder.clone())));
    let (mut handle, _engine) = engine::spawn(config).expect("engine");
    // The window is in front: posts would wait, comments and DMs do not.
    assert!(handle.send(Command::Notifications(NotifyCommand::Focused(true))));

    sync_comments(&mut handle, &account);
    sync_dms(&mut handle, &account);
    assert!(
        recorder.taken().is_empty(),
        "what was there at start is not news"
    );

    // Someone comments and someone writes.
    world.sandbox.control().simulate_activity();
    sync_comments(&mut handle, &account);
    sync_dms(&mut handle, &account);
    let shown = recorder.taken();
    assert_eq!(
        kinds(&shown),
        [NotificationKind::NewComment, NotificationKind::NewMessage],
        "{shown:?}"
    );
    let username = &world.account().username;
    assert!(shown.iter().all(|n| n.title.contains(username.as_str())));

    // Synced again with nothing new: nothing is announced twice.
    sync_comments(&mut handle, &account);
    sync_dms(&mut handle, &account);
    assert!(recorder.taken().is_empty());

    // Switched off: new activity stays quiet.
    assert!(handle.send(Command::Notifications(NotifyCommand::Enabled(false))));
    world.sandbox.control().simulate_activity();
    sync_comments(&mut handle, &account);
    sync_dms(&mut handle, &account);
    assert!(recorder.taken().is_empty());
}
