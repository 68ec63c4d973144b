// tests/docs/check_blocks.py: every ```rust block of README.md and docs/ is the body of main(),
// compiled (not run) by rustdoc against the workspace's faceauth crate; the names the snippets
// use without defining them are set up here (rustdoc allows unused names); a `use` in the block
// shadows these.
use faceauth::crypto::{Key, Scheme};
use faceauth::url::{AuthParams, UrlBuilder};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api_key = String::from("0123456789abcdefghijABCDEFGHIJ0123456789");
    let links = UrlBuilder::new("demo-project", &Key::derive(&api_key)?, Scheme::Ecb)?;
    let request_body: Vec<u8> = br#"{"webhook_trigger":"faceAuth","data":{"Submission_id":"s"}}"#.to_vec();
    let body = request_body.clone();
{{BLOCK}}
    Ok(())
}
