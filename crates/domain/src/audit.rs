//! What the audit log records: one closed list of actions, so a new kind of event is added here,
//! named once, and cannot be misspelt at the place that writes it.

/// An action written to the audit log. Its text (`as_str`) is what is stored and hashed into the
/// chain, so a variant's text never changes once it has been written; a new meaning gets a new
/// variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    AbsenceAdd,
    AbsenceRemove,
    AgreementCountersign,
    AgreementRead,
    AgreementSend,
    AgreementSign,
    AgreementTemplateSave,
    AppointmentAdd,
    AppointmentAttendance,
    AppointmentCancel,
    AppointmentMove,
    AttachmentRead,
    AttentionRaise,
    AttentionSeen,
    BookingCancel,
    BookingCancelLate,
    BookingCreate,
    BookingReschedule,
    BookingSettings,
    CalendarBlock,
    CalendarFeedNew,
    CalendarFeedRemove,
    CaseClose,
    CaseClosingRead,
    CaseReadOnly,
    CaseRefer,
    CaseStage,
    CaseVisitorWordsRead,
    DayNotices,
    DaySeen,
    EndingPlan,
    EndingWithdraw,
    ExportCase,
    FocusRead,
    FocusReview,
    FocusWrite,
    InquiryCreate,
    InquiryInvite,
    InquiryRead,
    InquiryReply,
    InquiryStatus,
    MagicLinkRequest,
    MailboxRead,
    MeasureScheduleSet,
    MeasureScheduleStop,
    MessagesRead,
    MessagesWrite,
    NoteAddendum,
    NoteRead,
    NoteSign,
    NoteTemplateSave,
    NoteWrite,
    SeriesChange,
    SeriesEnd,
    SeriesSet,
    PasskeyAdd,
    PatientInvite,
    PolicyRefused,
    PracticeCrisisLine,
    PracticeSetup,
    ProfileUpdate,
    QuestionnaireCopy,
    QuestionnaireEdit,
    QuestionnaireSend,
    ResponsesRead,
    ResponsesSubmit,
    ResponsesWrite,
    RoomAdmit,
    RoomEnd,
    RoomEnter,
    RoomInvite,
    RoomSendBack,
    SignIn,
    SignInLink,
    SignInPasskey,
    SignOut,
    SignOutEverywhere,
    TeamInvite,
    TeamJoin,
    TwoFactor,
    TwoFactorEnrolled,
    TwoFactorPasskey,
    WorkspaceRead,
    WorkspaceSummaryRead,
    WorkspaceWrite,
}

impl AuditAction {
    /// Every action, for the tests that hold the list's texts stable and distinct.
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::AbsenceAdd,
        AuditAction::AbsenceRemove,
        AuditAction::AgreementCountersign,
        AuditAction::AgreementRead,
        AuditAction::AgreementSend,
        AuditAction::AgreementSign,
        AuditAction::AgreementTemplateSave,
        AuditAction::AppointmentAdd,
        AuditAction::AppointmentAttendance,
        AuditAction::AppointmentCancel,
        AuditAction::AppointmentMove,
        AuditAction::AttachmentRead,
        AuditAction::AttentionRaise,
        AuditAction::AttentionSeen,
        AuditAction::BookingCancel,
        AuditAction::BookingCancelLate,
        AuditAction::BookingCreate,
        AuditAction::BookingReschedule,
        AuditAction::BookingSettings,
        AuditAction::CalendarBlock,
        AuditAction::CalendarFeedNew,
        AuditAction::CalendarFeedRemove,
        AuditAction::CaseClose,
        AuditAction::CaseClosingRead,
        AuditAction::CaseReadOnly,
        AuditAction::CaseRefer,
        AuditAction::CaseStage,
        AuditAction::CaseVisitorWordsRead,
        AuditAction::DayNotices,
        AuditAction::DaySeen,
        AuditAction::EndingPlan,
        AuditAction::EndingWithdraw,
        AuditAction::ExportCase,
        AuditAction::FocusRead,
        AuditAction::FocusReview,
        AuditAction::FocusWrite,
        AuditAction::InquiryCreate,
        AuditAction::InquiryInvite,
        AuditAction::InquiryRead,
        AuditAction::InquiryReply,
        AuditAction::InquiryStatus,
        AuditAction::MagicLinkRequest,
        AuditAction::MailboxRead,
        AuditAction::MeasureScheduleSet,
        AuditAction::MeasureScheduleStop,
        AuditAction::MessagesRead,
        AuditAction::MessagesWrite,
        AuditAction::NoteAddendum,
        AuditAction::NoteRead,
        AuditAction::NoteSign,
        AuditAction::NoteTemplateSave,
        AuditAction::NoteWrite,
        AuditAction::SeriesChange,
        AuditAction::SeriesEnd,
        AuditAction::SeriesSet,
        AuditAction::PasskeyAdd,
        AuditAction::PatientInvite,
        AuditAction::PolicyRefused,
        AuditAction::PracticeCrisisLine,
        AuditAction::PracticeSetup,
        AuditAction::ProfileUpdate,
        AuditAction::QuestionnaireCopy,
        AuditAction::QuestionnaireEdit,
        AuditAction::QuestionnaireSend,
        AuditAction::ResponsesRead,
        AuditAction::ResponsesSubmit,
        AuditAction::ResponsesWrite,
        AuditAction::RoomAdmit,
        AuditAction::RoomEnd,
        AuditAction::RoomEnter,
        AuditAction::RoomInvite,
        AuditAction::RoomSendBack,
        AuditAction::SignIn,
        AuditAction::SignInLink,
        AuditAction::SignInPasskey,
        AuditAction::SignOut,
        AuditAction::SignOutEverywhere,
        AuditAction::TeamInvite,
        AuditAction::TeamJoin,
        AuditAction::TwoFactor,
        AuditAction::TwoFactorEnrolled,
        AuditAction::TwoFactorPasskey,
        AuditAction::WorkspaceRead,
        AuditAction::WorkspaceSummaryRead,
        AuditAction::WorkspaceWrite,
    ];

    /// The action a stored text names; `None` for a text this version does not know.
    pub fn from_stored(text: &str) -> Option<AuditAction> {
        AuditAction::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == text)
    }

    /// The text stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::AbsenceAdd => "absence.add",
            AuditAction::AbsenceRemove => "absence.remove",
            AuditAction::AgreementCountersign => "agreement.countersign",
            AuditAction::AgreementRead => "agreement.read",
            AuditAction::AgreementSend => "agreement.send",
            AuditAction::AgreementSign => "agreement.sign",
            AuditAction::AgreementTemplateSave => "agreement.template.save",
            AuditAction::AppointmentAdd => "appointment.add",
            AuditAction::AppointmentAttendance => "appointment.attendance",
            AuditAction::AppointmentCancel => "appointment.cancel",
            AuditAction::AppointmentMove => "appointment.move",
            AuditAction::AttachmentRead => "attachment.read",
            AuditAction::AttentionRaise => "attention.raise",
            AuditAction::AttentionSeen => "attention.seen",
            AuditAction::BookingCancel => "booking.cancel",
            AuditAction::BookingCancelLate => "booking.cancel.late",
            AuditAction::BookingCreate => "booking.create",
            AuditAction::BookingReschedule => "booking.reschedule",
            AuditAction::BookingSettings => "booking.settings",
            AuditAction::CalendarBlock => "calendar.block",
            AuditAction::CalendarFeedNew => "calendar.feed.new",
            AuditAction::CalendarFeedRemove => "calendar.feed.remove",
            AuditAction::CaseClose => "case.close",
            AuditAction::CaseClosingRead => "case.closing.read",
            AuditAction::CaseReadOnly => "case.read_only",
            AuditAction::CaseRefer => "case.refer",
            AuditAction::CaseStage => "case.stage",
            AuditAction::CaseVisitorWordsRead => "case.visitor_words.read",
            AuditAction::DayNotices => "day.notices",
            AuditAction::DaySeen => "day.seen",
            AuditAction::EndingPlan => "ending.plan",
            AuditAction::EndingWithdraw => "ending.withdraw",
            AuditAction::ExportCase => "export.case",
            AuditAction::FocusRead => "focus.read",
            AuditAction::FocusReview => "focus.review",
            AuditAction::FocusWrite => "focus.write",
            AuditAction::InquiryCreate => "inquiry.create",
            AuditAction::InquiryInvite => "inquiry.invite",
            AuditAction::InquiryRead => "inquiry.read",
            AuditAction::InquiryReply => "inquiry.reply",
            AuditAction::InquiryStatus => "inquiry.status",
            AuditAction::MagicLinkRequest => "magic_link.request",
            AuditAction::MailboxRead => "mailbox.read",
            AuditAction::MeasureScheduleSet => "measure_schedule.set",
            AuditAction::MeasureScheduleStop => "measure_schedule.stop",
            AuditAction::MessagesRead => "messages.read",
            AuditAction::MessagesWrite => "messages.write",
            AuditAction::NoteAddendum => "note.addendum",
            AuditAction::NoteRead => "note.read",
            AuditAction::NoteSign => "note.sign",
            AuditAction::NoteTemplateSave => "note.template.save",
            AuditAction::NoteWrite => "note.write",
            AuditAction::SeriesChange => "series.change",
            AuditAction::SeriesEnd => "series.end",
            AuditAction::SeriesSet => "series.set",
            AuditAction::PasskeyAdd => "passkey.add",
            AuditAction::PatientInvite => "patient.invite",
            AuditAction::PolicyRefused => "policy.refused",
            AuditAction::PracticeSetup => "practice.setup",
            AuditAction::PracticeCrisisLine => "practice.crisis_line",
            AuditAction::ProfileUpdate => "profile.update",
            AuditAction::QuestionnaireCopy => "questionnaire.copy",
            AuditAction::QuestionnaireEdit => "questionnaire.edit",
            AuditAction::QuestionnaireSend => "questionnaire.send",
            AuditAction::ResponsesRead => "responses.read",
            AuditAction::ResponsesSubmit => "responses.submit",
            AuditAction::ResponsesWrite => "responses.write",
            AuditAction::RoomAdmit => "room.admit",
            AuditAction::RoomEnd => "room.end",
            AuditAction::RoomEnter => "room.enter",
            AuditAction::RoomInvite => "room.invite",
            AuditAction::RoomSendBack => "room.send_back",
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInLink => "sign_in.link",
            AuditAction::SignInPasskey => "sign_in.passkey",
            AuditAction::SignOut => "sign_out",
            AuditAction::SignOutEverywhere => "sign_out.everywhere",
            AuditAction::TeamInvite => "team.invite",
            AuditAction::TeamJoin => "team.join",
            AuditAction::TwoFactor => "two_factor",
            AuditAction::TwoFactorEnrolled => "two_factor.enrolled",
            AuditAction::TwoFactorPasskey => "two_factor.passkey",
            AuditAction::WorkspaceRead => "workspace.read",
            AuditAction::WorkspaceSummaryRead => "workspace.summary.read",
            AuditAction::WorkspaceWrite => "workspace.write",
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::AuditAction;
    use std::collections::HashSet;

    /// Two actions sharing a text would be indistinguishable in the log; a text outside
    /// `area.verb` in lower case would not sort or filter with the others.
    #[test]
    fn every_action_has_its_own_lower_case_dotted_text() {
        let mut seen = HashSet::new();
        for action in AuditAction::ALL {
            let text = action.as_str();
            assert!(seen.insert(text), "{text} is used twice");
            assert!(
                text.split('.').all(|part| !part.is_empty()
                    && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')),
                "{text}"
            );
        }
        assert_eq!(seen.len(), AuditAction::ALL.len());
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_stored(action.as_str()), Some(*action));
        }
        assert_eq!(AuditAction::from_stored("booking"), None);
        assert_eq!(AuditAction::from_stored(""), None);
    }

    /// The texts already in practices' logs are hashed into their chains: these never change.
    #[test]
    fn stored_texts_stay_as_written() {
        assert_eq!(AuditAction::SignIn.as_str(), "sign_in");
        assert_eq!(
            AuditAction::BookingCancelLate.as_str(),
            "booking.cancel.late"
        );
        assert_eq!(AuditAction::PolicyRefused.to_string(), "policy.refused");
    }
}
