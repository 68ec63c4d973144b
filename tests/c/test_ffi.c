/*
 * The C ABI, from C: every export, the shared crypto vectors, every bad input, and threads.
 *
 * Plain C99 and pthreads, no framework. Prints each failed check on stderr and, last,
 * "N passed, M failed"; exits 1 if any check failed. Built twice by tests/c/run.sh: with
 * AddressSanitizer and UBSan against libfaceauth.a, and plain against libfaceauth.so for valgrind.
 */
/* POSIX.1-2008: mkdtemp, nanosleep and sockets (the ledger's tests), beside C99. */
#define _POSIX_C_SOURCE 200809L

#include "faceauth.h"
#include "vectors.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (cond) {                                                                  \
      passed++;                                                                  \
    } else {                                                                     \
      failed++;                                                                  \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)

#define CHECK_STR(actual, expected)                                              \
  do {                                                                           \
    const char *a_ = (actual), *e_ = (expected);                                 \
    if (a_ != NULL && strcmp(a_, e_) == 0) {                                     \
      passed++;                                                                  \
    } else {                                                                     \
      failed++;                                                                  \
      fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__,        \
              __LINE__, #actual, a_ ? a_ : "(null)", e_);                        \
    }                                                                            \
  } while (0)

#define CHECK_STATUS(actual, expected)                                           \
  do {                                                                           \
    faceauth_status a_ = (actual), e_ = (expected);                              \
    if (a_ == e_) {                                                              \
      passed++;                                                                  \
    } else {                                                                     \
      failed++;                                                                  \
      fprintf(stderr, "%s:%d: %s gave %s (%d), expected %s (%d)\n", __FILE__,    \
              __LINE__, #actual, faceauth_status_str(a_), (int)a_,               \
              faceauth_status_str(e_), (int)e_);                                 \
    }                                                                            \
  } while (0)

/* The reference key of shared/spec/encryption.md, never a real project's. */
#define KEY "0123456789abcdefghijABCDEFGHIJ0123456789"
#define OTHER_KEY "another-key-entirely-0123456789abcdefghij"
#define BAD_UTF8 "\xff\xfe"

/* What an out-param holds before a call that must not write it. */
static char untouched_byte;
#define UNTOUCHED ((void *)&untouched_byte)

/*
 * Checks a failure: the status, an error object with the same code, a non-empty message that
 * does not contain `secret` (when given), and the HTTP status `http` (0: none). Frees the error
 * object.
 */
static void expect_error(int line, faceauth_status status, faceauth_error *err,
                         faceauth_status expected, const char *secret, uint16_t http) {
  int have_error = err != NULL && err != UNTOUCHED;
  const char *message = have_error ? faceauth_error_message(err) : "";
  if (status != expected || !have_error || faceauth_error_code(err) != expected ||
      message == NULL || message[0] == '\0' ||
      (secret != NULL && strstr(message, secret) != NULL) ||
      faceauth_error_http_status(err) != http) {
    failed++;
    fprintf(stderr, "line %d: got %s (%d) \"%s\" (HTTP %d), expected %s with an error object"
            " (HTTP %d)\n", line, faceauth_status_str(status), (int)status,
            have_error ? message : "(no error object)",
            have_error ? (int)faceauth_error_http_status(err) : 0,
            faceauth_status_str(expected), (int)http);
  } else {
    passed++;
  }
  if (have_error) {
    faceauth_error_free(err);
  }
}

/* `err` is reset first, and read only after the call (a separate statement: sequenced). */
#define EXPECT_HTTP_ERROR_HIDING(call, expected, secret, http)          \
  do {                                                                  \
    faceauth_status status_;                                            \
    err = NULL;                                                         \
    status_ = (call);                                                   \
    expect_error(__LINE__, status_, err, (expected), (secret), (http)); \
  } while (0)
#define EXPECT_ERROR_HIDING(call, expected, secret) \
  EXPECT_HTTP_ERROR_HIDING(call, expected, secret, 0)
#define EXPECT_ERROR(call, expected) EXPECT_ERROR_HIDING(call, expected, NULL)
#define EXPECT_HTTP_ERROR(call, expected, http) EXPECT_HTTP_ERROR_HIDING(call, expected, NULL, http)

static faceauth_cipher *new_cipher(const char *key, const char *scheme) {
  faceauth_cipher *c = NULL;
  faceauth_error *err = NULL;
  faceauth_status status = faceauth_cipher_new(key, scheme, &c, &err);
  CHECK_STATUS(status, FACEAUTH_STATUS_OK);
  CHECK(err == NULL && c != NULL);
  faceauth_error_free(err);
  return c;
}

static faceauth_url_builder *new_builder(const char *pid, const char *key, const char *scheme) {
  faceauth_url_builder *b = NULL;
  faceauth_error *err = NULL;
  CHECK_STATUS(faceauth_url_builder_new(pid, key, scheme, &b, &err), FACEAUTH_STATUS_OK);
  CHECK(err == NULL && b != NULL);
  faceauth_error_free(err);
  return b;
}

/* URL parameters with these fields (NULL: absent), freed with faceauth_auth_params_free. */
static faceauth_auth_params *new_params(const char *sid, const char *user_id, const char *cf1,
                                        const char *cf2, const char *cf3, const char *token) {
  faceauth_auth_params *p = NULL;
  faceauth_error *err = NULL;
  CHECK_STATUS(faceauth_auth_params_new(sid, &p, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_auth_params_set_user_id(p, user_id, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_auth_params_set_cf1(p, cf1, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_auth_params_set_cf2(p, cf2, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_auth_params_set_cf3(p, cf3, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_auth_params_set_token(p, token, &err), FACEAUTH_STATUS_OK);
  CHECK(err == NULL && p != NULL);
  faceauth_error_free(err);
  return p;
}

static void test_version_and_status_names(void) {
  char expected[64];
  snprintf(expected, sizeof expected, "%d.%d.%d", FACEAUTH_VERSION_MAJOR, FACEAUTH_VERSION_MINOR,
           FACEAUTH_VERSION_PATCH);
  CHECK_STR(faceauth_version(), expected);

  CHECK_STR(faceauth_status_str(FACEAUTH_STATUS_OK), "ok");
  CHECK_STR(faceauth_status_str(FACEAUTH_STATUS_BAD_PADDING), "bad_padding");
  CHECK_STR(faceauth_status_str(FACEAUTH_STATUS_INVALID_ARGUMENT), "invalid_argument");
  CHECK_STR(faceauth_status_str(FACEAUTH_STATUS_WEBHOOK_DECRYPT), "webhook_decrypt");
  CHECK_STR(faceauth_status_str(FACEAUTH_STATUS_NULL_POINTER), "null_pointer");
  CHECK_STR(faceauth_status_str(FACEAUTH_STATUS_INVALID_UTF8), "invalid_utf8");
  CHECK_STR(faceauth_status_str(FACEAUTH_STATUS_PANIC), "panic");
  /* C lets any int through; the library must not trust it. */
  CHECK_STR(faceauth_status_str((faceauth_status)12345), "unknown");
  CHECK_STR(faceauth_status_str((faceauth_status)-1), "unknown");
  /* The numbers are the SDK's stable error codes. */
  CHECK(FACEAUTH_STATUS_OK == 0 && FACEAUTH_STATUS_INVALID_ARGUMENT == 1);
  CHECK(FACEAUTH_STATUS_BAD_PADDING == 106 && FACEAUTH_STATUS_INVALID_TOKEN == 200);
  CHECK(FACEAUTH_STATUS_API_SERVER == 304 && FACEAUTH_STATUS_WEBHOOK_MALFORMED == 400);
  /* "Not found" is also an invalid request (Argos answers it with a 400); nothing else refines. */
  CHECK(faceauth_status_parent(FACEAUTH_STATUS_API_NOT_FOUND) == FACEAUTH_STATUS_API_INVALID_REQUEST);
  CHECK(faceauth_status_parent(FACEAUTH_STATUS_API_INVALID_REQUEST) == FACEAUTH_STATUS_OK);
  CHECK(faceauth_status_parent(FACEAUTH_STATUS_BAD_PADDING) == FACEAUTH_STATUS_OK);
  CHECK(faceauth_status_parent((faceauth_status)12345) == FACEAUTH_STATUS_OK);
}

static void test_error_accessors_accept_null(void) {
  CHECK_STATUS(faceauth_error_code(NULL), FACEAUTH_STATUS_NULL_POINTER);
  CHECK_STR(faceauth_error_message(NULL), "");
  CHECK(faceauth_error_http_status(NULL) == 0);
  faceauth_error_free(NULL);
  faceauth_string_free(NULL);
  faceauth_buf_free(NULL);
  faceauth_cipher_free(NULL);
  faceauth_url_builder_free(NULL);
  faceauth_client_free(NULL);
  faceauth_records_free(NULL);
  faceauth_ledger_free(NULL);
  {
    faceauth_buf empty = {NULL, 0};
    faceauth_buf_free(&empty);
    CHECK(empty.data == NULL && empty.len == 0);
  }
}

/* The shared vectors (Python's cryptography): ECB byte for byte, CBC and GCM by decryption. */
static void test_crypto_vectors(void) {
  size_t i;
  CHECK(VECTOR_COUNT >= 30);
  for (i = 0; i < VECTOR_COUNT; i++) {
    const struct vector *v = &VECTORS[i];
    faceauth_cipher *ecb = new_cipher(v->key, "ecb");
    faceauth_cipher *cbc = new_cipher(v->key, "cbc");
    faceauth_cipher *gcm = new_cipher(v->key, "gcm");
    char *out = NULL;
    faceauth_error *err = NULL;
    faceauth_buf buf = {NULL, 0};
    int ok = 1;

    ok &= faceauth_cipher_encrypt(ecb, v->plaintext, &out, &err) == FACEAUTH_STATUS_OK;
    ok &= out != NULL && strcmp(out, v->ecb) == 0;
    faceauth_string_free(out);
    out = NULL;
    ok &= faceauth_cipher_decrypt(ecb, v->ecb, &out, &err) == FACEAUTH_STATUS_OK;
    ok &= out != NULL && strcmp(out, v->plaintext) == 0;
    faceauth_string_free(out);
    out = NULL;
    ok &= faceauth_cipher_decrypt(cbc, v->cbc, &out, &err) == FACEAUTH_STATUS_OK;
    ok &= out != NULL && strcmp(out, v->plaintext) == 0;
    faceauth_string_free(out);
    out = NULL;
    ok &= faceauth_cipher_decrypt(gcm, v->gcm, &out, &err) == FACEAUTH_STATUS_OK;
    ok &= out != NULL && strcmp(out, v->plaintext) == 0;
    faceauth_string_free(out);
    out = NULL;
    /* The same through the bytes variant. */
    ok &= faceauth_cipher_decrypt_bytes(gcm, v->gcm, &buf, &err) == FACEAUTH_STATUS_OK;
    ok &= buf.len == strlen(v->plaintext) &&
          (buf.len == 0 ? buf.data == NULL : memcmp(buf.data, v->plaintext, buf.len) == 0);
    faceauth_buf_free(&buf);
    ok &= buf.data == NULL && buf.len == 0;
    ok &= err == NULL;
    if (!ok) {
      fprintf(stderr, "vector %zu (key \"%s\") does not match\n", i, v->key);
    }
    CHECK(ok);
    faceauth_error_free(err);
    faceauth_cipher_free(ecb);
    faceauth_cipher_free(cbc);
    faceauth_cipher_free(gcm);
  }
}

/*
 * faceauth_crypto_diagnose on the shared vectors: a GCM ciphertext is always found (its tag
 * verifies), and the default ECB and CBC variants decrypt theirs; bad input is refused.
 */
static void test_diagnose(void) {
  size_t i;
  char *json = NULL;
  faceauth_error *err = NULL;
  for (i = 0; i < VECTOR_COUNT; i++) {
    const struct vector *v = &VECTORS[i];
    const char *texts[3] = {v->gcm, v->ecb, v->cbc};
    const char *found[3] = {"{\"best\":\"gcm-nonce-ct-tag\",",
                            "{\"variant\":\"ecb-sha256\",\"ok\":true,",
                            "{\"variant\":\"cbc-ivprefix\",\"ok\":true,"};
    int k;
    for (k = 0; k < 3; k++) {
      faceauth_status status = faceauth_crypto_diagnose(texts[k], v->key, &json, &err);
      int ok = status == FACEAUTH_STATUS_OK && json != NULL && strstr(json, found[k]) != NULL;
      if (!ok) {
        fprintf(stderr, "vector %zu: diagnose %s: %s\n", i, found[k], json ? json : "(none)");
      }
      CHECK(ok);
      faceauth_string_free(json);
      json = NULL;
    }
  }
  /* Another key: a report, not an error, with no best variant. */
  CHECK_STATUS(faceauth_crypto_diagnose(VECTORS[0].gcm, OTHER_KEY, &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json != NULL && strncmp(json, "{\"best\":null,", 13) == 0 &&
        strstr(json, "\"error\":\"tag_mismatch\"") != NULL);
  faceauth_string_free(json);
  json = NULL;
  /* An empty key fails every variant, and is not echoed. */
  CHECK_STATUS(faceauth_crypto_diagnose(VECTORS[0].ecb, "", &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json != NULL && strstr(json, "\"best\":null") != NULL && strstr(json, "\"ok\":true") == NULL &&
        strstr(json, "\"error\":\"invalid_key\"") != NULL);
  faceauth_string_free(json);
  json = (char *)UNTOUCHED;
  EXPECT_ERROR(faceauth_crypto_diagnose("  ", KEY, &json, &err), FACEAUTH_STATUS_EMPTY_CIPHERTEXT);
  EXPECT_ERROR(faceauth_crypto_diagnose("{\"json\": true}", KEY, &json, &err), FACEAUTH_STATUS_INVALID_ENCODING);
  EXPECT_ERROR(faceauth_crypto_diagnose(NULL, KEY, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_crypto_diagnose(VECTORS[0].gcm, NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_crypto_diagnose(VECTORS[0].gcm, KEY, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_crypto_diagnose(BAD_UTF8, KEY, &json, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR_HIDING(faceauth_crypto_diagnose(VECTORS[0].gcm, BAD_UTF8 KEY, &json, &err),
                      FACEAUTH_STATUS_INVALID_UTF8, KEY);
  /* Failures write nothing. */
  CHECK(json == (char *)UNTOUCHED);
  /* Without an error object too. */
  CHECK_STATUS(faceauth_crypto_diagnose("", KEY, &json, NULL), FACEAUTH_STATUS_EMPTY_CIPHERTEXT);
}

static void test_random_ivs_and_variants(void) {
  const char *schemes[] = {"cbc", "gcm", "ecb-sha256-hex", "gcm-nonce-tag-ct", "CBC-ZEROIV"};
  size_t i;
  for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
    faceauth_cipher *c = new_cipher(KEY, schemes[i]);
    char *a = NULL, *b = NULL, *back = NULL;
    CHECK_STATUS(faceauth_cipher_encrypt(c, "{\"sid\":\"s\"}", &a, NULL), FACEAUTH_STATUS_OK);
    CHECK_STATUS(faceauth_cipher_encrypt(c, "{\"sid\":\"s\"}", &b, NULL), FACEAUTH_STATUS_OK);
    CHECK(a != NULL && b != NULL);
    if (i < 2) {
      CHECK(a != NULL && b != NULL && strcmp(a, b) != 0); /* a fresh IV or nonce each time */
    }
    CHECK_STATUS(faceauth_cipher_decrypt(c, b, &back, NULL), FACEAUTH_STATUS_OK);
    CHECK_STR(back, "{\"sid\":\"s\"}");
    faceauth_string_free(a);
    faceauth_string_free(b);
    faceauth_string_free(back);
    faceauth_cipher_free(c);
  }
  {
    /* ecb-sha256-hex writes lowercase hex. */
    faceauth_cipher *c = new_cipher(KEY, "ecb-sha256-hex");
    char *hex = NULL;
    CHECK_STATUS(faceauth_cipher_encrypt(c, "x", &hex, NULL), FACEAUTH_STATUS_OK);
    CHECK(hex != NULL && strlen(hex) == 32 && strspn(hex, "0123456789abcdef") == 32);
    faceauth_string_free(hex);
    faceauth_cipher_free(c);
  }
}

static void test_bytes_and_nul(void) {
  faceauth_cipher *c = new_cipher(KEY, "gcm");
  static const uint8_t with_nul[] = {'a', 0, 'b'};
  static const uint8_t not_utf8[] = {0xff, 0x00};
  char *ct = NULL, *ct2 = NULL, *out = UNTOUCHED;
  faceauth_buf buf = {NULL, 0};
  faceauth_error *err = NULL;

  CHECK_STATUS(faceauth_cipher_encrypt_bytes(c, with_nul, sizeof with_nul, &ct, NULL),
               FACEAUTH_STATUS_OK);
  /* Decrypted text holding a NUL cannot be a C string; the bytes variant returns it. */
  EXPECT_ERROR(faceauth_cipher_decrypt(c, ct, &out, &err), FACEAUTH_STATUS_NUL_IN_OUTPUT);
  CHECK(out == UNTOUCHED);
  CHECK_STATUS(faceauth_cipher_decrypt_bytes(c, ct, &buf, NULL), FACEAUTH_STATUS_OK);
  CHECK(buf.len == 3 && buf.data != NULL && memcmp(buf.data, with_nul, 3) == 0);
  faceauth_buf_free(&buf);
  faceauth_buf_free(&buf); /* a second free of the same struct does nothing */
  CHECK(buf.data == NULL && buf.len == 0);

  CHECK_STATUS(faceauth_cipher_encrypt_bytes(c, not_utf8, 1, &ct2, NULL), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_cipher_decrypt(c, ct2, &out, &err), FACEAUTH_STATUS_NOT_UTF8);
  CHECK(out == UNTOUCHED);

  /* Zero bytes: data may be NULL. */
  faceauth_string_free(ct);
  ct = NULL;
  CHECK_STATUS(faceauth_cipher_encrypt_bytes(c, NULL, 0, &ct, NULL), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_cipher_decrypt_bytes(c, ct, &buf, NULL), FACEAUTH_STATUS_OK);
  CHECK(buf.data == NULL && buf.len == 0);

  faceauth_string_free(ct);
  faceauth_string_free(ct2);
  faceauth_cipher_free(c);
}

/* The reference URL of core's documentation: ECB is deterministic, so it is exact. */
static void test_url_reference_and_inspect(void) {
  faceauth_url_builder *b = new_builder("pid-1", KEY, "ecb");
  faceauth_cipher *c = new_cipher(KEY, "ecb");
  faceauth_auth_params *p = new_params("abc123xyz", "user-1", NULL, NULL, NULL, "tok_abc12345");
  char *url = NULL, *json = NULL;
  faceauth_error *err = UNTOUCHED;

  CHECK_STATUS(faceauth_url_builder_set_lang(b, "ko", &err), FACEAUTH_STATUS_OK);
  CHECK(err == UNTOUCHED); /* *out_err is left alone on success */
  CHECK_STATUS(faceauth_url_builder_build(b, p, &url, &err), FACEAUTH_STATUS_OK);
  CHECK(err == UNTOUCHED);
  CHECK_STR(url,
            "https://form.argosidentity.com/face-auth?pid=pid-1&encrypted=Xvg7uxPli%2FO9VuUW0jaEfC"
            "W8iRefWOY6DTH9eqQuWVdcOAJuFcKlHSxqds6WHAJCXtdicWVYGEnRpaFqAcrvXNLZYkpCg04dO4YFimGWuF8"
            "%3D&lang=ko");
  CHECK_STATUS(faceauth_url_inspect(url, c, &json, &err), FACEAUTH_STATUS_OK);
  CHECK(err == UNTOUCHED);
  CHECK_STR(json,
            "{\"base_url\":\"https://form.argosidentity.com\",\"pid\":\"pid-1\",\"lang\":\"ko\","
            "\"variant\":\"ecb-sha256\",\"params\":{\"sid\":\"abc123xyz\",\"authUserId\":\"user-1\","
            "\"token\":\"tok_abc12345\"},\"unknown_fields\":{},\"percent_decoded\":false,"
            "\"spaces_as_plus\":false,\"whitespace_removed\":false}");
  faceauth_string_free(json);
  json = NULL;

  /* Payload keys outside the spec come back apart, and big numbers keep every digit. */
  {
    char *sealed = NULL, *odd = NULL;
    CHECK_STATUS(faceauth_cipher_encrypt(c, "{\"sid\":\"s\",\"n\":12345678901234567890123}", &sealed, NULL),
                 FACEAUTH_STATUS_OK);
    if (sealed != NULL) {
      char link[512];
      snprintf(link, sizeof link, "https://form.argosidentity.com/face-auth?pid=p&encrypted=%s", sealed);
      CHECK_STATUS(faceauth_url_inspect(link, c, &odd, NULL), FACEAUTH_STATUS_OK);
      CHECK(odd != NULL && strstr(odd, "\"params\":{\"sid\":\"s\"},\"unknown_fields\":{\"n\":12345678901234567890123}") != NULL);
    }
    faceauth_string_free(odd);
    faceauth_string_free(sealed);
  }

  /* Only the query string, as copied from a log. */
  {
    const char *query = url != NULL ? strchr(url, '?') : NULL;
    CHECK(query != NULL);
    if (query != NULL) {
      CHECK_STATUS(faceauth_url_inspect(query + 1, c, &json, NULL), FACEAUTH_STATUS_OK);
      CHECK(json != NULL && strstr(json, "\"base_url\":\"\"") != NULL &&
            strstr(json, "\"sid\":\"abc123xyz\"") != NULL);
      faceauth_string_free(json);
    }
  }
  faceauth_string_free(url);
  faceauth_cipher_free(c);
  faceauth_url_builder_free(b);
  faceauth_auth_params_free(p);
}

/* A link inspected with the wrong scheme fails as the header promises (BAD_PADDING for an ECB
   or CBC cipher, TAG_MISMATCH for GCM), and the message names the scheme it was made with. */
static void test_url_inspect_wrong_scheme(void) {
  faceauth_url_builder *b = new_builder("pid-1", KEY, "gcm");
  faceauth_cipher *ecb = new_cipher(KEY, "ecb");
  faceauth_cipher *gcm = new_cipher(KEY, "gcm");
  faceauth_auth_params *p = new_params("sid-1", NULL, NULL, NULL, NULL, NULL);
  faceauth_error *err = NULL;
  char *url = NULL, *json = NULL;

  CHECK_STATUS(faceauth_url_builder_build(b, p, &url, NULL), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_url_inspect(url, ecb, &json, &err), FACEAUTH_STATUS_BAD_PADDING);
  CHECK(json == NULL);
  CHECK(err != NULL && faceauth_error_code(err) == FACEAUTH_STATUS_BAD_PADDING &&
        strstr(faceauth_error_message(err), "made with gcm, not ecb") != NULL);
  faceauth_error_free(err);
  faceauth_string_free(url);
  url = NULL;
  faceauth_url_builder_free(b);

  b = new_builder("pid-1", KEY, "ecb");
  CHECK_STATUS(faceauth_url_builder_build(b, p, &url, NULL), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_url_inspect(url, gcm, &json, &err), FACEAUTH_STATUS_TAG_MISMATCH);
  faceauth_string_free(url);
  faceauth_cipher_free(gcm);
  faceauth_cipher_free(ecb);
  faceauth_url_builder_free(b);
  faceauth_auth_params_free(p);
}

/* Every field, JSON escapes, another base URL and GCM, back through inspect. */
static void test_url_round_trip(void) {
  faceauth_url_builder *b = new_builder("project id/1", KEY, "gcm");
  faceauth_cipher *c = new_cipher(KEY, "gcm");
  faceauth_auth_params *p =
      new_params("sid-9", "user \"9\"", "caf\xc3\xa9@example.com", "a\\b", "100%", NULL);
  char *token = NULL, *url = NULL, *json = NULL;

  CHECK_STATUS(faceauth_token_generate(&token, NULL), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_auth_params_set_token(p, token, NULL), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_url_builder_set_base_url(b, "http://127.0.0.1:8080/", NULL),
               FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_url_builder_build(b, p, &url, NULL), FACEAUTH_STATUS_OK);
  CHECK(url != NULL &&
        strncmp(url, "http://127.0.0.1:8080/face-auth?pid=project%20id%2F1&encrypted=", 63) == 0);
  CHECK_STATUS(faceauth_url_inspect(url, c, &json, NULL), FACEAUTH_STATUS_OK);
  if (json != NULL && token != NULL) {
    char expected[640];
    snprintf(expected, sizeof expected,
             "{\"base_url\":\"http://127.0.0.1:8080\",\"pid\":\"project id/1\",\"lang\":null,"
             "\"variant\":\"gcm-nonce-ct-tag\",\"params\":{\"sid\":\"sid-9\",\"authUserId\":"
             "\"user \\\"9\\\"\",\"authCf1\":\"caf\xc3\xa9@example.com\",\"authCf2\":\"a\\\\b\","
             "\"authCf3\":\"100%%\",\"token\":\"%s\"},"
             "\"unknown_fields\":{},\"percent_decoded\":false,\"spaces_as_plus\":false,\"whitespace_removed\":false}",
             token);
    CHECK_STR(json, expected);
  } else {
    CHECK(json != NULL && token != NULL);
  }
  faceauth_string_free(json);
  faceauth_string_free(url);
  faceauth_string_free(token);
  faceauth_cipher_free(c);
  faceauth_url_builder_free(b);
  faceauth_auth_params_free(p);
}

static void test_tokens(void) {
  char *a = NULL, *b = NULL;
  faceauth_error *err = NULL;
  CHECK_STATUS(faceauth_token_generate(&a, NULL), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_token_generate(&b, NULL), FACEAUTH_STATUS_OK);
  CHECK(a != NULL && strncmp(a, "tok_", 4) == 0 && strlen(a) == 30);
  CHECK(a != NULL && b != NULL && strcmp(a, b) != 0);
  CHECK_STATUS(faceauth_token_validate(a, NULL), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_token_validate("order-2024.09_x", NULL), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_token_validate("short", &err), FACEAUTH_STATUS_INVALID_TOKEN);
  EXPECT_ERROR(faceauth_token_validate("-starts-with-dash", &err), FACEAUTH_STATUS_INVALID_TOKEN);
  EXPECT_ERROR(faceauth_token_validate("has a space in it", &err), FACEAUTH_STATUS_INVALID_TOKEN);
  faceauth_string_free(a);
  faceauth_string_free(b);
}

static void test_webhooks(void) {
  const char *clear =
      "{\"webhook_trigger\": \"faceAuth\", \"auth_id\": \"a1\", "
      "\"data\": {\"submission_id\": \"s1\", \"auth_status\": \"approved\"}}";
  faceauth_cipher *c = new_cipher(KEY, "ecb");
  faceauth_cipher *wrong = new_cipher(OTHER_KEY, "ecb");
  char *json = NULL, *ct = NULL, *out = UNTOUCHED;
  char body[1024];
  faceauth_error *err = NULL;

  CHECK_STATUS(faceauth_webhook_parse(clear, NULL, &json, NULL), FACEAUTH_STATUS_OK);
  CHECK(json != NULL && strncmp(json, "{\"event\":\"faceAuth\",\"auth_id\":\"a1\","
                                      "\"submission_id\":\"s1\",\"status\":\"approved\"",
                                60) == 0);
  faceauth_string_free(json);
  json = NULL;

  CHECK_STATUS(faceauth_webhook_parse("{\"webhook_trigger\": \"other\", \"n\": 1}", c, &json, NULL),
               FACEAUTH_STATUS_OK);
  CHECK_STR(json, "{\"event\":\"unknown\",\"trigger\":\"other\",\"encrypted\":false,\"raw\":"
                  "{\"webhook_trigger\":\"other\",\"n\":1}}");
  faceauth_string_free(json);
  json = NULL;

  /* The encrypted form: {"data": "<ciphertext>"}. */
  CHECK_STATUS(faceauth_cipher_encrypt(c, clear, &ct, NULL), FACEAUTH_STATUS_OK);
  snprintf(body, sizeof body, "{\"data\": \"%s\"}", ct != NULL ? ct : "");
  CHECK_STATUS(faceauth_webhook_parse(body, c, &json, NULL), FACEAUTH_STATUS_OK);
  CHECK(json != NULL && strstr(json, "\"auth_id\":\"a1\"") != NULL);
  CHECK(json != NULL && strstr(json, "\"encrypted\":true") != NULL);
  faceauth_string_free(json);

  EXPECT_ERROR(faceauth_webhook_parse(body, NULL, &out, &err), FACEAUTH_STATUS_WEBHOOK_KEY_REQUIRED);
  EXPECT_ERROR_HIDING(faceauth_webhook_parse(body, wrong, &out, &err),
                      FACEAUTH_STATUS_WEBHOOK_DECRYPT, OTHER_KEY);
  EXPECT_ERROR(faceauth_webhook_parse("{not json", c, &out, &err), FACEAUTH_STATUS_WEBHOOK_MALFORMED);
  EXPECT_ERROR(faceauth_webhook_parse("", c, &out, &err), FACEAUTH_STATUS_WEBHOOK_MALFORMED);
  EXPECT_ERROR(faceauth_webhook_parse("[1, 2]", NULL, &out, &err), FACEAUTH_STATUS_WEBHOOK_MALFORMED);
  EXPECT_ERROR(faceauth_webhook_parse(BAD_UTF8, NULL, &out, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_webhook_parse(NULL, c, &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_webhook_parse(clear, c, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  CHECK(out == UNTOUCHED);

  faceauth_string_free(ct);
  faceauth_cipher_free(c);
  faceauth_cipher_free(wrong);
}

/* NULL for each pointer, invalid UTF-8 for each string: the status, an error object, and no
 * out-param written. */
static void test_bad_cipher_input(void) {
  faceauth_cipher *c = new_cipher(KEY, "ecb");
  faceauth_cipher *out = UNTOUCHED;
  char *text = UNTOUCHED, *ct = NULL;
  faceauth_buf buf = {UNTOUCHED, 7};
  faceauth_error *err = NULL;

  EXPECT_ERROR(faceauth_cipher_new(NULL, "ecb", &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_new(KEY, NULL, &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_new(KEY, "ecb", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_new(BAD_UTF8, "ecb", &out, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_cipher_new(KEY, BAD_UTF8, &out, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_cipher_new(KEY, "rot13", &out, &err), FACEAUTH_STATUS_UNKNOWN_VARIANT);
  EXPECT_ERROR(faceauth_cipher_new("", "ecb", &out, &err), FACEAUTH_STATUS_INVALID_KEY);
  EXPECT_ERROR_HIDING(faceauth_cipher_new(" secret-key-with-a-space", "ecb", &out, &err),
                      FACEAUTH_STATUS_INVALID_KEY, "secret-key");
  EXPECT_ERROR_HIDING(faceauth_cipher_new("short-secret", "ecb-raw32", &out, &err),
                      FACEAUTH_STATUS_INVALID_KEY, "short-secret");
  CHECK(out == UNTOUCHED);
  /* A NULL out_err: the status alone, nothing leaked. */
  CHECK_STATUS(faceauth_cipher_new(KEY, "rot13", &out, NULL), FACEAUTH_STATUS_UNKNOWN_VARIANT);
  CHECK(out == UNTOUCHED);

  EXPECT_ERROR(faceauth_cipher_encrypt(NULL, "x", &text, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_encrypt(c, NULL, &text, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_encrypt(c, "x", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_encrypt(c, BAD_UTF8, &text, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_cipher_encrypt_bytes(NULL, (const uint8_t *)"x", 1, &text, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_encrypt_bytes(c, NULL, 1, &text, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_encrypt_bytes(c, (const uint8_t *)"x", 1, NULL, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  CHECK(text == UNTOUCHED);

  EXPECT_ERROR(faceauth_cipher_decrypt(NULL, "abc", &text, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_decrypt(c, NULL, &text, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_decrypt(c, "abc", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_decrypt(c, BAD_UTF8, &text, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_cipher_decrypt(c, "", &text, &err), FACEAUTH_STATUS_EMPTY_CIPHERTEXT);
  EXPECT_ERROR(faceauth_cipher_decrypt(c, "!!!not base64!!!", &text, &err),
               FACEAUTH_STATUS_INVALID_ENCODING);
  EXPECT_ERROR(faceauth_cipher_decrypt(c, "YWJj", &text, &err), FACEAUTH_STATUS_INVALID_LENGTH);
  CHECK(text == UNTOUCHED);

  /* The wrong key: bad padding for ECB, a tag mismatch for GCM; never the key in the message. */
  {
    faceauth_cipher *wrong = new_cipher(OTHER_KEY, "ecb");
    faceauth_cipher *gcm = new_cipher(KEY, "gcm");
    faceauth_cipher *wrong_gcm = new_cipher(OTHER_KEY, "gcm");
    EXPECT_ERROR_HIDING(faceauth_cipher_decrypt(wrong, VECTORS[0].ecb, &text, &err),
                        FACEAUTH_STATUS_BAD_PADDING, OTHER_KEY);
    CHECK_STATUS(faceauth_cipher_encrypt(gcm, "secret plaintext", &ct, NULL), FACEAUTH_STATUS_OK);
    EXPECT_ERROR_HIDING(faceauth_cipher_decrypt(wrong_gcm, ct, &text, &err),
                        FACEAUTH_STATUS_TAG_MISMATCH, "secret plaintext");
    EXPECT_ERROR(faceauth_cipher_decrypt(gcm, "YWJj", &text, &err), FACEAUTH_STATUS_TOO_SHORT);
    CHECK(text == UNTOUCHED);
    faceauth_string_free(ct);
    faceauth_cipher_free(wrong);
    faceauth_cipher_free(gcm);
    faceauth_cipher_free(wrong_gcm);
  }

  EXPECT_ERROR(faceauth_cipher_decrypt_bytes(NULL, "abc", &buf, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_decrypt_bytes(c, NULL, &buf, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_decrypt_bytes(c, "abc", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cipher_decrypt_bytes(c, BAD_UTF8, &buf, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_cipher_decrypt_bytes(c, "", &buf, &err), FACEAUTH_STATUS_EMPTY_CIPHERTEXT);
  CHECK(buf.data == UNTOUCHED && buf.len == 7);

  faceauth_cipher_free(c);
}

/* faceauth_url_redact_credentials: the core's one rule, for bindings and logs. */
static void test_redact_credentials(void) {
  char *shown = UNTOUCHED;
  faceauth_error *err = NULL;
  CHECK_STATUS(faceauth_url_redact_credentials("postgres://u:s3cret@db/l?password=s3cret&x=1", &shown, NULL),
               FACEAUTH_STATUS_OK);
  CHECK(shown != NULL && strcmp(shown, "postgres://<redacted>@db/l?password=<redacted>&x=1") == 0);
  faceauth_string_free(shown);
  shown = UNTOUCHED;
  CHECK_STATUS(faceauth_url_redact_credentials("", &shown, NULL), FACEAUTH_STATUS_OK);
  CHECK(shown != NULL && shown != UNTOUCHED && shown[0] == '\0');
  faceauth_string_free(shown);
  shown = UNTOUCHED;
  EXPECT_ERROR(faceauth_url_redact_credentials(NULL, &shown, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_redact_credentials("x", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_redact_credentials(BAD_UTF8, &shown, &err), FACEAUTH_STATUS_INVALID_UTF8);
  CHECK(shown == UNTOUCHED);
}

static void test_bad_url_input(void) {
  faceauth_url_builder *b = new_builder("pid-1", KEY, "ecb");
  faceauth_cipher *c = new_cipher(KEY, "ecb");
  faceauth_cipher *wrong = new_cipher(OTHER_KEY, "ecb");
  faceauth_url_builder *out = UNTOUCHED;
  faceauth_auth_params *p = new_params("abc123xyz", NULL, NULL, NULL, NULL, NULL);
  char *url = UNTOUCHED, *good = NULL, *again = NULL, *json = UNTOUCHED;
  faceauth_error *err = NULL;

  EXPECT_ERROR(faceauth_url_builder_new(NULL, KEY, "ecb", &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_builder_new("p", NULL, "ecb", &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_builder_new("p", KEY, NULL, &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_builder_new("p", KEY, "ecb", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_builder_new(BAD_UTF8, KEY, "ecb", &out, &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_url_builder_new("p", BAD_UTF8, "ecb", &out, &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_url_builder_new("p", KEY, BAD_UTF8, &out, &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_url_builder_new("", KEY, "ecb", &out, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_url_builder_new("p", KEY, "rot13", &out, &err),
               FACEAUTH_STATUS_UNKNOWN_VARIANT);
  EXPECT_ERROR_HIDING(faceauth_url_builder_new("p", "secret-key ", "ecb", &out, &err),
                      FACEAUTH_STATUS_INVALID_KEY, "secret-key");
  CHECK(out == UNTOUCHED);

  /* Setters: a failure leaves the builder as it was. */
  CHECK_STATUS(faceauth_url_builder_build(b, p, &good, NULL), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_url_builder_set_lang(NULL, "ko", &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_builder_set_lang(b, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_builder_set_lang(b, BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_url_builder_set_lang(b, "k o", &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_url_builder_set_base_url(NULL, "https://x.test", &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_builder_set_base_url(b, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_builder_set_base_url(b, BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_url_builder_set_base_url(b, "ftp://x.test", &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_url_builder_set_base_url(b, "https://x.test/?q=1", &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(faceauth_url_builder_build(b, p, &again, NULL), FACEAUTH_STATUS_OK);
  CHECK(good != NULL && again != NULL && strcmp(good, again) == 0);

  /* Build: NULL builder, params, sid or out; bad fields. */
  EXPECT_ERROR(faceauth_url_builder_build(NULL, p, &url, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_builder_build(b, NULL, &url, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_builder_build(b, p, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  {
    faceauth_auth_params *bad = new_params("", NULL, NULL, NULL, NULL, NULL);
    EXPECT_ERROR(faceauth_url_builder_build(b, bad, &url, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
    faceauth_auth_params_free(bad);
    bad = new_params("abc123xyz", "line\nbreak", NULL, NULL, NULL, NULL);
    EXPECT_ERROR(faceauth_url_builder_build(b, bad, &url, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
    faceauth_auth_params_free(bad);
    bad = new_params("abc123xyz", NULL, NULL, NULL, NULL, "bad token!");
    EXPECT_ERROR(faceauth_url_builder_build(b, bad, &url, &err), FACEAUTH_STATUS_INVALID_TOKEN);
    faceauth_auth_params_free(bad);
  }
  CHECK(url == UNTOUCHED);

  /* URL parameters: NULL sid, out or handle, invalid UTF-8; a failed setter changes nothing,
     and NULL makes a field absent again. */
  {
    faceauth_auth_params *bad = UNTOUCHED;
    char *built = NULL, *seen = NULL;
    EXPECT_ERROR(faceauth_auth_params_new(NULL, &bad, &err), FACEAUTH_STATUS_NULL_POINTER);
    EXPECT_ERROR(faceauth_auth_params_new("s", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
    EXPECT_ERROR(faceauth_auth_params_new(BAD_UTF8, &bad, &err), FACEAUTH_STATUS_INVALID_UTF8);
    CHECK(bad == UNTOUCHED);
    EXPECT_ERROR(faceauth_auth_params_set_user_id(NULL, "u", &err), FACEAUTH_STATUS_NULL_POINTER);
    EXPECT_ERROR(faceauth_auth_params_set_cf1(NULL, "u", &err), FACEAUTH_STATUS_NULL_POINTER);
    EXPECT_ERROR(faceauth_auth_params_set_cf2(NULL, "u", &err), FACEAUTH_STATUS_NULL_POINTER);
    EXPECT_ERROR(faceauth_auth_params_set_cf3(NULL, "u", &err), FACEAUTH_STATUS_NULL_POINTER);
    EXPECT_ERROR(faceauth_auth_params_set_token(NULL, "u", &err), FACEAUTH_STATUS_NULL_POINTER);
    bad = new_params("abc123xyz", "line\nbreak", NULL, "kept", NULL, NULL);
    EXPECT_ERROR(faceauth_auth_params_set_user_id(bad, BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
    EXPECT_ERROR(faceauth_auth_params_set_cf1(bad, BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
    EXPECT_ERROR(faceauth_auth_params_set_cf2(bad, BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
    EXPECT_ERROR(faceauth_auth_params_set_cf3(bad, BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
    EXPECT_ERROR(faceauth_auth_params_set_token(bad, BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(faceauth_auth_params_set_user_id(bad, NULL, NULL), FACEAUTH_STATUS_OK);
    CHECK_STATUS(faceauth_url_builder_build(b, bad, &built, NULL), FACEAUTH_STATUS_OK);
    CHECK_STATUS(faceauth_url_inspect(built, c, &seen, NULL), FACEAUTH_STATUS_OK);
    CHECK(seen != NULL && strstr(seen, "\"params\":{\"sid\":\"abc123xyz\",\"authCf2\":\"kept\"}") != NULL);
    faceauth_string_free(seen);
    faceauth_string_free(built);
    faceauth_auth_params_free(bad);
    faceauth_auth_params_free(NULL);
  }
  CHECK(url == UNTOUCHED);

  /* Inspect: NULLs, malformed URLs, the wrong key, a payload that is not FaceAuth's. */
  EXPECT_ERROR(faceauth_url_inspect(NULL, c, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_inspect(good, NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_inspect(good, c, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_url_inspect(BAD_UTF8, c, &json, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_url_inspect("https://example.com/page", c, &json, &err),
               FACEAUTH_STATUS_INVALID_URL);
  EXPECT_ERROR(faceauth_url_inspect("https://x.test/face-auth?pid=p", c, &json, &err),
               FACEAUTH_STATUS_INVALID_URL);
  EXPECT_ERROR(faceauth_url_inspect("pid=%ff&encrypted=abc", c, &json, &err),
               FACEAUTH_STATUS_INVALID_URL);
  {
    /* The wrong key (the ciphertext of vector 0, which fails its padding under OTHER_KEY). */
    char query[128];
    snprintf(query, sizeof query, "pid=p&encrypted=%s", VECTORS[0].ecb);
    EXPECT_ERROR_HIDING(faceauth_url_inspect(query, wrong, &json, &err), FACEAUTH_STATUS_BAD_PADDING,
                        OTHER_KEY);
  }
  {
    /* It decrypts, but to JSON without a sid. */
    char *ct = NULL;
    char query[256];
    CHECK_STATUS(faceauth_cipher_encrypt(c, "{\"nosid\":1}", &ct, NULL), FACEAUTH_STATUS_OK);
    snprintf(query, sizeof query, "pid=p&encrypted=%s", ct != NULL ? ct : "");
    EXPECT_ERROR(faceauth_url_inspect(query, c, &json, &err), FACEAUTH_STATUS_INVALID_PAYLOAD);
    faceauth_string_free(ct);
  }
  CHECK(json == UNTOUCHED);

  /* Token generation and validation: NULLs and invalid UTF-8. */
  {
    char *token = UNTOUCHED;
    EXPECT_ERROR(faceauth_token_generate(NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
    EXPECT_ERROR(faceauth_token_validate(NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
    EXPECT_ERROR(faceauth_token_validate(BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
    CHECK(token == UNTOUCHED);
  }

  faceauth_string_free(good);
  faceauth_string_free(again);
  faceauth_cipher_free(c);
  faceauth_cipher_free(wrong);
  faceauth_url_builder_free(b);
  faceauth_auth_params_free(p);
}

/*
 * The REST client against the simulator (`faceauth mock`), which tests/c/run.sh starts for
 * each run and describes in the environment: FACEAUTH_TEST_MOCK_URL, _KEY and _PROJECT, the
 * approved submission FACEAUTH_TEST_SUBMISSION, and FACEAUTH_TEST_SEEDED_ROWS results created on
 * the day FACEAUTH_TEST_SEEDED_DAY (no other result is there at the start).
 */
struct mock {
  const char *url, *key, *project, *submission, *day;
  int rows;
};

static struct mock mock;

static int read_mock_env(void) {
  const char *rows = getenv("FACEAUTH_TEST_SEEDED_ROWS");
  mock.url = getenv("FACEAUTH_TEST_MOCK_URL");
  mock.key = getenv("FACEAUTH_TEST_MOCK_KEY");
  mock.project = getenv("FACEAUTH_TEST_MOCK_PROJECT");
  mock.submission = getenv("FACEAUTH_TEST_SUBMISSION");
  mock.day = getenv("FACEAUTH_TEST_SEEDED_DAY");
  mock.rows = rows != NULL ? atoi(rows) : 0;
  if (mock.url == NULL || mock.key == NULL || mock.project == NULL || mock.submission == NULL ||
      mock.day == NULL || mock.rows < 3) {
    failed++;
    fprintf(stderr, "no simulator described in the environment: run tests/c/run.sh\n");
    return 0;
  }
  return 1;
}

/* A client of `url`; `max_retries` < 0 keeps the default. */
static faceauth_client *new_client(const char *key, const char *url, int max_retries) {
  faceauth_client *c = NULL;
  faceauth_client_options *opts = NULL;
  faceauth_error *err = NULL;
  CHECK_STATUS(faceauth_client_options_new(&opts, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_options_set_base_url(opts, url, &err), FACEAUTH_STATUS_OK);
  if (max_retries >= 0) {
    CHECK_STATUS(faceauth_client_options_set_max_retries(opts, (uint32_t)max_retries, &err),
                 FACEAUTH_STATUS_OK);
  }
  CHECK_STATUS(faceauth_client_new(key, opts, &c, &err), FACEAUTH_STATUS_OK);
  CHECK(err == NULL && c != NULL);
  faceauth_error_free(err);
  faceauth_client_options_free(opts); /* the client keeps what it needs */
  return c;
}

/* Copies the string value of "key" in `json` (no escapes in it) into `out`; 1 if found. */
static int json_string(const char *json, const char *key, char *out, size_t size) {
  char pattern[64];
  const char *start, *end;
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  start = json != NULL ? strstr(json, pattern) : NULL;
  if (start == NULL) {
    return 0;
  }
  start += strlen(pattern);
  end = strchr(start, '"');
  if (end == NULL || (size_t)(end - start) >= size) {
    return 0;
  }
  memcpy(out, start, (size_t)(end - start));
  out[end - start] = '\0';
  return 1;
}

/* Lists to the end; returns the number of rows (-1 on an error) and counts rows holding `needle`. */
static int list_all(const faceauth_client *c, const char *start, const char *end, uint32_t count,
                    const char *needle, int *with_needle) {
  faceauth_records *it = NULL;
  faceauth_error *err = NULL;
  char *row = UNTOUCHED;
  int rows = 0;
  faceauth_status status = faceauth_client_list(c, start, end, count, &it, &err);
  CHECK_STATUS(status, FACEAUTH_STATUS_OK);
  if (status != FACEAUTH_STATUS_OK) {
    faceauth_error_free(err);
    return -1;
  }
  CHECK(faceauth_records_incomplete(it) == NULL); /* not ended yet */
  for (;;) {
    row = UNTOUCHED;
    status = faceauth_records_next(it, &row, &err);
    if (status != FACEAUTH_STATUS_OK) {
      fprintf(stderr, "list_next: %s\n", faceauth_error_message(err));
      faceauth_error_free(err);
      rows = -1;
      break;
    }
    if (row == NULL) {
      break;
    }
    CHECK(row != UNTOUCHED && row[0] == '{');
    rows++;
    if (needle != NULL && strstr(row, needle) != NULL) {
      (*with_needle)++;
    }
    faceauth_string_free(row);
  }
  /* The end, again and again; the simulator pages completely. */
  row = UNTOUCHED;
  CHECK_STATUS(faceauth_records_next(it, &row, NULL), FACEAUTH_STATUS_OK);
  CHECK(row == NULL);
  CHECK(faceauth_records_incomplete(it) == NULL);
  faceauth_records_free(it);
  return rows;
}

/* submit -> get -> list -> image -> delete, and the HTTP errors, on the simulator. */
static void test_client_calls(void) {
  static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 0, 4};
  faceauth_client *c = new_client(mock.key, mock.url, -1);
  char *json = NULL, *content_type = UNTOUCHED, *out = UNTOUCHED;
  char auth_id[128] = "", value[128] = "", needle[160];
  faceauth_buf image = {UNTOUCHED, 7};
  faceauth_error *err = NULL;
  int rows, found = 0;

  /* Submit: the API's answer, as received. */
  CHECK_STATUS(faceauth_client_submit(c, mock.submission, png, sizeof png, "user-1", "c1", NULL,
                                      NULL, &json, &err),
               FACEAUTH_STATUS_OK);
  CHECK(json != NULL && json_string(json, "authentication_id", auth_id, sizeof auth_id));
  CHECK(json_string(json, "auth_status", value, sizeof value) && strcmp(value, "approved") == 0);
  faceauth_string_free(json);
  json = NULL;

  /* Get: the row, with the project id. */
  CHECK_STATUS(faceauth_client_get(c, auth_id, &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json_string(json, "auth_id", value, sizeof value) && strcmp(value, auth_id) == 0);
  CHECK(json_string(json, "kyc_submission_id", value, sizeof value) &&
        strcmp(value, mock.submission) == 0);
  CHECK(json_string(json, "faceAuth_projectId", value, sizeof value) &&
        strcmp(value, mock.project) == 0);
  CHECK(json != NULL && strstr(json, "\"delete_check\":false") != NULL);
  faceauth_string_free(json);
  json = NULL;

  /* List: the seeded day in pages of 3 (so several pages), then everything in pages of 2. */
  CHECK(list_all(c, mock.day, mock.day, 3, NULL, &found) == mock.rows);
  snprintf(needle, sizeof needle, "\"auth_id\":\"%s\"", auth_id);
  rows = list_all(c, NULL, NULL, 2, needle, &found);
  CHECK(rows == mock.rows + 1);
  CHECK(found == 1); /* the submitted result, once */
  CHECK(list_all(c, NULL, NULL, 0, NULL, &found) == mock.rows + 1); /* the default page size */
  CHECK(list_all(c, "2000-01-01", "2000-01-01", 0, NULL, &found) == 0); /* the end at once */

  /* Image: the bytes sent, and their content type. */
  CHECK_STATUS(faceauth_client_image(c, auth_id, &image, &content_type, &err), FACEAUTH_STATUS_OK);
  CHECK(image.len == sizeof png && image.data != NULL && memcmp(image.data, png, sizeof png) == 0);
  CHECK_STR(content_type, "image/png");
  faceauth_buf_free(&image);
  faceauth_string_free(content_type);

  /* Delete: erased; then the id is unknown to delete and image, and the row says so. */
  CHECK_STATUS(faceauth_client_delete(c, auth_id, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_get(c, auth_id, &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json != NULL && strstr(json, "\"delete_check\":true") != NULL);
  faceauth_string_free(json);
  json = UNTOUCHED;
  image.data = UNTOUCHED;
  image.len = 7;
  content_type = UNTOUCHED;
  EXPECT_HTTP_ERROR(faceauth_client_delete(c, auth_id, &err), FACEAUTH_STATUS_API_NOT_FOUND, 400);
  EXPECT_HTTP_ERROR(faceauth_client_image(c, auth_id, &image, &content_type, &err),
                    FACEAUTH_STATUS_API_NOT_FOUND, 400);
  CHECK(image.data == UNTOUCHED && image.len == 7 && content_type == UNTOUCHED);

  /* An unknown auth id (Argos: 400 NOT_FOUND), an unknown submission: 400 from the API. */
  EXPECT_HTTP_ERROR(faceauth_client_get(c, "fa_does_not_exist", &json, &err),
                    FACEAUTH_STATUS_API_NOT_FOUND, 400);
  EXPECT_HTTP_ERROR(faceauth_client_submit(c, "no-such-submission", png, sizeof png, NULL, NULL,
                                           NULL, NULL, &json, &err),
                    FACEAUTH_STATUS_API_INVALID_REQUEST, 400);
  CHECK(json == UNTOUCHED);

  /* The wrong API key: 403, FACEAUTH_STATUS_API_AUTHENTICATION, and never the key in the text. */
  {
    faceauth_client *wrong = new_client(OTHER_KEY, mock.url, -1);
    faceauth_records *it = NULL;
    EXPECT_HTTP_ERROR_HIDING(faceauth_client_get(wrong, "any-id", &json, &err),
                             FACEAUTH_STATUS_API_AUTHENTICATION, OTHER_KEY, 403);
    EXPECT_HTTP_ERROR_HIDING(faceauth_client_submit(wrong, mock.submission, png, sizeof png, NULL,
                                                    NULL, NULL, NULL, &json, &err),
                             FACEAUTH_STATUS_API_AUTHENTICATION, OTHER_KEY, 403);
    EXPECT_HTTP_ERROR_HIDING(faceauth_client_delete(wrong, "any-id", &err),
                             FACEAUTH_STATUS_API_AUTHENTICATION, OTHER_KEY, 403);
    EXPECT_HTTP_ERROR_HIDING(faceauth_client_image(wrong, "any-id", &image, &content_type, &err),
                             FACEAUTH_STATUS_API_AUTHENTICATION, OTHER_KEY, 403);
    /* A listing fails at its first page; after the failure it has ended. */
    CHECK_STATUS(faceauth_client_list(wrong, NULL, NULL, 0, &it, NULL), FACEAUTH_STATUS_OK);
    EXPECT_HTTP_ERROR_HIDING(faceauth_records_next(it, &out, &err), FACEAUTH_STATUS_API_AUTHENTICATION,
                             OTHER_KEY, 403);
    CHECK(out == UNTOUCHED);
    CHECK_STATUS(faceauth_records_next(it, &out, NULL), FACEAUTH_STATUS_OK);
    CHECK(out == NULL);
    faceauth_records_free(it);
    /* The listing outlives the client it came from. */
    CHECK_STATUS(faceauth_client_list(c, mock.day, mock.day, 0, &it, NULL), FACEAUTH_STATUS_OK);
    faceauth_client_free(c);
    c = NULL;
    out = NULL;
    CHECK_STATUS(faceauth_records_next(it, &out, NULL), FACEAUTH_STATUS_OK);
    CHECK(out != NULL && strstr(out, "\"auth_id\"") != NULL);
    faceauth_string_free(out);
    faceauth_records_free(it);
    faceauth_client_free(wrong);
    CHECK(json == UNTOUCHED && image.data == UNTOUCHED && content_type == UNTOUCHED);
  }

  /* No answer at all: a closed loopback port, no retries; no HTTP status. */
  {
    faceauth_client *closed = new_client(mock.key, "http://127.0.0.1:1", 0);
    EXPECT_ERROR(faceauth_client_get(closed, "any-id", &json, &err), FACEAUTH_STATUS_API_CONNECTION);
    faceauth_client_free(closed);
  }
  faceauth_client_free(c);
}

/* A loopback server that takes one connection, reads its request and never answers; it notes
 * whether the client then closed the connection. */
struct stall_server {
  int fd;
  char url[64];
  int requests;
  int closed;
  pthread_t thread;
};

static void *stall_serve(void *arg) {
  struct stall_server *s = arg;
  struct timeval patience = {30, 0};
  char buf[4096];
  ssize_t n;
  int conn = accept(s->fd, NULL, NULL);
  if (conn < 0) {
    return NULL;
  }
  setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
  if (recv(conn, buf, sizeof buf, 0) > 0) {
    s->requests = 1;
  }
  do {
    n = recv(conn, buf, sizeof buf, 0);
  } while (n > 0);
  s->closed = n == 0;
  close(conn);
  return NULL;
}

static int stall_start(struct stall_server *s) {
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  memset(s, 0, sizeof *s);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      listen(s->fd, 8) != 0 || getsockname(s->fd, (struct sockaddr *)&addr, &len) != 0) {
    return 0;
  }
  snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", (int)ntohs(addr.sin_port));
  return pthread_create(&s->thread, NULL, stall_serve, s) == 0;
}

/* Joins the server, then counts connections made after the first (none expected). */
static int stall_stop(struct stall_server *s) {
  struct timeval none = {0, 1000};
  int more = 0, conn;
  pthread_join(s->thread, NULL);
  setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
  while ((conn = accept(s->fd, NULL, NULL)) >= 0) {
    more++;
    close(conn);
  }
  close(s->fd);
  return more;
}

static double seconds_since(const struct timeval *start) {
  struct timeval now;
  gettimeofday(&now, NULL);
  return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_usec - start->tv_usec) / 1e6;
}

static void *trigger_after_300ms(void *cancel) {
  struct timespec wait = {0, 300000000L};
  nanosleep(&wait, NULL);
  faceauth_cancel_trigger(cancel);
  return NULL;
}

struct attempts_seen {
  int count;
  char method[16];
  char route[32];
  uint16_t http_status;
  faceauth_status error;
  uint32_t number;
  uint64_t duration_us;
  int request_id_is_null;
};

static void record_attempt(const faceauth_attempt *attempt, void *user_data) {
  struct attempts_seen *seen = user_data;
  const char *method = faceauth_attempt_method(attempt), *route = faceauth_attempt_route(attempt);
  seen->count++;
  snprintf(seen->method, sizeof seen->method, "%s", method ? method : "(null)");
  snprintf(seen->route, sizeof seen->route, "%s", route ? route : "(null)");
  seen->http_status = faceauth_attempt_http_status(attempt);
  seen->error = faceauth_attempt_error(attempt);
  seen->number = faceauth_attempt_number(attempt);
  seen->duration_us = faceauth_attempt_duration_us(attempt);
  seen->request_id_is_null = faceauth_attempt_request_id(attempt) == NULL;
}

/* Cancellation from another thread, deadlines, the client options of issue 16 and the `_with`
 * calls, on a stalling loopback server and on the simulator. */
static void test_client_control(int with_mock) {
  static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 0, 4};
  struct stall_server stall;
  struct attempts_seen seen;
  struct timeval started;
  faceauth_client_options *opts = NULL;
  faceauth_call_options *call = NULL;
  faceauth_cancel *cancel = NULL;
  faceauth_client *c = NULL;
  faceauth_error *err = NULL;
  faceauth_records *it = NULL;
  faceauth_buf image = {UNTOUCHED, 7};
  char *json = UNTOUCHED, *content_type = UNTOUCHED, *row = NULL;
  char auth_id[128] = "";
  pthread_t trigger;

  /* A cancel from another thread aborts the request in flight: the server sees the connection
   * closed and no further request, and the call says it was cancelled. */
  CHECK(stall_start(&stall));
  c = new_client(mock.key, stall.url, 3);
  CHECK_STATUS(faceauth_cancel_new(&cancel, &err), FACEAUTH_STATUS_OK);
  CHECK(!faceauth_cancel_is_triggered(cancel) && !faceauth_cancel_is_triggered(NULL));
  CHECK_STATUS(faceauth_call_options_new(&call, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_call_options_set_cancel(call, cancel, &err), FACEAUTH_STATUS_OK);
  CHECK(pthread_create(&trigger, NULL, trigger_after_300ms, cancel) == 0);
  gettimeofday(&started, NULL);
  EXPECT_ERROR(faceauth_client_delete_with(c, call, "auth-1", &err), FACEAUTH_STATUS_CANCELLED);
  CHECK(seconds_since(&started) < 2.0); /* the server would stall 30 s */
  pthread_join(trigger, NULL);
  CHECK(faceauth_cancel_is_triggered(cancel));
  CHECK(stall_stop(&stall) == 0);
  CHECK(stall.requests == 1 && stall.closed);
  /* Triggered stays triggered: the next call sends nothing. The options keep the handle. */
  faceauth_cancel_free(cancel);
  cancel = NULL;
  json = UNTOUCHED;
  EXPECT_ERROR(faceauth_client_get_with(c, call, "auth-1", &json, &err), FACEAUTH_STATUS_CANCELLED);
  CHECK(json == UNTOUCHED);
  faceauth_cancel_trigger(NULL); /* does nothing */
  faceauth_client_free(c);

  /* A deadline bounds the whole call: a timeout naming the attempts made. */
  CHECK(stall_start(&stall));
  c = new_client(mock.key, stall.url, 3);
  CHECK_STATUS(faceauth_call_options_set_cancel(call, NULL, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_call_options_set_deadline_ms(call, 300, &err), FACEAUTH_STATUS_OK);
  gettimeofday(&started, NULL);
  err = NULL;
  CHECK_STATUS(faceauth_client_get_with(c, call, "auth-1", &json, &err), FACEAUTH_STATUS_API_TIMEOUT);
  CHECK(err != NULL && strstr(faceauth_error_message(err), "after 1 attempt") != NULL);
  faceauth_error_free(err);
  CHECK(seconds_since(&started) < 2.0);
  faceauth_client_free(c); /* closes the pooled connection, ending the server's wait */
  CHECK(stall_stop(&stall) == 0);
  CHECK_STATUS(faceauth_call_options_set_deadline_ms(call, 0, &err), FACEAUTH_STATUS_OK);

  /* Client options: the attempt callback, the user agent suffix, proxies and CAs. */
  CHECK_STATUS(faceauth_client_options_new(&opts, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_options_set_ca_file(opts, "/nonexistent/ca.pem", &err),
               FACEAUTH_STATUS_OK);
  c = UNTOUCHED;
  EXPECT_ERROR(faceauth_client_new(mock.key, opts, &c, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK(c == UNTOUCHED);
  faceauth_client_options_free(opts);
  CHECK_STATUS(faceauth_client_options_new(&opts, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_options_set_proxy(opts, "socks5://127.0.0.1:1", &err), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_client_new(mock.key, opts, &c, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(faceauth_client_options_set_proxy(opts, "http://user:pw@127.0.0.1:1", &err),
               FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_options_set_no_proxy(opts, "127.0.0.1, example.com", &err),
               FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_options_set_proxy_from_env(opts, false, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_options_set_platform_roots(opts, true, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_options_set_user_agent_suffix(opts, "c-tests/1.0", &err),
               FACEAUTH_STATUS_OK);
  memset(&seen, 0, sizeof seen);
  CHECK_STATUS(faceauth_client_options_set_on_attempt(opts, record_attempt, &seen, &err),
               FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_options_set_user_agent_suffix(opts, "bad\nsuffix", &err),
               FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_client_new(mock.key, opts, &c, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(faceauth_client_options_set_user_agent_suffix(opts, "c-tests/1.0", &err),
               FACEAUTH_STATUS_OK);
  /* NULL and invalid UTF-8 are refused by every setter. */
  EXPECT_ERROR(faceauth_client_options_set_proxy(NULL, "http://p:1", &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_options_set_proxy(opts, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_options_set_proxy(opts, BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_options_set_no_proxy(opts, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_options_set_ca_file(opts, BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_options_set_user_agent_suffix(opts, NULL, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_options_set_proxy_from_env(NULL, true, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_options_set_platform_roots(NULL, true, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_options_set_on_attempt(NULL, record_attempt, NULL, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_call_options_set_cancel(NULL, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_call_options_set_deadline_ms(NULL, 1, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_call_options_new(NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_cancel_new(NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  /* The attempt getters take NULL. */
  CHECK(faceauth_attempt_method(NULL) == NULL && faceauth_attempt_route(NULL) == NULL);
  CHECK(faceauth_attempt_http_status(NULL) == 0 && faceauth_attempt_number(NULL) == 0);
  CHECK(faceauth_attempt_duration_us(NULL) == 0 && faceauth_attempt_request_id(NULL) == NULL);
  CHECK(faceauth_attempt_error(NULL) == FACEAUTH_STATUS_NULL_POINTER);

  if (with_mock) {
    /* The proxy is skipped (no_proxy names the host); each call reports its attempt. */
    CHECK_STATUS(faceauth_client_options_set_base_url(opts, mock.url, &err), FACEAUTH_STATUS_OK);
    CHECK_STATUS(faceauth_client_options_set_platform_roots(opts, false, &err), FACEAUTH_STATUS_OK);
    CHECK_STATUS(faceauth_client_new(mock.key, opts, &c, &err), FACEAUTH_STATUS_OK);
    CHECK_STATUS(faceauth_client_submit_with(c, call, mock.submission, png, sizeof png, NULL, NULL,
                                             NULL, NULL, &json, &err),
                 FACEAUTH_STATUS_OK);
    CHECK(json_string(json, "authentication_id", auth_id, sizeof auth_id));
    faceauth_string_free(json);
    CHECK(seen.count == 1 && seen.http_status == 200 && seen.number == 1);
    CHECK_STR(seen.method, "POST");
    CHECK_STR(seen.route, "/FaceAuth");
    CHECK(seen.error == FACEAUTH_STATUS_OK);
    json = NULL;
    CHECK_STATUS(faceauth_client_get_with(c, NULL, auth_id, &json, &err), FACEAUTH_STATUS_OK);
    CHECK(json != NULL && strstr(json, auth_id) != NULL);
    faceauth_string_free(json);
    CHECK(seen.count == 2);
    CHECK_STR(seen.method, "GET");
    CHECK_STATUS(faceauth_client_list_with(c, call, mock.day, mock.day, 0, &it, &err), FACEAUTH_STATUS_OK);
    CHECK_STATUS(faceauth_records_next(it, &row, &err), FACEAUTH_STATUS_OK);
    CHECK(row != NULL);
    faceauth_string_free(row);
    faceauth_records_free(it);
    CHECK_STATUS(faceauth_client_image_with(c, call, auth_id, &image, &content_type, &err),
                 FACEAUTH_STATUS_OK);
    CHECK_STR(seen.route, "/FaceAuth/Image");
    faceauth_buf_free(&image);
    faceauth_string_free(content_type);
    CHECK_STATUS(faceauth_client_delete_with(c, call, auth_id, &err), FACEAUTH_STATUS_OK);
    CHECK_STR(seen.method, "DELETE");
    EXPECT_HTTP_ERROR(faceauth_client_delete_with(c, NULL, auth_id, &err), FACEAUTH_STATUS_API_NOT_FOUND,
                      400);
    CHECK(seen.http_status == 400 && seen.error == FACEAUTH_STATUS_OK && seen.number == 1);
    faceauth_client_free(c);
  }
  faceauth_client_options_free(opts);
  faceauth_call_options_free(call);
  faceauth_call_options_free(NULL);
  faceauth_cancel_free(NULL);
}

/* NULL for each pointer, invalid UTF-8 for each string, bad arguments: refused before sending. */
static void test_bad_client_input(void) {
  static const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0};
  faceauth_client *c = new_client(mock.key, "http://127.0.0.1:1", 0);
  faceauth_client *out = UNTOUCHED;
  faceauth_records *it = UNTOUCHED;
  char *json = UNTOUCHED, *content_type = UNTOUCHED;
  faceauth_buf image = {UNTOUCHED, 7};
  faceauth_client_options *opts = NULL;
  faceauth_error *err = NULL;

  /* Options: NULL out or handle, invalid UTF-8. */
  EXPECT_ERROR(faceauth_client_options_new(NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  CHECK_STATUS(faceauth_client_options_new(NULL, NULL), FACEAUTH_STATUS_NULL_POINTER);
  CHECK_STATUS(faceauth_client_options_new(&opts, &err), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_client_options_set_base_url(NULL, "http://h", &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_options_set_base_url(opts, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_options_set_base_url(opts, BAD_UTF8, &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_options_set_timeout_ms(NULL, 1, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_options_set_connect_timeout_ms(NULL, 1, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_options_set_max_retries(NULL, 1, &err), FACEAUTH_STATUS_NULL_POINTER);
  faceauth_client_options_free(NULL);
  /* No options at all: every default (Argos's URL; nothing is sent). */
  CHECK_STATUS(faceauth_client_new(KEY, NULL, &out, NULL), FACEAUTH_STATUS_OK);
  CHECK(out != NULL && out != UNTOUCHED);
  faceauth_client_free(out);
  out = UNTOUCHED;
  EXPECT_ERROR(faceauth_client_new(NULL, opts, &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_new(KEY, opts, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_new(BAD_UTF8, opts, &out, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR_HIDING(faceauth_client_new(" secret-key-padded", opts, &out, &err),
                      FACEAUTH_STATUS_INVALID_ARGUMENT, "secret-key");
  EXPECT_ERROR(faceauth_client_new("", opts, &out, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(faceauth_client_options_set_base_url(opts, "ftp://127.0.0.1", NULL), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_client_new(KEY, opts, &out, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(faceauth_client_options_set_base_url(opts, "http://127.0.0.1:1", NULL), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_options_set_timeout_ms(opts, 0, NULL), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_client_new(KEY, opts, &out, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(faceauth_client_options_set_timeout_ms(opts, 1000, NULL), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_options_set_connect_timeout_ms(opts, 0, NULL), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_client_new(KEY, opts, &out, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK(out == UNTOUCHED);
  /* Fixed: one options object makes any number of clients. */
  CHECK_STATUS(faceauth_client_options_set_connect_timeout_ms(opts, 500, NULL), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_client_new(KEY, opts, &out, NULL), FACEAUTH_STATUS_OK);
  faceauth_client_free(out);
  out = UNTOUCHED;
  CHECK_STATUS(faceauth_client_new(KEY, opts, &out, NULL), FACEAUTH_STATUS_OK);
  faceauth_client_free(out);
  out = UNTOUCHED;
  CHECK(out == UNTOUCHED);

  EXPECT_ERROR(faceauth_client_submit(NULL, "s", jpeg, sizeof jpeg, NULL, NULL, NULL, NULL, &json,
                                      &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_submit(c, NULL, jpeg, sizeof jpeg, NULL, NULL, NULL, NULL, &json,
                                      &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_submit(c, "s", NULL, 4, NULL, NULL, NULL, NULL, &json, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_submit(c, "s", jpeg, sizeof jpeg, NULL, NULL, NULL, NULL, NULL,
                                      &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_submit(c, BAD_UTF8, jpeg, sizeof jpeg, NULL, NULL, NULL, NULL,
                                      &json, &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_submit(c, "s", jpeg, sizeof jpeg, BAD_UTF8, NULL, NULL, NULL, &json,
                                      &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_submit(c, "s", jpeg, sizeof jpeg, NULL, BAD_UTF8, NULL, NULL, &json,
                                      &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_submit(c, "s", jpeg, sizeof jpeg, NULL, NULL, BAD_UTF8, NULL, &json,
                                      &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_submit(c, "s", jpeg, sizeof jpeg, NULL, NULL, NULL, BAD_UTF8, &json,
                                      &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_submit(c, "s", NULL, 0, NULL, NULL, NULL, NULL, &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT); /* an empty image */
  EXPECT_ERROR(faceauth_client_submit(c, " ", jpeg, sizeof jpeg, NULL, NULL, NULL, NULL, &json,
                                      &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);

  EXPECT_ERROR(faceauth_client_get(NULL, "id", &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_get(c, NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_get(c, "id", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_get(c, BAD_UTF8, &json, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_get(c, "", &json, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_client_get(c, "id\nid", &json, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK(json == UNTOUCHED);

  EXPECT_ERROR(faceauth_client_list(NULL, NULL, NULL, 0, &it, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_list(c, NULL, NULL, 0, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_list(c, "2025-01-01", NULL, 0, &it, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_client_list(c, NULL, "2025-01-01", 0, &it, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_client_list(c, BAD_UTF8, "2025-01-01", 0, &it, &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_list(c, "2025-01-01", BAD_UTF8, 0, &it, &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_list(c, "2025-02-30", "2025-03-01", 0, &it, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_client_list(c, "2025-03-02", "2025-03-01", 0, &it, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_client_list(c, NULL, NULL, 2001, &it, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK(it == UNTOUCHED);
  /* A 1 MB date: refused with a message that quotes only an excerpt of it. */
  {
    size_t len = 1024 * 1024;
    char *huge = malloc(len + 1);
    CHECK(huge != NULL);
    if (huge != NULL) {
      for (size_t i = 0; i < len; i++) {
        huge[i] = "2025-01-01"[i % 10];
      }
      huge[len] = '\0';
      err = NULL;
      CHECK_STATUS(faceauth_client_list(c, huge, "2025-01-01", 0, &it, &err),
                   FACEAUTH_STATUS_INVALID_ARGUMENT);
      CHECK(err != NULL && strlen(faceauth_error_message(err)) < 200);
      CHECK(err != NULL && strstr(faceauth_error_message(err), "(1048576 bytes)") != NULL);
      faceauth_error_free(err);
      free(huge);
    }
  }
  CHECK(it == UNTOUCHED);
  EXPECT_ERROR(faceauth_records_next(NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  CHECK_STATUS(faceauth_client_list(c, NULL, NULL, 0, &it, NULL), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_records_next(it, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  faceauth_records_free(it);
  CHECK(faceauth_records_incomplete(NULL) == NULL);

  EXPECT_ERROR(faceauth_client_image(NULL, "id", &image, &content_type, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_image(c, NULL, &image, &content_type, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_image(c, "id", NULL, &content_type, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_image(c, "id", &image, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_image(c, BAD_UTF8, &image, &content_type, &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_image(c, "", &image, &content_type, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK(image.data == UNTOUCHED && image.len == 7 && content_type == UNTOUCHED);

  EXPECT_ERROR(faceauth_client_delete(NULL, "id", &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_delete(c, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_delete(c, BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_client_delete(c, " ", &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  /* A NULL out_err: the status alone. */
  CHECK_STATUS(faceauth_client_delete(c, NULL, NULL), FACEAUTH_STATUS_NULL_POINTER);

  faceauth_client_free(c);
  faceauth_client_options_free(opts);
}

/* Eight threads share one builder, one cipher and one client. */
#define THREADS 8
#define ROUNDS 40

/*
 * The token ledger: on a temporary file and in memory, the whole flow (issue a link, open it on
 * the simulator, apply the webhook it sends), every bad input, and threads sharing one ledger.
 */

/* A fresh temporary directory (under $TMPDIR or /tmp) in `dir`; 1 on success. */
static int make_temp_dir(char *dir, size_t size) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, size, "%s/faceauth-c-XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
  return mkdtemp(dir) != NULL;
}

/* Removes `dir`/tokens.db (and its -wal and -shm), `dir`/notes.txt, then `dir`. */
static void remove_temp_dir(const char *dir) {
  const char *names[] = {"tokens.db", "tokens.db-wal", "tokens.db-shm", "notes.txt"};
  char path[512];
  size_t i;
  for (i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    remove(path);
  }
  CHECK(rmdir(dir) == 0);
}

static void sleep_ms(long ms) {
  struct timespec t;
  t.tv_sec = ms / 1000;
  t.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&t, NULL);
}

/*
 * GET `path` (with its query) from the simulator at mock.url (http://127.0.0.1:PORT), as a
 * browser opening a link would. Returns the body (free it with free()) and the HTTP status in
 * *status, or NULL when the exchange failed.
 */
static char *http_get(const char *base_url, const char *path, int *status) {
  const char *port_text = strrchr(base_url, ':');
  struct sockaddr_in addr;
  struct timeval timeout;
  char *response = NULL, *body = NULL, *request;
  size_t len = 0, cap = 4096, request_len;
  int fd;
  ssize_t n;
  *status = 0;
  if (port_text == NULL || strncmp(base_url, "http://127.0.0.1:", 17) != 0) {
    return NULL;
  }
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(port_text + 1));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return NULL;
  }
  timeout.tv_sec = 30;
  timeout.tv_usec = 0;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  request_len = strlen(path) + 128;
  request = malloc(request_len);
  response = malloc(cap);
  if (request == NULL || response == NULL ||
      connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    goto done;
  }
  snprintf(request, request_len, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
           path);
  if (send(fd, request, strlen(request), 0) != (ssize_t)strlen(request)) {
    goto done;
  }
  while ((n = recv(fd, response + len, cap - len - 1, 0)) > 0) {
    len += (size_t)n;
    if (cap - len < 2) {
      char *bigger = realloc(response, cap * 2);
      if (bigger == NULL) {
        goto done;
      }
      response = bigger;
      cap *= 2;
    }
  }
  response[len] = '\0';
  if (sscanf(response, "HTTP/1.%*d %d", status) == 1 && strstr(response, "\r\n\r\n") != NULL) {
    const char *start = strstr(response, "\r\n\r\n") + 4;
    body = malloc(strlen(start) + 1);
    if (body != NULL) {
      memcpy(body, start, strlen(start) + 1);
    }
  }
done:
  close(fd);
  free(request);
  free(response);
  return body;
}

static faceauth_ledger *open_ledger(const char *location) {
  faceauth_ledger *l = NULL;
  faceauth_error *err = NULL;
  CHECK_STATUS(faceauth_ledger_open(location, &l, &err), FACEAUTH_STATUS_OK);
  CHECK(err == NULL && l != NULL);
  if (err != NULL) {
    fprintf(stderr, "open %s: %s\n", location, faceauth_error_message(err));
  }
  faceauth_error_free(err);
  return l;
}

/* The JSON of a ledger call that must succeed (NULL when it did not). */
static char *ledger_status(const faceauth_ledger *l, const char *token) {
  char *json = NULL;
  faceauth_error *err = NULL;
  CHECK_STATUS(faceauth_ledger_status(l, token, &json, &err), FACEAUTH_STATUS_OK);
  faceauth_error_free(err);
  return json;
}

static char *ledger_list(const faceauth_ledger *l, const char *filter) {
  char *json = NULL;
  faceauth_error *err = NULL;
  CHECK_STATUS(faceauth_ledger_list(l, filter, &json, &err), FACEAUTH_STATUS_OK);
  if (err != NULL) {
    fprintf(stderr, "list %s: %s\n", filter ? filter : "(null)", faceauth_error_message(err));
  }
  faceauth_error_free(err);
  return json;
}

/* How many times `needle` occurs in `haystack`. */
static int count_of(const char *haystack, const char *needle) {
  int n = 0;
  const char *at = haystack;
  while (at != NULL && (at = strstr(at, needle)) != NULL) {
    n++;
    at += strlen(needle);
  }
  return n;
}

/* A clear faceAuth webhook body (Argos's current shape) for `token`. */
static void face_auth_body(char *body, size_t size, const char *token, const char *auth_id) {
  snprintf(body, size,
           "{\"webhook_trigger\": \"faceAuth\", \"data\": {\"Submission_id\": \"%s\", "
           "\"Auth_Status\": \"approved\", \"Token_id\": \"%s\", \"Authentication_id\": \"%s\", "
           "\"Create_Time\": \"2025-03-01T08:00:00.000Z\"}}",
           mock.submission != NULL ? mock.submission : "sub_1", token, auth_id);
}

/* A builder whose links open on the simulator (or on an unused port without it). */
static faceauth_url_builder *mock_builder(int with_mock) {
  faceauth_url_builder *b =
      new_builder(with_mock ? mock.project : "p", with_mock ? mock.key : KEY, "ecb");
  CHECK_STATUS(faceauth_url_builder_set_base_url(b, with_mock ? mock.url : "http://127.0.0.1:9", NULL),
               FACEAUTH_STATUS_OK);
  return b;
}

/* The whole flow on one ledger location; `reopen`: the location is a file, reopened midway. */
static void test_ledger_flow(const char *location, int reopen, int with_mock) {
  faceauth_ledger *l = open_ledger(location);
  faceauth_url_builder *b = mock_builder(with_mock);
  faceauth_cipher *hook_cipher = new_cipher(KEY, "ecb");
  faceauth_auth_params *p =
      new_params(with_mock ? mock.submission : "sub_1", "user-ledger", NULL, NULL, NULL, NULL);
  char *link = NULL, *json = NULL, *second_link = NULL, *hook = NULL;
  char token[80] = "", second[80] = "", url[1024] = "", body[1024], expected[256];
  faceauth_error *err = UNTOUCHED;
  uint64_t purged = 12345;

  /* Issue: {"url","token","rule"}, and the token is recorded, unused, with its metadata. */
  CHECK_STATUS(faceauth_ledger_issue_url(l, b, "time:3600", p,
                                         "{\"order\": \"A-17\", \"shop\": \"caf\\u00e9\"}", &link, &err),
               FACEAUTH_STATUS_OK);
  CHECK(err == UNTOUCHED); /* *out_err is left alone on success */
  CHECK(link != NULL && strncmp(link, "{\"url\":\"http://127.0.0.1:", 25) == 0);
  CHECK(json_string(link, "token", token, sizeof token) && strncmp(token, "tok_", 4) == 0);
  CHECK(json_string(link, "url", url, sizeof url));
  CHECK(link != NULL && strstr(link, "\"rule\":\"time:3600\"}") != NULL);
  json = ledger_status(l, token);
  snprintf(expected, sizeof expected, "{\"token\":\"%s\",\"state\":\"unused\",\"until\":null,", token);
  CHECK(json != NULL && strncmp(json, expected, strlen(expected)) == 0);
  CHECK(json != NULL && strstr(json, "\"rule\":\"time:3600\",\"user_id\":\"user-ledger\","
                                     "\"metadata\":{\"order\":\"A-17\",\"shop\":\"caf\xc3\xa9\"}") != NULL);
  faceauth_string_free(json);
  json = NULL;
  {
    /* The URL carries the token (read back with the key). */
    faceauth_cipher *c = new_cipher(with_mock ? mock.key : KEY, "ecb");
    CHECK_STATUS(faceauth_url_inspect(url, c, &json, NULL), FACEAUTH_STATUS_OK);
    CHECK(json != NULL && strstr(json, token) != NULL);
    faceauth_string_free(json);
    json = NULL;
    faceauth_cipher_free(c);
  }

  if (reopen) {
    /* A file ledger keeps its tokens across a close. */
    faceauth_ledger_free(l);
    l = open_ledger(location);
    json = ledger_status(l, token);
    CHECK(json != NULL && strstr(json, "\"state\":\"unused\"") != NULL);
    faceauth_string_free(json);
    json = NULL;
  }

  /* Open the link on the simulator, which sends the faceAuth webhook; apply it. */
  if (with_mock) {
    int status = 0;
    const char *path = strstr(url, "/face-auth?");
    char *answer = path != NULL ? http_get(mock.url, path, &status) : NULL;
    CHECK(status == 200 && answer != NULL && strstr(answer, "\"auth_status\":\"approved\"") != NULL);
    free(answer);
    hook = http_get(mock.url, "/_mock/last-webhook", &status);
    CHECK(status == 200 && hook != NULL && strstr(hook, token) != NULL);
  } else {
    face_auth_body(body, sizeof body, token, "fa-offline");
  }
  CHECK_STATUS(faceauth_ledger_apply_webhook(l, hook != NULL ? hook : body, NULL, &json, NULL),
               FACEAUTH_STATUS_OK);
  snprintf(expected, sizeof expected, "{\"outcome\":\"recorded\",\"status\":{\"token\":\"%s\","
           "\"state\":\"completed\",", token);
  CHECK(json != NULL && strncmp(json, expected, strlen(expected)) == 0);
  CHECK(json != NULL && strstr(json, "\"result\":{\"auth_id\":\"") != NULL &&
        strstr(json, "\"status\":\"approved\"") != NULL);
  faceauth_string_free(json);
  json = NULL;
  /* Twice: the same record. */
  {
    char *before = ledger_status(l, token), *after;
    CHECK_STATUS(faceauth_ledger_apply_webhook(l, hook != NULL ? hook : body, NULL, &json, NULL),
                 FACEAUTH_STATUS_OK);
    after = ledger_status(l, token);
    CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
    CHECK(after != NULL && strstr(after, "\"state\":\"completed\"") != NULL);
    faceauth_string_free(before);
    faceauth_string_free(after);
    faceauth_string_free(json);
    json = NULL;
  }

  /* A count token, no metadata: marked used, it expires by its rule. */
  CHECK_STATUS(faceauth_auth_params_set_user_id(p, NULL, NULL), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_ledger_issue_url(l, b, "count", p, NULL, &second_link, NULL),
               FACEAUTH_STATUS_OK);
  CHECK(json_string(second_link, "token", second, sizeof second));
  CHECK(second_link != NULL && strstr(second_link, "\"rule\":\"count\"}") != NULL);
  CHECK_STATUS(faceauth_ledger_mark_used(l, second, &json, NULL), FACEAUTH_STATUS_OK);
  CHECK(json != NULL && strstr(json, "\"state\":\"expired\",\"until\":null,\"reason\":\"count\"") != NULL);
  CHECK(json != NULL && strstr(json, "\"user_id\":null,\"metadata\":{}") != NULL);
  faceauth_string_free(json);
  json = NULL;

  /* The encrypted form needs its key. */
  {
    char clear[1024], *sealed = NULL;
    face_auth_body(clear, sizeof clear, second, "fa-sealed");
    CHECK_STATUS(faceauth_cipher_encrypt(hook_cipher, clear, &sealed, NULL), FACEAUTH_STATUS_OK);
    snprintf(body, sizeof body, "{\"data\": \"%s\"}", sealed != NULL ? sealed : "");
    faceauth_string_free(sealed);
    json = UNTOUCHED;
    EXPECT_ERROR(faceauth_ledger_apply_webhook(l, body, NULL, &json, &err),
                 FACEAUTH_STATUS_WEBHOOK_KEY_REQUIRED);
    CHECK(json == UNTOUCHED);
    CHECK_STATUS(faceauth_ledger_apply_webhook(l, body, hook_cipher, &json, NULL), FACEAUTH_STATUS_OK);
    CHECK(json != NULL && strstr(json, "\"outcome\":\"recorded\"") != NULL &&
          strstr(json, "\"auth_id\":\"fa-sealed\"") != NULL &&
          strstr(json, "\"state\":\"completed\"") != NULL);
    faceauth_string_free(json);
    json = NULL;
  }

  /* Outcomes that match no token are results, not errors. */
  face_auth_body(body, sizeof body, "tok_not_in_this_ledger", "fa-x");
  CHECK_STATUS(faceauth_ledger_apply_webhook(l, body, NULL, &json, NULL), FACEAUTH_STATUS_OK);
  CHECK_STR(json, "{\"outcome\":\"unknown_token\",\"token\":\"tok_not_in_this_ledger\"}");
  faceauth_string_free(json);
  json = NULL;
  CHECK_STATUS(faceauth_ledger_apply_webhook(
                   l, "{\"webhook_trigger\": \"faceAuth\", \"data\": {\"Submission_id\": \"s\"}}",
                   NULL, &json, NULL),
               FACEAUTH_STATUS_OK);
  CHECK(json != NULL && strncmp(json, "{\"outcome\":\"no_token\",\"event\":{\"event\":\"faceAuth\"", 49) == 0);
  faceauth_string_free(json);
  json = NULL;
  CHECK_STATUS(faceauth_ledger_apply_webhook(l, "{\"webhook_trigger\": \"kyc\"}", NULL, &json, NULL),
               FACEAUTH_STATUS_OK);
  CHECK_STR(json, "{\"outcome\":\"ignored\",\"reason\":\"not a faceAuth or token_expired event\","
                  "\"trigger\":\"kyc\"}");
  faceauth_string_free(json);
  json = NULL;

  /* Lists: every filter ListFilter has. */
  json = ledger_list(l, NULL);
  CHECK(json != NULL && json[0] == '[' && count_of(json, "{\"token\":") == 2 &&
        strstr(json, token) != NULL && strstr(json, second) != NULL);
  CHECK(json != NULL && strstr(json, token) < strstr(json, second)); /* in order of issue */
  faceauth_string_free(json);
  json = ledger_list(l, "{}");
  CHECK(json != NULL && count_of(json, "{\"token\":") == 2);
  faceauth_string_free(json);
  json = ledger_list(l, "{\"state\": \"completed\"}");
  CHECK(json != NULL && count_of(json, "{\"token\":") == 2);
  faceauth_string_free(json);
  json = ledger_list(l, "{\"state\": \"unused\", \"submission\": null}");
  CHECK_STR(json, "[]");
  faceauth_string_free(json);
  json = ledger_list(l, "{\"submission\": \"another-submission\"}");
  CHECK_STR(json, "[]");
  faceauth_string_free(json);
  snprintf(body, sizeof body, "{\"submission\": \"%s\", \"limit\": 1}",
           with_mock ? mock.submission : "sub_1");
  json = ledger_list(l, body);
  CHECK(json != NULL && count_of(json, "{\"token\":") == 1 && strstr(json, token) != NULL);
  faceauth_string_free(json);
  json = ledger_list(l, "{\"since\": \"2000-01-01\", \"until\": \"2999-01-01T00:00:00Z\", \"limit\": 5}");
  CHECK(json != NULL && count_of(json, "{\"token\":") == 2);
  faceauth_string_free(json);
  json = ledger_list(l, "{\"since\": \"2999-01-01T00:00:00+09:00\"}");
  CHECK_STR(json, "[]");
  faceauth_string_free(json);
  json = ledger_list(l, "{\"limit\": 0}");
  CHECK_STR(json, "[]");
  faceauth_string_free(json);
  json = NULL;

  /* Purge: nothing is a day old; then everything issued before now. */
  CHECK_STATUS(faceauth_ledger_purge(l, 86400, &purged, NULL), FACEAUTH_STATUS_OK);
  CHECK(purged == 0);
  sleep_ms(5);
  CHECK_STATUS(faceauth_ledger_purge(l, 0, &purged, NULL), FACEAUTH_STATUS_OK);
  CHECK(purged == 2);
  json = UNTOUCHED;
  EXPECT_ERROR(faceauth_ledger_status(l, token, &json, &err), FACEAUTH_STATUS_TOKEN_UNKNOWN);
  CHECK(json == UNTOUCHED);
  json = ledger_list(l, NULL);
  CHECK_STR(json, "[]");
  faceauth_string_free(json);

  free(hook);
  faceauth_string_free(link);
  faceauth_string_free(second_link);
  faceauth_cipher_free(hook_cipher);
  faceauth_url_builder_free(b);
  faceauth_ledger_free(l);
  faceauth_auth_params_free(p);
}

static void test_ledgers(int with_mock) {
  char dir[256], path[300];
  if (!make_temp_dir(dir, sizeof dir)) {
    CHECK(!"mkdtemp failed");
    return;
  }
  snprintf(path, sizeof path, "%s/tokens.db", dir);
  test_ledger_flow(path, 1, with_mock);
  test_ledger_flow(":memory:", 0, with_mock);
  remove_temp_dir(dir);
}

/* NULL for each pointer, invalid UTF-8 for each string, bad rules, metadata, filters, ids and
 * files: the status, an error object, no out-param written, nothing recorded. */
static void test_bad_ledger_input(void) {
  faceauth_ledger *l = open_ledger(":memory:");
  faceauth_ledger *out = UNTOUCHED;
  faceauth_url_builder *b = new_builder("p", KEY, "ecb");
  faceauth_cipher *c = new_cipher(KEY, "ecb");
  faceauth_auth_params *p = new_params("sub_1", NULL, NULL, NULL, NULL, NULL);
  char *json = UNTOUCHED;
  uint64_t count = 7;
  faceauth_error *err = NULL;
  char dir[256], path[300];

  /* Open. */
  EXPECT_ERROR(faceauth_ledger_open(NULL, &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_open(":memory:", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_open(BAD_UTF8, &out, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_ledger_open("", &out, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  /* SQLite would read these as URIs (mode=memory keeps nothing): refused, as everywhere. */
  EXPECT_ERROR(faceauth_ledger_open("file:c.db?mode=memory", &out, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_open("file::memory:", &out, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR_HIDING(faceauth_ledger_open("redis://ledger:s3cret-pw@db.internal/tokens", &out, &err),
                      FACEAUTH_STATUS_LEDGER_UNSUPPORTED, "s3cret-pw");
  /* PostgreSQL, with nothing listening on port 1: a storage error, without the password. */
  EXPECT_ERROR_HIDING(faceauth_ledger_open("postgres://ledger:s3cret-pw@127.0.0.1:1/tokens", &out, &err),
                      FACEAUTH_STATUS_LEDGER_STORAGE, "s3cret-pw");
  EXPECT_ERROR(faceauth_ledger_open("/nonexistent-dir-of-faceauth/tokens.db", &out, &err),
               FACEAUTH_STATUS_LEDGER_STORAGE);
  CHECK(make_temp_dir(dir, sizeof dir));
  snprintf(path, sizeof path, "%s/notes.txt", dir);
  {
    /* Not a ledger: refused, and left as it was. */
    FILE *f = fopen(path, "w");
    char back[64] = "";
    CHECK(f != NULL);
    if (f != NULL) {
      fputs("meeting notes, not a database", f);
      fclose(f);
    }
    EXPECT_ERROR(faceauth_ledger_open(path, &out, &err), FACEAUTH_STATUS_LEDGER_SCHEMA);
    f = fopen(path, "r");
    if (f != NULL) {
      CHECK(fgets(back, sizeof back, f) != NULL);
      fclose(f);
    }
    CHECK_STR(back, "meeting notes, not a database");
  }
  remove_temp_dir(dir);
  CHECK(out == UNTOUCHED);
  CHECK_STATUS(faceauth_ledger_open("mysql://x", &out, NULL), FACEAUTH_STATUS_LEDGER_UNSUPPORTED);
  CHECK(out == UNTOUCHED);

  /* Issue. */
  EXPECT_ERROR(faceauth_ledger_issue_url(NULL, b, "count", p, NULL, &json, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, NULL, "count", p, NULL, &json, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, NULL, p, NULL, &json, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "count", NULL, NULL, &json, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "count", p, NULL, NULL, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, BAD_UTF8, p, NULL, &json, &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "count", p, BAD_UTF8, &json, &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  {
    faceauth_auth_params *bad = new_params("", NULL, NULL, NULL, NULL, NULL);
    EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "count", bad, NULL, &json, &err),
                 FACEAUTH_STATUS_INVALID_ARGUMENT);
    faceauth_auth_params_free(bad);
    bad = new_params("sub_1", NULL, NULL, NULL, NULL, "tok_chosen_by_caller"); /* minted here */
    EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "count", bad, NULL, &json, &err),
                 FACEAUTH_STATUS_INVALID_ARGUMENT);
    faceauth_auth_params_free(bad);
  }
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "weekly", p, NULL, &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "time:-5", p, NULL, &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "", p, NULL, &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "count", p, "{not json", &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "count", p, "[\"a\"]", &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "count", p, "{\"n\": 1}", &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "count", p, "{\"nested\": {\"a\": \"b\"}}", &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_issue_url(l, b, "count", p, "{\"\": \"empty key\"}", &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK(json == UNTOUCHED);
  json = ledger_list(l, NULL);
  CHECK_STR(json, "[]"); /* nothing was recorded */
  faceauth_string_free(json);
  json = UNTOUCHED;

  /* Status and mark_used. */
  EXPECT_ERROR(faceauth_ledger_status(NULL, "tok_abc12345", &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_status(l, NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_status(l, "tok_abc12345", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_status(l, BAD_UTF8, &json, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_ledger_status(l, "bad token!", &json, &err), FACEAUTH_STATUS_INVALID_TOKEN);
  EXPECT_ERROR(faceauth_ledger_status(l, "tok_abc12345", &json, &err), FACEAUTH_STATUS_TOKEN_UNKNOWN);
  EXPECT_ERROR(faceauth_ledger_mark_used(NULL, "tok_abc12345", &json, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_mark_used(l, NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_mark_used(l, "tok_abc12345", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_mark_used(l, BAD_UTF8, &json, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_ledger_mark_used(l, "short", &json, &err), FACEAUTH_STATUS_INVALID_TOKEN);
  EXPECT_ERROR(faceauth_ledger_mark_used(l, "tok_abc12345", &json, &err),
               FACEAUTH_STATUS_TOKEN_UNKNOWN);

  /* Webhooks. */
  EXPECT_ERROR(faceauth_ledger_apply_webhook(NULL, "{}", NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_apply_webhook(l, NULL, NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_apply_webhook(l, "{}", c, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_apply_webhook(l, BAD_UTF8, c, &json, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_ledger_apply_webhook(l, "{not json", c, &json, &err),
               FACEAUTH_STATUS_WEBHOOK_MALFORMED);
  EXPECT_ERROR(faceauth_ledger_apply_webhook(l, "{\"data\": \"AAAAAAAAAAAAAAAAAAAAAA==\"}", c, &json, &err),
               FACEAUTH_STATUS_WEBHOOK_DECRYPT);

  /* Lists. */
  EXPECT_ERROR(faceauth_ledger_list(NULL, NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_list(l, NULL, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_list(l, BAD_UTF8, &json, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_ledger_list(l, "{not json", &json, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_list(l, "[1]", &json, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_list(l, "{\"colour\": \"red\"}", &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_list(l, "{\"state\": \"sleeping\"}", &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_list(l, "{\"state\": 1}", &json, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_list(l, "{\"since\": \"yesterday\"}", &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_list(l, "{\"until\": \"2025-02-30\"}", &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_list(l, "{\"limit\": -1}", &json, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_list(l, "{\"limit\": 1.5}", &json, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK(json == UNTOUCHED);

  /* Purge. */
  EXPECT_ERROR(faceauth_ledger_purge(NULL, 0, &count, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_purge(l, 0, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_purge(l, -1, &count, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK(count == 7);
  /* A NULL out_err: the status alone. */
  CHECK_STATUS(faceauth_ledger_purge(l, -1, &count, NULL), FACEAUTH_STATUS_INVALID_ARGUMENT);

  faceauth_cipher_free(c);
  faceauth_url_builder_free(b);
  faceauth_ledger_free(l);
  faceauth_auth_params_free(p);
}

/* Eight threads share one ledger (and one builder): each issues links, reads them back and
 * applies their webhooks; nothing is lost or mixed up. */
#define LEDGER_ROUNDS 6

struct ledger_worker {
  const faceauth_ledger *ledger;
  const faceauth_url_builder *builder;
  int index;
  int failures;
  int done;
};

static void *ledger_work(void *arg) {
  struct ledger_worker *w = (struct ledger_worker *)arg;
  int i;
  for (i = 0; i < LEDGER_ROUNDS; i++) {
    char sid[32], token[80] = "", body[1024], meta[64];
    char *link = NULL, *status = NULL, *outcome = NULL;
    faceauth_auth_params *p = NULL;
    faceauth_error *err = NULL;
    snprintf(sid, sizeof sid, "sid-%d-%d", w->index, i);
    snprintf(meta, sizeof meta, "{\"thread\": \"%d\"}", w->index);
    if (faceauth_auth_params_new(sid, &p, &err) != FACEAUTH_STATUS_OK ||
        faceauth_ledger_issue_url(w->ledger, w->builder, "time:600", p, meta, &link, &err) !=
            FACEAUTH_STATUS_OK ||
        !json_string(link, "token", token, sizeof token) ||
        faceauth_ledger_status(w->ledger, token, &status, &err) != FACEAUTH_STATUS_OK ||
        strstr(status, "\"state\":\"unused\"") == NULL || strstr(status, sid) == NULL) {
      w->failures++;
    } else {
      face_auth_body(body, sizeof body, token, sid);
      if (faceauth_ledger_apply_webhook(w->ledger, body, NULL, &outcome, &err) != FACEAUTH_STATUS_OK ||
          strstr(outcome, "\"state\":\"completed\"") == NULL || strstr(outcome, token) == NULL) {
        w->failures++;
      }
    }
    if (err != NULL) {
      fprintf(stderr, "ledger thread %d round %d: %s\n", w->index, i, faceauth_error_message(err));
    }
    faceauth_error_free(err);
    faceauth_string_free(link);
    faceauth_string_free(status);
    faceauth_string_free(outcome);
    faceauth_auth_params_free(p);
    w->done++;
  }
  return NULL;
}

static void test_threads_share_a_ledger(const char *location) {
  faceauth_ledger *l = open_ledger(location);
  faceauth_url_builder *b = mock_builder(0);
  struct ledger_worker workers[THREADS];
  pthread_t threads[THREADS];
  int i, started = 0;
  char *json = NULL;
  for (i = 0; i < THREADS; i++) {
    workers[i].ledger = l;
    workers[i].builder = b;
    workers[i].index = i;
    workers[i].failures = 0;
    workers[i].done = 0;
    if (pthread_create(&threads[i], NULL, ledger_work, &workers[i]) == 0) {
      started++;
    }
  }
  CHECK(started == THREADS);
  for (i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
  }
  for (i = 0; i < started; i++) {
    CHECK(workers[i].failures == 0 && workers[i].done == LEDGER_ROUNDS);
  }
  json = ledger_list(l, "{\"state\": \"completed\"}");
  CHECK(json != NULL && count_of(json, "{\"token\":") == THREADS * LEDGER_ROUNDS);
  faceauth_string_free(json);
  json = ledger_list(l, "{\"state\": \"unused\"}");
  CHECK_STR(json, "[]");
  faceauth_string_free(json);
  faceauth_url_builder_free(b);
  faceauth_ledger_free(l);
}

static void test_threads_share_ledgers(void) {
  char dir[256], path[300];
  if (!make_temp_dir(dir, sizeof dir)) {
    CHECK(!"mkdtemp failed");
    return;
  }
  snprintf(path, sizeof path, "%s/tokens.db", dir);
  test_threads_share_a_ledger(path);
  test_threads_share_a_ledger(":memory:");
  remove_temp_dir(dir);
}


struct shared {
  const faceauth_url_builder *builder;
  const faceauth_cipher *cipher;
  const faceauth_client *client; /* NULL without the simulator */
  char auth_id[128];             /* a result every thread reads */
};

struct worker {
  const struct shared *shared;
  int index;
  int failures;
  int done;
  int gets;
};

static void *work(void *arg) {
  struct worker *w = (struct worker *)arg;
  int i;
  for (i = 0; i < ROUNDS; i++) {
    char sid[32], user[32], expected[128];
    char *url = NULL, *json = NULL, *ct = NULL, *back = NULL;
    faceauth_auth_params *p = NULL;
    faceauth_error *err = NULL;
    snprintf(sid, sizeof sid, "sid-%d-%d", w->index, i);
    snprintf(user, sizeof user, "user-%d", w->index);
    snprintf(expected, sizeof expected, "\"params\":{\"sid\":\"%s\",\"authUserId\":\"%s\"}", sid,
             user);
    if (faceauth_auth_params_new(sid, &p, &err) != FACEAUTH_STATUS_OK ||
        faceauth_auth_params_set_user_id(p, user, &err) != FACEAUTH_STATUS_OK ||
        faceauth_url_builder_build(w->shared->builder, p, &url, &err) != FACEAUTH_STATUS_OK ||
        faceauth_url_inspect(url, w->shared->cipher, &json, &err) != FACEAUTH_STATUS_OK ||
        strstr(json, expected) == NULL ||
        faceauth_cipher_encrypt(w->shared->cipher, sid, &ct, &err) != FACEAUTH_STATUS_OK ||
        faceauth_cipher_decrypt(w->shared->cipher, ct, &back, &err) != FACEAUTH_STATUS_OK ||
        strcmp(back, sid) != 0) {
      w->failures++;
      fprintf(stderr, "thread %d round %d: %s\n", w->index, i,
              err != NULL ? faceauth_error_message(err) : "wrong result");
    }
    faceauth_error_free(err);
    err = NULL;
    /* Every tenth round, a get through the shared client. */
    if (w->shared->client != NULL && i % 10 == w->index % 10) {
      char *row = NULL;
      char expected_id[160];
      snprintf(expected_id, sizeof expected_id, "\"auth_id\":\"%s\"", w->shared->auth_id);
      if (faceauth_client_get(w->shared->client, w->shared->auth_id, &row, &err) !=
              FACEAUTH_STATUS_OK ||
          strstr(row, expected_id) == NULL) {
        w->failures++;
        fprintf(stderr, "thread %d round %d: get: %s\n", w->index, i,
                err != NULL ? faceauth_error_message(err) : "wrong row");
      } else {
        w->gets++;
      }
      faceauth_error_free(err);
      faceauth_string_free(row);
    }
    faceauth_string_free(url);
    faceauth_string_free(json);
    faceauth_string_free(ct);
    faceauth_string_free(back);
    faceauth_auth_params_free(p);
    w->done++;
  }
  return NULL;
}

static void test_threads_share_a_builder_a_cipher_and_a_client(int with_mock) {
  faceauth_url_builder *b = new_builder("pid-threads", KEY, "gcm");
  faceauth_cipher *c = new_cipher(KEY, "gcm");
  faceauth_client *client = with_mock ? new_client(mock.key, mock.url, -1) : NULL;
  struct shared shared;
  struct worker workers[THREADS];
  pthread_t threads[THREADS];
  int i, started = 0;
  shared.builder = b;
  shared.cipher = c;
  shared.client = client;
  shared.auth_id[0] = '\0';
  if (client != NULL) {
    /* The newest seeded result. */
    faceauth_records *it = NULL;
    char *row = NULL;
    CHECK_STATUS(faceauth_client_list(client, mock.day, mock.day, 1, &it, NULL), FACEAUTH_STATUS_OK);
    CHECK_STATUS(faceauth_records_next(it, &row, NULL), FACEAUTH_STATUS_OK);
    CHECK(json_string(row, "auth_id", shared.auth_id, sizeof shared.auth_id));
    faceauth_string_free(row);
    faceauth_records_free(it);
  }
  for (i = 0; i < THREADS; i++) {
    workers[i].shared = &shared;
    workers[i].index = i;
    workers[i].failures = 0;
    workers[i].done = 0;
    workers[i].gets = 0;
    if (pthread_create(&threads[i], NULL, work, &workers[i]) == 0) {
      started++;
    }
  }
  CHECK(started == THREADS);
  for (i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
  }
  for (i = 0; i < started; i++) {
    CHECK(workers[i].failures == 0 && workers[i].done == ROUNDS);
    CHECK(client == NULL || workers[i].gets == ROUNDS / 10);
  }
  faceauth_client_free(client);
  faceauth_cipher_free(c);
  faceauth_url_builder_free(b);
}

/*
 * `test_ffi --inspect SCHEME URL` and `test_ffi --webhook SCHEME BODY` print what the ABI
 * returns (key in FACEAUTH_API_KEY), so run.sh can compare it with the `faceauth` command's JSON.
 */
static int print_json(const char *mode, const char *scheme, const char *input) {
  const char *key = getenv("FACEAUTH_API_KEY");
  faceauth_cipher *c = NULL;
  faceauth_error *err = NULL;
  char *json = NULL;
  faceauth_status status = faceauth_cipher_new(key, scheme, &c, &err);
  if (status == FACEAUTH_STATUS_OK) {
    status = strcmp(mode, "--inspect") == 0 ? faceauth_url_inspect(input, c, &json, &err)
                                             : faceauth_webhook_parse(input, c, &json, &err);
  }
  if (status != FACEAUTH_STATUS_OK) {
    fprintf(stderr, "%s: %s\n", faceauth_status_str(status), faceauth_error_message(err));
  } else {
    printf("%s\n", json);
  }
  faceauth_error_free(err);
  faceauth_string_free(json);
  faceauth_cipher_free(c);
  return status == FACEAUTH_STATUS_OK ? 0 : 1;
}

/* `test_ffi --diagnose CIPHERTEXT`: the report for FACEAUTH_API_KEY, for run.sh to compare with the CLI. */
static int print_diagnosis(const char *ciphertext) {
  faceauth_error *err = NULL;
  char *json = NULL;
  faceauth_status status = faceauth_crypto_diagnose(ciphertext, getenv("FACEAUTH_API_KEY"), &json, &err);
  if (status != FACEAUTH_STATUS_OK) {
    fprintf(stderr, "%s: %s\n", faceauth_status_str(status), faceauth_error_message(err));
  } else {
    printf("%s\n", json);
  }
  faceauth_error_free(err);
  faceauth_string_free(json);
  return status == FACEAUTH_STATUS_OK ? 0 : 1;
}

/*
 * `test_ffi --get AUTH_ID` and `test_ffi --list DAY COUNT` print what the client returns, one
 * JSON line per row, from the simulator of FACEAUTH_TEST_MOCK_URL and _KEY, so run.sh can
 * compare it with `faceauth auth get` and `faceauth auth list`.
 */
static int print_client_json(int argc, char **argv) {
  faceauth_client *c = NULL;
  faceauth_records *it = NULL;
  faceauth_error *err = NULL;
  faceauth_client_options *opts = NULL;
  char *json = NULL;
  faceauth_status status = faceauth_client_options_new(&opts, &err);
  if (status == FACEAUTH_STATUS_OK) {
    status = faceauth_client_options_set_base_url(opts, getenv("FACEAUTH_TEST_MOCK_URL"), &err);
  }
  if (status == FACEAUTH_STATUS_OK) {
    status = faceauth_client_new(getenv("FACEAUTH_TEST_MOCK_KEY"), opts, &c, &err);
  }
  if (status == FACEAUTH_STATUS_OK && argc == 3) {
    status = faceauth_client_get(c, argv[2], &json, &err);
    if (status == FACEAUTH_STATUS_OK) {
      printf("%s\n", json);
    }
  } else if (status == FACEAUTH_STATUS_OK) {
    status = faceauth_client_list(c, argv[2], argv[2], (uint32_t)atoi(argv[3]), &it, &err);
    while (status == FACEAUTH_STATUS_OK &&
           (status = faceauth_records_next(it, &json, &err)) == FACEAUTH_STATUS_OK && json != NULL) {
      printf("%s\n", json);
      faceauth_string_free(json);
      json = NULL;
    }
  }
  if (status != FACEAUTH_STATUS_OK) {
    fprintf(stderr, "%s: %s\n", faceauth_status_str(status), faceauth_error_message(err));
  }
  faceauth_error_free(err);
  faceauth_string_free(json);
  faceauth_records_free(it);
  faceauth_client_free(c);
  faceauth_client_options_free(opts);
  return status == FACEAUTH_STATUS_OK ? 0 : 1;
}

/*
 * `test_ffi --ledger-issue DB SID`, `--ledger-status DB TOKEN`, `--ledger-apply DB BODY` and
 * `--ledger-list DB` print what the ledger returns (project "p", key FACEAUTH_API_KEY, rule
 * count, metadata {"via": "c"}), so run.sh can compare it with `faceauth ledger …`.
 */
static int print_ledger_json(char **argv) {
  faceauth_ledger *l = NULL;
  faceauth_url_builder *b = NULL;
  faceauth_error *err = NULL;
  char *json = NULL;
  const char *mode = argv[1];
  faceauth_status status = faceauth_ledger_open(argv[2], &l, &err);
  if (status == FACEAUTH_STATUS_OK && strcmp(mode, "--ledger-issue") == 0) {
    faceauth_auth_params *p = NULL;
    status = faceauth_auth_params_new(argv[3], &p, &err);
    if (status == FACEAUTH_STATUS_OK) {
      status = faceauth_url_builder_new("p", getenv("FACEAUTH_API_KEY"), "ecb", &b, &err);
    }
    if (status == FACEAUTH_STATUS_OK) {
      status = faceauth_ledger_issue_url(l, b, "count", p, "{\"via\": \"c\"}", &json, &err);
    }
    faceauth_auth_params_free(p);
  } else if (status == FACEAUTH_STATUS_OK && strcmp(mode, "--ledger-status") == 0) {
    status = faceauth_ledger_status(l, argv[3], &json, &err);
  } else if (status == FACEAUTH_STATUS_OK && strcmp(mode, "--ledger-apply") == 0) {
    status = faceauth_ledger_apply_webhook(l, argv[3], NULL, &json, &err);
  } else if (status == FACEAUTH_STATUS_OK) {
    status = faceauth_ledger_list(l, NULL, &json, &err);
  }
  if (status != FACEAUTH_STATUS_OK) {
    fprintf(stderr, "%s: %s\n", faceauth_status_str(status), faceauth_error_message(err));
  } else {
    printf("%s\n", json);
  }
  faceauth_error_free(err);
  faceauth_string_free(json);
  faceauth_url_builder_free(b);
  faceauth_ledger_free(l);
  return status == FACEAUTH_STATUS_OK ? 0 : 1;
}

/* A webhook confirmed with the simulator (faceauth_client_confirm_webhook), a forged one, one
 * that cannot be confirmed, and the same through faceauth_ledger_apply_confirmed. */
static void test_confirm_webhooks(void) {
  static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 0, 5};
  faceauth_client *c = new_client(mock.key, mock.url, -1);
  faceauth_ledger *l = NULL;
  char *json = NULL, *out = UNTOUCHED;
  char auth_id[128] = "", body[512], value[64];
  faceauth_error *err = NULL;
  const char *expired = "{\"webhook_trigger\":\"token_expired\",\"token_id\":\"tok_c_hook001\","
                        "\"expired_condition\":\"count\"}";

  CHECK_STATUS(faceauth_client_submit(c, mock.submission, png, sizeof png, NULL, NULL, NULL, NULL,
                                      &json, &err),
               FACEAUTH_STATUS_OK);
  CHECK(json != NULL && json_string(json, "authentication_id", auth_id, sizeof auth_id));
  faceauth_string_free(json);
  json = NULL;
  /* The body claims "rejected"; Argos says "approved", and Argos is believed. */
  snprintf(body, sizeof body,
           "{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Authentication_id\":\"%s\","
           "\"Submission_id\":\"%s\",\"Auth_Status\":\"rejected\",\"Token_id\":\"tok_c_hook001\"}}",
           auth_id, mock.submission);
  CHECK_STATUS(faceauth_client_confirm_webhook(c, body, NULL, &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json_string(json, "confirmed_by", value, sizeof value) && strcmp(value, "argos") == 0);
  CHECK(json_string(json, "status", value, sizeof value) && strcmp(value, "approved") == 0);
  faceauth_string_free(json);
  json = NULL;

  EXPECT_ERROR(faceauth_client_confirm_webhook(
                   c, "{\"webhook_trigger\":\"faceAuth\",\"auth_id\":\"fa_forged\",\"data\":{}}", NULL,
                   &out, &err),
               FACEAUTH_STATUS_WEBHOOK_UNCONFIRMED);
  EXPECT_ERROR(faceauth_client_confirm_webhook(c, expired, NULL, &out, &err),
               FACEAUTH_STATUS_WEBHOOK_UNVERIFIABLE);
  EXPECT_ERROR(faceauth_client_confirm_webhook(NULL, body, NULL, &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_confirm_webhook(c, NULL, NULL, &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_confirm_webhook(c, body, NULL, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_confirm_webhook(c, BAD_UTF8, NULL, &out, &err), FACEAUTH_STATUS_INVALID_UTF8);
  CHECK(out == UNTOUCHED);

  CHECK_STATUS(faceauth_ledger_open(":memory:", &l, NULL), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_ledger_apply_confirmed(l, c, body, NULL, &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json_string(json, "outcome", value, sizeof value) && strcmp(value, "unknown_token") == 0);
  faceauth_string_free(json);
  json = NULL;
  /* Another trigger needs no confirmation. */
  CHECK_STATUS(faceauth_ledger_apply_confirmed(l, c, "{\"webhook_trigger\":\"kyc\"}", NULL, &json, &err),
               FACEAUTH_STATUS_OK);
  CHECK(json_string(json, "outcome", value, sizeof value) && strcmp(value, "ignored") == 0);
  faceauth_string_free(json);
  EXPECT_ERROR(faceauth_ledger_apply_confirmed(l, c, expired, NULL, &out, &err),
               FACEAUTH_STATUS_WEBHOOK_UNVERIFIABLE);
  EXPECT_ERROR(faceauth_ledger_apply_confirmed(l, NULL, body, NULL, &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_apply_confirmed(NULL, c, body, NULL, &out, &err), FACEAUTH_STATUS_NULL_POINTER);
  CHECK(out == UNTOUCHED);
  faceauth_ledger_free(l);
  faceauth_client_free(c);
}

/*
 * The simulator in this process (faceauth_simulator_*): start from a JSON configuration, a
 * client call against its base URL, a submission, a link opened, its webhook, faults, the clock,
 * reports, stop and free; bad configurations and NULLs get typed errors. Under ASan and
 * valgrind, freeing it must join its threads and leave nothing behind.
 */
static void test_simulator(void) {
  static const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 1, 2, 3};
  const char *key = "sim-key-0123456789abcdefghij";
  faceauth_simulator *sim = UNTOUCHED;
  faceauth_error *err = NULL;
  faceauth_client *c;
  faceauth_url_builder *b;
  faceauth_auth_params *p;
  char *json = UNTOUCHED, *url = NULL, *now = UNTOUCHED;
  char value[128] = "", auth_id[128] = "";
  const char *base;
  uint64_t created = 0;

  CHECK_STATUS(faceauth_simulator_start(
                   "{\"api_key\":\"sim-key-0123456789abcdefghij\",\"project_id\":\"sim-project\","
                   "\"token_rule\":\"count\",\"submissions\":[\"sub_seeded\"],"
                   "\"now\":\"2025-03-01T08:00:00Z\"}",
                   &sim, &err),
               FACEAUTH_STATUS_OK);
  CHECK(err == NULL && sim != NULL && sim != UNTOUCHED);
  base = faceauth_simulator_base_url(sim);
  CHECK(strncmp(base, "http://127.0.0.1:", 17) == 0);

  /* A client call against it: the seeded submission is approved. */
  c = new_client(key, base, 0);
  CHECK_STATUS(faceauth_client_submit(c, "sub_seeded", jpeg, sizeof jpeg, NULL, NULL, NULL, NULL,
                                      &json, &err),
               FACEAUTH_STATUS_OK);
  CHECK(json_string(json, "auth_status", value, sizeof value) && strcmp(value, "approved") == 0);
  faceauth_string_free(json);
  /* One added at run time, refused while unknown. */
  EXPECT_HTTP_ERROR(faceauth_client_submit(c, "sub_later", jpeg, sizeof jpeg, NULL, NULL, NULL,
                                           NULL, &json, &err),
                    FACEAUTH_STATUS_API_INVALID_REQUEST, 400);
  CHECK_STATUS(faceauth_simulator_add_submission(sim, "{\"id\":\"sub_later\",\"user_id\":\"u-1\"}",
                                                 &err),
               FACEAUTH_STATUS_OK);
  json = NULL;
  CHECK_STATUS(faceauth_client_submit(c, "sub_later", jpeg, sizeof jpeg, NULL, NULL, NULL, NULL,
                                      &json, &err),
               FACEAUTH_STATUS_OK);
  faceauth_string_free(json);
  CHECK_STATUS(faceauth_simulator_add_results(
                   sim, "{\"count\":3,\"submission_id\":\"sub_later\"}", &created, &err),
               FACEAUTH_STATUS_OK);
  CHECK(created == 3);
  CHECK_STATUS(faceauth_simulator_add_results(sim, "{\"count\":1}", NULL, &err), FACEAUTH_STATUS_OK);

  /* A link opened as the user's browser would: a result and a faceAuth webhook; the token is
     spent (count rule), so the second visit is 410. */
  b = new_builder("sim-project", key, "ecb");
  CHECK_STATUS(faceauth_url_builder_set_base_url(b, base, NULL), FACEAUTH_STATUS_OK);
  p = new_params("sub_later", NULL, NULL, NULL, NULL, "tok-simulator-1");
  CHECK_STATUS(faceauth_url_builder_build(b, p, &url, &err), FACEAUTH_STATUS_OK);
  faceauth_auth_params_free(p);
  json = NULL;
  CHECK_STATUS(faceauth_simulator_open(sim, url, NULL, &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json != NULL && strstr(json, "\"status\":200") != NULL &&
        json_string(json, "auth_id", auth_id, sizeof auth_id));
  faceauth_string_free(json);
  json = NULL;
  CHECK_STATUS(faceauth_simulator_open(sim, url, "rejected", &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json != NULL && strstr(json, "\"status\":410") != NULL);
  faceauth_string_free(json);
  json = UNTOUCHED;
  EXPECT_ERROR(faceauth_simulator_open(sim, "http://127.0.0.1:9/face-auth?pid=x", NULL, &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_simulator_open(sim, url, "maybe", &json, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK(json == UNTOUCHED);
  faceauth_string_free(url);
  faceauth_url_builder_free(b);

  /* Its webhook deliveries: the faceAuth event of that result. */
  json = NULL;
  CHECK_STATUS(faceauth_simulator_webhooks(sim, &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json != NULL && json[0] == '[' && strstr(json, "faceAuth") != NULL &&
        auth_id[0] != '\0' && strstr(json, auth_id) != NULL);
  faceauth_string_free(json);

  /* Faults: the next request answers 503; the settings read back. */
  json = NULL;
  CHECK_STATUS(faceauth_simulator_faults(sim, "{\"fail_next\":1,\"fail_status\":503}", &json, &err),
               FACEAUTH_STATUS_OK);
  CHECK(json != NULL && strstr(json, "\"fail_next\":1") != NULL);
  faceauth_string_free(json);
  json = NULL;
  EXPECT_HTTP_ERROR(faceauth_client_get(c, auth_id, &json, &err), FACEAUTH_STATUS_API_SERVER, 503);
  CHECK_STATUS(faceauth_client_get(c, auth_id, &json, &err), FACEAUTH_STATUS_OK);
  faceauth_string_free(json);
  CHECK_STATUS(faceauth_simulator_faults(sim, NULL, NULL, &err), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_simulator_faults(sim, "{\"error_rate\":7}", NULL, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);

  /* The clock and the reports. */
  CHECK_STATUS(faceauth_simulator_advance_clock(sim, 3600, &now, &err), FACEAUTH_STATUS_OK);
  CHECK(now != UNTOUCHED && strncmp(now, "2025-03-01T09:0", 15) == 0);
  faceauth_string_free(now);
  CHECK_STATUS(faceauth_simulator_advance_clock(sim, -1, NULL, &err), FACEAUTH_STATUS_OK);
  EXPECT_ERROR(faceauth_simulator_advance_clock(sim, HUGE_VAL, NULL, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  json = NULL;
  CHECK_STATUS(faceauth_simulator_report(sim, "requests", &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json != NULL && json[0] == '{');
  faceauth_string_free(json);
  json = NULL;
  CHECK_STATUS(faceauth_simulator_report(sim, "state", &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json != NULL && strstr(json, "sub_later") != NULL && strstr(json, key) == NULL);
  faceauth_string_free(json);
  json = UNTOUCHED;
  EXPECT_ERROR(faceauth_simulator_report(sim, "keys", &json, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  CHECK(json == UNTOUCHED);

  /* Bad input: NULLs, JSON that is not an object or not a submission. */
  EXPECT_ERROR(faceauth_simulator_add_submission(sim, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_simulator_add_submission(NULL, "{\"id\":\"s\"}", &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_simulator_add_submission(sim, "{\"id\":", &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_simulator_add_submission(sim, "{\"idd\":\"s\"}", &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_simulator_add_submission(sim, BAD_UTF8, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_simulator_add_results(sim, NULL, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_simulator_webhooks(sim, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_simulator_webhooks(NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_simulator_open(sim, NULL, NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_simulator_report(sim, NULL, &json, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_simulator_advance_clock(NULL, 1, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_simulator_faults(NULL, NULL, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  CHECK(json == UNTOUCHED);
  CHECK_STR(faceauth_simulator_base_url(NULL), "");

  /* Stopped: the base URL stays readable, calls fail with a typed error, the client's too. */
  faceauth_simulator_stop(sim);
  faceauth_simulator_stop(sim);
  CHECK_STR(faceauth_simulator_base_url(sim), base);
  EXPECT_ERROR(faceauth_simulator_webhooks(sim, &json, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_client_get(c, auth_id, &json, &err), FACEAUTH_STATUS_API_CONNECTION);
  CHECK(json == UNTOUCHED);
  faceauth_client_free(c);
  faceauth_simulator_free(sim);
  faceauth_simulator_stop(NULL);
  faceauth_simulator_free(NULL);

  /* Bad configurations: typed errors, no handle, never the key in the message. */
  sim = UNTOUCHED;
  EXPECT_ERROR(faceauth_simulator_start("{\"api_kee\":\"x\"}", &sim, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_simulator_start("{\"api_key\":", &sim, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_simulator_start("[1]", &sim, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_simulator_start("{\"token_rule\":\"sometimes\"}", &sim, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_simulator_start("{\"scheme\":\"rot13\"}", &sim, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR_HIDING(faceauth_simulator_start("{\"webhook_key\":\" s3cret-hook-key \"}", &sim, &err),
                      FACEAUTH_STATUS_INVALID_KEY, "s3cret");
  EXPECT_ERROR(faceauth_simulator_start(BAD_UTF8, &sim, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_simulator_start("{}", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  CHECK(sim == UNTOUCHED);
  /* NULL is every default. */
  sim = NULL;
  CHECK_STATUS(faceauth_simulator_start(NULL, &sim, NULL), FACEAUTH_STATUS_OK);
  CHECK(sim != NULL && strncmp(faceauth_simulator_base_url(sim), "http://127.0.0.1:", 17) == 0);
  faceauth_simulator_free(sim);
}

/* Typed results from the in-process simulator: every accessor of faceauth_auth_result and
   faceauth_auth_record, every auth status (an unknown one from the server included), a known
   and an unknown fail code, NULL handles and out-params, and the typed values against the
   JSON of the same handle. */
static void test_typed_results(void) {
  static const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 1, 2, 3};
  static const uint8_t reject[] = {0xff, 0xd8, 0xff, 0xe0, 'R', 'E', 'J', 'E', 'C', 'T'};
  static const uint8_t unknown_code[] = {0xff, 0xd8, 0xff, 0xe0, 'U', 'N', 'K', 'N', 'O', 'W', 'N',
                                         'C', 'O', 'D', 'E'};
  faceauth_simulator *sim = NULL;
  faceauth_error *err = NULL;
  faceauth_client *c;
  faceauth_auth_result *r = UNTOUCHED, *rejected = NULL, *odd = NULL;
  faceauth_auth_record *rec = UNTOUCHED, *row = NULL;
  faceauth_records *it = NULL;
  char value[128] = "", rejected_id[128] = "";
  double score = -1;
  int rows = 0, unknown_rows = 0;

  CHECK_STATUS(faceauth_simulator_start(
                   "{\"api_key\":\"typed-key-0123456789abcdefghij\",\"project_id\":\"typed-project\","
                   "\"submissions\":[\"sub_typed\"],\"now\":\"2025-03-01T08:00:00Z\","
                   "\"results\":[{\"auth_id\":\"fa-review\",\"auth_status\":\"under_review\","
                   "\"kyc_submission_id\":\"sub_typed\"},{\"auth_id\":\"fa-erased\","
                   "\"auth_status\":\"rejected\",\"delete_check\":true}]}",
                   &sim, &err),
               FACEAUTH_STATUS_OK);
  c = new_client("typed-key-0123456789abcdefghij", faceauth_simulator_base_url(sim), 0);

  /* Approved: status, id, time and the four scores, each as the JSON says. */
  r = NULL;
  CHECK_STATUS(faceauth_client_submit_result(c, "sub_typed", jpeg, sizeof jpeg, "u-1", NULL, NULL,
                                             NULL, &r, &err),
               FACEAUTH_STATUS_OK);
  CHECK(r != NULL && err == NULL);
  CHECK(faceauth_auth_result_status(r) == FACEAUTH_AUTH_STATUS_APPROVED);
  CHECK_STR(faceauth_auth_result_status_str(r), "approved");
  CHECK(json_string(faceauth_auth_result_json(r), "authentication_id", value, sizeof value));
  CHECK_STR(faceauth_auth_result_auth_id(r), value);
  CHECK(json_string(faceauth_auth_result_json(r), "auth_status", value, sizeof value) &&
        strcmp(value, "approved") == 0);
  CHECK(json_string(faceauth_auth_result_json(r), "create_time", value, sizeof value));
  CHECK_STR(faceauth_auth_result_create_time(r), value);
  CHECK(faceauth_auth_result_face_similarity(r, &score) && score > 85 && score <= 100);
  CHECK(faceauth_auth_result_occluded(r, &score) && score == 99);
  CHECK(strstr(faceauth_auth_result_json(r), "\"occluded_score\":99") != NULL);
  CHECK(faceauth_auth_result_face_cover(r, &score) && score == 0);
  score = -1;
  CHECK(faceauth_auth_result_head_cover(r, &score) && score == 0);
  CHECK(faceauth_auth_result_fail_code_count(r) == 0);
  CHECK(faceauth_auth_result_fail_code(r, 0) == FACEAUTH_FAIL_CODE_UNKNOWN);
  CHECK(faceauth_auth_result_fail_code_str(r, 0) == NULL);
  CHECK(faceauth_auth_result_rejected_comment_count(r) == 0);
  CHECK(faceauth_auth_result_rejected_comment(r, 0) == NULL);
  /* The JSON is faceauth_client_submit's: the same keys, the same order. */
  CHECK(strncmp(faceauth_auth_result_json(r), "{\"authentication_id\":", 21) == 0);
  CHECK(faceauth_auth_result_json(r) == faceauth_auth_result_json(r)); /* made once, kept */
  CHECK(faceauth_auth_result_face_similarity(r, NULL) == false);
  faceauth_auth_result_free(r);

  /* Rejected with a documented fail code, and with one this version does not know. */
  CHECK_STATUS(faceauth_client_submit_result(c, "sub_typed", reject, sizeof reject, NULL, NULL, NULL,
                                             NULL, &rejected, &err),
               FACEAUTH_STATUS_OK);
  CHECK(faceauth_auth_result_status(rejected) == FACEAUTH_AUTH_STATUS_REJECTED);
  CHECK_STR(faceauth_auth_result_status_str(rejected), "rejected");
  CHECK(faceauth_auth_result_fail_code_count(rejected) == 1);
  CHECK(faceauth_auth_result_fail_code(rejected, 0) == FACEAUTH_FAIL_CODE_FACE_COMPARE);
  CHECK_STR(faceauth_auth_result_fail_code_str(rejected, 0), "face_compare_underscore");
  CHECK(faceauth_auth_result_fail_code(rejected, 1) == FACEAUTH_FAIL_CODE_UNKNOWN);
  CHECK(faceauth_auth_result_rejected_comment_count(rejected) == 1);
  CHECK(faceauth_auth_result_rejected_comment(rejected, 0) != NULL &&
        strstr(faceauth_auth_result_json(rejected), faceauth_auth_result_rejected_comment(rejected, 0)) != NULL);
  snprintf(rejected_id, sizeof rejected_id, "%s", faceauth_auth_result_auth_id(rejected));
  CHECK_STATUS(faceauth_client_submit_result(c, "sub_typed", unknown_code, sizeof unknown_code, NULL,
                                             NULL, NULL, NULL, &odd, &err),
               FACEAUTH_STATUS_OK);
  CHECK(faceauth_auth_result_fail_code(odd, 0) == FACEAUTH_FAIL_CODE_UNKNOWN);
  CHECK_STR(faceauth_auth_result_fail_code_str(odd, 0), "Brand_new_fail_code");
  CHECK(strstr(faceauth_auth_result_json(odd), "Brand_new_fail_code") != NULL);

  /* A record: every field, as the JSON of faceauth_client_get says. */
  rec = NULL;
  CHECK_STATUS(faceauth_client_get_record(c, rejected_id, &rec, &err), FACEAUTH_STATUS_OK);
  CHECK_STR(faceauth_auth_record_auth_id(rec), rejected_id);
  CHECK(faceauth_auth_record_status(rec) == FACEAUTH_AUTH_STATUS_REJECTED);
  CHECK_STR(faceauth_auth_record_status_str(rec), "rejected");
  CHECK(json_string(faceauth_auth_record_json(rec), "create_time", value, sizeof value));
  CHECK_STR(faceauth_auth_record_create_time(rec), value);
  CHECK_STR(faceauth_auth_record_submit_type(rec), "api");
  CHECK_STR(faceauth_auth_record_submission_id(rec), "sub_typed");
  CHECK_STR(faceauth_auth_record_project_id(rec), "typed-project");
  CHECK(json_string(faceauth_auth_record_json(rec), "faceAuth_projectId", value, sizeof value) &&
        strcmp(value, "typed-project") == 0);
  CHECK(!faceauth_auth_record_deleted(rec));
  CHECK(faceauth_auth_record_reject_comment_count(rec) == 1);
  CHECK(faceauth_auth_record_reject_comment(rec, 0) != NULL && faceauth_auth_record_reject_comment(rec, 1) == NULL);
  {
    char *json = NULL;
    CHECK_STATUS(faceauth_client_get(c, rejected_id, &json, &err), FACEAUTH_STATUS_OK);
    CHECK_STR(faceauth_auth_record_json(rec), json);
    faceauth_string_free(json);
  }
  faceauth_auth_record_free(rec);

  /* A status the server made up: UNKNOWN, with the text as sent; an erased row. */
  rec = NULL;
  CHECK_STATUS(faceauth_client_get_record(c, "fa-review", &rec, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_auth_record_status(rec) == FACEAUTH_AUTH_STATUS_UNKNOWN);
  CHECK_STR(faceauth_auth_record_status_str(rec), "under_review");
  CHECK(json_string(faceauth_auth_record_json(rec), "auth_status", value, sizeof value) &&
        strcmp(value, "under_review") == 0);
  faceauth_auth_record_free(rec);
  rec = NULL;
  CHECK_STATUS(faceauth_client_get_record(c, "fa-erased", &rec, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_auth_record_deleted(rec));
  CHECK(faceauth_auth_record_submit_type(rec) == NULL && faceauth_auth_record_submission_id(rec) == NULL);
  CHECK(strstr(faceauth_auth_record_json(rec), "\"delete_check\":true") != NULL);
  faceauth_auth_record_free(rec);

  /* The listing, row by row as records, mixed with faceauth_records_next: each row comes once. */
  CHECK_STATUS(faceauth_client_list(c, NULL, NULL, 2, &it, &err), FACEAUTH_STATUS_OK);
  {
    char *first = NULL;
    CHECK_STATUS(faceauth_records_next(it, &first, &err), FACEAUTH_STATUS_OK);
    CHECK(first != NULL);
    rows++;
    faceauth_string_free(first);
  }
  for (;;) {
    row = UNTOUCHED;
    CHECK_STATUS(faceauth_records_next_record(it, &row, &err), FACEAUTH_STATUS_OK);
    if (row == NULL || row == UNTOUCHED) {
      break;
    }
    rows++;
    unknown_rows += faceauth_auth_record_status(row) == FACEAUTH_AUTH_STATUS_UNKNOWN;
    CHECK(json_string(faceauth_auth_record_json(row), "auth_id", value, sizeof value) &&
          strcmp(value, faceauth_auth_record_auth_id(row)) == 0);
    faceauth_auth_record_free(row);
  }
  CHECK(row == NULL);
  CHECK(rows == 5 && unknown_rows == 1);
  row = UNTOUCHED;
  CHECK_STATUS(faceauth_records_next_record(it, &row, &err), FACEAUTH_STATUS_OK);
  CHECK(row == NULL); /* the end, again */
  faceauth_records_free(it);

  /* Bad input: typed errors, out-params untouched. */
  r = UNTOUCHED;
  rec = UNTOUCHED;
  row = UNTOUCHED;
  EXPECT_ERROR(faceauth_client_submit_result(NULL, "sub_typed", jpeg, sizeof jpeg, NULL, NULL, NULL,
                                             NULL, &r, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_submit_result(c, "sub_typed", jpeg, sizeof jpeg, NULL, NULL, NULL,
                                             NULL, NULL, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_submit_result(c, BAD_UTF8, jpeg, sizeof jpeg, NULL, NULL, NULL, NULL,
                                             &r, &err),
               FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_HTTP_ERROR(faceauth_client_submit_result(c, "sub_unknown", jpeg, sizeof jpeg, NULL, NULL,
                                                  NULL, NULL, &r, &err),
                    FACEAUTH_STATUS_API_INVALID_REQUEST, 400);
  EXPECT_ERROR(faceauth_client_get_record(c, NULL, &rec, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_get_record(NULL, "fa-review", &rec, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_get_record(c, "fa-review", NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_client_get_record(c, "", &rec, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_HTTP_ERROR(faceauth_client_get_record(c, "fa-missing", &rec, &err), FACEAUTH_STATUS_API_NOT_FOUND,
                    400);
  EXPECT_ERROR(faceauth_records_next_record(NULL, &row, &err), FACEAUTH_STATUS_NULL_POINTER);
  CHECK(r == UNTOUCHED && rec == UNTOUCHED && row == UNTOUCHED);

  /* NULL handles: each accessor's "absent" value; NULL frees do nothing. */
  score = -1;
  CHECK(faceauth_auth_result_auth_id(NULL) == NULL && faceauth_auth_result_status_str(NULL) == NULL);
  CHECK(faceauth_auth_result_status(NULL) == FACEAUTH_AUTH_STATUS_UNKNOWN);
  CHECK(faceauth_auth_result_create_time(NULL) == NULL && faceauth_auth_result_json(NULL) == NULL);
  CHECK(!faceauth_auth_result_face_similarity(NULL, &score) && !faceauth_auth_result_occluded(NULL, &score) &&
        !faceauth_auth_result_face_cover(NULL, &score) && !faceauth_auth_result_head_cover(NULL, &score));
  CHECK(score == -1);
  CHECK(faceauth_auth_result_fail_code_count(NULL) == 0 && faceauth_auth_result_fail_code_str(NULL, 0) == NULL);
  CHECK(faceauth_auth_result_fail_code(NULL, 0) == FACEAUTH_FAIL_CODE_UNKNOWN);
  CHECK(faceauth_auth_result_rejected_comment_count(NULL) == 0 &&
        faceauth_auth_result_rejected_comment(NULL, 0) == NULL);
  CHECK(faceauth_auth_record_auth_id(NULL) == NULL && faceauth_auth_record_status_str(NULL) == NULL);
  CHECK(faceauth_auth_record_status(NULL) == FACEAUTH_AUTH_STATUS_UNKNOWN);
  CHECK(faceauth_auth_record_create_time(NULL) == NULL && faceauth_auth_record_submit_type(NULL) == NULL &&
        faceauth_auth_record_submission_id(NULL) == NULL && faceauth_auth_record_project_id(NULL) == NULL);
  CHECK(!faceauth_auth_record_deleted(NULL) && faceauth_auth_record_json(NULL) == NULL);
  CHECK(faceauth_auth_record_reject_comment_count(NULL) == 0 && faceauth_auth_record_reject_comment(NULL, 0) == NULL);
  faceauth_auth_result_free(NULL);
  faceauth_auth_record_free(NULL);

  faceauth_auth_result_free(rejected);
  faceauth_auth_result_free(odd);
  faceauth_client_free(c);
  faceauth_simulator_free(sim);
}

/* The webhook bodies test_typed_ledger applies. */
static void typed_body(char *body, size_t size, const char *sid, const char *token, const char *auth_id,
                       const char *status) {
  snprintf(body, size,
           "{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Submission_id\":\"%s\",\"Auth_Status\":\"%s\","
           "\"Token_id\":\"%s\",\"Authentication_id\":\"%s\",\"Create_Time\":\"2025-03-01T08:00:00.000Z\"}}",
           sid, status, token, auth_id);
}

/* Issues a link for `sid` under `rule` in `l`; copies its token into `token`. */
static void typed_issue(const faceauth_ledger *l, const faceauth_url_builder *b, const char *sid,
                        const char *rule, char *token, size_t size) {
  faceauth_auth_params *p = new_params(sid, "u-typed", NULL, NULL, NULL, NULL);
  faceauth_error *err = NULL;
  faceauth_issued_link *link = NULL;
  char value[512] = "";
  CHECK_STATUS(faceauth_ledger_issue_link(l, b, rule, p, "{\"via\":\"typed\"}", &link, &err),
               FACEAUTH_STATUS_OK);
  snprintf(token, size, "%s", faceauth_issued_link_token_id(link));
  CHECK(strncmp(token, "tok_", 4) == 0 && strstr(faceauth_issued_link_url(link), "/face-auth?pid=") != NULL);
  CHECK_STR(faceauth_issued_link_rule(link), rule);
  CHECK(json_string(faceauth_issued_link_json(link), "token", value, sizeof value) && strcmp(value, token) == 0);
  CHECK(json_string(faceauth_issued_link_json(link), "url", value, sizeof value) &&
        strcmp(value, faceauth_issued_link_url(link)) == 0);
  faceauth_issued_link_free(link);
  faceauth_auth_params_free(p);
}

/* The state of `token` in `list` (UNKNOWN when the list lacks it). */
static faceauth_token_state typed_state(const faceauth_token_status_list *list, const char *token) {
  size_t i;
  for (i = 0; i < faceauth_token_status_list_len(list); i++) {
    const faceauth_token_status *s = faceauth_token_status_list_get(list, i);
    if (strcmp(faceauth_token_status_token_id(s), token) == 0) {
      return faceauth_token_status_state(s);
    }
  }
  return FACEAUTH_TOKEN_STATE_UNKNOWN;
}

/* Typed token statuses and webhook outcomes: every state, every outcome, the accessors of
   each, NULLs, and the typed values against the JSON (the same as faceauth_ledger_status's). */
static void test_typed_ledger(void) {
  const char *key = "typed-key-0123456789abcdefghij";
  faceauth_simulator *sim = NULL;
  faceauth_error *err = NULL;
  faceauth_ledger *l = open_ledger(":memory:");
  faceauth_url_builder *b;
  faceauth_client *c;
  faceauth_token_status *s = UNTOUCHED;
  faceauth_token_status_list *list = UNTOUCHED;
  faceauth_webhook_outcome *o = UNTOUCHED;
  const faceauth_token_status *borrowed;
  char unused[80] = "", count[80] = "", timed[80] = "", done[80] = "", other[80] = "";
  char body[1024], value[160] = "", auth_id[128] = "";
  char *json = NULL, *url = NULL, *hooks = NULL;
  int64_t ms = -1, issued;
  faceauth_auth_params *p;

  CHECK_STATUS(faceauth_simulator_start(
                   "{\"api_key\":\"typed-key-0123456789abcdefghij\",\"project_id\":\"typed-project\","
                   "\"token_rule\":\"count\",\"submissions\":[\"sub_typed\",\"sub_other\"]}",
                   &sim, &err),
               FACEAUTH_STATUS_OK);
  c = new_client(key, faceauth_simulator_base_url(sim), 0);
  b = new_builder("typed-project", key, "ecb");
  CHECK_STATUS(faceauth_url_builder_set_base_url(b, faceauth_simulator_base_url(sim), NULL), FACEAUTH_STATUS_OK);
  typed_issue(l, b, "sub_typed", "count", unused, sizeof unused);
  typed_issue(l, b, "sub_typed", "count", count, sizeof count);
  typed_issue(l, b, "sub_typed", "time:3600", timed, sizeof timed);
  typed_issue(l, b, "sub_typed", "count", done, sizeof done);
  typed_issue(l, b, "sub_other", "count", other, sizeof other);

  /* UNUSED: its ids, rule and issue time; no use, no expiry, no result. */
  s = NULL;
  CHECK_STATUS(faceauth_ledger_get_status(l, unused, &s, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_token_status_state(s) == FACEAUTH_TOKEN_STATE_UNUSED);
  CHECK(json_string(faceauth_token_status_json(s), "state", value, sizeof value) && strcmp(value, "unused") == 0);
  CHECK_STR(faceauth_token_status_token_id(s), unused);
  CHECK_STR(faceauth_token_status_submission_id(s), "sub_typed");
  CHECK_STR(faceauth_token_status_user_id(s), "u-typed");
  CHECK_STR(faceauth_token_status_rule(s), "count");
  issued = faceauth_token_status_issued_at_ms(s);
  CHECK(issued > 1700000000000LL && issued <= (int64_t)time(NULL) * 1000 + 1000);
  CHECK(!faceauth_token_status_first_used_at_ms(s, &ms) && !faceauth_token_status_until_ms(s, &ms) &&
        !faceauth_token_status_expired_at_ms(s, &ms) && ms == -1);
  CHECK(faceauth_token_status_expiry_reason(s) == NULL && faceauth_token_status_result_auth_id(s) == NULL);
  CHECK(faceauth_token_status_result_status(s) == FACEAUTH_AUTH_STATUS_UNKNOWN);
  CHECK(!faceauth_token_status_result_confirmed(s));
  json = ledger_status(l, unused);
  CHECK_STR(faceauth_token_status_json(s), json);
  faceauth_string_free(json);
  faceauth_token_status_free(s);

  /* EXPIRED: a count token once used, with when and why. */
  s = NULL;
  CHECK_STATUS(faceauth_ledger_mark_used_status(l, count, &s, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_token_status_state(s) == FACEAUTH_TOKEN_STATE_EXPIRED);
  CHECK(json_string(faceauth_token_status_json(s), "state", value, sizeof value) && strcmp(value, "expired") == 0);
  CHECK_STR(faceauth_token_status_expiry_reason(s), "count");
  CHECK(faceauth_token_status_first_used_at_ms(s, &ms) && ms >= faceauth_token_status_issued_at_ms(s));
  CHECK(faceauth_token_status_expired_at_ms(s, &ms) && ms >= faceauth_token_status_issued_at_ms(s));
  CHECK(!faceauth_token_status_until_ms(s, &ms));
  faceauth_token_status_free(s);

  /* ACTIVE: a time token once used, usable for an hour from its first use. */
  s = NULL;
  CHECK_STATUS(faceauth_ledger_mark_used_status(l, timed, &s, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_token_status_state(s) == FACEAUTH_TOKEN_STATE_ACTIVE);
  CHECK_STR(faceauth_token_status_rule(s), "time:3600");
  {
    int64_t used = 0, until = 0;
    CHECK(faceauth_token_status_first_used_at_ms(s, &used) && faceauth_token_status_until_ms(s, &until));
    CHECK(until - used == 3600 * 1000);
  }
  CHECK(faceauth_token_status_expiry_reason(s) == NULL && !faceauth_token_status_expired_at_ms(s, &ms));
  faceauth_token_status_free(s);

  /* RECORDED, COMPLETED: a result as posted (not confirmed). */
  typed_body(body, sizeof body, "sub_typed", done, "fa-typed-1", "rejected");
  o = NULL;
  CHECK_STATUS(faceauth_ledger_apply_webhook_outcome(l, body, NULL, &o, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_webhook_outcome_kind(o) == FACEAUTH_OUTCOME_KIND_RECORDED);
  CHECK(json_string(faceauth_webhook_outcome_json(o), "outcome", value, sizeof value) &&
        strcmp(value, "recorded") == 0);
  CHECK_STR(faceauth_webhook_outcome_token_id(o), done);
  CHECK(faceauth_webhook_outcome_reason(o) == NULL);
  borrowed = faceauth_webhook_outcome_status(o);
  CHECK(faceauth_token_status_state(borrowed) == FACEAUTH_TOKEN_STATE_COMPLETED);
  CHECK_STR(faceauth_token_status_result_auth_id(borrowed), "fa-typed-1");
  CHECK(faceauth_token_status_result_status(borrowed) == FACEAUTH_AUTH_STATUS_REJECTED);
  CHECK(!faceauth_token_status_result_confirmed(borrowed));
  CHECK(strstr(faceauth_webhook_outcome_json(o), faceauth_token_status_json(borrowed)) != NULL);
  faceauth_webhook_outcome_free(o);
  /* The same as faceauth_ledger_apply_webhook's JSON (applying twice changes nothing). */
  o = NULL;
  CHECK_STATUS(faceauth_ledger_apply_webhook_outcome(l, body, NULL, &o, &err), FACEAUTH_STATUS_OK);
  CHECK_STATUS(faceauth_ledger_apply_webhook(l, body, NULL, &json, &err), FACEAUTH_STATUS_OK);
  CHECK_STR(faceauth_webhook_outcome_json(o), json);
  faceauth_string_free(json);
  faceauth_webhook_outcome_free(o);
  /* A status this version does not know, in the result: UNKNOWN. */
  typed_body(body, sizeof body, "sub_typed", done, "fa-typed-2", "under_review");
  o = NULL;
  CHECK_STATUS(faceauth_ledger_apply_webhook_outcome(l, body, NULL, &o, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_token_status_result_status(faceauth_webhook_outcome_status(o)) == FACEAUTH_AUTH_STATUS_UNKNOWN);
  faceauth_webhook_outcome_free(o);

  /* UNKNOWN_TOKEN, NO_TOKEN, IGNORED: nothing recorded, no status. */
  typed_body(body, sizeof body, "sub_typed", "tok-not-in-this-ledger", "fa-typed-3", "approved");
  o = NULL;
  CHECK_STATUS(faceauth_ledger_apply_webhook_outcome(l, body, NULL, &o, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_webhook_outcome_kind(o) == FACEAUTH_OUTCOME_KIND_UNKNOWN_TOKEN);
  CHECK_STR(faceauth_webhook_outcome_token_id(o), "tok-not-in-this-ledger");
  CHECK(faceauth_webhook_outcome_status(o) == NULL && faceauth_webhook_outcome_reason(o) == NULL);
  faceauth_webhook_outcome_free(o);
  o = NULL;
  CHECK_STATUS(faceauth_ledger_apply_webhook_outcome(
                   l,
                   "{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Submission_id\":\"sub_typed\","
                   "\"Auth_Status\":\"approved\",\"Authentication_id\":\"fa-typed-4\"}}",
                   NULL, &o, &err),
               FACEAUTH_STATUS_OK);
  CHECK(faceauth_webhook_outcome_kind(o) == FACEAUTH_OUTCOME_KIND_NO_TOKEN);
  CHECK(faceauth_webhook_outcome_token_id(o) == NULL && faceauth_webhook_outcome_status(o) == NULL);
  CHECK(json_string(faceauth_webhook_outcome_json(o), "outcome", value, sizeof value) &&
        strcmp(value, "no_token") == 0);
  faceauth_webhook_outcome_free(o);
  o = NULL;
  CHECK_STATUS(faceauth_ledger_apply_webhook_outcome(l, "{\"webhook_trigger\":\"kyc\"}", NULL, &o, &err),
               FACEAUTH_STATUS_OK);
  CHECK(faceauth_webhook_outcome_kind(o) == FACEAUTH_OUTCOME_KIND_IGNORED);
  CHECK(faceauth_webhook_outcome_reason(o) != NULL && faceauth_webhook_outcome_token_id(o) == NULL);
  CHECK(json_string(faceauth_webhook_outcome_json(o), "reason", value, sizeof value) &&
        strcmp(value, faceauth_webhook_outcome_reason(o)) == 0);
  faceauth_webhook_outcome_free(o);

  /* Confirmed with Argos: a real result of sub_typed (the simulator's link), RECORDED and
     confirmed; the same result claimed for a token of sub_other, REFUSED. */
  p = new_params("sub_typed", NULL, NULL, NULL, NULL, unused);
  CHECK_STATUS(faceauth_url_builder_build(b, p, &url, &err), FACEAUTH_STATUS_OK);
  faceauth_auth_params_free(p);
  CHECK_STATUS(faceauth_simulator_open(sim, url, NULL, &json, &err), FACEAUTH_STATUS_OK);
  CHECK(json_string(json, "auth_id", auth_id, sizeof auth_id));
  faceauth_string_free(json);
  faceauth_string_free(url);
  typed_body(body, sizeof body, "sub_typed", unused, auth_id, "approved");
  o = NULL;
  CHECK_STATUS(faceauth_ledger_apply_confirmed_outcome(l, c, body, NULL, &o, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_webhook_outcome_kind(o) == FACEAUTH_OUTCOME_KIND_RECORDED);
  CHECK(faceauth_token_status_result_confirmed(faceauth_webhook_outcome_status(o)));
  CHECK(faceauth_token_status_result_status(faceauth_webhook_outcome_status(o)) == FACEAUTH_AUTH_STATUS_APPROVED);
  CHECK_STR(faceauth_token_status_result_auth_id(faceauth_webhook_outcome_status(o)), auth_id);
  faceauth_webhook_outcome_free(o);
  typed_body(body, sizeof body, "sub_typed", other, auth_id, "approved");
  o = NULL;
  CHECK_STATUS(faceauth_ledger_apply_confirmed_outcome(l, c, body, NULL, &o, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_webhook_outcome_kind(o) == FACEAUTH_OUTCOME_KIND_REFUSED);
  CHECK_STR(faceauth_webhook_outcome_token_id(o), other);
  CHECK(faceauth_webhook_outcome_reason(o) != NULL && faceauth_webhook_outcome_status(o) == NULL);
  CHECK(json_string(faceauth_webhook_outcome_json(o), "outcome", value, sizeof value) &&
        strcmp(value, "refused") == 0);
  faceauth_webhook_outcome_free(o);
  CHECK_STATUS(faceauth_simulator_webhooks(sim, &hooks, &err), FACEAUTH_STATUS_OK);
  faceauth_string_free(hooks);

  /* The listing: one handle per token, in order of issue, its JSON faceauth_ledger_list's. */
  list = NULL;
  CHECK_STATUS(faceauth_ledger_list_statuses(l, NULL, &list, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_token_status_list_len(list) == 5);
  CHECK(typed_state(list, unused) == FACEAUTH_TOKEN_STATE_COMPLETED);
  CHECK(typed_state(list, count) == FACEAUTH_TOKEN_STATE_EXPIRED);
  CHECK(typed_state(list, timed) == FACEAUTH_TOKEN_STATE_ACTIVE);
  CHECK(typed_state(list, done) == FACEAUTH_TOKEN_STATE_COMPLETED);
  CHECK(typed_state(list, other) == FACEAUTH_TOKEN_STATE_UNUSED);
  CHECK(faceauth_token_status_list_get(list, 5) == NULL);
  json = ledger_list(l, NULL);
  CHECK_STR(faceauth_token_status_list_json(list), json);
  faceauth_string_free(json);
  faceauth_token_status_list_free(list);
  list = NULL;
  CHECK_STATUS(faceauth_ledger_list_statuses(l, "{\"state\":\"active\"}", &list, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_token_status_list_len(list) == 1);
  CHECK_STR(faceauth_token_status_token_id(faceauth_token_status_list_get(list, 0)), timed);
  faceauth_token_status_list_free(list);

  /* Bad input: typed errors, out-params untouched. */
  s = UNTOUCHED;
  list = UNTOUCHED;
  o = UNTOUCHED;
  EXPECT_ERROR(faceauth_ledger_get_status(l, "tok-never-issued", &s, &err), FACEAUTH_STATUS_TOKEN_UNKNOWN);
  EXPECT_ERROR(faceauth_ledger_get_status(l, "bad id!", &s, &err), FACEAUTH_STATUS_INVALID_TOKEN);
  EXPECT_ERROR(faceauth_ledger_get_status(NULL, unused, &s, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_get_status(l, NULL, &s, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_get_status(l, unused, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_mark_used_status(l, "tok-never-issued", &s, &err), FACEAUTH_STATUS_TOKEN_UNKNOWN);
  EXPECT_ERROR(faceauth_ledger_mark_used_status(l, BAD_UTF8, &s, &err), FACEAUTH_STATUS_INVALID_UTF8);
  EXPECT_ERROR(faceauth_ledger_mark_used_status(l, unused, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_list_statuses(l, "{\"colour\":1}", &list, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_list_statuses(l, "{\"state\":\"lost\"}", &list, &err),
               FACEAUTH_STATUS_INVALID_ARGUMENT);
  EXPECT_ERROR(faceauth_ledger_list_statuses(NULL, NULL, &list, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_list_statuses(l, NULL, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_apply_webhook_outcome(l, "not json", NULL, &o, &err),
               FACEAUTH_STATUS_WEBHOOK_MALFORMED);
  EXPECT_ERROR(faceauth_ledger_apply_webhook_outcome(l, "{\"data\":\"AAAA\"}", NULL, &o, &err),
               FACEAUTH_STATUS_WEBHOOK_KEY_REQUIRED);
  EXPECT_ERROR(faceauth_ledger_apply_webhook_outcome(l, NULL, NULL, &o, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_apply_webhook_outcome(l, "{}", NULL, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  typed_body(body, sizeof body, "sub_typed", count, "fa-nowhere", "approved");
  EXPECT_ERROR(faceauth_ledger_apply_confirmed_outcome(l, c, body, NULL, &o, &err),
               FACEAUTH_STATUS_WEBHOOK_UNCONFIRMED);
  EXPECT_ERROR(faceauth_ledger_apply_confirmed_outcome(l, NULL, body, NULL, &o, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_apply_confirmed_outcome(NULL, c, body, NULL, &o, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_ledger_apply_confirmed_outcome(l, c, body, NULL, NULL, &err),
               FACEAUTH_STATUS_NULL_POINTER);
  {
    faceauth_issued_link *link = UNTOUCHED;
    p = new_params("sub_typed", NULL, NULL, NULL, NULL, NULL);
    EXPECT_ERROR(faceauth_ledger_issue_link(l, b, "weekly", p, NULL, &link, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
    EXPECT_ERROR(faceauth_ledger_issue_link(l, b, "count", p, "[1]", &link, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
    EXPECT_ERROR(faceauth_ledger_issue_link(l, b, "count", p, NULL, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
    EXPECT_ERROR(faceauth_ledger_issue_link(NULL, b, "count", p, NULL, &link, &err), FACEAUTH_STATUS_NULL_POINTER);
    EXPECT_ERROR(faceauth_ledger_issue_link(l, b, BAD_UTF8, p, NULL, &link, &err), FACEAUTH_STATUS_INVALID_UTF8);
    faceauth_auth_params_free(p);
    p = new_params("sub_typed", NULL, NULL, NULL, NULL, "tok-given-here");
    EXPECT_ERROR(faceauth_ledger_issue_link(l, b, "count", p, NULL, &link, &err), FACEAUTH_STATUS_INVALID_ARGUMENT);
    faceauth_auth_params_free(p);
    CHECK(link == UNTOUCHED);
    CHECK(faceauth_issued_link_url(NULL) == NULL && faceauth_issued_link_token_id(NULL) == NULL &&
          faceauth_issued_link_rule(NULL) == NULL && faceauth_issued_link_json(NULL) == NULL);
    faceauth_issued_link_free(NULL);
  }
  CHECK(s == UNTOUCHED && list == UNTOUCHED && o == UNTOUCHED);

  /* NULL handles: each accessor's "absent" value; NULL frees do nothing. */
  ms = -1;
  CHECK(faceauth_token_status_state(NULL) == FACEAUTH_TOKEN_STATE_UNKNOWN);
  CHECK(faceauth_token_status_token_id(NULL) == NULL && faceauth_token_status_submission_id(NULL) == NULL &&
        faceauth_token_status_user_id(NULL) == NULL && faceauth_token_status_rule(NULL) == NULL);
  CHECK(faceauth_token_status_issued_at_ms(NULL) == 0);
  CHECK(!faceauth_token_status_first_used_at_ms(NULL, &ms) && !faceauth_token_status_until_ms(NULL, &ms) &&
        !faceauth_token_status_expired_at_ms(NULL, &ms) && ms == -1);
  CHECK(faceauth_token_status_expiry_reason(NULL) == NULL && faceauth_token_status_result_auth_id(NULL) == NULL);
  CHECK(faceauth_token_status_result_status(NULL) == FACEAUTH_AUTH_STATUS_UNKNOWN);
  CHECK(!faceauth_token_status_result_confirmed(NULL) && faceauth_token_status_json(NULL) == NULL);
  CHECK(faceauth_token_status_list_len(NULL) == 0 && faceauth_token_status_list_get(NULL, 0) == NULL &&
        faceauth_token_status_list_json(NULL) == NULL);
  CHECK(faceauth_webhook_outcome_kind(NULL) == FACEAUTH_OUTCOME_KIND_UNKNOWN);
  CHECK(faceauth_webhook_outcome_token_id(NULL) == NULL && faceauth_webhook_outcome_reason(NULL) == NULL &&
        faceauth_webhook_outcome_status(NULL) == NULL && faceauth_webhook_outcome_json(NULL) == NULL);
  faceauth_token_status_free(NULL);
  faceauth_token_status_list_free(NULL);
  faceauth_webhook_outcome_free(NULL);

  faceauth_url_builder_free(b);
  faceauth_client_free(c);
  faceauth_ledger_free(l);
  faceauth_simulator_free(sim);
}

/* A parsed webhook, typed: each kind, the fields of a faceAuth event, an unknown status, an
   encrypted body, NULLs, and the JSON of faceauth_webhook_parse. */
static void test_typed_webhook_events(void) {
  faceauth_cipher *cipher = new_cipher(KEY, "cbc");
  faceauth_webhook_event *e = UNTOUCHED;
  faceauth_error *err = NULL;
  char *json = NULL, *sealed = NULL, body[512];
  const char *face_auth =
      "{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Submission_id\":\"sub_e\",\"Auth_Status\":\"rejected\","
      "\"Token_id\":\"tok-event-1\",\"Authentication_id\":\"fa-event\",\"Auth_User_id\":\"u-event\"}}";

  e = NULL;
  CHECK_STATUS(faceauth_webhook_parse_event(face_auth, NULL, &e, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_webhook_event_kind(e) == FACEAUTH_EVENT_KIND_FACE_AUTH);
  CHECK(faceauth_webhook_event_status(e) == FACEAUTH_AUTH_STATUS_REJECTED);
  CHECK_STR(faceauth_webhook_event_status_str(e), "rejected");
  CHECK_STR(faceauth_webhook_event_auth_id(e), "fa-event");
  CHECK_STR(faceauth_webhook_event_submission_id(e), "sub_e");
  CHECK_STR(faceauth_webhook_event_user_id(e), "u-event");
  CHECK_STR(faceauth_webhook_event_token_id(e), "tok-event-1");
  CHECK_STR(faceauth_webhook_event_trigger(e), "faceAuth");
  CHECK(!faceauth_webhook_event_encrypted(e));
  CHECK_STATUS(faceauth_webhook_parse(face_auth, NULL, &json, &err), FACEAUTH_STATUS_OK);
  CHECK_STR(faceauth_webhook_event_json(e), json);
  faceauth_string_free(json);
  faceauth_webhook_event_free(e);

  /* Encrypted, with a status this version does not know. */
  CHECK_STATUS(faceauth_cipher_encrypt(cipher,
                                       "{\"webhook_trigger\":\"faceAuth\",\"data\":{\"Auth_Status\":\"under_review\","
                                       "\"Authentication_id\":\"fa-sealed\"}}",
                                       &sealed, &err),
               FACEAUTH_STATUS_OK);
  snprintf(body, sizeof body, "{\"data\":\"%s\"}", sealed);
  faceauth_string_free(sealed);
  e = NULL;
  CHECK_STATUS(faceauth_webhook_parse_event(body, cipher, &e, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_webhook_event_encrypted(e) && faceauth_webhook_event_kind(e) == FACEAUTH_EVENT_KIND_FACE_AUTH);
  CHECK(faceauth_webhook_event_status(e) == FACEAUTH_AUTH_STATUS_UNKNOWN);
  CHECK_STR(faceauth_webhook_event_status_str(e), "under_review");
  CHECK(faceauth_webhook_event_token_id(e) == NULL && faceauth_webhook_event_user_id(e) == NULL);
  faceauth_webhook_event_free(e);

  /* token_expired, and another trigger. */
  e = NULL;
  CHECK_STATUS(faceauth_webhook_parse_event("{\"webhook_trigger\":\"token_expired\",\"token_id\":\"tok-gone-1\","
                                            "\"expired_condition\":\"count\",\"service\":\"faceauth\"}",
                                            NULL, &e, &err),
               FACEAUTH_STATUS_OK);
  CHECK(faceauth_webhook_event_kind(e) == FACEAUTH_EVENT_KIND_TOKEN_EXPIRED);
  CHECK_STR(faceauth_webhook_event_token_id(e), "tok-gone-1");
  CHECK(faceauth_webhook_event_status(e) == FACEAUTH_AUTH_STATUS_UNKNOWN && faceauth_webhook_event_auth_id(e) == NULL);
  faceauth_webhook_event_free(e);
  e = NULL;
  CHECK_STATUS(faceauth_webhook_parse_event("{\"webhook_trigger\":\"kyc\",\"x\":1}", NULL, &e, &err), FACEAUTH_STATUS_OK);
  CHECK(faceauth_webhook_event_kind(e) == FACEAUTH_EVENT_KIND_OTHER);
  CHECK_STR(faceauth_webhook_event_trigger(e), "kyc");
  CHECK(strstr(faceauth_webhook_event_json(e), "\"raw\"") != NULL);
  faceauth_webhook_event_free(e);

  /* Bad input: typed errors, `e` untouched; NULL handles. */
  e = UNTOUCHED;
  EXPECT_ERROR(faceauth_webhook_parse_event("not json", NULL, &e, &err), FACEAUTH_STATUS_WEBHOOK_MALFORMED);
  EXPECT_ERROR(faceauth_webhook_parse_event(body, NULL, &e, &err), FACEAUTH_STATUS_WEBHOOK_KEY_REQUIRED);
  EXPECT_ERROR(faceauth_webhook_parse_event(NULL, NULL, &e, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_webhook_parse_event(face_auth, NULL, NULL, &err), FACEAUTH_STATUS_NULL_POINTER);
  EXPECT_ERROR(faceauth_webhook_parse_event(BAD_UTF8, NULL, &e, &err), FACEAUTH_STATUS_INVALID_UTF8);
  CHECK(e == UNTOUCHED);
  CHECK(faceauth_webhook_event_kind(NULL) == FACEAUTH_EVENT_KIND_OTHER);
  CHECK(faceauth_webhook_event_status(NULL) == FACEAUTH_AUTH_STATUS_UNKNOWN);
  CHECK(faceauth_webhook_event_status_str(NULL) == NULL && faceauth_webhook_event_auth_id(NULL) == NULL &&
        faceauth_webhook_event_submission_id(NULL) == NULL && faceauth_webhook_event_user_id(NULL) == NULL &&
        faceauth_webhook_event_token_id(NULL) == NULL && faceauth_webhook_event_trigger(NULL) == NULL &&
        faceauth_webhook_event_json(NULL) == NULL && !faceauth_webhook_event_encrypted(NULL));
  faceauth_webhook_event_free(NULL);
  faceauth_cipher_free(cipher);
}

int main(int argc, char **argv) {
  int with_mock;
  if (argc == 4 && (strcmp(argv[1], "--inspect") == 0 || strcmp(argv[1], "--webhook") == 0)) {
    return print_json(argv[1], argv[2], argv[3]);
  }
  if (argc == 3 && strcmp(argv[1], "--diagnose") == 0) {
    return print_diagnosis(argv[2]);
  }
  if ((argc == 3 && strcmp(argv[1], "--get") == 0) ||
      (argc == 4 && strcmp(argv[1], "--list") == 0)) {
    return print_client_json(argc, argv);
  }
  if ((argc == 4 && (strcmp(argv[1], "--ledger-issue") == 0 || strcmp(argv[1], "--ledger-status") == 0 ||
                     strcmp(argv[1], "--ledger-apply") == 0)) ||
      (argc == 3 && strcmp(argv[1], "--ledger-list") == 0)) {
    return print_ledger_json(argv);
  }
  if (argc != 1) {
    fprintf(stderr,
            "usage: %s [--inspect SCHEME URL | --webhook SCHEME BODY | --diagnose CIPHERTEXT |"
            " --get AUTH_ID |"
            " --list DAY COUNT | --ledger-issue DB SID | --ledger-status DB TOKEN |"
            " --ledger-apply DB BODY | --ledger-list DB]\n",
            argv[0]);
    return 2;
  }
  test_version_and_status_names();
  test_error_accessors_accept_null();
  test_crypto_vectors();
  test_diagnose();
  test_random_ivs_and_variants();
  test_bytes_and_nul();
  test_url_reference_and_inspect();
  test_url_round_trip();
  test_url_inspect_wrong_scheme();
  test_tokens();
  test_webhooks();
  test_bad_cipher_input();
  test_bad_url_input();
  test_redact_credentials();
  test_simulator();
  test_typed_results();
  test_typed_ledger();
  test_typed_webhook_events();
  with_mock = read_mock_env();
  if (with_mock) {
    test_client_calls();
    test_confirm_webhooks();
    test_bad_client_input();
  }
  test_client_control(with_mock);
  test_threads_share_a_builder_a_cipher_and_a_client(with_mock);
  test_ledgers(with_mock);
  test_bad_ledger_input();
  test_threads_share_ledgers();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
