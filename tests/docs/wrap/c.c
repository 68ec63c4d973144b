/* tests/docs/check_blocks.py: a ```c block of README.md and docs/ without main() is the body of
 * example(); the names the snippets use without defining them are its parameters and locals. */
#include <stdio.h>
#include <stdlib.h>

#include "faceauth.h"

void example(faceauth_url_builder *b, const char *body);
void example(faceauth_url_builder *b, const char *body) {
  faceauth_error *err = NULL;
{{BLOCK}}
  faceauth_error_free(err);
}
