//! Every parser of outside input, fed arbitrary bytes and strings: Markdown rendering and its
//! sanitising, the sniffing of uploaded images and attachments, identifiers, link tokens and slot
//! ids, the API's page, date, instant and zone parameters, and the JSON of "Send a message".
//! The properties: nothing panics, and what is accepted is what the rules say.
//!
//! Proptest rather than cargo-fuzz (docs/decisions.md says why). Each property runs proptest's
//! default 256 cases in `cargo test`; a longer run:
//!
//!     PROPTEST_CASES=100000 cargo test -p domain --test outside_input
//!
//! (fuzz/README.md).

use domain::booking::SlotRef;
use domain::content::sniff_image;
use domain::ids::{is_hex_id, is_link_token, is_short_token, CaseId, FeedToken, LinkToken};
use domain::inquiry::{InquiryInput, Intake};
use domain::markdown::{plain_text, to_html};
use domain::messaging::{self, sniff_attachment, Upload};
use domain::params::{self, Refused};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

/// Text that is mostly Markdown's own punctuation, with the words an attacker would try.
fn markdownish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,12}",
        Just("[".to_string()),
        Just("](".to_string()),
        Just(")".to_string()),
        Just("![".to_string()),
        Just("<".to_string()),
        Just(">".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("`".to_string()),
        Just("javascript:".to_string()),
        Just("JaVaScRiPt:".to_string()),
        Just("java\tscript:".to_string()),
        Just("&#106;avascript:".to_string()),
        Just("data:text/html,".to_string()),
        Just("vbscript:".to_string()),
        Just("<script>".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("<svg onload=alert(1)>".to_string()),
        Just("[x]: ".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
    ];
    proptest::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

/// An attribute's value as a browser reads it: numeric character references and the named ones
/// an escaper writes, decoded.
fn decode_entities(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let code =
                if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    match name {
                        "amp" => Some(u32::from('&')),
                        "quot" => Some(u32::from('"')),
                        "lt" => Some(u32::from('<')),
                        "gt" => Some(u32::from('>')),
                        "colon" => Some(u32::from(':')),
                        _ => None,
                    }
                };
            code.and_then(char::from_u32).map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// What rendered Markdown may contain: text (where every `<` is escaped), and the renderer's own
/// elements with plain attributes; no script element, no event handler, no script URL.
fn assert_inert(html: &str) -> Result<(), TestCaseError> {
    const ELEMENTS: &[&str] = &[
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "em",
        "strong",
        "del",
        "a",
        "img",
        "ul",
        "ol",
        "li",
        "blockquote",
        "code",
        "pre",
        "hr",
        "br",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    ];
    const ATTRIBUTES: &[&str] = &["href", "src", "alt", "title", "start", "style", "class"];
    // Every `<` in the output opens an element: text has it escaped.
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        let tag = tag
            .strip_prefix('/')
            .unwrap_or(tag)
            .trim_end_matches('/')
            .trim_end();
        let (name, mut rest) = tag.split_once(' ').unwrap_or((tag, ""));
        prop_assert!(ELEMENTS.contains(&name), "element <{name}> in {html}");
        while !rest.trim_start().is_empty() {
            rest = rest.trim_start();
            let (attr, after) = rest.split_once("=\"").unwrap_or((rest, ""));
            prop_assert!(ATTRIBUTES.contains(&attr), "attribute {attr} in {html}");
            let (value, after) = after.split_once('"').unwrap_or((after, ""));
            if attr == "href" || attr == "src" {
                // What the browser reads: entities decoded, blanks and controls ignored.
                let squashed: String = decode_entities(value)
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                for scheme in ["javascript:", "vbscript:", "data:", "file:"] {
                    prop_assert!(!squashed.starts_with(scheme), "{attr}={value} in {html}");
                }
            }
            rest = after;
        }
    }
    Ok(())
}

#[test]
fn the_inertness_check_catches_what_it_looks_for() {
    for bad in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\" JaVa\tScript:alert(1)\">x</a>",
        "<img src=\"data:image/svg+xml,x\" alt=\"\">",
        "<a href=\"&#106;avascript:x\">x</a>",
        "<a href=\"javascript&colon;x\">x</a>",
        "<p onclick=\"x\">",
    ] {
        assert!(assert_inert(bad).is_err(), "{bad}");
    }
    assert!(assert_inert("<p>&lt;script&gt; <a href=\"/fees\" title=\"a\">x</a></p>").is_ok());
    assert!(assert_inert("<p><img src=\"&#x27;\" alt=\"\" /></p>").is_ok());
}

proptest! {
    // A failing case is kept beside this file (outside_input.regressions) and tried first after.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    // Markdown: articles and pages are the therapist's, but also what an attacker who got the
    // admin would write; the output is placed in pages as it is.
    #[test]
    fn markdown_of_any_bytes_renders_inert(raw in bytes(400)) {
        let source = String::from_utf8_lossy(&raw);
        assert_inert(&to_html(&source))?;
        let _ = plain_text(&source, 200);
    }

    #[test]
    fn markdown_built_from_hostile_pieces_renders_inert(source in markdownish()) {
        assert_inert(&to_html(&source))?;
        let cut = plain_text(&source, 40);
        prop_assert!(cut.chars().count() <= 41);
    }

    // Uploads: the type comes from the bytes only, and only the listed formats pass.
    #[test]
    fn image_sniffing_names_only_what_the_bytes_start_with(raw in bytes(64), prefix in prop::sample::select(vec![
        &b""[..], b"\x89PNG\r\n\x1a\n", b"\xFF\xD8\xFF", b"GIF89a", b"GIF87a", b"RIFF\0\0\0\0WEBP", b"<svg", b"%PDF-",
    ])) {
        let data = [prefix, &raw[..]].concat();
        match sniff_image(&data) {
            None => {}
            Some(("image/png", "png")) => prop_assert!(data.starts_with(b"\x89PNG\r\n\x1a\n")),
            Some(("image/jpeg", "jpg")) => prop_assert!(data.starts_with(&[0xFF, 0xD8, 0xFF])),
            Some(("image/gif", "gif")) => prop_assert!(data.starts_with(b"GIF8")),
            Some(("image/webp", "webp")) => prop_assert!(data.len() > 12 && data.starts_with(b"RIFF") && &data[8..12] == b"WEBP"),
            Some(other) => prop_assert!(false, "unexpected {other:?}"),
        }
        if prefix.is_empty() && !raw.is_empty() && !matches!(raw[0], 0x89 | 0xFF | b'G' | b'R') {
            prop_assert_eq!(sniff_image(&data), None);
        }
    }

    #[test]
    fn attachments_are_sniffed_and_their_names_cleaned(
        raw in bytes(64),
        prefix in prop::sample::select(vec![&b""[..], b"%PDF-", b"\xFF\xD8\xFF", b"\x89PNG\r\n\x1a\n", b"<html>"]),
        name in "\\PC{0,200}|[\\x00-\\x1f/\\\\\"]{0,10}",
        body in "\\PC{0,50}",
    ) {
        let data = [prefix, &raw[..]].concat();
        let kind = sniff_attachment(&data);
        if let Some(kind) = kind {
            prop_assert!(matches!(kind, "application/pdf" | "image/jpeg" | "image/png"));
        }
        match messaging::validate(&body, Some(Upload { file_name: name, bytes: data.clone() })) {
            Ok(out) => {
                if let Some((name, kind_kept, kept)) = out.attachment {
                    prop_assert_eq!(Some(kind_kept), kind);
                    prop_assert_eq!(kept, data);
                    prop_assert!(!name.trim().is_empty() && name.chars().count() <= 120);
                    prop_assert!(!name.chars().any(|c| c.is_control() || "/\\\"".contains(c)), "{name:?}");
                } else {
                    prop_assert!(data.is_empty());
                }
            }
            Err(errors) => prop_assert!(errors.get("attachment").is_some() || errors.get("body").is_some()),
        }
    }

    // Identifiers and tokens from paths and forms.
    #[test]
    fn ids_and_tokens_parse_exactly_their_shape(raw in "\\PC{0,70}|[0-9a-fA-F]{30,66}") {
        prop_assert_eq!(CaseId::parse(&raw).is_some(), is_hex_id(&raw));
        prop_assert_eq!(LinkToken::parse(&raw).is_some(), is_link_token(&raw));
        prop_assert_eq!(FeedToken::parse(&raw).is_some(), is_short_token(&raw));
        if let Some(token) = LinkToken::parse(&raw) {
            prop_assert!(!format!("{token:?}").contains(&raw), "Debug never shows a token");
            prop_assert_eq!(token.as_str(), raw.as_str());
        }
        // Deserialising (a path or a JSON field) applies the same rule.
        let json = serde_json::to_string(&raw).unwrap();
        prop_assert_eq!(serde_json::from_str::<CaseId>(&json).is_ok(), is_hex_id(&raw));
    }

    #[test]
    fn any_bytes_as_a_slot_id_never_panic(raw in bytes(120)) {
        let text = String::from_utf8_lossy(&raw);
        if let Some(slot) = SlotRef::parse(&text) {
            prop_assert!(is_hex_id(&slot.therapist));
            prop_assert!(!slot.key.is_empty() && slot.key.len() <= SlotRef::KEY_MAX);
        }
    }

    #[test]
    fn a_slot_id_written_out_reads_back(
        therapist in "[0-9a-f]{32}",
        key in "[a-z0-9_]{1,40}",
        secs in -377_705_023_201i64..=253_402_207_200i64,
    ) {
        let slot = SlotRef { therapist, key, start: Timestamp::from_second(secs).unwrap() };
        prop_assert_eq!(SlotRef::parse(&slot.to_string()), Some(slot));
    }

    #[test]
    fn slot_like_text_is_refused_unless_it_has_the_shape(
        therapist in "[0-9a-fA-F]{31,33}|\\PC{0,5}",
        key in "\\PC{0,45}",
        start in "[+-]?[0-9]{0,25}|\\PC{0,8}",
    ) {
        let raw = format!("{therapist}-{key}-{start}");
        if let Some(slot) = SlotRef::parse(&raw) {
            prop_assert_eq!(slot.therapist.len(), 32);
            prop_assert!(!slot.key.contains('-'));
            prop_assert_eq!(SlotRef::parse(&slot.to_string()), Some(slot));
        }
    }

    // The API's query parameters.
    #[test]
    fn any_page_text_is_refused_or_a_real_page(raw in "\\PC{0,24}|[0-9]{0,30}") {
        match params::page(Some(&raw)) {
            Ok(Some(n)) => {
                prop_assert!(n >= 1);
                prop_assert!(raw.bytes().all(|b| b.is_ascii_digit()));
            }
            Ok(None) => prop_assert!(false, "a given page is never absent"),
            Err(Refused) => prop_assert!(
                raw.is_empty()
                    || !raw.bytes().all(|b| b.is_ascii_digit())
                    || raw.bytes().all(|b| b == b'0')
            ),
        }
    }

    #[test]
    fn any_bytes_as_an_instant_or_a_zone_never_panic(raw in bytes(80)) {
        let text = String::from_utf8_lossy(&raw);
        if let Ok(Some(tz)) = params::zone(Some(&text)) {
            prop_assert!(tz.iana_name().is_some());
        }
        let _ = params::instant(Some(&text));
    }

    #[test]
    fn an_instant_written_out_reads_back(secs in -62_135_596_800i64..=253_402_200_000i64) {
        let at = Timestamp::from_second(secs).unwrap();
        prop_assert_eq!(params::instant(Some(&at.to_string())), Ok(Some(at)));
        let berlin = at.to_zoned(TimeZone::get("Europe/Berlin").unwrap());
        let written = berlin.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
        prop_assert_eq!(params::instant(Some(&written)), Ok(Some(at)));
    }

    #[test]
    fn date_like_text_is_its_midnight_or_refused(y in 0i16..12000, m in 0i8..15, d in 0i8..35) {
        let raw = format!("{y:04}-{m:02}-{d:02}");
        match params::instant(Some(&raw)) {
            Ok(Some(at)) => {
                let z = at.to_zoned(TimeZone::UTC);
                prop_assert_eq!((z.year(), z.month(), z.day()), (y, m, d));
                prop_assert_eq!((z.hour(), z.minute(), z.second()), (0, 0, 0));
            }
            Ok(None) => prop_assert!(false, "a date is never absent"),
            Err(Refused) => prop_assert!(Date::new(y, m, d).is_err()),
        }
    }

    #[test]
    fn zone_like_text_is_known_or_refused(
        region in prop::sample::select(vec!["Europe", "America", "Asia", "Etc", "../..", ""]),
        city in "[A-Za-z_+\\-0-9/.]{0,20}",
    ) {
        let raw = format!("{region}/{city}");
        if let Ok(Some(tz)) = params::zone(Some(&raw)) {
            prop_assert!(tz.iana_name().is_some());
        }
    }

    // "Send a message" arrives as JSON (the API) or a form: any body is refused or validated,
    // never a panic, and what is accepted keeps to the limits.
    #[test]
    fn any_json_as_a_message_is_refused_or_validated(raw in bytes(200), name in "\\PC{0,130}", message in "\\PC{0,50}", consent in any::<bool>()) {
        let _ = serde_json::from_slice::<InquiryInput>(&raw).map(|i| i.validate());
        let input = serde_json::json!({"name": name, "email": "a@example.org", "message": message, "consent": consent});
        let input: InquiryInput = serde_json::from_value(input).unwrap();
        if let Ok(Intake::Accept(i)) = input.validate() {
            prop_assert!(consent);
            prop_assert!(!i.name.is_empty() && i.name.chars().count() <= domain::inquiry::NAME_MAX);
            prop_assert!(!i.message.is_empty());
        }
    }
}
