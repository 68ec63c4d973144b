/*
 * make_url: prints the FaceAuth URL for one user, for systems that can run a program but not
 * link a library (a cron job, a legacy web app, a shell script).
 *
 *   FACEAUTH_API_KEY=… make_url PID SID [USER_ID]
 *
 * The API key comes from the environment only (command lines are visible to other users) and is
 * never printed. FACEAUTH_SCHEME ("ecb" by default, or "gcm", "cbc") and FACEAUTH_BASE_URL (a
 * staging form or the simulator) are optional. The URL goes to stdout; errors go to stderr as
 * "make_url: <status>: <message>". Exit status: 0 done, 1 failed, 2 usage.
 *
 * Ownership, as everywhere in libfaceauth: what a *_new makes, the matching *_free frees; strings
 * the library returns are freed with faceauth_string_free; a failing call fills *err (freed with
 * faceauth_error_free) and leaves its out-params alone.
 */
#include <stdio.h>
#include <stdlib.h>

#include "faceauth.h"

/* Reports a failed call and frees its error object. */
static void report(const char *what, faceauth_status status, faceauth_error *err) {
  fprintf(stderr, "make_url: %s: %s: %s\n", what, faceauth_status_str(status),
          err ? faceauth_error_message(err) : "(no details)");
  faceauth_error_free(err);
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: FACEAUTH_API_KEY=… %s PID SID [USER_ID]\n", argv[0]);
    return 2;
  }
  const char *api_key = getenv("FACEAUTH_API_KEY");
  if (api_key == NULL || api_key[0] == '\0') {
    fprintf(stderr, "make_url: set FACEAUTH_API_KEY to the project's API key\n");
    return 2;
  }
  const char *scheme = getenv("FACEAUTH_SCHEME");
  const char *base_url = getenv("FACEAUTH_BASE_URL");

  int rc = 1;
  faceauth_url_builder *builder = NULL;
  faceauth_auth_params *params = NULL;
  faceauth_error *err = NULL;
  char *url = NULL;
  faceauth_status status =
      faceauth_url_builder_new(argv[1], api_key, scheme ? scheme : "ecb", &builder, &err);
  if (status != FACEAUTH_STATUS_OK) {
    report("cannot make the URL builder", status, err);
    goto done;
  }
  if (base_url != NULL && base_url[0] != '\0') {
    status = faceauth_url_builder_set_base_url(builder, base_url, &err);
    if (status != FACEAUTH_STATUS_OK) {
      report("FACEAUTH_BASE_URL", status, err);
      goto done;
    }
  }
  status = faceauth_auth_params_new(argv[2], &params, &err);
  if (status == FACEAUTH_STATUS_OK) {
    status = faceauth_auth_params_set_user_id(params, argc == 4 ? argv[3] : NULL, &err); /* NULL: absent */
  }
  if (status == FACEAUTH_STATUS_OK) {
    status = faceauth_url_builder_build(builder, params, &url, &err);
  }
  if (status != FACEAUTH_STATUS_OK) {
    report("cannot build the URL", status, err);
    goto done;
  }
  if (printf("%s\n", url) < 0 || fflush(stdout) != 0) {
    fprintf(stderr, "make_url: cannot write the URL\n");
    goto done;
  }
  rc = 0;

done:
  faceauth_string_free(url);             /* NULL-safe, like every *_free */
  faceauth_auth_params_free(params);
  faceauth_url_builder_free(builder);    /* wipes the key material */
  return rc;
}
