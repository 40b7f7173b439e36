//! socialdesk's entry point: the GUI by default, CLI commands otherwise.

use clap::Parser;

use socialdesk::cli::{Cli, run_command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Ok(dirs) = cli.global.dirs() {
        socialdesk::logging::init(&dirs.logs);
    }
    let result = match cli.command {
        Some(command) => run_command(&cli.global, command),
        None => socialdesk::gui::run(&cli.global),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line with the whole cause chain, each cause once.
            eprintln!("socialdesk: {}", socialdesk::cli::error_line(&e));
            std::process::ExitCode::FAILURE
        }
    }
}
