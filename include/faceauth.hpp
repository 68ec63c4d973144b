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
 *   fields are std::optional<std::string>. Records, reports and events are JSON text, the same
 *   JSON the `faceauth` command prints: parse them with the JSON library you already use.
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
  AuthParams(const char *sid_)  // NOLINT(google-explicit-constructor)
      : AuthParams(std::string(sid_ ? sid_ : "")) {}

  AuthParams &with_user_id(std::string v) { user_id = std::move(v); return *this; }
  AuthParams &with_cf1(std::string v) { cf1 = std::move(v); return *this; }
  AuthParams &with_cf2(std::string v) { cf2 = std::move(v); return *this; }
  AuthParams &with_cf3(std::string v) { cf3 = std::move(v); return *this; }
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
  const Cancel *cancel = nullptr;
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
  std::optional<std::string> user_id;
  std::optional<std::string> cf1;
  std::optional<std::string> cf2;
  std::optional<std::string> cf3;
};

/// A selfie fetched by Client::image: its bytes and the content type read from them.
struct Image {
  std::vector<std::uint8_t> bytes;
  /// "image/jpeg", "image/png", … or "application/octet-stream".
  std::string content_type;
};

/// A listing of results in progress (Client::list): next() returns the rows one by one, as JSON,
/// fetching pages as needed; or iterate it: `for (const std::string &row : client.list()) …`.
/// A page that fails to load throws from next() (or the iterator's ++), and the listing ends.
/// Thread safety: one thread at a time. It may outlive its Client.
class Records {
 public:
  /// The next row (the JSON of Client::get), or std::nullopt at the end.
  std::optional<std::string> next() {
    char *row = nullptr;
    detail::call([&](::faceauth_error **err) { return ::faceauth_records_next(get(), &row, err); });
    if (row == nullptr) {
      return std::nullopt;
    }
    return detail::take(row);
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
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string *;
    using reference = const std::string &;

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
    std::optional<std::string> row_;
  };

  /// Starts iterating: fetches the first row.
  iterator begin() { return iterator(this); }
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

  /// Compares a selfie (JPEG or PNG bytes) with an approved submission: the API's answer as
  /// JSON, approved or rejected (a rejection is not an exception).
  std::string submit(const std::string &submission_id, const std::vector<std::uint8_t> &image,
                     const SubmitFields &fields = {}) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_client_submit(get(), detail::c_str(submission_id, "the submission id"),
                                      image.data(), image.size(), detail::c_str(fields.user_id, "user_id"),
                                      detail::c_str(fields.cf1, "cf1"), detail::c_str(fields.cf2, "cf2"),
                                      detail::c_str(fields.cf3, "cf3"), out, err);
    });
  }

  /// submit() with per-call options (a cancel handle, a deadline).
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

  /// One result, as JSON (`faceauth auth get`).
  std::string get(const std::string &auth_id) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_client_get(get(), detail::c_str(auth_id, "the auth id"), out, err);
    });
  }

  /// get() with per-call options (a cancel handle, a deadline).
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

/// A token ledger: ":memory:" or the path of an SQLite file (created if missing). Results are
/// the JSON `faceauth ledger …` prints.
/// Thread safety: every member is const; share one Ledger between threads.
class Ledger {
 public:
  explicit Ledger(const std::string &location) : handle_(), location_() {
    ::faceauth_ledger *out = nullptr;
    detail::call([&](::faceauth_error **err) {
      return ::faceauth_ledger_open(detail::c_str(location, "the location"), &out, err);
    });
    handle_.reset(out);
    location_ = detail::redacted(location);
  }

  /// Mints a token, records it and returns {"url", "token", "rule"}. `rule`: "count" or
  /// "time:SECONDS"; `p.token` must be empty; `meta_json`: a flat JSON object of strings.
  std::string issue_url(const UrlBuilder &builder, const std::string &rule, const AuthParams &p,
                        const std::optional<std::string> &meta_json = std::nullopt) const {
    const detail::OwnedParams c = detail::c_params(p);
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_ledger_issue_url(get(), builder.get(), detail::c_str(rule, "the rule"), c.get(),
                                         detail::c_str(meta_json, "the metadata"), out, err);
    });
  }

  /// A token's state and record; FACEAUTH_STATUS_TOKEN_UNKNOWN when the ledger lacks it.
  std::string status(const std::string &token_id) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_ledger_status(get(), detail::c_str(token_id, "the token id"), out, err);
    });
  }

  /// Records a use now; returns the status afterwards.
  std::string mark_used(const std::string &token_id) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_ledger_mark_used(get(), detail::c_str(token_id, "the token id"), out, err);
    });
  }

  /// Applies a clear webhook body as posted: {"outcome": "recorded" | "unknown_token" |
  /// "no_token" | "ignored", …}. Nothing proves a body came from Argos: prefer apply_confirmed.
  std::string apply_webhook(const std::string &body) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_ledger_apply_webhook(get(), detail::c_str(body, "the webhook body"), nullptr, out,
                                             err);
    });
  }

  /// Applies a webhook body, decrypting it with `cipher` when it is encrypted.
  std::string apply_webhook(const std::string &body, const Cipher &cipher) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_ledger_apply_webhook(get(), detail::c_str(body, "the webhook body"), cipher.get(),
                                             out, err);
    });
  }

  /// Confirms a webhook body with Argos through `client`, then records it (the result marked
  /// "confirmed"), only for a token of the submission Argos names: else {"outcome": "refused"}.
  std::string apply_confirmed(const Client &client, const std::string &body) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_ledger_apply_confirmed(get(), client.get(), detail::c_str(body, "the webhook body"),
                                               nullptr, out, err);
    });
  }

  /// The same for a body that may be encrypted with `cipher` (the webhook key).
  std::string apply_confirmed(const Client &client, const std::string &body, const Cipher &cipher) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_ledger_apply_confirmed(get(), client.get(), detail::c_str(body, "the webhook body"),
                                               cipher.get(), out, err);
    });
  }

  /// The tokens a filter admits, as a JSON array of statuses. `filter_json`: {"state",
  /// "submission", "since", "until", "limit"} (any of them), or none for every token.
  std::string list(const std::optional<std::string> &filter_json = std::nullopt) const {
    return detail::call_string([&](char **out, ::faceauth_error **err) {
      return ::faceauth_ledger_list(get(), detail::c_str(filter_json, "the filter"), out, err);
    });
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
