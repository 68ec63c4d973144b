// tests/docs/check_blocks.py: every ```cpp block of README.md and docs/ is the body of example();
// the names the snippets use without defining them are its parameters.
#include <cstdio>
#include <string>

#include "faceauth.hpp"

void example(const std::string &api_key, const std::string &webhook_key, const std::string &body,
             const std::string &auth_id);
void example(const std::string &api_key, const std::string &webhook_key, const std::string &body,
             const std::string &auth_id) {
{{BLOCK}}
}
