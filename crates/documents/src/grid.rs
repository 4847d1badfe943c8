//! The table's geometry: column edges shared out by weight, padding between columns only.

use crate::{Align, Table};

/// Space between neighbouring columns' text, on each side of the boundary.
const CELL_PAD_X: f32 = 5.0;

/// One column's place on the page.
#[derive(Debug, Clone, Copy)]
struct Slot {
    x: f32,
    width: f32,
    align: Align,
}

/// The table's columns: where each starts and how wide it is.
pub struct Grid {
    columns: Vec<Slot>,
}

impl Grid {
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Widths share the content width by weight; a weight of 0 counts as 1.
    pub fn new(table: &Table, left: f32, width: f32) -> Self {
        let weights: Vec<f32> = table
            .columns
            .iter()
            .map(|c| f32::from(c.weight.max(1)))
            .collect();
        let sum: f32 = weights.iter().sum();
        let mut x = left;
        let columns = table
            .columns
            .iter()
            .zip(&weights)
            .map(|(c, w)| {
                let column_width = width * w / sum;
                let start = x;
                x += column_width;
                Slot {
                    x: start,
                    width: column_width,
                    align: c.align,
                }
            })
            .collect();
        Grid { columns }
    }

    /// Padding between columns only: the outer edges sit on the margins.
    fn padding(&self, i: usize) -> (f32, f32) {
        let left = if i == 0 { 0.0 } else { CELL_PAD_X };
        let right = if i + 1 == self.columns.len() {
            0.0
        } else {
            CELL_PAD_X
        };
        (left, right)
    }

    pub fn inner_width(&self, i: usize) -> f32 {
        let (l, r) = self.padding(i);
        self.columns.get(i).map_or(0.0, |c| c.width - l - r)
    }

    /// Where column `i`'s text is anchored and how.
    pub fn anchor(&self, i: usize) -> (f32, Align) {
        let (l, r) = self.padding(i);
        match self.columns.get(i) {
            Some(c) if c.align == Align::Right => (c.x + c.width - r, Align::Right),
            Some(c) => (c.x + l, Align::Left),
            None => (0.0, Align::Left),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Column;

    fn table(weights: &[u16]) -> Table {
        Table {
            columns: weights
                .iter()
                .map(|&weight| Column {
                    heading: String::new(),
                    align: Align::Right,
                    weight,
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    #[test]
    fn columns_share_the_width_by_weight_and_zero_counts_as_one() {
        let grid = Grid::new(&table(&[2, 0, 1]), 100.0, 400.0);
        assert_eq!(grid.len(), 3);
        let widths: Vec<f32> = grid.columns.iter().map(|c| c.width).collect();
        assert_eq!(widths, [200.0, 100.0, 100.0]);
        assert_eq!(grid.columns[2].x, 400.0);
    }

    #[test]
    fn outer_edges_sit_on_the_margins_and_inner_ones_are_padded() {
        let grid = Grid::new(&table(&[1, 1]), 0.0, 200.0);
        assert_eq!(grid.inner_width(0), 100.0 - CELL_PAD_X);
        assert_eq!(grid.anchor(1), (200.0, Align::Right));
        assert_eq!(grid.anchor(0), (100.0 - CELL_PAD_X, Align::Right));
        assert_eq!(grid.inner_width(7), 0.0);
    }

    #[test]
    fn huge_weights_do_not_overflow() {
        let grid = Grid::new(&table(&[u16::MAX; 300]), 0.0, 300.0);
        let sum: f32 = grid.columns.iter().map(|c| c.width).sum();
        assert!((sum - 300.0).abs() < 0.01);
    }
}
