//! Reads a plan as `EXPLAIN` prints it and finds the scans that read a growing table whole: a
//! sequential scan, or an index walked from end to end with no condition and no limit above it.

use std::collections::BTreeSet;

/// Tables whose size does not grow with the practice's history, each with the reason. Any other
/// table the migrations create is taken to grow.
const BOUNDED: &[(&str, &str)] = &[
    ("practice", "one row: the practice"),
    ("crisis_lines", "one row per country the practice serves"),
    (
        "appointment_types",
        "a handful of kinds of appointment per therapist",
    ),
    (
        "availability_windows",
        "a therapist's weekly hours: a few rows each",
    ),
    ("booking_rules", "one row per therapist"),
    ("calendar_feeds", "one row per therapist"),
    ("therapist_day", "one row per therapist"),
    ("own_note_headings", "one row per therapist"),
    ("billing_profiles", "one row per therapist"),
    (
        "invoice_sequence",
        "one row per numbering series, not per invoice",
    ),
    (
        "agreement_templates",
        "a therapist's versions of one template, edited by hand",
    ),
    (
        "questionnaires",
        "a therapist's own versions of a few questionnaires",
    ),
    ("tags", "the site's topics, written by hand"),
];

/// The tables the migrations create.
pub fn tables() -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../store/migrations");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("the migrations") {
        let sql = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in sql.lines() {
            if let Some(rest) = line.trim().strip_prefix("CREATE TABLE ") {
                let name = rest.trim_start_matches("IF NOT EXISTS ");
                let name = name.split(|c: char| !(c.is_alphanumeric() || c == '_'));
                out.insert(name.into_iter().next().unwrap().to_string());
            }
        }
    }
    out
}

/// The partial indexes the migrations create: they hold only the rows their `WHERE` picks (what
/// waits on the day, say), so walking one whole reads what is waiting, not the history.
pub fn partial_indexes() -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../store/migrations");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("the migrations") {
        let sql = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in sql.lines() {
            let line = line.trim();
            let rest = line
                .strip_prefix("CREATE INDEX ")
                .or_else(|| line.strip_prefix("CREATE UNIQUE INDEX "));
            if let (Some(rest), true) = (rest, line.contains(" WHERE ")) {
                out.insert(rest.split_whitespace().next().unwrap().to_string());
            }
        }
    }
    out
}

/// The growing tables: every table the migrations create but the bounded ones.
pub fn growing() -> BTreeSet<String> {
    let all = tables();
    for (name, _) in BOUNDED {
        assert!(all.contains(*name), "{name} is not a table any more");
    }
    all.into_iter()
        .filter(|t| !BOUNDED.iter().any(|(b, _)| b == t))
        .collect()
}

/// One node of a plan: its text ("Seq Scan on jobs"), depth, and its detail lines.
#[derive(Debug)]
struct Node {
    depth: usize,
    text: String,
    details: Vec<String>,
}

fn nodes(plan: &[String]) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::new();
    for (i, line) in plan.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if i == 0 || trimmed.starts_with("->") {
            let text = trimmed.trim_start_matches("->").trim_start();
            let text = text.split("  (cost=").next().unwrap_or(text);
            out.push(Node {
                depth: indent,
                text: text.to_string(),
                details: Vec::new(),
            });
        } else if let Some(last) = out.last_mut() {
            last.details.push(trimmed.to_string());
        }
    }
    out
}

/// The table a scan node reads: the word after " on ".
fn relation(text: &str) -> Option<&str> {
    let at = text.find(" on ")?;
    text[at + 4..].split_whitespace().next()
}

/// What in `plan` reads a growing table whole, one line each.
pub fn whole_reads(
    plan: &[String],
    growing: &BTreeSet<String>,
    partial: &BTreeSet<String>,
) -> Vec<String> {
    let nodes = nodes(plan);
    let mut found = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let Some(table) = relation(&node.text) else {
            continue;
        };
        if !growing.contains(table) {
            continue;
        }
        if node.text.starts_with("Seq Scan") {
            found.push(node.text.clone());
            continue;
        }
        let index_scan =
            node.text.starts_with("Index Scan") || node.text.starts_with("Index Only Scan");
        let conditioned = node.details.iter().any(|d| d.starts_with("Index Cond:"));
        // A bitmap scan reads whatever its index scans below it find: all of it, with no condition.
        if node.text.starts_with("Bitmap Heap Scan") {
            let whole_bitmap = nodes[i + 1..]
                .iter()
                .take_while(|n| n.depth > node.depth)
                .any(|n| {
                    n.text.starts_with("Bitmap Index Scan")
                        && !n.details.iter().any(|d| d.starts_with("Index Cond:"))
                        && !relation(&n.text).is_some_and(|i| partial.contains(i))
                });
            if whole_bitmap {
                found.push(format!("{} (no condition: the whole index)", node.text));
            }
            continue;
        }
        // A limit above the scan stops it after a few rows (the newest entry, say), unless a
        // sort or an aggregate between them must read every row first.
        let mut depth = node.depth;
        let mut limited = false;
        for n in nodes[..i].iter().rev() {
            if n.depth >= depth {
                continue;
            }
            depth = n.depth;
            if n.text.starts_with("Limit") {
                limited = true;
                break;
            }
            if [
                "Sort",
                "Hash",
                "Aggregate",
                "GroupAggregate",
                "HashAggregate",
                "WindowAgg",
            ]
            .iter()
            .any(|w| n.text.starts_with(w))
            {
                break;
            }
        }
        let on_partial = node
            .text
            .split("using ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .is_some_and(|i| partial.contains(i));
        if index_scan && !conditioned && !limited && !on_partial {
            found.push(format!("{} (no condition: the whole index)", node.text));
        }
    }
    found
}

#[test]
fn a_sequential_scan_of_a_growing_table_is_found_and_a_bounded_one_is_not() {
    let growing: BTreeSet<String> = ["jobs".to_string()].into();
    let none = BTreeSet::new();
    let plan: Vec<String> = [
        "Nested Loop  (cost=1.0..2.0 rows=1 width=8)",
        "  ->  Seq Scan on practice  (cost=1.0..2.0 rows=1 width=8)",
        "  ->  Seq Scan on jobs j  (cost=10000000000.00..10000000001.00 rows=1 width=8)",
        "        Filter: (state = $1)",
    ]
    .map(String::from)
    .into();
    assert_eq!(whole_reads(&plan, &growing, &none), ["Seq Scan on jobs j"]);
}

#[test]
fn an_index_walked_whole_is_found_unless_a_limit_stops_it() {
    let growing: BTreeSet<String> = ["audit_log".to_string()].into();
    let none = BTreeSet::new();
    let whole: Vec<String> = [
        "Index Scan using audit_log_pkey on audit_log  (cost=0.15..60.00 rows=10 width=8)",
        "  Filter: (who = $1)",
    ]
    .map(String::from)
    .into();
    assert_eq!(whole_reads(&whole, &growing, &none).len(), 1);
    let newest: Vec<String> = [
        "Limit  (cost=0.15..0.20 rows=1 width=8)",
        "  ->  Index Scan Backward using audit_log_pkey on audit_log  (cost=0.15..60.00 rows=10 width=8)",
    ]
    .map(String::from)
    .into();
    assert!(whole_reads(&newest, &growing, &none).is_empty());
    let found: Vec<String> = [
        "Index Scan using audit_by_case on audit_log  (cost=0.15..8.00 rows=1 width=8)",
        "  Index Cond: (case_id = $1)",
    ]
    .map(String::from)
    .into();
    assert!(whole_reads(&found, &growing, &none).is_empty());
    let bitmap: Vec<String> = [
        "Aggregate  (cost=22.55..22.56 rows=1 width=8)",
        "  ->  Bitmap Heap Scan on audit_log  (cost=9.25..22.55 rows=2 width=0)",
        "        Filter: (($1 = ''::text) OR (who = $1))",
        "        ->  Bitmap Index Scan on audit_by_case  (cost=0.00..9.24 rows=220 width=0)",
    ]
    .map(String::from)
    .into();
    assert_eq!(whole_reads(&bitmap, &growing, &none).len(), 1);
    let partial: BTreeSet<String> = ["audit_by_case".to_string()].into();
    assert!(whole_reads(&bitmap, &growing, &partial).is_empty());
    assert!(whole_reads(&whole, &growing, &["audit_log_pkey".to_string()].into()).is_empty());
}
