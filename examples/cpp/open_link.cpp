// open_link: the whole FaceAuth loop against the local simulator (`faceauth mock`), in C++.
//
//   FACEAUTH_API_KEY=… open_link http://127.0.0.1:PORT PID SID
//
// 1. issues a FaceAuth link for submission SID from a token ledger (here in memory: a file or
//    PostgreSQL in production), which mints its token and records it (what your server hands the
//    user);
// 2. opens it on the simulator, as the user's browser would (GET {base}/face-auth?pid=…&
//    encrypted=…): the simulator decrypts it, "takes the selfie" and sends the faceAuth webhook;
// 3. parses that webhook. In production Argos POSTs it to your webhook URL and your HTTP server
//    hands the body to faceauth::parse_webhook. Here the body comes from the simulator's outbox
//    (GET /_mock/last-webhook), which keeps every webhook exactly as it POSTed it, so the example
//    needs no server of its own. Start the simulator with --webhook-key to get encrypted webhooks.
// 4. applies the webhook to the ledger and branches on what it says, typed (the token's state,
//    the result's status): no JSON parser. A real server would confirm it with Argos first
//    (Ledger::apply_confirmed).
//
// The HTTP client below is the smallest that works: plain HTTP/1.0 to a loopback address, no
// TLS, no redirects. Real code uses its own HTTP library.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "faceauth.hpp"

namespace {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET http://127.0.0.1:PORT/PATH?QUERY, answered in full before the server closes.
HttpResponse http_get(const std::string &url) {
  const std::string scheme = "http://127.0.0.1:";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    throw std::runtime_error("this example only opens http://127.0.0.1:PORT/… URLs");
  }
  const std::size_t slash = url.find('/', scheme.size());
  const int port = std::stoi(url.substr(scheme.size(), slash - scheme.size()));
  const std::string target = slash == std::string::npos ? "/" : url.substr(slash);

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw std::runtime_error("socket failed");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  timeval timeout{10, 0};  // never hang a test on a silent server
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  const std::string request = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      throw std::runtime_error("send failed");
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char chunk[4096];
  for (ssize_t n; (n = ::recv(fd, chunk, sizeof chunk, 0)) != 0;) {
    if (n < 0) {
      throw std::runtime_error("recv failed or timed out");
    }
    raw.append(chunk, static_cast<std::size_t>(n));
  }
  // "HTTP/1.1 200 OK\r\n…\r\n\r\nbody"
  const std::size_t end = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || raw.size() < 12 || end == std::string::npos) {
    throw std::runtime_error("not an HTTP response");
  }
  return {std::stoi(raw.substr(9, 3)), raw.substr(end + 4)};
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 4) {
    std::cerr << "usage: FACEAUTH_API_KEY=… " << argv[0] << " http://127.0.0.1:PORT PID SID\n";
    return 2;
  }
  const char *key = std::getenv("FACEAUTH_API_KEY");
  if (key == nullptr || *key == '\0') {
    std::cerr << "open_link: set FACEAUTH_API_KEY\n";
    return 2;
  }
  const std::string base = argv[1], pid = argv[2], sid = argv[3];
  try {
    std::cout << "libfaceauth " << faceauth::version() << "\n";

    // 1. The link, with a token that expires it (the project's token rule decides when),
    //    recorded in the ledger before the URL is handed out.
    faceauth::UrlBuilder builder(pid, key);
    builder.set_base_url(base).set_lang("en");
    const faceauth::Ledger ledger(":memory:");
    const faceauth::IssuedLink issued =
        ledger.issue_url(builder, "count", faceauth::AuthParams(sid).with_user_id("user-1"));
    const std::string link(issued.url());
    std::cout << "link: " << link << "\n";

    // 2. The user opens it.
    const HttpResponse page = http_get(link);
    std::cout << "page: " << page.status << " " << page.body << "\n";
    if (page.status != 200) {
      std::cerr << "open_link: the hosted page answered " << page.status << "\n";
      return 1;
    }

    // 3. The webhook the simulator sent, decrypted when it is encrypted ({"data": …}).
    const HttpResponse hook = http_get(base + "/_mock/last-webhook");
    if (hook.status != 200) {
      std::cerr << "open_link: no webhook (" << hook.status << ")\n";
      return 1;
    }
    const faceauth::Cipher webhook_cipher(key);  // the webhook key; here the API key
    std::cout << "webhook: " << faceauth::parse_webhook(hook.body, webhook_cipher) << "\n";

    // 4. What it means for the token: typed values to branch on (json() has the whole record).
    const faceauth::WebhookOutcome outcome = ledger.apply_webhook(hook.body, webhook_cipher);
    const std::optional<faceauth::TokenStatus> status = outcome.status();
    if (outcome.kind() != faceauth::OutcomeKind::Recorded || !status ||
        status->state() != faceauth::TokenState::Completed) {
      std::cerr << "open_link: the webhook completed no token: " << outcome.json() << "\n";
      return 1;
    }
    switch (status->result_status()) {
      case faceauth::AuthStatus::Approved:
        std::cout << "result: approved " << status->result_auth_id().value_or("") << " (token "
                  << status->token_id() << ")\n";
        return 0;
      case faceauth::AuthStatus::Rejected:
        std::cout << "result: rejected (token " << status->token_id() << ")\n";
        return 1;
      default:  // a status this version does not know: ask again later
        std::cout << "result: unknown (token " << status->token_id() << ")\n";
        return 1;
    }
  } catch (const faceauth::Error &e) {
    std::cerr << "open_link: " << e.what() << "\n";  // "<status>: <message>", never the key
    return 1;
  } catch (const std::exception &e) {
    std::cerr << "open_link: " << e.what() << "\n";
    return 1;
  }
}
