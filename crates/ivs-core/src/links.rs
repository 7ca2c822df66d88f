//! Signed file URLs: `/files/<payload>.<mac>`, where payload = base64url("scanRef:KIND:expiry")
//! and mac = base64url(HMAC-SHA256(key, payload)). The link is the capability; it expires.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug)]
pub struct UrlSigner {
    key: Vec<u8>,
    public_url: String,
}

/// Why a file link was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkError {
    Invalid,
    Expired,
}

impl UrlSigner {
    pub fn new(key: &[u8], public_url: String) -> Self {
        UrlSigner {
            key: key.to_vec(),
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    fn mac(&self, payload: &str) -> Option<HmacSha256> {
        let mut mac = HmacSha256::new_from_slice(&self.key).ok()?;
        mac.update(payload.as_bytes());
        Some(mac)
    }

    /// The token part of a link.
    pub fn token(&self, scan_ref: &str, kind: &str, expires: i64) -> String {
        let payload = B64.encode(format!("{scan_ref}:{kind}:{expires}"));
        let sig = self
            .mac(&payload)
            .map(|m| B64.encode(m.finalize().into_bytes()))
            .unwrap_or_default();
        format!("{payload}.{sig}")
    }

    pub fn url(&self, scan_ref: &str, kind: &str, expires: i64) -> String {
        format!(
            "{}/files/{}",
            self.public_url,
            self.token(scan_ref, kind, expires)
        )
    }

    /// Checks a token: `(scanRef, KIND)` when authentic and not expired at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<(String, String), LinkError> {
        let (payload, sig) = token.split_once('.').ok_or(LinkError::Invalid)?;
        let sig = B64.decode(sig).map_err(|_| LinkError::Invalid)?;
        let mac = self.mac(payload).ok_or(LinkError::Invalid)?;
        mac.verify_slice(&sig).map_err(|_| LinkError::Invalid)?;
        let text = String::from_utf8(B64.decode(payload).map_err(|_| LinkError::Invalid)?)
            .map_err(|_| LinkError::Invalid)?;
        let mut parts = text.rsplitn(3, ':');
        let expires: i64 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(LinkError::Invalid)?;
        let kind = parts.next().ok_or(LinkError::Invalid)?.to_owned();
        let scan_ref = parts.next().ok_or(LinkError::Invalid)?.to_owned();
        if now >= expires {
            return Err(LinkError::Expired);
        }
        Ok((scan_ref, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_verify_expire_and_resist_tampering() {
        let s = UrlSigner::new(b"k", "http://h/".into());
        let t = s.token("abc", "FRONT", 100);
        assert_eq!(s.verify(&t, 99), Ok(("abc".into(), "FRONT".into())));
        assert_eq!(s.verify(&t, 100), Err(LinkError::Expired));
        let other = s.token("abd", "FRONT", 100);
        let forged = format!(
            "{}.{}",
            other.split_once('.').unwrap().0,
            t.split_once('.').unwrap().1
        );
        assert_eq!(s.verify(&forged, 1), Err(LinkError::Invalid));
        assert_eq!(s.verify("garbage", 1), Err(LinkError::Invalid));
        assert_eq!(
            UrlSigner::new(b"other", "x".into()).verify(&t, 1),
            Err(LinkError::Invalid)
        );
        assert!(s.url("abc", "FACE", 5).starts_with("http://h/files/"));
    }
}
