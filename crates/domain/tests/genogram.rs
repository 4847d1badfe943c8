//! Genograms drawn from whole families: golden SVGs compared byte for byte, and the drawing's
//! promises (nobody overlaps, bounded width, escaped text) checked on awkward families.
//!
//! `UPDATE_GOLDEN=1 cargo test -p domain --test genogram` rewrites the golden files; look at them
//! before committing.

use domain::genogram::{
    layout, render_svg, text_alternative, Born, Gender, Layout, Person, Relation, Side, MAX_WIDTH,
};
use proptest::prelude::*;
use std::path::PathBuf;

fn person(id: &str, relation: Relation, gender: Gender, name: &str) -> Person {
    Person::new(id, relation, gender, name)
}

fn born(mut p: Person, year: i32) -> Person {
    p.born = Some(Born::Year(year));
    p
}

fn single_parent() -> Vec<Person> {
    let mut leo = born(person("leo", Relation::Sibling, Gender::Male, "Leo"), 1997);
    leo.lives_with_patient = true;
    let mut ruth = born(
        person("mum", Relation::Mother, Gender::Female, "Ruth"),
        1966,
    );
    ruth.relationship = "close, but tiring".into();
    vec![
        born(person("me", Relation::Self_, Gender::Female, "Sam"), 1994),
        ruth,
        leo,
        born(
            person(
                "gm",
                Relation::Grandmother(Side::Mothers),
                Gender::Female,
                "Edith",
            ),
            1940,
        ),
    ]
}

fn deceased_grandparent() -> Vec<Person> {
    let mut ben = born(
        person(
            "gf",
            Relation::Grandfather(Side::Fathers),
            Gender::Male,
            "Ben",
        ),
        1929,
    );
    ben.deceased = true;
    let mut eva = person(
        "gmm",
        Relation::Grandmother(Side::Mothers),
        Gender::Female,
        "Eva",
    );
    eva.born = Some(Born::Age(88));
    let mut mia = person("mia", Relation::Child, Gender::Female, "Mia");
    mia.born = Some(Born::Age(4));
    vec![
        born(person("me", Relation::Self_, Gender::Male, "Alex"), 1988),
        born(person("dad", Relation::Father, Gender::Male, "David"), 1958),
        born(
            person("mum", Relation::Mother, Gender::Female, "Maria"),
            1960,
        ),
        ben,
        born(
            person(
                "gm",
                Relation::Grandmother(Side::Fathers),
                Gender::Female,
                "Ada",
            ),
            1933,
        ),
        eva,
        born(person("jo", Relation::Sibling, Gender::Female, "Jo"), 1985),
        person("kim", Relation::Partner, Gender::Unspecified, "Kim"),
        mia,
    ]
}

fn remarriage_half_siblings() -> Vec<Person> {
    let mut ruth = born(
        person("mum", Relation::Mother, Gender::Female, "Ruth"),
        1957,
    );
    ruth.separated = true;
    let mut anna = born(
        person("anna", Relation::Partner, Gender::Female, "Anna"),
        1966,
    );
    anna.partner_of = Some("dad".into());
    let mut jon = born(person("jon", Relation::Partner, Gender::Male, "Jon"), 1950);
    jon.partner_of = Some("mum".into());
    let mut tom = born(
        person("tom", Relation::HalfSibling, Gender::Male, "Tom"),
        1996,
    );
    tom.shared_parent = Some("dad".into());
    let mut nell = born(
        person("nell", Relation::HalfSibling, Gender::Female, "Nell"),
        1999,
    );
    nell.shared_parent = Some("dad".into());
    let mut lea = born(
        person("lea", Relation::StepSibling, Gender::Female, "Lea"),
        1980,
    );
    lea.other_parent = Some("jon".into());
    let mut max = born(person("max", Relation::Sibling, Gender::Male, "Max"), 1983);
    max.deceased = true;
    vec![
        born(
            person("me", Relation::Self_, Gender::Unspecified, "Sam"),
            1985,
        ),
        born(person("dad", Relation::Father, Gender::Male, "David"), 1955),
        ruth,
        anna,
        tom,
        nell,
        jon,
        lea,
        max,
        person("ex", Relation::ExPartner, Gender::Male, "R."),
    ]
}

fn golden(name: &str, people: &[Person]) {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "genogram",
        &format!("{name}.svg"),
    ]
    .iter()
    .collect();
    let svg = render_svg(&layout(people));
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &svg).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    assert!(
        svg == expected,
        "{name}.svg differs from the drawing; rerun with UPDATE_GOLDEN=1 and look at it"
    );
}

#[test]
fn single_parent_matches_its_golden_file() {
    golden("single_parent", &single_parent());
}

#[test]
fn deceased_grandparent_matches_its_golden_file() {
    golden("deceased_grandparent", &deceased_grandparent());
}

#[test]
fn remarriage_half_siblings_matches_its_golden_file() {
    golden("remarriage_half_siblings", &remarriage_half_siblings());
}

/// Two symbols on one row closer than a slot would overlap, or their names would.
fn assert_nobody_overlaps(l: &Layout) {
    for (n, a) in l.people.iter().enumerate() {
        for b in &l.people[n + 1..] {
            let apart = a.y != b.y || (a.x - b.x).abs() >= 87;
            assert!(
                apart,
                "{} and {} overlap at ({}, {})",
                a.name, b.name, a.x, a.y
            );
        }
        assert!(
            a.x - 44 >= 0 && a.x + 44 <= l.width,
            "{} leaves the drawing",
            a.name
        );
        assert!(
            a.y + a.reach() + 30 <= l.height,
            "{} leaves the drawing",
            a.name
        );
    }
}

#[test]
fn the_golden_families_have_nobody_overlapping_and_fit_a_phone() {
    for family in [
        single_parent(),
        deceased_grandparent(),
        remarriage_half_siblings(),
    ] {
        let l = layout(&family);
        assert_nobody_overlaps(&l);
        assert!(l.width <= MAX_WIDTH, "{}", l.width);
    }
}

#[test]
fn the_drawing_is_accessible_and_scales() {
    let svg = render_svg(&layout(&single_parent()));
    for needle in [
        "viewBox=\"0 0 ",
        "width=\"100%\"",
        "role=\"img\"",
        "aria-labelledby=\"genogram-title\"",
        "aria-describedby=\"genogram-desc\"",
        "<title id=\"genogram-title\">Genogram: the family of Sam</title>",
        "Mother: Ruth, born 1966. Relationship: close, but tiring.",
    ] {
        assert!(svg.contains(needle), "missing {needle}");
    }
    assert!(
        !svg.contains("style="),
        "inline styles are refused by the site's policy"
    );
}

#[test]
fn the_patient_alone_is_drawn_with_a_double_outline() {
    let people = [person("me", Relation::Self_, Gender::Female, "Sam")];
    let l = layout(&people);
    assert_eq!(l.people.len(), 1);
    assert!(l.people[0].patient);
    assert!(l.lines.is_empty());
    let svg = render_svg(&l);
    assert_eq!(svg.matches("<circle").count(), 2, "{svg}");
    assert_eq!(text_alternative(&people), ["Self: Sam."]);
}

#[test]
fn nobody_at_all_still_draws() {
    let svg = render_svg(&layout(&[]));
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    assert!(text_alternative(&[]).is_empty());
}

#[test]
fn hostile_names_are_escaped_everywhere() {
    let mut people = single_parent();
    people[1].name = "<script>alert(1)</script>".into();
    people[2].name = "Tom & \"Jerry\" 'x'".into();
    people[2].relationship = "</desc><script>".into();
    people[0].name = "<b>".into();
    let svg = render_svg(&layout(&people));
    assert!(!svg.contains("<script"), "{svg}");
    assert!(!svg.contains("<b>"), "{svg}");
    assert!(svg.contains("&lt;script&gt;"));
    assert!(
        svg.contains("Tom &amp; &quot;Jerr…"),
        "the shown name is cut, then escaped"
    );
    assert!(
        svg.contains("Tom &amp; &quot;Jerry&quot; &#39;x&#39;"),
        "the description keeps it whole"
    );
    assert!(svg.contains("<title id=\"genogram-title\">Genogram: the family of &lt;b&gt;</title>"));
    assert_eq!(svg.matches("<desc").count(), 1);
}

#[test]
fn an_unknown_birth_year_is_left_out() {
    let family = deceased_grandparent();
    let l = layout(&family);
    let kim = l.people.iter().find(|p| p.name == "Kim").unwrap();
    assert_eq!(kim.born, None);
    let lines = text_alternative(&family);
    assert!(lines.contains(&"Partner: Kim.".to_string()), "{lines:?}");
    assert!(
        lines.contains(&"Daughter: Mia (with partner Kim), age 4.".to_string()),
        "{lines:?}"
    );
}

#[test]
fn two_hundred_people_render_within_the_width() {
    let relations = [
        Relation::Sibling,
        Relation::HalfSibling,
        Relation::Child,
        Relation::Other,
        Relation::Partner,
        Relation::Grandmother(Side::Fathers),
        Relation::Parent,
    ];
    let mut people = vec![
        person("me", Relation::Self_, Gender::Female, "Sam"),
        person("dad", Relation::Father, Gender::Male, "D"),
        person("mum", Relation::Mother, Gender::Female, "M"),
    ];
    for n in 3..200 {
        let mut p = person(
            &format!("p{n}"),
            relations[n % relations.len()],
            Gender::Unspecified,
            &format!("P{n}"),
        );
        p.shared_parent = Some(if n % 2 == 0 { "dad" } else { "mum" }.into());
        p.partner_of = (n % 5 == 0).then(|| format!("p{}", n - 1));
        people.push(p);
    }
    let l = layout(&people);
    assert_eq!(l.people.len(), 200);
    assert!(l.width <= MAX_WIDTH, "{}", l.width);
    assert_nobody_overlaps(&l);
    assert_eq!(text_alternative(&people).len(), 200);
}

fn any_person(count: usize) -> impl Strategy<Value = Person> {
    let relation = prop_oneof![
        Just(Relation::Self_),
        Just(Relation::Mother),
        Just(Relation::Father),
        Just(Relation::Parent),
        Just(Relation::Sibling),
        Just(Relation::HalfSibling),
        Just(Relation::StepSibling),
        Just(Relation::Partner),
        Just(Relation::ExPartner),
        Just(Relation::Child),
        Just(Relation::Grandmother(Side::Mothers)),
        Just(Relation::Grandfather(Side::Fathers)),
        Just(Relation::Other),
    ];
    let gender = prop_oneof![
        Just(Gender::Female),
        Just(Gender::Male),
        Just(Gender::Unspecified)
    ];
    let link = proptest::option::of((0..count + 1).prop_map(|n| format!("p{n}")));
    (
        0..count,
        relation,
        gender,
        "\\PC{0,20}",
        any::<bool>(),
        any::<bool>(),
        link.clone(),
        link.clone(),
        link,
    )
        .prop_map(
            |(id, relation, gender, name, deceased, separated, partner_of, shared, other)| Person {
                deceased,
                separated,
                partner_of,
                shared_parent: shared,
                other_parent: other,
                ..Person::new(&format!("p{id}"), relation, gender, &name)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn any_family_draws_everyone_once_without_overlap_and_the_same_each_time(
        people in proptest::collection::vec(any_person(24), 0..24)
    ) {
        let l = layout(&people);
        prop_assert_eq!(l.people.len(), people.len());
        prop_assert!(l.width <= MAX_WIDTH);
        assert_nobody_overlaps(&l);
        prop_assert_eq!(render_svg(&l), render_svg(&layout(&people)));
        prop_assert_eq!(text_alternative(&people).len(), people.len());
    }
}
