//! What a generated practice holds, decided from the seed alone before anything is written: the
//! therapists, their weekly chairs, and the course of therapy each patient takes in a chair.

/// SplitMix64: small, fast, and the same sequence everywhere for a seed (no crate, no platform
/// difference). Not for anything secret: the generator's only randomness that matters for privacy
/// (keys, nonces, ids) comes from the store, as in real use.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for `part` (a therapist, a week): the plan of one therapist does not
    /// shift when another's changes.
    pub(crate) fn fork(&self, part: u64) -> Rng {
        let mut r = Rng(self.0 ^ part.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` / 100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Ten years of weeks (the default), and four ahead that are booked but not yet held.
pub const TEN_YEARS: u32 = 522;
pub(crate) const FUTURE_WEEKS: u32 = 4;
/// Weekly places a therapist keeps (30 of them: about 15,000 sessions in ten years).
pub(crate) const CHAIRS: usize = 30;

/// A weekly place in a therapist's hours: weekday (0 = Monday) and hour, in their zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chair {
    pub weekday: i8,
    pub hour: i8,
}

/// One patient's therapy in one chair: from `first_week` (the first consultation) for `weeks`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Course {
    pub therapist: usize,
    pub chair: usize,
    pub first_week: u32,
    pub weeks: u32,
    pub patient: Person,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Person {
    pub name: String,
    pub email: String,
    pub time_zone: String,
}

pub(crate) struct Therapist {
    pub person: Person,
    pub chairs: Vec<Chair>,
}

pub(crate) struct Plan {
    /// Weeks of history before this one.
    pub past_weeks: u32,
    pub therapists: Vec<Therapist>,
    /// Every course, by first week (then therapist, chair): the order they are written in.
    pub courses: Vec<Course>,
}

const FIRST: &[&str] = &[
    "Amira", "Jonas", "Lea", "Mateo", "Sofia", "Noah", "Hana", "Elias", "Yara", "Luca", "Mila",
    "Omar", "Ines", "Felix", "Zoe", "Karim", "Nora", "Tomas", "Aiko", "Leon", "Maya", "David",
    "Sara", "Emil", "Lina", "Ravi", "Clara", "Jakob", "Nadia", "Paul", "Selin", "Ben", "Alma",
    "Diego", "Ida", "Malik", "Eva", "Theo", "Rosa", "Samir",
];
const LAST: &[&str] = &[
    "Becker",
    "Okafor",
    "Novak",
    "Rossi",
    "Haddad",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Schulz",
    "Costa",
    "Nowak",
    "Ibrahim",
    "Keller",
    "Petrov",
    "Jansen",
    "Silva",
    "Yilmaz",
    "Fischer",
    "Andersen",
    "Kowalski",
    "Weber",
    "Dubois",
    "Nakamura",
    "Hoffmann",
    "Garcia",
    "Meyer",
    "Ali",
    "Vogel",
    "Santos",
    "Brandt",
];
const PATIENT_ZONES: &[&str] = &[
    "Europe/Berlin",
    "Europe/Berlin",
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/London",
    "Europe/Lisbon",
    "America/New_York",
    "Asia/Dubai",
    "Asia/Singapore",
    "Australia/Sydney",
];
const THERAPIST_ZONES: &[&str] = &["Europe/Berlin", "Europe/Vienna", "Europe/Zurich"];
/// The places a week offers: Monday to Thursday 9–12 and 14–17, Friday 9–12 (36 in all).
fn places() -> Vec<Chair> {
    let mut all = Vec::new();
    for weekday in 0..5 {
        for hour in [9, 10, 11, 12, 14, 15, 16, 17] {
            if weekday < 4 || hour < 13 {
                all.push(Chair { weekday, hour });
            }
        }
    }
    all
}

impl Plan {
    /// The plan for `scale` therapists; therapist 0 is the demo's owner (`owner`).
    pub(crate) fn new(scale: u32, past_weeks: u32, seed: u64, owner: Person) -> Plan {
        let root = Rng::new(seed);
        let mut therapists = Vec::new();
        let mut courses = Vec::new();
        for t in 0..scale as usize {
            let mut rng = root.fork(t as u64 + 1);
            let person = if t == 0 {
                owner.clone()
            } else {
                let first = rng.pick(FIRST);
                let last = rng.pick(LAST);
                Person {
                    name: format!("{first} {last}"),
                    email: format!(
                        "{}.{}.{t}@team.example",
                        first.to_lowercase(),
                        last.to_lowercase()
                    ),
                    time_zone: rng.pick(THERAPIST_ZONES).to_string(),
                }
            };
            let mut free = places();
            let mut chairs = Vec::new();
            while chairs.len() < CHAIRS {
                let i = rng.below(free.len() as u64) as usize;
                chairs.push(free.swap_remove(i));
            }
            for chair in 0..CHAIRS {
                let mut week = rng.below(6) as u32;
                while week < past_weeks + FUTURE_WEEKS {
                    // Most therapies here run from three months to a year and a half; a few
                    // end after the first meeting or two.
                    let weeks = if rng.chance(8) {
                        1 + rng.below(2) as u32
                    } else {
                        12 + rng.below(60) as u32
                    };
                    let first = rng.pick(FIRST);
                    let last = rng.pick(LAST);
                    let n = courses.len();
                    courses.push(Course {
                        therapist: t,
                        chair,
                        first_week: week,
                        weeks,
                        patient: Person {
                            name: format!("{first} {last}"),
                            email: format!(
                                "{}.{}.{n}@mail.example",
                                first.to_lowercase(),
                                last.to_lowercase()
                            ),
                            time_zone: rng.pick(PATIENT_ZONES).to_string(),
                        },
                    });
                    week += weeks + 1 + rng.below(4) as u32;
                }
            }
            therapists.push(Therapist { person, chairs });
        }
        courses.sort_by_key(|c| (c.first_week, c.therapist, c.chair));
        Plan {
            past_weeks,
            therapists,
            courses,
        }
    }
}

/// What a session note says: invented, plain, never about anyone real.
pub(crate) const NOTE_LINES: &[&str] = &[
    "Spoke about the week at work and the tension before meetings.",
    "Returned to the relationship with the mother; more able to stay with the sadness today.",
    "Sleep better since the last session; worry in the evenings remains.",
    "Explored the pattern of agreeing quickly and resenting it later.",
    "Practised noticing the first signs of panic and slowing the breath.",
    "Talked about the move abroad and missing the family's language.",
    "Difficult session: anger at the therapist's holiday, named and explored.",
    "Reviewed the goals set at the start; two of three feel closer.",
    "Grief for the father came up unexpectedly while talking about the garden.",
    "Planned how to raise the question of hours with the manager.",
];

pub(crate) const MESSAGE_LINES: &[&str] = &[
    "Could we move Thursday's session by an hour? Work has changed.",
    "Thank you for today. I noticed I felt lighter on the way home.",
    "I will be travelling next week; can we meet online from the hotel?",
    "Of course, the link stays the same.",
    "Received, see you on Tuesday.",
    "I filled in the questionnaire you sent.",
    "The invoice for last month is paid.",
    "I had a hard night and wanted to tell you before the session.",
    "Thank you for letting me know. We can start there on Tuesday.",
    "Is the session still on with the holiday on Monday?",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Person {
        Person {
            name: "Owner".into(),
            email: "owner@example.org".into(),
            time_zone: "Europe/Berlin".into(),
        }
    }

    #[test]
    fn a_seed_gives_the_same_plan_and_another_seed_another() {
        let a = Plan::new(2, TEN_YEARS, 7, owner());
        let b = Plan::new(2, TEN_YEARS, 7, owner());
        let c = Plan::new(2, TEN_YEARS, 8, owner());
        assert_eq!(a.courses, b.courses);
        assert_ne!(a.courses, c.courses);
    }

    #[test]
    fn one_therapist_has_ten_years_of_a_full_week() {
        let plan = Plan::new(1, TEN_YEARS, 1, owner());
        let patients = plan.courses.len();
        let sessions: u32 = plan
            .courses
            .iter()
            .map(|c| c.weeks.min(TEN_YEARS.saturating_sub(c.first_week)))
            .sum();
        // About 400 patients and 15,000 sessions: the "one therapist's ten years".
        assert!((300..600).contains(&patients), "{patients}");
        assert!((12_000..17_000).contains(&sessions), "{sessions}");
        let mut emails: Vec<&str> = plan
            .courses
            .iter()
            .map(|c| c.patient.email.as_str())
            .collect();
        emails.sort_unstable();
        emails.dedup();
        assert_eq!(
            emails.len(),
            patients,
            "every patient has their own address"
        );
    }

    #[test]
    fn chairs_never_share_an_hour() {
        let plan = Plan::new(3, TEN_YEARS, 3, owner());
        for t in &plan.therapists {
            let mut seen = t.chairs.clone();
            seen.sort_by_key(|c| (c.weekday, c.hour));
            seen.dedup();
            assert_eq!(seen.len(), CHAIRS);
        }
    }
}
