//! All integration tests in one binary: each file below was its own test crate, and every
//! one of them linked the whole app (egui, wgpu, the sandbox) into a ~260 MB executable.
//! One binary links once, which keeps CI within its disk and time.

mod support;

mod app_sandbox;
mod calendar;
mod cli;
mod cli_habits;
mod client_e2e;
mod comments_e2e;
mod comments_mentions;
mod comments_mentions_ui;
mod comments_migration;
mod comments_ui;
mod composer_browser_ui;
mod composer_cli;
mod composer_e2e;
mod composer_editor_ui;
mod composer_journeys;
mod composer_ui;
mod composer_video_ui;
mod copyright_e2e;
mod dms_cli;
mod dms_e2e;
mod dms_ui;
mod endless_paging;
mod engine_e2e;
mod hostile_server;
mod input_refusals;
mod insights_breakdowns;
mod insights_cli;
mod insights_e2e;
mod insights_ui;
mod layering;
mod layout_fit;
mod live;
mod mentions_e2e;
mod no_secrets_leak;
mod notifications_e2e;
mod place_cli;
mod place_ui;
mod publish_claims;
mod pyfacebook_conformance;
mod reel_cover;
mod research_cli;
mod research_e2e;
mod research_ui;
mod rupload_e2e;
mod sandbox_fidelity;
mod sandbox_http;
mod sandbox_limits;
mod server;
mod server_publish;
mod sidebar_unread_ui;
mod theme_ui;
mod ui_shell;
