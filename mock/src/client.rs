//! A client for a running simulator's control endpoints (`/_mock/…`) and hosted page, as the
//! in-process simulators of the C ABI and the Python binding call them.

use std::time::Duration;

use serde_json::Value;

/// How long a control or page request may take: the simulator is in the same process, so
/// seconds are plenty, and a hung request fails a test instead of hanging it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The agent of the control and page requests: [`REQUEST_TIMEOUT`], no redirect followed, no
/// proxy read from the environment, and every status an answer.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(REQUEST_TIMEOUT))
        .max_redirects(0)
        .proxy(None)
        .http_status_as_error(false)
        .build()
        .into()
}

/// Sends one request to the simulator (a JSON `body`, if any); its status and body.
///
/// # Errors
/// The request could not be made or got no answer.
pub fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> Result<(u16, Vec<u8>), ureq::Error> {
    let request = ureq::http::Request::builder().method(method).uri(url);
    let result = match body {
        Some(body) => agent.run(request.header("content-type", "application/json").body(body.to_string())?),
        // POST without a body sends an empty one (Content-Length: 0), not a chunked nothing.
        None if matches!(method, "POST" | "PUT" | "PATCH") => agent.run(request.body(Vec::new())?),
        None => agent.run(request.body(())?),
    };
    let mut response = result?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut response.body_mut().as_reader(), &mut bytes)?;
    Ok((response.status().as_u16(), bytes))
}
