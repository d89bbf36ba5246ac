//! Where the daemon is and how to reach it: unix socket, plain TCP or TLS.
//!
//! Each request opens its own connection and runs HTTP/1.1 on it with hyper.
//! That keeps hijacked connections (attach, exec) and ordinary calls alike,
//! and a local socket connect costs microseconds.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};

use super::error::Error;

/// A byte stream to the daemon.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// A connected stream, whatever the transport.
pub(crate) type BoxIo = Box<dyn Io>;

/// The address of a daemon.
#[derive(Clone)]
pub enum Endpoint {
    /// A unix socket path, e.g. `/var/run/docker.sock`.
    Unix(PathBuf),
    /// Plain HTTP over TCP.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
    /// HTTPS over TCP.
    Tls {
        /// Host name or address; also the name the certificate must carry.
        host: String,
        /// Port.
        port: u16,
        /// The TLS settings (trust roots, client certificate).
        config: Arc<rustls::ClientConfig>,
    },
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(p) => write!(f, "unix://{}", p.display()),
            Endpoint::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            Endpoint::Tls { host, port, .. } => write!(f, "https://{host}:{port}"),
        }
    }
}

impl Endpoint {
    /// Parses an address as the Docker CLI takes it: `unix:///path`, `tcp://host:port`,
    /// `http://host:port` or `https://host:port` (the last needs `tls`).
    pub fn parse(address: &str, tls: Option<Arc<rustls::ClientConfig>>) -> Result<Endpoint, Error> {
        if let Some(path) = address.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(Error::Config(format!("`{address}` names no socket path")));
            }
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        let (rest, scheme_tls) = if let Some(r) = address.strip_prefix("tcp://") {
            (r, tls.is_some())
        } else if let Some(r) = address.strip_prefix("http://") {
            (r, false)
        } else if let Some(r) = address.strip_prefix("https://") {
            (r, true)
        } else {
            return Err(Error::Config(format!(
                "`{address}` is not a daemon address: use unix:///path, tcp://host:port, http://host:port or https://host:port"
            )));
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => {
                let port = p.parse::<u16>().map_err(|_| {
                    Error::Config(format!("`{p}` in `{address}` is not a port number"))
                })?;
                (
                    h.trim_start_matches('[').trim_end_matches(']').to_string(),
                    port,
                )
            }
            None => (rest.to_string(), if scheme_tls { 2376 } else { 2375 }),
        };
        if host.is_empty() {
            return Err(Error::Config(format!("`{address}` names no host")));
        }
        if scheme_tls {
            let config = tls.ok_or_else(|| {
                Error::Config(format!("`{address}` needs TLS settings: set {} (ca.pem, cert.pem, key.pem) or pass a TlsConfig", super::client::env_name("CERT_PATH")))
            })?;
            Ok(Endpoint::Tls { host, port, config })
        } else {
            Ok(Endpoint::Tcp { host, port })
        }
    }

    /// The `Host` header for requests on this endpoint.
    pub(crate) fn host_header(&self) -> String {
        match self {
            Endpoint::Unix(_) => "localhost".to_string(),
            Endpoint::Tcp { host, port } | Endpoint::Tls { host, port, .. } => {
                format!("{host}:{port}")
            }
        }
    }

    /// Opens a connection.
    pub(crate) async fn connect(&self) -> io::Result<BoxIo> {
        match self {
            Endpoint::Unix(path) => Ok(Box::new(tokio::net::UnixStream::connect(path).await?)),
            Endpoint::Tcp { host, port } => {
                let stream = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                stream.set_nodelay(true)?;
                Ok(Box::new(stream))
            }
            Endpoint::Tls { host, port, config } => {
                let stream = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                stream.set_nodelay(true)?;
                let name = rustls::pki_types::ServerName::try_from(host.clone())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, stream)
                    .await?;
                Ok(Box::new(tls))
            }
        }
    }
}

/// TLS settings in the Docker CLI's terms.
#[derive(Debug, Clone, Default)]
pub struct TlsConfig {
    /// PEM file of the CA that signed the daemon's certificate (`ca.pem`).
    pub ca: Option<PathBuf>,
    /// PEM client certificate (`cert.pem`) and key (`key.pem`), when the daemon asks for one.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Accept any server certificate. Off by default; only for daemons whose
    /// certificate cannot be checked, and never for anything that matters.
    pub danger_accept_invalid_certs: bool,
}

impl TlsConfig {
    /// The files of a certificate directory that exist: `ca.pem`, `cert.pem` + `key.pem`.
    pub fn from_cert_dir(dir: &Path) -> TlsConfig {
        let file = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
        TlsConfig {
            ca: file("ca.pem"),
            client_cert: file("cert.pem").zip(file("key.pem")),
            danger_accept_invalid_certs: false,
        }
    }

    /// Builds the rustls configuration.
    pub fn build(&self) -> Result<Arc<rustls::ClientConfig>, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS: {e}")))?;
        let builder = if self.danger_accept_invalid_certs {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCert))
        } else {
            let ca = self.ca.as_ref().ok_or_else(|| {
                Error::Config(format!("TLS verification needs a CA certificate: put ca.pem in {} or set TlsConfig::ca", super::client::env_name("CERT_PATH")))
            })?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in read_certs(ca)? {
                roots
                    .add(cert)
                    .map_err(|e| Error::Config(format!("{}: {e}", ca.display())))?;
            }
            builder.with_root_certificates(roots)
        };
        let config = match &self.client_cert {
            Some((cert, key)) => {
                let chain = read_certs(cert)?;
                let key_der = read_key(key)?;
                builder
                    .with_client_auth_cert(chain, key_der)
                    .map_err(|e| Error::Config(format!("{}: {e}", cert.display())))?
            }
            None => builder.with_no_client_auth(),
        };
        Ok(Arc::new(config))
    }
}

fn read_certs(path: &Path) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, Error> {
    let data =
        std::fs::read(path).map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    let certs: Result<Vec<_>, _> = rustls_pemfile::certs(&mut data.as_slice()).collect();
    let certs = certs.map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "{}: no PEM certificate found",
            path.display()
        )));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<rustls::pki_types::PrivateKeyDer<'static>, Error> {
    let data =
        std::fs::read(path).map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    rustls_pemfile::private_key(&mut data.as_slice())
        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?
        .ok_or_else(|| Error::Config(format!("{}: no PEM private key found", path.display())))
}

/// The verifier behind `danger_accept_invalid_certs`.
#[derive(Debug)]
struct AcceptAnyCert;

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let provider = rustls::crypto::ring::default_provider();
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let provider = rustls::crypto::ring::default_provider();
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_docker_cli_address_forms() {
        assert!(
            matches!(Endpoint::parse("unix:///var/run/docker.sock", None), Ok(Endpoint::Unix(p)) if p == Path::new("/var/run/docker.sock"))
        );
        assert!(
            matches!(Endpoint::parse("tcp://10.0.0.1:2375", None), Ok(Endpoint::Tcp { host, port: 2375 }) if host == "10.0.0.1")
        );
        assert!(matches!(
            Endpoint::parse("http://example.test", None),
            Ok(Endpoint::Tcp { port: 2375, .. })
        ));
    }

    #[test]
    fn rejects_bad_addresses_with_a_reason() {
        for (address, reason) in [
            ("ftp://x", "not a daemon address"),
            ("tcp://host:port", "not a port number"),
            ("unix://", "no socket path"),
            ("https://secure:2376", "needs TLS settings"),
        ] {
            let err = Endpoint::parse(address, None).unwrap_err().to_string();
            assert!(err.contains(reason), "{address}: {err}");
        }
    }

    #[test]
    fn verification_without_a_ca_is_refused() {
        let err = TlsConfig::default().build().unwrap_err().to_string();
        assert!(err.contains("needs a CA certificate"), "{err}");
    }
}
