//! Gives `libfaceauth.so` its soname and, with the `generate-header` feature, writes
//! `include/faceauth.h` (or `$FACEAUTH_HEADER_OUT`) with cbindgen.

fn main() {
    // The soname carries the ABI's major version; only ELF linkers take -soname.
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" || target_os.ends_with("bsd") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libfaceauth.so.0");
    }
    println!("cargo:rerun-if-changed=build.rs");

    #[cfg(feature = "generate-header")]
    header::generate();
}

#[cfg(feature = "generate-header")]
mod header {
    use std::path::PathBuf;

    /// Writes the header; any failure fails the build, so a stale header never goes unnoticed.
    pub fn generate() {
        let crate_dir = PathBuf::from(env("CARGO_MANIFEST_DIR"));
        let out = match std::env::var_os("FACEAUTH_HEADER_OUT") {
            Some(path) => PathBuf::from(path),
            None => crate_dir.join("../include/faceauth.h"),
        };
        println!("cargo:rerun-if-env-changed=FACEAUTH_HEADER_OUT");
        println!("cargo:rerun-if-changed=src");
        println!("cargo:rerun-if-changed=cbindgen.toml");
        println!("cargo:rerun-if-changed=Cargo.toml");
        // A header that is missing or edited by hand is written again.
        println!("cargo:rerun-if-changed={}", out.display());

        let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
            Ok(config) => config,
            Err(e) => fail(&format!("cannot read cbindgen.toml: {e}")),
        };
        let bindings = match cbindgen::Builder::new().with_crate(&crate_dir).with_config(config).generate() {
            Ok(bindings) => bindings,
            Err(e) => fail(&format!("cbindgen cannot generate the header: {e}")),
        };
        if let Some(dir) = out.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                fail(&format!("cannot create {}: {e}", dir.display()));
            }
        }
        bindings.write_to_file(&out);
    }

    fn env(name: &str) -> String {
        std::env::var(name).unwrap_or_else(|_| fail(&format!("{name} is not set")))
    }

    fn fail(message: &str) -> ! {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}
