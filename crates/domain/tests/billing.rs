//! Billing's arithmetic under random histories: what a patient owes is always what was invoiced,
//! less what was credited, less what was paid; rounding never strays by more than half a minor
//! unit; a typed amount reads back exactly.

use domain::invoice::{apply_payment, may_credit, outstanding, standing, Standing};
use domain::money::{parse_amount, percent, plain, prorate, round_div};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Issue(i64),
    Credit(usize, i64),
    Pay(usize, i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1i64..2_000_000).prop_map(Op::Issue),
        (any::<usize>(), 1i64..2_000_000).prop_map(|(i, a)| Op::Credit(i, a)),
        (any::<usize>(), 1i64..2_000_000).prop_map(|(i, a)| Op::Pay(i, a)),
    ]
}

proptest! {
    #[test]
    fn the_balance_is_invoiced_less_credited_less_paid(ops in prop::collection::vec(op(), 0..60)) {
        // (total, credited, paid) per invoice, as the ledger keeps them.
        let mut invoices: Vec<(i64, i64, i64)> = Vec::new();
        let (mut invoiced, mut credited, mut paid) = (0i64, 0i64, 0i64);
        for op in ops {
            match op {
                Op::Issue(total) => {
                    invoices.push((total, 0, 0));
                    invoiced += total;
                }
                Op::Credit(i, amount) if !invoices.is_empty() => {
                    let n = invoices.len();
                    let inv = &mut invoices[i % n];
                    if may_credit(inv.0, inv.1, amount) {
                        inv.1 += amount;
                        credited += amount;
                    } else {
                        prop_assert!(inv.1 + amount > inv.0);
                    }
                }
                Op::Pay(i, amount) if !invoices.is_empty() => {
                    let n = invoices.len();
                    let inv = &mut invoices[i % n];
                    let owed = outstanding(inv.0, inv.1, inv.2);
                    let (applied, excess) = apply_payment(owed, amount);
                    prop_assert_eq!(applied + excess, amount);
                    prop_assert!(applied >= 0 && applied <= owed.max(0));
                    // The whole payment is recorded; the excess stays as the patient's credit.
                    inv.2 += amount;
                    paid += amount;
                }
                _ => {}
            }
        }
        let owed: i64 = invoices.iter().map(|&(t, c, p)| outstanding(t, c, p)).sum();
        prop_assert_eq!(owed, invoiced - credited - paid);
        for &(t, c, p) in &invoices {
            prop_assert!(c <= t);
            let s = standing(t, c, p);
            prop_assert_eq!(s.owes(), outstanding(t, c, p) > 0);
            match s {
                Standing::PartlyPaid { remaining } => prop_assert_eq!(remaining, outstanding(t, c, p)),
                Standing::Overpaid { excess } => prop_assert_eq!(excess, -outstanding(t, c, p)),
                Standing::Paid => prop_assert_eq!(outstanding(t, c, p), 0),
                Standing::Open => prop_assert_eq!(p, 0),
                Standing::Credited => prop_assert_eq!(p, 0),
            }
        }
    }

    #[test]
    fn rounding_strays_at_most_half_a_unit_and_ties_go_away_from_zero(
        n in -1_000_000_000_000i128..1_000_000_000_000, d in 1i128..100_000
    ) {
        let q = i128::from(round_div(n, d).unwrap());
        let diff = q * d - n;
        prop_assert!(diff.abs() * 2 <= d);
        if diff.abs() * 2 == d {
            prop_assert_eq!(q.signum(), n.signum());
        }
        prop_assert_eq!(round_div(-n, d).map(i128::from), Some(-q));
    }

    #[test]
    fn a_whole_session_costs_its_fee_and_a_whole_percent_is_the_amount(
        fee in 0i64..10_000_000, minutes in 1u32..600
    ) {
        prop_assert_eq!(prorate(fee, minutes, minutes), Some(fee));
        prop_assert_eq!(percent(fee, 10_000), Some(fee));
        prop_assert_eq!(percent(fee, 0), Some(0));
        // Longer sessions never cost less.
        prop_assert!(prorate(fee, 50, minutes) <= prorate(fee, 50, minutes + 1));
    }

    #[test]
    fn an_amount_reads_back_as_written(minor in -10_000_000i64..10_000_000, digits in 0u32..4) {
        prop_assert_eq!(parse_amount(&plain(minor, digits), digits), Ok(minor));
    }

    #[test]
    fn any_text_is_refused_or_read_never_a_panic(text in "\\PC{0,40}") {
        let _ = parse_amount(&text, 2);
    }
}
