//! Partner administration (the `ivs partner …` commands).
use ivs_core::Clock;
use ivs_store::{Partner, PartnerMode, SharedRepo, StoreError, hash_secret};
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::{Value, json};

fn alnum(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// A webhook signing key: 32 random bytes, hex — the same generator as the file-link key.
fn signing_key() -> String {
    ivs_server::random_key()
}

/// Credentials shown once, at creation or rotation.
#[derive(Debug, Clone)]
pub struct Issued {
    pub partner: Partner,
    pub secret: String,
}

pub struct NewPartnerArgs {
    pub name: String,
    pub mode: PartnerMode,
    pub webhook_url: Option<String>,
    pub token_defaults: Option<Value>,
}

fn check_webhook_url(url: &str) -> anyhow::Result<()> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        anyhow::bail!("webhook URL must start with http:// or https://");
    }
    Ok(())
}

pub async fn create(repo: &SharedRepo, clock: &dyn Clock, args: NewPartnerArgs) -> anyhow::Result<Issued> {
    if let Some(u) = &args.webhook_url {
        check_webhook_url(u)?;
    }
    let token_defaults = match &args.token_defaults {
        None => serde_json::Map::new(),
        Some(v) => ivs_core::token::validate_token_defaults(v).map_err(|e| anyhow::anyhow!(e.message))?,
    };
    let secret = alnum(40);
    let partner = Partner {
        id: uuid::Uuid::new_v4().to_string(),
        name: args.name,
        api_key: alnum(32),
        secret_hash: hash_secret(&secret),
        mode: args.mode,
        webhook_url: args.webhook_url,
        signing_key: signing_key(),
        webhook_disabled: false,
        token_defaults,
        created_at: clock.unix(),
    };
    repo.create_partner(&partner).await?;
    Ok(Issued { partner, secret })
}

pub async fn rotate_secret(repo: &SharedRepo, api_key: &str) -> anyhow::Result<Issued> {
    let secret = alnum(40);
    match repo.set_partner_secret_hash(api_key, &hash_secret(&secret)).await {
        Err(StoreError::NotFound) => anyhow::bail!("no partner with API key {api_key}"),
        other => other?,
    }
    let partner = repo
        .partner_by_key(api_key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("partner vanished"))?;
    Ok(Issued { partner, secret })
}

pub async fn set_webhook(
    repo: &SharedRepo,
    api_key: &str,
    url: Option<&str>,
    rotate_signing_key: bool,
) -> anyhow::Result<Partner> {
    let current = repo
        .partner_by_key(api_key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no partner with API key {api_key}"))?;
    if let Some(u) = url {
        check_webhook_url(u)?;
    }
    let key = if rotate_signing_key {
        signing_key()
    } else {
        current.signing_key
    };
    repo.set_partner_webhook(api_key, url, &key).await?;
    repo.partner_by_key(api_key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("partner vanished"))
}

/// The JSON printed for a partner; `secret` only when just issued.
pub fn partner_json(p: &Partner, secret: Option<&str>, with_signing_key: bool) -> Value {
    let mut v = json!({
        "id": p.id,
        "name": p.name,
        "apiKey": p.api_key,
        "mode": p.mode.as_str(),
        "webhookUrl": p.webhook_url,
        "webhookDisabled": p.webhook_disabled,
        "tokenDefaults": p.token_defaults,
        "createdAt": p.created_at,
    });
    if let Some(s) = secret {
        v["apiSecret"] = json!(s);
    }
    if with_signing_key {
        v["webhookSigningKey"] = json!(p.signing_key);
    }
    v
}
