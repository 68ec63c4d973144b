//! FaceAuth URLs: built, percent-encoded, validated, and read back.

use faceauth::crypto::{Cipher, CryptoError, Key, Scheme, Variant};
use faceauth::url::{inspect, AuthParams, UrlBuilder, UrlError};
use faceauth::ErrorKind;
use proptest::prelude::*;

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";

fn builder(scheme: Scheme) -> UrlBuilder {
    UrlBuilder::new("pid-1", &Key::derive(KEY).expect("key"), scheme).expect("builder")
}

#[test]
fn the_spec_reference_url() {
    let params = AuthParams::new("abc123xyz").user_id("user-1").token("tok_abc12345");
    let url = builder(Scheme::Ecb).build(&params).expect("builds");
    assert_eq!(
        url,
        "https://form.argosidentity.com/face-auth?pid=pid-1&encrypted=\
         Xvg7uxPli%2FO9VuUW0jaEfCW8iRefWOY6DTH9eqQuWVdcOAJuFcKlHSxqds6WHAJCXtdicWVYGEnRpaFqAcrvXNLZYkpCg04dO4YFimGWuF8%3D"
    );
}

#[test]
fn only_pid_encrypted_and_lang_travel_in_clear() {
    let params =
        AuthParams::new("sub_secret").user_id("user-secret").cf1("mail@example.com").token("tok_12345678");
    for scheme in Scheme::ALL {
        let links = builder(scheme).lang("ko").expect("lang");
        let url = links.build(&params).expect("builds");
        let query = url.split_once('?').expect("query").1;
        let names: Vec<&str> = query.split('&').map(|p| p.split('=').next().unwrap_or("")).collect();
        assert_eq!(names, ["pid", "encrypted", "lang"], "{url}");
        for secret in ["sub_secret", "user-secret", "mail", "tok_"] {
            assert!(!url.contains(secret), "{secret} leaked into {url}");
        }
        // Percent-encoded base64 leaves only unreserved characters and %XX.
        assert!(query.bytes().all(|b| b.is_ascii_alphanumeric() || b"%&=-._~".contains(&b)), "{url}");

        let back = inspect(&url, links.cipher()).expect("inspects");
        assert_eq!(back.params, params);
        assert_eq!((back.pid.as_str(), back.lang.as_deref()), ("pid-1", Some("ko")));
        assert_eq!(back.base_url, "https://form.argosidentity.com");
        assert!(back.unknown_fields.is_empty());
        assert!(back.normalization.is_empty());
    }
}

#[test]
fn base_url_and_pid_are_validated_and_encoded() {
    let key = Key::derive(KEY).expect("key");
    let links = UrlBuilder::new("p 1&x", &key, Scheme::Ecb)
        .and_then(|b| b.base_url("http://127.0.0.1:8080/argos/"))
        .expect("builder");
    let url = links.build(&AuthParams::new("s")).expect("builds");
    assert!(url.starts_with("http://127.0.0.1:8080/argos/face-auth?pid=p%201%26x&encrypted="), "{url}");
    let back = inspect(&url, links.cipher()).expect("inspects");
    assert_eq!((back.pid.as_str(), back.base_url.as_str()), ("p 1&x", "http://127.0.0.1:8080/argos"));

    for bad in [
        "ftp://x",
        "form.argosidentity.com",
        "https://",
        "https:///path",
        "https://a b",
        "https://a?x=1",
        "https://a#f",
    ] {
        let err = builder(Scheme::Ecb).base_url(bad).expect_err(bad);
        assert!(matches!(err, UrlError::InvalidBaseUrl { .. }), "{bad}: {err}");
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
    assert_eq!(UrlBuilder::new("", &key, Scheme::Ecb).err(), Some(UrlError::EmptyField { field: "pid" }));
    assert_eq!(
        UrlBuilder::new("p\n", &key, Scheme::Ecb).err(),
        Some(UrlError::ControlCharacter { field: "pid", position: 1 })
    );
    for bad in ["", "k o", "ko&x=1", &"a".repeat(36)] {
        assert_eq!(builder(Scheme::Ecb).lang(bad).err(), Some(UrlError::InvalidLang), "{bad:?}");
    }
}

#[test]
fn bad_parameters_build_nothing() {
    let links = builder(Scheme::Ecb);
    let mut out = String::from("kept");
    let cases = [
        (AuthParams::new(""), ErrorKind::InvalidArgument),
        (AuthParams::new("s").cf3("line\nbreak"), ErrorKind::InvalidArgument),
        (AuthParams::new("s").token("short"), ErrorKind::InvalidToken),
        (AuthParams::new("s").token("-starts-with-dash"), ErrorKind::InvalidToken),
    ];
    for (params, kind) in cases {
        let err = links.build_to(&params, &mut out).expect_err("rejected");
        assert_eq!(err.kind(), kind, "{err}");
        assert_eq!(out, "kept");
    }
}

#[test]
fn inspect_reports_what_is_wrong() {
    let links = builder(Scheme::Ecb);
    let url = links.build(&AuthParams::new("s")).expect("builds");
    let cipher = links.cipher();
    let not_url = |r: Result<_, UrlError>| matches!(r, Err(UrlError::NotFaceAuthUrl { .. }));

    assert!(not_url(inspect("https://form.argosidentity.com/face-auth?pid=p", cipher)));
    assert!(not_url(inspect("https://form.argosidentity.com/face-auth?encrypted=abc", cipher)));
    assert!(not_url(inspect("https://x/face-auth?pid=p&encrypted=%FF%FE", cipher)));
    assert!(not_url(inspect("", cipher)));

    // The same URL under another key or scheme fails as decryption, not as a URL problem.
    let other = Cipher::new(&Key::derive("another key").expect("key"), Scheme::Ecb);
    assert_eq!(inspect(&url, &other).err(), Some(UrlError::Crypto(CryptoError::BadPadding)));
    let gcm = Cipher::new(&Key::derive(KEY).expect("key"), Scheme::Gcm);
    let err = inspect(&url, &gcm).expect_err("an ecb link under gcm");
    assert_eq!(err, UrlError::WrongScheme { used: Variant::GcmNonceCtTag, made_with: Variant::EcbSha256 });

    // Decrypts, but not to a FaceAuth payload.
    for payload in ["[1,2]", "not json", r#"{"authUserId":"u"}"#, r#"{"sid":5}"#] {
        let sealed = cipher.encrypt(payload).expect("encrypts");
        let url = format!("https://x/face-auth?pid=p&encrypted={}", sealed.replace('+', "%2B"));
        let err = inspect(&url, cipher).expect_err(payload);
        assert_eq!(err.kind(), ErrorKind::InvalidPayload, "{payload}: {err}");
    }
}

#[test]
fn inspect_names_the_scheme_a_link_was_made_with() {
    let params = AuthParams::new("sub-1").user_id("u-1");
    for made in Scheme::ALL {
        let url = builder(made).build(&params).expect("builds");
        for used in Scheme::ALL.into_iter().filter(|s| *s != made) {
            let cipher = Cipher::new(&Key::derive(KEY).expect("key"), used);
            let err = inspect(&url, &cipher).expect_err("a wrong scheme");
            assert_eq!(err, UrlError::WrongScheme { used: used.variant(), made_with: made.variant() });
            // The kind a wrong key gives the scheme used, as the C header promises.
            let kind = if used == Scheme::Gcm { ErrorKind::TagMismatch } else { ErrorKind::BadPadding };
            assert_eq!(err.kind(), kind, "{made:?} under {used:?}");
            let text = err.to_string();
            assert!(text.contains(&format!("made with {}, not {}", made.name(), used.name())), "{text}");
        }
    }
    // A non-default variant is named by its id.
    let key = Key::derive(KEY).expect("key");
    let sealed = Cipher::with_variant(&key, Variant::CbcZeroIv)
        .encrypt(r#"{"sid":"sub-1","authUserId":"user-1"}"#)
        .expect("encrypts");
    let url = format!("https://x/face-auth?pid=p&encrypted={}", sealed.replace('+', "%2B"));
    let err = inspect(&url, &Cipher::new(&key, Scheme::Gcm)).expect_err("a wrong scheme");
    assert!(err.to_string().contains("made with cbc-zeroiv, not gcm"), "{err}");
    // A wrong key is still a plain decryption failure.
    let other = Cipher::new(&Key::derive("another key").expect("key"), Scheme::Gcm);
    let url = builder(Scheme::Ecb).build(&params).expect("builds");
    assert!(matches!(inspect(&url, &other), Err(UrlError::Crypto(_))));
}

#[test]
fn inspect_is_lenient_where_it_is_safe() {
    let cipher = Cipher::new(&Key::derive(KEY).expect("key"), Scheme::Ecb);
    let sealed = cipher.encrypt(r#"{"sid":"s1","extraKey":true,"authCf2":null}"#).expect("encrypts");
    assert!(sealed.contains('+'), "pick a payload whose base64 has a '+': {sealed}");
    // Unencoded '+', or '+' turned into a space, a bare query string, a fragment, reordered params.
    for url in [
        format!("https://x/face-auth?encrypted={sealed}&pid=p#frag"),
        format!("pid=p&encrypted={}", sealed.replace('+', " ")),
        format!("https://x/face-auth?pid=p&pid=ignored&other=1&encrypted={}", sealed.replace('/', "%2f")),
    ] {
        let back = inspect(&url, &cipher).expect(&url);
        assert_eq!(back.pid, "p");
        assert_eq!(back.params, AuthParams::new("s1"));
        let unknown: Vec<_> =
            back.unknown_fields.iter().map(|f| (f.name.as_str(), f.json.as_str())).collect();
        assert_eq!(unknown, [("extraKey", "true")]);
    }
}

#[test]
fn inspect_reads_the_ciphertext_as_decrypt_does() {
    let cipher = Cipher::new(&Key::derive(KEY).expect("key"), Scheme::Ecb);
    let long = format!(r#"{{"sid":"s1","authCf1":"{}"}}"#, "x".repeat(150));
    let sealed = (0..)
        .map(|i| cipher.encrypt(&long.replace("s1", &format!("s{i}"))).expect("encrypts"))
        .find(|s| s.contains('+'))
        .expect("some ciphertext has a '+'");
    // Wrapped at 76 columns (CRLF), then every '+' turned into a space by a form decoder.
    let wrapped: Vec<&str> =
        (0..sealed.len()).step_by(76).map(|i| &sealed[i..(i + 76).min(sealed.len())]).collect();
    let mangled = wrapped.join("\r\n").replace('+', " ");
    let back = inspect(&format!("pid=p&encrypted={mangled}"), &cipher).expect("inspects");
    assert_eq!(back.params.cf1.as_deref(), Some("x".repeat(150).as_str()));
    assert!(back.normalization.spaces_as_plus && back.normalization.whitespace_removed);
    assert!(!back.normalization.percent_decoded, "URL decoding is not a normalization");
    // A URL percent-encoded twice: the second round of escapes is decoded too, and said.
    let twice = sealed.replace('+', "%252B").replace('/', "%252F").replace('=', "%253D");
    let back = inspect(&format!("pid=p&encrypted={twice}"), &cipher).expect("inspects");
    assert_eq!(back.params.cf1.as_deref(), Some("x".repeat(150).as_str()));
    assert!(back.normalization.percent_decoded && !back.normalization.spaces_as_plus);
    // The same text through Cipher::decrypt, and through diagnose.
    assert!(cipher.decrypt(&mangled).is_ok());
    let report = faceauth::crypto::diagnose(&mangled, KEY).expect("readable");
    assert_eq!(report.best(), Some(Variant::EcbSha256));
}

#[test]
fn inspect_keeps_unknown_fields_apart_and_exact() {
    let cipher = Cipher::new(&Key::derive(KEY).expect("key"), Scheme::Ecb);
    let payload = r#"{"sid":"x","n":12345678901234567890123,"f":0.10000000000000000000001,"o":{"k":[1,2]},"token":null,"n":-1e400}"#;
    let sealed = cipher.encrypt(payload).expect("encrypts");
    let url = format!("https://x/face-auth?pid=p&encrypted={}", sealed.replace('+', "%2B"));
    let back = inspect(&url, &cipher).expect("inspects");
    assert_eq!(back.params, AuthParams::new("x"));
    let unknown: Vec<_> = back.unknown_fields.iter().map(|f| (f.name.as_str(), f.json.as_str())).collect();
    // A repeated key keeps its first place and its last value, digits as sent.
    assert_eq!(unknown, [("n", "-1e400"), ("f", "0.10000000000000000000001"), ("o", r#"{"k":[1,2]}"#)]);
    assert_eq!(back.unknown_fields[2].value(), serde_json::json!({"k": [1, 2]}));

    let sealed = cipher.encrypt(r#"{"sid":"x","n":12345678901234567890123}"#).expect("encrypts");
    let back =
        inspect(&format!("pid=p&encrypted={}", sealed.replace('+', "%2B")), &cipher).expect("inspects");
    assert_eq!(back.unknown_fields[0].json, "12345678901234567890123");
}

#[test]
fn every_variant_builds_urls_that_inspect_back() {
    let params = AuthParams::new("sub-1").user_id("ü-1").cf1("a&b=c d+e/f").token("tok_abcdefgh");
    for variant in Variant::ALL {
        let cipher = Cipher::from_key_string(KEY, variant).expect("key");
        let links = UrlBuilder::with_cipher("pid", cipher).expect("builder");
        let url = links.build(&params).expect("builds");
        assert_eq!(inspect(&url, links.cipher()).expect("inspects").params, params, "{variant}");
    }
}

proptest! {
    #[test]
    fn any_valid_params_round_trip(
        sid in "[^\\p{Cc}]{1,40}",
        user in proptest::option::of("[^\\p{Cc}]{1,40}"),
        cf1 in proptest::option::of("[^\\p{Cc}]{1,40}"),
        token in proptest::option::of("[A-Za-z0-9][A-Za-z0-9._-]{6,62}[A-Za-z0-9]"),
    ) {
        let params = AuthParams { sid: sid.into(), user_id: user.map(Into::into), cf1: cf1.map(Into::into), token: token.map(Into::into), ..AuthParams::default() };
        let links = builder(Scheme::Ecb);
        let url = links.build(&params).expect("valid params build");
        prop_assert_eq!(inspect(&url, links.cipher()).expect("inspects").params, params);
    }

    #[test]
    fn inspect_never_panics(text in ".{0,200}") {
        let links = builder(Scheme::Gcm);
        let _ = inspect(&text, links.cipher());
        let _ = inspect(&format!("https://x/face-auth?pid=p&encrypted={text}"), links.cipher());
    }
}

/// The URL written the plain way, with none of the builder's shortcuts: `serde_json` for the
/// values, `AuthParams::validate` for the checks, the `ecb`/`aes` crates, the `base64` crate and
/// `percent-encoding` (RFC 3986 unreserved kept).
fn reference_ecb_url(params: &AuthParams<'_>, lang: Option<&str>) -> Result<String, UrlError> {
    use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyInit};
    use base64::Engine;
    params.validate()?;
    let mut json = String::from("{");
    for (key, value) in params.fields() {
        let Some(value) = value else { continue };
        if json.len() > 1 {
            json.push(',');
        }
        json.push_str(&format!("\"{key}\":{}", serde_json::to_string(value).expect("a string")));
    }
    json.push('}');
    use sha2::Digest;
    let key: [u8; 32] = sha2::Sha256::digest(KEY.as_bytes()).into();
    let sealed =
        ecb::Encryptor::<aes::Aes256>::new(&key.into()).encrypt_padded_vec_mut::<Pkcs7>(json.as_bytes());
    const UNRESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    let text = base64::engine::general_purpose::STANDARD.encode(sealed);
    let mut url = format!(
        "https://form.argosidentity.com/face-auth?pid=pid-1&encrypted={}",
        percent_encoding::utf8_percent_encode(&text, UNRESERVED)
    );
    if let Some(lang) = lang {
        url.push_str(&format!("&lang={lang}"));
    }
    Ok(url)
}

/// Values that need JSON escapes (quotes, backslashes, non-ASCII, U+00A0–U+00BF whose UTF-8
/// starts with 0xC2 as the C1 controls' does), control characters (refused), and lengths around
/// the 8-byte words the fast path copies, up to payloads past its stack buffers (onto the heap path).
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_-]{1,20}",
        "[ -~]{0,40}",
        "[\"\\\\/a\u{a0}-\u{bf}é한🔑 ]{1,24}",
        ".{0,12}",
        "[a-z\u{0}-\u{1f}\u{7f}\u{80}-\u{9f}]{1,10}",
        "[a-z]{60,200}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn the_fast_path_writes_what_the_plain_recipe_writes(
        sid in field(),
        user in proptest::option::of(field()),
        cf in proptest::collection::vec(proptest::option::of(field()), 3),
        token in proptest::option::of(prop_oneof!["[A-Za-z0-9][A-Za-z0-9._-]{6,62}[A-Za-z0-9]", field()]),
        lang in proptest::option::of("[a-z]{2}"),
    ) {
        let params = AuthParams {
            sid: sid.into(),
            user_id: user.map(Into::into),
            cf1: cf[0].clone().map(Into::into),
            cf2: cf[1].clone().map(Into::into),
            cf3: cf[2].clone().map(Into::into),
            token: token.map(Into::into),
        };
        let mut links = builder(Scheme::Ecb);
        if let Some(lang) = &lang {
            links = links.lang(lang).expect("lang");
        }
        let expected = reference_ecb_url(&params, lang.as_deref());
        prop_assert_eq!(links.build(&params), expected.clone());
        let mut out = String::from("kept|");
        let built = links.build_to(&params, &mut out);
        match &expected {
            Ok(url) => prop_assert_eq!(out, format!("kept|{url}")),
            Err(_) => prop_assert_eq!((built, out.as_str()), (expected.clone().map(drop), "kept|")),
        }
        prop_assert_eq!(links.build_many([&params]).map_err(|(_, e)| e), expected.clone().map(|url| vec![url]));
        if let Ok(url) = &expected {
            let (prefix, suffix) = links.fixed_parts();
            let middle = url.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(suffix));
            prop_assert!(
                middle.is_some_and(|m| m.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b))),
                "{} around {:?}",
                url,
                (prefix, suffix)
            );
        }
        let mut bytes = b"kept|".to_vec();
        let built = links.build_bytes_with(&params, &mut faceauth::crypto::NonceSource::new(), &mut bytes);
        match &expected {
            Ok(url) => prop_assert_eq!(bytes, format!("kept|{url}").into_bytes()),
            Err(_) => prop_assert_eq!((built, bytes), (expected.clone().map(drop), b"kept|".to_vec())),
        }
        // GCM draws a nonce: the same checks, and the payload read back is the reference's.
        let gcm = builder(Scheme::Gcm);
        let mut nonces = faceauth::crypto::NonceSource::new();
        let mut url = String::new();
        match (gcm.build_with(&params, &mut nonces, &mut url), &expected) {
            (Ok(()), Ok(_)) => prop_assert_eq!(inspect(&url, gcm.cipher()).expect("inspects").params, params),
            (Err(got), Err(want)) => prop_assert_eq!(&got, want),
            (got, want) => prop_assert!(false, "gcm {:?}, reference {:?}", got, want),
        }
    }
}

#[test]
fn bulk_gcm_urls_carry_distinct_nonces_and_name_the_failing_row() {
    let links = builder(Scheme::Gcm);
    let rows: Vec<AuthParams<'_>> = (0..1_000).map(|i| AuthParams::new(format!("sub-{}", i % 3))).collect();
    let urls = links.build_many(&rows).expect("builds");
    let distinct: std::collections::HashSet<&String> = urls.iter().collect();
    assert_eq!(distinct.len(), urls.len(), "a nonce repeated");
    for (url, row) in urls.iter().zip(&rows) {
        assert_eq!(inspect(url, links.cipher()).expect("inspects").params, *row);
    }
    let mut bad = rows[..5].to_vec();
    bad[3] = AuthParams::new("a\nb");
    let failed = links.build_many(&bad).err();
    assert_eq!(failed, Some((3, UrlError::ControlCharacter { field: "sid", position: 1 })));
}
