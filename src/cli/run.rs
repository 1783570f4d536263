//! `starlane run`, `status`, `send`, `hash-password`: serving a bundle and talking to it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use starlane_runtime::RuntimeOptions;
use starlane_runtime::admin::{AdminAccess, OpenRead, token};
use starlane_runtime::auth::Credentials;
use starlane_runtime::engine::{EngineOptions, ExecClock};
use starlane_runtime::listener::{BodyBudget, ListenerLimits};
use starlane_runtime::logs::LogHub;
use starlane_runtime::mesh::{Faults, MeshOptions};
use starlane_runtime::module_cache::ModuleCache;
use starlane_runtime::server::{AdminOptions, ServeOptions, run as serve};

use super::{AdminClientArgs, LogFormat, RunArgs};

/// The process's logs: people's text or JSON lines on stderr, JSON lines in the `--log-file`
/// (rotated by size), and the live hub the admin listener's `GET /logs` serves. The JSON is one
/// format everywhere (`starlane_runtime::logs`).
fn init_logs(format: LogFormat, file: Option<&LogFile>) -> anyhow::Result<Arc<LogHub>> {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_env("STARLANE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal;
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let hub = LogHub::new();
    let mut sinks: Vec<Box<dyn std::io::Write + Send>> = Vec::new();
    if format == LogFormat::Json {
        sinks.push(Box::new(std::io::stderr()));
    }
    if let Some(f) = file {
        sinks.push(Box::new(f.open()?));
    }
    let text = (format == LogFormat::Text).then(|| {
        tracing_subscriber::fmt::layer()
            .with_ansi(color)
            .with_writer(std::io::stderr)
            .boxed()
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(text)
        .with(hub.layer_writing_to(sinks))
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot set up logging: {e}"))?;
    Ok(hub)
}

/// `--log-file`: JSON lines appended to a file, rotated when it passes `max_size` (the file-rotate
/// crate; tracing-appender rotates only by time), keeping `keep` old files beside it.
pub struct LogFile {
    pub path: std::path::PathBuf,
    pub max_size: u64,
    pub keep: usize,
}

impl LogFile {
    fn open(&self) -> anyhow::Result<file_rotate::FileRotate<file_rotate::suffix::AppendCount>> {
        use file_rotate::{
            ContentLimit, FileRotate, compression::Compression, suffix::AppendCount,
        };
        anyhow::ensure!(self.max_size > 0, "--log-max-size must be more than 0");
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        // Opened here first, so a path that cannot be written is an error at start, not a
        // silent loss of every line.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .with_context(|| format!("cannot write the log file {}", self.path.display()))?;
        Ok(FileRotate::new(
            &self.path,
            AppendCount::new(self.keep),
            ContentLimit::BytesSurpassed(self.max_size as usize),
            Compression::None,
            None,
        ))
    }
}

fn parse_binding(text: &str) -> anyhow::Result<(String, String)> {
    let (name, address) = text.split_once('=').with_context(|| {
        format!("`--bind {text}`: expected NAME=ADDRESS, such as users=localhost:user-db")
    })?;
    Ok((name.trim().to_string(), address.trim().to_string()))
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let log_file = args.log_file.clone().map(|path| LogFile {
        path,
        max_size: args.log_max_size,
        keep: args.log_keep,
    });
    let logs = init_logs(args.log_format, log_file.as_ref())?;
    // One configuration format: `--config FILE` is a `starlane.toml` (its `[run]` and `[mesh]`),
    // else a project directory's own `starlane.toml`; flags win over either. A directory is
    // built first (diagnostics on stderr).
    let settings = match &args.config {
        Some(path) => Some(starlane_lang::settings::load_file(path)?),
        None if args.bundle.is_dir() => Some(starlane_lang::settings::load_for(&args.bundle)?),
        None => None,
    };
    let (project, mesh_settings, project_root) = match settings {
        Some(s) => (s.run, s.mesh, s.root.unwrap_or_else(|| args.bundle.clone())),
        None => Default::default(),
    };
    let bundle = if args.bundle.is_dir() {
        let Some((bundle, _)) = super::bundle_cmds::compile(&args.bundle, None)? else {
            return Ok(ExitCode::from(1));
        };
        let bytes = starlane_ir::encode(&bundle, starlane_compiler::bundle::PRODUCER);
        match &args.sign {
            Some(key) => super::signing::sign_bytes(&bytes, key, None)?,
            None => bytes,
        }
    } else {
        anyhow::ensure!(
            args.sign.is_none(),
            "--sign signs what `run` builds from a project directory; sign a built bundle with `starlane sign`"
        );
        std::fs::read(&args.bundle)
            .with_context(|| format!("cannot read {}", args.bundle.display()))?
    };
    let mut bindings: HashMap<String, String> = project.bind.clone().into_iter().collect();
    for b in &args.bind {
        let (name, address) = parse_binding(b)?;
        bindings.insert(name, address);
    }
    let credentials_path = args
        .credentials
        .clone()
        .or_else(|| project.credentials.as_ref().map(|c| project_root.join(c)));
    let credentials = match credentials_path {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Some(Arc::new(
                Credentials::parse(&text).map_err(anyhow::Error::msg)?,
            ))
        }
        None => None,
    };
    let cache_dir = if args.no_cache {
        None
    } else {
        args.cache_dir.clone().or_else(ModuleCache::default_dir)
    };
    let defaults = RuntimeOptions::default();
    let admin = match args.admin {
        Some(addr) => Some(admin_options(addr, &args, &project.admin)?),
        None => None,
    };
    let mut http_limits = ListenerLimits {
        header_read_timeout: args
            .header_read_timeout
            .or(project.header_read_timeout)
            .unwrap_or(ListenerLimits::HTTP.header_read_timeout),
        idle_timeout: args
            .idle_timeout
            .or(project.idle_timeout)
            .unwrap_or(ListenerLimits::HTTP.idle_timeout),
        body_read_timeout: args
            .body_read_timeout
            .or(project.body_read_timeout)
            .unwrap_or(ListenerLimits::HTTP.body_read_timeout),
        max_connections: ListenerLimits::HTTP.max_connections,
    };
    // A cap the operator chose is taken as given; the default is lowered to fit the descriptor
    // limit (leaving room for the admin listener, modules and the cache).
    match args.max_connections.or(project.max_connections) {
        Some(n) => http_limits.max_connections = n,
        None => {
            let admin_cap = admin.as_ref().map_or(0, |a| a.limits.max_connections);
            http_limits = http_limits.within_descriptor_limit(64 + admin_cap);
        }
    }
    let trust = super::signing::policy(
        &args.trust,
        &args.revoked,
        &project.trust,
        &project.revoked,
        &project_root,
    )?;
    let rebuilt = if args.watch {
        anyhow::ensure!(
            args.bundle.is_dir(),
            "--watch needs a project directory, not a built bundle (use `starlane deploy` to replace a built one)"
        );
        Some(super::watch::rebuild_on_change(
            args.bundle.clone(),
            args.sign.clone(),
        )?)
    } else {
        None
    };
    let options = ServeOptions {
        logs: Some(logs),
        announce_json: args.log_format == LogFormat::Json,
        trust,
        rebuilt,
        bundle,
        http: args.http,
        http_limits,
        admin,
        body_budget: args
            .body_budget
            .or(project.body_budget)
            .unwrap_or(BodyBudget::DEFAULT),
        runtime: RuntimeOptions {
            engine: EngineOptions {
                clock: match args.fuel {
                    Some(per_ms) => ExecClock::Fuel { per_ms },
                    None => ExecClock::Epoch,
                },
                ..EngineOptions::default()
            },
            cache_dir,
            bindings,
            credentials,
            max_concurrency: args
                .max_concurrency
                .or(project.max_concurrency)
                .unwrap_or(defaults.max_concurrency),
            max_depth: defaults.max_depth,
            ..RuntimeOptions::default()
        },
        drain: Duration::from_secs(args.drain),
        mesh: mesh_options(&args, &mesh_settings, &project_root)?,
    };
    match serve(options) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => bail!(e),
    }
}

/// `--mesh`/`--host`/`--mesh-user` over `[mesh]`; `None` without a mesh URL.
fn mesh_options(
    args: &RunArgs,
    settings: &starlane_lang::settings::MeshSettings,
    project_root: &std::path::Path,
) -> anyhow::Result<Option<MeshOptions>> {
    let Some(url) = args.mesh.clone().or_else(|| settings.url.clone()) else {
        if args.host.is_some() {
            bail!(
                "`--host` names this host in a mesh: give the mesh too (`--mesh nats://HOST:PORT`)"
            );
        }
        return Ok(None);
    };
    let host = match args.host.clone().or_else(|| settings.host.clone()) {
        Some(h) => h,
        None => machine_hostname()
            .context("no host name: give one with `--host NAME` or `[mesh] host`")?,
    };
    let mut o = MeshOptions::new(&url, &host);
    if let Some(name) = &settings.name {
        o.name = name.clone();
    }
    o.user = args.mesh_user.clone().or_else(|| settings.user.clone());
    o.password = std::env::var("STARLANE_MESH_PASSWORD").ok();
    if o.user.is_some() && o.password.is_none() {
        bail!("`--mesh-user` needs the password in STARLANE_MESH_PASSWORD");
    }
    let nkey_file = args
        .mesh_nkey
        .clone()
        .or_else(|| settings.nkey_file.as_ref().map(|f| project_root.join(f)));
    if let Some(file) = nkey_file {
        o.nkey_seed = Some(read_nkey_seed(&file)?);
    }
    let in_project = |f: &Option<std::path::PathBuf>| f.as_ref().map(|f| project_root.join(f));
    if let Some(file) = args
        .mesh_creds
        .clone()
        .or_else(|| in_project(&settings.creds_file))
    {
        o.creds = Some(super::secret::read(&file, "NATS credentials file")?);
    }
    o.tls.ca_file = args
        .mesh_ca
        .clone()
        .or_else(|| in_project(&settings.ca_file));
    o.tls.cert_file = args
        .mesh_cert
        .clone()
        .or_else(|| in_project(&settings.cert_file));
    o.tls.key_file = args
        .mesh_key
        .clone()
        .or_else(|| in_project(&settings.key_file));
    if let Some(key) = &o.tls.key_file {
        // The key is a secret: refused if others can read it (its text is read again by NATS).
        super::secret::read(key, "TLS private key")?;
    }
    if let Some(v) = settings.ack_timeout {
        o.ack_timeout = v;
    }
    if let Some(v) = settings.retries {
        o.retries = v;
    }
    if let Some(v) = settings.max_retry_delay {
        o.max_retry_delay = v;
    }
    if let Some(v) = settings.heartbeat {
        o.heartbeat = v;
    }
    if let Some(v) = settings.gone_after {
        o.gone_after = v;
    }
    if let Some(v) = settings.per_host_in_flight {
        o.per_host_in_flight = v;
    }
    if let Some(v) = settings.in_place_under {
        o.in_place_under = v;
    }
    o.faults = Faults::from_env().map_err(anyhow::Error::msg)?;
    o.check().map_err(anyhow::Error::msg)?;
    Ok(Some(o))
}

/// An nkey seed from its file: a secret, so the file must not be readable by others.
fn read_nkey_seed(file: &std::path::Path) -> anyhow::Result<String> {
    let seed = super::secret::read(file, "nkey seed")?;
    let seed = seed.trim().to_string();
    if !seed.starts_with("SU") {
        bail!(
            "{} does not hold a user nkey seed (it starts with `SU`)",
            file.display()
        );
    }
    Ok(seed)
}

/// The machine's hostname, cut to what a mesh host name may hold.
fn machine_hostname() -> Option<String> {
    let text = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())?;
    let name: String = text
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The admin listener's access rules from flags and `[run.admin]`.
fn admin_options(
    addr: SocketAddr,
    args: &RunArgs,
    settings: &starlane_lang::settings::AdminSettings,
) -> anyhow::Result<AdminOptions> {
    let digests = args
        .admin_token_sha256
        .iter()
        .chain(&settings.tokens)
        .map(|d| token::parse_digest(d).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let open_names: Vec<&String> = if args.admin_open.is_empty() {
        settings.open.iter().collect()
    } else {
        args.admin_open.iter().collect()
    };
    let open = open_names
        .into_iter()
        .map(|name| {
            OpenRead::parse(name).with_context(|| {
                format!("`{name}` is not an admin read endpoint (status, healthz, metrics)")
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut hosts = settings.hosts.clone();
    hosts.extend(args.admin_hosts.iter().cloned());
    let mut access = AdminAccess::default()
        .with_token_digests(digests)
        .open(open)
        .hosts(hosts);
    if let Some(max) = settings.max_body {
        access.max_body = usize::try_from(max).unwrap_or(usize::MAX);
    }
    if let Some(n) = settings.max_concurrency {
        access.max_concurrency = n.max(1);
    }
    let limits = ListenerLimits {
        max_connections: settings
            .max_connections
            .unwrap_or(ListenerLimits::ADMIN.max_connections),
        ..ListenerLimits::ADMIN
    };
    Ok(AdminOptions {
        addr,
        access,
        limits,
    })
}

/// The admin token: `--admin-token` or `--admin-token-file`, else `STARLANE_ADMIN_TOKEN`, else
/// the one `starlane run` made for this address.
fn admin_token(args: &AdminClientArgs) -> anyhow::Result<Option<String>> {
    if let Some(token) = &args.admin_token {
        return Ok(Some(token.trim().to_string()));
    }
    if let Some(file) = &args.admin_token_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the admin token from {}", file.display()))?;
        return Ok(Some(text.trim().to_string()));
    }
    if let Ok(token) = std::env::var("STARLANE_ADMIN_TOKEN")
        && !token.trim().is_empty()
    {
        return Ok(Some(token.trim().to_string()));
    }
    Ok(token::read_generated(args.admin))
}

/// A request to the admin listener; the status and body.
fn admin_request(
    args: &AdminClientArgs,
    method: &str,
    path: &str,
    body: Option<(Vec<u8>, &str)>,
    caller: Option<String>,
) -> anyhow::Result<(u16, String)> {
    let (body, content_type) = body.unwrap_or((Vec::new(), "application/json"));
    let admin = args.admin;
    let token = admin_token(args)?;
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(format!("http://{admin}{path}"))
            .header("content-type", content_type);
        if let Some(token) = &token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        if let Some(caller) = &caller {
            req = req.header(starlane_runtime::admin::CALLER_HEADER, format!("Bearer {caller}"));
        }
        let req = req.body(Full::new(bytes::Bytes::from(body)))?;
        let response = tokio::time::timeout(Duration::from_secs(60), client.request(req))
            .await
            .context("the admin listener did not answer in 60 s")?
            .with_context(|| format!("cannot reach the admin listener at {admin} (is `starlane run --admin {admin}` running?)"))?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    })
}

pub fn status(admin: &AdminClientArgs, json: bool, mesh: bool) -> anyhow::Result<ExitCode> {
    let (code, body) = admin_request(admin, "GET", "/status", None, None)?;
    if code != 200 && !json {
        return refused(&body);
    }
    if json {
        println!("{body}");
        return Ok(if code == 200 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let v: serde_json::Value = serde_json::from_str(&body)
        .context("the admin listener answered something other than JSON")?;
    println!(
        "bundle {}  up {} s  allocator {}  exec clock {}",
        v["bundle"].as_str().unwrap_or("?"),
        v["uptime_seconds"],
        v["engine"]["allocator"].as_str().unwrap_or("?"),
        v["engine"]["exec_clock"].as_str().unwrap_or("?")
    );
    if mesh {
        return print_mesh(&v["mesh"]);
    }
    if let Some(host) = v["mesh"]["host"].as_str() {
        let hosts = v["mesh"]["hosts"].as_array().map_or(0, Vec::len);
        println!(
            "mesh {} as host {host}  {}  {hosts} other host(s) known (`starlane status --mesh`)",
            v["mesh"]["mesh"].as_str().unwrap_or("?"),
            if v["mesh"]["connected"] == true {
                "connected"
            } else {
                "disconnected"
            }
        );
    }
    let mut all_ready = true;
    for m in v["mechtrons"].as_array().into_iter().flatten() {
        let state = m["state"].as_str().unwrap_or("?");
        all_ready &= state == "Ready";
        print!(
            "  {:<20} {:<26} {}",
            m["name"].as_str().unwrap_or("?"),
            m["address"].as_str().unwrap_or(""),
            state
        );
        if let Some(reason) = m["reason"].as_str() {
            print!(": {reason}");
        }
        println!();
    }
    Ok(if all_ready {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `starlane status --mesh`: this host, then every other host heard from.
fn print_mesh(mesh: &serde_json::Value) -> anyhow::Result<ExitCode> {
    let Some(me) = mesh["host"].as_str() else {
        eprintln!("this host is not in a mesh (start it with `starlane run --mesh URL`)");
        return Ok(ExitCode::from(1));
    };
    println!(
        "mesh {}  this host {me}  {}",
        mesh["mesh"].as_str().unwrap_or("?"),
        if mesh["connected"] == true {
            "connected"
        } else {
            "disconnected from NATS"
        }
    );
    for h in mesh["hosts"].as_array().into_iter().flatten() {
        println!(
            "  {:<20} {:<6} bundle {:<16} heard {} ms ago",
            h["host"].as_str().unwrap_or("?"),
            if h["gone"] == true { "gone" } else { "up" },
            h["bundle"].as_str().unwrap_or("?"),
            h["last_heartbeat_ms"]
        );
        for m in h["mechtrons"].as_array().into_iter().flatten() {
            println!(
                "      {:<20} {}",
                m[0].as_str().unwrap_or("?"),
                m[1].as_str().unwrap_or("?")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An error answer from the admin listener, printed as it came.
fn refused(body: &str) -> anyhow::Result<ExitCode> {
    let v: serde_json::Value =
        serde_json::from_str(body).unwrap_or(serde_json::Value::String(body.to_string()));
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&v).unwrap_or_else(|_| body.to_string())
    );
    Ok(ExitCode::from(1))
}

pub fn send(
    admin: &AdminClientArgs,
    message: &str,
    to: Option<&str>,
    path: Option<&str>,
    body: Option<String>,
    caller_token: Option<String>,
) -> anyhow::Result<ExitCode> {
    let caller = caller_token.or_else(|| {
        std::env::var("STARLANE_CALLER_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
    });
    let request = serde_json::json!({"to": to, "message": message, "path": path, "body": body});
    let (code, answer) = admin_request(
        admin,
        "POST",
        "/messages",
        Some((request.to_string().into_bytes(), "application/json")),
        caller,
    )?;
    let v: serde_json::Value =
        serde_json::from_str(&answer).unwrap_or(serde_json::Value::String(answer.clone()));
    if code == 200 {
        if let Some(b) = v["body"].as_str() {
            println!("{b}");
        } else {
            println!("{v}");
        }
        let status = v["status"].as_u64().unwrap_or(200);
        return Ok(if status < 400 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    refused(&answer)
}

/// `starlane deploy BUNDLE|DIR`: replaces the bundle a running host serves (`PUT /bundle`).
/// A directory is built first; `--sign KEY` signs what is sent.
pub fn deploy(
    admin: &AdminClientArgs,
    bundle: &std::path::Path,
    sign: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let mut bytes = if bundle.is_dir() {
        let Some((built, _)) = super::bundle_cmds::compile(bundle, None)? else {
            return Ok(ExitCode::from(1));
        };
        starlane_ir::encode(&built, starlane_compiler::bundle::PRODUCER)
    } else {
        std::fs::read(bundle).with_context(|| format!("cannot read {}", bundle.display()))?
    };
    if let Some(key) = sign {
        bytes = super::signing::sign_bytes(&bytes, key, None)?;
    }
    let (code, answer) = admin_request(
        admin,
        "PUT",
        "/bundle",
        Some((bytes, "application/octet-stream")),
        None,
    )?;
    if code != 200 {
        return refused(&answer);
    }
    let v: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
    println!(
        "deployed `{}` (sha256 {}): {} module(s) kept compiled, {} loaded",
        v["bundle"].as_str().unwrap_or("?"),
        v["sha256"].as_str().map_or("?", |h| &h[..h.len().min(16)]),
        v["modules_kept"],
        v["modules_loaded"]
    );
    Ok(ExitCode::SUCCESS)
}

/// `starlane logs`: the log lines of a running host (`GET /logs`), then new ones with
/// `--follow`; people's text, or the JSON lines with `--json`.
pub fn logs(
    admin: &AdminClientArgs,
    follow: bool,
    mechtron: Option<&str>,
    level: Option<&str>,
    since: Option<Duration>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut query = vec![format!("follow={follow}")];
    if let Some(m) = mechtron {
        query.push(format!("mechtron={}", encode(m)));
    }
    if let Some(l) = level {
        query.push(format!("level={}", encode(l)));
    }
    if let Some(s) = since {
        query.push(format!("since_ms={}", s.as_millis()));
    }
    let path = format!("/logs?{}", query.join("&"));
    let token = admin_token(admin)?;
    let address = admin.admin;
    use http_body_util::{BodyExt, Empty};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client: Client<_, Empty<bytes::Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let mut req = hyper::Request::builder()
            .method("GET")
            .uri(format!("http://{address}{path}"));
        if let Some(token) = &token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        let response = client
            .request(req.body(Empty::new())?)
            .await
            .with_context(|| format!("cannot reach the admin listener at {address} (is `starlane run --admin {address}` running?)"))?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        if status != 200 {
            let bytes = body.collect().await?.to_bytes();
            return refused(&String::from_utf8_lossy(&bytes));
        }
        let mut pending = Vec::new();
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame?.into_data() else { continue };
            pending.extend_from_slice(&data);
            while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
                let shown = if json { line } else { human_log_line(&line) };
                // A closed pipe (`| head`) ends the command quietly.
                if writeln!(out, "{shown}").and_then(|_| out.flush()).is_err() {
                    return Ok(ExitCode::SUCCESS);
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `18:40:42.007 INFO  hello/greet [3f2a…] message key=value …` from a JSON log line.
fn human_log_line(line: &str) -> String {
    let Ok(serde_json::Value::Object(mut v)) = serde_json::from_str(line) else {
        return line.to_string();
    };
    let mut take = |k: &str| {
        v.remove(k)
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .unwrap_or_default()
    };
    let time = take("timestamp");
    let time = time
        .split('T')
        .nth(1)
        .unwrap_or(&time)
        .trim_end_matches('Z')
        .to_string();
    let level = take("level");
    let message = take("message");
    let (mechtron, port, request) = (take("mechtron"), take("port"), take("request_id"));
    take("target");
    let mut s = format!("{time} {level:<5}");
    if !mechtron.is_empty() {
        s.push_str(&format!(" {mechtron}"));
        if !port.is_empty() {
            s.push_str(&format!("/{port}"));
        }
    }
    if !request.is_empty() {
        s.push_str(&format!(" [{request}]"));
    }
    s.push_str(&format!(" {message}"));
    for (k, x) in v {
        let x = x.as_str().map_or_else(|| x.to_string(), str::to_string);
        if !x.is_empty() {
            s.push_str(&format!(" {k}={x}"));
        }
    }
    s
}

pub fn hash_password(token: bool) -> anyhow::Result<ExitCode> {
    let mut secret = String::new();
    std::io::stdin().read_line(&mut secret)?;
    let secret = secret.trim_end_matches(['\n', '\r']);
    if secret.is_empty() {
        bail!("read an empty secret from standard input");
    }
    if token {
        println!("{}", starlane_runtime::auth::token_digest(secret));
    } else {
        println!(
            "{}",
            starlane_runtime::auth::hash_password(secret).map_err(anyhow::Error::msg)?
        );
    }
    Ok(ExitCode::SUCCESS)
}
