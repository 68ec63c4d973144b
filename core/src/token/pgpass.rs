//! The password of a PostgreSQL connection whose location has none, found as libpq finds it:
//! `PGPASSWORD`, else the password file (`PGPASSFILE`, else `~/.pgpass`), so that the password
//! need not be in a location that command lines, process lists and shell histories show.
//!
//! The file holds lines `host:port:database:username:password`; `#` starts a comment line; a
//! field of `*` alone matches anything; `\` escapes the next character (`\:`, `\\`). The first
//! line that matches wins. As libpq does, a file that group or others can read (any mode bit
//! beyond 0600), or that is not a plain file, is ignored, and a notice says why.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use postgres::config::Host;
use postgres::Config;
use zeroize::Zeroizing;

/// The port libpq assumes when a location names none.
const DEFAULT_PORT: u16 = 5432;

/// The host a password file entry is matched against for a Unix socket in one of the
/// directories libpq builds commonly use, as libpq does for its default socket directory.
const DEFAULT_HOST: &str = "localhost";

/// Socket directories that read as [`DEFAULT_HOST`] (upstream's default, and Debian's).
const DEFAULT_SOCKET_DIRS: [&str; 3] = ["/tmp", "/var/run/postgresql", "/run/postgresql"];

/// What one connection is matched against: the fields of a password file line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The first host of the location (libpq matches each host in turn; one password serves
    /// every host here, as the driver takes one).
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The database (the user name when the location names none, as libpq defaults it).
    pub database: String,
    /// The user.
    pub user: String,
}

impl Target {
    /// The target of `config`; `None` without a user (the driver refuses to connect then).
    pub fn of(config: &Config) -> Option<Target> {
        let user = config.get_user()?.to_owned();
        let host = match config.get_hosts().first() {
            Some(Host::Tcp(host)) => host.clone(),
            Some(Host::Unix(dir)) => socket_host(dir),
            None => match config.get_hostaddrs().first() {
                Some(addr) => addr.to_string(),
                None => DEFAULT_HOST.to_owned(),
            },
        };
        let port = config.get_ports().first().copied().unwrap_or(DEFAULT_PORT);
        let database = config.get_dbname().map_or_else(|| user.clone(), str::to_owned);
        Some(Target { host, port, database, user })
    }
}

fn socket_host(dir: &Path) -> String {
    match dir.to_str() {
        Some(text) if DEFAULT_SOCKET_DIRS.contains(&text.trim_end_matches('/')) => DEFAULT_HOST.to_owned(),
        Some(text) => text.to_owned(),
        None => dir.to_string_lossy().into_owned(),
    }
}

/// A password found for a connection, and notices about sources that were skipped.
#[derive(Default)]
pub(crate) struct Found {
    /// The password, wiped when dropped.
    pub password: Option<Zeroizing<Vec<u8>>>,
    /// Where it came from, for messages: `PGPASSWORD`, or the password file's path.
    pub source: Option<String>,
    /// Why a password file was not read (permissions, not a plain file), for the caller to
    /// show: the same warning libpq prints.
    pub notice: Option<String>,
}

impl std::fmt::Debug for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Found")
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("source", &self.source)
            .field("notice", &self.notice)
            .finish()
    }
}

/// Fills in the password of `config` when its location has none: `PGPASSWORD`, else the
/// first matching line of the password file. `env` reads an environment variable (the process
/// environment in [`PostgresLedger`](super::PostgresLedger); a map in tests).
pub(crate) fn fill_password(config: &mut Config, env: &dyn Fn(&str) -> Option<OsString>) -> Found {
    if config.get_password().is_some_and(|p| !p.is_empty()) {
        return Found::default();
    }
    let found = find(config, env);
    if let Some(password) = &found.password {
        config.password(password.as_slice());
    }
    found
}

fn find(config: &Config, env: &dyn Fn(&str) -> Option<OsString>) -> Found {
    if let Some(value) = env("PGPASSWORD").filter(|v| !v.is_empty()) {
        let bytes = Zeroizing::new(os_bytes(value));
        return Found { password: Some(bytes), source: Some("PGPASSWORD".to_owned()), notice: None };
    }
    let Some(target) = Target::of(config) else { return Found::default() };
    let path = match env("PGPASSFILE").filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => match env("HOME").filter(|v| !v.is_empty()) {
            Some(home) => PathBuf::from(home).join(".pgpass"),
            None => return Found::default(),
        },
    };
    match read_file(&path) {
        Ok(Some(text)) => {
            let password = lookup(&text, &target);
            let source = password.as_ref().map(|_| path.display().to_string());
            Found { password, source, notice: None }
        }
        Ok(None) => Found::default(),
        Err(notice) => Found { notice: Some(notice), ..Found::default() },
    }
}

#[cfg(unix)]
fn os_bytes(value: OsString) -> Vec<u8> {
    std::os::unix::ffi::OsStringExt::into_vec(value)
}

#[cfg(not(unix))]
fn os_bytes(value: OsString) -> Vec<u8> {
    value.to_string_lossy().into_owned().into_bytes()
}

/// The password file's bytes (wiped when dropped); `Ok(None)` when there is none; `Err` with
/// the notice when it exists but must not be used.
fn read_file(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
    let Ok(meta) = std::fs::metadata(path) else { return Ok(None) };
    if !meta.is_file() {
        return Err(format!("password file {} is not a plain file: ignored", path.display()));
    }
    check_mode(path, &meta)?;
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
        Err(err) => Err(format!("cannot read the password file {}: {err}", path.display())),
    }
}

#[cfg(unix)]
fn check_mode(path: &Path, meta: &std::fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "password file {} has group or world access (mode {mode:03o}); permissions should be \
             u=rw (0600) or less: ignored",
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), String> {
    Ok(())
}

/// The password of the first line of `text` that matches `target`, unescaped; wiped when
/// dropped.
pub(crate) fn lookup(text: &[u8], target: &Target) -> Option<Zeroizing<Vec<u8>>> {
    let port = target.port.to_string();
    let wanted =
        [target.host.as_bytes(), port.as_bytes(), target.database.as_bytes(), target.user.as_bytes()];
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let mut rest = line;
        let matched = wanted.iter().all(|field| match field_matches(rest, field) {
            Some(after) => {
                rest = after;
                true
            }
            None => false,
        });
        if matched {
            return Some(unescape_password(rest));
        }
    }
    None
}

/// If `line` starts with a field that matches `wanted` (`*` alone, or the same bytes with `\`
/// escapes) and its `:`, the rest after that `:`.
fn field_matches<'a>(line: &'a [u8], wanted: &[u8]) -> Option<&'a [u8]> {
    if let Some(rest) = line.strip_prefix(b"*:") {
        return Some(rest);
    }
    let mut at = 0;
    let mut want = wanted.iter();
    loop {
        let mut byte = *line.get(at)?;
        let escaped = byte == b'\\';
        if escaped {
            at += 1;
            byte = *line.get(at)?;
        }
        at += 1;
        if byte == b':' && !escaped {
            return want.next().is_none().then(|| &line[at..]);
        }
        if want.next() != Some(&byte) {
            return None;
        }
    }
}

/// The password field: up to the first unescaped `:` (or the line's end), escapes removed.
fn unescape_password(field: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(field.len()));
    let mut bytes = field.iter();
    while let Some(&byte) = bytes.next() {
        match byte {
            b':' => break,
            b'\\' => match bytes.next() {
                Some(&next) => out.push(next),
                None => out.push(b'\\'),
            },
            _ => out.push(byte),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::str::FromStr;

    use super::*;

    fn target(host: &str, port: u16, database: &str, user: &str) -> Target {
        Target { host: host.to_owned(), port, database: database.to_owned(), user: user.to_owned() }
    }

    fn found(text: &str, t: &Target) -> Option<String> {
        lookup(text.as_bytes(), t).map(|p| String::from_utf8(p.to_vec()).expect("utf-8"))
    }

    #[test]
    fn an_exact_line_matches_and_others_do_not() {
        let text = "db.internal:5432:faceauth:faceauth:s3cret\n";
        assert_eq!(
            found(text, &target("db.internal", 5432, "faceauth", "faceauth")).as_deref(),
            Some("s3cret")
        );
        assert_eq!(found(text, &target("db.internal", 5433, "faceauth", "faceauth")), None);
        assert_eq!(found(text, &target("db.internal", 5432, "other", "faceauth")), None);
        assert_eq!(found(text, &target("db.internal", 5432, "faceauth", "alice")), None);
        assert_eq!(found(text, &target("db", 5432, "faceauth", "faceauth")), None, "a prefix is no match");
        assert_eq!(found(text, &target("db.internal.x", 5432, "faceauth", "faceauth")), None);
    }

    #[test]
    fn wildcards_match_any_value() {
        let text = "*:*:*:faceauth:pw-any\n";
        assert_eq!(found(text, &target("h", 1, "d", "faceauth")).as_deref(), Some("pw-any"));
        assert_eq!(found(text, &target("h", 1, "d", "other")), None);
        // `*` is a wildcard only as the whole field.
        let text = "h*:5432:d:u:x\n";
        assert_eq!(found(text, &target("host", 5432, "d", "u")), None);
        assert_eq!(found(text, &target("h*", 5432, "d", "u")).as_deref(), Some("x"));
    }

    #[test]
    fn escapes_read_as_the_character() {
        // A host with a colon (an IPv6 address), and a password with a colon and a backslash.
        let text = "\\:\\:1:5432:d:u:pa\\:ss\\\\word\n";
        assert_eq!(found(text, &target("::1", 5432, "d", "u")).as_deref(), Some("pa:ss\\word"));
        // An unescaped colon ends the password, as in libpq.
        assert_eq!(found("h:1:d:u:abc:def\n", &target("h", 1, "d", "u")).as_deref(), Some("abc"));
        // `\*` is a literal star, not a wildcard.
        assert_eq!(found("\\*:1:d:u:p\n", &target("h", 1, "d", "u")), None);
        assert_eq!(found("\\*:1:d:u:p\n", &target("*", 1, "d", "u")).as_deref(), Some("p"));
    }

    #[test]
    fn the_first_matching_line_wins() {
        let text = "# comment:*:*:*:no\n\nother:*:*:*:wrong\nh:*:*:u:first\r\n*:*:*:*:second\n";
        assert_eq!(found(text, &target("h", 5432, "d", "u")).as_deref(), Some("first"));
        assert_eq!(found(text, &target("x", 5432, "d", "u")).as_deref(), Some("second"));
    }

    #[test]
    fn short_and_empty_lines_never_match() {
        assert_eq!(found("h:1:d\n", &target("h", 1, "d", "u")), None);
        assert_eq!(found("h:1:d:u\n", &target("h", 1, "d", "u")), None);
        assert_eq!(found("h:1:d:u:\n", &target("h", 1, "d", "u")).as_deref(), Some(""));
    }

    #[test]
    fn the_target_comes_from_the_location_with_libpq_defaults() {
        let config = Config::from_str("postgres://alice@db.internal/ledger").expect("parses");
        assert_eq!(Target::of(&config), Some(target("db.internal", 5432, "ledger", "alice")));
        let config = Config::from_str("postgres://alice@127.0.0.1:6000").expect("parses");
        assert_eq!(Target::of(&config), Some(target("127.0.0.1", 6000, "alice", "alice")));
        let config = Config::from_str("host=/var/run/postgresql user=bob dbname=x").expect("parses");
        assert_eq!(Target::of(&config), Some(target("localhost", 5432, "x", "bob")));
        let config = Config::from_str("postgres://db.internal/ledger").expect("parses");
        assert_eq!(Target::of(&config), None, "no user: nothing to match");
    }

    /// A temporary directory, removed on drop.
    struct Dir(PathBuf);

    impl Dir {
        fn new(tag: &str) -> Dir {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let dir =
                std::env::temp_dir().join(format!("faceauth-pgpass-{tag}-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("creates a directory");
            Dir(dir)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            std::fs::remove_dir_all(&self.0).ok();
        }
    }

    fn env_of(vars: &[(&str, &Path)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> =
            vars.iter().map(|(k, v)| ((*k).to_owned(), v.as_os_str().to_owned())).collect();
        move |name| map.get(name).cloned()
    }

    fn write_mode(path: &Path, text: &str, mode: u32) {
        std::fs::write(path, text).expect("writes the file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        #[cfg(not(unix))]
        let _ = mode;
    }

    #[test]
    fn the_password_reaches_the_connection_config() {
        let dir = Dir::new("config");
        let file = dir.0.join("pgpass");
        write_mode(&file, "db.internal:5432:ledger:alice:from-file\n", 0o600);
        let env = env_of(&[("PGPASSFILE", &file)]);

        let mut config = Config::from_str("postgres://alice@db.internal/ledger").expect("parses");
        let found = fill_password(&mut config, &env);
        assert_eq!(config.get_password(), Some(&b"from-file"[..]));
        assert_eq!(found.source.as_deref(), file.to_str());
        assert!(found.notice.is_none());
        assert!(!format!("{found:?}").contains("from-file"), "{found:?}");

        // PGPASSWORD comes before the file; a password in the location before both.
        let env_pw = |name: &str| match name {
            "PGPASSWORD" => Some(OsString::from("from-env")),
            "PGPASSFILE" => Some(file.clone().into_os_string()),
            _ => None,
        };
        let mut config = Config::from_str("postgres://alice@db.internal/ledger").expect("parses");
        assert_eq!(fill_password(&mut config, &env_pw).source.as_deref(), Some("PGPASSWORD"));
        assert_eq!(config.get_password(), Some(&b"from-env"[..]));
        let mut config = Config::from_str("postgres://alice:given@db.internal/ledger").expect("parses");
        assert!(fill_password(&mut config, &env_pw).source.is_none());
        assert_eq!(config.get_password(), Some(&b"given"[..]));

        // ~/.pgpass when PGPASSFILE is unset.
        let home = Dir::new("home");
        write_mode(&home.0.join(".pgpass"), "*:*:*:alice:from-home\n", 0o600);
        let mut config = Config::from_str("postgres://alice@db.internal/ledger").expect("parses");
        fill_password(&mut config, &env_of(&[("HOME", &home.0)]));
        assert_eq!(config.get_password(), Some(&b"from-home"[..]));

        // No line for this user: no password, no notice.
        let mut config = Config::from_str("postgres://bob@db.internal/ledger").expect("parses");
        let found = fill_password(&mut config, &env);
        assert!(config.get_password().is_none() && found.notice.is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_ignored_with_a_notice() {
        let dir = Dir::new("mode");
        let file = dir.0.join("pgpass");
        for mode in [0o644, 0o640, 0o604, 0o660, 0o700] {
            write_mode(&file, "*:*:*:*:leaky\n", mode);
            let mut config = Config::from_str("postgres://alice@h/d").expect("parses");
            let found = fill_password(&mut config, &env_of(&[("PGPASSFILE", &file)]));
            if mode == 0o700 {
                // Only group and other bits count, as in libpq.
                assert_eq!(config.get_password(), Some(&b"leaky"[..]));
                continue;
            }
            assert!(config.get_password().is_none(), "mode {mode:o}");
            let notice = found.notice.expect("a notice");
            assert!(notice.contains("group or world access") && notice.contains("0600"), "{notice}");
            assert!(!notice.contains("leaky"));
        }
        for mode in [0o600, 0o400] {
            write_mode(&file, "*:*:*:*:fine\n", mode);
            let mut config = Config::from_str("postgres://alice@h/d").expect("parses");
            fill_password(&mut config, &env_of(&[("PGPASSFILE", &file)]));
            assert_eq!(config.get_password(), Some(&b"fine"[..]), "mode {mode:o}");
        }
        // A directory is not a password file.
        let mut config = Config::from_str("postgres://alice@h/d").expect("parses");
        let found = fill_password(&mut config, &env_of(&[("PGPASSFILE", &dir.0)]));
        assert!(found.notice.is_some_and(|n| n.contains("not a plain file")));
    }
}
