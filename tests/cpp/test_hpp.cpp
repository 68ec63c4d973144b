// Tests of include/faceauth.hpp, the C++17 wrapper: the shared crypto vectors, URL round trips,
// every failure as a faceauth::Error with its status, move-only handles, and threads sharing one
// Cipher and one UrlBuilder. Prints "N passed, M failed"; exits 1 if any check failed. Built by
// tests/cpp/run.sh with -fsanitize=address,undefined, which fail it on any leak or error.
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <type_traits>
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
  CHECK(faceauth::parse_webhook(sealed, c) == json);
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

}  // namespace

int main() {
  try {
    test_version();
    test_vectors();
    test_errors();
    test_bytes();
    test_moves();
    test_urls();
    test_tokens();
    test_webhooks();
    test_threads();
  } catch (const std::exception &e) {
    std::fprintf(stderr, "FAIL: uncaught %s\n", e.what());
    ++failed;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
