//! The per-client limit on posts (HTTP 429 with `Retry-After`). It counts per process:
//! under Lambda each instance keeps its own counts, and API Gateway's throttling is the
//! limit over all of them (infra/template.yaml).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

use super::VIEWER_ADDRESS_HEADER;

/// A bucket untouched this long is full again, so forgetting it changes nothing.
const REFILL: Duration = Duration::from_secs(60);

/// `per_minute` posts per client with bursts of as many (a token bucket per client).
/// Memory is bounded: buckets are forgotten a minute after their last use, and if more
/// than three quarters of `max_clients` were used within one minute, all are forgotten
/// (the limit then starts again from full buckets; API Gateway's throttling still holds,
/// and sweeps stay rare: at most one a minute, or one per quarter of `max_clients` new
/// clients).
pub struct RateLimiter {
    per_minute: u32,
    max_clients: usize,
    buckets: Mutex<Buckets>,
}

struct Buckets {
    by_client: HashMap<String, (f64, Instant)>,
    last_sweep: Instant,
}

impl RateLimiter {
    /// The limit `RATE_LIMIT_PER_MINUTE` sets, 20 when unset; the error names the variable.
    pub fn from_env() -> Result<RateLimiter, crate::env::EnvError> {
        let name = crate::env::RATE_LIMIT_PER_MINUTE;
        match std::env::var(name) {
            Err(_) => Ok(RateLimiter::new(20)),
            Ok(v) => match v.trim().parse::<u32>() {
                Ok(n) if n >= 1 => Ok(RateLimiter::new(n)),
                _ => Err(crate::env::EnvError::Invalid {
                    name,
                    value: v,
                    problem: "must be a whole number of posts per minute, at least 1".into(),
                }),
            },
        }
    }

    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter::with_max_clients(per_minute, 50_000)
    }

    pub fn with_max_clients(per_minute: u32, max_clients: usize) -> RateLimiter {
        RateLimiter {
            per_minute,
            max_clients: max_clients.max(1),
            buckets: Mutex::new(Buckets {
                by_client: HashMap::new(),
                last_sweep: Instant::now(),
            }),
        }
    }

    /// `Ok` to go ahead, or `Err(seconds to wait)`.
    pub(super) fn check(&self, client: &str) -> Result<(), u64> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: &str, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(self.per_minute.max(1));
        let per_second = capacity / REFILL.as_secs_f64();
        // A panic elsewhere while holding the lock leaves the counts as they were: usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if now.duration_since(buckets.last_sweep) >= REFILL
            || buckets.by_client.len() >= self.max_clients
        {
            buckets
                .by_client
                .retain(|_, (_, last)| now.duration_since(*last) < REFILL);
            buckets.last_sweep = now;
            // Still nearly full: start afresh rather than sweep again on the next post.
            if buckets.by_client.len() >= self.max_clients / 4 * 3 {
                buckets.by_client.clear();
            }
        }
        let (tokens, last) = buckets
            .by_client
            .entry(client.to_string())
            .or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * per_second).min(capacity);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / per_second).ceil() as u64)
        }
    }

    #[cfg(test)]
    fn clients(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_client
            .len()
    }
}

/// The client for rate limiting: [`VIEWER_ADDRESS_HEADER`], else the first
/// `X-Forwarded-For` address, else one shared bucket. An IPv6 address counts by its /56
/// network (a household or office is given a /56 or a /48 and could otherwise take a new
/// address, or a new /64, for every post). This per-instance limit is a second line behind
/// the distribution's own (the WAF rate rule in infra/template.yaml).
pub(super) fn client_key(headers: &HeaderMap) -> String {
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let Some(address) = first(VIEWER_ADDRESS_HEADER).or_else(|| first("x-forwarded-for")) else {
        return "local".to_string();
    };
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/56", s[0], s[1], s[2], s[3] & 0xff00)
            }
        },
        // Not an address (a proxy's odd header): itself, bounded.
        Err(_) => address.chars().take(64).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::test_headers as headers;

    #[test]
    fn the_viewer_address_from_cloudfront_beats_a_forged_forwarded_for() {
        let h = headers(&[
            (VIEWER_ADDRESS_HEADER, "198.51.100.7"),
            ("x-forwarded-for", "10.9.9.9, 198.51.100.7, 130.176.0.1"),
        ]);
        assert_eq!(client_key(&h), "198.51.100.7");
        let h = headers(&[("x-forwarded-for", " 203.0.113.5 , 130.176.0.1")]);
        assert_eq!(client_key(&h), "203.0.113.5");
        assert_eq!(client_key(&headers(&[])), "local");
    }

    #[test]
    fn an_ipv6_network_is_one_client() {
        let key = |a: &'static str| client_key(&headers(&[(VIEWER_ADDRESS_HEADER, a)]));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:0::/56");
        assert_eq!(key("2001:db8:1:2:ffff:1:2:3"), key("2001:db8:1:2::1"));
        // Another /64 of the same /56: the same client.
        assert_eq!(key("2001:db8:1:ff::1"), key("2001:db8:1:2::1"));
        assert_ne!(key("2001:db8:1:100::1"), key("2001:db8:1:2::1"));
        assert_ne!(key("2001:db8:2:2::1"), key("2001:db8:1:2::1"));
        assert_eq!(key("::ffff:198.51.100.7"), "198.51.100.7");
    }

    #[test]
    fn a_client_gets_its_rate_and_waits_for_the_next_token() {
        let limiter = RateLimiter::new(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_at("a", t0), Ok(()));
        }
        assert_eq!(limiter.check_at("a", t0), Err(20), "one token per 20 s");
        assert_eq!(limiter.check_at("b", t0), Ok(()), "others are not held up");
        assert_eq!(limiter.check_at("a", t0 + Duration::from_secs(20)), Ok(()));
    }

    #[test]
    fn memory_is_bounded_and_idle_clients_are_forgotten() {
        let limiter = RateLimiter::with_max_clients(5, 100);
        let t0 = Instant::now();
        for i in 0..1_000 {
            let _ = limiter.check_at(&format!("10.0.{}.{}", i / 256, i % 256), t0);
            assert!(limiter.clients() <= 100, "{} clients", limiter.clients());
        }
        // A minute later the sweep forgets the idle buckets: only the new client is left.
        let _ = limiter.check_at("10.9.9.9", t0 + REFILL);
        assert_eq!(limiter.clients(), 1);
    }

    #[test]
    fn a_poisoned_lock_does_not_refuse_everyone() {
        let limiter = std::sync::Arc::new(RateLimiter::new(5));
        let l = limiter.clone();
        let _ = std::thread::spawn(move || {
            let _guard = l.buckets.lock().unwrap();
            panic!("poison the lock");
        })
        .join();
        assert!(limiter.buckets.is_poisoned());
        assert_eq!(limiter.check("a"), Ok(()));
    }
}
