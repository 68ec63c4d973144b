/*
 * The C side of the ABI benchmark (bench/c_abi/run.sh): builds URLS URLs through
 * faceauth_url_builder_build, freeing each with faceauth_string_free, and prints the
 * nanoseconds per URL, the total length of the warm-up's URLs (which the Rust side must match)
 * and a checksum of the timed ones. The Rust side, cli/examples/build_urls.rs, does the same work with
 * UrlBuilder::build on the same inputs.
 *
 * Usage: build_urls SCHEME URLS   (the demo key of docs/encryption.md, never a real project's)
 */
#define _POSIX_C_SOURCE 200809L

#include "faceauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  faceauth_url_builder *b = NULL;
  faceauth_error *err = NULL;
  faceauth_auth_params *p = NULL; /* made once, as a program reusing its parameters would */
  long urls, i;
  size_t total = 0, timed = 0;
  double started;
  if (argc != 3 || (urls = atol(argv[2])) <= 0) {
    fprintf(stderr, "usage: %s SCHEME URLS\n", argv[0]);
    return 2;
  }
  if (faceauth_url_builder_new("demo-project", "0123456789abcdefghijABCDEFGHIJ0123456789", argv[1], &b,
                               &err) != FACEAUTH_STATUS_OK ||
      faceauth_auth_params_new("abc123xyz", &p, &err) != FACEAUTH_STATUS_OK ||
      faceauth_auth_params_set_user_id(p, "user-1", &err) != FACEAUTH_STATUS_OK ||
      faceauth_auth_params_set_token(p, "tok_abc12345", &err) != FACEAUTH_STATUS_OK) {
    fprintf(stderr, "build_urls: %s\n", faceauth_error_message(err));
    faceauth_error_free(err);
    faceauth_auth_params_free(p);
    faceauth_url_builder_free(b);
    return 1;
  }
  /* Warm up: caches, the allocator, the CPU's clock. */
  for (i = 0; i < urls / 10 + 1; i++) {
    char *url = NULL;
    if (faceauth_url_builder_build(b, p, &url, NULL) != FACEAUTH_STATUS_OK) {
      return 1;
    }
    total += strlen(url);
    faceauth_string_free(url);
  }
  started = now_ns();
  for (i = 0; i < urls; i++) {
    char *url = NULL;
    if (faceauth_url_builder_build(b, p, &url, &err) != FACEAUTH_STATUS_OK) {
      fprintf(stderr, "build_urls: %s\n", faceauth_error_message(err));
      faceauth_error_free(err);
      faceauth_auth_params_free(p);
      faceauth_url_builder_free(b);
      return 1;
    }
    /* Uses the URL without measuring it, as the Rust side does (a String knows its length). */
    timed += (unsigned char)url[0];
    faceauth_string_free(url);
  }
  printf("%.1f %zu %zu\n", (now_ns() - started) / (double)urls, total, timed);
  faceauth_auth_params_free(p);
  faceauth_url_builder_free(b);
  return 0;
}
