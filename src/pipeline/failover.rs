//! Failover between upstreams: which to try, in what order, and which failures count.
//!
//! Health is passive: an upstream that fails an attempt is skipped for its cool-off, so a
//! dead bridge costs one request a timeout, not every request. Time is passed in, so tests
//! move a clock instead of sleeping.

use std::collections::HashMap;

/// When each failed upstream may be tried again (epoch ms).
#[derive(Debug, Default)]
pub struct Cooloffs {
    until: HashMap<String, u64>,
}

impl Cooloffs {
    /// The order to try `candidates` in at `now_ms`: the ones not cooling off, as listed,
    /// then the cooling ones, soonest back first, so that when all have failed recently the
    /// request still gets a chance rather than an error without an attempt.
    pub fn order<'a>(&self, candidates: &[&'a str], now_ms: u64) -> Vec<&'a str> {
        let cooling_until = |name: &str| self.until.get(name).copied().filter(|&t| t > now_ms);
        let mut ready: Vec<&str> = candidates
            .iter()
            .copied()
            .filter(|n| cooling_until(n).is_none())
            .collect();
        let mut cooling: Vec<(u64, &str)> = candidates
            .iter()
            .filter_map(|n| Some((cooling_until(n)?, *n)))
            .collect();
        cooling.sort_by_key(|(t, _)| *t);
        ready.extend(cooling.into_iter().map(|(_, n)| n));
        ready
    }

    /// Records a failed attempt at `now_ms`.
    pub fn failed(&mut self, name: &str, now_ms: u64, cooloff_seconds: u32) {
        self.until
            .insert(name.to_string(), now_ms + u64::from(cooloff_seconds) * 1000);
    }

    /// Records a successful attempt: the upstream is healthy again.
    pub fn succeeded(&mut self, name: &str) {
        self.until.remove(name);
    }
}

/// Whether an upstream's answer with `status` counts as a failed attempt.
pub fn is_failure(status: u16, retry_on_status: &[u16]) -> bool {
    retry_on_status.contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_upstream_is_skipped_for_its_cooloff_then_tried_first_again() {
        let mut health = Cooloffs::default();
        let both = ["bridge", "tunnel"];
        assert_eq!(health.order(&both, 0), vec!["bridge", "tunnel"]);
        health.failed("bridge", 1_000, 30);
        assert_eq!(health.order(&both, 2_000), vec!["tunnel", "bridge"]);
        assert_eq!(health.order(&both, 30_999), vec!["tunnel", "bridge"]);
        assert_eq!(
            health.order(&both, 31_000),
            vec!["bridge", "tunnel"],
            "cool-off over"
        );
        health.failed("bridge", 40_000, 30);
        health.succeeded("bridge");
        assert_eq!(
            health.order(&both, 40_001),
            vec!["bridge", "tunnel"],
            "a success ends it"
        );
    }

    #[test]
    fn when_all_are_cooling_the_soonest_back_goes_first() {
        let mut health = Cooloffs::default();
        health.failed("a", 0, 60);
        health.failed("b", 0, 10);
        assert_eq!(health.order(&["a", "b"], 1_000), vec!["b", "a"]);
    }

    #[test]
    fn only_listed_statuses_are_failures() {
        assert!(is_failure(503, &[502, 503, 504]));
        assert!(!is_failure(429, &[502, 503, 504]));
        assert!(!is_failure(500, &[]));
    }
}
