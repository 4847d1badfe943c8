//! Scores over time as an SVG chart drawn on the server: the measure's severity bands behind, the
//! totals as a line of points in front. The page shows the same numbers as a table beside it, so
//! the chart carries no information the text does not.

use super::{Measure, Severity};
use crate::genogram::escape;
use std::fmt::Write;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 260;
const LEFT: u32 = 44;
const RIGHT: u32 = 176;
const TOP: u32 = 12;
const BOTTOM: u32 = 36;

/// One score: when (already formatted for the reader, e.g. "3 Mar") and the total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    pub label: String,
    pub total: u8,
}

fn fill(severity: Severity) -> &'static str {
    match severity {
        Severity::Minimal => "#e4f1ec",
        Severity::Mild => "#eef2dc",
        Severity::Moderate => "#f7ecd6",
        Severity::ModeratelySevere => "#f6e0d6",
        Severity::Severe => "#f3d6d6",
    }
}

/// The words a chart shows, in the reader's language: the domain draws, the caller names.
pub struct Words<'a> {
    /// "PHQ-9 over time"
    pub title: &'a str,
    /// "PHQ9 scores, oldest first", followed by the scores.
    pub scores: &'a str,
    /// What stands for the scores when there are none yet.
    pub none_yet: &'a str,
    /// Each band's name.
    pub severity: &'a dyn Fn(Severity) -> String,
}

/// A dated event drawn across the chart as a dashed line (the treatment focus set, a review):
/// `before` is how many of the points are older than it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub before: usize,
    pub label: String,
}

/// The chart; `id` keeps the title's and description's ids unique on a page with two charts.
pub fn render(measure: &Measure, points: &[Point], id: &str, words: &Words<'_>) -> String {
    render_marked(measure, points, id, words, &[])
}

/// The chart with dated events marked on it (they are named in its description too).
pub fn render_marked(
    measure: &Measure,
    points: &[Point],
    id: &str,
    words: &Words<'_>,
    marks: &[Mark],
) -> String {
    let max = f64::from(measure.max_total());
    let plot_w = f64::from(WIDTH - LEFT - RIGHT);
    let plot_h = f64::from(HEIGHT - TOP - BOTTOM);
    let y = |v: f64| f64::from(TOP) + plot_h - v / max * plot_h;
    let id = escape(id);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-labelledby="{id}-title {id}-desc" font-family="sans-serif" font-size="12">"#
    );
    let _ = write!(
        out,
        r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}: {}.{}</desc>"#,
        escape(words.title),
        escape(words.scores),
        if points.is_empty() {
            escape(words.none_yet)
        } else {
            points
                .iter()
                .map(|p| format!("{} {}", escape(&p.label), p.total))
                .collect::<Vec<_>>()
                .join(", ")
        },
        marks
            .iter()
            .map(|m| format!(" {}.", escape(&m.label)))
            .collect::<String>()
    );
    for band in measure.bands {
        // A band covers its whole points: from its lowest total to just under the next band.
        let top = y(f64::from(band.to) + 1.0).max(f64::from(TOP));
        let bottom = y(f64::from(band.from));
        let _ = write!(
            out,
            r#"<rect x="{LEFT}" y="{top:.1}" width="{plot_w:.1}" height="{:.1}" fill="{}"/>"#,
            bottom - top,
            fill(band.severity)
        );
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" fill="#2b2b2b">{} ({}–{})</text>"##,
            f64::from(LEFT) + plot_w + 6.0,
            (top + bottom) / 2.0 + 4.0,
            escape(&(words.severity)(band.severity)),
            band.from,
            band.to
        );
    }
    for tick in [0.0, max / 2.0, max] {
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#2b2b2b">{}</text>"##,
            f64::from(LEFT) - 6.0,
            y(tick) + 4.0,
            tick.round()
        );
    }
    let step = if points.len() > 1 {
        plot_w / (points.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| {
        f64::from(LEFT)
            + if points.len() > 1 {
                step * i as f64
            } else {
                plot_w / 2.0
            }
    };
    if points.len() > 1 {
        let line: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(f64::from(p.total))))
            .collect();
        let _ = write!(
            out,
            r##"<polyline points="{}" fill="none" stroke="#1d5c54" stroke-width="2"/>"##,
            line.join(" ")
        );
    }
    for m in marks {
        let at = match (m.before, points.len()) {
            (_, 0) => f64::from(LEFT) + plot_w / 2.0,
            (0, _) => f64::from(LEFT) + 2.0,
            (k, n) if k >= n => f64::from(LEFT) + plot_w - 2.0,
            (k, _) => (x(k - 1) + x(k)) / 2.0,
        };
        let _ = write!(
            out,
            r##"<line x1="{at:.1}" y1="{TOP}" x2="{at:.1}" y2="{:.1}" stroke="#5a4a8a" stroke-width="1.5" stroke-dasharray="4 3"/><text x="{:.1}" y="{}" fill="#5a4a8a" font-size="11">{}</text>"##,
            f64::from(TOP) + plot_h,
            at + 3.0,
            TOP + 10,
            escape(m.label.split(':').next().unwrap_or_default())
        );
    }
    // Label at most about eight dates, so they never run into each other.
    let every = points.len().div_ceil(8).max(1);
    for (i, p) in points.iter().enumerate() {
        let (cx, cy) = (x(i), y(f64::from(p.total)));
        let _ = write!(
            out,
            r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="4" fill="#1d5c54"/><text x="{cx:.1}" y="{:.1}" text-anchor="middle" fill="#1d5c54" font-weight="bold">{}</text>"##,
            cy - 8.0,
            p.total
        );
        if i % every == 0 || i + 1 == points.len() {
            let _ = write!(
                out,
                r##"<text x="{cx:.1}" y="{}" text-anchor="middle" fill="#2b2b2b">{}</text>"##,
                HEIGHT - 14,
                escape(&p.label)
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::{Measure, Point, Severity, Words};
    use crate::measures::{GAD7, PHQ9};

    fn severity(s: crate::measures::Severity) -> String {
        match s {
            Severity::ModeratelySevere => "Moderately severe".into(),
            other => format!("{other:?}"),
        }
    }

    /// The English a page would pass in.
    fn render(measure: &Measure, points: &[Point], id: &str) -> String {
        let title = format!("{} over time", measure.title);
        let scores = format!("{} scores, oldest first", measure.id.to_uppercase());
        super::render(
            measure,
            points,
            id,
            &Words {
                title: &title,
                scores: &scores,
                none_yet: "none yet",
                severity: &severity,
            },
        )
    }

    fn points(totals: &[u8]) -> Vec<Point> {
        totals
            .iter()
            .enumerate()
            .map(|(i, t)| Point {
                label: format!("{} Mar", i + 1),
                total: *t,
            })
            .collect()
    }

    #[test]
    fn a_mark_is_drawn_between_the_scores_it_falls_between_and_named_in_the_text() {
        let points = [
            Point {
                label: "1 Dec".into(),
                total: 14,
            },
            Point {
                label: "29 Dec".into(),
                total: 9,
            },
        ];
        let title = "PHQ-9 over time".to_string();
        let svg = super::render_marked(
            &PHQ9,
            &points,
            "c",
            &Words {
                title: &title,
                scores: "scores",
                none_yet: "none",
                severity: &severity,
            },
            &[super::Mark {
                before: 1,
                label: "Focus set: 10 Dec".into(),
            }],
        );
        assert!(svg.contains("stroke-dasharray"), "{svg}");
        assert!(svg.contains(">Focus set</text>"));
        assert!(
            svg.contains("14, 29 Dec 9. Focus set: 10 Dec.</desc>"),
            "{svg}"
        );
    }

    #[test]
    fn every_band_and_every_score_is_drawn() {
        let svg = render(&PHQ9, &points(&[21, 14, 9]), "phq9");
        assert_eq!(svg.matches("<rect").count(), PHQ9.bands.len());
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("Moderately severe (15–19)"));
        assert!(svg.contains("PHQ9 scores, oldest first: 1 Mar 21, 2 Mar 14, 3 Mar 9."));
        assert!(svg.contains(r#"aria-labelledby="phq9-title phq9-desc""#));
    }

    #[test]
    fn higher_scores_sit_higher() {
        let svg = render(&GAD7, &points(&[0, 21]), "g");
        let ys: Vec<f64> = svg
            .split("<circle")
            .skip(1)
            .map(|c| {
                c.split("cy=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(ys[1] < ys[0]);
    }

    #[test]
    fn none_one_and_many_points_render_and_labels_are_escaped() {
        assert!(render(&PHQ9, &[], "a").contains("none yet"));
        assert_eq!(
            render(&PHQ9, &points(&[5]), "b").matches("<circle").count(),
            1
        );
        let many = render(&PHQ9, &points(&[10; 60]), "c");
        assert_eq!(many.matches("<circle").count(), 60);
        let hostile = render(
            &PHQ9,
            &[Point {
                label: "<script>".into(),
                total: 3,
            }],
            "d\"",
        );
        assert!(!hostile.contains("<script>") && !hostile.contains("d\"-title"));
    }
}
