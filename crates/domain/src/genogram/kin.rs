//! Who belongs with whom: each person's generation and place in their row, the partnerships, and
//! the parents each child hangs from. Geometry comes later; this is only the family's shape.

use super::{tidy, Person, Relation, Side, TEXT_KEPT};
use std::collections::BTreeMap;

/// Rows from the top: grandparents, parents, the patient's generation, children, and the others,
/// who are drawn apart without lines.
pub(super) const ROWS: usize = 5;
pub(super) const OTHERS: usize = 4;
const OWN: usize = 2;

/// Two people drawn joined by a partner line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Couple {
    pub a: usize,
    pub b: usize,
    pub separated: bool,
}

impl Couple {
    pub fn joins(&self, x: usize, y: usize) -> bool {
        (self.a == x && self.b == y) || (self.a == y && self.b == x)
    }
}

/// One or two parents and the children drawn hanging from them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Unit {
    pub parents: Vec<usize>,
    pub children: Vec<usize>,
}

pub(super) struct Kin<'a> {
    pub people: &'a [Person],
    pub patient: Option<usize>,
    pub generation: Vec<usize>,
    /// Each row as clusters, left to right; a cluster is a person and the partners drawn beside them.
    pub rows: [Vec<Vec<usize>>; ROWS],
    pub couples: Vec<Couple>,
    pub units: Vec<Unit>,
    /// Whose partner each person is, by `partner_of` or as the patient's partner.
    partner_target: Vec<Option<usize>>,
    /// The patient's own parents, drawn as the central couple.
    core: Vec<usize>,
    /// For each person, those whose partner they are.
    named_by: Vec<Vec<usize>>,
}

impl<'a> Kin<'a> {
    pub fn new(people: &'a [Person]) -> Self {
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, p) in people.iter().enumerate() {
            if !p.id.is_empty() {
                ids.entry(p.id.as_str()).or_insert(i);
            }
        }
        let find = |id: &Option<String>| id.as_deref().and_then(|id| ids.get(id).copied());
        let patient = people.iter().position(|p| p.relation == Relation::Self_);
        let partner_target: Vec<Option<usize>> = (0..people.len())
            .map(|i| {
                let target = match (&people[i].partner_of, people[i].relation) {
                    (Some(_), _) => find(&people[i].partner_of),
                    (None, Relation::Partner | Relation::ExPartner) => patient,
                    _ => None,
                };
                target.filter(|&t| t != i)
            })
            .collect();
        let mut named_by = vec![Vec::new(); people.len()];
        for (i, t) in partner_target.iter().enumerate() {
            if let Some(t) = *t {
                named_by[t].push(i);
            }
        }
        let mut kin = Kin {
            named_by,
            people,
            patient,
            generation: Vec::new(),
            rows: Default::default(),
            couples: Vec::new(),
            units: Vec::new(),
            partner_target,
            core: Vec::new(),
        };
        kin.generation = (0..people.len()).map(|i| kin.generation_of(i)).collect();
        kin.core = kin.core_parents();
        kin.couples = kin.find_couples();
        kin.units = kin.find_units(&find);
        for unit in &kin.units {
            if let [a, b] = unit.parents[..] {
                add_couple(&mut kin.couples, a, b, false);
            }
        }
        kin.rows = kin.arrange();
        kin
    }

    /// The row someone is drawn in. Partners follow the person they are partners of; a chain
    /// that ends nowhere or runs in a circle puts them with the others.
    fn generation_of(&self, start: usize) -> usize {
        let mut at = start;
        for _ in 0..=self.people.len() {
            match self.people[at].relation {
                Relation::Grandmother(_) | Relation::Grandfather(_) => return 0,
                Relation::Mother | Relation::Father | Relation::Parent => return 1,
                Relation::Self_
                | Relation::Sibling
                | Relation::HalfSibling
                | Relation::StepSibling => return OWN,
                Relation::Child => return 3,
                Relation::Partner | Relation::ExPartner | Relation::Other => {
                    match self.partner_target[at] {
                        Some(t) => at = t,
                        None if self.people[at].relation == Relation::Other => return OTHERS,
                        // The patient's partner, whether or not the patient was entered.
                        None if self.people[at].partner_of.is_none() => return OWN,
                        None => return OTHERS,
                    }
                }
            }
        }
        OTHERS
    }

    /// The first father and mother, else the other parents who are nobody's partner.
    fn core_parents(&self) -> Vec<usize> {
        let first = |r: Relation| self.people.iter().position(|p| p.relation == r);
        let others = self
            .people
            .iter()
            .enumerate()
            .filter(|(_, p)| p.relation == Relation::Parent && p.partner_of.is_none())
            .map(|(i, _)| i);
        first(Relation::Father)
            .into_iter()
            .chain(first(Relation::Mother))
            .chain(others)
            .take(2)
            .collect()
    }

    fn grandparents(&self, side: Side) -> Vec<usize> {
        let first = |r: Relation| self.people.iter().position(|p| p.relation == r);
        first(Relation::Grandfather(side))
            .into_iter()
            .chain(first(Relation::Grandmother(side)))
            .collect()
    }

    fn find_couples(&self) -> Vec<Couple> {
        let mut couples = Vec::new();
        let ended = |i: usize| self.people[i].separated;
        for pair in [
            self.core.clone(),
            self.grandparents(Side::Fathers),
            self.grandparents(Side::Mothers),
        ] {
            if let [a, b] = pair[..] {
                add_couple(&mut couples, a, b, ended(a) || ended(b));
            }
        }
        for (i, t) in self.partner_target.iter().enumerate() {
            if let Some(t) = *t {
                if self.generation[i] == self.generation[t] {
                    let over = ended(i) || self.people[i].relation == Relation::ExPartner;
                    add_couple(&mut couples, t, i, over);
                }
            }
        }
        couples
    }

    /// Partners of `x` in the order the couples were found.
    fn partners(&self, x: usize) -> impl Iterator<Item = (usize, bool)> + '_ {
        self.couples
            .iter()
            .filter_map(move |c| match (c.a == x, c.b == x) {
                (true, _) => Some((c.b, c.separated)),
                (_, true) => Some((c.a, c.separated)),
                _ => None,
            })
    }

    fn find_units(&self, find: &dyn Fn(&Option<String>) -> Option<usize>) -> Vec<Unit> {
        let mut units: Vec<Unit> = Vec::new();
        let in_row = |i: Option<usize>, g: usize| i.filter(|&i| self.generation[i] == g);
        for side in [Side::Fathers, Side::Mothers] {
            let parent = match side {
                Side::Fathers => Relation::Father,
                Side::Mothers => Relation::Mother,
            };
            if let Some(child) = self.people.iter().position(|p| p.relation == parent) {
                add_child(&mut units, self.grandparents(side), child);
            }
        }
        for (i, p) in self.people.iter().enumerate() {
            let parents: Vec<usize> = match p.relation {
                Relation::Self_ | Relation::Sibling => self.core.clone(),
                Relation::HalfSibling => match in_row(find(&p.shared_parent), 1) {
                    Some(shared) => {
                        let other = in_row(find(&p.other_parent), 1)
                            .filter(|&o| o != shared)
                            .or_else(|| {
                                self.partners(shared)
                                    .map(|(o, _)| o)
                                    .find(|o| !self.core.contains(o))
                            });
                        [shared].into_iter().chain(other).collect()
                    }
                    None => Vec::new(),
                },
                Relation::StepSibling => in_row(find(&p.other_parent), 1).into_iter().collect(),
                Relation::Child => match self.patient {
                    Some(me) => {
                        let other = in_row(find(&p.other_parent), OWN)
                            .filter(|&o| o != me)
                            .or_else(|| self.partners(me).find(|(_, over)| !over).map(|(o, _)| o));
                        [me].into_iter().chain(other).collect()
                    }
                    None => Vec::new(),
                },
                _ => Vec::new(),
            };
            if self.generation[i] != OTHERS {
                add_child(&mut units, parents, i);
            }
        }
        units
    }

    /// Orders each row so that children sit under their parents and partners beside each other.
    /// The parents' row is built first; the rows above and below take their order from it.
    fn arrange(&self) -> [Vec<Vec<usize>>; ROWS] {
        let n = self.people.len();
        let mut placed = vec![false; n];
        let mut rows: [Vec<Vec<usize>>; ROWS] = Default::default();

        rows[1] = self.core_cluster(&mut placed).into_iter().collect();
        self.add_leftovers(&mut rows[1], &mut placed, 1);

        let above = positions(&rows[1], n);
        let father = self
            .people
            .iter()
            .position(|p| p.relation == Relation::Father);
        let mother = self
            .people
            .iter()
            .position(|p| p.relation == Relation::Mother);
        let side_key = |side: Side| match side {
            Side::Fathers => father.and_then(|f| above[f]).map_or(-1, |x| x as i64),
            Side::Mothers => mother
                .and_then(|m| above[m])
                .map_or(n as i64 + 1, |x| x as i64),
        };
        let mut grand: Vec<(i64, u8, usize)> = (0..n)
            .filter_map(|i| match self.people[i].relation {
                Relation::Grandfather(side) => Some((side_key(side), 0, i)),
                Relation::Grandmother(side) => Some((side_key(side), 1, i)),
                _ => None,
            })
            .collect();
        grand.sort();
        rows[0] = self.clusters(grand.into_iter().map(|(_, _, i)| i), &mut placed);
        self.add_leftovers(&mut rows[0], &mut placed, 0);

        for g in [OWN, 3] {
            let above = positions(&rows[g - 1], n);
            let mut anchors: Vec<(i64, usize)> = (0..n)
                .filter(|&i| self.generation[i] == g && self.is_anchor(i))
                .map(|i| (self.barycentre(i, &above), i))
                .collect();
            anchors.sort();
            rows[g] = self.clusters(anchors.into_iter().map(|(_, i)| i), &mut placed);
            self.add_leftovers(&mut rows[g], &mut placed, g);
        }
        self.add_leftovers(&mut rows[OTHERS], &mut placed, OTHERS);
        rows
    }

    /// The patient's parents with their other partners on the outer sides.
    fn core_cluster(&self, placed: &mut [bool]) -> Option<Vec<usize>> {
        let (&first, second) = self.core.split_first()?;
        for &c in &self.core {
            placed[c] = true;
        }
        let Some(&second) = second.first() else {
            return Some(
                [first]
                    .into_iter()
                    .chain(self.partner_chain(first, placed))
                    .collect(),
            );
        };
        let mut left = self.partner_chain(first, placed);
        left.reverse();
        left.push(first);
        left.push(second);
        left.extend(self.partner_chain(second, placed));
        Some(left)
    }

    fn is_anchor(&self, i: usize) -> bool {
        matches!(
            self.people[i].relation,
            Relation::Self_
                | Relation::Sibling
                | Relation::HalfSibling
                | Relation::StepSibling
                | Relation::Child
        )
    }

    /// Where a person's parents stand in the row above, so children can be ordered under them;
    /// people without drawn parents go to the end of the row.
    fn barycentre(&self, i: usize, above: &[Option<usize>]) -> i64 {
        let xs: Vec<i64> = self
            .parents_of(i)
            .iter()
            .filter_map(|&p| above[p])
            .map(|x| x as i64 * 1000)
            .collect();
        match xs.len() {
            0 => i64::MAX,
            len => xs.iter().sum::<i64>() / len as i64,
        }
    }

    fn clusters(
        &self,
        anchors: impl Iterator<Item = usize>,
        placed: &mut [bool],
    ) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        for i in anchors {
            if !placed[i] {
                placed[i] = true;
                out.push(self.beside(i, placed));
            }
        }
        out
    }

    fn add_leftovers(&self, row: &mut Vec<Vec<usize>>, placed: &mut [bool], g: usize) {
        let rest: Vec<usize> = (0..self.people.len())
            .filter(|&i| self.generation[i] == g)
            .collect();
        row.extend(self.clusters(rest.into_iter(), placed));
    }

    /// A person with their partners beside them: a current partner on the right, a former one on
    /// the left, so that both lines stay short; any more go further right.
    fn beside(&self, x: usize, placed: &mut [bool]) -> Vec<usize> {
        let mut groups = self.partner_groups(x, placed);
        let ended = |g: &Vec<usize>| self.couples.iter().any(|c| c.joins(x, g[0]) && c.separated);
        groups.sort_by_key(ended);
        let mut out: Vec<usize> = groups.get(1).into_iter().flatten().rev().copied().collect();
        out.push(x);
        out.extend(groups.first().into_iter().flatten());
        out.extend(groups.iter().skip(2).flatten());
        out
    }

    /// The partners to draw beside `x`, and theirs in turn, each once.
    fn partner_chain(&self, x: usize, placed: &mut [bool]) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![x];
        while let Some(at) = stack.pop() {
            for j in self.unplaced_partners(at, placed) {
                out.push(j);
                stack.push(j);
            }
        }
        out
    }

    /// Each partner of `x` not yet placed, followed by their own partners.
    fn partner_groups(&self, x: usize, placed: &mut [bool]) -> Vec<Vec<usize>> {
        self.unplaced_partners(x, placed)
            .into_iter()
            .map(|j| {
                [j].into_iter()
                    .chain(self.partner_chain(j, placed))
                    .collect()
            })
            .collect()
    }

    /// Those who name `x` as their partner, in the same row and not yet placed; marks them placed.
    fn unplaced_partners(&self, x: usize, placed: &mut [bool]) -> Vec<usize> {
        let mut found = Vec::new();
        for &j in &self.named_by[x] {
            if !placed[j] && self.generation[j] == self.generation[x] {
                placed[j] = true;
                found.push(j);
            }
        }
        found
    }

    /// The parents a person hangs from in the drawing: for a half-sibling the shared parent first.
    pub fn parents_of(&self, child: usize) -> &[usize] {
        self.units
            .iter()
            .find(|u| u.children.contains(&child))
            .map_or(&[], |u| &u.parents)
    }

    /// The partnership a person's own entry speaks of, and whether it has ended.
    pub fn partnership_of(&self, i: usize) -> Option<(usize, bool)> {
        let with = match self.partner_target[i] {
            Some(t) => t,
            None if self.is_parent_couple(i) => self.partners(i).next()?.0,
            None => return None,
        };
        let separated = self
            .couples
            .iter()
            .find(|c| c.joins(i, with))
            .is_some_and(|c| c.separated);
        Some((with, separated))
    }

    /// Whether someone is drawn in a couple by their relation alone: the patient's parents and
    /// grandparents.
    fn is_parent_couple(&self, i: usize) -> bool {
        self.core.contains(&i)
            || matches!(
                self.people[i].relation,
                Relation::Grandmother(_) | Relation::Grandfather(_)
            )
    }

    /// A short way to name someone inside another person's sentence.
    pub fn mention(&self, i: usize) -> String {
        let p = &self.people[i];
        let role = match p.relation {
            Relation::Mother => return "mother".into(),
            Relation::Father => return "father".into(),
            Relation::Self_ => return "the patient".into(),
            Relation::Grandmother(_) => "grandmother".to_string(),
            Relation::Grandfather(_) => "grandfather".to_string(),
            r => {
                let role = r.label(p.gender).to_lowercase();
                // A parent's partner is best known as theirs: "mother's partner Jon".
                match self.partner_target[i].map(|t| self.people[t].relation) {
                    Some(parent @ (Relation::Mother | Relation::Father)) => {
                        format!(
                            "{}'s {role}",
                            parent.label(super::Gender::Unspecified).to_lowercase()
                        )
                    }
                    _ => role,
                }
            }
        };
        match tidy(&p.name, TEXT_KEPT) {
            name if name.is_empty() => role,
            name => format!("{role} {name}"),
        }
    }

    /// The patient first, then everyone else row by row, as the drawing shows them.
    pub fn reading_order(&self) -> Vec<usize> {
        let rest = self
            .rows
            .iter()
            .flatten()
            .flatten()
            .copied()
            .filter(|&i| Some(i) != self.patient);
        self.patient.into_iter().chain(rest).collect()
    }
}

fn add_couple(couples: &mut Vec<Couple>, a: usize, b: usize, separated: bool) {
    match couples.iter_mut().find(|c| c.joins(a, b)) {
        Some(c) => c.separated |= separated,
        None => couples.push(Couple { a, b, separated }),
    }
}

fn add_child(units: &mut Vec<Unit>, parents: Vec<usize>, child: usize) {
    if parents.is_empty() || parents.contains(&child) {
        return;
    }
    let same = |u: &&mut Unit| {
        u.parents.len() == parents.len() && parents.iter().all(|p| u.parents.contains(p))
    };
    match units.iter_mut().find(same) {
        Some(u) => u.children.push(child),
        None => units.push(Unit {
            parents,
            children: vec![child],
        }),
    }
}

/// Each person's index in a row, for those in it.
fn positions(row: &[Vec<usize>], n: usize) -> Vec<Option<usize>> {
    let mut at = vec![None; n];
    for (x, &i) in row.iter().flatten().enumerate() {
        at[i] = Some(x);
    }
    at
}

#[cfg(test)]
mod tests {
    use super::super::{Gender, Person};
    use super::*;

    fn p(id: &str, relation: Relation) -> Person {
        Person::new(id, relation, Gender::Unspecified, id)
    }

    fn with(mut person: Person, edit: impl FnOnce(&mut Person)) -> Person {
        edit(&mut person);
        person
    }

    fn ids<'a>(kin: &Kin<'a>, row: usize) -> Vec<&'a str> {
        kin.rows[row]
            .iter()
            .flatten()
            .map(|&i| kin.people[i].id.as_str())
            .collect()
    }

    #[test]
    fn a_remarried_parent_has_the_new_partner_on_the_outer_side_and_children_beneath() {
        let people = [
            p("me", Relation::Self_),
            p("mum", Relation::Mother),
            p("dad", Relation::Father),
            with(p("anna", Relation::Partner), |x| {
                x.partner_of = Some("dad".into());
            }),
            with(p("tom", Relation::HalfSibling), |x| {
                x.shared_parent = Some("dad".into());
            }),
            with(p("jon", Relation::Partner), |x| {
                x.partner_of = Some("mum".into());
            }),
            with(p("lea", Relation::StepSibling), |x| {
                x.other_parent = Some("jon".into());
            }),
            p("gm", Relation::Grandmother(Side::Mothers)),
            p("gf", Relation::Grandfather(Side::Fathers)),
        ];
        let kin = Kin::new(&people);
        assert_eq!(ids(&kin, 0), ["gf", "gm"]);
        assert_eq!(ids(&kin, 1), ["anna", "dad", "mum", "jon"]);
        assert_eq!(ids(&kin, 2), ["tom", "me", "lea"]);
        assert_eq!(
            kin.parents_of(4),
            [2, 3],
            "tom hangs from his father and Anna"
        );
        assert_eq!(kin.parents_of(6), [5], "lea hangs from Jon alone");
    }

    #[test]
    fn everyone_is_placed_exactly_once_even_with_broken_links() {
        let people = [
            with(p("a", Relation::Partner), |x| {
                x.partner_of = Some("b".into());
            }),
            with(p("b", Relation::Partner), |x| {
                x.partner_of = Some("a".into());
            }),
            with(p("c", Relation::HalfSibling), |x| {
                x.shared_parent = Some("nobody".into());
            }),
            with(p("d", Relation::Other), |x| x.partner_of = Some("d".into())),
            p("", Relation::Child),
            p("me", Relation::Self_),
            p("me", Relation::Sibling),
        ];
        let kin = Kin::new(&people);
        let mut seen: Vec<usize> = kin.rows.iter().flatten().flatten().copied().collect();
        seen.sort();
        assert_eq!(seen, (0..people.len()).collect::<Vec<_>>());
        assert_eq!(
            kin.generation[0], OTHERS,
            "a circle of partners goes with the others"
        );
    }
}
