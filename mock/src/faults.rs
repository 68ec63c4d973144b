//! Fault injection on the REST API: latency, random errors and drops from a seeded generator,
//! and deterministic one-shots.

use serde::Deserialize;
use serde_json::Value;

use crate::config::{check_rate, check_status, ConfigError, FaultConfig};

/// SplitMix64: a tiny deterministic generator, plenty for fault dice.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform number in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        // The top 53 bits, exactly representable.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What happens to one API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Process it.
    Pass,
    /// Close the connection without an answer.
    Drop,
    /// Answer this error status without processing.
    Fail(u16),
    /// Process it, then close the connection without an answer.
    Lose,
}

/// The live fault settings, and the dice behind the rates.
#[derive(Debug)]
pub(crate) struct Faults {
    /// The settings as configured, then as updated; one-shot counters count down in place.
    pub settings: FaultConfig,
    rng: SplitMix64,
    /// Random errors alternate 500 and 502.
    errors_sent: u64,
}

/// A `POST /_mock/faults` body: the fields given replace the current ones.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultUpdate {
    latency_ms: Option<u64>,
    error_rate: Option<f64>,
    drop_rate: Option<f64>,
    seed: Option<u64>,
    fail_next: Option<u32>,
    fail_status: Option<u16>,
    drop_next: Option<u32>,
    lose_next: Option<u32>,
}

impl Faults {
    pub fn new(config: &FaultConfig) -> Faults {
        Faults { settings: config.clone(), rng: SplitMix64::new(config.seed), errors_sent: 0 }
    }

    /// Decides the fate of the next request. The generator is only drawn for rates above 0, so
    /// a seed gives the same sequence whatever else is configured.
    pub fn decide(&mut self) -> Decision {
        let settings = &mut self.settings;
        if settings.drop_next > 0 {
            settings.drop_next -= 1;
            return Decision::Drop;
        }
        if settings.fail_next > 0 {
            settings.fail_next -= 1;
            return Decision::Fail(settings.fail_status);
        }
        if settings.lose_next > 0 {
            settings.lose_next -= 1;
            return Decision::Lose;
        }
        if settings.drop_rate > 0.0 && self.rng.next_f64() < settings.drop_rate {
            return Decision::Drop;
        }
        if settings.error_rate > 0.0 && self.rng.next_f64() < settings.error_rate {
            self.errors_sent += 1;
            return Decision::Fail(if self.errors_sent % 2 == 1 { 500 } else { 502 });
        }
        Decision::Pass
    }

    /// Applies an update after checking all of it (nothing changes on an error).
    pub fn update(&mut self, update: &FaultUpdate) -> Result<(), ConfigError> {
        if let Some(rate) = update.error_rate {
            check_rate("error_rate", rate)?;
        }
        if let Some(rate) = update.drop_rate {
            check_rate("drop_rate", rate)?;
        }
        if let Some(status) = update.fail_status {
            check_status(status)?;
        }
        let FaultUpdate {
            latency_ms,
            error_rate,
            drop_rate,
            seed,
            fail_next,
            fail_status,
            drop_next,
            lose_next,
        } = *update;
        let settings = &mut self.settings;
        settings.latency_ms = latency_ms.unwrap_or(settings.latency_ms);
        settings.error_rate = error_rate.unwrap_or(settings.error_rate);
        settings.drop_rate = drop_rate.unwrap_or(settings.drop_rate);
        settings.fail_next = fail_next.unwrap_or(settings.fail_next);
        settings.fail_status = fail_status.unwrap_or(settings.fail_status);
        settings.drop_next = drop_next.unwrap_or(settings.drop_next);
        settings.lose_next = lose_next.unwrap_or(settings.lose_next);
        if let Some(seed) = seed {
            settings.seed = seed;
            self.rng = SplitMix64::new(seed);
            self.errors_sent = 0;
        }
        Ok(())
    }

    pub fn dump(&self) -> Value {
        serde_json::to_value(&self.settings).unwrap_or(Value::Null)
    }
}

/// The gateway body of an injected error status.
pub(crate) fn error_message(status: u16) -> &'static str {
    match status {
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Endpoint request timed out",
        _ => crate::http::reason(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shots_come_first_then_dice_are_deterministic() {
        let config = FaultConfig {
            error_rate: 0.5,
            drop_rate: 0.2,
            seed: 42,
            drop_next: 1,
            fail_next: 2,
            ..FaultConfig::default()
        };
        let mut faults = Faults::new(&config);
        assert_eq!(faults.decide(), Decision::Drop);
        assert_eq!(faults.decide(), Decision::Fail(502));
        assert_eq!(faults.decide(), Decision::Fail(502));
        let first: Vec<_> = (0..200).map(|_| faults.decide()).collect();
        let mut again = Faults::new(&FaultConfig { fail_next: 0, drop_next: 0, ..config });
        let second: Vec<_> = (0..200).map(|_| again.decide()).collect();
        assert_eq!(first, second);
        assert!(first.contains(&Decision::Pass) && first.contains(&Decision::Drop));
        assert!(first.contains(&Decision::Fail(500)) && first.contains(&Decision::Fail(502)));
    }

    #[test]
    fn rates_are_uniform_enough() {
        let mut rng = SplitMix64::new(1);
        let below = (0..10_000).filter(|_| rng.next_f64() < 0.25).count();
        assert!((2_200..2_800).contains(&below), "{below}");
    }
}
