//! A private, throwaway Docker daemon and registry for the live tests.
//!
//! Everything lives under one temporary directory: dockerd's data and exec
//! roots, its socket and pidfile, the registry's storage, its htpasswd file
//! and the logs. [`TestDaemon`] stops both processes and removes the
//! directory when dropped, so a failing test run cleans up too.

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
/// The daemon also listens here with TLS and client certificates (`--tlsverify`).
pub const TLS_PORT: u16 = 23760;

/// The packages the live tests need, by the command each provides.
const PACKAGES: [(&str, &str); 7] = [
    ("/usr/sbin/dockerd", "docker.io"),
    ("/usr/bin/docker-registry", "docker-registry"),
    ("/usr/bin/htpasswd", "apache2-utils"),
    ("/bin/busybox", "busybox-static"),
    // The plugin fixture's listener is linked statically: gcc and libc.a.
    ("/usr/bin/gcc", "gcc"),
    ("/usr/include/stdio.h", "libc6-dev"),
    // Raw probes of what the typed client cannot send (an Upgrade header on logs).
    ("/usr/bin/curl", "curl"),
];

pub struct TestDaemon {
    pub dir: PathBuf,
    pub socket: PathBuf,
    dockerd: Option<Child>,
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

impl TestDaemon {
    /// Starts dockerd and the registry under a new temporary directory.
    pub fn start() -> Result<TestDaemon, String> {
        ensure_packages()?;
        if !is_root() {
            return Err("dockerd needs root; run `cargo xtask test` as root".into());
        }
        let dir = std::env::temp_dir().join(format!(
            "drapi-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut daemon = TestDaemon {
            socket: dir.join("docker.sock"),
            dir,
            dockerd: None,
            registry: None,
        };
        daemon.start_dockerd()?;
        daemon.start_registry()?;
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
        let child = Command::new("dockerd")
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
            .arg(format!("tcp://127.0.0.1:{TLS_PORT}"))
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
            .map_err(|e| format!("cannot start dockerd: {e}"))?;
        self.dockerd = Some(child);
        let socket = self.socket.clone();
        wait_for("dockerd", Duration::from_secs(60), || ping(&socket))
            .map_err(|e| format!("{e}; see {}", d.join("dockerd.log").display()))
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

    /// The environment the live tests read.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "DRAPI_TEST_DOCKER_HOST".into(),
                format!("unix://{}", self.socket.display()),
            ),
            ("DRAPI_TEST_REGISTRY".into(), REGISTRY_ADDR.into()),
            ("DRAPI_TEST_REGISTRY_USER".into(), REGISTRY_USER.into()),
            (
                "DRAPI_TEST_REGISTRY_PASSWORD".into(),
                REGISTRY_PASSWORD.into(),
            ),
            ("DRAPI_TEST_BUSYBOX".into(), "/bin/busybox".into()),
            ("DRAPI_TEST_DIR".into(), self.dir.display().to_string()),
            ("DRAPI_TEST_TLS_PORT".into(), TLS_PORT.to_string()),
            (
                "DRAPI_TEST_CERT_PATH".into(),
                self.dir.join("certs").display().to_string(),
            ),
        ]
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.registry.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
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
