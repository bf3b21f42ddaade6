//! `gateway`: check, plan, schema and migrate for organized-gateway's configuration.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    organized_gateway::cli::run(organized_gateway::cli::Cli::parse())
}

/// The CLI is a native tool; the wasm32 build of this crate is the Worker.
#[cfg(target_arch = "wasm32")]
fn main() {}
