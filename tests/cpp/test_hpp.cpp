// Tests of include/faceauth.hpp, the C++17 wrapper: the shared crypto vectors, URL round trips,
// the Client against the simulator (tests/cpp/run.sh starts it), the Ledger in memory and on a file,
// every failure as a faceauth::Error with its status, move-only handles, and threads sharing one
// Cipher, one UrlBuilder and one Ledger. Prints "N passed, M failed"; exits 1 if any check failed. Built by
// tests/cpp/run.sh with -fsanitize=address,undefined, which fail it on any leak or error.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

#include "faceauth.hpp"
#include "vectors.h"  // generated from tests/fixtures/crypto.json by tests/c/gen_vectors.py

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const char *what, int line) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::fprintf(stderr, "FAIL line %d: %s\n", line, what);
  }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

// Runs `f`, which must throw faceauth::Error with `status`; returns the error for more checks.
faceauth::Error expect_error(faceauth::Status status, const std::function<void()> &f, int line) {
  try {
    f();
  } catch (const faceauth::Error &e) {
    if (e.status() != status) {
      std::fprintf(stderr, "FAIL line %d: status %s (%s), expected %s\n", line, e.status_name(),
                   e.what(), faceauth::status_name(status));
      ++failed;
    } else {
      ++passed;
    }
    return e;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "FAIL line %d: threw %s, not faceauth::Error\n", line, e.what());
    ++failed;
    return faceauth::Error(FACEAUTH_STATUS_INTERNAL, "wrong exception");
  }
  std::fprintf(stderr, "FAIL line %d: no exception, expected %s\n", line, faceauth::status_name(status));
  ++failed;
  return faceauth::Error(FACEAUTH_STATUS_INTERNAL, "no exception");
}
#define EXPECT_ERROR(status, body) expect_error((status), [&] { body; }, __LINE__)

bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

const char *const KEY = "0123456789abcdefghijABCDEFGHIJ0123456789";

// Handles are move-only, and moving never throws.
static_assert(!std::is_copy_constructible_v<faceauth::Cipher>);
static_assert(!std::is_copy_assignable_v<faceauth::Cipher>);
static_assert(std::is_nothrow_move_constructible_v<faceauth::Cipher>);
static_assert(std::is_nothrow_move_assignable_v<faceauth::Cipher>);
static_assert(!std::is_copy_constructible_v<faceauth::UrlBuilder>);
static_assert(std::is_nothrow_move_constructible_v<faceauth::UrlBuilder>);
static_assert(std::is_nothrow_move_assignable_v<faceauth::UrlBuilder>);
static_assert(std::is_base_of_v<std::runtime_error, faceauth::Error>);
static_assert(!std::is_copy_constructible_v<faceauth::Client>);
static_assert(std::is_nothrow_move_constructible_v<faceauth::Client>);
static_assert(std::is_nothrow_move_assignable_v<faceauth::Client>);
static_assert(!std::is_copy_constructible_v<faceauth::Records>);
static_assert(std::is_nothrow_move_constructible_v<faceauth::Records>);
static_assert(!std::is_copy_constructible_v<faceauth::Ledger>);
static_assert(!std::is_copy_assignable_v<faceauth::Ledger>);
static_assert(std::is_nothrow_move_constructible_v<faceauth::Ledger>);
static_assert(std::is_nothrow_move_assignable_v<faceauth::Ledger>);
static_assert(!std::is_copy_constructible_v<faceauth::Simulator>);
static_assert(std::is_nothrow_move_constructible_v<faceauth::Simulator>);

void test_version() {
  const std::string expected = std::to_string(FACEAUTH_VERSION_MAJOR) + "." +
                               std::to_string(FACEAUTH_VERSION_MINOR) + "." +
                               std::to_string(FACEAUTH_VERSION_PATCH);
  CHECK(faceauth::version() == expected);
  CHECK(std::strcmp(faceauth::status_name(FACEAUTH_STATUS_BAD_PADDING), "bad_padding") == 0);
}

void test_vectors() {
  for (const auto &v : VECTORS) {
    const faceauth::Cipher ecb(v.key, "ecb"), cbc(v.key, "cbc"), gcm(v.key, "gcm");
    CHECK(ecb.encrypt(v.plaintext) == v.ecb);  // ECB is deterministic
    CHECK(ecb.decrypt(v.ecb) == v.plaintext);
    CHECK(cbc.decrypt(v.cbc) == v.plaintext);
    CHECK(gcm.decrypt(v.gcm) == v.plaintext);
    CHECK(gcm.decrypt(gcm.encrypt(v.plaintext)) == v.plaintext);
  }
}

// diagnose on the shared vectors: GCM found by its tag, the default ECB and CBC variants decrypt.
void test_diagnose() {
  for (const auto &v : VECTORS) {
    CHECK(faceauth::diagnose(v.gcm, v.key).rfind("{\"best\":\"gcm-nonce-ct-tag\",", 0) == 0);
    CHECK(contains(faceauth::diagnose(v.ecb, v.key), "{\"variant\":\"ecb-sha256\",\"ok\":true,"));
    CHECK(contains(faceauth::diagnose(v.cbc, v.key), "{\"variant\":\"cbc-ivprefix\",\"ok\":true,"));
  }
  // Another key: a report with no best variant, not an exception.
  CHECK(faceauth::diagnose(VECTORS[0].gcm, "another-key-entirely-0123456789").rfind("{\"best\":null,", 0) == 0);
  EXPECT_ERROR(FACEAUTH_STATUS_EMPTY_CIPHERTEXT, faceauth::diagnose(" ", KEY));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ENCODING, faceauth::diagnose("{\"json\": true}", KEY));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, faceauth::diagnose(VECTORS[0].gcm, std::string(KEY) + '\0' + "x"));
}

void test_errors() {
  // Wrong key: the error carries the status, a message and no HTTP status.
  const faceauth::Cipher right(KEY), wrong("another-key-entirely-0123456789");
  const std::string sealed = right.encrypt("{\"sid\":\"s\"}");
  const faceauth::Error e = EXPECT_ERROR(FACEAUTH_STATUS_BAD_PADDING, wrong.decrypt(sealed));
  CHECK(!e.message().empty());
  CHECK(e.http_status() == 0);
  CHECK(std::string(e.what()) == "bad_padding: " + e.message());
  CHECK(std::strcmp(e.status_name(), "bad_padding") == 0);
  CHECK(!contains(e.what(), KEY));

  EXPECT_ERROR(FACEAUTH_STATUS_UNKNOWN_VARIANT, faceauth::Cipher(KEY, "rot13"));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_KEY, faceauth::Cipher(""));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_KEY, faceauth::Cipher(std::string(KEY) + "\n"));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ENCODING, right.decrypt("***"));
  EXPECT_ERROR(FACEAUTH_STATUS_EMPTY_CIPHERTEXT, right.decrypt(""));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_UTF8, right.encrypt("\xff\xfe"));
  // A NUL byte would cut the C string short: refused, never truncated.
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, faceauth::Cipher(std::string(KEY) + '\0' + "x"));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, right.encrypt(std::string("a\0b", 3)));
}

void test_bytes() {
  const faceauth::Cipher c(KEY, "gcm");
  const std::vector<std::uint8_t> data{'a', 0, 'b', 0xff};
  const std::string sealed = c.encrypt_bytes(data);
  CHECK(c.decrypt_bytes(sealed) == data);
  EXPECT_ERROR(FACEAUTH_STATUS_NOT_UTF8, c.decrypt(sealed));
  EXPECT_ERROR(FACEAUTH_STATUS_NUL_IN_OUTPUT, c.decrypt(c.encrypt_bytes({'a', 0, 'b'})));
  CHECK(c.decrypt_bytes(c.encrypt_bytes({})).empty());
}

void test_moves() {
  faceauth::Cipher a(KEY);
  faceauth::Cipher b(std::move(a));
  CHECK(b.decrypt(b.encrypt("x")) == "x");
  // A moved-from handle is empty: calls throw, never crash.
  EXPECT_ERROR(FACEAUTH_STATUS_NULL_POINTER, a.encrypt("x"));  // NOLINT(bugprone-use-after-move)
  EXPECT_ERROR(FACEAUTH_STATUS_NULL_POINTER, faceauth::inspect_url("pid=p&encrypted=x", a));
  // Move assignment frees the cipher it replaces (the leak checker watches).
  faceauth::Cipher c(KEY, "gcm");
  c = std::move(b);
  CHECK(c.decrypt(c.encrypt("y")) == "y");
  a = std::move(c);
  CHECK(a.decrypt(a.encrypt("z")) == "z");

  faceauth::UrlBuilder u("p", KEY);
  faceauth::UrlBuilder v(std::move(u));
  EXPECT_ERROR(FACEAUTH_STATUS_NULL_POINTER, u.build({"s"}));  // NOLINT(bugprone-use-after-move)
  CHECK(contains(v.build({"s"}), "pid=p&encrypted="));
}

void test_urls() {
  faceauth::UrlBuilder builder("demo project", KEY, "gcm");
  const std::string plain = builder.build({"sub_1"});
  CHECK(plain.rfind("https://form.argosidentity.com/face-auth?pid=demo%20project&encrypted=", 0) == 0);
  CHECK(!contains(plain, "lang="));

  builder.set_lang("en").set_base_url("http://127.0.0.1:9/base/");
  faceauth::AuthParams p = faceauth::AuthParams("sub_2").with_user_id("user \"1\"").with_cf2("é&=");
  p.token = faceauth::generate_token();
  const std::string url = builder.build(p);
  CHECK(url.rfind("http://127.0.0.1:9/base/face-auth?pid=", 0) == 0);
  CHECK(contains(url, "&lang=en"));

  const std::string json = faceauth::inspect_url(url, faceauth::Cipher(KEY, "gcm"));
  CHECK(contains(json, "\"base_url\":\"http://127.0.0.1:9/base\""));
  CHECK(contains(json, "\"pid\":\"demo project\""));
  CHECK(contains(json, "\"lang\":\"en\""));
  CHECK(contains(json, "\"params\":{\"sid\":\"sub_2\",\"authUserId\":\"user \\\"1\\\"\",\"authCf2\":\"é&=\",\"token\":\"" +
                           *p.token + "\"}"));

  // Failed setters leave the builder as it was.
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, builder.set_lang("no spaces"));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, builder.set_base_url("ftp://example.com"));
  const std::string again = builder.build({"sub_3"});
  CHECK(again.rfind("http://127.0.0.1:9/base/face-auth?", 0) == 0 && contains(again, "&lang=en"));

  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, builder.build({""}));
  faceauth::AuthParams bad_token{"s"};
  bad_token.token = "x";
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_TOKEN, builder.build(bad_token));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, builder.build(faceauth::AuthParams("s").with_cf1("")));
  // Refused by a setter of the C parameters (freed all the same: ASan checks).
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_UTF8, builder.build(faceauth::AuthParams("s").with_cf3("\xff")));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_UTF8, builder.build(faceauth::AuthParams("\xff")));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, faceauth::UrlBuilder("", KEY));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_URL, faceauth::inspect_url("https://example.com/", faceauth::Cipher(KEY)));
  EXPECT_ERROR(FACEAUTH_STATUS_TAG_MISMATCH, faceauth::inspect_url(url, faceauth::Cipher("another-key-0123456789", "gcm")));
}

void test_tokens() {
  const std::string token = faceauth::generate_token();
  CHECK(token.rfind("tok_", 0) == 0 && token.size() == 30);
  CHECK(token != faceauth::generate_token());
  faceauth::validate_token(token);
  faceauth::validate_token("abc-123.XYZ_9");
  ++passed;
  const faceauth::Error e = EXPECT_ERROR(FACEAUTH_STATUS_INVALID_TOKEN, faceauth::validate_token("short"));
  CHECK(!e.message().empty());
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_TOKEN, faceauth::validate_token("-leading-dash"));
}

void test_webhooks() {
  const std::string body =
      "{\"webhook_trigger\":\"faceAuth\",\"Authentication_id\":\"a1\",\"Submission_id\":\"s1\","
      "\"Auth_Status\":\"approved\",\"Auth_User_id\":\"u1\"}";
  const std::string json = faceauth::parse_webhook(body);
  CHECK(json.rfind("{\"event\":\"faceAuth\"", 0) == 0);
  CHECK(contains(json, "\"a1\""));

  const faceauth::Cipher c(KEY);
  const std::string sealed = "{\"data\":\"" + c.encrypt(body) + "\"}";
  // The same event, said to come encrypted.
  std::string as_sealed = json;
  const std::string clear = "\"encrypted\":false";
  CHECK(as_sealed.find(clear) != std::string::npos);
  as_sealed.replace(as_sealed.find(clear), clear.size(), "\"encrypted\":true");
  CHECK(faceauth::parse_webhook(sealed, c) == as_sealed);
  EXPECT_ERROR(FACEAUTH_STATUS_WEBHOOK_KEY_REQUIRED, faceauth::parse_webhook(sealed));
  EXPECT_ERROR(FACEAUTH_STATUS_WEBHOOK_DECRYPT, faceauth::parse_webhook(sealed, faceauth::Cipher("another-key-0123456789")));
  EXPECT_ERROR(FACEAUTH_STATUS_WEBHOOK_MALFORMED, faceauth::parse_webhook("{not json"));
  CHECK(contains(faceauth::parse_webhook("{\"webhook_trigger\":\"new\"}"), "\"event\":\"unknown\""));
}

// 8 threads share one builder and one cipher (const members are thread-safe).
void test_threads() {
  const faceauth::UrlBuilder builder("p", KEY, "cbc");
  const faceauth::Cipher cipher(KEY, "cbc");
  std::vector<int> ok(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string sid = "s-" + std::to_string(t) + "-" + std::to_string(i);
        try {
          const std::string json = faceauth::inspect_url(builder.build({sid}), cipher);
          if (contains(json, "\"sid\":\"" + sid + "\"")) {
            ++ok[static_cast<std::size_t>(t)];
          }
        } catch (const faceauth::Error &) {
        }
      }
    });
  }
  for (auto &thread : threads) {
    thread.join();
  }
  for (const int n : ok) {
    CHECK(n == 50);
  }
}


// The string value of "key" in `json` (no escapes in it), or "" when absent.
std::string json_string(const std::string &json, const std::string &key) {
  const std::string pattern = "\"" + key + "\":\"";
  const auto start = json.find(pattern);
  if (start == std::string::npos) {
    return "";
  }
  const auto from = start + pattern.size();
  const auto end = json.find('"', from);
  return end == std::string::npos ? "" : json.substr(from, end - from);
}

std::size_t count_of(const std::string &haystack, const std::string &needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// The simulator tests/cpp/run.sh started (FACEAUTH_TEST_*), or nothing.
struct Mock {
  std::string url, key, project, submission, day;
  int rows = 0;
};

std::optional<Mock> mock_from_env() {
  const char *names[] = {"FACEAUTH_TEST_MOCK_URL", "FACEAUTH_TEST_MOCK_KEY", "FACEAUTH_TEST_MOCK_PROJECT",
                         "FACEAUTH_TEST_SUBMISSION", "FACEAUTH_TEST_SEEDED_DAY", "FACEAUTH_TEST_SEEDED_ROWS"};
  std::vector<std::string> values;
  for (const char *name : names) {
    const char *value = std::getenv(name);
    if (value == nullptr) {
      return std::nullopt;
    }
    values.emplace_back(value);
  }
  return Mock{values[0], values[1], values[2], values[3], values[4], std::atoi(values[5].c_str())};
}

// A loopback server that takes one connection, reads its request and never answers (until the
// client closes, or 30 s pass); `closed` says whether the client closed it.
struct StallServer {
  int fd = -1;
  std::string url;
  bool closed = false;
  std::thread thread;

  StallServer() {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
    thread = std::thread([this] {
      const int conn = accept(fd, nullptr, nullptr);
      if (conn < 0) {
        return;
      }
      timeval patience{30, 0};
      setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
      char buf[4096];
      ssize_t n = recv(conn, buf, sizeof buf, 0);
      while (n > 0) {
        n = recv(conn, buf, sizeof buf, 0);
      }
      closed = n == 0;
      close(conn);
    });
  }
  ~StallServer() {
    if (thread.joinable()) {
      thread.join();
    }
    close(fd);
  }
};

void test_client_control(const Mock &mock) {
  using namespace std::chrono_literals;
  // A cancel from another thread aborts the call in flight, promptly, closing the connection.
  {
    StallServer stall;
    faceauth::ClientOptions options;
    options.base_url = stall.url;
    options.proxy_from_env = false;
    const faceauth::Client client(mock.key, options);
    const faceauth::Cancel cancel;
    faceauth::CallOptions call;
    call.cancel = &cancel;
    std::thread trigger([&cancel] {
      std::this_thread::sleep_for(300ms);
      cancel.trigger();
    });
    const auto started = std::chrono::steady_clock::now();
    EXPECT_ERROR(FACEAUTH_STATUS_CANCELLED, client.get(call, "auth-1"));
    CHECK(std::chrono::steady_clock::now() - started < 2s);  // the server would stall 30 s
    trigger.join();
    CHECK(cancel.triggered());
    stall.thread.join();
    CHECK(stall.closed);
  }
  // A deadline ends the call with a timeout that names the attempts.
  {
    StallServer stall;
    faceauth::ClientOptions options;
    options.base_url = stall.url;
    const faceauth::Client client(mock.key, options);
    faceauth::CallOptions call;
    call.deadline = 300ms;
    const faceauth::Error e = EXPECT_ERROR(FACEAUTH_STATUS_API_TIMEOUT, client.delete_result(call, "auth-1"));
    CHECK(contains(e.what(), "after 1 attempt"));
  }
  // The attempt hook sees each attempt; one that throws does not break the call.
  {
    faceauth::ClientOptions options;
    options.base_url = mock.url;
    options.no_proxy = "127.0.0.1";
    options.user_agent_suffix = "cpp-tests/1.0";
    std::vector<faceauth::Attempt> seen;
    options.on_attempt = [&seen](const faceauth::Attempt &attempt) {
      seen.push_back(attempt);
      throw std::runtime_error("a hook that throws");
    };
    const faceauth::Client client(mock.key, options);
    const std::vector<std::uint8_t> png{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 0, 3};
    const faceauth::CallOptions call;
    const std::string auth_id = json_string(client.submit(call, mock.submission, png), "authentication_id");
    CHECK(client.get(call, auth_id).find(auth_id) != std::string::npos);
    CHECK(client.list(call, mock.day, mock.day, 0).next().has_value());
    CHECK(client.image(call, auth_id).bytes == png);
    client.delete_result(call, auth_id);
    CHECK(seen.size() == 5);
    if (seen.size() == 5) {
      CHECK(seen[0].method == "POST" && seen[0].route == "/FaceAuth" && seen[0].http_status == 200);
      CHECK(seen[0].number == 1 && seen[0].error == FACEAUTH_STATUS_OK);
      CHECK(seen[3].method == "GET" && seen[3].route == "/FaceAuth/Image");
      CHECK(seen[4].method == "DELETE");
    }
  }
  // Options the library refuses when the client is made.
  {
    faceauth::ClientOptions options;
    options.ca_file = "/nonexistent/ca.pem";
    EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, faceauth::Client(mock.key, options));
    options.ca_file.reset();
    options.proxy = "socks5://127.0.0.1:1";
    EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, faceauth::Client(mock.key, options));
    options.proxy = "http://user:secret-pw@127.0.0.1:3128";
    std::ostringstream printed;
    printed << options;
    CHECK(!contains(printed.str(), "secret-pw"));
  }
}

void test_client(const Mock &mock) {
  faceauth::ClientOptions options;
  options.base_url = mock.url;
  const faceauth::Client client(mock.key, options);

  // Submit a selfie, read it back, list it, fetch its image, erase it.
  const std::vector<std::uint8_t> png{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 0, 3};
  faceauth::SubmitFields fields;
  fields.user_id = "user-cpp";
  const faceauth::AuthResult answer = client.submit(mock.submission, png, fields);
  const std::string auth_id(answer.auth_id());
  CHECK(!auth_id.empty() && json_string(answer.json(), "authentication_id") == auth_id);
  CHECK(answer.status() == faceauth::AuthStatus::Approved);
  CHECK(json_string(answer.json(), "auth_status") == "approved");
  const faceauth::AuthRecord row = client.get(auth_id);
  CHECK(row.auth_id() == auth_id && json_string(row.json(), "auth_id") == auth_id);
  CHECK(row.project_id() == mock.project);
  CHECK(json_string(row.json(), "faceAuth_projectId") == mock.project);

  // The seeded day in pages of 2, through next().
  faceauth::Records day = client.list(mock.day, mock.day, 2);
  int rows = 0;
  while (const std::optional<faceauth::AuthRecord> next = day.next()) {
    CHECK(contains(next->json(), "\"auth_id\":\"" + std::string(next->auth_id()) + "\""));
    ++rows;
  }
  CHECK(rows == mock.rows);
  CHECK(!day.next().has_value());  // the end, again
  CHECK(!day.incomplete().has_value());
  // Everything, as a range: the seeded rows and the submitted one, once.
  int all = 0, submitted = 0;
  for (const faceauth::AuthRecord &each : client.list(std::nullopt, std::nullopt, 3)) {
    ++all;
    submitted += each.auth_id() == auth_id ? 1 : 0;
  }
  CHECK(all == mock.rows + 1 && submitted == 1);
  // A listing outlives its client, and may be moved.
  faceauth::Records moved = [&] {
    const faceauth::Client short_lived(mock.key, options);
    return short_lived.list(mock.day, mock.day, 0);
  }();
  faceauth::Records taken(std::move(moved));
  CHECK(taken.next().has_value());
  EXPECT_ERROR(FACEAUTH_STATUS_NULL_POINTER, moved.next());  // NOLINT(bugprone-use-after-move)

  // A webhook naming the result is confirmed with Argos; a forged one is not.
  const std::string hook = "{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Authentication_id\":\"" + auth_id +
                           "\",\"Submission_id\":\"" + mock.submission +
                           "\",\"Auth_Status\":\"rejected\",\"Token_id\":\"tok_cpp_hook01\"}}";
  const std::string confirmed = client.confirm_webhook(hook);
  CHECK(json_string(confirmed, "confirmed_by") == "argos");
  CHECK(json_string(confirmed, "status") == "approved");  // Argos's, not the body's
  EXPECT_ERROR(FACEAUTH_STATUS_WEBHOOK_UNCONFIRMED,
               client.confirm_webhook("{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Authentication_id\":"
                                      "\"fa_forged\",\"Token_id\":\"tok_cpp_hook01\"}}"));
  const faceauth::Ledger hooks(":memory:");
  const faceauth::WebhookOutcome not_ours = hooks.apply_confirmed(client, hook);
  CHECK(not_ours.kind() == faceauth::OutcomeKind::UnknownToken && not_ours.token_id() == "tok_cpp_hook01");
  CHECK(json_string(not_ours.json(), "outcome") == "unknown_token");

  const faceauth::Image image = client.image(auth_id);
  CHECK(image.bytes == png);
  CHECK(image.content_type == "image/png");

  client.delete_result(auth_id);
  const faceauth::AuthRecord erased = client.get(auth_id);
  CHECK(erased.deleted() && contains(erased.json(), "\"delete_check\":true"));

  // HTTP errors carry their status.
  const faceauth::Error gone = EXPECT_ERROR(FACEAUTH_STATUS_API_NOT_FOUND, client.image(auth_id));
  CHECK(gone.http_status() == 400);
  const faceauth::Error unknown = EXPECT_ERROR(FACEAUTH_STATUS_API_NOT_FOUND, client.get("fa_does_not_exist"));
  CHECK(unknown.http_status() == 400);
  const faceauth::Client wrong("wrong-cpp-key-0123456789abcdefghij", options);
  const faceauth::Error denied = EXPECT_ERROR(FACEAUTH_STATUS_API_AUTHENTICATION, wrong.get(auth_id));
  CHECK(denied.http_status() == 403);
  CHECK(!contains(denied.what(), "wrong-cpp-key"));
  faceauth::ClientOptions closed;
  closed.base_url = "http://127.0.0.1:1";
  closed.max_retries = 0;  // none
  const faceauth::Error refused =
      EXPECT_ERROR(FACEAUTH_STATUS_API_CONNECTION, faceauth::Client(mock.key, closed).get("x"));
  CHECK(refused.http_status() == 0);

  // Refused before sending.
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, client.list(std::string("2025-01-01"), std::nullopt));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, client.submit(mock.submission, {}));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, client.get(std::string("a\0b", 3)));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, faceauth::Client(""));
  faceauth::ClientOptions ftp;
  ftp.base_url = "ftp://127.0.0.1";
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, faceauth::Client(KEY, ftp));
  faceauth::ClientOptions zero;
  zero.timeout_ms = 0;
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, faceauth::Client(KEY, zero));
  faceauth::ClientOptions bad_utf8;
  bad_utf8.base_url = "http://\xff";
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_UTF8, faceauth::Client(KEY, bad_utf8));

  // Moves.
  faceauth::Client a(mock.key, options);
  faceauth::Client b(std::move(a));
  EXPECT_ERROR(FACEAUTH_STATUS_NULL_POINTER, a.get(auth_id));  // NOLINT(bugprone-use-after-move)
  CHECK(contains(b.get(auth_id).json(), auth_id));
}

// A faceAuth webhook (Argos's current shape) for `token`.
std::string face_auth_body(const std::string &token, const std::string &auth_id) {
  return "{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Submission_id\":\"sub_1\",\"Auth_Status\":"
         "\"approved\",\"Token_id\":\"" + token + "\",\"Authentication_id\":\"" + auth_id + "\"}}";
}

void test_ledger_at(const std::string &location) {
  const faceauth::Ledger ledger(location);
  const faceauth::UrlBuilder builder("p", KEY);
  const faceauth::IssuedLink issued = ledger.issue_url(builder, "time:3600",
                                                       faceauth::AuthParams("sub_1").with_user_id("u"),
                                                       std::string("{\"order\":\"A-1\"}"));
  const std::string link = issued.json(), token(issued.token_id());
  CHECK(json_string(link, "token") == token && json_string(link, "url") == issued.url());
  CHECK(issued.rule() == "time:3600");
  CHECK(link.rfind("{\"url\":\"https://form.argosidentity.com/face-auth?pid=p&encrypted=", 0) == 0);
  CHECK(token.rfind("tok_", 0) == 0 && contains(link, "\"rule\":\"time:3600\"}"));
  CHECK(contains(faceauth::inspect_url(json_string(link, "url"), faceauth::Cipher(KEY)), token));

  const faceauth::TokenStatus typed = ledger.status(token);
  CHECK(typed.state() == faceauth::TokenState::Unused && typed.token_id() == token);
  CHECK(typed.submission_id() == "sub_1" && typed.user_id() == "u" && typed.rule() == "time:3600");
  const std::string unused = typed.json();
  CHECK(unused.rfind("{\"token\":\"" + token + "\",\"state\":\"unused\"", 0) == 0);
  CHECK(contains(unused, "\"metadata\":{\"order\":\"A-1\"}"));

  const faceauth::WebhookOutcome recorded = ledger.apply_webhook(face_auth_body(token, "fa-1"));
  CHECK(recorded.kind() == faceauth::OutcomeKind::Recorded && recorded.status().has_value());
  CHECK(recorded.status()->state() == faceauth::TokenState::Completed);
  CHECK(recorded.status()->result_status() == faceauth::AuthStatus::Approved);
  CHECK(recorded.status()->result_auth_id() == "fa-1" && !recorded.status()->result_confirmed());
  const std::string outcome = recorded.json();
  CHECK(outcome.rfind("{\"outcome\":\"recorded\",\"status\":{\"token\":\"" + token + "\",\"state\":\"completed\"", 0) == 0);
  const faceauth::Cipher cipher(KEY);
  const std::string sealed = "{\"data\":\"" + cipher.encrypt(face_auth_body(token, "fa-2")) + "\"}";
  CHECK(contains(ledger.apply_webhook(sealed, cipher).json(), "\"auth_id\":\"fa-2\""));
  EXPECT_ERROR(FACEAUTH_STATUS_WEBHOOK_KEY_REQUIRED, ledger.apply_webhook(sealed));
  CHECK(ledger.apply_webhook(face_auth_body("tok_unknown_here", "fa-3")).json() ==
        "{\"outcome\":\"unknown_token\",\"token\":\"tok_unknown_here\"}");

  const std::string second = std::string(ledger.issue_url(builder, "count", {"sub_2"}).token_id());
  const faceauth::TokenStatus spent = ledger.mark_used(second);
  CHECK(spent.state() == faceauth::TokenState::Expired && spent.expiry_reason() == "count");
  CHECK(spent.expired_at_ms().has_value() && spent.first_used_at_ms().has_value() && !spent.until_ms());
  CHECK(contains(spent.json(), "\"state\":\"expired\",\"until\":null,\"reason\":\"count\""));

  const faceauth::TokenStatusList every = ledger.list();
  CHECK(every.size() == 2 && count_of(every.json(), "{\"token\":") == 2);
  CHECK(count_of(ledger.list(std::string("{\"state\":\"completed\"}")).json(), "{\"token\":") == 1);
  CHECK(ledger.list(std::string("{\"state\":\"completed\"}"))[0].token_id() == token);
  CHECK(ledger.list(std::string("{\"submission\":\"sub_3\"}")).json() == "[]");
  CHECK(count_of(ledger.list(std::string("{\"submission\":\"sub_2\",\"limit\":5}")).json(), second) == 1);

  EXPECT_ERROR(FACEAUTH_STATUS_TOKEN_UNKNOWN, ledger.status("tok_unknown_here"));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_TOKEN, ledger.mark_used("bad token"));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, ledger.issue_url(builder, "weekly", {"s"}));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, ledger.issue_url(builder, "count", {"s"}, std::string("{\"n\":1}")));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT,
               ledger.issue_url(builder, "count", faceauth::AuthParams("s").with_token("tok_given_123")));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, ledger.list(std::string("{\"colour\":\"red\"}")));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, ledger.purge(-1));
  EXPECT_ERROR(FACEAUTH_STATUS_WEBHOOK_MALFORMED, ledger.apply_webhook("{not json"));

  CHECK(ledger.purge(86400) == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(ledger.purge(0) == 2);
  CHECK(ledger.list().empty() && ledger.list().json() == "[]");
}

void test_ledger() {
  test_ledger_at(":memory:");
  const char *tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/faceauth-cpp-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    CHECK(!"mkdtemp failed");
    return;
  }
  const std::string path = dir + "/tokens.db";
  test_ledger_at(path);
  {
    // A file ledger keeps its tokens across opens.
    std::string token;
    {
      const faceauth::Ledger first(path);
      token = std::string(first.issue_url(faceauth::UrlBuilder("p", KEY), "count", {"s"}).token_id());
    }
    CHECK(faceauth::Ledger(path).status(token).state() == faceauth::TokenState::Unused);
  }
  for (const char *suffix : {"", "-wal", "-shm"}) {
    std::remove((path + suffix).c_str());
  }
  CHECK(rmdir(dir.c_str()) == 0);

  const faceauth::Error e =
      EXPECT_ERROR(FACEAUTH_STATUS_LEDGER_UNSUPPORTED, faceauth::Ledger("redis://u:s3cret-pw@db/t"));
  CHECK(!contains(e.what(), "s3cret-pw"));
  const faceauth::Error pg =
      EXPECT_ERROR(FACEAUTH_STATUS_LEDGER_STORAGE, faceauth::Ledger("postgres://u:s3cret-pw@127.0.0.1:1/t"));
  CHECK(!contains(pg.what(), "s3cret-pw"));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, faceauth::Ledger(""));
  EXPECT_ERROR(FACEAUTH_STATUS_LEDGER_STORAGE, faceauth::Ledger("/nonexistent-dir-of-faceauth/t.db"));

  faceauth::Ledger a(":memory:");
  faceauth::Ledger b(std::move(a));
  EXPECT_ERROR(FACEAUTH_STATUS_NULL_POINTER, a.list());  // NOLINT(bugprone-use-after-move)
  CHECK(b.list().json() == "[]");
}

// 8 threads share one Ledger and one UrlBuilder.
void test_ledger_threads() {
  const faceauth::Ledger ledger(":memory:");
  const faceauth::UrlBuilder builder("p", KEY);
  std::vector<int> ok(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        try {
          const std::string sid = "s-" + std::to_string(t) + "-" + std::to_string(i);
          const std::string token = std::string(ledger.issue_url(builder, "count", {sid}).token_id());
          const std::optional<faceauth::TokenStatus> after = ledger.apply_webhook(face_auth_body(token, sid)).status();
          if (after && after->state() == faceauth::TokenState::Completed) {
            ++ok[static_cast<std::size_t>(t)];
          }
        } catch (const faceauth::Error &) {
        }
      }
    });
  }
  for (auto &thread : threads) {
    thread.join();
  }
  for (const int n : ok) {
    CHECK(n == 10);
  }
  CHECK(ledger.list(std::string("{\"state\":\"completed\"}")).size() == 80);
}

}  // namespace

// What operator<< prints for `value`.
template <class T>
std::string printed(const T &value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

// No operator<< shows the key, a base URL's password or a PostgreSQL password; an unreachable
// PostgreSQL location's error does not either.
void test_redaction() {
  const std::string url_password = "s3cretpw";
  const std::string pg_password = "pg-Pa55word";
  const std::string base = "http://user:" + url_password + "@127.0.0.1:9/v3";
  const auto hidden = [&](const std::string &text) {
    return !contains(text, KEY) && !contains(text, url_password) && !contains(text, pg_password);
  };
  faceauth::ClientOptions options;
  options.base_url = base;
  options.timeout_ms = 1000;
  const faceauth::Client client(KEY, options);
  faceauth::UrlBuilder builder("pid-1", KEY);
  builder.set_base_url(base);
  const faceauth::Cipher cipher(KEY);
  const faceauth::Ledger ledger(":memory:");
  for (const std::string &text : {printed(options), printed(client), printed(builder), printed(cipher), printed(ledger)}) {
    CHECK(hidden(text));
  }
  CHECK(printed(client) == "faceauth::Client{base_url: \"http://<redacted>@127.0.0.1:9/v3\"}");
  CHECK(printed(builder) == "faceauth::UrlBuilder{project_id: \"pid-1\", base_url: \"http://<redacted>@127.0.0.1:9/v3\"}");
  CHECK(printed(options) == "faceauth::ClientOptions{base_url: \"http://<redacted>@127.0.0.1:9/v3\", timeout_ms: 1000, "
                            "connect_timeout_ms: default, max_retries: default}");
  CHECK(printed(cipher) == "faceauth::Cipher{key: <redacted>}");
  CHECK(printed(ledger) == "faceauth::Ledger{location: \":memory:\"}");
  CHECK(printed(faceauth::ClientOptions{}) ==
        "faceauth::ClientOptions{base_url: none, timeout_ms: default, connect_timeout_ms: default, "
        "max_retries: default}");
  CHECK(faceauth::redact_credentials("host=db password=" + pg_password) == "host=db password=<redacted>");
  faceauth::ClientOptions nul;
  nul.base_url = std::string("http://u:p@h\0x", 14);
  CHECK(printed(nul) == "faceauth::ClientOptions{base_url: \"<redacted>\", timeout_ms: default, "
                        "connect_timeout_ms: default, max_retries: default}");

  // A PostgreSQL location that cannot be reached: the error holds no password.
  for (const std::string &location : {"postgres://faceauth:" + pg_password + "@127.0.0.1:1/faceauth",
                                      "postgres://faceauth@127.0.0.1:1/faceauth?password=" + pg_password}) {
    const faceauth::Error e = EXPECT_ERROR(FACEAUTH_STATUS_LEDGER_STORAGE, faceauth::Ledger{location});
    CHECK(hidden(e.what()) && hidden(e.message()));
  }
  // An open one (the server FACEAUTH_TEST_POSTGRES names, when set): its location is redacted.
  if (const char *server = std::getenv("FACEAUTH_TEST_POSTGRES")) {
    const std::string location = server;
    const auto colon = location.find(':', location.find("://") + 3);
    const std::string password = location.substr(colon + 1, location.find('@') - colon - 1);
    const faceauth::Ledger pg(location);
    CHECK(!password.empty() && !contains(printed(pg), password) && contains(printed(pg), "<redacted>@"));
  } else {
    std::fprintf(stderr, "skipped: an open PostgreSQL ledger (FACEAUTH_TEST_POSTGRES is not set)\n");
  }
}

// The simulator in this process: no `faceauth` command, no environment.
void test_simulator() {
  const std::string key = "cpp-sim-key-0123456789abcdefghij";
  const faceauth::Simulator sim("{\"api_key\":\"" + key +
                                "\",\"project_id\":\"cpp-sim\",\"token_rule\":\"count\"}");
  CHECK(sim.base_url().rfind("http://127.0.0.1:", 0) == 0);
  CHECK(contains(printed(sim), sim.base_url()) && !contains(printed(sim), key));
  sim.add_submission("sub \"cpp\"");
  faceauth::UrlBuilder links("cpp-sim", key, "ecb");
  links.set_base_url(sim.base_url());
  const std::string link = links.build(faceauth::AuthParams("sub \"cpp\"").with_token("tok-cpp-simulator"));
  const std::string visit = sim.open(link);
  CHECK(contains(visit, "\"status\":200"));
  const std::string auth_id = json_string(visit, "auth_id");
  CHECK(!auth_id.empty() && contains(sim.open(link, "approved"), "\"status\":410"));
  CHECK(contains(sim.webhooks(), auth_id));

  faceauth::ClientOptions options;
  options.base_url = sim.base_url();
  options.max_retries = 0;  // no retries
  const faceauth::Client client(key, options);
  CHECK(contains(client.get(auth_id).json(), auth_id));
  CHECK(contains(sim.faults("{\"fail_next\":1,\"fail_status\":502}"), "\"fail_next\":1"));
  CHECK(EXPECT_ERROR(FACEAUTH_STATUS_API_SERVER, client.get(auth_id)).http_status() == 502);
  CHECK(sim.add_results("{\"count\":2}") == 2);
  CHECK(sim.advance_clock(60).size() > 10);
  CHECK(contains(sim.report("requests"), "received"));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, sim.report("keys"));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, sim.open("http://127.0.0.1:9/face-auth"));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, faceauth::Simulator("{\"api_kee\":1}"));
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_KEY, faceauth::Simulator("{\"api_key\":\"\"}"));
  sim.stop();
  EXPECT_ERROR(FACEAUTH_STATUS_INVALID_ARGUMENT, sim.webhooks());
  faceauth::Simulator moved;
  const faceauth::Simulator taken(std::move(moved));
  EXPECT_ERROR(FACEAUTH_STATUS_NULL_POINTER, moved.base_url());
}

// The typed results on the in-process simulator: each getter, each enum value it can give (an
// unknown status and fail code from the server included), absent values, moves, and the
// typed values against json().
void test_typed() {
  const std::string key = "typed-cpp-key-0123456789abcdefghij";
  const faceauth::Simulator sim(
      "{\"api_key\":\"" + key + "\",\"project_id\":\"typed-cpp\",\"token_rule\":\"count\","
      "\"submissions\":[\"sub_a\",\"sub_b\"],\"results\":[{\"auth_id\":\"fa-review\","
      "\"auth_status\":\"under_review\",\"kyc_submission_id\":\"sub_a\"}]}");
  faceauth::ClientOptions options;
  options.base_url = sim.base_url();
  const faceauth::Client client(key, options);

  const std::vector<std::uint8_t> jpeg{0xff, 0xd8, 0xff, 0xe0, 1, 2, 3};
  const faceauth::AuthResult approved = client.submit("sub_a", jpeg);
  CHECK(approved.status() == faceauth::AuthStatus::Approved && approved.status_text() == "approved");
  CHECK(approved.create_time().has_value() && json_string(approved.json(), "create_time") == *approved.create_time());
  CHECK(approved.face_similarity().value_or(0) > 85 && approved.occluded() == 99.0);
  CHECK(approved.face_cover() == 0.0 && approved.head_cover() == 0.0);
  CHECK(approved.fail_codes().empty() && approved.fail_code_texts().empty() && approved.rejected_comments().empty());

  const std::vector<std::uint8_t> reject{0xff, 0xd8, 0xff, 0xe0, 'R', 'E', 'J', 'E', 'C', 'T'};
  const faceauth::AuthResult rejected = client.submit("sub_a", reject);
  CHECK(rejected.status() == faceauth::AuthStatus::Rejected);
  CHECK(rejected.fail_codes() == std::vector<faceauth::FailCode>{faceauth::FailCode::FaceCompare});
  CHECK(rejected.fail_code_texts().size() == 1 && rejected.fail_code_texts()[0] == "face_compare_underscore");
  CHECK(rejected.rejected_comments().size() == 1 && contains(rejected.json(), std::string(rejected.rejected_comments()[0])));
  const std::vector<std::uint8_t> odd{0xff, 0xd8, 0xff, 0xe0, 'U', 'N', 'K', 'N', 'O', 'W', 'N', 'C', 'O', 'D', 'E'};
  const faceauth::AuthResult unknown_code = client.submit("sub_a", odd);
  CHECK(unknown_code.fail_codes() == std::vector<faceauth::FailCode>{faceauth::FailCode::Unknown});
  CHECK(unknown_code.fail_code_texts()[0] == "Brand_new_fail_code");

  const faceauth::AuthRecord record = client.get(std::string(rejected.auth_id()));
  CHECK(record.status() == faceauth::AuthStatus::Rejected && record.auth_id() == rejected.auth_id());
  CHECK(record.submission_id() == "sub_a" && record.submit_type() == "api" && record.project_id() == "typed-cpp");
  CHECK(!record.deleted() && record.reject_comments().size() == 1);
  CHECK(record.create_time().has_value() && json_string(record.json(), "create_time") == *record.create_time());
  const faceauth::AuthRecord review = client.get("fa-review");
  CHECK(review.status() == faceauth::AuthStatus::Unknown && review.status_text() == "under_review");
  CHECK(json_string(review.json(), "auth_status") == "under_review");
  int unknown_rows = 0;
  for (const faceauth::AuthRecord &row : client.list()) {
    unknown_rows += row.status() == faceauth::AuthStatus::Unknown ? 1 : 0;
  }
  CHECK(unknown_rows == 1);

  // Tokens: Active (a time rule once used), Refused (a confirmed result of another
  // submission), NoToken and Ignored.
  const faceauth::Ledger ledger(":memory:");
  faceauth::UrlBuilder links("typed-cpp", key);
  links.set_base_url(sim.base_url());
  const std::string timed = std::string(ledger.issue_url(links, "time:60", {"sub_a"}).token_id());
  const faceauth::TokenStatus active = ledger.mark_used(timed);
  CHECK(active.state() == faceauth::TokenState::Active && active.until_ms().has_value());
  CHECK(*active.until_ms() - active.first_used_at_ms().value_or(0) == 60000 && !active.expiry_reason());
  CHECK(active.issued_at_ms() > 1700000000000LL && !active.result_auth_id());
  CHECK(active.result_status() == faceauth::AuthStatus::Unknown);
  const std::string other = std::string(ledger.issue_url(links, "count", {"sub_b"}).token_id());
  const faceauth::WebhookOutcome refused = ledger.apply_confirmed(
      client, "{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Submission_id\":\"sub_a\",\"Auth_Status\":\"rejected\","
              "\"Token_id\":\"" + other + "\",\"Authentication_id\":\"" + std::string(rejected.auth_id()) + "\"}}");
  CHECK(refused.kind() == faceauth::OutcomeKind::Refused && refused.token_id() == other);
  CHECK(refused.reason().has_value() && !refused.status().has_value());
  CHECK(json_string(refused.json(), "outcome") == "refused");
  CHECK(ledger.status(other).state() == faceauth::TokenState::Unused);
  const faceauth::WebhookOutcome none = ledger.apply_webhook(
      "{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Submission_id\":\"sub_a\",\"Auth_Status\":\"approved\"}}");
  CHECK(none.kind() == faceauth::OutcomeKind::NoToken && !none.token_id());
  const faceauth::WebhookOutcome ignored = ledger.apply_webhook("{\"webhook_trigger\":\"kyc\"}");
  CHECK(ignored.kind() == faceauth::OutcomeKind::Ignored && ignored.reason().has_value());

  // A status borrowed from an outcome or a list outlives them (it shares their C object).
  std::optional<faceauth::TokenStatus> kept;
  {
    const std::string done = std::string(ledger.issue_url(links, "count", {"sub_a"}).token_id());
    kept = ledger.apply_webhook("{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Submission_id\":\"sub_a\","
                                "\"Auth_Status\":\"approved\",\"Token_id\":\"" + done +
                                "\",\"Authentication_id\":\"fa-kept\"}}")
               .status();
  }
  CHECK(kept && kept->state() == faceauth::TokenState::Completed && kept->result_auth_id() == "fa-kept");
  std::optional<faceauth::TokenStatus> first;
  {
    const faceauth::TokenStatusList list = ledger.list();
    CHECK(list.size() == 3 && !list.empty());
    first = list[0];
  }
  CHECK(first && !first->token_id().empty() && json_string(first->json(), "token") == first->token_id());

  // A parsed webhook: clear, encrypted, token_expired, another trigger.
  const faceauth::WebhookEvent event = faceauth::parse_webhook_event(
      "{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Submission_id\":\"sub_a\",\"Auth_Status\":\"approved\","
      "\"Token_id\":\"tok-event-cpp\",\"Authentication_id\":\"fa-event-cpp\",\"Auth_User_id\":\"u-cpp\"}}");
  CHECK(event.kind() == faceauth::EventKind::FaceAuth && event.status() == faceauth::AuthStatus::Approved);
  CHECK(event.auth_id() == "fa-event-cpp" && event.submission_id() == "sub_a" && event.user_id() == "u-cpp");
  CHECK(event.token_id() == "tok-event-cpp" && event.trigger() == "faceAuth" && !event.encrypted());
  CHECK(event.status_text() == "approved" && json_string(event.json(), "auth_id") == "fa-event-cpp");
  const faceauth::Cipher cipher(key);
  const faceauth::WebhookEvent sealed = faceauth::parse_webhook_event(
      "{\"data\":\"" + cipher.encrypt("{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Auth_Status\":\"held\",\"Authentication_id\":\"fa-held\"}}") +
          "\"}",
      cipher);
  CHECK(sealed.encrypted() && sealed.status() == faceauth::AuthStatus::Unknown && sealed.status_text() == "held");
  CHECK(faceauth::parse_webhook_event("{\"webhook_trigger\":\"token_expired\",\"token_id\":\"tok-gone-cpp\","
                                      "\"expired_condition\":\"count\"}")
            .kind() == faceauth::EventKind::TokenExpired);
  const faceauth::WebhookEvent other_event = faceauth::parse_webhook_event("{\"webhook_trigger\":\"kyc\"}");
  CHECK(other_event.kind() == faceauth::EventKind::Other && other_event.trigger() == "kyc" && !other_event.auth_id());
  EXPECT_ERROR(FACEAUTH_STATUS_WEBHOOK_MALFORMED, faceauth::parse_webhook_event("{not json"));

  // Moved from: NULL_POINTER, never a crash.
  faceauth::AuthResult moved_result = client.submit("sub_a", jpeg);
  const faceauth::AuthResult taken_result(std::move(moved_result));
  EXPECT_ERROR(FACEAUTH_STATUS_NULL_POINTER, moved_result.status());  // NOLINT(bugprone-use-after-move)
  CHECK(taken_result.status() == faceauth::AuthStatus::Approved);
  faceauth::AuthRecord moved_record = client.get("fa-review");
  const faceauth::AuthRecord taken_record(std::move(moved_record));
  EXPECT_ERROR(FACEAUTH_STATUS_NULL_POINTER, moved_record.json());  // NOLINT(bugprone-use-after-move)
  CHECK(taken_record.auth_id() == "fa-review");
}

int main() {
  try {
    test_redaction();
    test_version();
    test_vectors();
    test_diagnose();
    test_errors();
    test_bytes();
    test_moves();
    test_urls();
    test_tokens();
    test_webhooks();
    test_threads();
    test_ledger();
    test_ledger_threads();
    test_simulator();
    test_typed();
    if (const std::optional<Mock> mock = mock_from_env()) {
      test_client(*mock);
      test_client_control(*mock);
    } else {
      std::fprintf(stderr, "FAIL: no simulator described in the environment: run tests/cpp/run.sh\n");
      ++failed;
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "FAIL: uncaught %s\n", e.what());
    ++failed;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
