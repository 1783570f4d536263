//! Command-line parsing and dispatch; each subcommand lives in its own module.

mod bundle_cmds;
mod check;
mod debug;
mod explain;
mod fmt;
mod lsp;
mod run;
mod secret;
mod signing;
mod test;
mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "starlane",
    version,
    about = "Check, build and run Starlane .bind configurations"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// Whether the command keeps running to serve (a host, the language server, a followed
    /// log): its memory should track what it holds, not grow in huge-page steps.
    pub fn serves(&self) -> bool {
        matches!(
            self.command,
            Command::Run(_) | Command::Lsp { .. } | Command::Logs { follow: true, .. }
        )
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse and check `.bind`, App and router files (directories are searched recursively).
    Check(CheckArgs),
    /// Run the cases of a project's `tests/*.toml` against its bundle: one process, a virtual
    /// clock, stand-ins for dependencies (exit 1 if a case fails, 2 if the suite cannot run).
    Test(test::TestArgs),
    /// Build a bundle directory into one checked, versioned IR bundle file.
    Build {
        /// The bundle directory (binds, `wasm/`, `schema/`, static files, `*.app` manifests).
        dir: PathBuf,
        /// Where to write the bundle.
        #[arg(short, long, default_value = "app.bundle")]
        output: PathBuf,
        /// Sign the bundle with this private key (`starlane key new`).
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
        /// The version the signature claims for the bundle (with --sign).
        #[arg(long, value_name = "VERSION", requires = "sign")]
        bundle_version: Option<String>,
    },
    /// Make and show Ed25519 signing keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Sign a bundle (in place unless -o): the whole file and the claims of what it may do.
    Sign {
        /// The bundle file.
        bundle: PathBuf,
        /// The private key (`starlane key new`).
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// Write the signed bundle here instead of replacing BUNDLE.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The version the signature claims for the bundle.
        #[arg(long, value_name = "VERSION")]
        bundle_version: Option<String>,
    },
    /// Check that a bundle is intact and signed by a trusted key (exit 1 if not); print its claims.
    Verify {
        /// The bundle file.
        bundle: PathBuf,
        /// A trusted public key (`ed25519:…`) or a file holding one; repeat for several.
        #[arg(long, value_name = "PUBKEY", required = true)]
        trust: Vec<String>,
        /// A revoked public key (or file): refused even if trusted; repeat for several.
        #[arg(long, value_name = "PUBKEY")]
        revoked: Vec<String>,
    },
    /// Print a bundle's IR.
    Inspect {
        /// A bundle file, or a project directory (built in memory).
        bundle: PathBuf,
        /// `human` text or `json` for tools.
        #[arg(long, value_enum, default_value_t = InspectFormat::Human)]
        format: InspectFormat,
    },
    /// Report every change between two bundles, each breaking, narrowing, widening or compatible (exit 1 unless all are compatible).
    Diff {
        /// The old bundle file or project directory.
        old: PathBuf,
        /// The new bundle file or project directory.
        new: PathBuf,
    },
    /// Dry-run routing: which route a message takes, and why earlier ones did not match.
    Route {
        /// A bundle file, or a project directory (built in memory).
        bundle: PathBuf,
        /// The message kind and method, such as `Http<Get>` or `Ext<Hello>`.
        message: String,
        /// The path, such as `/users/42`.
        #[arg(default_value = "/")]
        path: String,
        /// The bind to route through (its bundle path); default: the bind that receives HTTP.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Format files in place (canonical whitespace and comment layout; never rewrites forms).
    Fmt(FmtArgs),
    /// Serve a bundle: HTTP through its routes, and an admin listener.
    Run(Box<RunArgs>),
    /// Print the state of a running `starlane run` (from its admin listener).
    Status {
        #[command(flatten)]
        admin: AdminClientArgs,
        /// Print the raw JSON.
        #[arg(long)]
        json: bool,
        /// List the mesh's hosts: each one's mechtrons and states, and its last heartbeat.
        #[arg(long)]
        mesh: bool,
    },
    /// Send a message such as `Ext<Hello>` to a mechtron of a running `starlane run`.
    Send {
        /// The message kind and method, such as `Ext<Hello>` or `Cmd<Read>`.
        message: String,
        /// The mechtron (name or address); default: the one that receives HTTP.
        #[arg(long)]
        to: Option<String>,
        /// The message's path.
        #[arg(long)]
        path: Option<String>,
        /// The body, as text.
        #[arg(long, conflicts_with = "body_file")]
        body: Option<String>,
        /// The body, from a file.
        #[arg(long)]
        body_file: Option<PathBuf>,
        /// Send as the caller this bearer token names in the credentials file of
        /// `starlane run --credentials` (default: `STARLANE_CALLER_TOKEN`). Without one the
        /// message is anonymous, and no bind admits an anonymous outside caller.
        #[arg(long, value_name = "TOKEN")]
        caller_token: Option<String>,
        #[command(flatten)]
        admin: AdminClientArgs,
    },
    /// Replace the bundle a running `starlane run` serves, without dropping requests.
    Deploy {
        /// A bundle file, or a project directory (built first).
        bundle: PathBuf,
        /// Sign what is sent with this private key (for a host that runs with --trust).
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
        #[command(flatten)]
        admin: AdminClientArgs,
    },
    /// Print the log lines of a running `starlane run` (from its admin listener).
    Logs {
        /// Keep printing new lines as they happen.
        #[arg(short, long)]
        follow: bool,
        /// Only lines about this mechtron.
        #[arg(long, value_name = "NAME")]
        mechtron: Option<String>,
        /// Only lines at least this severe: error, warn, info, debug or trace.
        #[arg(long, value_name = "LEVEL")]
        level: Option<String>,
        /// Only lines at most this old, such as `5m` (the host keeps its last 10,000 lines).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        since: Option<Duration>,
        /// Print the JSON lines as the host logs them.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        admin: AdminClientArgs,
    },
    /// Read a password from standard input and print its argon2 hash, for a credentials file.
    HashPassword {
        /// Print the SHA-256 of a bearer token instead.
        #[arg(long)]
        token: bool,
    },
    /// Run the language server on standard input and output (editors start this).
    Lsp {
        /// Accepted for compatibility with clients that pass it; stdio is the only transport.
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// Tools for grammar and editor developers.
    #[command(hide = true, subcommand)]
    Debug(DebugCommand),
    /// Explain a diagnostic code, such as `E0006`.
    Explain {
        /// The code (`E0006`) or its name (`unclosed-delimiter`); omit to list every code.
        code: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Make a key pair: the private key in OUT (mode 0600), the public key in OUT.pub and on stdout.
    New {
        /// Where to write the private key.
        #[arg(short, long, default_value = "starlane.key")]
        out: PathBuf,
        /// Replace an existing key file.
        #[arg(long)]
        force: bool,
    },
    /// Print the public key of a private key file.
    Public {
        /// The private key file.
        key: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum DebugCommand {
    /// The real lexer's tokens as JSON lines (kind, line, UTF-16 columns): what the TextMate and
    /// tree-sitter grammars are tested against.
    Tokens { file: PathBuf },
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to check; `-` reads one document from standard input.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// `--deny warnings` turns warnings into errors.
    #[arg(long, value_enum)]
    deny: Vec<DenyWhat>,
    /// Apply every machine-applicable suggestion, then report what remains.
    #[arg(long)]
    fix: bool,
    /// With `-` (the document on standard input): the path it belongs to, shown in diagnostics
    /// and used to find its `starlane.toml`.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The bundle file (`starlane build`), or a bundle directory to build first.
    bundle: PathBuf,
    /// Where to serve HTTP (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    http: SocketAddr,
    /// Where to serve the admin listener (`/status`, `/metrics`, `/messages`).
    #[arg(long)]
    admin: Option<SocketAddr>,
    /// Bind a context name (`Requires`) to an address: `--bind users=localhost:user-db`.
    #[arg(long = "bind", value_name = "NAME=ADDRESS")]
    bind: Vec<String>,
    /// A settings file in the `starlane.toml` format (its `[run]` and `[mesh]`), instead of the
    /// project's own `starlane.toml`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The callers' credentials file (password hashes and token hashes).
    #[arg(long)]
    credentials: Option<PathBuf>,
    /// Logs on stderr: `text` for people, `json` (one object per line) for machines.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Where compiled modules are cached (default: ~/.cache/starlane/modules).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Compile every module at start, without the cache.
    #[arg(long)]
    no_cache: bool,
    /// Measure `exec` in fuel (deterministic): this many units per millisecond.
    #[arg(long, value_name = "UNITS_PER_MS")]
    fuel: Option<u64>,
    /// Messages from outside handled at once.
    #[arg(long)]
    max_concurrency: Option<usize>,
    /// Join a mesh of hosts on this NATS server (`nats://127.0.0.1:4222`); the password, if
    /// any, comes from `STARLANE_MESH_PASSWORD`.
    #[arg(long, value_name = "URL")]
    mesh: Option<String>,
    /// This host's name in the mesh (default: `[mesh] host`, else the machine's hostname).
    #[arg(long, value_name = "NAME")]
    host: Option<String>,
    /// The NATS user to join the mesh as.
    #[arg(long, value_name = "USER")]
    mesh_user: Option<String>,
    /// A file holding an nkey seed (`SU…`, readable only by you) to join the mesh with, instead
    /// of a user and password.
    #[arg(long, value_name = "FILE", conflicts_with = "mesh_user")]
    mesh_nkey: Option<PathBuf>,
    /// A NATS credentials file (a user JWT and its seed, as `nsc` writes it; readable only by
    /// you) to join the mesh with.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["mesh_user", "mesh_nkey"])]
    mesh_creds: Option<PathBuf>,
    /// TLS to NATS: the certificate authority the server's certificate must chain to.
    #[arg(long, value_name = "FILE")]
    mesh_ca: Option<PathBuf>,
    /// TLS to NATS: this host's client certificate (PEM), for servers that verify clients.
    #[arg(long, value_name = "FILE", requires = "mesh_key")]
    mesh_cert: Option<PathBuf>,
    /// TLS to NATS: the client certificate's private key (PEM; readable only by you).
    #[arg(long, value_name = "FILE", requires = "mesh_cert")]
    mesh_key: Option<PathBuf>,
    /// Seconds in-flight messages get to finish after SIGTERM.
    #[arg(long, default_value_t = 10)]
    drain: u64,
    /// A request head must arrive within this (default 10s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    header_read_timeout: Option<Duration>,
    /// Close connections idle this long (default 60s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    idle_timeout: Option<Duration>,
    /// A request body must arrive within this of its head (default 30s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    body_read_timeout: Option<Duration>,
    /// HTTP connections open at once (default 1024, lowered to fit the descriptor limit).
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Bytes of request bodies held at once across both listeners (default 64MiB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    body_budget: Option<u64>,
    /// The SHA-256 of a token the admin listener accepts (`starlane hash-password --token`);
    /// repeat for several. Without one, a loopback admin listener makes its own.
    #[arg(long = "admin-token-sha256", value_name = "HEX")]
    admin_token_sha256: Vec<String>,
    /// Admin read endpoints served without the token: status, healthz, metrics.
    #[arg(long, value_delimiter = ',', value_name = "ENDPOINT")]
    admin_open: Vec<String>,
    /// A name the admin listener answers to as `Host` (besides its own address).
    #[arg(long = "admin-host", value_name = "NAME")]
    admin_hosts: Vec<String>,
    /// Serve only bundles signed by this public key (`ed25519:…` or a file holding one);
    /// repeat for several (key rotation). Adds to `[run] trust`.
    #[arg(long, value_name = "PUBKEY")]
    trust: Vec<String>,
    /// Refuse bundles signed by this public key even if it is trusted; repeat for several.
    #[arg(long, value_name = "PUBKEY")]
    revoked: Vec<String>,
    /// With a project directory: rebuild when one of its files changes and switch to the new
    /// bundle without dropping requests (a bundle that does not build leaves the old one).
    #[arg(long)]
    watch: bool,
    /// With a project directory: sign the bundle built at start and every `--watch` rebuild with
    /// this private key, so a host that trusts its public key (`--trust`) serves them.
    #[arg(long, value_name = "KEY")]
    sign: Option<PathBuf>,
    /// Also append the logs, as JSON lines, to this file (rotated by size).
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,
    /// Rotate the log file when it passes this size.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "10MiB")]
    log_max_size: u64,
    /// Rotated log files kept beside the current one (`PATH.1` is the newest).
    #[arg(long, value_name = "N", default_value_t = 5)]
    log_keep: usize,
}

/// How `status` and `send` reach the admin listener and prove who they are.
#[derive(clap::Args, Debug)]
pub struct AdminClientArgs {
    /// The admin listener of `starlane run --admin`.
    #[arg(long, default_value = "127.0.0.1:9090")]
    admin: SocketAddr,
    /// A file holding the admin token (default: `STARLANE_ADMIN_TOKEN`, else the token
    /// `starlane run` made for this address).
    #[arg(long, value_name = "FILE", conflicts_with = "admin_token")]
    admin_token_file: Option<PathBuf>,
    /// The admin token itself (visible to other users in the process list: prefer
    /// `--admin-token-file` or `STARLANE_ADMIN_TOKEN`).
    #[arg(long, value_name = "TOKEN")]
    admin_token: Option<String>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    starlane_lang::atoms::quantity::duration_ms(text)
        .map(Duration::from_millis)
        .map_err(|e| format!("{} ({})", e.message, e.label))
}

fn parse_size(text: &str) -> Result<u64, String> {
    starlane_lang::atoms::quantity::size_bytes(text)
        .map_err(|e| format!("{} ({})", e.message, e.label))
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Files or directories; none (or `-`) formats standard input to standard output.
    paths: Vec<PathBuf>,
    /// Write nothing; exit 1 if any file is not formatted.
    #[arg(long)]
    check: bool,
    /// Write nothing; print what would change as a unified diff.
    #[arg(long)]
    diff: bool,
    /// Format files that have syntax errors too (the token check still applies).
    #[arg(long)]
    force: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

/// What `inspect` prints: a bundle is not a list of findings, so there is no SARIF of it.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InspectFormat {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DenyWhat {
    Warnings,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Test(args) => test::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Explain { code } => explain::run(code.as_deref()),
        Command::Lsp { stdio: _ } => lsp::run(),
        Command::Run(args) => run::run(*args),
        Command::Status { admin, json, mesh } => run::status(&admin, json, mesh),
        Command::Send {
            message,
            to,
            path,
            body,
            body_file,
            caller_token,
            admin,
        } => {
            let body = match body_file {
                Some(f) => Some(
                    std::fs::read_to_string(&f)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))?,
                ),
                None => body,
            };
            run::send(
                &admin,
                &message,
                to.as_deref(),
                path.as_deref(),
                body,
                caller_token,
            )
        }
        Command::HashPassword { token } => run::hash_password(token),
        Command::Logs {
            follow,
            mechtron,
            level,
            since,
            json,
            admin,
        } => run::logs(
            &admin,
            follow,
            mechtron.as_deref(),
            level.as_deref(),
            since,
            json,
        ),
        Command::Deploy {
            bundle,
            sign,
            admin,
        } => run::deploy(&admin, &bundle, sign.as_deref()),
        Command::Debug(DebugCommand::Tokens { file }) => debug::tokens(&file),
        Command::Build {
            dir,
            output,
            sign,
            bundle_version,
        } => bundle_cmds::build(&dir, &output, sign.as_deref(), bundle_version),
        Command::Key(KeyCommand::New { out, force }) => signing::key_new(&out, force),
        Command::Key(KeyCommand::Public { key }) => signing::key_public(&key),
        Command::Sign {
            bundle,
            key,
            output,
            bundle_version,
        } => signing::sign(&bundle, &key, output.as_deref(), bundle_version),
        Command::Verify {
            bundle,
            trust,
            revoked,
        } => signing::verify(&bundle, &trust, &revoked),
        Command::Inspect { bundle, format } => bundle_cmds::inspect(&bundle, format),
        Command::Diff { old, new } => bundle_cmds::diff(&old, &new),
        Command::Route {
            bundle,
            message,
            path,
            bind,
        } => bundle_cmds::route(&bundle, &message, &path, bind.as_deref()),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// `starlane help` and every `--help` explain every subcommand and every flag.
    #[test]
    fn every_command_and_argument_has_a_help_line() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") || arg.is_hide_set() {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {}", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "starlane", &mut missing);
        assert!(missing.is_empty(), "no help line: {missing:#?}");
    }
}
