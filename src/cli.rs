//! The `gateway` command line: check, plan, schema, migrate. Native only.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{self, Loaded};
use crate::diagnostics::{Report, Severity};
use crate::{migrate, plan};

/// Exit code for a configuration with errors.
pub const EXIT_INVALID: u8 = 1;
/// Exit code for a file that cannot be read or written.
pub const EXIT_IO: u8 = 3;

/// organized-gateway's configuration tool: validate gateway.toml, explain it, and derive
/// the JSON schema and D1 migrations from it.
#[derive(Debug, Parser)]
#[command(name = "gateway", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a configuration; exit 0 when it is usable, 1 when it has errors.
    Check {
        /// The configuration file.
        #[arg(default_value = "gateway.toml")]
        file: PathBuf,
        /// Also check it against this wrangler.toml: bindings declared, date pinned.
        #[arg(long)]
        wrangler: Option<PathBuf>,
    },
    /// Print the resolved stages of every route and the D1 capacity arithmetic.
    Plan {
        /// The configuration file.
        #[arg(default_value = "gateway.toml")]
        file: PathBuf,
        /// Concurrent users for the capacity arithmetic.
        #[arg(long, default_value_t = plan::Load::default().users)]
        users: u64,
        /// Hours a day of traffic for the capacity arithmetic.
        #[arg(long, default_value_t = plan::Load::default().hours)]
        hours: u64,
    },
    /// Print the JSON schema of the configuration.
    Schema,
    /// Print signed user ids for `identity.source = "signed-header"`, one per line. The key
    /// is read from the environment variable named by --secret-var, never from the command line.
    Sign {
        /// The user ids to sign.
        #[arg(required = true)]
        users: Vec<String>,
        /// The environment variable holding the HMAC key (the Worker secret's value).
        #[arg(long, default_value = "IDENTITY_SECRET")]
        secret_var: String,
    },
    /// Write the D1 migration for the declared access logs.
    Migrate {
        /// The configuration file.
        #[arg(default_value = "gateway.toml")]
        file: PathBuf,
        /// The migrations folder wrangler applies.
        #[arg(long, default_value = "migrations")]
        dir: PathBuf,
        /// Print the SQL instead of writing it.
        #[arg(long)]
        print: bool,
    },
}

/// Runs the command line and returns its exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Check { file, wrangler } => check(&file, wrangler.as_deref()),
        Command::Plan { file, users, hours } => load(&file).map(|loaded| {
            print!(
                "{}",
                plan::render(&loaded.config, &display(&file), plan::Load { users, hours })
            );
            0
        }),
        Command::Schema => {
            print!("{}", config::schema_json());
            Ok(0)
        }
        Command::Sign { users, secret_var } => sign(&users, &secret_var),
        Command::Migrate { file, dir, print } => load(&file).and_then(|loaded| {
            let sql = migrate::sql(&loaded.config);
            if print {
                print!("{sql}");
                return Ok(0);
            }
            write_migration(&dir, &sql)
        }),
    };
    ExitCode::from(result.unwrap_or_else(|code| code))
}

fn sign(users: &[String], secret_var: &str) -> Result<u8, u8> {
    let Some(secret) = std::env::var_os(secret_var).filter(|s| !s.is_empty()) else {
        eprintln!(
            "error: `{secret_var}` is not set\n  = help: export the same value the Worker has: `npx wrangler secret put {secret_var}`"
        );
        return Err(EXIT_INVALID);
    };
    for user in users {
        match crate::pipeline::identity::sign(user, secret.as_encoded_bytes()) {
            Some(signed) => println!("{signed}"),
            None => return Err(EXIT_INVALID),
        }
    }
    Ok(0)
}

fn check(file: &Path, wrangler: Option<&Path>) -> Result<u8, u8> {
    let loaded = load(file)?;
    let name = display(file);
    let c = &loaded.config;
    println!(
        "✓ {name}: valid ({} route(s), {} limiter(s), {} upstream(s), {} log(s){})",
        c.routes.len(),
        c.limiters.len(),
        c.upstreams.len(),
        c.logs.len(),
        warnings_suffix(&loaded.report)
    );
    let Some(wrangler) = wrangler else {
        return Ok(0);
    };
    let text = read(wrangler)?;
    let report = config::wrangler::check(c, &display(wrangler), &text);
    eprint!("{report}");
    if report.has_errors() {
        eprintln!("✗ {}: {}", display(wrangler), summary(&report));
        return Err(EXIT_INVALID);
    }
    println!(
        "✓ {}: every binding declared, compatibility_date pinned{}",
        display(wrangler),
        warnings_suffix(&report)
    );
    Ok(0)
}

/// Reads and loads a configuration, printing its diagnostics; an invalid one is an error code.
fn load(file: &Path) -> Result<Loaded, u8> {
    let text = read(file)?;
    match config::load(&display(file), &text) {
        Ok(loaded) => {
            eprint!("{}", loaded.report);
            Ok(loaded)
        }
        Err(report) => {
            eprint!("{report}");
            eprintln!("✗ {}: {}", display(file), summary(&report));
            Err(EXIT_INVALID)
        }
    }
}

fn read(file: &Path) -> Result<String, u8> {
    std::fs::read_to_string(file).map_err(|err| {
        eprintln!("error: cannot read {}: {err}", display(file));
        EXIT_IO
    })
}

fn write_migration(dir: &Path, sql: &str) -> Result<u8, u8> {
    let path = dir.join("0001_access_log.sql");
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing == sql => {
            println!("✓ {} is up to date", display(&path));
            return Ok(0);
        }
        Ok(_) => {
            eprintln!(
                "error: {} exists with other SQL; a D1 migration that was applied must not change.\n  = help: move it aside for a fresh database, or add an `ALTER TABLE` migration by hand (see `gateway migrate --print`)",
                display(&path)
            );
            return Err(EXIT_INVALID);
        }
        Err(_) => {}
    }
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, sql))
        .map_err(|err| {
            eprintln!("error: cannot write {}: {err}", display(&path));
            EXIT_IO
        })?;
    println!("✓ wrote {}", display(&path));
    Ok(0)
}

fn summary(report: &Report) -> String {
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    format!(
        "{errors} error{}, {warnings} warning{}",
        plural(errors),
        plural(warnings)
    )
}

fn warnings_suffix(report: &Report) -> String {
    match report.count(Severity::Warning) {
        0 => String::new(),
        n => format!(", {n} warning{}", plural(n)),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
