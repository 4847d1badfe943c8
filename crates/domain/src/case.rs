//! A case: one person's path with one therapist, from the first contact to the end of therapy.

use serde::Serialize;

/// Where a case stands. The transitions between stages are the first-session work's; here the
/// stages exist so that every screen can say where a case is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Inquiry,
    ConsultationBooked,
    ConsultationHeld,
    InTherapy,
    Ended,
    Referred,
    Closed,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Inquiry => "inquiry",
            Stage::ConsultationBooked => "consultation_booked",
            Stage::ConsultationHeld => "consultation_held",
            Stage::InTherapy => "in_therapy",
            Stage::Ended => "ended",
            Stage::Referred => "referred",
            Stage::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Stage::Inquiry,
            Stage::ConsultationBooked,
            Stage::ConsultationHeld,
            Stage::InTherapy,
            Stage::Ended,
            Stage::Referred,
            Stage::Closed,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// A case as the therapist's list and the portal show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Case {
    pub id: crate::ids::CaseId,
    pub patient: crate::account::User,
    pub therapist: crate::account::User,
    pub stage: Stage,
    pub created_at: jiff::Timestamp,
    /// Messages from the other side not yet read by the one looking.
    pub unread: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_reads_back() {
        for s in [
            Stage::Inquiry,
            Stage::ConsultationBooked,
            Stage::ConsultationHeld,
            Stage::InTherapy,
            Stage::Ended,
            Stage::Referred,
            Stage::Closed,
        ] {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stage::parse("bogus"), None);
    }
}
