//! The one translation layer: every text a person reads — pages and mail alike — comes from a
//! Fluent file per language (`locales/*.ftl`). English is complete; another language is one more
//! file in `BUNDLED`. `format` turns instants, durations and money into text for one reader.

pub mod format;
pub mod names;

pub use format::Reader;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::LazyLock;

/// The languages the practice can offer, with their texts; the first is the default.
const BUNDLED: &[(&str, &str)] = &[("en", include_str!("../locales/en.ftl"))];

static BUNDLES: LazyLock<Vec<(&'static str, FluentBundle<FluentResource>)>> = LazyLock::new(|| {
    BUNDLED
        .iter()
        .map(|(tag, source)| (*tag, bundle(tag, source)))
        .collect()
});

fn bundle(tag: &str, source: &str) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, errors)| {
        tracing::error!(?errors, tag, "a .ftl file has syntax errors");
        r
    });
    let id = tag.parse().unwrap_or_else(|_| unic_langid::langid!("en"));
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(?errors, tag, "a .ftl file defines a message twice");
    }
    bundle
}

/// The currency of a practice that has not chosen one.
pub const DEFAULT_CURRENCY: &str = "EUR";

/// A language the practice offers: its BCP 47 tag, as `<html lang>` and the profile store it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lang(&'static str);

impl Default for Lang {
    fn default() -> Self {
        Lang(BUNDLED[0].0)
    }
}

impl Lang {
    pub fn tag(self) -> &'static str {
        self.0
    }

    /// The language called `tag`, when the practice offers it (case as the browser sends it).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        available()
            .into_iter()
            .find(|l| l.0.eq_ignore_ascii_case(tag.trim()))
    }

    /// The best offered language for an `Accept-Language` header, by the weights it gives: an exact
    /// tag first, else the same primary language ("en-GB" reads "en"). `None` when nothing fits.
    pub fn negotiate(accept_language: &str) -> Option<Lang> {
        let mut wanted: Vec<(&str, f32)> = accept_language
            .split(',')
            .filter_map(|part| {
                let mut bits = part.split(';');
                let tag = bits.next()?.trim();
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (!tag.is_empty() && tag != "*" && q > 0.0).then_some((tag, q))
            })
            .collect();
        // A stable sort keeps the header's order among equal weights.
        wanted.sort_by(|a, b| b.1.total_cmp(&a.1));
        wanted.into_iter().find_map(|(tag, _)| {
            Lang::from_tag(tag).or_else(|| {
                let primary = tag.split('-').next().unwrap_or(tag);
                Lang::from_tag(primary)
            })
        })
    }
}

/// Every language offered, the default first.
pub fn available() -> Vec<Lang> {
    let bundled = BUNDLED.iter().map(|(tag, _)| Lang(tag));
    #[cfg(any(test, feature = "test-locales"))]
    let bundled = bundled.chain(pseudo::registered().into_iter().map(Lang));
    bundled.collect()
}

/// The text for `key` in `lang`; the key itself when it is missing (a test checks none is).
pub fn t(lang: Lang, key: &str) -> String {
    format_message(lang, key, None)
}

/// The text for `key` with its `{ $name }` placeholders filled.
pub fn t_with(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        // A count must reach Fluent as a number, or `[one]` never matches and "1 days" is shown.
        // Only a count as `to_string` writes it, though: "0001" is an invoice's number, not one.
        match value.parse::<i64>() {
            Ok(n) if n.to_string() == *value => fluent_args.set(*name, n),
            _ => fluent_args.set(*name, value.clone()),
        }
    }
    format_message(lang, key, Some(&fluent_args))
}

/// A name as it reads in the middle of a sentence: "First consultation" becomes "first
/// consultation" ("Your first consultation with …"); a name that starts with an abbreviation
/// ("EMDR session") keeps its capitals.
pub fn mid_sentence(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(name.chars().skip(1)).collect()
        }
        _ => name.to_string(),
    }
}

/// "2,000": a count with its digits grouped by `lang`'s separator (`format-digit-group`). Passed
/// to a message as text, so Fluent does not format it again.
pub fn grouped(lang: Lang, n: usize) -> String {
    let digits = n.to_string();
    if digits.len() <= 3 {
        return digits;
    }
    let separator = t(lang, "format-digit-group");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(&separator);
        }
        out.push(c);
    }
    out
}

/// Whether the default language has a text for `key`.
pub fn has(key: &str) -> bool {
    BUNDLES[0].1.has_message(key)
}

fn format_message(lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
    let (bundle, wrap) = match BUNDLES.iter().find(|(tag, _)| *tag == lang.0) {
        Some((_, bundle)) => (bundle, false),
        // A pseudo-locale reads the default language's texts and marks each one.
        None => (&BUNDLES[0].1, true),
    };
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut errors = Vec::new();
    let text = bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned();
    if wrap {
        format!("⟦{text}⟧")
    } else {
        text
    }
}

impl crate::App {
    /// The language `user` chose in their profile, when the practice (still) offers it.
    pub async fn language_of(
        &self,
        user: &domain::account::User,
    ) -> crate::AppResult<Option<Lang>> {
        let stored = store::users::language(&mut self.db().conn().await?, &user.id).await?;
        Ok(Lang::from_tag(&stored))
    }

    /// The currency the practice's fees are in (ISO 4217): the practice's setting.
    pub async fn currency(&self) -> crate::AppResult<String> {
        Ok(store::practice::currency(&mut self.db().conn().await?)
            .await?
            .filter(|code| !code.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_string()))
    }

    /// Who reads a mail to `user`: their language (the default when they chose none offered) and
    /// their zone.
    pub async fn reader_for(&self, user: &domain::account::User) -> crate::AppResult<Reader> {
        let lang = self.language_of(user).await?.unwrap_or_default();
        Ok(Reader::new(lang, &user.time_zone))
    }
}

/// The test suite's pseudo-locales: every text of the default language wrapped in ⟦ ⟧, so a test
/// can see which words on a page or in a mail did not come through this layer.
#[cfg(any(test, feature = "test-locales"))]
mod pseudo {
    use std::sync::RwLock;

    static REGISTERED: RwLock<Vec<&'static str>> = RwLock::new(Vec::new());

    pub fn registered() -> Vec<&'static str> {
        REGISTERED.read().map(|r| r.clone()).unwrap_or_default()
    }

    pub fn register(tag: &'static str) {
        if let Ok(mut r) = REGISTERED.write() {
            if !r.contains(&tag) {
                r.push(tag);
            }
        }
    }
}

/// Offers the pseudo-locale `tag` (e.g. "en-XA") from now on: test builds only.
#[cfg(any(test, feature = "test-locales"))]
pub fn register_pseudo_locale(tag: &'static str) -> Lang {
    pseudo::register(tag);
    Lang(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_file_parses_and_names_each_message_once() {
        for (tag, source) in BUNDLED {
            let resource = FluentResource::try_new((*source).to_string())
                .unwrap_or_else(|(_, errors)| panic!("{tag}.ftl has syntax errors: {errors:?}"));
            let mut bundle = FluentBundle::new_concurrent(vec![unic_langid::langid!("en")]);
            if let Err(errors) = bundle.add_resource(resource) {
                panic!("{tag}.ftl defines a message twice: {errors:?}");
            }
        }
    }

    #[test]
    fn counts_choose_their_plural_form() {
        let en = Lang::default();
        let one = t_with(en, "board-days", &[("count", "1".into())]);
        let many = t_with(en, "board-days", &[("count", "3".into())]);
        assert_eq!(one, "at this stage for a day");
        assert_eq!(many, "at this stage for 3 days");
    }

    #[test]
    fn numbers_that_are_names_keep_their_digits() {
        let en = Lang::default();
        let title = |n: &str| t_with(en, "billing-invoice-title", &[("number", n.into())]);
        assert_eq!(title("0001"), "Invoice 0001");
        assert_eq!(title("+7"), "Invoice +7");
        assert_eq!(title("RE-0042"), "Invoice RE-0042");
        assert_eq!(title(""), "Invoice ");
        // Huge: past i64, the text as typed.
        assert_eq!(
            title("99999999999999999999"),
            "Invoice 99999999999999999999"
        );
        assert_eq!(title("12"), "Invoice 12");
        // A count still chooses its plural form.
        assert_eq!(
            t_with(en, "board-days", &[("count", "01".into())]),
            "at this stage for 01 days"
        );
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            t_with(
                Lang::default(),
                "page-of",
                &[("page", "2".into()), ("last", "5".into())]
            ),
            "Page 2 of 5"
        );
    }

    #[test]
    fn the_browsers_preference_picks_among_offered_languages() {
        let en = Lang::default();
        assert_eq!(Lang::negotiate("de-DE,de;q=0.9,en-GB;q=0.8"), Some(en));
        assert_eq!(Lang::negotiate("en-US"), Some(en));
        assert_eq!(Lang::negotiate("fr, de;q=0.5"), None);
        assert_eq!(Lang::negotiate("en;q=0, *"), None);
        let xa = register_pseudo_locale("en-XA");
        assert_eq!(Lang::negotiate("en-XA, en;q=0.5"), Some(xa));
        assert_eq!(Lang::negotiate("en;q=0.5, en-XA"), Some(xa));
        assert_eq!(t(xa, "page-of-unknown-key"), "page-of-unknown-key");
        assert_eq!(
            t_with(xa, "page-of", &[("page", "2".into()), ("last", "5".into())]),
            "⟦Page 2 of 5⟧"
        );
    }
}
