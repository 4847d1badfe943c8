//! A body made once and sent many times: its strong ETag, its gzip and brotli forms, the one a
//! request's `Accept-Encoding` asks for, and whether its `If-None-Match` already holds it
//! (RFC 9110 §8.8.3, §12.5.3, §13.1.2). Pure functions over header values; the page cache and the
//! static assets use them alike.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::io::Write;

/// A content coding this server can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` value; `None` for identity, which sends no header.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }
}

/// One body in every coding, with each form's strong ETag.
pub struct Encoded {
    pub identity: Bytes,
    pub gzip: Bytes,
    pub brotli: Bytes,
    /// Each coding's strong ETag (identity, gzip, brotli), made once: the identity's hash, with
    /// a suffix for each coding (a coded body is another representation, so it has another tag).
    tags: [HeaderValue; 3],
}

/// The quality a cached body is compressed at: done once per change, so the densest.
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW: u32 = 22;

impl Encoded {
    pub fn new(identity: Bytes) -> Encoded {
        let hash = hex::encode(&Sha256::digest(&identity)[..16]);
        let tag = |coding| {
            HeaderValue::from_str(&etag(&hash, coding)).unwrap_or(HeaderValue::from_static("\"\""))
        };
        let tags = [
            tag(Coding::Identity),
            tag(Coding::Gzip),
            tag(Coding::Brotli),
        ];
        Encoded {
            gzip: gzip(&identity),
            brotli: brotli(&identity),
            identity,
            tags,
        }
    }

    pub fn body(&self, coding: Coding) -> &Bytes {
        match coding {
            Coding::Identity => &self.identity,
            Coding::Gzip => &self.gzip,
            Coding::Brotli => &self.brotli,
        }
    }

    /// The strong ETag (quoted) of the body in `coding`.
    pub fn etag(&self, coding: Coding) -> &str {
        self.etag_value(coding).to_str().unwrap_or("")
    }

    /// The same tag as a header value.
    fn etag_value(&self, coding: Coding) -> &HeaderValue {
        match coding {
            Coding::Identity => &self.tags[0],
            Coding::Gzip => &self.tags[1],
            Coding::Brotli => &self.tags[2],
        }
    }

    /// All three forms' bytes, for a cache's size budget.
    pub fn weight(&self) -> usize {
        self.identity.len() + self.gzip.len() + self.brotli.len()
    }
}

fn etag(hash: &str, coding: Coding) -> String {
    match coding {
        Coding::Identity => format!("\"{hash}\""),
        Coding::Gzip => format!("\"{hash}-gz\""),
        Coding::Brotli => format!("\"{hash}-br\""),
    }
}

fn gzip(body: &[u8]) -> Bytes {
    let mut out = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::best(),
    );
    // Writing into a Vec cannot fail.
    let _ = out.write_all(body);
    Bytes::from(out.finish().unwrap_or_default())
}

fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(body.len() / 3);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
        let _ = w.write_all(body);
    }
    Bytes::from(out)
}

/// At most this many entries of a header list are read: a longer list is a client's mistake or
/// an attack, and the first entries say what a real client wants.
const MAX_ENTRIES: usize = 32;

/// The coding to send for `accept` (the `Accept-Encoding` value; `None` when absent), or `None`
/// when the client refuses every coding this server has, identity included (406).
///
/// The highest q wins; on a tie brotli, then gzip, then identity (the smallest body first).
/// Without the header any coding would do, but identity is what RFC 9110 expects then; an empty
/// value means identity only; `*` stands for every coding not named; `x-gzip` is gzip; a q of 0
/// refuses; an entry that does not parse is ignored.
pub fn choose(accept: Option<&str>) -> Option<Coding> {
    let Some(accept) = accept else {
        return Some(Coding::Identity);
    };
    let mut named = [None::<u16>; 3];
    let mut star = None::<u16>;
    for entry in accept.split(',').take(MAX_ENTRIES) {
        let mut parts = entry.split(';');
        let name = parts.next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        let mut q = Some(1000);
        for param in parts {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            if key.trim().eq_ignore_ascii_case("q") {
                q = qvalue(value.trim());
            }
        }
        let Some(q) = q else { continue };
        let slot = if name.eq_ignore_ascii_case("br") {
            &mut named[2]
        } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            &mut named[1]
        } else if name.eq_ignore_ascii_case("identity") {
            &mut named[0]
        } else if name == "*" {
            &mut star
        } else {
            continue;
        };
        // Named twice: the first one counts, as in most servers.
        slot.get_or_insert(q);
    }
    let q_of = |i: usize| match (named[i], star) {
        (Some(q), _) => q,
        (None, Some(q)) => q,
        // Identity is acceptable unless refused by name or by `*;q=0`.
        (None, None) if i == 0 => 1,
        (None, None) => 0,
    };
    let codings = [Coding::Brotli, Coding::Gzip, Coding::Identity];
    let best = codings
        .into_iter()
        .map(|c| {
            let q = q_of(match c {
                Coding::Identity => 0,
                Coding::Gzip => 1,
                Coding::Brotli => 2,
            });
            (c, q)
        })
        .filter(|(_, q)| *q > 0)
        // `max_by_key` keeps the last of equals; reversed order makes the first (brotli) win.
        .rev()
        .max_by_key(|(_, q)| *q)?;
    Some(best.0)
}

/// A q-value in thousandths: `0`, `0.5`, `1`, `1.000` (RFC 9110 §12.4.2); anything else is `None`.
fn qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// Whether `if_none_match` (every `If-None-Match` value, joined by commas) matches `etag`: `*`
/// does, as does a listed tag equal to it under the weak comparison (`W/` ignored), which is the
/// one RFC 9110 §13.1.2 asks for. A list that does not parse as a whole, or is longer than
/// `MAX_ENTRIES`, matches nothing: the whole page is always a safe answer.
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let wanted = etag.trim_start_matches("W/");
    let mut rest = if_none_match.trim_matches([' ', '\t']);
    if rest == "*" {
        return true;
    }
    let mut tags = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            break;
        }
        if tags.len() == MAX_ENTRIES {
            return false;
        }
        let tag = rest.strip_prefix("W/").unwrap_or(rest);
        let Some(inner) = tag.strip_prefix('"') else {
            return false;
        };
        let Some(end) = inner.find('"') else {
            return false;
        };
        let (opaque, after) = tag.split_at(end + 2);
        let after = after.trim_start_matches([' ', '\t']);
        if !(after.is_empty() || after.starts_with(',')) {
            return false;
        }
        tags.push(opaque);
        rest = after;
    }
    tags.contains(&wanted)
}

/// `body` as a request wants it, with `headers` (its type, its caching, the security headers):
/// 406 when the request refuses every coding, 304 when its `If-None-Match` holds the chosen
/// coding's ETag, else the body in that coding with its length (the length alone for HEAD).
/// The 304 carries `headers` but the content type (it has no body of that type), the 406 those
/// but its caching too (a refusal is not a representation to keep): the security headers are on
/// every answer.
pub fn respond(
    body: &Encoded,
    status: StatusCode,
    headers: &HeaderMap,
    accept: Option<&str>,
    if_none_match: Option<&str>,
    head: bool,
) -> Response {
    let Some(coding) = choose(accept) else {
        let mut response = StatusCode::NOT_ACCEPTABLE.into_response();
        let h = response.headers_mut();
        copy_but(headers, h, &[header::CONTENT_TYPE, header::CACHE_CONTROL]);
        if !h.contains_key(header::VARY) {
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        return response;
    };
    let etag = body.etag_value(coding);
    if if_none_match.is_some_and(|inm| none_match(inm, body.etag(coding))) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        let h = response.headers_mut();
        copy_but(headers, h, &[header::CONTENT_TYPE]);
        h.insert(header::ETAG, etag.clone());
        return response;
    }
    let bytes = body.body(coding).clone();
    let length = bytes.len();
    let mut response = Response::new(if head {
        Body::empty()
    } else {
        Body::from(bytes)
    });
    *response.status_mut() = status;
    let h = response.headers_mut();
    // Room for what this answer and the request's span add, so that nothing grows the map again.
    h.reserve(headers.len() + 4);
    for (name, value) in headers {
        h.append(name, value.clone());
    }
    h.insert(header::ETAG, etag.clone());
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Some(encoding) = coding.header() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
}

/// Every header of `from` but those named in `left_out`, onto `to`.
fn copy_but(from: &HeaderMap, to: &mut HeaderMap, left_out: &[HeaderName]) {
    to.reserve(from.len() + 2);
    for (name, value) in from {
        if !left_out.contains(name) {
            to.append(name, value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_best_acceptable_coding_wins() {
        use Coding::*;
        let cases: &[(Option<&str>, Option<Coding>)] = &[
            (None, Some(Identity)),
            (Some(""), Some(Identity)),
            (Some("gzip"), Some(Gzip)),
            (Some("gzip, deflate, br, zstd"), Some(Brotli)),
            (Some("br;q=0.5, gzip"), Some(Gzip)),
            (Some("BR, GZIP"), Some(Brotli)),
            (Some("x-gzip"), Some(Gzip)),
            (Some("*"), Some(Brotli)),
            (Some("*;q=0.2, br;q=0"), Some(Gzip)),
            (Some("gzip;q=0, br;q=0"), Some(Identity)),
            (Some("identity;q=0"), None),
            (Some("identity;q=0, gzip;q=0.1"), Some(Gzip)),
            (Some("*;q=0"), None),
            (Some("*;q=0, identity"), Some(Identity)),
            (Some("deflate"), Some(Identity)),
            (Some("gzip;q=2, br;q=abc"), Some(Identity)),
            (Some("gzip;q=0.001"), Some(Gzip)),
            (Some("gzip;q=1.0001"), Some(Identity)),
            (Some(" , ;;, =, br ; q = 1 "), Some(Brotli)),
            (Some("identity;q=0.5, gzip;q=0.5"), Some(Gzip)),
        ];
        for (accept, want) in cases {
            assert_eq!(choose(*accept), *want, "{accept:?}");
        }
    }

    #[test]
    fn a_hostile_accept_encoding_costs_little_and_falls_back() {
        let long = "a, ".repeat(100_000) + "br";
        assert_eq!(choose(Some(&long)), Some(Coding::Identity));
        let semicolons = format!("br{}", ";".repeat(100_000));
        assert_eq!(choose(Some(&semicolons)), Some(Coding::Brotli));
        assert_eq!(
            choose(Some("\u{0}\u{7f}ü, gz\u{1}ip")),
            Some(Coding::Identity)
        );
    }

    #[test]
    fn if_none_match_is_compared_weakly_and_parsed_strictly() {
        let tag = "\"abc\"";
        for (header, want) in [
            ("\"abc\"", true),
            ("W/\"abc\"", true),
            ("*", true),
            ("\"x\", \"abc\"", true),
            ("\"x\",W/\"abc\"", true),
            ("\"a,b\", \"abc\"", true),
            ("\"abcd\"", false),
            ("abc", false),
            ("\"abc", false),
            ("", false),
            ("\"\"", false),
            ("* , \"x\"", false),
            ("\"x\" junk \"abc\"", false),
            ("\"abc\"x", false),
            ("\"abc\", junk", false),
            ("\"abc\" , , \"y\"", true),
        ] {
            assert_eq!(none_match(header, tag), want, "{header:?}");
        }
        let huge = "\"x\", ".repeat(100_000) + tag;
        assert!(!none_match(&huge, tag), "only the first entries are read");
        let unterminated = format!("\"{}", "a".repeat(1_000_000));
        assert!(!none_match(&unterminated, tag));
    }

    #[test]
    fn every_coding_decodes_to_the_identity_and_has_its_own_tag() {
        for body in [
            Bytes::new(),
            Bytes::from_static(b"x"),
            Bytes::from("<p>Hello</p>".repeat(2_000)),
        ] {
            let e = Encoded::new(body.clone());
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&e.gzip[..])
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, body);
            let mut out = Vec::new();
            brotli::Decompressor::new(&e.brotli[..], 4096)
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, body);
            let tags = [Coding::Identity, Coding::Gzip, Coding::Brotli].map(|c| e.etag(c));
            assert!(tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2]);
            assert!(tags.iter().all(|t| t.starts_with('"') && t.ends_with('"')));
        }
    }
}
