//! `starlane build`: a bundle directory → a checked IR bundle.
//!
//! Layout: `*.bind` files, `wasm/*.wasm` modules, `schema/*.json` schemas, any other file is a
//! static file a route may serve, and one App document (`*.app`) per mechtron as the manifest
//! (`+wasm.src`, `+mechtron.name`, `+bind`, and `+http=true` on the one that receives HTTP when
//! there are several). Paths are bundle-relative with `/`; everything is sorted, so the same
//! inputs always give the same bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use starlane_ir::{Bundle, Mechtron, Module, SchemaDoc, Source, StaticFile, Stop};
use starlane_lang::settings::Settings;
use starlane_lang::{Diagnostic, Severity, SyntaxKind::*};

use crate::{codes, guest_module, lower, schema};

/// The producer recorded in bundle headers.
pub const PRODUCER: &str = concat!("starlane ", env!("CARGO_PKG_VERSION"));

/// Diagnostics of one input file, with its text for rendering (empty for binary files).
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: String,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug)]
pub struct BuildOutput {
    /// `None` when there were errors.
    pub bundle: Option<Bundle>,
    pub reports: Vec<FileReport>,
}

impl BuildOutput {
    pub fn has_errors(&self) -> bool {
        self.reports
            .iter()
            .flat_map(|r| &r.diagnostics)
            .any(|d| d.severity == Severity::Error)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// `tests/NAME.toml`: a `starlane test` file (`specs/testing.md`), not part of what is served.
fn is_test_file(rel: &str) -> bool {
    rel.strip_prefix("tests/")
        .is_some_and(|name| !name.contains('/') && name.ends_with(".toml"))
}

/// Reads every file below `dir` (sorted, bundle-relative), skipping hidden entries, test files
/// and `skip`.
fn read_tree(dir: &Path, skip: Option<&Path>) -> Result<BTreeMap<String, Vec<u8>>, BuildError> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    let skip = skip.and_then(|s| s.canonicalize().ok());
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|source| BuildError::Io {
            path: d.clone(),
            source,
        })?;
        for entry in entries {
            let path = entry
                .map_err(|source| BuildError::Io {
                    path: d.clone(),
                    source,
                })?
                .path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if skip
                .as_ref()
                .is_some_and(|s| path.canonicalize().ok().as_ref() == Some(s))
                || name.ends_with(".bundle")
            {
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if is_test_file(&rel) {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|source| BuildError::Io {
                path: path.clone(),
                source,
            })?;
            out.insert(rel, bytes);
        }
    }
    Ok(out)
}

/// Builds the bundle in `dir`. `output` (if inside `dir`) is not read as an input. The phases,
/// in order: each bind checked and lowered once; schemas registered and renumbered; modules
/// verified; manifests read into mechtrons and the HTTP bind chosen; the rest kept as static files.
pub fn build(
    dir: &Path,
    output: Option<&Path>,
    settings: &Settings,
    mut progress: impl FnMut(&str),
) -> Result<BuildOutput, BuildError> {
    let files = read_tree(dir, output)?;
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_else(|| "app".into());
    let mut build = Build {
        files: &files,
        settings,
        bundle: Bundle {
            name,
            ..Default::default()
        },
        reports: Vec::new(),
        cx: lower::LowerCx::default(),
        bind_paths: Vec::new(),
    };
    build.check_and_lower_binds(&mut progress);
    build.register_schemas();
    let modules = build.verify_modules(&mut progress);
    build.read_manifests(&modules);
    build.keep_static_files();
    Ok(build.finish())
}

/// A build in progress: the inputs, the bundle so far, and every file's diagnostics.
struct Build<'a> {
    files: &'a BTreeMap<String, Vec<u8>>,
    settings: &'a Settings,
    bundle: Bundle,
    reports: Vec<FileReport>,
    cx: lower::LowerCx,
    /// The `.bind` paths, in the order of `bundle.binds`.
    bind_paths: Vec<String>,
}

impl Build<'_> {
    /// Every `.bind`: checked, lowered into the shared arena, and its `${doc.bundle}` files
    /// looked up.
    fn check_and_lower_binds(&mut self, progress: &mut impl FnMut(&str)) {
        let files = self.files;
        for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".bind")) {
            progress(path);
            let (text, mut diags) = starlane_lang::source::decode(bytes);
            let source = self.bundle.sources.len() as u32;
            let (_, checked, bind) = crate::check_into(&text, self.settings, &mut self.cx, source);
            diags.extend(checked);
            self.bundle.sources.push(Source {
                path: path.clone(),
                line_starts: line_starts(&text),
            });
            diags.extend(missing_bundle_files(&bind, &text, files));
            // Needs the bundle's files, so a build lint rather than a check one.
            let mut exposed = crate::lints::apply_levels(
                crate::file_exposure::check(&bind, files),
                &text,
                self.settings,
            );
            crate::lints::deny_warnings(&mut exposed, self.settings);
            diags.extend(exposed);
            self.bundle.binds.push(bind);
            self.bind_paths.push(path.clone());
            self.reports.push(FileReport {
                path: path.clone(),
                text,
                diagnostics: diags,
            });
        }
    }

    /// Schemas: every referenced one must exist; all `schema/*.json` are registered, indexed in
    /// path order, and the binds' and patterns' references renumbered to that order.
    fn register_schemas(&mut self) {
        let mut schema_docs: BTreeMap<String, String> = self
            .files
            .iter()
            .filter(|(p, _)| p.starts_with("schema/") && p.ends_with(".json"))
            .map(|(p, b)| (p.clone(), String::from_utf8_lossy(b).into_owned()))
            .collect();
        for (path, index) in self.cx.schema_paths.iter() {
            if !self.files.contains_key(path) {
                let (bind_index, span) = find_schema_decl(&self.bundle, *index);
                if let Some(report) = self.reports.get_mut(bind_index) {
                    report.diagnostics.push(
                        Diagnostic::new(
                            codes::MISSING_FILE,
                            span,
                            format!("schema file `{path}` is not in the bundle"),
                        )
                        .label("no such file")
                        .note("schema paths are relative to the bundle root"),
                    );
                }
                schema_docs
                    .entry(path.clone())
                    .or_insert_with(|| "{}".into());
            }
        }
        let docs: Vec<(String, String)> = schema_docs
            .iter()
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect();
        for problem in schema::check_all(&docs) {
            let text = schema_docs.get(&problem.path).cloned().unwrap_or_default();
            self.reports.push(FileReport {
                path: problem.path.clone(),
                diagnostics: vec![
                    Diagnostic::new(
                        codes::INVALID_SCHEMA,
                        problem.offset..problem.offset,
                        format!("invalid schema `{}`: {}", problem.path, problem.message),
                    )
                    .label("here"),
                ],
                text,
            });
        }
        // Index schemas in path order, then remap the binds' references.
        let order: Vec<String> = schema_docs.keys().cloned().collect();
        let mut remap = vec![0u32; self.cx.schema_paths.len()];
        for (path, old) in &self.cx.schema_paths {
            remap[*old as usize] = order.iter().position(|p| p == path).unwrap_or(0) as u32;
        }
        for bind in &mut self.bundle.binds {
            for s in &mut bind.schemas {
                s.schema = remap[s.schema as usize];
            }
        }
        for p in &mut self.cx.patterns {
            for v in &mut p.validators {
                if let starlane_ir::Validator::Schema(s) = v {
                    *s = remap[*s as usize];
                }
            }
        }
        self.bundle.schemas = schema_docs
            .into_iter()
            .map(|(path, json)| SchemaDoc { path, json })
            .collect();
        self.bundle.patterns = std::mem::take(&mut self.cx.patterns);
    }

    /// Modules: each `.wasm` verified against the guest ABI; its index by path.
    fn verify_modules(&mut self, progress: &mut impl FnMut(&str)) -> BTreeMap<String, u32> {
        let files = self.files;
        let mut module_index: BTreeMap<String, u32> = BTreeMap::new();
        for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".wasm")) {
            progress(path);
            self.reports.extend(abi_problems(path, bytes));
            module_index.insert(path.clone(), self.bundle.modules.len() as u32);
            self.bundle.modules.push(Module {
                path: path.clone(),
                sha256: Sha256::digest(bytes).into(),
                bytes: bytes.clone(),
            });
        }
        module_index
    }

    /// Manifests: each App document becomes a mechtron (name, module, bind); then the bind
    /// that receives HTTP is chosen.
    fn read_manifests(&mut self, module_index: &BTreeMap<String, u32>) {
        let mut module_index = module_index.clone();
        let files = self.files;
        let mut http_marked = Vec::new();
        // An App that says `+http=false`: its mechtron never receives HTTP, not even as the
        // bundle's only one (a worker of a mesh, whose requests enter through another host).
        let mut http_refused = false;
        // Each mechtron's App document: its report's index and where to point (its `+http`
        // value, else the document's first line), so a problem of the manifest as a whole is
        // shown on the documents concerned.
        let mut apps: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
        for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".app")) {
            let (text, _) = starlane_lang::source::decode(bytes);
            let checked = crate::check_document(&text, self.settings);
            let mut diags = checked.diagnostics;
            let props = app_props(&text, &checked.parse.syntax());
            let name = props
                .get("mechtron.name")
                .or(props.get("wasm.name"))
                .map(|(v, _)| v.clone());
            let wasm = props
                .get("wasm.src")
                .map(|(v, s)| (bundle_path(v), s.clone()));
            let bind = props.get("bind").map(|(v, s)| (bundle_path(v), s.clone()));
            let mut module = None;
            if let Some((wasm_path, span)) = &wasm {
                match module_index.get(wasm_path) {
                    Some(i) => module = Some(*i),
                    // A `.wat` is compiled the first time an App names it; a text that does not
                    // assemble is reported on its own file.
                    None if wasm_path.ends_with(".wat") && files.contains_key(wasm_path) => {
                        module = self.compile_wat(wasm_path);
                        if let Some(i) = module {
                            module_index.insert(wasm_path.clone(), i);
                        }
                    }
                    None => diags.push(
                        Diagnostic::new(
                            codes::MISSING_FILE,
                            span.clone(),
                            format!("`{wasm_path}` is not in the bundle"),
                        )
                        .label("no such module"),
                    ),
                }
            }
            let bind_index = match &bind {
                Some((bind_path, span)) => {
                    match self.bind_paths.iter().position(|p| p == bind_path) {
                        Some(i) => Some(i as u32),
                        None => {
                            diags.push(
                                Diagnostic::new(
                                    codes::MISSING_FILE,
                                    span.clone(),
                                    format!("`{bind_path}` is not in the bundle"),
                                )
                                .label("no such bind"),
                            );
                            None
                        }
                    }
                }
                None => {
                    diags.push(
                        Diagnostic::new(
                            codes::INVALID_MANIFEST,
                            0..0,
                            "the App document names no `bind`",
                        )
                        .label("add `+bind=${self.config.bundle}:/bind/app.bind`"),
                    );
                    None
                }
            };
            if let (Some(name), Some(bind)) = (name.clone(), bind_index) {
                http_refused |= props.get("http").is_some_and(|(v, _)| v == "false");
                if props.get("http").is_some_and(|(v, _)| v == "true") {
                    http_marked.push(self.bundle.mechtrons.len());
                }
                let at = props.get("http").map_or_else(
                    || 0..text.lines().next().map_or(0, str::len),
                    |(_, span)| span.clone(),
                );
                apps.push((self.reports.len(), at));
                self.bundle.mechtrons.push(Mechtron { name, module, bind });
            } else if name.is_none() {
                diags.push(
                    Diagnostic::new(
                        codes::INVALID_MANIFEST,
                        0..0,
                        "the App document names no mechtron",
                    )
                    .label("add `+mechtron.name=NAME`"),
                );
            }
            self.reports.push(FileReport {
                path: path.clone(),
                text,
                diagnostics: diags,
            });
        }
        self.bundle.http_bind = match (
            http_marked.as_slice(),
            self.bundle.mechtrons.len(),
            self.bundle.binds.len(),
        ) {
            ([one], _, _) => Some(self.bundle.mechtrons[*one].bind),
            ([], 1, _) if !http_refused => Some(self.bundle.mechtrons[0].bind),
            ([], 1, _) => None,
            ([], 0, 1) => Some(0),
            ([], 0, 0) => {
                self.reports.push(manifest_problem(
                    "the bundle has no `.bind` file",
                    "nothing to build",
                ));
                None
            }
            (marked, _, _) => {
                // Shown on each App document concerned: the marked ones, or (none marked) all.
                let (message, label, concerned): (&str, &str, Vec<usize>) = if marked.len() > 1 {
                    (
                        "more than one App document is marked `+http=true`",
                        "marked here",
                        marked.to_vec(),
                    )
                } else {
                    (
                        "several binds, and none is marked to receive HTTP",
                        "not marked",
                        (0..apps.len()).collect(),
                    )
                };
                for mechtron in concerned {
                    let Some((report, at)) = apps.get(mechtron).cloned() else {
                        continue;
                    };
                    self.reports[report].diagnostics.push(
                        Diagnostic::new(codes::INVALID_MANIFEST, at, message)
                            .label(label)
                            .help("mark exactly one App document `+http=true`"),
                    );
                }
                if apps.is_empty() {
                    self.reports.push(manifest_problem(
                        message,
                        "mark exactly one App document `+http=true`",
                    ));
                }
                None
            }
        };
    }

    /// A `.wat` guest named by a manifest: compiled to wasm (the `wat` crate), verified like a
    /// `.wasm` one, and added under its own path. `None` (and a diagnostic) when it does not.
    fn compile_wat(&mut self, path: &str) -> Option<u32> {
        let source = self.files.get(path)?;
        let bytes = match wat::parse_bytes(source) {
            Ok(bytes) => bytes.into_owned(),
            Err(mut err) => {
                let text = String::from_utf8_lossy(source).into_owned();
                err.set_path(path);
                self.reports.push(FileReport {
                    path: path.to_string(),
                    text,
                    diagnostics: vec![
                        Diagnostic::new(
                            codes::INVALID_WASM,
                            0..0,
                            format!("`{path}` does not compile to wasm"),
                        )
                        .label("not valid WebAssembly text")
                        .note(err.to_string()),
                    ],
                });
                return None;
            }
        };
        self.reports.extend(abi_problems(path, &bytes));
        let index = self.bundle.modules.len() as u32;
        self.bundle.modules.push(Module {
            path: path.to_string(),
            sha256: Sha256::digest(&bytes).into(),
            bytes,
        });
        Some(index)
    }

    /// Static files: everything that is not a bind, manifest, module, schema or project setting.
    fn keep_static_files(&mut self) {
        for (path, bytes) in self.files {
            let special = path.ends_with(".bind")
                || path.ends_with(".app")
                || path.ends_with(".wasm")
                || (path.starts_with("schema/") && path.ends_with(".json"))
                || path == "starlane.toml";
            if !special {
                self.bundle.files.push(StaticFile {
                    path: path.clone(),
                    content_type: content_type(path).into(),
                    bytes: bytes.clone(),
                });
            }
        }
    }

    /// Diagnostics sorted per file and files by path; no bundle when there was an error.
    fn finish(mut self) -> BuildOutput {
        for r in &mut self.reports {
            starlane_lang::diagnostic::sort(&mut r.diagnostics);
        }
        self.reports.sort_by(|a, b| a.path.cmp(&b.path));
        let mut out = BuildOutput {
            bundle: Some(self.bundle),
            reports: self.reports,
        };
        if out.has_errors() {
            out.bundle = None;
        }
        out
    }
}

/// Every way a module breaks the guest ABI, as one report on it (`None` when it follows it).
fn abi_problems(path: &str, bytes: &[u8]) -> Option<FileReport> {
    let problems = guest_module::verify(bytes);
    let first = problems.first()?;
    let mut d = Diagnostic::new(
        codes::INVALID_WASM,
        0..0,
        format!("`{path}` is not a valid guest module"),
    )
    .label(first.clone());
    for p in &problems {
        d = d.note(p.clone());
    }
    Some(FileReport {
        path: path.to_string(),
        text: String::new(),
        diagnostics: vec![d],
    })
}

/// A problem with the bundle as a whole (no single file to point into).
fn manifest_problem(message: &str, label: &str) -> FileReport {
    FileReport {
        path: ".".into(),
        text: String::new(),
        diagnostics: vec![Diagnostic::new(codes::INVALID_MANIFEST, 0..0, message).label(label)],
    }
}

fn line_starts(text: &str) -> Vec<u32> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i as u32 + 1))
        .collect()
}

/// The first declaration of the schema with (pre-remap) index `index`: (bind, span).
fn find_schema_decl(bundle: &Bundle, index: u32) -> (usize, std::ops::Range<usize>) {
    for (i, bind) in bundle.binds.iter().enumerate() {
        if let Some(s) = bind.schemas.iter().find(|s| s.schema == index) {
            return (i, s.span.start as usize..s.span.end as usize);
        }
    }
    (0, 0..0)
}

/// `${doc.bundle}:/html/index.html` stops must name files that exist (when no variable is in them).
fn missing_bundle_files(
    bind: &starlane_ir::Bind,
    _text: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for route in &bind.routes {
        for seg in &route.segments {
            if let Stop::Point(p) = &seg.stop
                && let Some(rest) = p.bundle_file()
                && let Some(file) = rest.as_text().and_then(|t| t.strip_prefix(":/"))
                && !files.contains_key(file)
            {
                out.push(
                    Diagnostic::new(
                        codes::MISSING_FILE,
                        seg.span.start as usize..seg.span.end as usize,
                        format!("`{file}` is not in the bundle"),
                    )
                    .label("no such file")
                    .note("`${doc.bundle}:/…` names a file relative to the bundle root"),
                );
            }
        }
    }
    out
}

/// `Set` properties of an App document: key → (value, span of the value).
fn app_props(
    text: &str,
    root: &starlane_lang::SyntaxNode,
) -> BTreeMap<String, (String, std::ops::Range<usize>)> {
    let mut out = BTreeMap::new();
    for prop in root.descendants().filter(|n| n.kind() == APP_PROP) {
        let key = prop
            .children()
            .find(|n| n.kind() == APP_KEY)
            .map(|n| lower::span_of(&n));
        let value = prop
            .children()
            .find(|n| n.kind() == APP_VALUE)
            .map(|n| lower::span_of(&n));
        if let (Some(k), Some(v)) = (key, value) {
            out.insert(
                text[k].to_string(),
                (text[v.clone()].trim_matches('"').to_string(), v),
            );
        }
    }
    out
}

/// `${self.config.bundle}:/wasm/a.wasm` (or `$(…)`, `${doc.bundle}`) → `wasm/a.wasm`.
fn bundle_path(value: &str) -> String {
    let rest = value.split_once(":/").map_or(value, |(_, r)| r);
    lower::normalise_path(rest)
}

fn content_type(path: &str) -> &'static str {
    match path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("pdf") => "application/pdf",
        Some("wasm") => "application/wasm",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}
