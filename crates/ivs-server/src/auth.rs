//! HTTP Basic authentication of partners (API key : API secret), followed by the partner's
//! hourly request budget.
use crate::{AppState, WebError};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use ivs_core::ApiError;
use ivs_store::Partner;

/// The authenticated partner of a request.
#[derive(Debug, Clone)]
pub struct AuthedPartner(pub Partner);

fn credentials(parts: &Parts) -> Option<(String, String)> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (key, secret) = text.split_once(':')?;
    Some((key.to_owned(), secret.to_owned()))
}

impl FromRequestParts<AppState> for AuthedPartner {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (key, secret) = credentials(parts).ok_or_else(ApiError::unauthorized)?;
        let partner = state
            .repo
            .partner_by_key(&key)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        if !partner.verify_secret(&secret) {
            return Err(ApiError::unauthorized().into());
        }
        state.limiter.charge_partner(&partner.id, state.clock.unix())?;
        Ok(AuthedPartner(partner))
    }
}
