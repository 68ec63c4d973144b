//! Where the API key comes from: one rule for every source, explicit options before the
//! environment, and key files kept private.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;

mod support;

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";
/// The spec's reference ciphertext of `{"sid":"abc123xyz"}` under KEY (ECB).
const REFERENCE_CT: &str = "Xvg7uxPli/O9VuUW0jaEfCW8iRefWOY6DTH9eqQuWVdcOAJuFcKlHSxqds6WHAJCXtdicWVYGEnRpaFqAcrvXNLZYkpCg04dO4YFimGWuF8=";
const OTHER_KEY: &str = "some-other-valid-key-31c9";

fn faceauth() -> Command {
    let mut cmd = Command::cargo_bin("faceauth").expect("binary built");
    cmd.env_remove("FACEAUTH_API_KEY");
    cmd
}

/// Runs and checks that no key, padded or not, reached the output.
fn output(cmd: &mut Command) -> Output {
    let output = cmd.output().expect("runs");
    let all =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!all.contains(KEY) && !all.contains(OTHER_KEY), "a key leaked: {all}");
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_padded_key_is_refused_from_every_source_never_used() {
    let dir = support::TempDir::new("padded-key");
    for padding in ["\n", "\r\n", "\r", " ", "\t"] {
        let padded = format!("{KEY}{padding}");
        let from_flag = output(faceauth().args(["decrypt", "--api-key", &padded, REFERENCE_CT]));
        let from_env = output(faceauth().env("FACEAUTH_API_KEY", &padded).args(["decrypt", REFERENCE_CT]));
        let leading =
            output(faceauth().args(["decrypt", "--api-key", &format!("{padding}{KEY}"), REFERENCE_CT]));
        for (source, out) in
            [("--api-key", &from_flag), ("FACEAUTH_API_KEY", &from_env), ("--api-key", &leading)]
        {
            // An unusable key, from any source, is a usage error.
            assert_eq!(out.status.code(), Some(2), "{padding:?} from {source}: {}", stderr(out));
            assert!(out.stdout.is_empty(), "{padding:?} from {source} printed output");
            let message = stderr(out);
            assert!(message.contains(source) && message.contains("white space"), "{message}");
        }
    }
    // In a file, the line end is not part of the key; spaces before it are.
    let path = dir.join("key");
    std::fs::write(&path, format!("{KEY}  \n")).expect("writes");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out =
        output(faceauth().args(["decrypt", "--api-key-file", path.to_str().expect("utf-8"), REFERENCE_CT]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("white space"), "{}", stderr(&out));
    // The same URL for `url` as for `auth`: the rule sits under every keyed command.
    let out = output(
        faceauth().env("FACEAUTH_API_KEY", format!("{KEY}\n")).args(["url", "--pid", "p", "--sid", "s"]),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn an_explicit_option_wins_over_the_environment() {
    let dir = support::TempDir::new("key-precedence");
    let path = dir.join("key");
    for line_end in ["\n", "\r\n", ""] {
        std::fs::write(&path, format!("{KEY}{line_end}")).expect("writes");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let out = output(faceauth().env("FACEAUTH_API_KEY", OTHER_KEY).args([
            "decrypt",
            "--api-key-file",
            path.to_str().expect("utf-8"),
            REFERENCE_CT,
        ]));
        assert_eq!(out.status.code(), Some(0), "{line_end:?}: {}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("abc123xyz"));
        assert!(stderr(&out).is_empty(), "a private key file warns: {}", stderr(&out));
    }
    let out = output(faceauth().env("FACEAUTH_API_KEY", OTHER_KEY).args([
        "decrypt",
        "--api-key",
        KEY,
        REFERENCE_CT,
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Both options at once is a usage error.
    let out = output(faceauth().args(["decrypt", "--api-key", KEY, "--api-key-file", "x", REFERENCE_CT]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_key_file_others_can_read_gets_a_warning() {
    let dir = support::TempDir::new("key-mode");
    let path = dir.join("key");
    std::fs::write(&path, format!("{KEY}\n")).expect("writes");
    for (mode, warns) in [(0o644, true), (0o640, true), (0o604, true), (0o600, false), (0o400, false)] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let out = output(faceauth().args([
            "decrypt",
            "--api-key-file",
            path.to_str().expect("utf-8"),
            REFERENCE_CT,
        ]));
        assert_eq!(out.status.code(), Some(0), "{mode:o}: {}", stderr(&out));
        let warned = stderr(&out).contains("warning") && stderr(&out).contains(&format!("{mode:03o}"));
        assert_eq!(warned, warns, "mode {mode:o}: {}", stderr(&out));
    }
}
