//! A self-signed certificate for `localhost` and 127.0.0.1, made at run time, so the loopback
//! redirect can be `https://localhost:<port>/callback` (Instagram Login generally wants https).
//! The browser shows a warning for it once; the certificate never leaves the machine.

use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer, pki_types::PrivatePkcs8KeyDer};

use super::AuthError;

/// A freshly generated certificate and the TLS acceptor that serves it.
#[derive(Clone)]
pub struct LoopbackCert {
    /// DER of the certificate, to trust it explicitly (tests, the sandbox browser).
    pub cert_der: Vec<u8>,
    pub cert_pem: String,
    pub(crate) acceptor: TlsAcceptor,
}

impl LoopbackCert {
    /// Generates a key pair and a certificate valid for `localhost` and `127.0.0.1`.
    pub fn generate() -> Result<Self, AuthError> {
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let certified =
            rcgen::generate_simple_self_signed(names).map_err(|e| AuthError::Tls(e.to_string()))?;
        let cert_der = certified.cert.der().clone();
        let key =
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| AuthError::Tls(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(vec![cert_der.clone()], key)
            .map_err(|e| AuthError::Tls(e.to_string()))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            cert_der: cert_der.to_vec(),
            cert_pem: certified.cert.pem(),
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}
