//! Where everything goes: people in generation rows, partner lines, and the lines children hang
//! from. Plain arithmetic over the family's shape; the SVG is written from this alone.
//!
//! Children are centred under their parents when the family fits a phone-width drawing. A family
//! too wide for that is wrapped instead: rows break into lines of at most `MAX_PER_LINE` people,
//! and lines to children on later lines pass between two people of the lines in between.

use super::kin::{Kin, OTHERS};
use super::lines::{couple_lines, descent_lines, jog, stub_side};
use super::{sentences, shown_born, shown_name, Gender, Person};

/// Horizontal room for one person and their name.
pub const SLOT: i32 = 88;
/// Half the size of a symbol.
pub(super) const R: i32 = 15;
/// How far the patient's second outline sits outside their symbol.
pub(super) const RING: i32 = 4;
pub(super) const PAD: i32 = 24;
const ROW_H: i32 = 120;
const MAX_PER_LINE: usize = 7;
/// The widest drawing, whatever the family's size.
pub const MAX_WIDTH: i32 = MAX_PER_LINE as i32 * SLOT + 2 * PAD;
const TOP: i32 = PAD + R + RING;
/// Name and age baselines below a row's centre, the same for everyone in the row.
pub(super) const NAME_DY: i32 = R + RING + 14;
pub(super) const BORN_DY: i32 = R + RING + 27;

/// Everything the drawing needs, in drawing units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub width: i32,
    pub height: i32,
    pub title: String,
    /// The whole family in sentences, for those who cannot see the drawing.
    pub description: String,
    pub people: Vec<Placed>,
    /// Partner lines, separation marks and the lines children hang from, as polylines.
    pub lines: Vec<Vec<(i32, i32)>>,
    /// Where the rule above the people who are drawn apart runs, if there are any.
    pub divider: Option<i32>,
}

/// A person's symbol and text; `(x, y)` is the symbol's centre.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub x: i32,
    pub y: i32,
    pub shape: Shape,
    pub patient: bool,
    pub deceased: bool,
    pub name: String,
    pub born: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Square,
    Circle,
    Diamond,
}

impl Placed {
    /// How far the symbol reaches from its centre, left, right, up and down.
    pub fn reach(&self) -> i32 {
        if self.patient {
            R + RING
        } else {
            R
        }
    }
}

/// Visual lines of people and where each person sits in them.
pub(super) struct Grid {
    pub lines: Vec<Vec<usize>>,
    pub line_y: Vec<i32>,
    pub line_of: Vec<usize>,
    pub slot_of: Vec<usize>,
    pub x: Vec<i32>,
    /// Whether generations were wrapped, so children may sit more than one line below parents.
    pub wrapped: bool,
}

impl Grid {
    fn new(lines: Vec<Vec<usize>>, xs: Vec<Vec<i32>>, n: usize, wrapped: bool) -> Self {
        let mut grid = Grid {
            line_y: (0..lines.len() as i32).map(|l| TOP + l * ROW_H).collect(),
            line_of: vec![0; n],
            slot_of: vec![0; n],
            x: vec![0; n],
            lines: Vec::new(),
            wrapped,
        };
        for (l, (line, xs)) in lines.iter().zip(xs).enumerate() {
            for (s, (&i, x)) in line.iter().zip(xs).enumerate() {
                (grid.line_of[i], grid.slot_of[i], grid.x[i]) = (l, s, x);
            }
        }
        grid.lines = lines;
        grid
    }

    /// The right edge of the drawing.
    fn right(&self) -> i32 {
        self.x
            .iter()
            .max()
            .map_or(PAD + SLOT, |x| x + SLOT / 2 + PAD)
    }

    pub fn neighbours(&self, a: usize, b: usize) -> bool {
        self.line_of[a] == self.line_of[b] && self.slot_of[a].abs_diff(self.slot_of[b]) == 1
    }
}

/// Lays the family out. Deterministic: the same people in the same order give the same layout.
pub fn layout(people: &[Person]) -> Layout {
    let kin = Kin::new(people);
    let mut grid = aligned(&kin).unwrap_or_else(|| packed(&kin));
    let divider = add_others(&kin, &mut grid);
    let placed: Vec<Placed> = (0..people.len()).map(|i| place(&kin, &grid, i)).collect();
    let mut lines = couple_lines(&kin, &grid);
    lines.extend(descent_lines(&kin, &grid));
    let right = grid.right();
    let bottom = grid.line_y.last().map_or(TOP, |y| y + BORN_DY + PAD);
    Layout {
        width: right,
        height: bottom,
        title: title(&kin),
        description: sentences(&kin).join(" "),
        people: placed,
        lines,
        divider,
    }
}

fn title(kin: &Kin) -> String {
    match kin.patient.map(|p| shown_name(&kin.people[p])) {
        Some(name) if !name.is_empty() => format!("Genogram: the family of {name}"),
        _ => "Genogram: the family".to_string(),
    }
}

fn place(kin: &Kin, grid: &Grid, i: usize) -> Placed {
    let p = &kin.people[i];
    Placed {
        x: grid.x[i],
        y: grid.line_y[grid.line_of[i]],
        shape: match p.gender {
            Gender::Female => Shape::Circle,
            Gender::Male => Shape::Square,
            Gender::Unspecified => Shape::Diamond,
        },
        patient: kin.patient == Some(i),
        deceased: p.deceased,
        name: shown_name(p),
        born: shown_born(p),
    }
}

/// One line per generation, children centred under their parents. Each generation in turn is
/// laid out first and the others fitted to it; the try whose children hang straightest wins.
/// `None` when every try is too wide.
fn aligned(kin: &Kin) -> Option<Grid> {
    let rows: Vec<Vec<usize>> = kin.rows[..OTHERS]
        .iter()
        .map(|r| r.iter().flatten().copied().collect::<Vec<_>>())
        .filter(|r| !r.is_empty())
        .collect();
    if rows.iter().any(|r| r.len() > MAX_PER_LINE) {
        return None;
    }
    (0..rows.len())
        .map(|anchor| {
            Grid::new(
                rows.clone(),
                fitted_from(kin, &rows, anchor),
                kin.people.len(),
                false,
            )
        })
        .filter(|grid| grid.right() <= MAX_WIDTH)
        .min_by_key(|grid| (jog(kin, grid), grid.right()))
}

/// Positions for every row, starting from `anchor` laid out one slot apart.
fn fitted_from(kin: &Kin, rows: &[Vec<usize>], anchor: usize) -> Vec<Vec<i32>> {
    let mut xs: Vec<Vec<f64>> = vec![Vec::new(); rows.len()];
    xs[anchor] = (0..rows[anchor].len())
        .map(|i| f64::from(i as i32 * SLOT))
        .collect();
    for l in (0..anchor).rev() {
        xs[l] = fit(kin, &rows[l], &rows[l + 1], &xs[l + 1], Toward::Children);
    }
    for l in anchor + 1..rows.len() {
        xs[l] = fit(kin, &rows[l], &rows[l - 1], &xs[l - 1], Toward::Parents);
    }
    let least = xs.iter().flatten().copied().fold(f64::INFINITY, f64::min);
    let shift = f64::from(PAD + SLOT / 2) - least;
    xs.iter()
        .map(|row| row.iter().map(|x| (x + shift).round() as i32).collect())
        .collect()
}

/// Which placed row a row is being fitted to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Toward {
    /// The placed row holds this row's children.
    Children,
    /// The placed row holds this row's parents.
    Parents,
}

/// Positions for `row` next to the already placed `near`: each person as close as possible to
/// where their family ties pull them, in order and at least a slot apart.
fn fit(kin: &Kin, row: &[usize], near: &[usize], near_x: &[f64], toward: Toward) -> Vec<f64> {
    let slot = f64::from(SLOT);
    let mut pulls: Vec<Vec<f64>> = vec![Vec::new(); row.len()];
    let at = |line: &[usize], i: usize| line.iter().position(|&j| j == i);
    for unit in &kin.units {
        let (parents_line, parents_x, children_line) = match toward {
            Toward::Parents => (near, Some(near_x), row),
            Toward::Children => (row, None, near),
        };
        let parents: Vec<usize> = unit
            .parents
            .iter()
            .filter_map(|&p| at(parents_line, p))
            .collect();
        let children: Vec<usize> = unit
            .children
            .iter()
            .filter_map(|&c| at(children_line, c))
            .collect();
        let (Some(&lo), Some(&hi)) = (children.iter().min(), children.iter().max()) else {
            continue;
        };
        if parents.is_empty() {
            continue;
        }
        if let Some(px) = parents_x {
            let hub = hub_offset(kin, parents_line, &parents, px);
            let mid = (lo + hi) as f64 / 2.0;
            for (s, pull) in pulls.iter_mut().enumerate().take(hi + 1).skip(lo) {
                pull.push(hub + (s as f64 - mid) * slot);
            }
        } else {
            let centre = (near_x[lo] + near_x[hi]) / 2.0;
            match parents[..] {
                [a, b] => {
                    let (a, b) = (a.min(b), a.max(b));
                    let half = (b - a) as f64 * slot / 2.0;
                    pulls[a].push(centre - half);
                    pulls[b].push(centre + half);
                }
                _ => {
                    let side = stub_side(kin, parents_line, parents[0]);
                    pulls[parents[0]].push(centre - f64::from(side) * slot / 2.0);
                }
            }
        }
    }
    let wanted: Vec<Option<f64>> = pulls
        .iter()
        .map(|p| (!p.is_empty()).then(|| p.iter().sum::<f64>() / p.len() as f64))
        .collect();
    let (lo, hi) = near_x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    spread(&fill_gaps(wanted, (lo + hi) / 2.0), slot)
}

/// Where the line children hang from leaves their parents, relative to the parents' positions.
fn hub_offset(kin: &Kin, line: &[usize], parents: &[usize], x: &[f64]) -> f64 {
    match parents[..] {
        [a, b] => (x[a] + x[b]) / 2.0,
        _ => x[parents[0]] + f64::from(stub_side(kin, line, parents[0]) * SLOT / 2),
    }
}

/// People nothing pulls stand beside their neighbours; a row with no ties is centred.
fn fill_gaps(mut wanted: Vec<Option<f64>>, centre: f64) -> Vec<f64> {
    let slot = f64::from(SLOT);
    for i in 1..wanted.len() {
        if wanted[i].is_none() {
            wanted[i] = wanted[i - 1].map(|x| x + slot);
        }
    }
    for i in (0..wanted.len().saturating_sub(1)).rev() {
        if wanted[i].is_none() {
            wanted[i] = wanted[i + 1].map(|x| x - slot);
        }
    }
    let half = (wanted.len() as f64 - 1.0) / 2.0;
    wanted
        .iter()
        .enumerate()
        .map(|(i, w)| w.unwrap_or(centre + (i as f64 - half) * slot))
        .collect()
}

/// The positions closest to `wanted` (least squares) that keep the order and at least `gap`
/// between neighbours: pool-adjacent-violators on the positions less their minimal offsets.
fn spread(wanted: &[f64], gap: f64) -> Vec<f64> {
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for (i, w) in wanted.iter().enumerate() {
        blocks.push((w - i as f64 * gap, 1));
        while let [.., (s1, c1), (s2, c2)] = blocks[..] {
            if s1 * c2 as f64 <= s2 * c1 as f64 {
                break;
            }
            blocks.truncate(blocks.len() - 2);
            blocks.push((s1 + s2, c1 + c2));
        }
    }
    blocks
        .iter()
        .flat_map(|&(sum, count)| std::iter::repeat_n(sum / count as f64, count))
        .enumerate()
        .map(|(i, base)| base + i as f64 * gap)
        .collect()
}

/// Every generation wrapped into lines of at most `MAX_PER_LINE`, partners kept on one line where
/// they fit. Lines start at the left, so a line down from between two parents never lands on
/// someone further down.
fn packed(kin: &Kin) -> Grid {
    let lines: Vec<Vec<usize>> = kin.rows[..OTHERS].iter().flat_map(|r| wrap(r)).collect();
    let xs = lines.iter().map(|l| centred(l.len(), l.len())).collect();
    Grid::new(lines, xs, kin.people.len(), true)
}

fn wrap(clusters: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut lines: Vec<Vec<usize>> = Vec::new();
    let mut line: Vec<usize> = Vec::new();
    for cluster in clusters {
        if !line.is_empty() && line.len() + cluster.len() > MAX_PER_LINE {
            lines.push(std::mem::take(&mut line));
        }
        for &i in cluster {
            if line.len() == MAX_PER_LINE {
                lines.push(std::mem::take(&mut line));
            }
            line.push(i);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Centres of `len` people centred in room for `widest`.
fn centred(len: usize, widest: usize) -> Vec<i32> {
    let start = PAD + SLOT / 2 + (widest - len) as i32 * SLOT / 2;
    (0..len as i32).map(|s| start + s * SLOT).collect()
}

/// Puts the people drawn apart in lines of their own below a rule, and centres the family and
/// them on each other. Returns where the rule runs.
fn add_others(kin: &Kin, grid: &mut Grid) -> Option<i32> {
    let others = wrap(&kin.rows[OTHERS]);
    if others.is_empty() {
        return None;
    }
    let family_lines = grid.lines.len();
    let (left, right) = match (
        grid.lines.iter().flatten().map(|&i| grid.x[i]).min(),
        grid.x.iter().max(),
    ) {
        (Some(l), Some(&r)) if family_lines > 0 => (l, r),
        _ => (PAD + SLOT / 2, PAD + SLOT / 2),
    };
    let family_slots = ((right - left) / SLOT + 1) as usize * usize::from(family_lines > 0);
    let widest = others.iter().map(Vec::len).max().unwrap_or(0);
    if widest > family_slots {
        let shift = (widest - family_slots) as i32 * SLOT / 2;
        grid.lines
            .iter()
            .flatten()
            .for_each(|&i| grid.x[i] += shift);
    }
    let room = widest.max(family_slots);
    let first_y = grid.line_y.last().map_or(TOP, |y| y + ROW_H + 10);
    for (k, line) in others.into_iter().enumerate() {
        let l = grid.lines.len();
        for (s, (&i, x)) in line.iter().zip(centred(line.len(), room)).enumerate() {
            (grid.line_of[i], grid.slot_of[i], grid.x[i]) = (l, s, x);
        }
        grid.line_y.push(first_y + k as i32 * ROW_H);
        grid.lines.push(line);
    }
    (family_lines > 0).then_some(first_y - R - RING - 30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_keeps_wanted_positions_that_are_far_enough_apart() {
        assert_eq!(spread(&[0.0, 100.0, 300.0], 88.0), [0.0, 100.0, 300.0]);
    }

    #[test]
    fn spread_pushes_crowded_neighbours_apart_around_their_mean() {
        assert_eq!(spread(&[50.0, 50.0], 88.0), [6.0, 94.0]);
        let xs = spread(&[10.0, 0.0, 5.0, 400.0], 88.0);
        for pair in xs.windows(2) {
            assert!(pair[1] - pair[0] >= 88.0 - 1e-9, "{xs:?}");
        }
        assert_eq!(xs[3], 400.0);
    }

    #[test]
    fn wrapping_keeps_partners_on_one_line_when_they_fit() {
        let clusters = vec![vec![0, 1, 2, 3, 4], vec![5, 6, 7], vec![8]];
        assert_eq!(wrap(&clusters), [vec![0, 1, 2, 3, 4], vec![5, 6, 7, 8]]);
        let huge = vec![(0..16).collect::<Vec<usize>>()];
        assert_eq!(
            wrap(&huge).iter().map(Vec::len).collect::<Vec<_>>(),
            [7, 7, 2]
        );
    }

    #[test]
    fn gaps_are_filled_from_neighbours_or_centred() {
        assert_eq!(
            fill_gaps(vec![None, Some(100.0), None], 0.0),
            [12.0, 100.0, 188.0]
        );
        assert_eq!(fill_gaps(vec![None, None], 0.0), [-44.0, 44.0]);
    }
}
