//! Polling restriction: a per-partner hourly budget on every authenticated call and a per-scanRef
//! hourly budget on the retrieval endpoints. Fixed one-hour windows aligned to the clock, kept in
//! this process's memory (several processes each keep their own count; see docs/api.md).
use ivs_core::ApiError;
use std::collections::HashMap;
use std::sync::Mutex;

const WINDOW: i64 = 3600;

#[derive(Debug)]
pub struct Limiter {
    partner_limit: u64,
    scan_ref_limit: u64,
    counts: Mutex<HashMap<String, (i64, u64)>>,
}

impl Limiter {
    pub fn new(partner_limit: u64, scan_ref_limit: u64) -> Self {
        Limiter {
            partner_limit,
            scan_ref_limit,
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn charge(&self, key: String, limit: u64, now: i64, what: &str) -> Result<(), ApiError> {
        let window = now.div_euclid(WINDOW);
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > 200_000 {
            counts.retain(|_, (w, _)| *w == window);
        }
        let entry = counts.entry(key).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 >= limit {
            let retry_after = (window + 1) * WINDOW - now;
            return Err(ApiError::too_many(
                u64::try_from(retry_after).unwrap_or(1).max(1),
                format!("Request limit of {limit} per hour reached for this {what}."),
            ));
        }
        entry.1 += 1;
        Ok(())
    }

    pub fn charge_partner(&self, partner_id: &str, now: i64) -> Result<(), ApiError> {
        self.charge(format!("p\u{1f}{partner_id}"), self.partner_limit, now, "partner")
    }

    pub fn charge_scan_ref(&self, partner_id: &str, scan_ref: &str, now: i64) -> Result<(), ApiError> {
        self.charge(
            format!("s\u{1f}{partner_id}\u{1f}{scan_ref}"),
            self.scan_ref_limit,
            now,
            "scanRef",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_resets_with_the_window_and_says_when() {
        let l = Limiter::new(2, 1);
        let t = 7200 + 100;
        l.charge_partner("p", t).unwrap();
        l.charge_partner("p", t).unwrap();
        let e = l.charge_partner("p", t + 10).unwrap_err();
        assert_eq!(e.status, 429);
        assert_eq!(e.retry_after, Some(3600 - 110));
        l.charge_partner("q", t).unwrap();
        l.charge_partner("p", 10800).unwrap();
        l.charge_scan_ref("p", "s1", t).unwrap();
        assert!(l.charge_scan_ref("p", "s1", t).is_err());
        l.charge_scan_ref("p", "s2", t).unwrap();
    }
}
