//! Private, throwaway Docker daemons and a registry for the live tests.
//!
//! Two daemons, each an [`Engine`]: Debian bookworm's dockerd 20.10 (API 1.12
//! to 1.41, installed with apt) and Debian sid's dockerd 28.5 (API 1.24 to
//! 1.51, fetched once into a cache directory, see [`sid_binaries`]). Each
//! lives under a temporary directory of its own: data and exec roots, socket,
//! pidfile, certificates and log. The registry has its own directory too.
//! [`TestDaemon`] and [`TestRegistry`] stop their processes and remove their
//! directories when dropped, so a failing test run cleans up too.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The registry's address; only loopback, as the tests must never reach out.
pub const REGISTRY_ADDR: &str = "127.0.0.1:5000";
pub const REGISTRY_USER: &str = "drapi";
pub const REGISTRY_PASSWORD: &str = "drapi-secret";

/// The packages the live tests need, by the command each provides.
const PACKAGES: [(&str, &str); 9] = [
    ("/usr/sbin/dockerd", "docker.io"),
    // dockerd 28.5 runs with bookworm's runc: sid's needs a newer glibc.
    ("/usr/sbin/runc", "runc"),
    // For fetching sid's dockerd and containerd (`apt-get download` checks signatures).
    (
        "/usr/share/keyrings/debian-archive-keyring.gpg",
        "debian-archive-keyring",
    ),
    ("/usr/bin/docker-registry", "docker-registry"),
    ("/usr/bin/htpasswd", "apache2-utils"),
    ("/bin/busybox", "busybox-static"),
    // The plugin fixture's listener is linked statically: gcc and libc.a.
    ("/usr/bin/gcc", "gcc"),
    ("/usr/include/stdio.h", "libc6-dev"),
    // Raw probes of what the typed client cannot send (an Upgrade header on logs).
    ("/usr/bin/curl", "curl"),
];

/// A Docker Engine the live tests run against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Debian bookworm's `docker.io`: dockerd 20.10, API 1.12 to 1.41.
    Docker20,
    /// Debian sid's `docker.io`: dockerd 28.5, API 1.24 to 1.51.
    Docker28,
}

impl Engine {
    pub const ALL: [Engine; 2] = [Engine::Docker20, Engine::Docker28];

    /// The name `cargo xtask test --daemon` takes and the tests see in
    /// `DRAPI_TEST_DAEMON`.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Docker20 => "20.10",
            Engine::Docker28 => "28.5",
        }
    }

    pub fn from_name(name: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The API versions the live suite runs at against this daemon: v1.24,
    /// where the spec began, and the newest the daemon speaks; for 28.5 also
    /// v1.44, the oldest Docker Engine 29 still accepts.
    pub fn passes(self) -> &'static [&'static str] {
        match self {
            Engine::Docker20 => &["1.24", "1.41"],
            Engine::Docker28 => &["1.24", "1.44", "1.51"],
        }
    }

    /// The newest API version the daemon speaks.
    pub fn newest_api(self) -> &'static str {
        match self {
            Engine::Docker20 => "1.41",
            Engine::Docker28 => "1.51",
        }
    }

    /// The daemon also listens here with TLS and client certificates (`--tlsverify`).
    fn tls_port(self) -> u16 {
        match self {
            Engine::Docker20 => 23760,
            Engine::Docker28 => 23761,
        }
    }

    /// Where the swarm tests ask the daemon to listen: loopback, one port per
    /// daemon so the two can hold a swarm at the same time.
    fn swarm_addr(self) -> &'static str {
        match self {
            Engine::Docker20 => "127.0.0.1:2377",
            Engine::Docker28 => "127.0.0.1:2378",
        }
    }
}

/// Where sid's binaries are kept between runs (`DRAPI_DOCKERD_CACHE` overrides).
fn sid_cache() -> PathBuf {
    std::env::var_os("DRAPI_DOCKERD_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/docker-remote-api/sid"))
}

/// The extracted root of Debian sid's `docker.io` and `containerd` packages
/// (dockerd 28.5, containerd 2): fetched on first use with `apt-get download`
/// through a private sources list and lists directory (the machine's own apt
/// configuration and caches stay untouched), unpacked with `dpkg-deb -x`, and
/// kept under [`sid_cache`]. The directory only appears once complete, so an
/// interrupted fetch is simply done again.
pub fn sid_binaries() -> Result<PathBuf, String> {
    let cache = sid_cache();
    let root = cache.join("root");
    if root.join("usr/sbin/dockerd").exists() {
        return Ok(root);
    }
    if !is_root() {
        return Err("fetching dockerd 28.5 needs root; run `cargo xtask test` as root".into());
    }
    println!(
        "xtask: fetching Debian sid's docker.io and containerd into {}",
        cache.display()
    );
    let staging = cache.with_extension("partial");
    let _ = fs::remove_dir_all(&staging);
    let lists = staging.join("lists");
    let debs = staging.join("debs");
    let unpacked = staging.join("root");
    for dir in [lists.join("partial"), debs.clone(), unpacked.clone()] {
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let sources = staging.join("sources.list");
    fs::write(
        &sources,
        format!(
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {} sid main\n",
            debian_mirror()
        ),
    )
    .map_err(|e| e.to_string())?;
    let private = [
        format!("Dir::Etc::SourceList={}", sources.display()),
        "Dir::Etc::SourceParts=/dev/null".to_string(),
        format!("Dir::State::Lists={}", lists.display()),
        // No binary caches written next to the machine's own.
        "Dir::Cache::pkgcache=".to_string(),
        "Dir::Cache::srcpkgcache=".to_string(),
        // Downloads land in a root-owned directory.
        "APT::Sandbox::User=root".to_string(),
    ];
    let apt = |args: &[&str]| -> Result<(), String> {
        let mut command = Command::new("apt-get");
        for option in &private {
            command.arg("-o").arg(option);
        }
        let out = command
            .args(args)
            .current_dir(&debs)
            .output()
            .map_err(|e| format!("apt-get: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "apt-get {} (sid, private lists) failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    apt(&["update", "-q"])?;
    apt(&["download", "-q", "docker.io", "containerd"])?;
    for entry in fs::read_dir(&debs).map_err(|e| e.to_string())? {
        let deb = entry.map_err(|e| e.to_string())?.path();
        let status = Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(&unpacked)
            .status()
            .map_err(|e| format!("dpkg-deb: {e}"))?;
        if !status.success() {
            return Err(format!("dpkg-deb -x {} failed", deb.display()));
        }
    }
    if !unpacked.join("usr/sbin/dockerd").exists() {
        return Err("sid's docker.io package holds no usr/sbin/dockerd".into());
    }
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    fs::rename(&unpacked, &root).map_err(|e| format!("{}: {e}", root.display()))?;
    let _ = fs::remove_dir_all(&staging);
    Ok(root)
}

/// The Debian mirror the machine already uses (from its deb822 or one-line
/// sources), so the sid fetch goes where apt goes anyway.
fn debian_mirror() -> String {
    let files = [
        "/etc/apt/sources.list.d/debian.sources",
        "/etc/apt/sources.list",
    ];
    for file in files {
        let Ok(text) = fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines() {
            let line = line.trim();
            let url = line.strip_prefix("URIs:").map(str::trim).or_else(|| {
                line.strip_prefix("deb ")
                    .and_then(|rest| rest.split_whitespace().find(|w| w.starts_with("http")))
            });
            if let Some(url) = url.and_then(|u| u.split_whitespace().next()) {
                if url.ends_with("/debian") || url.ends_with("/debian/") {
                    return url.trim_end_matches('/').to_string();
                }
            }
        }
    }
    "http://deb.debian.org/debian".to_string()
}

/// A private dockerd of one [`Engine`].
pub struct TestDaemon {
    pub engine: Engine,
    pub dir: PathBuf,
    pub socket: PathBuf,
    dockerd: Option<Child>,
}

/// The private registry every daemon pushes to and pulls from.
pub struct TestRegistry {
    dir: PathBuf,
    registry: Option<Child>,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs missing packages with apt when running as root.
pub fn ensure_packages() -> Result<(), String> {
    let missing: Vec<&str> = PACKAGES
        .iter()
        .filter(|(cmd, _)| !Path::new(cmd).exists())
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(format!(
            "the live tests need these Debian packages: {} (install them, or run as root)",
            missing.join(" ")
        ));
    }
    println!("xtask: installing {}", missing.join(" "));
    let env = [("DEBIAN_FRONTEND", "noninteractive")];
    let update = Command::new("apt-get")
        .arg("update")
        .envs(env)
        .status()
        .map_err(|e| e.to_string())?;
    if !update.success() {
        return Err("apt-get update failed".into());
    }
    let install = Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&missing)
        .envs(env)
        .status()
        .map_err(|e| e.to_string())?;
    if !install.success() {
        return Err(format!("apt-get install {} failed", missing.join(" ")));
    }
    Ok(())
}

fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "{what} did not come up within {}s",
        timeout.as_secs()
    ))
}

/// A bare HTTP GET on the unix socket, enough to see the daemon answer.
fn ping(socket: &Path) -> bool {
    let Ok(mut stream) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}

/// A new directory under the system's temporary directory.
fn private_dir(what: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("drapi-{what}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

impl TestDaemon {
    /// Starts the dockerd of `engine` under a new temporary directory.
    pub fn start(engine: Engine) -> Result<TestDaemon, String> {
        ensure_packages()?;
        if !is_root() {
            return Err("dockerd needs root; run `cargo xtask test` as root".into());
        }
        let dir = private_dir(&format!("dockerd-{}", engine.name()))?;
        let mut daemon = TestDaemon {
            engine,
            socket: dir.join("docker.sock"),
            dir,
            dockerd: None,
        };
        daemon.start_dockerd()?;
        Ok(daemon)
    }

    /// A CA, a server certificate for localhost/127.0.0.1 and a client
    /// certificate, in `DOCKER_CERT_PATH` layout (`ca.pem`, `cert.pem`, `key.pem`).
    fn make_certificates(&self) -> Result<(), String> {
        let certs = self.dir.join("certs");
        fs::create_dir_all(&certs).map_err(|e| e.to_string())?;
        fs::write(
            certs.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )
        .map_err(|e| e.to_string())?;
        fs::write(certs.join("client.ext"), "extendedKeyUsage=clientAuth\n")
            .map_err(|e| e.to_string())?;
        let steps: [&[&str]; 6] = [
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=drapi test CA",
                "-keyout",
                "ca-key.pem",
                "-out",
                "ca.pem",
            ],
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                "server-key.pem",
                "-out",
                "server.csr",
            ],
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "server.ext",
                "-out",
                "server-cert.pem",
            ],
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=drapi client",
                "-keyout",
                "key.pem",
                "-out",
                "client.csr",
            ],
            &[
                "x509",
                "-req",
                "-in",
                "client.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "client.ext",
                "-out",
                "cert.pem",
            ],
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=someone else",
                "-keyout",
                "other-ca-key.pem",
                "-out",
                "other-ca.pem",
            ],
        ];
        for args in steps {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(&certs)
                .output()
                .map_err(|e| format!("openssl: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "openssl {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        Ok(())
    }

    fn start_dockerd(&mut self) -> Result<(), String> {
        self.make_certificates()?;
        let d = &self.dir;
        let certs = d.join("certs");
        let log = fs::File::create(d.join("dockerd.log")).map_err(|e| e.to_string())?;
        let mut command = match self.engine {
            Engine::Docker20 => Command::new("dockerd"),
            Engine::Docker28 => {
                // Sid's dockerd finds sid's containerd, shim and docker-init
                // first on its PATH, and bookworm's runc after them.
                let root = sid_binaries()?;
                let path = format!(
                    "{}:{}:{}",
                    root.join("usr/bin").display(),
                    root.join("usr/sbin").display(),
                    std::env::var("PATH")
                        .unwrap_or_else(|_| "/usr/sbin:/usr/bin:/sbin:/bin".into())
                );
                // No `--insecure-registry`: like 20.10, dockerd 28.5 treats
                // 127.0.0.0/8 as insecure (`InsecureRegistryCIDRs`) and falls
                // back to http. A failed pull names the error of the first host
                // tried (https, "server gave HTTP response to HTTPS client"),
                // even when the http one refused the pull for its own reason.
                let mut command = Command::new(root.join("usr/sbin/dockerd"));
                command.env("PATH", path);
                command
            }
        };
        let child = command
            .arg("--data-root")
            .arg(d.join("data"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("--pidfile")
            .arg(d.join("dockerd.pid"))
            .arg("-H")
            .arg(format!("unix://{}", self.socket.display()))
            .args([
                "--storage-driver",
                "vfs",
                "--iptables=false",
                "--ip6tables=false",
                "--bridge=none",
            ])
            .arg("-H")
            .arg(format!("tcp://127.0.0.1:{}", self.engine.tls_port()))
            .arg("--tlsverify")
            .arg("--tlscacert")
            .arg(certs.join("ca.pem"))
            .arg("--tlscert")
            .arg(certs.join("server-cert.pem"))
            .arg("--tlskey")
            .arg(certs.join("server-key.pem"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start dockerd {}: {e}", self.engine.name()))?;
        self.dockerd = Some(child);
        let socket = self.socket.clone();
        wait_for(
            &format!("dockerd {}", self.engine.name()),
            Duration::from_secs(60),
            || ping(&socket),
        )
        .map_err(|e| format!("{e}; see {}", d.join("dockerd.log").display()))
    }

    /// The environment the live tests read.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "DRAPI_TEST_DOCKER_HOST".into(),
                format!("unix://{}", self.socket.display()),
            ),
            ("DRAPI_TEST_DAEMON".into(), self.engine.name().into()),
            ("DRAPI_TEST_REGISTRY".into(), REGISTRY_ADDR.into()),
            ("DRAPI_TEST_REGISTRY_USER".into(), REGISTRY_USER.into()),
            (
                "DRAPI_TEST_REGISTRY_PASSWORD".into(),
                REGISTRY_PASSWORD.into(),
            ),
            ("DRAPI_TEST_BUSYBOX".into(), "/bin/busybox".into()),
            ("DRAPI_TEST_DIR".into(), self.dir.display().to_string()),
            (
                "DRAPI_TEST_TLS_PORT".into(),
                self.engine.tls_port().to_string(),
            ),
            (
                "DRAPI_TEST_CERT_PATH".into(),
                self.dir.join("certs").display().to_string(),
            ),
            (
                "DRAPI_TEST_SWARM_ADDR".into(),
                self.engine.swarm_addr().into(),
            ),
        ]
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.dockerd.take() {
            // SIGTERM lets dockerd stop its containers and containerd.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(30) {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        // Anything still mounted below our directory (netns files, shm) would block removal.
        if let Ok(mounts) = fs::read_to_string("/proc/self/mounts") {
            let prefix = self.dir.display().to_string();
            let mut targets: Vec<&str> = mounts
                .lines()
                .filter_map(|l| l.split_whitespace().nth(1))
                .filter(|m| m.starts_with(&prefix))
                .collect();
            targets.sort_by_key(|t| std::cmp::Reverse(t.len()));
            for t in targets {
                let _ = Command::new("umount").arg("-l").arg(t).status();
            }
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        self.stop();
    }
}

impl TestRegistry {
    /// Starts Debian's docker-registry on [`REGISTRY_ADDR`] with htpasswd auth.
    pub fn start() -> Result<TestRegistry, String> {
        ensure_packages()?;
        let dir = private_dir("registry")?;
        let mut registry = TestRegistry {
            dir,
            registry: None,
        };
        registry.start_registry()?;
        Ok(registry)
    }

    fn start_registry(&mut self) -> Result<(), String> {
        let d = &self.dir;
        if TcpStream::connect(REGISTRY_ADDR).is_ok() {
            return Err(format!(
                "{REGISTRY_ADDR} is already taken; stop whatever listens there"
            ));
        }
        let htpasswd = Command::new("htpasswd")
            .args(["-Bbn", REGISTRY_USER, REGISTRY_PASSWORD])
            .output()
            .map_err(|e| format!("htpasswd: {e}"))?;
        fs::write(d.join("htpasswd"), &htpasswd.stdout).map_err(|e| e.to_string())?;
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {REGISTRY_ADDR}\nauth:\n  htpasswd:\n    realm: drapi-tests\n    path: {}\n",
            d.join("registry").display(),
            d.join("htpasswd").display()
        );
        fs::write(d.join("registry.yml"), config).map_err(|e| e.to_string())?;
        let log = fs::File::create(d.join("registry.log")).map_err(|e| e.to_string())?;
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(d.join("registry.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start docker-registry: {e}"))?;
        self.registry = Some(child);
        wait_for("docker-registry", Duration::from_secs(30), || {
            TcpStream::connect(REGISTRY_ADDR).is_ok()
        })
        .map_err(|e| format!("{e}; see {}", d.join("registry.log").display()))
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.registry.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.stop();
    }
}
