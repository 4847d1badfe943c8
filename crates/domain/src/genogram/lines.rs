//! The lines of a genogram: partners joined, separations marked, children hung from their
//! parents. Each line is a polyline in drawing units.

use super::kin::{Kin, Unit};
use super::layout::{Grid, R, RING, SLOT};

pub(super) type Polyline = Vec<(i32, i32)>;

/// Depth below a row's centre where a line between partners who are not neighbours runs, clear
/// of the names.
const LOW: i32 = R + RING + 36;
/// Room kept between a symbol and where a line to children may leave the partner line.
const MARGIN: i32 = 6;
/// How many families' bars can share one gap between lines before they are drawn on top of
/// each other.
const CHANNELS: i32 = 5;

fn reach(kin: &Kin, i: usize) -> i32 {
    if kin.patient == Some(i) {
        R + RING
    } else {
        R
    }
}

/// A lone parent's children hang from a short line to their right, or to their left when a
/// partner stands on the right.
pub(super) fn stub_side(kin: &Kin, line: &[usize], slot: usize) -> i32 {
    let right_is_partner = line
        .get(slot + 1)
        .is_some_and(|&r| kin.couples.iter().any(|c| c.joins(line[slot], r)));
    if right_is_partner {
        -1
    } else {
        1
    }
}

/// Where a unit's line to its children leaves the parents, and the lines its children are on.
struct Trunk {
    x: i32,
    y: i32,
    line: usize,
    /// The parent who stands alone, reached by a short line of their own.
    lone: Option<usize>,
    /// The middle of the children right below, when they are right below.
    aim: Option<i32>,
    targets: Vec<(usize, Vec<usize>)>,
}

/// The trunk leaves the partner line straight above the children when it can, and from the
/// middle of the line when it cannot.
fn trunk(kin: &Kin, grid: &Grid, unit: &Unit) -> Option<Trunk> {
    let line = grid.line_of[unit.parents[0]];
    let mut targets: Vec<(usize, Vec<usize>)> = Vec::new();
    for &c in &unit.children {
        let l = grid.line_of[c];
        match targets.iter_mut().find(|(tl, _)| *tl == l) {
            Some((_, cs)) => cs.push(c),
            None if l > line => targets.push((l, vec![c])),
            None => {}
        }
    }
    targets.sort();
    let (first, children) = targets.first()?;
    let aim = (*first == line + 1).then(|| {
        let xs = children.iter().map(|&c| grid.x[c]);
        (xs.clone().min().unwrap_or(0) + xs.max().unwrap_or(0)) / 2
    });
    let y = grid.line_y[line];
    let settle = |natural: i32, lo: i32, hi: i32| match aim {
        Some(c) if lo <= hi => c.clamp(lo, hi),
        _ => natural,
    };
    let trunk = match unit.parents[..] {
        [a, b] if grid.line_of[a] == grid.line_of[b] => {
            let (l, r) = if grid.x[a] <= grid.x[b] {
                (a, b)
            } else {
                (b, a)
            };
            let (xl, xr) = (grid.x[l], grid.x[r]);
            let (x, y) = if grid.neighbours(l, r) {
                let lo = xl + reach(kin, l) + MARGIN;
                (settle((xl + xr) / 2, lo, xr - reach(kin, r) - MARGIN), y)
            } else {
                // From between two people, so that a line passing further down misses everyone.
                let between = (xl + xr) / 2
                    + if (xr - xl) / SLOT % 2 == 0 {
                        SLOT / 2
                    } else {
                        0
                    };
                (settle(between, xl + 2 * MARGIN, xr - 2 * MARGIN), y + LOW)
            };
            Trunk {
                x,
                y,
                line,
                lone: None,
                aim,
                targets,
            }
        }
        _ => {
            let p = unit.parents[0];
            let (xp, edge) = (grid.x[p], reach(kin, p) + MARGIN);
            let side = stub_side(kin, &grid.lines[line], grid.slot_of[p]);
            let natural = xp + side * SLOT / 2;
            let x = match side {
                1 => settle(natural, xp + edge, natural),
                _ => settle(natural, natural, xp - edge),
            };
            Trunk {
                x,
                y,
                line,
                lone: Some(p),
                aim,
                targets,
            }
        }
    };
    Some(trunk)
}

/// How far, in all, children's bars sit off-centre from where their parents' line leaves.
pub(super) fn jog(kin: &Kin, grid: &Grid) -> i32 {
    kin.units
        .iter()
        .filter_map(|u| trunk(kin, grid, u))
        .filter_map(|t| t.aim.map(|aim| (t.x - aim).abs()))
        .sum()
}

/// A line between each couple in the same line: straight between neighbours, underneath the
/// names otherwise, crossed by two strokes when the couple has separated.
pub(super) fn couple_lines(kin: &Kin, grid: &Grid) -> Vec<Polyline> {
    let mut out = Vec::new();
    for c in &kin.couples {
        if grid.line_of[c.a] != grid.line_of[c.b] {
            continue;
        }
        let (l, r) = if grid.x[c.a] <= grid.x[c.b] {
            (c.a, c.b)
        } else {
            (c.b, c.a)
        };
        let (xl, xr, y) = (grid.x[l], grid.x[r], grid.line_y[grid.line_of[l]]);
        let (from, to, mark_y) = if grid.neighbours(l, r) {
            let (from, to) = (xl + reach(kin, l), xr - reach(kin, r));
            out.push(vec![(from, y), (to, y)]);
            (from, to, y)
        } else {
            out.push(vec![
                (xl, y + reach(kin, l)),
                (xl, y + LOW),
                (xr, y + LOW),
                (xr, y + reach(kin, r)),
            ]);
            (xl, xr, y + LOW)
        };
        if c.separated {
            let children = kin
                .units
                .iter()
                .find(|u| u.parents.len() == 2 && u.parents.contains(&l) && u.parents.contains(&r));
            let mark_x = match children.and_then(|u| trunk(kin, grid, u)) {
                Some(t) if t.x - from >= to - t.x => (from + t.x) / 2,
                Some(t) => (t.x + to) / 2,
                None => (from + to) / 2,
            };
            for dx in [-4, 4] {
                out.push(vec![
                    (mark_x + dx - 4, mark_y + 7),
                    (mark_x + dx + 4, mark_y - 7),
                ]);
            }
        }
    }
    out
}

/// From each trunk down to a bar above the children and down again to each child. Families
/// whose bars share a gap get their own height in it. When generations are wrapped, every family
/// gets its own height, and lines reach children on later lines by passing between two people.
pub(super) fn descent_lines(kin: &Kin, grid: &Grid) -> Vec<Polyline> {
    let mut out = Vec::new();
    let mut in_gap = vec![0; grid.lines.len() + 1];
    let mut drawn = 0;
    for unit in &kin.units {
        let Some(t) = trunk(kin, grid, unit) else {
            continue;
        };
        if let Some(p) = t.lone {
            let side = (t.x - grid.x[p]).signum();
            out.push(vec![(grid.x[p] + side * reach(kin, p), t.y), (t.x, t.y)]);
        }
        let k = if grid.wrapped {
            drawn
        } else {
            in_gap[t.line + 1]
        } % CHANNELS;
        in_gap[t.line + 1] += 1;
        drawn += 1;
        // Lines between people are nudged apart so two families' never run as one.
        let nudge = 2 * (k - CHANNELS / 2);
        let (mut join_x, mut join_y) = (t.x, t.y);
        for (n, (l, children)) in t.targets.iter().enumerate() {
            let y = grid.line_y[*l] - R - RING - 8 - 5 * k;
            out.push(vec![(join_x, join_y), (join_x, y)]);
            let mut xs: Vec<i32> = children.iter().map(|&c| grid.x[c]).collect();
            xs.push(join_x);
            if n + 1 < t.targets.len() {
                join_x = xs.iter().max().copied().unwrap_or(join_x) + SLOT / 2 + nudge;
                xs.push(join_x);
            }
            join_y = y;
            if let (Some(&lo), Some(&hi)) = (xs.iter().min(), xs.iter().max()) {
                if lo < hi {
                    out.push(vec![(lo, y), (hi, y)]);
                }
            }
            for &c in children {
                out.push(vec![
                    (grid.x[c], y),
                    (grid.x[c], grid.line_y[*l] - reach(kin, c)),
                ]);
            }
        }
    }
    out
}
