//! Signed bundles from the outside (`specs/ir.md` §5): `key new`, `build --sign`, `sign`,
//! `verify`, `inspect`, and `run --trust` refusing what it must — with the real binary.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{Server, binary, get, hello, scratch_dir, starlane_in};

fn key(dir: &Path, name: &str) -> String {
    let (code, out, err) = starlane_in(dir, &["key", "new", "-o", name]);
    assert_eq!(code, 0, "{err}");
    out.trim().to_string()
}

fn build(dir: &Path, output: &str, extra: &[&str]) {
    let hello = hello();
    let mut args = vec!["build", hello.to_str().unwrap(), "-o", output];
    args.extend_from_slice(extra);
    let (code, _, err) = starlane_in(dir, &args);
    assert_eq!(code, 0, "{err}");
}

/// `starlane run` that must refuse to start: its exit code and stderr.
fn refused(dir: &Path, bundle: &str, extra: &[&str]) -> (i32, String) {
    let mut child = Command::new(binary())
        .current_dir(dir)
        .args(["run", bundle, "--http", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "run started instead of refusing");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn key_new_writes_a_private_key_only_its_owner_reads_and_never_overwrites_one() {
    let dir = scratch_dir("sign-keys");
    let public = key(&dir, "ops.key");
    assert!(public.starts_with("ed25519:"), "{public}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("ops.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let pem = std::fs::read_to_string(dir.join("ops.key")).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
    assert_eq!(
        std::fs::read_to_string(dir.join("ops.key.pub"))
            .unwrap()
            .trim(),
        public
    );
    let (code, out, _) = starlane_in(&dir, &["key", "public", "ops.key"]);
    assert_eq!((code, out.trim()), (0, public.as_str()));
    let (code, _, err) = starlane_in(&dir, &["key", "new", "-o", "ops.key"]);
    assert_eq!(code, 2);
    assert!(err.contains("exists; pass --force"), "{err}");
    // A key others can read is refused, as ssh refuses one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.join("ops.key"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        build(&dir, "u.bundle", &[]);
        let (code, _, err) = starlane_in(&dir, &["sign", "u.bundle", "--key", "ops.key"]);
        assert_eq!(code, 2);
        assert!(err.contains("can be read by others"), "{err}");
    }
}

#[test]
fn build_sign_verify_and_inspect_show_the_signer_and_the_claims() {
    let dir = scratch_dir("sign-verify");
    let public = key(&dir, "release.key");
    key(&dir, "other.key");
    build(
        &dir,
        "app.bundle",
        &["--sign", "release.key", "--bundle-version", "1.4.0"],
    );
    let (code, out, err) = starlane_in(
        &dir,
        &["verify", "app.bundle", "--trust", "release.key.pub"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("signed by trusted key {public}")),
        "{out}"
    );
    assert!(out.contains("bundle `hello` version 1.4.0"), "{out}");
    assert!(
        out.contains("may: bind/profiles.bind: port save-profile: call ${hello}:**^Ext<Hello>"),
        "{out}"
    );
    let (code, out, _) = starlane_in(&dir, &["inspect", "app.bundle"]);
    assert_eq!(code, 0);
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("signed by {public}")),
        "{out}"
    );
    let (_, json, _) = starlane_in(&dir, &["inspect", "app.bundle", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["signature"]["key"], public.as_str());
    assert_eq!(v["signature"]["claims"]["version"], "1.4.0");
    // Another key: refused, exit 1, the signer named.
    let (code, _, err) = starlane_in(&dir, &["verify", "app.bundle", "--trust", "other.key.pub"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("signed by {public}, which is not a trusted key")),
        "{err}"
    );
    // Revoked wins over trusted.
    let (code, _, err) = starlane_in(
        &dir,
        &[
            "verify",
            "app.bundle",
            "--trust",
            &public,
            "--revoked",
            "release.key.pub",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("which is revoked"), "{err}");
    // An unsigned bundle, then signed in place by `sign`.
    build(&dir, "plain.bundle", &[]);
    let (_, out, _) = starlane_in(&dir, &["inspect", "plain.bundle"]);
    assert_eq!(out.lines().nth(1), Some("unsigned"));
    let (code, _, err) = starlane_in(&dir, &["verify", "plain.bundle", "--trust", &public]);
    assert_eq!(code, 1);
    assert!(err.contains("is not signed"), "{err}");
    let (code, _, err) = starlane_in(&dir, &["sign", "plain.bundle", "--key", "other.key"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = starlane_in(
        &dir,
        &[
            "verify",
            "plain.bundle",
            "--trust",
            "release.key.pub",
            "--trust",
            "other.key.pub",
        ],
    );
    assert_eq!(code, 0, "two trusted keys at once (rotation)");
}

#[test]
fn run_with_trust_serves_a_signed_bundle_and_refuses_unsigned_untrusted_and_tampered_ones() {
    let dir = scratch_dir("sign-run");
    let public = key(&dir, "release.key");
    key(&dir, "other.key");
    build(&dir, "signed.bundle", &["--sign", "release.key"]);
    build(&dir, "plain.bundle", &[]);
    build(&dir, "other.bundle", &["--sign", "other.key"]);

    let server = Server::start(&dir.join("signed.bundle"), &["--trust", &public]);
    assert_eq!(get(&server.url("/hello")).status, 200);
    assert!(
        server.logs().contains("signature verifies"),
        "{}",
        server.logs()
    );
    drop(server);

    let (code, err) = refused(&dir, "plain.bundle", &["--trust", "release.key.pub"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("the bundle is refused: the bundle is not signed"),
        "{err}"
    );
    let (_, err) = refused(&dir, "other.bundle", &["--trust", "release.key.pub"]);
    assert!(err.contains("which is not a trusted key"), "{err}");
    let (_, err) = refused(
        &dir,
        "signed.bundle",
        &["--trust", "release.key.pub", "--revoked", "release.key.pub"],
    );
    assert!(err.contains("which is revoked"), "{err}");
    // A byte of the signature block changed: refused with or without --trust.
    let mut bytes = std::fs::read(dir.join("signed.bundle")).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(dir.join("tampered.bundle"), &bytes).unwrap();
    let (_, err) = refused(&dir, "tampered.bundle", &[]);
    assert!(err.contains("does not verify"), "{err}");

    // `[run] trust` in the configuration, relative to it.
    std::fs::write(
        dir.join("starlane.toml"),
        "[run]\ntrust = [\"other.key.pub\"]\n",
    )
    .unwrap();
    let (_, err) = refused(&dir, "signed.bundle", &["--config", "starlane.toml"]);
    assert!(err.contains("which is not a trusted key"), "{err}");

    // Without --trust an unsigned bundle is served, with a warning.
    let server = Server::start(&dir.join("plain.bundle"), &[]);
    assert_eq!(get(&server.url("/hello")).status, 200);
    assert!(
        server.logs().contains("the bundle is not signed"),
        "{}",
        server.logs()
    );
}
