//! The families every Prometheus target is expected to have: `starlane_build_info` and the
//! standard `process_*` metrics (the names and meanings of the official client libraries'
//! process collectors), read from `/proc/self` at scrape time. Where `/proc` cannot be read
//! (not Linux, or a sandbox), the process families are left out rather than reported as zero.

use super::exposition::{Family, Value};

/// `starlane_build_info{version, ir_format} 1`.
pub fn build_info() -> Family {
    Family::gauge(
        "starlane_build_info",
        "Always 1: the version of the running starlane and the bundle format it reads.",
    )
    .sample(
        &[
            ("version", env!("CARGO_PKG_VERSION")),
            ("ir_format", &starlane_ir::FORMAT_VERSION.to_string()),
        ],
        Value::Level(1),
    )
}

/// `process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_virtual_memory_bytes`,
/// `process_open_fds`, `process_max_fds` and `process_start_time_seconds`.
pub fn families() -> Vec<Family> {
    let mut out = Vec::new();
    let ticks = clock_ticks_per_second();
    if let Some(stat) = read_stat() {
        out.push(
            Family::counter(
                "process_cpu_seconds",
                "Total user and system CPU time spent in seconds.",
            )
            .sample(
                &[],
                Value::Seconds((stat.utime + stat.stime) as f64 / ticks),
            ),
        );
        out.push(
            Family::gauge(
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
            )
            .sample(&[], Value::Level(stat.vsize as i64)),
        );
        out.push(
            Family::gauge(
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
            )
            .sample(&[], Value::Level(stat.rss_pages as i64 * page_size())),
        );
        if let Some(boot) = boot_time() {
            out.push(
                Family::gauge(
                    "process_start_time_seconds",
                    "Start time of the process since unix epoch in seconds.",
                )
                .sample(
                    &[],
                    Value::Level(boot + (stat.start_ticks as f64 / ticks) as i64),
                ),
            );
        }
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        out.push(
            Family::gauge("process_open_fds", "Number of open file descriptors.")
                .sample(&[], Value::Level(fds.count() as i64)),
        );
    }
    if let Some(max) = max_fds() {
        out.push(
            Family::gauge(
                "process_max_fds",
                "Maximum number of open file descriptors.",
            )
            .sample(&[], Value::Level(max)),
        );
    }
    out
}

struct Stat {
    utime: u64,
    stime: u64,
    start_ticks: u64,
    vsize: u64,
    rss_pages: u64,
}

/// `/proc/self/stat`: the fields after the command name (which may contain spaces and
/// parentheses, so the line is split after its last `)`).
fn read_stat() -> Option<Stat> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): field N is fields[N - 3].
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    Some(Stat {
        utime: field(14)?,
        stime: field(15)?,
        start_ticks: field(22)?,
        vsize: field(23)?,
        rss_pages: field(24)?,
    })
}

fn boot_time() -> Option<i64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf reads a constant of the system; it has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

fn page_size() -> i64 {
    // SAFETY: as above.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if size > 0 { size as i64 } else { 4096 }
}

fn max_fds() -> Option<i64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own and pass by pointer.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur as i64)
}
