//! The one policy: every use-case asks `can(actor, action)` before it reads or writes anything.
//!
//! The answer distinguishes "sign in first" from "not for you"; where even the existence of a thing
//! is private the use-case answers `NotFound` instead of `Forbidden`.

use crate::actor::Actor;
use crate::error::AppError;
use domain::account::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read the public site: published pages, articles, feed.
    ReadPublicSite,
    /// Send a message through the site's form.
    SendInquiry,
    /// The admin's front page.
    OpenAdmin,
    /// Write, preview, publish and unpublish articles and pages; upload images.
    ManageContent,
    /// Change the practice's details and crisis contacts.
    ManagePractice,
    /// Read, answer and close messages from the site.
    HandleInquiries,
    /// Read the dev mailbox and the outbox (they hold mail for everyone in the practice).
    ReadOutbox,
    /// Read the practice-wide audit log.
    ReadAudit,
    /// Invite patients and keep one's own caseload.
    KeepCaseload,
    /// Invite colleagues into a group practice.
    ManageTeam,
    /// The patient portal: one's own appointments, messages, documents, profile and data.
    UsePortal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    SignInFirst,
    Deny,
}

pub fn can(actor: &Actor, action: Action) -> Decision {
    use Action::*;
    let role = actor.role();
    let allowed = match action {
        ReadPublicSite | SendInquiry => true,
        OpenAdmin | ManageContent | KeepCaseload => {
            matches!(role, Some(Role::Owner | Role::Therapist))
        }
        UsePortal => role == Some(Role::Patient),
        // A group practice's inquiries and outbox are the owner's to triage.
        ManagePractice | HandleInquiries | ReadOutbox | ReadAudit | ManageTeam => {
            role == Some(Role::Owner)
        }
    };
    match (allowed, actor.is_signed_in()) {
        (true, _) => Decision::Allow,
        (false, false) => Decision::SignInFirst,
        (false, true) => Decision::Deny,
    }
}

/// Whether the actor takes part in a case: its patient, or its therapist. Nobody else, not even the
/// practice's owner, may know that the case exists: everyone else gets `NotFound`.
pub fn require_case(actor: &Actor, case: &domain::case::Case) -> Result<(), AppError> {
    let Some(user) = actor.user() else {
        return Err(AppError::Unauthenticated);
    };
    let part = match actor.role() {
        Some(Role::Patient) => case.patient.id == user.id,
        Some(Role::Owner | Role::Therapist) => case.therapist.id == user.id,
        None => return Err(AppError::SecondFactorRequired),
    };
    if part {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether the actor is the therapist of a case (sending and countersigning its agreement). The
/// case's patient is refused; anyone else learns nothing of the case.
pub fn require_case_therapist(actor: &Actor, case: &domain::case::Case) -> Result<(), AppError> {
    require_case(actor, case)?;
    match actor.role() {
        Some(Role::Owner | Role::Therapist) => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// Whether the actor is the patient of a case (signing its agreement). The case's therapist is
/// refused; anyone else learns nothing of the case.
pub fn require_case_patient(actor: &Actor, case: &domain::case::Case) -> Result<(), AppError> {
    require_case(actor, case)?;
    match actor.role() {
        Some(Role::Patient) => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// The side of a case a use-case serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseSide {
    /// The patient's: the portal (signing the agreement, answering a questionnaire).
    Patient,
    /// The therapist's: the admin (the case page, the workspace, sending and countersigning).
    Therapist,
    /// Either person in the case: the messages between them, a document both of them read.
    Either,
}

/// Whether the actor may reach `case` (`None`: no such case) from `side`. Who is refused for who
/// they are (anonymous: sign in first; the wrong role for the side: forbidden) learns nothing of the
/// case; everyone else who takes no part in it is told it does not exist, the practice's owner too.
pub fn case_access(
    actor: &Actor,
    case: Option<&domain::case::Case>,
    side: CaseSide,
) -> Result<(), AppError> {
    match side {
        CaseSide::Therapist => require(actor, Action::KeepCaseload)?,
        CaseSide::Patient => require(actor, Action::UsePortal)?,
        CaseSide::Either => {}
    }
    let Some(case) = case else {
        return match actor.role() {
            _ if !actor.is_signed_in() => Err(AppError::Unauthenticated),
            None => Err(AppError::SecondFactorRequired),
            Some(_) => Err(AppError::NotFound),
        };
    };
    match side {
        CaseSide::Therapist => require_case_therapist(actor, case),
        CaseSide::Patient => require_case_patient(actor, case),
        CaseSide::Either => require_case(actor, case),
    }
}

/// Whether the actor may enter an appointment's video room: only its therapist and the people
/// invited to it (the case's patient, and guests such as a partner). Everyone else, the practice's
/// owner included, learns nothing of the room.
pub fn require_room(actor: &Actor, members: &[domain::ids::UserId]) -> Result<(), AppError> {
    let Some(user) = actor.user() else {
        return Err(AppError::Unauthenticated);
    };
    if actor.role().is_none() {
        return Err(AppError::SecondFactorRequired);
    }
    if members.contains(&user.id) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// `Ok` when allowed, otherwise the error the use-case returns.
pub fn require(actor: &Actor, action: Action) -> Result<(), AppError> {
    match can(actor, action) {
        Decision::Allow => Ok(()),
        Decision::SignInFirst => Err(AppError::Unauthenticated),
        Decision::Deny if actor.needs_second_factor() => Err(AppError::SecondFactorRequired),
        Decision::Deny => Err(AppError::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::account::User;
    use domain::ids::UserId;

    fn signed(role: Role) -> Actor {
        Actor::signed(
            User {
                id: UserId::new("u"),
                role,
                email: "a@b.c".into(),
                name: "n".into(),
                time_zone: "UTC".into(),
            },
            "s".into(),
            true,
            "127.0.0.1",
        )
    }

    #[test]
    fn a_room_is_for_its_members_only() {
        let member = signed(Role::Patient);
        let members = [UserId::new("u")];
        assert!(require_room(&member, &members).is_ok());
        assert!(matches!(
            require_room(&member, &[UserId::new("other")]),
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            require_room(&Actor::anonymous("127.0.0.1"), &members),
            Err(AppError::Unauthenticated)
        ));
        let mut unverified = signed(Role::Therapist);
        if let crate::actor::Who::Signed(s) = &mut unverified.who {
            s.verified = false;
        }
        assert!(matches!(
            require_room(&unverified, &members),
            Err(AppError::SecondFactorRequired)
        ));
    }

    #[test]
    fn each_side_of_a_case_does_its_own_part() {
        let user = |id: &str, role| User {
            id: UserId::new(id),
            role,
            email: "a@b.c".into(),
            name: "n".into(),
            time_zone: "UTC".into(),
        };
        let case = domain::case::Case {
            id: domain::ids::CaseId::new("c"),
            stage: domain::case::Stage::InTherapy,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            patient: user("p", Role::Patient),
            therapist: user("t", Role::Therapist),
            unread: 0,
        };
        let as_ = |id: &str, role| Actor::signed(user(id, role), "s".into(), true, "127.0.0.1");
        let (patient, therapist) = (as_("p", Role::Patient), as_("t", Role::Therapist));
        assert!(require_case_patient(&patient, &case).is_ok());
        assert!(require_case_therapist(&therapist, &case).is_ok());
        assert!(matches!(
            require_case_therapist(&patient, &case),
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            require_case_patient(&therapist, &case),
            Err(AppError::Forbidden)
        ));
        for stranger in [as_("x", Role::Patient), as_("y", Role::Owner)] {
            assert!(matches!(
                require_case_therapist(&stranger, &case),
                Err(AppError::NotFound)
            ));
            assert!(matches!(
                require_case_patient(&stranger, &case),
                Err(AppError::NotFound)
            ));
        }
    }

    /// Each side of a case for the six people the access test walks the routes with, and for a
    /// case that does not exist.
    #[test]
    fn the_case_matrix() {
        use AppError as E;
        let user = |id: &str, role| User {
            id: UserId::new(id),
            role,
            email: "a@b.c".into(),
            name: "n".into(),
            time_zone: "UTC".into(),
        };
        let case = domain::case::Case {
            id: domain::ids::CaseId::new("c"),
            stage: domain::case::Stage::InTherapy,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            patient: user("a", Role::Patient),
            therapist: user("t", Role::Therapist),
            unread: 0,
        };
        let as_ = |id: &str, role| Actor::signed(user(id, role), "s".into(), true, "127.0.0.1");
        let mut unverified = as_("t", Role::Therapist);
        if let crate::actor::Who::Signed(s) = &mut unverified.who {
            s.verified = false;
        }
        let people = [
            ("anonymous", Actor::anonymous("127.0.0.1")),
            ("the case's patient", as_("a", Role::Patient)),
            ("another patient", as_("b", Role::Patient)),
            ("the case's therapist", as_("t", Role::Therapist)),
            ("another therapist", as_("u", Role::Therapist)),
            ("the owner", as_("o", Role::Owner)),
            ("the therapist before the second factor", unverified),
        ];
        #[derive(Debug, PartialEq)]
        enum Want {
            Ok,
            SignIn,
            SecondFactor,
            Forbidden,
            NotFound,
        }
        use Want::*;
        let answer = |r: Result<(), AppError>| match r {
            Result::Ok(()) => Ok,
            Err(E::Unauthenticated) => SignIn,
            Err(E::SecondFactorRequired) => SecondFactor,
            Err(E::Forbidden) => Forbidden,
            Err(E::NotFound) => NotFound,
            Err(e) => panic!("unexpected {e:?}"),
        };
        // In the order of `people`.
        let expected: [(CaseSide, [Want; 7]); 3] = [
            (
                CaseSide::Patient,
                [
                    SignIn,
                    Ok,
                    NotFound,
                    Forbidden,
                    Forbidden,
                    Forbidden,
                    SecondFactor,
                ],
            ),
            (
                CaseSide::Therapist,
                [
                    SignIn,
                    Forbidden,
                    Forbidden,
                    Ok,
                    NotFound,
                    NotFound,
                    SecondFactor,
                ],
            ),
            (
                CaseSide::Either,
                [SignIn, Ok, NotFound, Ok, NotFound, NotFound, SecondFactor],
            ),
        ];
        for (side, row) in expected {
            for ((who, actor), want) in people.iter().zip(row) {
                let got = answer(case_access(actor, Some(&case), side));
                assert_eq!(got, want, "{who}, {side:?} side");
                // A case that does not exist: whoever may ask this side is told just that.
                let missing = answer(case_access(actor, None, side));
                let want_missing = if want == Ok { NotFound } else { want };
                assert_eq!(missing, want_missing, "{who}, {side:?} side, no such case");
            }
        }
    }

    #[test]
    fn the_matrix() {
        use Action::*;
        use Decision::*;
        let actors = [
            Actor::anonymous("127.0.0.1"),
            signed(Role::Patient),
            signed(Role::Therapist),
            signed(Role::Owner),
        ];
        let expected: &[(Action, [Decision; 4])] = &[
            (ReadPublicSite, [Allow, Allow, Allow, Allow]),
            (SendInquiry, [Allow, Allow, Allow, Allow]),
            (OpenAdmin, [SignInFirst, Deny, Allow, Allow]),
            (ManageContent, [SignInFirst, Deny, Allow, Allow]),
            (ManagePractice, [SignInFirst, Deny, Deny, Allow]),
            (HandleInquiries, [SignInFirst, Deny, Deny, Allow]),
            (ReadOutbox, [SignInFirst, Deny, Deny, Allow]),
            (ReadAudit, [SignInFirst, Deny, Deny, Allow]),
            (KeepCaseload, [SignInFirst, Deny, Allow, Allow]),
            (ManageTeam, [SignInFirst, Deny, Deny, Allow]),
            (UsePortal, [SignInFirst, Allow, Deny, Deny]),
        ];
        for (action, row) in expected {
            for (actor, want) in actors.iter().zip(row) {
                assert_eq!(
                    can(actor, *action),
                    *want,
                    "{action:?} for {:?}",
                    actor.role()
                );
            }
        }
    }
}
