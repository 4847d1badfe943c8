//! The finished-page cache of the public site, on SQLite and PostgreSQL: strong ETags and 304s,
//! each coding decoding to the same page, hostile conditional and coding headers, a change seen
//! at once on the instance that made it and within its interval on another, and signed-in
//! readers kept out of it.

mod common;

use common::{location, TestApp, THERAPIST_EMAIL};
use reqwest::header::{HeaderValue, ACCEPT_ENCODING, IF_NONE_MATCH};
use reqwest::{Method, StatusCode};
use std::io::Read;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

const ARTICLE: &str = "/articles/what-happens-in-the-first-session";

/// Every cached route, as a visitor reaches it.
const PAGES: &[&str] = &[
    "/",
    ARTICLE,
    "/about",
    "/faq",
    "/faq/what-do-i-need",
    "/articles",
    "/articles?page=2",
    "/tags",
    "/tags/first-session",
    "/sitemap.xml",
    "/feed.xml",
];

/// A plain client: no cookies, no decompression, the headers exactly as given.
struct Raw {
    client: reqwest::Client,
    base: String,
}

struct Got {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Raw {
    fn new(base: &str) -> Raw {
        Raw {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_string(),
        }
    }

    async fn send(&self, method: Method, path: &str, headers: &[(&str, HeaderValue)]) -> Got {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, value.clone());
        }
        let r = request.send().await.unwrap();
        Got {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.bytes().await.unwrap().to_vec(),
        }
    }

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Got {
        let headers: Vec<(&str, HeaderValue)> = headers
            .iter()
            .map(|(n, v)| (*n, HeaderValue::from_str(v).unwrap()))
            .collect();
        self.send(Method::GET, path, &headers).await
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

on_both!(
    each_coding_decodes_to_the_page_and_its_etag_answers_304,
    practice,
    |t| {
        let raw = Raw::new(&t.base);
        for path in PAGES {
            let plain = raw.get(path, &[]).await;
            assert_eq!(plain.status, StatusCode::OK, "{path}");
            assert_eq!(plain.header("content-encoding"), None, "{path}");
            let etag = plain.header("etag").expect("an etag").to_string();
            assert!(etag.starts_with('"') && etag.len() > 20, "strong: {etag}");
            assert!(plain.header("vary").unwrap().contains("accept-encoding"));
            assert_eq!(
                plain.header("content-length"),
                Some(plain.body.len().to_string().as_str())
            );
            assert!(plain.header("content-security-policy").is_some(), "{path}");
            assert!(plain.header("set-cookie").is_none(), "{path}");
            // Asked again, the same bytes and tag: the page was kept.
            let again = raw.get(path, &[]).await;
            assert_eq!(
                (again.body.as_slice(), again.header("etag")),
                (plain.body.as_slice(), Some(etag.as_str()))
            );

            for (accept, coding) in [
                ("br", "br"),
                ("gzip", "gzip"),
                ("gzip, deflate, br, zstd", "br"),
                ("br;q=0.5, gzip;q=0.8", "gzip"),
            ] {
                let got = raw.get(path, &[("accept-encoding", accept)]).await;
                assert_eq!(got.status, StatusCode::OK);
                assert_eq!(
                    got.header("content-encoding"),
                    Some(coding),
                    "{path} {accept}"
                );
                assert_eq!(
                    got.header("content-length"),
                    Some(got.body.len().to_string().as_str())
                );
                assert!(
                    got.body.len() < plain.body.len(),
                    "{path} is smaller in {coding}"
                );
                let decoded = if coding == "br" {
                    unbrotli(&got.body)
                } else {
                    gunzip(&got.body)
                };
                assert_eq!(decoded, plain.body, "{path} in {coding}");
                let tag = got.header("etag").unwrap().to_string();
                assert_ne!(tag, etag, "another representation, another strong tag");
                let fresh = raw
                    .get(
                        path,
                        &[("accept-encoding", accept), ("if-none-match", &tag)],
                    )
                    .await;
                assert_eq!(fresh.status, StatusCode::NOT_MODIFIED, "{path} {accept}");
                assert_eq!(fresh.header("etag"), Some(tag.as_str()));
                // The identity's tag does not stand for the compressed body.
                let other = raw
                    .get(
                        path,
                        &[("accept-encoding", accept), ("if-none-match", &etag)],
                    )
                    .await;
                assert_eq!(other.status, StatusCode::OK);
            }

            for inm in [
                etag.clone(),
                format!("W/{etag}"),
                "*".to_string(),
                format!("\"nope\", {etag}"),
                format!("\"a,b\",W/{etag}"),
            ] {
                let got = raw.get(path, &[("if-none-match", &inm)]).await;
                assert_eq!(got.status, StatusCode::NOT_MODIFIED, "{path} {inm}");
                assert!(got.body.is_empty());
                assert_eq!(got.header("etag"), Some(etag.as_str()));
                assert!(got.header("vary").is_some());
            }
            for inm in [
                "\"nope\"",
                "nope",
                &etag[1..],
                "W/",
                ",,,",
                &format!("{etag}x"),
            ] {
                let got = raw.get(path, &[("if-none-match", inm)]).await;
                assert_eq!(got.status, StatusCode::OK, "{path} {inm}");
                assert_eq!(got.body, plain.body);
            }

            let head = raw.send(Method::HEAD, path, &[]).await;
            assert_eq!(head.status, StatusCode::OK);
            assert!(head.body.is_empty());
            assert_eq!(
                head.header("content-length"),
                plain.header("content-length")
            );
            assert_eq!(head.header("etag"), Some(etag.as_str()));
        }
    }
);

on_both!(
    hostile_codings_and_conditions_get_a_whole_page_or_a_plain_refusal,
    practice,
    |t| {
        let raw = Raw::new(&t.base);
        let plain = raw.get(ARTICLE, &[]).await;
        let etag = plain.header("etag").unwrap().to_string();
        // Refusing every coding the server has, identity included: 406, as RFC 9110 allows.
        for accept in ["identity;q=0", "*;q=0", "identity;q=0, deflate"] {
            let got = raw.get(ARTICLE, &[("accept-encoding", accept)]).await;
            assert_eq!(got.status, StatusCode::NOT_ACCEPTABLE, "{accept}");
        }
        assert_eq!(
            raw.get(ARTICLE, &[("accept-encoding", "identity;q=0, gzip")])
                .await
                .header("content-encoding"),
            Some("gzip")
        );
        // Nonsense and oversized codings fall back to the plain page.
        let long = format!("{}br", "x-nonsense, ".repeat(500));
        for accept in [
            "",
            "deflate",
            "gzip;q=7",
            "br;q=-1",
            "gzip;q=0.5.5",
            ";;;,,,===",
            long.as_str(),
        ] {
            let got = raw.get(ARTICLE, &[("accept-encoding", accept)]).await;
            assert_eq!(got.status, StatusCode::OK, "{accept:.40}");
            assert_eq!(got.header("content-encoding"), None, "{accept:.40}");
            assert_eq!(got.body, plain.body);
        }
        // Bytes that are not text, in either header.
        let binary = HeaderValue::from_bytes(b"br\xff\xfe").unwrap();
        for name in ["accept-encoding", "if-none-match"] {
            let got = raw
                .send(Method::GET, ARTICLE, &[(name, binary.clone())])
                .await;
            assert_eq!(got.status, StatusCode::OK, "{name}");
            assert_eq!(got.body, plain.body, "{name}");
        }
        // A huge If-None-Match with the right tag at the end: the list is read only so far, and
        // the whole page is the safe answer.
        let huge = format!("{}{etag}", "\"x\", ".repeat(1_500));
        let got = raw.get(ARTICLE, &[("if-none-match", &huge)]).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body, plain.body);
        let unterminated = format!("\"{}", "a".repeat(7_000));
        assert_eq!(
            raw.get(ARTICLE, &[("if-none-match", &unterminated)])
                .await
                .status,
            StatusCode::OK
        );
        // Several header lines make one list.
        let request = reqwest::Client::new()
            .get(format!("{}{ARTICLE}", t.base))
            .header(IF_NONE_MATCH, "\"other\"")
            .header(IF_NONE_MATCH, etag.as_str())
            .header(ACCEPT_ENCODING, "identity")
            .send()
            .await
            .unwrap();
        assert_eq!(request.status(), StatusCode::NOT_MODIFIED);
        // Other queries than `?page=N` are answered, but not kept: a visitor cannot fill the
        // cache with addresses of their own making.
        for path in [
            "/articles?page=2&x=1",
            "/articles?utm_source=x",
            "/articles?page=abcde",
        ] {
            let got = raw.get(path, &[]).await;
            assert_eq!(got.status, StatusCode::OK, "{path}");
            assert_eq!(got.header("etag"), None, "{path} is not cached");
        }
        // A missing page is not kept either.
        let missing = raw.get("/articles/no-such-article", &[]).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.header("etag"), None);
    }
);

/// A new article through the admin, published; answers its editor's address.
async fn publish_article(t: &TestApp, b: &common::Browser, body: &str) -> String {
    let csrf = b.csrf_from("/admin/pages/new?kind=article").await;
    let r = b
        .post_form(
            "/admin/pages",
            &[
                ("csrf", &csrf),
                ("kind", "article"),
                ("title", "Kept pages"),
                ("slug", "kept-pages"),
                ("body", body),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let edit = location(&r).split('?').next().unwrap().to_string();
    let r = b
        .post_form(&format!("{edit}/publish"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let _ = t;
    edit
}

async fn edit_article(b: &common::Browser, edit: &str, body: &str) {
    let csrf = b.csrf_from(edit).await;
    let r = b
        .post_form(
            edit,
            &[
                ("csrf", &csrf),
                ("title", "Kept pages"),
                ("slug", "kept-pages"),
                ("body", body),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

on_both!(
    an_edit_is_seen_at_once_here_and_within_the_interval_on_another_instance,
    practice,
    |t| {
        let other = t.second_instance().await;
        let here = Raw::new(&t.base);
        let there = Raw::new(&other.base);
        let therapist = t.signed_in(THERAPIST_EMAIL).await;
        let edit = publish_article(&t, &therapist, "The first words.").await;
        for raw in [&here, &there] {
            let got = raw
                .get("/articles/kept-pages", &[("accept-encoding", "br")])
                .await;
            assert_eq!(got.status, StatusCode::OK);
            assert!(String::from_utf8(unbrotli(&got.body))
                .unwrap()
                .contains("The first words."));
        }
        let home_before = there.get("/", &[]).await;

        edit_article(&therapist, &edit, "The second words.").await;
        // Here, at once, in every coding.
        let plain = here.get("/articles/kept-pages", &[]).await;
        assert!(String::from_utf8_lossy(&plain.body).contains("The second words."));
        let br = here
            .get("/articles/kept-pages", &[("accept-encoding", "br")])
            .await;
        assert_eq!(unbrotli(&br.body), plain.body);
        // There, the kept page until its interval has passed: the instance does not ask the
        // database on every request (its clock has not moved, so it has not asked again)...
        let stale = there.get("/articles/kept-pages", &[]).await;
        assert!(String::from_utf8_lossy(&stale.body).contains("The first words."));
        other.clock.advance(
            jiff::SignedDuration::try_from(app::site::CHECK_EVERY).unwrap()
                - jiff::SignedDuration::from_millis(1),
        );
        let stale = there.get("/articles/kept-pages", &[]).await;
        assert!(String::from_utf8_lossy(&stale.body).contains("The first words."));
        // ...and the new page once it has: every cached page of that instance goes.
        other.clock.advance(jiff::SignedDuration::from_millis(1));
        let fresh = there.get("/articles/kept-pages", &[]).await;
        assert!(String::from_utf8_lossy(&fresh.body).contains("The second words."));
        let br = there
            .get("/articles/kept-pages", &[("accept-encoding", "br")])
            .await;
        assert_eq!(unbrotli(&br.body), fresh.body);
        // The home lists the article's summary: its kept page went too.
        assert!(String::from_utf8_lossy(&home_before.body).contains("The first words."));
        let home_after = there.get("/", &[]).await;
        assert!(String::from_utf8_lossy(&home_after.body).contains("The second words."));
        // A browser holding the old page's tag gets the new page.
        let old_tag = stale.header("etag").unwrap();
        let got = there
            .get("/articles/kept-pages", &[("if-none-match", old_tag)])
            .await;
        assert_eq!(got.status, StatusCode::OK);

        // Unpublished here: gone there after the interval too.
        let csrf = therapist.csrf_from(&edit).await;
        let r = therapist
            .post_form(&format!("{edit}/unpublish"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            here.get("/articles/kept-pages", &[]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            there.get("/articles/kept-pages", &[]).await.status,
            StatusCode::OK
        );
        other
            .clock
            .advance(jiff::SignedDuration::try_from(app::site::CHECK_EVERY).unwrap());
        assert_eq!(
            there.get("/articles/kept-pages", &[]).await.status,
            StatusCode::NOT_FOUND
        );
    }
);

on_both!(
    a_signed_in_reader_neither_gets_nor_fills_a_visitors_page,
    practice,
    |t| {
        let therapist = t.signed_in(THERAPIST_EMAIL).await;
        t.invite_patient(&therapist, "Mara Patient", "mara@example.org")
            .await;
        let patient = t.patient_signed_in("mara@example.org").await;
        let book = "class=\"nav-cta\"";
        // The patient first: their page (no "Book a first consultation") is not kept...
        for path in ["/", ARTICLE, "/faq"] {
            let r = patient.get(path).await;
            assert!(r.headers().get("etag").is_none(), "{path}");
            assert!(!r.text().await.unwrap().contains(book), "{path}");
        }
        // ...so a visitor after them gets the visitor's page, which is kept...
        let visitor = t.browser();
        for path in ["/", ARTICLE, "/faq"] {
            let r = visitor.get(path).await;
            assert!(r.headers().get("etag").is_some(), "{path}");
            assert!(r.text().await.unwrap().contains(book), "{path}");
        }
        // ...and never given to the patient or the therapist.
        for path in ["/", ARTICLE, "/faq"] {
            let r = patient.get(path).await;
            assert!(r.headers().get("etag").is_none(), "{path}");
            assert!(!r.text().await.unwrap().contains(book), "{path}");
            let r = therapist.get(path).await;
            assert!(r.headers().get("etag").is_none(), "{path}");
        }
        // A session cookie that is not (or no longer) valid is still kept out: the cache does
        // not look sessions up.
        let raw = Raw::new(&t.base);
        let got = raw
            .get("/", &[("cookie", "__Host-hs_session=forged")])
            .await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.header("etag"), None);
    }
);

on_both!(each_language_has_its_own_page, practice, |t| {
    app::i18n::register_pseudo_locale("en-XA");
    let raw = Raw::new(&t.base);
    let english = raw.get(ARTICLE, &[]).await;
    let pseudo = raw.get(ARTICLE, &[("accept-language", "en-XA")]).await;
    let english_again = raw.get(ARTICLE, &[("accept-language", "en")]).await;
    assert!(String::from_utf8_lossy(&pseudo.body).contains("<html lang=\"en-XA\">"));
    assert!(String::from_utf8_lossy(&english.body).contains("<html lang=\"en\">"));
    assert_eq!(english_again.body, english.body);
    assert_ne!(pseudo.header("etag"), english.header("etag"));
    assert!(pseudo.header("vary").unwrap().contains("accept-language"));
});

/// The headers every answer of the site carries, whatever its status.
const SECURITY: &[&str] = &[
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "permissions-policy",
];

on_both!(
    a_kept_page_is_answered_as_the_router_would_with_every_header,
    practice,
    |t| {
        let raw = Raw::new(&t.base);
        let made = raw.get(ARTICLE, &[]).await;
        let kept = raw.get(ARTICLE, &[]).await;
        assert_eq!(made.status, StatusCode::OK);
        assert_eq!(kept.body, made.body);
        // The same headers, from the router's layers and from the cache in front of them, but
        // the date and the request's own id.
        let names = |got: &Got| {
            let mut names: Vec<String> = got
                .headers
                .keys()
                .map(|n| n.as_str().to_owned())
                .filter(|n| n != "date")
                .collect();
            names.sort();
            names
        };
        assert_eq!(names(&kept), names(&made));
        for name in names(&made) {
            if name != "x-request-id" {
                assert_eq!(kept.header(&name), made.header(&name), "{name}");
            }
        }
        assert_ne!(kept.header("x-request-id"), made.header("x-request-id"));
        let etag = made.header("etag").unwrap().to_string();

        // A 304, a 406 and a HEAD carry the security headers and the request's id too.
        let answers = [
            (
                raw.get(ARTICLE, &[("if-none-match", &etag)]).await,
                StatusCode::NOT_MODIFIED,
            ),
            (
                raw.get(ARTICLE, &[("accept-encoding", "identity;q=0")])
                    .await,
                StatusCode::NOT_ACCEPTABLE,
            ),
            (raw.send(Method::HEAD, ARTICLE, &[]).await, StatusCode::OK),
        ];
        for (got, status) in &answers {
            assert_eq!(got.status, *status);
            assert!(got.body.is_empty(), "{status}");
            for name in SECURITY {
                assert_eq!(got.header(name), made.header(name), "{name} on {status}");
            }
            assert_eq!(
                got.header("x-request-id").map(str::len),
                Some(16),
                "{status}"
            );
            assert_eq!(got.header("vary"), made.header("vary"), "{status}");
        }
        let (not_acceptable, _) = &answers[1];
        assert_eq!(not_acceptable.header("content-type"), None);
        assert_eq!(
            not_acceptable.header("cache-control"),
            None,
            "a refusal is not kept"
        );
        assert_eq!(not_acceptable.header("etag"), None);
        let (not_modified, _) = &answers[0];
        assert_eq!(not_modified.header("cache-control"), Some("no-cache"));

        // A caller's plain id is echoed by a kept page as by any other; a hostile one is not.
        let traced = raw.get(ARTICLE, &[("x-request-id", "trace-me-123")]).await;
        assert_eq!(traced.header("x-request-id"), Some("trace-me-123"));
        let forged = raw
            .get(ARTICLE, &[("x-request-id", "line\tINFO forged")])
            .await;
        assert_eq!(forged.status, StatusCode::OK);
        assert_eq!(forged.header("x-request-id").map(str::len), Some(16));

        // Methods the cache does not answer still reach the router (and its cross-site check).
        let post = raw.send(Method::POST, ARTICLE, &[]).await;
        assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
        for name in SECURITY {
            assert!(post.header(name).is_some(), "{name} on a POST");
        }
        // A query the cache does not keep, a huge one included, is answered by the router.
        let huge = format!("{ARTICLE}?{}", "x".repeat(6_000));
        let got = raw.get(&huge, &[]).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.header("etag"), None);
    }
);
