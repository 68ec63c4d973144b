//! `faceauth mock`: the local FaceAuth simulator (REST API, hosted page, token rules, webhooks).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use faceauth::crypto::check_key_text;
use faceauth::url::redact_credentials;
use faceauth_mock::{ImageFormat, MockConfig, MockServer, ResponseShape, TokenRule, WebhookShape};

/// The port `faceauth mock` listens on when neither `--port` nor the seed file names one.
const DEFAULT_PORT: u16 = 8700;

/// `--token-rule`: a rule, or `off`.
#[derive(Clone, Copy, Debug)]
struct TokenRuleFlag(Option<TokenRule>);

fn parse_token_rule(text: &str) -> Result<TokenRuleFlag, String> {
    TokenRule::parse_flag(text).map(TokenRuleFlag).map_err(|e| e.to_string())
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err("expected a probability between 0 and 1".to_owned()),
    }
}

#[derive(Args)]
pub struct MockArgs {
    /// A JSON seed file: any MockConfig fields (submissions, results, token_rule, faults…).
    /// The options below override it.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// The address to listen on [default: 127.0.0.1].
    #[arg(long)]
    host: Option<String>,
    /// The port to listen on; 0 picks a free one [default: 8700].
    #[arg(long)]
    port: Option<u16>,
    /// The FaceAuth project API key the simulator expects in x-api-key [default: mock-api-key].
    #[arg(long, env = "FACEAUTH_MOCK_API_KEY", hide_env_values = true, value_name = "KEY")]
    api_key: Option<String>,
    /// The FaceAuth project id (pid) [default: mock-project].
    #[arg(long, value_name = "PID")]
    project_id: Option<String>,
    /// The key that decrypts hosted-page links [default: the API key].
    #[arg(long, env = "FACEAUTH_MOCK_URL_KEY", hide_env_values = true, value_name = "KEY")]
    url_key: Option<String>,
    /// The encryption of hosted-page links: ecb, gcm, cbc or a variant id [default: ecb].
    #[arg(long)]
    scheme: Option<String>,
    /// Allow only this caller IP or CIDR range on the REST API (repeatable) [default: everyone].
    #[arg(long = "allow-ip", value_name = "IP")]
    allow_ip: Vec<String>,
    /// Token expiration: count, time:SECONDS, or off [default: off].
    #[arg(long, value_name = "RULE", value_parser = parse_token_rule)]
    token_rule: Option<TokenRuleFlag>,
    /// Where to POST webhooks (credentials in the URL are never printed).
    #[arg(long, value_name = "URL")]
    webhook_url: Option<String>,
    /// Encrypt webhook bodies (AES-256-ECB) with this key.
    #[arg(long, env = "FACEAUTH_MOCK_WEBHOOK_KEY", hide_env_values = true, value_name = "KEY")]
    webhook_key: Option<String>,
    /// The faceAuth webhook shape: current, older or oldest [default: current].
    #[arg(long, value_name = "SHAPE")]
    webhook_shape: Option<WebhookShape>,
    /// The GET /faceauth shape: nested or flat [default: nested].
    #[arg(long, value_name = "SHAPE")]
    response_shape: Option<ResponseShape>,
    /// How GET /faceauth/image writes base64: raw, json or data_url [default: raw].
    #[arg(long, value_name = "FORMAT")]
    image_format: Option<ImageFormat>,
    /// Milliseconds added to every REST request.
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,
    /// Probability that a REST request answers 500 or 502.
    #[arg(long, value_name = "P", value_parser = parse_rate)]
    error_rate: Option<f64>,
    /// Probability that a REST request's connection is closed without an answer.
    #[arg(long, value_name = "P", value_parser = parse_rate)]
    drop_rate: Option<f64>,
    /// Seed of the fault generator, for repeatable runs.
    #[arg(long, value_name = "N")]
    fault_seed: Option<u64>,
    /// Log one line per request to stderr (keys are never logged).
    #[arg(long)]
    verbose: bool,
}

/// The SDK's one key rule ([`check_key_text`]) for a simulator key, naming where it came from
/// (never the key).
fn check_key(source: &str, key: Option<&str>) -> anyhow::Result<()> {
    match key {
        Some(key) => check_key_text(key).with_context(|| format!("the key from {source} is not usable")),
        None => Ok(()),
    }
}

impl MockArgs {
    /// The seed file's configuration with the options applied.
    fn config(self) -> anyhow::Result<MockConfig> {
        check_key("--api-key (or FACEAUTH_MOCK_API_KEY)", self.api_key.as_deref())?;
        check_key("--url-key (or FACEAUTH_MOCK_URL_KEY)", self.url_key.as_deref())?;
        check_key("--webhook-key (or FACEAUTH_MOCK_WEBHOOK_KEY)", self.webhook_key.as_deref())?;
        let (mut config, seed_sets_port) = match &self.seed {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the seed file {}", path.display()))?;
                let config = MockConfig::from_json(&text)
                    .with_context(|| format!("invalid seed file {}", path.display()))?;
                let source = |field| format!("the seed file's {field}");
                check_key(&source("api_key"), Some(&config.api_key))?;
                check_key(&source("url_key"), config.url_key.as_deref())?;
                check_key(&source("webhook_key"), config.webhook_key.as_deref())?;
                let sets_port = serde_json::from_str::<serde_json::Value>(&text)
                    .map(|value| value.get("port").is_some())
                    .unwrap_or(false);
                (config, sets_port)
            }
            None => (MockConfig::default(), false),
        };
        match self.port {
            Some(port) => config.port = port,
            None if !seed_sets_port => config.port = DEFAULT_PORT,
            None => {}
        }
        let set = |slot: &mut String, value: Option<String>| {
            if let Some(value) = value {
                *slot = value;
            }
        };
        set(&mut config.host, self.host);
        set(&mut config.api_key, self.api_key);
        set(&mut config.project_id, self.project_id);
        set(&mut config.scheme, self.scheme);
        config.url_key = self.url_key.or(config.url_key);
        config.webhook_url = self.webhook_url.or(config.webhook_url);
        config.webhook_key = self.webhook_key.or(config.webhook_key);
        if !self.allow_ip.is_empty() {
            config.allowed_ips = Some(self.allow_ip);
        }
        if let Some(TokenRuleFlag(rule)) = self.token_rule {
            config.token_rule = rule;
        }
        config.webhook_shape = self.webhook_shape.unwrap_or(config.webhook_shape);
        config.response_shape = self.response_shape.unwrap_or(config.response_shape);
        config.image_format = self.image_format.unwrap_or(config.image_format);
        config.faults.latency_ms = self.latency_ms.unwrap_or(config.faults.latency_ms);
        config.faults.error_rate = self.error_rate.unwrap_or(config.faults.error_rate);
        config.faults.drop_rate = self.drop_rate.unwrap_or(config.faults.drop_rate);
        config.faults.seed = self.fault_seed.unwrap_or(config.faults.seed);
        config.verbose |= self.verbose;
        Ok(config)
    }
}

/// Starts the simulator, logs `webhooks to URL` on stderr with any credentials redacted, prints
/// `listening on http://HOST:PORT` (one line, flushed: tests read it to learn the port, then may
/// close the pipe), then serves until the process is killed. Keys are never printed.
pub fn mock(args: MockArgs) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    let webhook_url = config.webhook_url.as_deref().map(|url| redact_credentials(url).into_owned());
    let server = MockServer::start(config).context("cannot start the FaceAuth simulator")?;
    if let Some(url) = webhook_url {
        // A log line, written before the address: whoever read the address finds it on stderr
        // already. The simulator keeps serving if stderr is gone.
        crate::output::note(format_args!("faceauth-mock: webhooks to {url}"));
    }
    let mut stdout = crate::output::stdout();
    writeln!(stdout, "listening on {}", server.base_url()).context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")?;
    drop(stdout);
    server.wait();
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: MockArgs,
    }

    fn config(args: &[&str]) -> anyhow::Result<MockConfig> {
        Cli::try_parse_from(std::iter::once("mock").chain(args.iter().copied()))?.args.config()
    }

    #[test]
    fn flags_override_the_seed_and_the_port_defaults_to_8700() {
        let defaults = config(&[]).expect("config");
        assert_eq!((defaults.port, defaults.token_rule), (DEFAULT_PORT, None));

        let seed = std::env::temp_dir().join(format!("faceauth-mock-seed-{}.json", std::process::id()));
        std::fs::write(
            &seed,
            r#"{"port": 0, "project_id": "p-seed", "token_rule": {"kind": "count"}, "faults": {"seed": 3}}"#,
        )
        .expect("seed written");
        let path = seed.to_str().expect("utf-8 path");
        let seeded = config(&["--seed", path]).expect("config");
        assert_eq!((seeded.port, seeded.project_id.as_str()), (0, "p-seed"));
        assert_eq!((seeded.token_rule, seeded.faults.seed), (Some(TokenRule::Count), 3));

        let flagged = config(&[
            "--seed",
            path,
            "--port",
            "9",
            "--token-rule",
            "off",
            "--allow-ip",
            "10.0.0.1",
            "--allow-ip",
            "::1",
            "--response-shape",
            "flat",
            "--image-format",
            "data_url",
            "--error-rate",
            "0.5",
            "--verbose",
        ])
        .expect("config");
        std::fs::remove_file(&seed).ok();
        assert_eq!((flagged.port, flagged.token_rule), (9, None));
        assert_eq!(flagged.allowed_ips, Some(vec!["10.0.0.1".to_owned(), "::1".to_owned()]));
        assert_eq!(
            (flagged.response_shape, flagged.image_format),
            (ResponseShape::Flat, ImageFormat::DataUrl)
        );
        assert_eq!((flagged.faults.error_rate, flagged.faults.seed, flagged.verbose), (0.5, 3, true));
        assert_eq!(
            config(&["--token-rule", "time:30"]).expect("config").token_rule,
            Some(TokenRule::Time { seconds: 30 })
        );
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in
            [&["--token-rule", "sometimes"][..], &["--error-rate", "2"], &["--webhook-shape", "round"]]
        {
            assert!(config(args).is_err(), "{args:?}");
        }
        assert!(config(&["--seed", "/nonexistent/seed.json"]).is_err());
    }

    #[test]
    fn keys_with_surrounding_whitespace_are_refused() {
        for option in ["--api-key", "--url-key", "--webhook-key"] {
            for key in ["s3cret\n", "s3cret\r\n", " s3cret", "s3cret\t", "\ts3cret", ""] {
                let err =
                    config(&[option, key]).err().unwrap_or_else(|| panic!("{option} {key:?} is refused"));
                let message = format!("{err:#}");
                assert!(message.contains(option) && !message.contains("s3cret"), "{message}");
                let kind = err.chain().find_map(|e| e.downcast_ref::<faceauth::crypto::CryptoError>());
                assert!(kind.is_some(), "the core's key error: {message}");
            }
            assert!(config(&[option, "s3 cret"]).is_ok(), "inner spaces are part of the key");
        }
    }
}
