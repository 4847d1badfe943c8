//! The demo practice (`serve --demo`): an invented practice with original content, loaded once.
//! Loading again on the same data duplicates nothing: what exists already is left alone.

use crate::accounts::hash_password;
use crate::error::{AppError, AppResult};
use crate::App;
use domain::account::Role;
use domain::content::{Draft, DraftInput, PageKind};
use domain::practice::Details;
use serde::Deserialize;
use store::{pages, practice, users, StoreError};

pub const DEMO_PASSWORD: &str = "demo-practice-2026";

const PRACTICE: &str = include_str!("../demo/practice.toml");

const FILES: &[(PageKind, &str)] = &[
    (PageKind::Page, include_str!("../demo/pages/about.md")),
    (PageKind::Page, include_str!("../demo/pages/fees.md")),
    (PageKind::Page, include_str!("../demo/pages/privacy.md")),
    (PageKind::Faq, include_str!("../demo/faq/who-is-it-for.md")),
    (
        PageKind::Faq,
        include_str!("../demo/faq/what-can-it-help-with.md"),
    ),
    (
        PageKind::Faq,
        include_str!("../demo/faq/how-does-it-work.md"),
    ),
    (PageKind::Faq, include_str!("../demo/faq/what-do-i-need.md")),
    (
        PageKind::Article,
        include_str!("../demo/articles/what-happens-in-the-first-session.md"),
    ),
    (
        PageKind::Article,
        include_str!("../demo/articles/what-you-need-for-online-sessions.md"),
    ),
    (
        PageKind::Article,
        include_str!("../demo/articles/is-online-therapy-as-good-as-in-person.md"),
    ),
    (
        PageKind::Article,
        include_str!("../demo/articles/anxiety-when-worry-takes-over.md"),
    ),
    (
        PageKind::Article,
        include_str!("../demo/articles/why-we-talk-about-family-in-therapy.md"),
    ),
    (
        PageKind::Article,
        include_str!("../demo/articles/therapy-when-you-live-abroad.md"),
    ),
    (
        PageKind::Article,
        include_str!("../demo/articles/how-to-know-if-therapy-is-working.md"),
    ),
    (
        PageKind::Article,
        include_str!("../demo/articles/ending-therapy-well.md"),
    ),
    (
        PageKind::Article,
        include_str!("../demo/articles/far-from-home-belonging-family-and-worry.md"),
    ),
];

#[derive(Deserialize)]
struct FrontMatter {
    title: String,
    slug: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    position: i64,
}

/// What the demo's owner signs in with.
pub struct DemoLogin {
    pub email: String,
    pub password: &'static str,
    /// The owner's TOTP secret (base32), for an authenticator app or `holdspace`'s printed code.
    pub totp_secret: String,
}

impl App {
    pub async fn load_demo(&self) -> AppResult<DemoLogin> {
        let details: Details = parse_practice(PRACTICE)?;
        let now = self.now();
        // Hashed before the transaction: Argon2 is slow, and a held transaction blocks writers.
        let hash = hash_password(DEMO_PASSWORD.into()).await?;
        let mut tx = self.db().begin().await?;
        if !practice::exists(&mut tx).await? {
            let owner = practice::NewOwner {
                email: &details.email,
                name: &details.owner_name,
                time_zone: &details.time_zone,
                password_hash: &hash,
            };
            let user = practice::create(&mut tx, &details, owner, None, now).await?;
            self.enrol_directly(&mut tx, &user).await?;
            for line in parse_crisis_lines(PRACTICE)? {
                practice::save_crisis_line(&mut tx, &line, now).await?;
            }
        } else if users::find_by_email(&mut tx, &details.email)
            .await?
            .is_none()
        {
            let user = users::NewUser {
                role: Role::Therapist,
                email: &details.email,
                name: &details.owner_name,
                time_zone: &details.time_zone,
                password_hash: Some(&hash),
            };
            let user = users::create(&mut tx, user, now).await?;
            self.enrol_directly(&mut tx, &user).await?;
        }
        let (demo_user, _) = users::find_by_email(&mut tx, &details.email)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        if store::booking::availability(&mut self.db().conn().await?, &demo_user.id)
            .await?
            .is_none()
        {
            self.set_demo_availability(&demo_user.id).await?;
        }
        if store::billing::profile(&mut self.db().conn().await?, &demo_user.id)
            .await?
            .is_none()
        {
            // Invoices can be tried at once: a German practice's details, the VAT exemption for
            // healing professions, an example IBAN (a bank's documented test account).
            let profile = domain::invoice::Profile {
                issuer: format!("{}, Psychotherapeutin (HeilprG)", details.owner_name),
                address: "Lindenstraße 4\n10969 Berlin".into(),
                tax_id: "27/123/45678".into(),
                country: "DE".into(),
                iban: "DE89370400440532013000".into(),
                bic: "COBADEFFXXX".into(),
                exemption: "Umsatzsteuerfrei gemäß § 4 Nr. 14 UStG (heilberufliche Tätigkeit)."
                    .into(),
                payment_days: 14,
                reminder_days: vec![7],
                ..domain::invoice::Profile::default()
            };
            let mut tx = self.db().begin().await?;
            store::billing::save_profile(&mut tx, &demo_user.id, &profile, now).await?;
            tx.commit().await?;
        }
        let totp_secret = users::totp(&mut self.db().conn().await?, &demo_user.id)
            .await?
            .secret
            .unwrap_or_default();
        for (kind, file) in FILES {
            let (front, body) = split_front_matter(file)?;
            let input = DraftInput {
                title: front.title,
                slug: front.slug,
                description: front.description,
                body: body.to_string(),
                tags: front.tags.join(", "),
                position: front.position.to_string(),
            };
            let draft = Draft::validate(&input).map_err(|e| {
                AppError::Config(format!("demo page {:?} is invalid: {e:?}", input.slug))
            })?;
            // Each page in its own transaction: one already there (a conflict) is skipped.
            let mut tx = self.db().begin().await?;
            let page = match pages::create(&mut tx, *kind, &draft, now).await {
                Ok(page) => page,
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            };
            let published = match front.published {
                Some(date) => date
                    .parse::<jiff::civil::Date>()
                    .map_err(|e| AppError::internal("reading a demo date", e))?
                    .at(9, 0, 0, 0)
                    .in_tz(&details.time_zone)
                    .map_err(|e| AppError::internal("placing a demo time", e))?
                    .timestamp(),
                None => now,
            };
            pages::set_published_at(&mut tx, &page.id, published).await?;
            tx.commit().await?;
        }
        // The practice and its pages, in several transactions above: one mark for them all.
        store::site::bump(&mut self.db().conn().await?).await?;
        self.site_changed();
        Ok(DemoLogin {
            email: details.email,
            password: DEMO_PASSWORD,
            totp_secret,
        })
    }
}

impl App {
    /// Weekdays 09:00–13:00 and 14:00–18:00 (Fridays mornings only) in the owner's zone, so a
    /// visitor can book at once.
    pub(crate) async fn set_demo_availability(
        &self,
        therapist: &domain::ids::UserId,
    ) -> AppResult<()> {
        use domain::booking::{AppointmentType, Rules, Weekly};
        use jiff::civil::{Time, Weekday};
        let mut weekly = Vec::new();
        for day in [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ] {
            weekly.push(Weekly {
                weekday: day,
                start: Time::constant(9, 0, 0, 0),
                end: Time::constant(13, 0, 0, 0),
            });
            if day != Weekday::Friday {
                weekly.push(Weekly {
                    weekday: day,
                    start: Time::constant(14, 0, 0, 0),
                    end: Time::constant(18, 0, 0, 0),
                });
            }
        }
        let types = [
            AppointmentType {
                key: "first".into(),
                name: "First consultation".into(),
                minutes: 50,
                buffer_minutes: 10,
                price_cents: Some(6000),
                open_to_visitors: true,
            },
            AppointmentType {
                key: "session".into(),
                name: "Session".into(),
                minutes: 50,
                buffer_minutes: 10,
                price_cents: Some(9500),
                open_to_visitors: false,
            },
        ];
        let mut tx = self.db().begin().await?;
        store::booking::set_availability(
            &mut tx,
            therapist,
            &weekly,
            &types,
            &Rules::default(),
            jiff::SignedDuration::from_hours(48),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn parse_practice(text: &str) -> AppResult<Details> {
    let mut details: Details =
        toml::from_str(text).map_err(|e| AppError::internal("reading the demo practice", e))?;
    details.home_intro = details.home_intro.trim().to_string();
    Ok(details)
}

/// The demo practice's crisis services by country (its `[crisis_lines]` table).
fn parse_crisis_lines(text: &str) -> AppResult<Vec<domain::crisis::Line>> {
    #[derive(serde::Deserialize)]
    struct Lines {
        #[serde(default)]
        crisis_lines: std::collections::BTreeMap<String, String>,
    }
    let lines: Lines =
        toml::from_str(text).map_err(|e| AppError::internal("reading the demo practice", e))?;
    lines
        .crisis_lines
        .into_iter()
        .map(|(country, contacts)| {
            domain::crisis::LineInput { country, contacts }
                .validate()
                .map_err(|_| AppError::Config("demo practice: a crisis line is not valid".into()))
        })
        .collect()
}

fn split_front_matter(file: &str) -> AppResult<(FrontMatter, &str)> {
    let rest = file
        .strip_prefix("+++\n")
        .ok_or_else(|| AppError::Config("demo file without front matter".into()))?;
    let (front, body) = rest
        .split_once("\n+++\n")
        .ok_or_else(|| AppError::Config("demo file: front matter not closed".into()))?;
    let front: FrontMatter = toml::from_str(front)
        .map_err(|e| AppError::internal("reading a demo file's front matter", e))?;
    Ok((front, body.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_file_is_valid() {
        parse_practice(PRACTICE).unwrap();
        let mut articles = 0;
        for (kind, file) in FILES {
            let (front, body) = split_front_matter(file).unwrap();
            assert!(domain::slug::check(&front.slug).is_ok(), "{}", front.slug);
            assert!(!body.is_empty());
            if *kind == PageKind::Article {
                articles += 1;
                assert!(front.published.is_some());
            }
        }
        assert!(articles >= 6);
    }
}
