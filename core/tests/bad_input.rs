//! Every kind of bad ciphertext gets its own typed error, and no input makes decryption panic.

use base64::Engine;
use faceauth::crypto::{Cipher, CryptoError, Key, Scheme, TextEncoding, Variant};
use faceauth::ErrorKind;
use proptest::prelude::*;

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";

fn cipher(scheme: Scheme) -> Cipher {
    Cipher::new(&Key::derive(KEY).expect("key"), scheme)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn each_bad_input_has_its_own_error() {
    let (ecb, cbc, gcm) = (cipher(Scheme::Ecb), cipher(Scheme::Cbc), cipher(Scheme::Gcm));

    assert_eq!(ecb.decrypt(""), Err(CryptoError::EmptyCiphertext));
    assert!(matches!(
        ecb.decrypt("not base64!"),
        Err(CryptoError::InvalidEncoding { encoding: TextEncoding::Base64, .. })
    ));
    // Characters of URL-safe base64 are not standard base64.
    assert!(matches!(ecb.decrypt("ab-_"), Err(CryptoError::InvalidEncoding { .. })));
    assert_eq!(ecb.decrypt(&b64(&[7; 15])), Err(CryptoError::InvalidLength { len: 15 }));
    assert_eq!(ecb.decrypt(&b64(&[7; 33])), Err(CryptoError::InvalidLength { len: 33 }));

    // CBC needs a 16-byte IV and a block; GCM a 12-byte nonce and a 16-byte tag.
    assert_eq!(cbc.decrypt(&b64(&[7; 16])), Err(CryptoError::TooShort { len: 16, min: 32 }));
    assert_eq!(cbc.decrypt(&b64(&[7; 8])), Err(CryptoError::TooShort { len: 8, min: 32 }));
    assert_eq!(cbc.decrypt(&b64(&[7; 40])), Err(CryptoError::InvalidLength { len: 40 }));
    assert_eq!(gcm.decrypt(&b64(&[7; 27])), Err(CryptoError::TooShort { len: 27, min: 28 }));

    // Right shape, wrong key.
    let other = Cipher::new(&Key::derive("a different key").expect("key"), Scheme::Ecb);
    let sealed = other.encrypt(r#"{"sid":"abc"}"#).expect("encrypts");
    assert_eq!(ecb.decrypt(&sealed), Err(CryptoError::BadPadding));

    // One flipped bit anywhere in a GCM message fails the tag.
    let sealed = gcm.encrypt(r#"{"sid":"abc"}"#).expect("encrypts");
    let mut raw = base64::engine::general_purpose::STANDARD.decode(&sealed).expect("b64");
    for i in 0..raw.len() {
        raw[i] ^= 1;
        assert_eq!(gcm.decrypt(&b64(&raw)), Err(CryptoError::TagMismatch), "bit flipped at byte {i}");
        raw[i] ^= 1;
    }
    assert!(gcm.decrypt(&b64(&raw)).is_ok());

    // Correct key and padding, but the plaintext bytes are not UTF-8.
    let sealed = ecb.encrypt_bytes(&[b'{', 0xff, 0xfe, b'}']).expect("encrypts");
    assert_eq!(ecb.decrypt(&sealed), Err(CryptoError::NotUtf8 { valid_up_to: 1 }));
    assert_eq!(ecb.decrypt_bytes(&sealed).ok(), Some(vec![b'{', 0xff, 0xfe, b'}']));
}

#[test]
fn injected_ivs_are_checked() {
    let ecb = cipher(Scheme::Ecb);
    assert_eq!(
        ecb.dangerous_encrypt_with_iv(b"x", &[0; 16]),
        Err(CryptoError::InvalidIv { variant: Variant::EcbSha256, expected: None, actual: 16 })
    );
    let gcm = cipher(Scheme::Gcm);
    let err = gcm.dangerous_encrypt_with_iv(b"x", &[0; 16]).expect_err("16 is not 12");
    assert_eq!(err.kind(), ErrorKind::InvalidIv);
    assert_eq!(err.to_string(), "variant gcm-nonce-ct-tag takes 12 IV/nonce bytes, got 16");
}

#[test]
fn errors_and_debug_output_never_show_the_key() {
    let key = Key::derive(KEY).expect("key");
    let cipher = Cipher::new(&key, Scheme::Cbc);
    let shown = format!("{key:?} {cipher:?}");
    assert!(!shown.contains(KEY) && shown.contains("redacted"), "{shown}");
    for bad in ["", "%%%", "AAAA", &b64(&[0; 32]), &b64(&[0; 48])] {
        let message = cipher.decrypt(bad).expect_err("bad input").to_string();
        assert!(!message.contains(KEY) && !message.contains("0123456789abcdef"), "{message}");
    }
}

/// `text` wrapped every `width` characters with `eol`.
fn wrap(text: &str, width: usize, eol: &str) -> String {
    let lines: Vec<&str> =
        (0..text.len()).step_by(width).map(|i| &text[i..(i + width).min(text.len())]).collect();
    lines.join(eol)
}

#[test]
fn decrypt_reads_text_as_people_paste_it() {
    let plain = format!(r#"{{"sid":"{}"}}"#, "s".repeat(120));
    for variant in Variant::ALL {
        let cipher = Cipher::from_key_string(KEY, variant).expect("key");
        // A fixed IV or nonce, so that where the '+'s fall is the same on every run.
        let sealed = match variant.iv_len() {
            Some(len) => cipher.dangerous_encrypt_with_iv(plain.as_bytes(), &vec![0x5a; len]),
            None => cipher.encrypt(&plain),
        }
        .expect("encrypts");
        let mut pasted = vec![
            wrap(&sealed, 76, "\n"),
            wrap(&sealed, 76, "\r\n") + "\r\n",
            format!("    {}\n", wrap(&sealed, 64, "\n    ")),
            format!("  \t {}  \n\n", wrap(&sealed, 76, "\n")),
            sealed.replace('+', "%2B").replace('/', "%2f").replace('=', "%3D"),
            sealed.replace('=', "%3d").replace('-', "%2D"),
        ];
        if variant.text_encoding() == TextEncoding::Hex {
            pasted.push(wrap(&sealed, 2, " "));
        } else {
            pasted.push(sealed.replace('+', " "));
            pasted.push(wrap(&sealed.replace('+', " "), 76, "\r\n"));
        }
        for text in pasted {
            assert_eq!(cipher.decrypt(&text).as_deref(), Ok(plain.as_str()), "{variant}: {text:?}");
        }
    }
    // The alphabets stay apart: URL-safe characters are not standard base64, nor the reverse.
    let ecb = cipher(Scheme::Ecb);
    assert!(matches!(ecb.decrypt("ab-_"), Err(CryptoError::InvalidEncoding { .. })));
    let url_safe = Cipher::from_key_string(KEY, Variant::EcbSha256UrlSafe).expect("key");
    assert!(matches!(url_safe.decrypt("ab+/"), Err(CryptoError::InvalidEncoding { .. })));
    assert!(matches!(url_safe.decrypt("ab c"), Err(CryptoError::InvalidEncoding { .. })));
    // Only whitespace is no ciphertext at all.
    assert_eq!(ecb.decrypt(" \r\n\t"), Err(CryptoError::EmptyCiphertext));
}

#[test]
fn errors_say_which_character_is_wrong_and_where() {
    let ecb = cipher(Scheme::Ecb);
    for (text, expected) in [
        ("hello world!", "the ciphertext is not valid base64: character '!' at position 11"),
        ("{\"data\": \"abc\"}", "the ciphertext is not valid base64: character '{' at position 0"),
        ("AAAA\nAA%2FA\u{e9}", "the ciphertext is not valid base64: character '\u{e9}' at position 11"),
    ] {
        assert_eq!(ecb.decrypt(text).map_err(|e| e.to_string()), Err(expected.to_owned()), "{text:?}");
    }
    let hex = Cipher::from_key_string(KEY, Variant::EcbSha256Hex).expect("key");
    let err = hex.decrypt("0a1b 2c3x").expect_err("not hex");
    assert_eq!(err.to_string(), "the ciphertext is not valid hex: character 'x' at position 8");
}

#[test]
fn diagnose_calls_text_that_is_no_ciphertext_malformed() {
    use faceauth::crypto::diagnose;
    for text in ["hello world!", r#"{"sid":"abc"}"#, "<html><body>Bad Gateway</body></html>", "hello world"] {
        let err = diagnose(text, KEY).map(|_| ()).expect_err(text);
        assert_eq!(err.kind(), ErrorKind::InvalidEncoding, "{text}: {err}");
        assert!(err.to_string().contains("not hex either"), "{text}: {err}");
    }
    // Text that decodes is diagnosed, even when nothing decrypts it.
    assert!(diagnose(&b64(&[7; 32]), KEY).is_ok_and(|report| report.best().is_none()));
    assert!(diagnose("0a1b2c3d", KEY).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random text, random bytes as base64, and random block-aligned data: every variant answers
    /// with a value, never a panic, and a success is real UTF-8.
    #[test]
    fn decryption_never_panics(text in ".{0,80}", bytes in proptest::collection::vec(any::<u8>(), 0..96), blocks in 0usize..6) {
        let aligned = b64(&bytes.iter().copied().cycle().take(blocks * 16).collect::<Vec<_>>());
        for variant in Variant::ALL {
            let cipher = Cipher::from_key_string(KEY, variant).expect("key");
            for input in [text.as_str(), &b64(&bytes), &aligned, &hex::encode(&bytes)] {
                match cipher.decrypt(input) {
                    Ok(plain) => prop_assert!(std::str::from_utf8(plain.as_bytes()).is_ok()),
                    Err(err) => prop_assert!(!err.to_string().is_empty()),
                }
            }
        }
    }

    #[test]
    fn every_variant_round_trips(plain in "\\PC{0,300}") {
        for variant in Variant::ALL {
            let cipher = Cipher::from_key_string(KEY, variant).expect("key");
            let sealed = cipher.encrypt(&plain).expect("encrypts");
            prop_assert_eq!(cipher.decrypt(&sealed).expect("decrypts"), plain.clone());
        }
    }

    /// However a ciphertext is wrapped, percent-escaped or form-decoded on its way, every
    /// variant reads it back to the same plaintext.
    #[test]
    fn mangled_ciphertexts_still_decrypt(
        plain in "\\PC{0,200}",
        width in 1usize..100,
        crlf: bool,
        escape: bool,
        form_decoded: bool,
    ) {
        for variant in Variant::ALL {
            let cipher = Cipher::from_key_string(KEY, variant).expect("key");
            let sealed = cipher.encrypt(&plain).expect("encrypts");
            let mut text = if escape {
                sealed.replace('+', "%2b").replace('/', "%2F").replace('=', "%3D")
            } else {
                sealed
            };
            if form_decoded && variant.text_encoding() == TextEncoding::Base64 && !escape {
                text = text.replace('+', " ");
            }
            // Lines that start or end with a space would lose it: a wrapped text keeps '+' as '+'.
            if !text.contains(' ') {
                text = wrap(&text, width, if crlf { "\r\n" } else { "\n" });
            }
            prop_assert_eq!(cipher.decrypt(&text), Ok(plain.clone()), "{} {:?}", variant, text);
        }
    }

    /// Reading any text (whitespace, escapes, broken escapes, non-ASCII) never panics, leaves no
    /// whitespace, and gives clean text back unchanged.
    #[test]
    fn reading_never_panics(text in "[ \t\r\na-zA-Z0-9+/=%_é-]{0,120}", clean in "[a-zA-Z0-9+/]{0,30}") {
        for encoding in [TextEncoding::Base64, TextEncoding::Base64UrlSafe, TextEncoding::Hex] {
            let (read, _) = encoding.read(&text);
            prop_assert!(!read.bytes().any(|b| b.is_ascii_whitespace()), "{:?} -> {:?}", text, read);
            let clean = &clean[..clean.len() / 4 * 4];
            let (same, applied) = encoding.read(clean);
            prop_assert_eq!(&*same, clean);
            prop_assert!(applied.is_empty());
        }
    }
}
