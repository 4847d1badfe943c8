//! Which credit pays which open invoice: proposals the therapist confirms, never bookings.

use std::collections::HashMap;

use super::iban::compact;
use super::statement::Credit;

/// An invoice still (partly) unpaid, as matching needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenInvoice {
    pub id: String,
    /// As printed on the invoice ("2026-0001").
    pub number: String,
    /// Its creditor reference ("RF…").
    pub reference: String,
    pub currency: String,
    pub outstanding_minor: i64,
    pub payer_name: String,
}

/// How a credit by reference fits what the invoice still owed when it came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    Exact,
    /// Paid in part; `remaining_minor` is still owed after this credit.
    Partial {
        remaining_minor: i64,
    },
    /// More than was owed (or the invoice was already paid): `excess_minor` is too much.
    Over {
        excess_minor: i64,
    },
}

/// What a credit seems to pay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    /// The payment text names the invoice (its reference or its number).
    Reference {
        invoice: String,
        kind: Fit,
    },
    /// Only the amount fits, and only this invoice: a suggestion to confirm.
    Amount {
        invoice: String,
    },
    /// The text names an invoice in another currency, or no open invoice is in the credit's
    /// currency: the therapist converts and assigns by hand.
    OtherCurrency,
    None,
}

/// The proposal for `credits[credit]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub credit: usize,
    pub matched: Match,
}

/// One proposal per credit, in order. A credit naming an invoice is matched to it first (its RF
/// reference anywhere in the text, spaces and case aside, or its number as a whole token);
/// otherwise a credit whose amount equals what exactly one open invoice in its currency still
/// owes is proposed for it. Credits are taken in order and each one lowers what its invoice
/// owes, so a second credit is only "exact" for what the first left, and an invoice paid off by
/// amount is not proposed again.
pub fn propose(credits: &[Credit], open: &[OpenInvoice]) -> Vec<Proposal> {
    let index = Index::new(open);
    let mut owed: Vec<i64> = open.iter().map(|i| i.outstanding_minor.max(0)).collect();
    credits
        .iter()
        .enumerate()
        .map(|(n, credit)| Proposal {
            credit: n,
            matched: match_one(credit, open, &index, &mut owed),
        })
        .collect()
}

fn match_one(credit: &Credit, open: &[OpenInvoice], index: &Index, owed: &mut [i64]) -> Match {
    if credit.amount_minor <= 0 {
        return Match::None;
    }
    let named = index.named(&credit.remittance);
    let same_currency = named
        .iter()
        .copied()
        .find(|&i| open[i].currency == credit.currency);
    if let Some(i) = same_currency {
        let before = owed[i];
        owed[i] = (before - credit.amount_minor).max(0);
        let kind = match credit.amount_minor.cmp(&before) {
            std::cmp::Ordering::Equal => Fit::Exact,
            std::cmp::Ordering::Less => Fit::Partial {
                remaining_minor: before - credit.amount_minor,
            },
            std::cmp::Ordering::Greater => Fit::Over {
                excess_minor: credit.amount_minor - before,
            },
        };
        return Match::Reference {
            invoice: open[i].id.clone(),
            kind,
        };
    }
    if !named.is_empty() || !open.iter().any(|i| i.currency == credit.currency) {
        return Match::OtherCurrency;
    }
    let mut fitting = (0..open.len())
        .filter(|&i| open[i].currency == credit.currency && owed[i] == credit.amount_minor);
    match (fitting.next(), fitting.next()) {
        (Some(i), None) => {
            owed[i] = 0;
            Match::Amount {
                invoice: open[i].id.clone(),
            }
        }
        _ => Match::None,
    }
}

/// The open invoices by reference and by number, so that a payment text is looked up in time
/// linear in its length rather than scanned once per invoice.
struct Index {
    references: HashMap<String, usize>,
    numbers: HashMap<Vec<char>, usize>,
    longest_reference: usize,
    longest_number: usize,
}

impl Index {
    fn new(open: &[OpenInvoice]) -> Self {
        let mut index = Index {
            references: HashMap::new(),
            numbers: HashMap::new(),
            longest_reference: 0,
            longest_number: 0,
        };
        for (i, invoice) in open.iter().enumerate() {
            let reference = compact(&invoice.reference);
            if reference.len() >= 5 {
                index.longest_reference = index.longest_reference.max(reference.len());
                index.references.entry(reference).or_insert(i);
            }
            let number = upper(invoice.number.trim());
            if !number.is_empty() {
                index.longest_number = index.longest_number.max(number.len());
                index.numbers.entry(number).or_insert(i);
            }
        }
        index
    }

    /// The invoices `text` names, references first (the longest at each place, so that a
    /// reference that is the start of a longer one does not win), then numbers, in text order.
    fn named(&self, text: &str) -> Vec<usize> {
        let mut found = self.by_reference(&compact(text));
        found.extend(self.by_number(&upper(text)));
        found
    }

    fn by_reference(&self, text: &str) -> Vec<usize> {
        let mut found = Vec::new();
        let bytes = text.as_bytes();
        for start in text.match_indices("RF").map(|(at, _)| at) {
            let end_max = (start + self.longest_reference).min(bytes.len());
            let longest = (start + 5..=end_max)
                .rev()
                .filter(|&end| text.is_char_boundary(end))
                .find_map(|end| self.references.get(&text[start..end]));
            found.extend(longest.copied());
        }
        found
    }

    /// Numbers as whole tokens: neither neighbour is a letter or digit, so "2026-0001" is not
    /// found in "2026-00012" nor in "X2026-0001".
    fn by_number(&self, text: &[char]) -> Vec<usize> {
        let mut found = Vec::new();
        let boundary = |at: usize| text.get(at).is_none_or(|c| !c.is_alphanumeric());
        for start in 0..text.len() {
            if start > 0 && !boundary(start - 1) {
                continue;
            }
            let end_max = (start + self.longest_number).min(text.len());
            for end in start + 1..=end_max {
                if boundary(end) {
                    if let Some(&i) = self.numbers.get(&text[start..end]) {
                        found.push(i);
                    }
                }
            }
        }
        found
    }
}

fn upper(text: &str) -> Vec<char> {
    text.chars().flat_map(char::to_uppercase).collect()
}
