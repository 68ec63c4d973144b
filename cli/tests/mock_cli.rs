//! `faceauth mock` as a shell user runs it: keys from options or the environment, the key rule,
//! and no secret (key, or credentials of the webhook URL) in its output.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use faceauth::crypto::{Cipher, Key, Scheme};
use faceauth::url::{AuthParams, UrlBuilder};
use serde_json::{json, Value};
use support::{Receiver, PROJECT};

const KEY_VARS: [&str; 3] = ["FACEAUTH_MOCK_API_KEY", "FACEAUTH_MOCK_URL_KEY", "FACEAUTH_MOCK_WEBHOOK_KEY"];

/// `faceauth mock --port 0 --project-id PROJECT` with `args` and `env`, none of the key
/// variables inherited.
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::cargo_bin("faceauth").expect("binary built");
    command.args(["mock", "--port", "0", "--project-id", PROJECT]).args(args);
    for var in KEY_VARS {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    command
}

/// The command, killed if it runs for 30 s (a simulator that started instead of refusing).
fn bounded(command: Command) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::from_std(command);
    command.timeout(Duration::from_secs(30));
    command
}

/// A running simulator, killed on drop; stderr is kept for the test.
struct Running {
    child: Child,
    url: String,
}

impl Running {
    /// Starts the simulator and reads its first line, then closes stdout as scripts do: the
    /// simulator must keep serving.
    fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut child =
            command(args, env).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("mock starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("reads a line");
        let url = line.trim_end().strip_prefix("listening on ").expect("an address line").to_owned();
        Running { child, url }
    }

    fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        support::http_json(method, &format!("{}{path}", self.url), body)
    }

    /// Opens a hosted-page link encrypted with `key` for an approved submission; the status.
    fn open_page(&self, key: &str) -> u16 {
        self.control("POST", "/_mock/submissions", Some(json!({"id": "sub-1", "status": "approved"})));
        let key = Key::derive(key).expect("key");
        let url = UrlBuilder::new(PROJECT, &key, Scheme::Ecb)
            .and_then(|b| b.base_url(&self.url))
            .and_then(|b| b.build(&AuthParams::new("sub-1")))
            .expect("url");
        match support::http_text(support::http_agent(None).get(&url).call()) {
            Ok((status, _)) => status,
            Err(e) => panic!("{e}"),
        }
    }

    /// Kills the simulator and gives what it wrote on stderr.
    fn stop(mut self) -> String {
        self.child.kill().ok();
        self.child.wait().ok();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr).expect("reads stderr");
        }
        stderr
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

#[test]
fn keys_with_surrounding_whitespace_are_refused_from_options_and_the_environment() {
    let options = ["--api-key", "--url-key", "--webhook-key"];
    for (option, var) in options.into_iter().zip(KEY_VARS) {
        for key in ["s3cret-value\n", "s3cret-value\r\n", " s3cret-value", "s3cret-value\t", "s3cret-value "]
        {
            for (args, env) in [(vec![option, key], vec![]), (vec![], vec![(var, key)])] {
                // Were the key accepted, the simulator would serve until killed by the timeout.
                let output = bounded(command(&args, &env)).output().expect("runs");
                let stderr = String::from_utf8_lossy(&output.stderr);
                // The SDK's one key rule: invalid_key, a usage error (exit 2) as for every key.
                assert_eq!(output.status.code(), Some(2), "{option} {key:?} {env:?}: {stderr}");
                assert!(stderr.contains(option) && stderr.contains(var), "{stderr}");
                assert!(stderr.contains("white space"), "{stderr}");
                assert!(!stderr.contains("s3cret-value"), "the key is not printed: {stderr}");
                assert!(output.stdout.is_empty());
            }
        }
    }
}

#[test]
fn keys_with_surrounding_whitespace_are_refused_from_a_seed_file() {
    let dir = support::TempDir::new("mock-seed-keys");
    for field in ["api_key", "url_key", "webhook_key"] {
        let seed = dir.join(&format!("{field}.json"));
        std::fs::write(&seed, serde_json::json!({ field: "s3cret-value\n" }).to_string()).expect("writes");
        let output =
            bounded(command(&["--seed", seed.to_str().expect("utf-8")], &[])).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{field}: {stderr}");
        assert!(stderr.contains(field) && stderr.contains("white space"), "{stderr}");
        assert!(!stderr.contains("s3cret-value") && output.stdout.is_empty(), "{stderr}");
    }
}

#[test]
fn url_and_webhook_keys_come_from_the_environment_and_are_never_printed() {
    let help = bounded(command(
        &["--help"],
        &[("FACEAUTH_MOCK_URL_KEY", "s3cret-url-key"), ("FACEAUTH_MOCK_WEBHOOK_KEY", "s3cret-hook-key")],
    ))
    .output()
    .expect("runs");
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success());
    assert!(text.contains("FACEAUTH_MOCK_URL_KEY") && text.contains("FACEAUTH_MOCK_WEBHOOK_KEY"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");

    let hooks = Receiver::start();
    let mock = Running::start(
        &["--api-key", "s3cret-api-key", "--webhook-url", hooks.url(), "--verbose"],
        &[("FACEAUTH_MOCK_URL_KEY", "s3cret-url-key"), ("FACEAUTH_MOCK_WEBHOOK_KEY", "s3cret-hook-key")],
    );
    // Links are decrypted with the URL key from the environment, not the API key.
    assert_eq!(mock.open_page("s3cret-api-key"), 400);
    assert_eq!(mock.open_page("s3cret-url-key"), 200);
    // Webhooks are sealed with the webhook key from the environment.
    let envelope: Value = serde_json::from_slice(&hooks.next()).expect("JSON");
    let cipher = Cipher::new(&Key::derive("s3cret-hook-key").expect("key"), Scheme::Ecb);
    let sealed = envelope["data"].as_str().expect("an encrypted webhook");
    let payload: Value = serde_json::from_str(&cipher.decrypt(sealed).expect("decrypts")).expect("JSON");
    assert_eq!(payload["webhook_trigger"], "faceAuth");
    let state = mock.control("GET", "/_mock/state", None).to_string();
    let stderr = mock.stop();
    for output in [&state, &stderr] {
        assert!(!output.contains("s3cret"), "{output}");
    }
}

#[test]
fn webhook_url_credentials_are_redacted_in_logs_and_delivery_errors() {
    // A port nobody listens on: the delivery fails, and says so on stderr.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let hook = format!("http://hook-user:s3cret-pw@127.0.0.1:{port}/hook");
    let mock = Running::start(&["--api-key", "api-key-1", "--webhook-url", &hook], &[]);
    assert_eq!(mock.open_page("api-key-1"), 200);
    let mut failed = false;
    for _ in 0..1000 {
        let state = mock.control("GET", "/_mock/state", None);
        assert!(!state.to_string().contains("s3cret-pw"), "{state}");
        if state["webhook_deliveries"]["failed"] == 1 {
            failed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(failed, "the delivery fails");
    let stderr = mock.stop();
    assert!(stderr.contains(&format!("webhooks to http://<redacted>@127.0.0.1:{port}/hook\n")), "{stderr}");
    assert!(
        stderr.contains(&format!("delivery to http://<redacted>@127.0.0.1:{port}/hook failed")),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret-pw") && !stderr.contains("hook-user"), "{stderr}");
}
