/*
 * faceauth.hpp: a header-only C++17 wrapper over libfaceauth (include/faceauth.h).
 *
 * Written by hand (faceauth.h is generated); link libfaceauth as for C (pkg-config faceauth, or
 * CMake: find_package(faceauth CONFIG REQUIRED) and faceauth::faceauth).
 *
 * - Handles (Cipher, UrlBuilder, Client, Records, Ledger, Simulator) own their C object and
 *   free it in their destructor. They are move-only; a moved-from handle is empty and any call
 *   on it throws Error with FACEAUTH_STATUS_NULL_POINTER.
 * - Every failure throws faceauth::Error (a std::runtime_error) carrying the status, the
 *   library's message and, for REST API failures, the HTTP status. Nothing else is thrown,
 *   except std::bad_alloc.
 * - Strings in and out are std::string (UTF-8). A string holding a NUL byte cannot cross the C
 *   ABI: it is refused with FACEAUTH_STATUS_INVALID_ARGUMENT instead of being cut short. Optional
 *   fields are std::optional<std::string>. Results, records, token statuses and webhook outcomes
 *   are typed objects (AuthResult, AuthRecord, IssuedLink, TokenStatus, TokenStatusList,
 *   WebhookOutcome, WebhookEvent from parse_webhook_event)
 *   whose getters give what a program branches on (enums such as AuthStatus and TokenState,
 *   std::optional<double> scores, std::string_view ids valid while the object lives), and whose
 *   json() gives the JSON the `faceauth` command prints. Other reports and events are JSON
 *   text: parse them with the JSON library you already use.
 * - Thread safety is the C library's: const member functions of Cipher, UrlBuilder, Client,
 *   Ledger and Simulator may run on one object from many threads at once; the UrlBuilder
 *   setters may not. A Records is used by one thread at a time.
 * - Secrets: the C objects wipe their key material when freed. std::string copies you make of
 *   keys or decrypted text are yours to handle. Cipher, UrlBuilder, Client, Ledger and
 *   ClientOptions print with operator<< without their key, and with every credential of a base
 *   URL or a location (user:password@, password=…) replaced by <redacted>, by the library's one
 *   rule (redact_credentials, faceauth_url_redact_credentials).
 */

#ifndef FACEAUTH_HPP
#define FACEAUTH_HPP

#if !defined(__cplusplus) || (__cplusplus < 201703L && (!defined(_MSVC_LANG) || _MSVC_LANG < 201703L))
#error "faceauth.hpp needs C++17 or later; C code includes faceauth.h"
#endif

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faceauth.h"

namespace faceauth {

/// The status of a call: FACEAUTH_STATUS_OK or why it failed (see faceauth.h for the values).
using Status = ::faceauth_status;

/// The snake_case name of a status, such as "bad_padding" (static; "unknown" for other values).
inline const char *status_name(Status status) noexcept { return ::faceauth_status_str(status); }

/// What every failing call throws: the status, the library's message and, for REST API
/// failures, the HTTP status (0 when there is none). what() is "<status name>: <message>".
class Error : public std::runtime_error {
 public:
  /// An error with `status`, the library's `message` and the HTTP status of a REST API failure
  /// (0: none); what the wrapper throws, rarely made by hand.
  Error(Status status, const std::string &message, std::uint16_t http_status = 0)
      : std::runtime_error(std::string(faceauth::status_name(status)) + ": " + message),
        status_(status),
        http_status_(http_status),
        message_(message) {}

  /// The status the C call returned.
  Status status() const noexcept { return status_; }
  /// Its name, such as "bad_padding".
  const char *status_name() const noexcept { return faceauth::status_name(status_); }
  /// The HTTP status of a REST API failure, such as 403; 0 when the error has none.
  std::uint16_t http_status() const noexcept { return http_status_; }
  /// The library's message, without the status name (lowercase, never a key).
  const std::string &message() const noexcept { return message_; }

 private:
  Status status_;
  std::uint16_t http_status_;
  std::string message_;
};

/// The implementation's building blocks, shared by every wrapper class: not part of the API.
/// A wrapper for another handle type (such as the REST client) holds a detail::Handle<T, free>,
/// makes the C call through detail::call / detail::call_string, and takes returned bytes with
/// detail::take_buf; errors then carry the HTTP status without more code.
namespace detail {

/// Frees a C object with its library function; what std::unique_ptr holds handles with.
template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T *p) const noexcept {
    Free(p);
  }
};

/// An owning, move-only C handle, freed by `Free` (NULL-safe in the C library).
template <class T, auto Free>
using Handle = std::unique_ptr<T, Deleter<Free>>;

using OwnedError = Handle<::faceauth_error, ::faceauth_error_free>;
using OwnedString = Handle<char, ::faceauth_string_free>;

/// Turns a failed call's status and error object into faceauth::Error, freeing the object.
[[noreturn]] inline void raise(Status status, ::faceauth_error *err) {
  OwnedError owned(err);
  if (!owned) {  // the library always fills it on failure; be safe anyway
    throw Error(status, status_name(status));
  }
  throw Error(::faceauth_error_code(owned.get()), ::faceauth_error_message(owned.get()),
              ::faceauth_error_http_status(owned.get()));
}

/// Calls `f(faceauth_error **)`, a C call with its error slot, and throws on failure.
template <class F>
void call(F &&f) {
  ::faceauth_error *err = nullptr;
  const Status status = std::forward<F>(f)(&err);
  if (status != FACEAUTH_STATUS_OK) {
    raise(status, err);
  }
}

/// Copies a string the library returned into a std::string and frees (wipes) the original.
inline std::string take(char *s) {
  OwnedString owned(s);
  return owned ? std::string(owned.get()) : std::string();
}

/// Copies bytes the library returned into a vector and frees (wipes) the library's copy.
inline std::vector<std::uint8_t> take_buf(::faceauth_buf &buf) {
  struct Free {
    ::faceauth_buf *b;
    ~Free() { ::faceauth_buf_free(b); }
  } free_on_exit{&buf};
  return buf.data ? std::vector<std::uint8_t>(buf.data, buf.data + buf.len) : std::vector<std::uint8_t>();
}

/// Calls `f(char **out, faceauth_error **)` and returns its string.
template <class F>
std::string call_string(F &&f) {
  char *out = nullptr;
  call([&](::faceauth_error **err) { return std::forward<F>(f)(&out, err); });
  return take(out);
}

/// The C string of `s`, refusing one that a NUL byte would cut short.
inline const char *c_str(const std::string &s, const char *what) {
  if (s.find('\0') != std::string::npos) {
    throw Error(FACEAUTH_STATUS_INVALID_ARGUMENT, std::string(what) + " holds a NUL byte");
  }
  return s.c_str();
}

/// As c_str, with NULL for an absent value.
inline const char *c_str(const std::optional<std::string> &s, const char *what) {
  return s ? c_str(*s, what) : nullptr;
}

/// The pointer of a handle, or an Error when it was moved from.
template <class T, auto Free>
T *live(const Handle<T, Free> &h, const char *what) {
  if (!h) {
    throw Error(FACEAUTH_STATUS_NULL_POINTER, std::string(what) + " was moved from");
  }
  return h.get();
}

}  // namespace detail

/// The library's version, such as "0.1.0" (the runtime library's, which may be newer than
/// this header's FACEAUTH_VERSION_MAJOR/MINOR/PATCH).
inline std::string version() { return ::faceauth_version(); }

/// `text` (a URL, a ledger location or a message) with every credential in it replaced by
/// <redacted>: the user-info of `scheme://user:password@host`, the value of `password=…`.
/// The library's one rule (faceauth_url_redact_credentials); what operator<< prints with.
inline std::string redact_credentials(const std::string &text) {
  return detail::call_string([&](char **out, ::faceauth_error **err) {
    return ::faceauth_url_redact_credentials(detail::c_str(text, "the text"), out, err);
  });
}

namespace detail {

/// redact_credentials, or all of it hidden when the library cannot read it (a NUL byte, bad
/// UTF-8): for printing, which must not throw a faceauth::Error.
inline std::string redacted(const std::string &text) {
  try {
    return redact_credentials(text);
  } catch (const Error &) {
    return "<redacted>";
  }
}

/// `"text"`, for printing.
inline std::ostream &quoted(std::ostream &os, const std::string &text) { return os << '"' << text << '"'; }

}  // namespace detail

/// Encrypts and decrypts FaceAuth payloads for one API key and one scheme.
/// Thread safety: const members may be used from many threads at once.
class Cipher {
 public:
  /// `scheme`: "ecb" (Argos's default), "gcm", "cbc" or a variant id from `faceauth diagnose`.
  explicit Cipher(const std::string &api_key, const std::string &scheme = "ecb") : handle_() {
    ::faceauth_cipher *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_cipher_new(detail::c_str(api_key, "the API key"),
                                   detail::c_str(scheme, "the scheme"), &out, err);
    });
    handle_.reset(out);
  }

  /// Encrypts UTF-8 text (CBC and GCM: a fresh IV or nonce every call).
  std::string encrypt(const std::string &plaintext) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_cipher_encrypt(get(), detail::c_str(plaintext, "the plaintext"), out, err);
    });
  }

  /// Encrypts bytes, which may hold NUL bytes and need not be UTF-8.
  std::string encrypt_bytes(const std::vector<std::uint8_t> &data) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_cipher_encrypt_bytes(get(), data.data(), data.size(), out, err);
    });
  }

  /// Decrypts ciphertext into UTF-8 text.
  std::string decrypt(const std::string &ciphertext) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_cipher_decrypt(get(), detail::c_str(ciphertext, "the ciphertext"), out, err);
    });
  }

  /// Decrypts ciphertext into bytes, without the UTF-8 check. The library's copy is wiped; the
  /// returned vector is yours to wipe.
  std::vector<std::uint8_t> decrypt_bytes(const std::string &ciphertext) const {
    ::faceauth_buf buf{nullptr, 0};
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_cipher_decrypt_bytes(get(), detail::c_str(ciphertext, "the ciphertext"), &buf,
                                             err);
    });
    return detail::take_buf(buf);
  }

  /// The C handle, for calls this wrapper does not cover; still owned by this object.
  const ::faceauth_cipher *get() const { return detail::live(handle_, "the Cipher"); }

  /// Prints `faceauth::Cipher{key: <redacted>}`: never the key.
  friend std::ostream &operator<<(std::ostream &os, const Cipher &) {
    return os << "faceauth::Cipher{key: <redacted>}";
  }

 private:
  detail::Handle<::faceauth_cipher, ::faceauth_cipher_free> handle_;
};

/// The encrypted fields of one URL: `sid` is required, absent optional fields are not sent.
///   builder.build({"sub_1"});
///   builder.build(faceauth::AuthParams("sub_1").with_user_id("user-1").with_token(token));
struct AuthParams {
  /// Only `sid`, the approved ID check submission id; add the others with the with_* calls or
  /// by assigning the members.
  AuthParams(std::string sid_)  // NOLINT(google-explicit-constructor)
      : sid(std::move(sid_)), user_id(), cf1(), cf2(), cf3(), token() {}
  /// The same from a C string (NULL: an empty `sid`, which the library refuses).
  AuthParams(const char *sid_)  // NOLINT(google-explicit-constructor)
      : AuthParams(std::string(sid_ ? sid_ : "")) {}

  /// Sets `user_id`; returns *this, for chaining.
  AuthParams &with_user_id(std::string v) { user_id = std::move(v); return *this; }
  /// Sets `cf1`; returns *this.
  AuthParams &with_cf1(std::string v) { cf1 = std::move(v); return *this; }
  /// Sets `cf2`; returns *this.
  AuthParams &with_cf2(std::string v) { cf2 = std::move(v); return *this; }
  /// Sets `cf3`; returns *this.
  AuthParams &with_cf3(std::string v) { cf3 = std::move(v); return *this; }
  /// Sets `token`; returns *this.
  AuthParams &with_token(std::string v) { token = std::move(v); return *this; }

  /// `sid`: the approved ID check submission id.
  std::string sid;
  /// `authUserId`: your id for the user.
  std::optional<std::string> user_id;
  /// `authCf1`, `authCf2`, `authCf3`: free extra fields.
  std::optional<std::string> cf1;
  std::optional<std::string> cf2;
  std::optional<std::string> cf3;
  /// `token`: a token id that makes the URL expire (generate_token()).
  std::optional<std::string> token;
};

namespace detail {

using OwnedParams = Handle<::faceauth_auth_params, ::faceauth_auth_params_free>;

/// The C object for `p` (a copy of its fields), freed when the result goes.
inline OwnedParams c_params(const AuthParams &p) {
  ::faceauth_auth_params *out = nullptr;
  call([&](::faceauth_error **err) { return ::faceauth_auth_params_new(c_str(p.sid, "sid"), &out, err); });
  OwnedParams params(out);
  const auto set = [&](auto setter, const std::optional<std::string> &value, const char *what) {
    call([&](::faceauth_error **err) { return setter(params.get(), c_str(value, what), err); });
  };
  set(::faceauth_auth_params_set_user_id, p.user_id, "user_id");
  set(::faceauth_auth_params_set_cf1, p.cf1, "cf1");
  set(::faceauth_auth_params_set_cf2, p.cf2, "cf2");
  set(::faceauth_auth_params_set_cf3, p.cf3, "cf3");
  set(::faceauth_auth_params_set_token, p.token, "token");
  return params;
}

}  // namespace detail

/// Builds FaceAuth URLs for one project.
/// Thread safety: build() may run on one builder from many threads; the setters may not.
class UrlBuilder {
 public:
  /// `scheme`: as for Cipher.
  UrlBuilder(const std::string &project_id, const std::string &api_key,
             const std::string &scheme = "ecb")
      : handle_(), project_id_(project_id), base_url_() {
    ::faceauth_url_builder *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_url_builder_new(detail::c_str(project_id, "the project id"),
                                        detail::c_str(api_key, "the API key"),
                                        detail::c_str(scheme, "the scheme"), &out, err);
    });
    handle_.reset(out);
  }

  /// Adds `&lang=<lang>` to every URL ("ko", "en", …). On failure the builder is unchanged.
  UrlBuilder &set_lang(const std::string &lang) {
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_url_builder_set_lang(get(), detail::c_str(lang, "the language"), err);
    });
    return *this;
  }

  /// Points the URLs at another host, such as the simulator (`faceauth mock`).
  UrlBuilder &set_base_url(const std::string &base_url) {
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_url_builder_set_base_url(get(), detail::c_str(base_url, "the base URL"), err);
    });
    base_url_ = detail::redacted(base_url);
    return *this;
  }

  /// The URL for one user: `<base>/face-auth?pid=…&encrypted=…[&lang=…]`.
  std::string build(const AuthParams &p) const {
    const detail::OwnedParams c = detail::c_params(p);
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_url_builder_build(get(), c.get(), out, err);
    });
  }

  /// The C handle, for calls this wrapper does not cover; still owned by this object.
  ::faceauth_url_builder *get() const { return detail::live(handle_, "the UrlBuilder"); }

  /// Prints `faceauth::UrlBuilder{project_id: "…", base_url: "…"}` (base_url only when set,
  /// without its credentials): never the key.
  friend std::ostream &operator<<(std::ostream &os, const UrlBuilder &b) {
    detail::quoted(os << "faceauth::UrlBuilder{project_id: ", b.project_id_);
    if (b.base_url_) {
      detail::quoted(os << ", base_url: ", *b.base_url_);
    }
    return os << '}';
  }

 private:
  detail::Handle<::faceauth_url_builder, ::faceauth_url_builder_free> handle_;
  std::string project_id_;
  std::optional<std::string> base_url_;  // redacted
};

/// A fresh token id ("tok_" and 26 base32 characters) for AuthParams::token.
inline std::string generate_token() {
  return detail::call_string([](char **out, ::faceauth_error **err) {
    return ::faceauth_token_generate(out, err);
  });
}

/// Throws Error (FACEAUTH_STATUS_INVALID_TOKEN, saying which rule) unless `token_id` is 8 to 64
/// of [A-Za-z0-9._-], starting and ending with a letter or digit.
inline void validate_token(const std::string &token_id) {
  detail::call([&](::faceauth_error **err) {
    return ::faceauth_token_validate(detail::c_str(token_id, "the token id"), err);
  });
}

/// Takes a FaceAuth URL (or its query) apart and decrypts it: the JSON `faceauth inspect`
/// prints ({"base_url", "pid", "lang", "variant", "params": {"sid", …}}).
inline std::string inspect_url(const std::string &url, const Cipher &cipher) {
  return detail::call_string([&](char **out, ::faceauth_error **err) {
    return ::faceauth_url_inspect(detail::c_str(url, "the URL"), cipher.get(), out, err);
  });
}

/// Tries every encryption variant on a ciphertext with an API key and reports which decrypt it:
/// the JSON `faceauth diagnose --json` prints ({"best": variant id or null, "variants": […], …};
/// see faceauth_crypto_diagnose). No match is a report with "best": null, not an exception;
/// text that is no ciphertext at all throws FACEAUTH_STATUS_EMPTY_CIPHERTEXT or
/// FACEAUTH_STATUS_INVALID_ENCODING.
inline std::string diagnose(const std::string &ciphertext, const std::string &api_key) {
  return detail::call_string([&](char **out, ::faceauth_error **err) {
    return ::faceauth_crypto_diagnose(detail::c_str(ciphertext, "the ciphertext"),
                                      detail::c_str(api_key, "the API key"), out, err);
  });
}

/// Parses a clear webhook body: the JSON `faceauth webhook parse` prints ({"event": …, …}).
/// An encrypted body ({"data": …}) throws FACEAUTH_STATUS_WEBHOOK_KEY_REQUIRED.
inline std::string parse_webhook(const std::string &body) {
  return detail::call_string([&](char **out, ::faceauth_error **err) {
    return ::faceauth_webhook_parse(detail::c_str(body, "the webhook body"), nullptr, out, err);
  });
}

/// Parses a webhook body, decrypting it with `cipher` when it is encrypted ({"data": …}).
inline std::string parse_webhook(const std::string &body, const Cipher &cipher) {
  return detail::call_string([&](char **out, ::faceauth_error **err) {
    return ::faceauth_webhook_parse(detail::c_str(body, "the webhook body"), cipher.get(), out, err);
  });
}


/// A cancel handle: trigger() from any thread aborts every call given CallOptions that carry
/// it (the request in flight has its connection shut down, no further attempt is made) and
/// the call throws Error with FACEAUTH_STATUS_CANCELLED. It stays triggered: use a new one for
/// new work. Thread safety: every member is const; trigger it from another thread while a call
/// waits. It must outlive the calls given it.
class Cancel {
 public:
  /// A new handle, not yet triggered.
  Cancel() {
    ::faceauth_cancel *out = nullptr;
    detail::call([&](::faceauth_error **err) { return ::faceauth_cancel_new(&out, err); });
    handle_.reset(out);
  }

  /// Cancels every call using this handle, now and later; returns at once.
  void trigger() const noexcept { ::faceauth_cancel_trigger(handle_.get()); }

  /// True once trigger() was called.
  bool triggered() const noexcept { return ::faceauth_cancel_is_triggered(handle_.get()); }

  /// The C handle; still owned by this object.
  const ::faceauth_cancel *get() const { return detail::live(handle_, "the Cancel"); }

 private:
  detail::Handle<::faceauth_cancel, ::faceauth_cancel_free> handle_;
};

/// The options of one call: a cancel handle (borrowed: it must outlive the call) and a deadline
/// for the whole call, retries and backoff included (FACEAUTH_STATUS_API_TIMEOUT, saying how
/// many attempts were made, when it passes).
struct CallOptions {
  /// The cancel handle that can abort the call, or none.
  const Cancel *cancel = nullptr;
  /// The time the whole call may take, counted from its start, or none (the client's timeout
  /// then bounds each attempt).
  std::optional<std::chrono::milliseconds> deadline;
};

namespace detail {

using OwnedCallOptions = Handle<::faceauth_call_options, ::faceauth_call_options_free>;

/// The C call options for `options`.
inline OwnedCallOptions call_options(const CallOptions &options) {
  ::faceauth_call_options *raw = nullptr;
  call([&](::faceauth_error **err) { return ::faceauth_call_options_new(&raw, err); });
  OwnedCallOptions owned(raw);
  if (options.cancel != nullptr) {
    call([&](::faceauth_error **err) {
      return ::faceauth_call_options_set_cancel(owned.get(), options.cancel->get(), err);
    });
  }
  if (options.deadline) {
    const auto ms = options.deadline->count();
    // A deadline of 0 or less has passed already: the smallest one the library takes.
    const std::uint64_t deadline_ms = ms > 0 ? static_cast<std::uint64_t>(ms) : 1;
    call([&](::faceauth_error **err) {
      return ::faceauth_call_options_set_deadline_ms(owned.get(), deadline_ms, err);
    });
  }
  return owned;
}

}  // namespace detail

/// One HTTP attempt, as ClientOptions::on_attempt sees it: never the key, the image, a query
/// value or personal data.
struct Attempt {
  /// "GET", "POST" or "DELETE".
  std::string method;
  /// The route template, "/FaceAuth" or "/FaceAuth/Image": a span's or metric's name.
  std::string route;
  /// The HTTP status, or 0 when no answer arrived (then `error` says why).
  std::uint16_t http_status = 0;
  /// FACEAUTH_STATUS_OK when an answer arrived, else FACEAUTH_STATUS_API_TIMEOUT, … .
  Status error = FACEAUTH_STATUS_OK;
  /// 1 for the first attempt of a call, 2 for its first retry, …
  std::uint32_t number = 0;
  std::chrono::microseconds duration{0};
  /// Argos's request id, when the answer had one.
  std::optional<std::string> request_id;
};

/// Options of a Client; every default is the library's (Argos's URL, a 60 s timeout, a 10 s
/// connect timeout, 2 retries).
struct ClientOptions {
  /// The REST base URL, such as the simulator's "http://127.0.0.1:8700"; none for Argos's.
  std::optional<std::string> base_url;
  /// Milliseconds one attempt may take; none for the default.
  std::optional<std::uint32_t> timeout_ms;
  /// Milliseconds to wait for a connection; none for the default.
  std::optional<std::uint32_t> connect_timeout_ms;
  /// Repeats of a failed request (0: none); none for the default.
  std::optional<std::uint32_t> max_retries;
  /// An HTTP proxy (http://[user:password@]host:port), whatever the environment says.
  std::optional<std::string> proxy;
  /// Hosts reached without `proxy`, as in NO_PROXY ("example.com, 127.0.0.1").
  std::optional<std::string> no_proxy;
  /// Whether to use HTTPS_PROXY/HTTP_PROXY/ALL_PROXY (unless NO_PROXY names the host); none
  /// for the default, true.
  std::optional<bool> proxy_from_env;
  /// A PEM bundle of CAs to trust instead of the built-in roots (a TLS-inspecting gateway's).
  std::optional<std::string> ca_file;
  /// Trust the operating system's certificate store instead of the built-in roots.
  bool platform_roots = false;
  /// Words after the user agent faceauth-c/<version>, such as "myapp/1.2".
  std::optional<std::string> user_agent_suffix;
  /// Called once per HTTP attempt, on the calling thread (so from several threads at once when
  /// the Client is shared). An exception it throws is swallowed: it never breaks the call.
  std::function<void(const Attempt &)> on_attempt;

  /// Prints the options, base_url and proxy without their credentials (the network options
  /// only when set; never the hook).
  friend std::ostream &operator<<(std::ostream &os, const ClientOptions &o) {
    os << "faceauth::ClientOptions{base_url: ";
    if (o.base_url) {
      detail::quoted(os, detail::redacted(*o.base_url));
    } else {
      os << "none";
    }
    const auto number = [&os](const char *name, const std::optional<std::uint32_t> &value) {
      os << ", " << name << ": ";
      if (value) {
        os << *value;
      } else {
        os << "default";
      }
    };
    number("timeout_ms", o.timeout_ms);
    number("connect_timeout_ms", o.connect_timeout_ms);
    number("max_retries", o.max_retries);
    // The network options only when set.
    if (o.proxy) {
      detail::quoted(os << ", proxy: ", detail::redacted(*o.proxy));
    }
    if (o.ca_file) {
      detail::quoted(os << ", ca_file: ", *o.ca_file);
    }
    if (o.platform_roots) {
      os << ", platform_roots: true";
    }
    return os << '}';
  }
};

/// The optional fields of a submission.
struct SubmitFields {
  /// `authUserId`: your id for the user.
  std::optional<std::string> user_id;
  /// `authCf1`, `authCf2`, `authCf3`: free extra fields, stored with the result.
  std::optional<std::string> cf1;
  std::optional<std::string> cf2;
  std::optional<std::string> cf3;
};

/// A selfie fetched by Client::image: its bytes and the content type read from them.
struct Image {
  /// The image as received (JPEG or PNG).
  std::vector<std::uint8_t> bytes;
  /// "image/jpeg", "image/png", … or "application/octet-stream".
  std::string content_type;
};

/// The status of a result (`auth_status`). Unknown: a status this version does not know (read
/// it with status_text()); a switch over it needs a default.
enum class AuthStatus : int {
  Unknown = FACEAUTH_AUTH_STATUS_UNKNOWN,
  Approved = FACEAUTH_AUTH_STATUS_APPROVED,
  Rejected = FACEAUTH_AUTH_STATUS_REJECTED,
};

/// A fail code of a rejected result (`fail_code`). Unknown: a code this version does not know
/// (AuthResult::fail_code_texts() has it as sent).
enum class FailCode : int {
  Unknown = FACEAUTH_FAIL_CODE_UNKNOWN,
  FaceCompare = FACEAUTH_FAIL_CODE_FACE_COMPARE,
  FaceOccluded = FACEAUTH_FAIL_CODE_FACE_OCCLUDED,
  FaceCover = FACEAUTH_FAIL_CODE_FACE_COVER,
  HeadCover = FACEAUTH_FAIL_CODE_HEAD_COVER,
};

namespace detail {

/// A borrowed C string as a string_view ("" for NULL).
inline std::string_view view(const char *s) noexcept { return s ? std::string_view(s) : std::string_view(); }

/// A borrowed C string that may be absent.
inline std::optional<std::string_view> optional_view(const char *s) {
  return s ? std::optional<std::string_view>(s) : std::nullopt;
}

/// A C accessor `bool f(const T *, V *out)` as an optional.
template <class V, class T, class F>
std::optional<V> optional_value(const T *h, F f) {
  V value{};
  return f(h, &value) ? std::optional<V>(value) : std::nullopt;
}

}  // namespace detail

/// The answer to Client::submit, typed: status, id, scores and fail codes, and json() (the
/// response as received, what `faceauth auth submit` prints). A rejected face is a result, not
/// an exception. string_views are valid while this object lives. Move-only; const members may
/// run from many threads at once.
class AuthResult {
 public:
  /// The authentication id (`authentication_id`).
  std::string_view auth_id() const { return detail::view(::faceauth_auth_result_auth_id(get())); }
  /// Approved, Rejected, or Unknown (a status this version does not know: see status_text()).
  AuthStatus status() const { return static_cast<AuthStatus>(::faceauth_auth_result_status(get())); }
  /// The status as sent, such as "approved".
  std::string_view status_text() const { return detail::view(::faceauth_auth_result_status_str(get())); }
  /// `create_time` as sent (RFC 3339), when present.
  std::optional<std::string_view> create_time() const {
    return detail::optional_view(::faceauth_auth_result_create_time(get()));
  }
  /// `score.face_similarity_score` (0–100), when the project sends it.
  std::optional<double> face_similarity() const {
    return detail::optional_value<double>(get(), ::faceauth_auth_result_face_similarity);
  }
  /// `score.occluded_score`, when sent.
  std::optional<double> occluded() const {
    return detail::optional_value<double>(get(), ::faceauth_auth_result_occluded);
  }
  /// `score.face_cover_score`, when sent.
  std::optional<double> face_cover() const {
    return detail::optional_value<double>(get(), ::faceauth_auth_result_face_cover);
  }
  /// `score.head_cover_score`, when sent.
  std::optional<double> head_cover() const {
    return detail::optional_value<double>(get(), ::faceauth_auth_result_head_cover);
  }
  /// The fail codes of a rejection (empty when approved); Unknown for a code this version does
  /// not know.
  std::vector<FailCode> fail_codes() const {
    std::vector<FailCode> codes;
    for (std::size_t i = 0, n = ::faceauth_auth_result_fail_code_count(get()); i < n; i++) {
      codes.push_back(static_cast<FailCode>(::faceauth_auth_result_fail_code(get(), i)));
    }
    return codes;
  }
  /// The same codes as text: the documented casing, or as sent.
  std::vector<std::string_view> fail_code_texts() const {
    std::vector<std::string_view> codes;
    for (std::size_t i = 0, n = ::faceauth_auth_result_fail_code_count(get()); i < n; i++) {
      codes.push_back(detail::view(::faceauth_auth_result_fail_code_str(get(), i)));
    }
    return codes;
  }
  /// `rejected_comment`, when rejected.
  std::vector<std::string_view> rejected_comments() const {
    std::vector<std::string_view> comments;
    for (std::size_t i = 0, n = ::faceauth_auth_result_rejected_comment_count(get()); i < n; i++) {
      comments.push_back(detail::view(::faceauth_auth_result_rejected_comment(get(), i)));
    }
    return comments;
  }
  /// The response as received (JSON), as faceauth_client_submit returns it.
  std::string json() const { return ::faceauth_auth_result_json(get()); }

  /// The C handle; still owned by this object.
  const ::faceauth_auth_result *get() const { return detail::live(handle_, "the AuthResult"); }

 private:
  friend class Client;
  explicit AuthResult(::faceauth_auth_result *r) : handle_(r) {}
  detail::Handle<::faceauth_auth_result, ::faceauth_auth_result_free> handle_;
};

/// One result (a row of GET /faceauth), from Client::get or Records, typed, with json() (the
/// row as sent, what `faceauth auth get` prints). string_views are valid while this object
/// lives. Move-only; const members may run from many threads at once.
class AuthRecord {
 public:
  /// `auth_id`.
  std::string_view auth_id() const { return detail::view(::faceauth_auth_record_auth_id(get())); }
  /// Approved, Rejected, or Unknown (a status this version does not know: see status_text()).
  AuthStatus status() const { return static_cast<AuthStatus>(::faceauth_auth_record_status(get())); }
  /// The status as sent ("" when the row has none).
  std::string_view status_text() const { return detail::view(::faceauth_auth_record_status_str(get())); }
  /// `create_time` as sent, when present.
  std::optional<std::string_view> create_time() const {
    return detail::optional_view(::faceauth_auth_record_create_time(get()));
  }
  /// `submit_type`: "form" (the hosted page) or "api", when present.
  std::optional<std::string_view> submit_type() const {
    return detail::optional_view(::faceauth_auth_record_submit_type(get()));
  }
  /// `kyc_submission_id`: the ID check submission, when present.
  std::optional<std::string_view> submission_id() const {
    return detail::optional_view(::faceauth_auth_record_submission_id(get()));
  }
  /// `faceAuth_projectId`, when known.
  std::optional<std::string_view> project_id() const {
    return detail::optional_view(::faceauth_auth_record_project_id(get()));
  }
  /// `delete_check`: the image and personal data were erased.
  bool deleted() const { return ::faceauth_auth_record_deleted(get()); }
  /// `reject_comment`, when present.
  std::vector<std::string_view> reject_comments() const {
    std::vector<std::string_view> comments;
    for (std::size_t i = 0, n = ::faceauth_auth_record_reject_comment_count(get()); i < n; i++) {
      comments.push_back(detail::view(::faceauth_auth_record_reject_comment(get(), i)));
    }
    return comments;
  }
  /// The row as JSON, as faceauth_client_get returns it.
  std::string json() const { return ::faceauth_auth_record_json(get()); }

  /// The C handle; still owned by this object.
  const ::faceauth_auth_record *get() const { return detail::live(handle_, "the AuthRecord"); }

 private:
  friend class Client;
  friend class Records;
  explicit AuthRecord(::faceauth_auth_record *r) : handle_(r) {}
  detail::Handle<::faceauth_auth_record, ::faceauth_auth_record_free> handle_;
};

/// Which webhook a body was. Other: another trigger (WebhookEvent::trigger() names it).
enum class EventKind : int {
  Other = FACEAUTH_EVENT_KIND_OTHER,
  FaceAuth = FACEAUTH_EVENT_KIND_FACE_AUTH,
  TokenExpired = FACEAUTH_EVENT_KIND_TOKEN_EXPIRED,
};

/// A parsed webhook (parse_webhook_event), typed, with json() (what parse_webhook returns).
/// Nothing proves it came from Argos: confirm it (Client::confirm_webhook, Ledger::apply_confirmed)
/// before acting on it. string_views are valid while this object lives. Move-only.
class WebhookEvent {
 public:
  /// FaceAuth, TokenExpired or Other.
  EventKind kind() const { return static_cast<EventKind>(::faceauth_webhook_event_kind(get())); }
  /// A faceAuth event's result status as posted (Unknown: none, another event, or a status this
  /// version does not know: see status_text()).
  AuthStatus status() const { return static_cast<AuthStatus>(::faceauth_webhook_event_status(get())); }
  /// The status as sent, when there is one.
  std::optional<std::string_view> status_text() const {
    return detail::optional_view(::faceauth_webhook_event_status_str(get()));
  }
  /// A faceAuth event's authentication id.
  std::optional<std::string_view> auth_id() const {
    return detail::optional_view(::faceauth_webhook_event_auth_id(get()));
  }
  /// A faceAuth event's ID check submission id.
  std::optional<std::string_view> submission_id() const {
    return detail::optional_view(::faceauth_webhook_event_submission_id(get()));
  }
  /// A faceAuth event's user id.
  std::optional<std::string_view> user_id() const {
    return detail::optional_view(::faceauth_webhook_event_user_id(get()));
  }
  /// The token it names (faceAuth, token_expired).
  std::optional<std::string_view> token_id() const {
    return detail::optional_view(::faceauth_webhook_event_token_id(get()));
  }
  /// `webhook_trigger` as sent.
  std::optional<std::string_view> trigger() const {
    return detail::optional_view(::faceauth_webhook_event_trigger(get()));
  }
  /// Whether the body was the encrypted form {"data": …}.
  bool encrypted() const { return ::faceauth_webhook_event_encrypted(get()); }
  /// The event as JSON, as parse_webhook returns it.
  std::string json() const { return ::faceauth_webhook_event_json(get()); }

  /// The C handle; still owned by this object.
  const ::faceauth_webhook_event *get() const { return detail::live(handle_, "the WebhookEvent"); }

 private:
  friend WebhookEvent parse_webhook_event(const std::string &body);
  friend WebhookEvent parse_webhook_event(const std::string &body, const Cipher &cipher);
  explicit WebhookEvent(::faceauth_webhook_event *e) : handle_(e) {}
  detail::Handle<::faceauth_webhook_event, ::faceauth_webhook_event_free> handle_;
};

/// Parses a clear webhook body, typed (parse_webhook gives its JSON). An encrypted body throws
/// FACEAUTH_STATUS_WEBHOOK_KEY_REQUIRED.
inline WebhookEvent parse_webhook_event(const std::string &body) {
  ::faceauth_webhook_event *out = nullptr;
  detail::call([&](::faceauth_error **err) {
    return ::faceauth_webhook_parse_event(detail::c_str(body, "the webhook body"), nullptr, &out, err);
  });
  return WebhookEvent(out);
}

/// Parses a webhook body, typed, decrypting it with `cipher` when it is encrypted.
inline WebhookEvent parse_webhook_event(const std::string &body, const Cipher &cipher) {
  ::faceauth_webhook_event *out = nullptr;
  detail::call([&](::faceauth_error **err) {
    return ::faceauth_webhook_parse_event(detail::c_str(body, "the webhook body"), cipher.get(), &out, err);
  });
  return WebhookEvent(out);
}

/// A listing of results in progress (Client::list): next() returns the rows one by one, as
/// AuthRecord (json() for the row's JSON), fetching pages as needed; or iterate it:
/// `for (const faceauth::AuthRecord &row : client.list()) …`.
/// A page that fails to load throws from next() (or the iterator's ++), and the listing ends.
/// Thread safety: one thread at a time. It may outlive its Client.
class Records {
 public:
  /// The next row (as Client::get gives it), or std::nullopt at the end.
  std::optional<AuthRecord> next() {
    ::faceauth_auth_record *row = nullptr;
    detail::call([&](::faceauth_error **err) { return ::faceauth_records_next_record(get(), &row, err); });
    if (row == nullptr) {
      return std::nullopt;
    }
    return AuthRecord(row);
  }

  /// After the end: why rows may be missing (see faceauth_records_incomplete), or std::nullopt
  /// when every row was returned.
  std::optional<std::string> incomplete() const {
    const char *reason = ::faceauth_records_incomplete(get());
    return reason ? std::optional<std::string>(reason) : std::nullopt;
  }

  /// An input iterator over the remaining rows; each ++ may fetch a page (and throw).
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = AuthRecord;
    using difference_type = std::ptrdiff_t;
    using pointer = const AuthRecord *;
    using reference = const AuthRecord &;

    iterator() = default;
    explicit iterator(Records *listing) : listing_(listing) { ++*this; }
    reference operator*() const { return *row_; }
    pointer operator->() const { return &*row_; }
    iterator &operator++() {
      row_ = listing_ ? listing_->next() : std::nullopt;
      if (!row_) {
        listing_ = nullptr;
      }
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(const iterator &other) const { return listing_ == other.listing_; }
    bool operator!=(const iterator &other) const { return !(*this == other); }

   private:
    Records *listing_ = nullptr;
    std::optional<AuthRecord> row_;
  };

  /// Starts iterating: fetches the first row.
  iterator begin() { return iterator(this); }
  /// The end of the rows.
  iterator end() { return iterator(); }

  /// The C handle; still owned by this object.
  ::faceauth_records *get() const { return detail::live(handle_, "the Records"); }

 private:
  friend class Client;
  explicit Records(::faceauth_records *it) : handle_(it) {}
  detail::Handle<::faceauth_records, ::faceauth_records_free> handle_;
};

/// A client for the FaceAuth REST API of one project. Calls block, within the timeouts; a
/// refusal throws Error with the HTTP status (Error::http_status()).
/// Thread safety: every member is const; share one Client between threads.
class Client {
 public:
  /// A client with the project's API key (wiped when the client is freed) and `options`.
  explicit Client(const std::string &api_key, const ClientOptions &options = {})
      : on_attempt_(), handle_(), base_url_() {
    ::faceauth_client_options *raw = nullptr;
    detail::call([&](::faceauth_error **err) { return ::faceauth_client_options_new(&raw, err); });
    const detail::Handle<::faceauth_client_options, ::faceauth_client_options_free> opts(raw);
    if (options.base_url) {
      detail::call([&](::faceauth_error **err) {
        return ::faceauth_client_options_set_base_url(opts.get(), detail::c_str(options.base_url, "the base URL"),
                                                      err);
      });
    }
    const auto set = [&](auto setter, const std::optional<std::uint32_t> &value) {
      if (value) {
        detail::call([&](::faceauth_error **err) { return setter(opts.get(), *value, err); });
      }
    };
    set(::faceauth_client_options_set_timeout_ms, options.timeout_ms);
    set(::faceauth_client_options_set_connect_timeout_ms, options.connect_timeout_ms);
    set(::faceauth_client_options_set_max_retries, options.max_retries);
    const auto set_text = [&](auto setter, const std::optional<std::string> &value, const char *what) {
      if (value) {
        detail::call([&](::faceauth_error **err) { return setter(opts.get(), detail::c_str(value, what), err); });
      }
    };
    set_text(::faceauth_client_options_set_proxy, options.proxy, "the proxy URL");
    set_text(::faceauth_client_options_set_no_proxy, options.no_proxy, "the no-proxy hosts");
    set_text(::faceauth_client_options_set_ca_file, options.ca_file, "the CA file");
    set_text(::faceauth_client_options_set_user_agent_suffix, options.user_agent_suffix, "the user agent suffix");
    if (options.proxy_from_env) {
      detail::call([&](::faceauth_error **err) {
        return ::faceauth_client_options_set_proxy_from_env(opts.get(), *options.proxy_from_env, err);
      });
    }
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_client_options_set_platform_roots(opts.get(), options.platform_roots, err);
    });
    if (options.on_attempt) {
      on_attempt_ = std::make_shared<std::function<void(const Attempt &)>>(options.on_attempt);
      detail::call([&](::faceauth_error **err) {
        return ::faceauth_client_options_set_on_attempt(opts.get(), &Client::report_attempt, on_attempt_.get(), err);
      });
    }
    ::faceauth_client *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_client_new(detail::c_str(api_key, "the API key"), opts.get(), &out, err);
    });
    handle_.reset(out);
    if (options.base_url) {
      base_url_ = detail::redacted(*options.base_url);
    }
  }

  /// Compares a selfie (JPEG or PNG bytes) with an approved submission: the API's answer,
  /// approved or rejected (a rejection is not an exception); json() is the answer as received.
  AuthResult submit(const std::string &submission_id, const std::vector<std::uint8_t> &image,
                    const SubmitFields &fields = {}) const {
    ::faceauth_auth_result *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_client_submit_result(get(), detail::c_str(submission_id, "the submission id"),
                                             image.data(), image.size(), detail::c_str(fields.user_id, "user_id"),
                                             detail::c_str(fields.cf1, "cf1"), detail::c_str(fields.cf2, "cf2"),
                                             detail::c_str(fields.cf3, "cf3"), &out, err);
    });
    return AuthResult(out);
  }

  /// submit() with per-call options (a cancel handle, a deadline); the API's answer as JSON.
  std::string submit(const CallOptions &call, const std::string &submission_id,
                     const std::vector<std::uint8_t> &image, const SubmitFields &fields = {}) const {
    const auto opts = detail::call_options(call);
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_client_submit_with(get(), opts.get(), detail::c_str(submission_id, "the submission id"),
                                           image.data(), image.size(), detail::c_str(fields.user_id, "user_id"),
                                           detail::c_str(fields.cf1, "cf1"), detail::c_str(fields.cf2, "cf2"),
                                           detail::c_str(fields.cf3, "cf3"), out, err);
    });
  }

  /// One result; json() is what `faceauth auth get` prints.
  AuthRecord get(const std::string &auth_id) const {
    ::faceauth_auth_record *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_client_get_record(get(), detail::c_str(auth_id, "the auth id"), &out, err);
    });
    return AuthRecord(out);
  }

  /// get() with per-call options (a cancel handle, a deadline); the row as JSON.
  std::string get(const CallOptions &call, const std::string &auth_id) const {
    const auto opts = detail::call_options(call);
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_client_get_with(get(), opts.get(), detail::c_str(auth_id, "the auth id"), out, err);
    });
  }

  /// list() with per-call options, which bound every page (the deadline counts from here).
  Records list(const CallOptions &call, const std::optional<std::string> &start_date = std::nullopt,
               const std::optional<std::string> &end_date = std::nullopt, std::uint32_t count = 0) const {
    const auto opts = detail::call_options(call);
    ::faceauth_records *it = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_client_list_with(get(), opts.get(), detail::c_str(start_date, "the start date"),
                                         detail::c_str(end_date, "the end date"), count, &it, err);
    });
    return Records(it);
  }

  /// image() with per-call options (a cancel handle, a deadline).
  Image image(const CallOptions &call, const std::string &auth_id) const {
    const auto opts = detail::call_options(call);
    ::faceauth_buf buf{nullptr, 0};
    char *content_type = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_client_image_with(get(), opts.get(), detail::c_str(auth_id, "the auth id"), &buf,
                                          &content_type, err);
    });
    detail::OwnedString type(content_type);
    Image image;
    image.bytes = detail::take_buf(buf);
    image.content_type = type.get();
    return image;
  }

  /// delete_result() with per-call options (a cancel handle, a deadline).
  void delete_result(const CallOptions &call, const std::string &auth_id) const {
    const auto opts = detail::call_options(call);
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_client_delete_with(get(), opts.get(), detail::c_str(auth_id, "the auth id"), err);
    });
  }

  /// Every result (no dates), or those from `start_date` to `end_date` (yyyy-mm-dd, both or
  /// neither), newest first, in pages of `count` rows (0: the server's default).
  Records list(const std::optional<std::string> &start_date = std::nullopt,
               const std::optional<std::string> &end_date = std::nullopt, std::uint32_t count = 0) const {
    ::faceauth_records *it = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_client_list(get(), detail::c_str(start_date, "the start date"),
                                    detail::c_str(end_date, "the end date"), count, &it, err);
    });
    return Records(it);
  }

  /// The selfie of a result: its bytes (the library's copy is wiped) and content type.
  Image image(const std::string &auth_id) const {
    ::faceauth_buf buf{nullptr, 0};
    char *content_type = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_client_image(get(), detail::c_str(auth_id, "the auth id"), &buf, &content_type,
                                     err);
    });
    detail::OwnedString type(content_type);
    Image image;
    image.bytes = detail::take_buf(buf);
    image.content_type = type.get();
    return image;
  }

  /// Parses a clear webhook body and confirms it with Argos (a faceAuth result is fetched back
  /// by its id): the event's JSON with Argos's status, time and submission, "confirmed_by",
  /// "score" and "record". Throws FACEAUTH_STATUS_WEBHOOK_UNCONFIRMED, _MISMATCH or
  /// _UNVERIFIABLE when it is not confirmed, an API status when Argos cannot be asked.
  std::string confirm_webhook(const std::string &body) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_client_confirm_webhook(get(), detail::c_str(body, "the webhook body"), nullptr, out,
                                               err);
    });
  }

  /// The same for a body that may be encrypted with `cipher` (the webhook key).
  std::string confirm_webhook(const std::string &body, const Cipher &cipher) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_client_confirm_webhook(get(), detail::c_str(body, "the webhook body"), cipher.get(),
                                               out, err);
    });
  }

  /// Erases the image and personal data of a result.
  void delete_result(const std::string &auth_id) const {
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_client_delete(get(), detail::c_str(auth_id, "the auth id"), err);
    });
  }

  /// The C handle; still owned by this object.
  const ::faceauth_client *get() const { return detail::live(handle_, "the Client"); }

  /// Prints `faceauth::Client{base_url: "…"}` (base_url only when given, without its
  /// credentials): never the key.
  friend std::ostream &operator<<(std::ostream &os, const Client &c) {
    os << "faceauth::Client{";
    if (c.base_url_) {
      detail::quoted(os << "base_url: ", *c.base_url_);
    }
    return os << '}';
  }

 private:
  /// The C callback: copies the attempt and calls on_attempt, swallowing what it throws.
  static void report_attempt(const ::faceauth_attempt *a, void *user_data) noexcept {
    try {
      Attempt attempt;
      attempt.method = ::faceauth_attempt_method(a);
      attempt.route = ::faceauth_attempt_route(a);
      attempt.http_status = ::faceauth_attempt_http_status(a);
      attempt.error = ::faceauth_attempt_error(a);
      attempt.number = ::faceauth_attempt_number(a);
      attempt.duration = std::chrono::microseconds(::faceauth_attempt_duration_us(a));
      if (const char *id = ::faceauth_attempt_request_id(a)) {
        attempt.request_id = id;
      }
      (*static_cast<const std::function<void(const Attempt &)> *>(user_data))(attempt);
    } catch (...) {
      // A hook must not break the call, nor unwind into C.
    }
  }

  // Declared first: destroyed after the client that calls it.
  std::shared_ptr<std::function<void(const Attempt &)>> on_attempt_;
  detail::Handle<::faceauth_client, ::faceauth_client_free> handle_;
  std::optional<std::string> base_url_;  // redacted
};

/// The state of a token now. Unknown: a state a later version may add; a switch over it needs
/// a default.
enum class TokenState : int {
  Unknown = FACEAUTH_TOKEN_STATE_UNKNOWN,
  Unused = FACEAUTH_TOKEN_STATE_UNUSED,
  Active = FACEAUTH_TOKEN_STATE_ACTIVE,
  Completed = FACEAUTH_TOKEN_STATE_COMPLETED,
  Expired = FACEAUTH_TOKEN_STATE_EXPIRED,
};

/// What applying a webhook did. Unknown: an outcome a later version may add.
enum class OutcomeKind : int {
  Unknown = FACEAUTH_OUTCOME_KIND_UNKNOWN,
  Recorded = FACEAUTH_OUTCOME_KIND_RECORDED,
  UnknownToken = FACEAUTH_OUTCOME_KIND_UNKNOWN_TOKEN,
  NoToken = FACEAUTH_OUTCOME_KIND_NO_TOKEN,
  Refused = FACEAUTH_OUTCOME_KIND_REFUSED,
  Ignored = FACEAUTH_OUTCOME_KIND_IGNORED,
};

/// A token's state now and its record (Ledger::status, mark_used, list, an outcome's status),
/// typed, with json() (what `faceauth ledger status` prints). Times are milliseconds since the
/// Unix epoch (UTC). Copies share the C object (and the list or outcome it came from), which is
/// freed with the last of them; string_views are valid while one of them lives. Const members
/// may run from many threads at once.
class TokenStatus {
 public:
  /// Unused, Active, Completed or Expired.
  TokenState state() const { return static_cast<TokenState>(::faceauth_token_status_state(get())); }
  /// The token id.
  std::string_view token_id() const { return detail::view(::faceauth_token_status_token_id(get())); }
  /// The ID check submission it was issued for.
  std::string_view submission_id() const { return detail::view(::faceauth_token_status_submission_id(get())); }
  /// The user id given at issue, if any.
  std::optional<std::string_view> user_id() const {
    return detail::optional_view(::faceauth_token_status_user_id(get()));
  }
  /// "count" or "time:SECONDS".
  std::string_view rule() const { return detail::view(::faceauth_token_status_rule(get())); }
  /// When it was issued.
  std::int64_t issued_at_ms() const { return ::faceauth_token_status_issued_at_ms(get()); }
  /// Its first use, if it was used.
  std::optional<std::int64_t> first_used_at_ms() const {
    return detail::optional_value<std::int64_t>(get(), ::faceauth_token_status_first_used_at_ms);
  }
  /// Active: the first moment it is expired.
  std::optional<std::int64_t> until_ms() const {
    return detail::optional_value<std::int64_t>(get(), ::faceauth_token_status_until_ms);
  }
  /// Expired: when.
  std::optional<std::int64_t> expired_at_ms() const {
    return detail::optional_value<std::int64_t>(get(), ::faceauth_token_status_expired_at_ms);
  }
  /// Expired: "count", "time" or "reported".
  std::optional<std::string_view> expiry_reason() const {
    return detail::optional_view(::faceauth_token_status_expiry_reason(get()));
  }
  /// Completed: the auth id of the latest result, if the webhook carried one.
  std::optional<std::string_view> result_auth_id() const {
    return detail::optional_view(::faceauth_token_status_result_auth_id(get()));
  }
  /// Completed: the status of the latest result (Unknown otherwise, or when none was sent).
  AuthStatus result_status() const { return static_cast<AuthStatus>(::faceauth_token_status_result_status(get())); }
  /// Completed: whether the latest result was confirmed with Argos (Ledger::apply_confirmed).
  bool result_confirmed() const { return ::faceauth_token_status_result_confirmed(get()); }
  /// The status as JSON, as faceauth_ledger_status returns it.
  std::string json() const { return ::faceauth_token_status_json(get()); }

  /// The C object; owned by this object (or the list or outcome it came from).
  const ::faceauth_token_status *get() const {
    if (status_ == nullptr) {
      throw Error(FACEAUTH_STATUS_NULL_POINTER, "the TokenStatus is empty");
    }
    return status_;
  }

 private:
  friend class Ledger;
  friend class TokenStatusList;
  friend class WebhookOutcome;
  TokenStatus(std::shared_ptr<const void> owner, const ::faceauth_token_status *status)
      : owner_(std::move(owner)), status_(status) {}
  /// Takes a status the caller owns.
  explicit TokenStatus(::faceauth_token_status *owned)
      : owner_(owned, detail::Deleter<::faceauth_token_status_free>()), status_(owned) {}
  std::shared_ptr<const void> owner_;
  const ::faceauth_token_status *status_;
};

/// The tokens Ledger::list found, in order of issue: a range of TokenStatus, with json() (the
/// array `faceauth ledger list` prints, one element a line).
class TokenStatusList {
 public:
  /// How many tokens the filter admitted.
  std::size_t size() const noexcept { return items_.size(); }
  /// Whether it admitted none.
  bool empty() const noexcept { return items_.empty(); }
  /// The status of token `i` (0 ≤ i < size(), unchecked as for std::vector).
  const TokenStatus &operator[](std::size_t i) const { return items_[i]; }
  /// The first status, for a range-for.
  std::vector<TokenStatus>::const_iterator begin() const noexcept { return items_.begin(); }
  /// The end of the statuses.
  std::vector<TokenStatus>::const_iterator end() const noexcept { return items_.end(); }
  /// The JSON array faceauth_ledger_list returns.
  std::string json() const {
    if (!list_) {
      throw Error(FACEAUTH_STATUS_NULL_POINTER, "the TokenStatusList was moved from");
    }
    return ::faceauth_token_status_list_json(list_.get());
  }

 private:
  friend class Ledger;
  explicit TokenStatusList(::faceauth_token_status_list *list)
      : list_(list, detail::Deleter<::faceauth_token_status_list_free>()), items_() {
    for (std::size_t i = 0, n = ::faceauth_token_status_list_len(list); i < n; i++) {
      items_.push_back(TokenStatus(list_, ::faceauth_token_status_list_get(list, i)));
    }
  }
  std::shared_ptr<::faceauth_token_status_list> list_;
  std::vector<TokenStatus> items_;
};

/// What Ledger::apply_webhook or apply_confirmed did, typed, with json() (what `faceauth ledger
/// apply-webhook` prints). string_views are valid while this object lives.
class WebhookOutcome {
 public:
  /// Recorded, UnknownToken, NoToken, Refused or Ignored.
  OutcomeKind kind() const { return static_cast<OutcomeKind>(::faceauth_webhook_outcome_kind(get())); }
  /// The token the webhook named (Recorded, UnknownToken, Refused).
  std::optional<std::string_view> token_id() const {
    return detail::optional_view(::faceauth_webhook_outcome_token_id(get()));
  }
  /// Why nothing was recorded (Refused, Ignored).
  std::optional<std::string_view> reason() const {
    return detail::optional_view(::faceauth_webhook_outcome_reason(get()));
  }
  /// Recorded: the token's status afterwards.
  std::optional<TokenStatus> status() const {
    const ::faceauth_token_status *s = ::faceauth_webhook_outcome_status(get());
    return s ? std::optional<TokenStatus>(TokenStatus(outcome_, s)) : std::nullopt;
  }
  /// The outcome as JSON, as faceauth_ledger_apply_webhook returns it.
  std::string json() const { return ::faceauth_webhook_outcome_json(get()); }

  /// The C handle; still owned by this object.
  const ::faceauth_webhook_outcome *get() const {
    if (!outcome_) {
      throw Error(FACEAUTH_STATUS_NULL_POINTER, "the WebhookOutcome was moved from");
    }
    return outcome_.get();
  }

 private:
  friend class Ledger;
  explicit WebhookOutcome(::faceauth_webhook_outcome *o)
      : outcome_(o, detail::Deleter<::faceauth_webhook_outcome_free>()) {}
  std::shared_ptr<::faceauth_webhook_outcome> outcome_;
};

/// A link Ledger::issue_url issued: url() to hand the user, token_id() to look it up later,
/// rule(), and json() (what `faceauth ledger issue` prints). string_views are valid while this
/// object lives. Move-only.
class IssuedLink {
 public:
  /// The URL to hand the user.
  std::string_view url() const { return detail::view(::faceauth_issued_link_url(get())); }
  /// The token minted for it ("tok_…").
  std::string_view token_id() const { return detail::view(::faceauth_issued_link_token_id(get())); }
  /// "count" or "time:SECONDS".
  std::string_view rule() const { return detail::view(::faceauth_issued_link_rule(get())); }
  /// {"url", "token", "rule"}, as faceauth_ledger_issue_url returns it.
  std::string json() const { return ::faceauth_issued_link_json(get()); }

  /// The C handle; still owned by this object.
  const ::faceauth_issued_link *get() const { return detail::live(handle_, "the IssuedLink"); }

 private:
  friend class Ledger;
  explicit IssuedLink(::faceauth_issued_link *link) : handle_(link) {}
  detail::Handle<::faceauth_issued_link, ::faceauth_issued_link_free> handle_;
};

/// A token ledger: ":memory:" or the path of an SQLite file (created if missing). Links,
/// statuses and outcomes are typed (IssuedLink, TokenStatus, WebhookOutcome), their json() the
/// JSON `faceauth ledger …` prints.
/// Thread safety: every member is const; share one Ledger between threads.
class Ledger {
 public:
  /// Opens the ledger at `location` (":memory:", an SQLite file's path, created if missing, or a
  /// "postgres://…" URL), as faceauth_ledger_open does.
  explicit Ledger(const std::string &location) : handle_(), location_() {
    ::faceauth_ledger *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_ledger_open(detail::c_str(location, "the location"), &out, err);
    });
    handle_.reset(out);
    location_ = detail::redacted(location);
  }

  /// Mints a token, records it and returns the link (url(), token_id(), rule(); json() is
  /// {"url", "token", "rule"}). `rule`: "count" or "time:SECONDS"; `p.token` must be empty;
  /// `meta_json`: a flat JSON object of strings.
  IssuedLink issue_url(const UrlBuilder &builder, const std::string &rule, const AuthParams &p,
                       const std::optional<std::string> &meta_json = std::nullopt) const {
    const detail::OwnedParams c = detail::c_params(p);
    ::faceauth_issued_link *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_ledger_issue_link(get(), builder.get(), detail::c_str(rule, "the rule"), c.get(),
                                          detail::c_str(meta_json, "the metadata"), &out, err);
    });
    return IssuedLink(out);
  }

  /// A token's state and record; FACEAUTH_STATUS_TOKEN_UNKNOWN when the ledger lacks it.
  TokenStatus status(const std::string &token_id) const {
    ::faceauth_token_status *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_ledger_get_status(get(), detail::c_str(token_id, "the token id"), &out, err);
    });
    return TokenStatus(out);
  }

  /// Records a use now; returns the status afterwards.
  TokenStatus mark_used(const std::string &token_id) const {
    ::faceauth_token_status *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_ledger_mark_used_status(get(), detail::c_str(token_id, "the token id"), &out, err);
    });
    return TokenStatus(out);
  }

  /// Applies a clear webhook body as posted: kind() Recorded (status() the token's afterwards),
  /// UnknownToken, NoToken or Ignored. Nothing proves a body came from Argos: prefer
  /// apply_confirmed.
  WebhookOutcome apply_webhook(const std::string &body) const { return apply(body, nullptr); }

  /// Applies a webhook body, decrypting it with `cipher` when it is encrypted.
  WebhookOutcome apply_webhook(const std::string &body, const Cipher &cipher) const {
    return apply(body, cipher.get());
  }

  /// Confirms a webhook body with Argos through `client`, then records it (the result marked
  /// confirmed), only for a token of the submission Argos names: else kind() Refused.
  WebhookOutcome apply_confirmed(const Client &client, const std::string &body) const {
    return confirm(client, body, nullptr);
  }

  /// The same for a body that may be encrypted with `cipher` (the webhook key).
  WebhookOutcome apply_confirmed(const Client &client, const std::string &body, const Cipher &cipher) const {
    return confirm(client, body, cipher.get());
  }

  /// The tokens a filter admits, with their statuses. `filter_json`: {"state", "submission",
  /// "since", "until", "limit"} (any of them), or none for every token.
  TokenStatusList list(const std::optional<std::string> &filter_json = std::nullopt) const {
    ::faceauth_token_status_list *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_ledger_list_statuses(get(), detail::c_str(filter_json, "the filter"), &out, err);
    });
    return TokenStatusList(out);
  }

  /// Deletes every token issued more than `older_than_seconds` ago; returns how many.
  std::uint64_t purge(std::int64_t older_than_seconds) const {
    std::uint64_t count = 0;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_ledger_purge(get(), older_than_seconds, &count, err);
    });
    return count;
  }

  /// The C handle; still owned by this object.
  const ::faceauth_ledger *get() const { return detail::live(handle_, "the Ledger"); }

  /// Prints `faceauth::Ledger{location: "…"}`, a PostgreSQL password replaced by <redacted>.
  friend std::ostream &operator<<(std::ostream &os, const Ledger &l) {
    return detail::quoted(os << "faceauth::Ledger{location: ", l.location_) << '}';
  }

 private:
  WebhookOutcome apply(const std::string &body, const ::faceauth_cipher *cipher) const {
    ::faceauth_webhook_outcome *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_ledger_apply_webhook_outcome(get(), detail::c_str(body, "the webhook body"), cipher, &out,
                                                     err);
    });
    return WebhookOutcome(out);
  }

  WebhookOutcome confirm(const Client &client, const std::string &body, const ::faceauth_cipher *cipher) const {
    ::faceauth_webhook_outcome *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_ledger_apply_confirmed_outcome(get(), client.get(), detail::c_str(body, "the webhook body"),
                                                       cipher, &out, err);
    });
    return WebhookOutcome(out);
  }

  detail::Handle<::faceauth_ledger, ::faceauth_ledger_free> handle_;
  std::string location_;  // redacted
};

/// The FaceAuth simulator in this process, for tests: the REST API, the hosted page, token
/// rules and webhooks on a free loopback port, with no `faceauth` command. `config_json` takes
/// the fields of a `faceauth mock --seed` file (see faceauth_simulator_start): "api_key",
/// "project_id", "token_rule" ("count", "time:SECONDS", "off"), "webhook_url", "webhook_key",
/// "submissions", "now", "faults"…; an unknown field throws FACEAUTH_STATUS_INVALID_ARGUMENT.
/// The destructor stops it and joins its threads. Results are JSON text.
/// Thread safety: every member is const; share one Simulator between threads.
class Simulator {
 public:
  /// Starts a simulator from `config_json` (every default: "{}"); it serves at once.
  explicit Simulator(const std::string &config_json = "{}") : handle_() {
    ::faceauth_simulator *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_simulator_start(detail::c_str(config_json, "the configuration"), &out, err);
    });
    handle_.reset(out);
  }

  /// "http://127.0.0.1:PORT": the base URL of a Client and of a UrlBuilder's links at once.
  std::string base_url() const { return ::faceauth_simulator_base_url(get()); }

  /// Adds (or replaces) an ID check submission; only "approved" ones can be re-authenticated.
  void add_submission(const std::string &id, const std::string &status = "approved") const {
    const std::string body = "{\"id\":" + json_string(id) + ",\"status\":" + json_string(status) + "}";
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_simulator_add_submission(get(), detail::c_str(body, "the submission"), err);
    });
  }

  /// Creates results at once: `results_json` is {"count": N, "submission_id", "auth_status",
  /// "start", "step_seconds"}. Returns how many were made.
  std::uint64_t add_results(const std::string &results_json) const {
    std::uint64_t created = 0;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_simulator_add_results(get(), detail::c_str(results_json, "the results"), &created,
                                              err);
    });
    return created;
  }

  /// Opens a link of this simulator as the user's browser would: {"status": 200, "json":
  /// {"auth_id", "auth_status"}}, or an error status (410: a spent token) with {"error"}.
  /// `result`: "approved" or "rejected" (the face does not match).
  std::string open(const std::string &url, const std::optional<std::string> &result = std::nullopt) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_simulator_open(get(), detail::c_str(url, "the URL"), detail::c_str(result, "the result"),
                                       out, err);
    });
  }

  /// Every webhook sent, oldest first, as a JSON array of the bodies a receiver got.
  std::string webhooks() const {
    return detail::call_string(
        [&](char **out, ::faceauth_error **err) { return ::faceauth_simulator_webhooks(get(), out, err); });
  }

  /// Moves the mock clock by `seconds` (negative: back); returns the new time (RFC 3339).
  std::string advance_clock(double seconds) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_simulator_advance_clock(get(), seconds, out, err);
    });
  }

  /// Changes fault injection (Python's names: "latency_ms", "error_rate", "drop_rate", "seed",
  /// "fail_next", "fail_status", "drop_next", "lose_next"); returns every setting as JSON.
  std::string faults(const std::optional<std::string> &faults_json = std::nullopt) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_simulator_faults(get(), detail::c_str(faults_json, "the faults"), out, err);
    });
  }

  /// A report as JSON: "requests" (counts by route), "state" (never its keys) or "clock".
  std::string report(const std::string &what) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_simulator_report(get(), detail::c_str(what, "the report"), out, err);
    });
  }

  /// Stops serving and joins the threads (the destructor does it too); later calls throw.
  void stop() const { ::faceauth_simulator_stop(get()); }

  /// The C handle; still owned by this object.
  const ::faceauth_simulator *get() const { return detail::live(handle_, "the Simulator"); }

  /// Prints `faceauth::Simulator{base_url: "…"}`: never its keys.
  friend std::ostream &operator<<(std::ostream &os, const Simulator &s) {
    os << "faceauth::Simulator{";
    if (s.handle_) {
      detail::quoted(os << "base_url: ", ::faceauth_simulator_base_url(s.handle_.get()));
    }
    return os << '}';
  }

 private:
  /// `text` as a JSON string literal.
  static std::string json_string(const std::string &text) {
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (const char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += ch;
      } else if (c < 0x20) {
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
      } else {
        out += ch;
      }
    }
    return out + "\"";
  }

  detail::Handle<::faceauth_simulator, ::faceauth_simulator_free> handle_;
};

}  // namespace faceauth

#endif /* FACEAUTH_HPP */
