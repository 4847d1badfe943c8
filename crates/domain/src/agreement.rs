//! The therapy agreement ("the frame"): a Markdown template with placeholders, the terms that fill
//! them, the exact text a patient signs, and its SHA-256.
//!
//! The signed text is the filled-in Markdown: it is what is stored, hashed and exported, and every
//! page shows it through [`crate::markdown::to_html`], which passes no raw HTML through. Hashing
//! the text rather than its HTML keeps a signature verifiable when the Markdown library changes.

use crate::ids::{AgreementId, CaseId};
use crate::validation::{self, FieldErrors, Validated};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod first_draft;

pub use first_draft::{default_template, Known};

/// The longest template the form accepts, in characters.
pub const BODY_MAX: usize = 20_000;
/// A short term (fee, length, frequency, notice): one line.
pub const SHORT_MAX: usize = 200;
/// A longer term (confidentiality, emergencies…): a paragraph or two.
pub const LONG_MAX: usize = 2_000;
/// The longest signature (typed full name).
pub const NAME_MAX: usize = 200;

/// The terms a template's placeholders are filled with, each the therapist's own words.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub fee: String,
    pub session_length: String,
    pub frequency: String,
    pub cancel_notice: String,
    pub contact_between_sessions: String,
    pub connection_drops: String,
    pub confidentiality: String,
    pub emergencies: String,
    pub private_space: String,
}

impl Terms {
    /// (placeholder, value, longest allowed, may span lines), in the form's order.
    fn fields(&self) -> [(&'static str, &str, usize, bool); 9] {
        [
            ("fee", &self.fee, SHORT_MAX, false),
            ("session_length", &self.session_length, SHORT_MAX, false),
            ("frequency", &self.frequency, SHORT_MAX, false),
            ("cancel_notice", &self.cancel_notice, SHORT_MAX, false),
            (
                "contact_between_sessions",
                &self.contact_between_sessions,
                LONG_MAX,
                true,
            ),
            ("connection_drops", &self.connection_drops, LONG_MAX, true),
            ("confidentiality", &self.confidentiality, LONG_MAX, true),
            ("emergencies", &self.emergencies, LONG_MAX, true),
            ("private_space", &self.private_space, LONG_MAX, true),
        ]
    }
}

/// The placeholders filled from the case when an agreement is sent (names are never typed into
/// the template, so a renamed person is named correctly in the next version).
pub const PARTY_PLACEHOLDERS: [&str; 3] = ["patient", "therapist", "practice"];

/// Every placeholder a template may use.
pub fn known_placeholders() -> Vec<&'static str> {
    Terms::default()
        .fields()
        .iter()
        .map(|(name, ..)| *name)
        .chain(PARTY_PLACEHOLDERS)
        .collect()
}

/// Who the agreement is between, filled in at sending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parties {
    pub patient: String,
    pub therapist: String,
    pub practice: String,
}

/// A template as saved: its text and its terms. Each save is a new version; none is changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub body: String,
    pub terms: Terms,
}

/// The template form as typed: the text and the nine terms.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TemplateInput {
    #[serde(default)]
    pub body: String,
    #[serde(flatten)]
    pub terms: Terms,
}

impl TemplateInput {
    pub fn from_template(t: &Template) -> Self {
        TemplateInput {
            body: t.body.clone(),
            terms: t.terms.clone(),
        }
    }

    /// Every field is required; the text may use only known placeholders (the web layer names the
    /// unknown ones with [`unknown_placeholders`]). Line breaks are stored as `\n`.
    pub fn validate(&self) -> Validated<Template> {
        let mut errors = FieldErrors::default();
        let body = normalise(&validation::text(
            &mut errors,
            "body",
            &self.body,
            true,
            BODY_MAX,
        ));
        if errors.get("body").is_none() && !unknown_placeholders(&body).is_empty() {
            errors.add("body", "error-agreement-placeholder");
        }
        let mut terms = Terms::default();
        for (name, raw, max, multiline) in self.terms.fields() {
            let value = if multiline {
                normalise(&validation::text(&mut errors, name, raw, true, max))
            } else {
                validation::line(&mut errors, name, raw, true, max)
            };
            *term_mut(&mut terms, name) = value;
        }
        errors.finish(Template { body, terms })
    }
}

fn term_mut<'a>(terms: &'a mut Terms, name: &str) -> &'a mut String {
    match name {
        "fee" => &mut terms.fee,
        "session_length" => &mut terms.session_length,
        "frequency" => &mut terms.frequency,
        "cancel_notice" => &mut terms.cancel_notice,
        "contact_between_sessions" => &mut terms.contact_between_sessions,
        "connection_drops" => &mut terms.connection_drops,
        "confidentiality" => &mut terms.confidentiality,
        "emergencies" => &mut terms.emergencies,
        _ => &mut terms.private_space,
    }
}

/// Browsers send line breaks as `\r\n`; the signed text uses `\n` only, so its hash does not
/// depend on the browser that typed it.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// A placeholder is `{name}` with a name of letters, digits and `_` starting with a letter or `_`;
/// any other brace is text. Yields (byte range, name).
fn placeholders(body: &str) -> impl Iterator<Item = (std::ops::Range<usize>, &str)> {
    let mut at = 0;
    std::iter::from_fn(move || loop {
        let open = at + body.get(at..)?.find('{')?;
        let rest = &body[open + 1..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..len];
        let closed = rest[len..].starts_with('}');
        let shaped = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if closed && shaped {
            at = open + len + 2;
            return Some((open..at, name));
        }
        at = open + 1;
    })
}

/// The placeholders in `body` that are not known, each once, in order of appearance.
pub fn unknown_placeholders(body: &str) -> Vec<String> {
    let known = known_placeholders();
    let mut out: Vec<String> = Vec::new();
    for (_, name) in placeholders(body) {
        if !known.contains(&name) && !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// What this person's agreement says differently from the template (fee and frequency are often
/// agreed person by person). Sealed with the case: a reduced fee is nobody else's business.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
}

/// The sending form on the case page: empty fields take the template's terms.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SendInput {
    #[serde(default)]
    pub agreement_fee: String,
    #[serde(default)]
    pub agreement_frequency: String,
}

impl SendInput {
    pub fn validate(&self) -> Validated<Overrides> {
        let mut errors = FieldErrors::default();
        let mut optional = |field: &'static str, raw: &str| {
            let value = validation::line(&mut errors, field, raw, false, SHORT_MAX);
            (!value.is_empty()).then_some(value)
        };
        let fee = optional("agreement_fee", &self.agreement_fee);
        let frequency = optional("agreement_frequency", &self.agreement_frequency);
        errors.finish(Overrides { fee, frequency })
    }
}

/// Names carry no Markdown: a patient's name is shown as typed, never as a link or emphasis. Only
/// what means something inside a line is escaped, so "Dr. Anna" stays readable in the signed text.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|c| !c.is_control()) {
        if "\\`*_[]<>!&~|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The exact text that is sent and signed: the template's body with every placeholder filled.
pub fn render(template: &Template, overrides: &Overrides, parties: &Parties) -> String {
    let t = &template.terms;
    let value = |name: &str| -> Option<String> {
        Some(match name {
            "fee" => overrides.fee.clone().unwrap_or_else(|| t.fee.clone()),
            "frequency" => overrides
                .frequency
                .clone()
                .unwrap_or_else(|| t.frequency.clone()),
            "session_length" => t.session_length.clone(),
            "cancel_notice" => t.cancel_notice.clone(),
            "contact_between_sessions" => t.contact_between_sessions.clone(),
            "connection_drops" => t.connection_drops.clone(),
            "confidentiality" => t.confidentiality.clone(),
            "emergencies" => t.emergencies.clone(),
            "private_space" => t.private_space.clone(),
            "patient" => literal(&parties.patient),
            "therapist" => literal(&parties.therapist),
            "practice" => literal(&parties.practice),
            _ => return None,
        })
    };
    let body = &template.body;
    let mut out = String::with_capacity(body.len() + 2_000);
    let mut last = 0;
    for (range, name) in placeholders(body) {
        if let Some(v) = value(name) {
            out.push_str(&body[last..range.start]);
            out.push_str(&v);
            last = range.end;
        }
    }
    out.push_str(&body[last..]);
    out
}

/// The SHA-256 of the signed text's UTF-8 bytes, as 64 lowercase hex digits.
pub fn fingerprint(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The signing form: the typed full name, the tick, and the hash of the text that was shown.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SignInput {
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub agree: Option<String>,
    #[serde(default)]
    pub sha256: String,
}

impl SignInput {
    /// The typed name must contain every word of the name the practice knows (in any case and
    /// order, punctuation aside), so "mara jovanović" signs for Mara Jovanović and "M. J." does
    /// not; and the box must be ticked. Answers the name as typed.
    pub fn validate(&self, account_name: &str) -> Validated<String> {
        let mut errors = FieldErrors::default();
        let name = validation::line(&mut errors, "full_name", &self.full_name, true, NAME_MAX);
        if errors.get("full_name").is_none() && !name_matches(account_name, &name) {
            errors.add("full_name", "error-agreement-name");
        }
        if !matches!(self.agree.as_deref(), Some("on" | "true" | "yes")) {
            errors.add("agree", "error-agreement-agree");
        }
        errors.finish(name)
    }
}

fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `typed` names the person known as `account`.
pub fn name_matches(account: &str, typed: &str) -> bool {
    let typed = words(typed);
    let account = words(account);
    !typed.is_empty() && account.iter().all(|w| typed.contains(w))
}

/// Where an agreement stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Sent, waiting for the patient's signature.
    Open,
    Signed,
    Countersigned,
    /// Replaced by a newer one before it was signed.
    Withdrawn,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Signed => "signed",
            Status::Countersigned => "countersigned",
            Status::Withdrawn => "withdrawn",
        }
    }
}

/// An agreement's facts, without its sealed parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgreementInfo {
    pub id: AgreementId,
    pub case_id: CaseId,
    pub version: i64,
    pub sha256: String,
    pub sent_at: jiff::Timestamp,
    pub signed_at: Option<jiff::Timestamp>,
    pub countersigned_at: Option<jiff::Timestamp>,
    pub withdrawn_at: Option<jiff::Timestamp>,
}

impl AgreementInfo {
    pub fn status(&self) -> Status {
        match (self.signed_at, self.countersigned_at, self.withdrawn_at) {
            (Some(_), Some(_), _) => Status::Countersigned,
            (Some(_), None, _) => Status::Signed,
            (None, _, Some(_)) => Status::Withdrawn,
            (None, _, None) => Status::Open,
        }
    }
}

/// An agreement opened: its facts, the exact text, and the signatures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Agreement {
    pub info: AgreementInfo,
    pub text: String,
    pub overrides: Overrides,
    pub signer_name: Option<String>,
    pub signer_address: Option<String>,
    pub signer_agent: Option<String>,
    /// The therapist who countersigned, by name.
    pub countersigned_by: Option<String>,
}

/// Where a case stands with its agreement: nothing sent, the one to sign (and whether an older
/// one was signed before), or signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    None,
    /// An agreement waits for the patient; `renewal` when an older version was signed before.
    AskedToSign {
        version: i64,
        renewal: bool,
    },
    Signed {
        version: i64,
        countersigned: bool,
    },
}

/// `agreements` newest first.
pub fn standing(agreements: &[AgreementInfo]) -> Standing {
    let signed_before = |v: i64| {
        agreements
            .iter()
            .any(|a| a.version < v && a.signed_at.is_some())
    };
    match agreements.iter().find(|a| a.status() != Status::Withdrawn) {
        None => Standing::None,
        Some(a) if a.status() == Status::Open => Standing::AskedToSign {
            version: a.version,
            renewal: signed_before(a.version),
        },
        Some(a) => Standing::Signed {
            version: a.version,
            countersigned: a.countersigned_at.is_some(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn known() -> Known<'static> {
        Known {
            session_minutes: Some(50),
            session_price_cents: Some(9_500),
            cancel_hours: 48,
            crisis_contacts: "Call 112.",
        }
    }

    fn parties() -> Parties {
        Parties {
            patient: "Mara Jovanović".into(),
            therapist: "Theo Colleague".into(),
            practice: "Linden Room".into(),
        }
    }

    fn input(body: &str) -> TemplateInput {
        TemplateInput {
            body: body.into(),
            terms: default_template(&known()).terms,
        }
    }

    #[test]
    fn the_default_template_is_valid_and_fills_every_placeholder() {
        let t = default_template(&known());
        let again = TemplateInput::from_template(&t).validate().unwrap();
        assert_eq!(again, t);
        let text = render(&t, &Overrides::default(), &parties());
        assert!(!text.contains('{') && !text.contains('}'), "{text}");
        for needle in [
            "95 EUR per session",
            "50 minutes",
            "48 hours",
            "once a week",
            "Call 112.",
            "Mara Jovanović",
            "Linden Room",
            "records",
        ] {
            assert!(text.contains(needle), "{needle}");
        }
    }

    #[test]
    fn placeholders_are_filled_and_overrides_win() {
        let t = input("Fee {fee}, {frequency}, {session_length}; for {patient}.")
            .validate()
            .unwrap();
        let o = Overrides {
            fee: Some("60 EUR".into()),
            frequency: None,
        };
        assert_eq!(
            render(&t, &o, &parties()),
            "Fee 60 EUR, once a week, at the same time each week, 50 minutes; for Mara Jovanović."
        );
    }

    #[test]
    fn unknown_placeholders_are_refused_and_named() {
        let body = "Fee {fee} and {Fee}, {deposit} again {deposit}, {price_2}; but {} and { x } and {1} are text";
        assert_eq!(unknown_placeholders(body), ["Fee", "deposit", "price_2"]);
        assert_eq!(
            input(body).validate().unwrap_err().get("body"),
            Some("error-agreement-placeholder")
        );
        assert!(input("JSON {\"a\": 1} and {fee}").validate().is_ok());
    }

    #[test]
    fn empty_and_huge_input_is_refused_field_by_field() {
        let mut i = input("");
        i.terms.fee = "  ".into();
        i.terms.confidentiality = "x".repeat(LONG_MAX + 1);
        i.terms.frequency = "weekly\nor not".into();
        let e = i.validate().unwrap_err();
        assert_eq!(e.get("body"), Some("error-required"));
        assert_eq!(e.get("fee"), Some("error-required"));
        assert_eq!(e.get("confidentiality"), Some("error-too-long"));
        assert_eq!(e.get("frequency"), Some("error-invalid-characters"));
        let e = input(&"a".repeat(BODY_MAX + 1)).validate().unwrap_err();
        assert_eq!(e.get("body"), Some("error-too-long"));
    }

    #[test]
    fn line_breaks_are_stored_as_newlines() {
        let t = input("# A\r\n\r\nB {fee}\r\n").validate().unwrap();
        assert_eq!(t.body, "# A\n\nB {fee}");
    }

    #[test]
    fn hostile_input_is_escaped_in_the_rendering() {
        let mut i = input("{fee}\n\n{confidentiality}\n\nSigned by {patient}");
        i.terms.fee = "<script>alert(1)</script>".into();
        i.terms.confidentiality = "<img src=x onerror=alert(1)> [x](javascript:alert(1))".into();
        let t = i.validate().unwrap();
        let p = Parties {
            patient: "[Mara](https://evil.example) <b>".into(),
            ..parties()
        };
        let html = crate::markdown::to_html(&render(&t, &Overrides::default(), &p));
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "{html}"
        );
        assert!(
            !html.contains("javascript:") && !html.contains("<b>"),
            "{html}"
        );
        assert!(
            !html.contains("href=\"https://evil"),
            "a name is never a link: {html}"
        );
        assert!(html.contains("&lt;script&gt;"));
        assert!(
            html.contains("[Mara](https://evil.example) &lt;b&gt;"),
            "{html}"
        );
    }

    #[test]
    fn the_hash_is_stable_and_sees_every_byte() {
        assert_eq!(
            fingerprint(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            fingerprint("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let t = default_template(&known());
        let text = render(&t, &Overrides::default(), &parties());
        assert_eq!(fingerprint(&text), fingerprint(&text.clone()));
        assert_ne!(fingerprint(&text), fingerprint(&format!("{text} ")));
    }

    #[test]
    fn the_typed_name_must_name_the_person() {
        for typed in [
            "Mara Jovanović",
            "mara jovanović",
            "  MARA   JOVANOVIĆ ",
            "Jovanović, Mara",
            "Mara Ana Jovanović",
        ] {
            assert!(name_matches("Mara Jovanović", typed), "{typed}");
        }
        for typed in ["", "Mara", "M. J.", "Mara Jovanovic", "Someone Else"] {
            assert!(!name_matches("Mara Jovanović", typed), "{typed}");
        }
    }

    #[test]
    fn signing_needs_the_name_and_the_tick() {
        let e = SignInput::default().validate("Mara").unwrap_err();
        assert_eq!(e.get("full_name"), Some("error-required"));
        assert_eq!(e.get("agree"), Some("error-agreement-agree"));
        let wrong = SignInput {
            full_name: "Somebody".into(),
            agree: Some("on".into()),
            sha256: String::new(),
        };
        assert_eq!(
            wrong.validate("Mara").unwrap_err().get("full_name"),
            Some("error-agreement-name")
        );
        let ok = SignInput {
            full_name: "mara".into(),
            ..wrong
        };
        assert_eq!(ok.validate("Mara").unwrap(), "mara");
    }

    #[test]
    fn the_standing_follows_the_newest_agreement_that_counts() {
        let at = jiff::Timestamp::UNIX_EPOCH;
        let a = |version: i64, signed: bool, withdrawn: bool| AgreementInfo {
            id: AgreementId::new(format!("a{version}")),
            case_id: CaseId::new("c"),
            version,
            sha256: String::new(),
            sent_at: at,
            signed_at: signed.then_some(at),
            countersigned_at: None,
            withdrawn_at: withdrawn.then_some(at),
        };
        assert_eq!(standing(&[]), Standing::None);
        assert_eq!(
            standing(&[a(2, false, false), a(1, true, false)]),
            Standing::AskedToSign {
                version: 2,
                renewal: true
            }
        );
        assert_eq!(
            standing(&[a(3, false, true), a(2, true, false)]),
            Standing::Signed {
                version: 2,
                countersigned: false
            }
        );
        assert_eq!(
            standing(&[a(1, false, false)]),
            Standing::AskedToSign {
                version: 1,
                renewal: false
            }
        );
    }

    proptest! {
        #[test]
        fn no_value_produces_markup(value in "\\PC{0,200}") {
            let mut i = input("{fee} {patient}");
            i.terms.fee = value.clone();
            if let Ok(t) = i.validate() {
                let p = Parties { patient: value, ..parties() };
                let html = crate::markdown::to_html(&render(&t, &Overrides::default(), &p)).to_ascii_lowercase();
                prop_assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<iframe"));
            }
        }
    }
}
