//! The `mailferry` binary: parses the command line (`src/cli/mod.rs` defines it and sketches
//! every command), starts the async runtime and runs the command. Prints an error that ends a
//! command through `termsafe`, since it can carry a server's words.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = mailferry::cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mailferry: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(mailferry::cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mailferry: {}", mailferry::termsafe::text(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}
