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
    /// Write the next D1 migration for the declared access logs: only the tables and columns
    /// that the migrations already in --dir do not create.
    Migrate {
        /// The configuration file.
        #[arg(default_value = "gateway.toml")]
        file: PathBuf,
        /// The migrations folder wrangler applies.
        #[arg(long, default_value = "migrations")]
        dir: PathBuf,
        /// Print the whole schema (as for a fresh database) instead of writing a migration.
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
            if print {
                print!("{}", migrate::sql(&loaded.config));
                return Ok(0);
            }
            write_migration(&dir, &loaded.config, &file)
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

/// Writes the next migration into `dir`: only what the migrations already there lack.
fn write_migration(dir: &Path, config: &crate::config::Config, file: &Path) -> Result<u8, u8> {
    let mut applied: Vec<(String, String)> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .filter_map(|p| {
                Some((
                    p.file_name()?.to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).ok()?,
                ))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    applied.sort();
    let existing = migrate::existing(applied.iter().map(|(_, sql)| sql.as_str()));
    let Some(sql) = migrate::pending(config, &existing) else {
        println!(
            "✓ {}: the migrations in {} already create every table and column",
            display(file),
            display(dir)
        );
        return Ok(0);
    };
    let number = applied
        .iter()
        .filter_map(|(name, _)| name.get(..4)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let name = if number == 1 {
        "access_log".to_string()
    } else {
        format!("{}_columns", stem(file))
    };
    let path = dir.join(format!("{number:04}_{name}.sql"));
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, sql))
        .map_err(|err| {
            eprintln!("error: cannot write {}: {err}", display(&path));
            EXIT_IO
        })?;
    println!(
        "✓ wrote {}; apply it with `npx wrangler d1 migrations apply organized-gateway-db --local` (and --remote)",
        display(&path)
    );
    Ok(0)
}

/// A file's name without folder or extension, made SQL-file friendly.
fn stem(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
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
