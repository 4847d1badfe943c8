# holdspace — English. Every user-facing string of the web layer lives here.

## Layout
skip-to-content = Skip to content
nav-main = Main
nav-footer = More
nav-about = About
nav-articles = Articles
nav-faq = Questions
nav-fees = Fees
nav-contact = Send a message
nav-privacy = Privacy
nav-topics = Topics
nav-feed = Feed
nav-therapist = For the therapist
crisis-heading = Not for emergencies.
feed-title = New articles
back-home = Back to the home page
optional = (optional)

## Home
welcome-heading = This practice is being set up
welcome-text = Please come back soon.
home-latest = Recent articles
home-all-articles = All articles
home-questions = Questions people often ask

## Articles and pages
articles-heading = Articles
articles-description = Articles about psychotherapy, online sessions and what to expect.
articles-none = No articles yet.
tags-heading = Topics
tag-heading = Articles on { $tag }
related-articles = Related articles
article-next-heading = Would you like to talk?
article-next-text = If something here speaks to you, you are welcome to write. A first consultation is a chance to find out whether working together could help.
faq-heading = Questions
faq-description = Answers to the questions people often ask before starting therapy.
faq-none = No questions answered yet.
faq-more = More questions
pager-label = Pages
pager-newer = Newer
pager-older = Older
page-of = Page { $page } of { $last }

## Contact
contact-heading = Send a message
contact-description = Write to the practice in confidence.
contact-intro = Write as much or as little as you like. Your message is kept encrypted and read only by the therapist.
contact-send = Send message
contact-privacy-link = How your message is handled (privacy policy)
field-name = Your name
field-email = Email address
hint-email = Replies are sent here.
field-phone = Phone number
field-preferred-time = When is a good time to reach you?
hint-preferred-time = For example: weekday evenings, Central European Time.
field-message = Your message
hint-message = There is no need to go into detail; a few lines are enough.
field-consent = I agree that my message is stored and read as the privacy policy describes.
field-website = Leave this field empty
thanks-heading = Thank you, your message has been sent
thanks-text = It is stored safely. You will receive a reply by email, usually within two working days.
thanks-read = Read articles while you wait

## Form errors
form-has-errors = Please check the following
error-required = Please fill this in.
error-too-long = This is too long.
error-invalid-characters = This contains characters that cannot be used here.
error-email-invalid = Please enter an email address like name@example.com.
error-phone-invalid = Please use digits, spaces and + ( ) - only.
error-consent-required = Please agree, so that your message can be stored.
error-rate-limited = Too many attempts from your connection. Please wait a while and try again; nothing you typed is lost.
error-slug-shape = Use lower-case letters, digits and single hyphens.
error-slug-reserved = This address is used by the site itself; please choose another.
error-slug-taken = Another page already has this address.
error-tag-too-long = A tag can be at most 40 characters.
error-too-many-tags = Use at most 12 tags.
error-number = Please enter a whole number from 0 to 10000.
error-time-zone = Please enter a time zone like Europe/Berlin or America/New_York.
error-password-short = Please use at least 10 characters.
error-password-mismatch = The two passwords are not the same.
error-sign-in = The email address or password is not right.
error-email-taken = Someone already uses this email address.
error-image-too-large = The image is larger than 5 MB.
error-image-type = Please upload a PNG, JPEG, GIF or WebP image.
api-bad-json = The request body must be JSON.

## Error pages
not-found-title = Page not found
not-found-text = There is nothing at this address. It may have moved; the home page and the articles list are good places to start.
forbidden-title = Not available
forbidden-text = This page is not available to you, or the form had expired. Go back, reload the page, and try again.
too-many-title = Please wait a moment
too-many-text = There were too many requests from your connection. Please try again in a little while.
sign-in-needed-title = Please sign in
sign-in-needed-text = This page needs you to sign in.
bad-request-title = Something in the request was not right
bad-request-text = Please go back and try again.
server-error-title = Something went wrong on our side
server-error-text = Nothing you sent has been lost. Please try again in a moment; if it keeps happening, tell the practice and quote the reference below.
error-reference = Reference:

## Accounts
sign-in-heading = Sign in
sign-in-intro = For the practice's therapists.
sign-in = Sign in
sign-out = Sign out
field-password = Password
field-password-again = Password again
hint-password = At least 10 characters. A few unrelated words make a strong password.
setup-heading = Create your practice
setup-intro = This link works once. You can change everything later.
setup-submit = Create the practice
field-practice-name = Name of the practice
field-owner-name = Your name
hint-owner-email = You sign in with this address.
field-time-zone = Time zone
hint-time-zone = Where you work, as a zone name like Europe/Berlin or America/New_York.

## Admin
admin-title = Practice admin
nav-admin = Admin
admin-dashboard = Overview
admin-inquiries = Messages
admin-unanswered = { $count } new
admin-articles = Articles
admin-faq = Questions
admin-pages = Pages
admin-images = Images
admin-practice = Practice details
admin-outbox = Outbox
admin-mailbox = Dev mailbox
admin-view-site = View the site
dashboard-welcome = Hello, { $name }
dashboard-unanswered = { $count ->
    [0] No new messages.
    [one] One new message.
   *[other] { $count } new messages.
}
dashboard-articles = { $count ->
    [one] One article.
   *[other] { $count } articles.
}
dashboard-write = Write an article
dashboard-write-text = Drafts stay private until you publish them.

pages-new = New
pages-new-article = New article
pages-new-faq = New question
pages-new-page = New page
pages-edit-title = Edit “{ $title }”
pages-none = Nothing here yet.
pages-status = Status
pages-updated = Last changed
pages-view = View on the site
pages-save = Save
pages-preview = Preview
pages-saved = Saved.
pages-publishing = Publishing
pages-publish = Publish
pages-unpublish = Unpublish
pages-delete = Delete
status-published = Published
status-draft = Draft
field-title = Title
field-slug = Address
hint-slug = The last part of the page's address. Left empty, it is made from the title. If you change it, the old address keeps working.
field-description = Description
hint-description = One or two sentences for search engines and link previews.
field-tags = Tags
hint-tags = Separated by commas, for example: anxiety, online therapy
field-position = Position
hint-position = Lower numbers come first.
field-body = Text
hint-body = Markdown: ## for a heading, *italic*, **bold**, [link text](/address), - for a list.

images-uploaded = Uploaded. Use it in an article with:
images-upload = Upload
images-preview = Preview
images-name = File
images-markdown = Markdown
field-image = Image
hint-image = PNG, JPEG, GIF or WebP, at most 5 MB.

practice-save = Save
practice-saved = Saved. The site shows the new details now.
field-tagline = Tagline
field-practice-email = Practice email
hint-practice-email = Notifications go here; replies to visitors come from the practice.
field-crisis-contacts = Crisis contacts
hint-crisis-contacts = Shown on every page: who to call in an emergency.
field-home-intro = Home page text
field-message-policy = How you handle messages
field-support-contact = Help with technical problems
hint-support-contact = Who patients contact when the video or the booking does not work.

inbox-filter = Show
inbox-all = All
inbox-empty = No messages here.
inbox-from = From
inbox-status = Status
inbox-received = Received
status-new = New
status-replied = Replied
status-handled = Handled
thread-title = Message from { $name }
thread-back = All messages
thread-send = Send reply
thread-sent = Your reply is on its way.
thread-handled = Mark as handled
thread-reopen = Mark as new
field-reply = Your reply
hint-reply = Sent by email to the address above, and kept here with the message.

mailbox-intro = No mail server is configured, so the practice's mail is kept here instead of being sent.
mailbox-empty = No mail yet.
mail-subject = Subject
mail-to = To
mail-when = When
mail-back = Dev mailbox

outbox-intro = Everything the practice sends goes through here, and is retried if it fails.
outbox-empty = Nothing sent yet.
outbox-kind = What
outbox-state = State
outbox-attempts = Attempts
outbox-created = Created
outbox-error = Last error
job-inquiry_notification = Notification of a new message
job-inquiry_reply = Reply to a message
job-state-pending = Waiting
job-state-running = Sending
job-state-done = Sent
job-state-failed = Given up

admin-audit = Audit log
audit-intro = Every sign-in, every reading and writing of a message, and every refused access, in order. Entries cannot be changed without `holdspace audit verify` noticing.
audit-filter-case = Case or message id
audit-filter = Show
audit-empty = No entries.
audit-when = When
audit-who = Who
audit-what = What
audit-case = Case
audit-outcome = Outcome
audit-source = From

## Second factor
two-factor-heading = Enter your code
two-factor-intro = Open your authenticator app and type the six-digit code it shows for this practice. If you have lost your phone, type one of your recovery codes instead.
two-factor-submit = Continue
field-code = Code
hint-code = Six digits, or a recovery code like 1a2b3-c4d5e.
hint-enrol-code = The six digits your app shows now.
error-code = This code is not right, or it was used already. Codes change every 30 seconds.
enrol-heading = Set up your second factor
enrol-intro = Clinical records need more than a password. Scan this code with an authenticator app (for example Aegis, 2FAS, Google Authenticator or 1Password), then type the six digits it shows.
enrol-qr-caption = QR code for your authenticator app
enrol-secret = If you cannot scan it, type this key into the app:
enrol-submit = Confirm
enrol-done-heading = Keep your recovery codes
enrol-codes-intro = Each of these codes lets you in once if you lose your phone. Print them or keep them in your password manager; they are not shown again.
enrol-continue = Continue to the admin

## Patients, cases and messages
admin-patients = Patients
admin-team = Team
patients-none = No patients yet.
patients-name = Name
patients-stage = Stage
patients-since = Since
patients-unread = { $count } unread
patients-invite = Invite a patient
patients-invite-text = They receive an email with a link to their portal, where they can write to you securely. Nothing else about them is sent.
patients-invite-submit = Send the invitation
field-name-patient = The patient's name
field-name-colleague = Your colleague's name
case-title = { $name }
case-back = All patients
case-audit = Who read or wrote in this case (audit log)
stage-inquiry = Inquiry
stage-consultation_booked = Consultation booked
stage-consultation_held = Consultation held
stage-in_therapy = In therapy
stage-ended = Ended
stage-referred = Referred
stage-closed = Closed
role-owner = Owner
role-therapist = Therapist
role-patient = Patient
messages-none = No messages yet.
messages-send = Send
messages-with = Messages with { $name }
field-message-body = Your message
field-attachment = Attach a file
hint-attachment = PDF, JPEG or PNG, at most 10 MB.
error-attachment-too-large = The file is larger than 10 MB.
error-attachment-type = Please attach a PDF, JPEG or PNG file.
error-language = Please choose one of the languages offered.
team-invited = The invitation is on its way.
team-invite = Invite a colleague
team-invite-text = They choose a password and set up a second factor. They see only their own patients; you see only yours.
team-invite-submit = Send the invitation
join-heading = Welcome, { $name }
join-intro = Choose a password. Next you will set up a second factor with an authenticator app.
join-submit = Continue

## Portal
portal-nav = Your portal
portal-title = Your portal
portal-welcome = Hello, { $name }
portal-home = Overview
portal-messages = Messages
portal-profile = Your details
portal-appointments = Appointments
portal-appointments-none = No appointments yet.
portal-no-therapist = There is no conversation here yet.
portal-documents = Documents
portal-documents-none = No documents yet.
portal-data = Your data
portal-data-text = Download everything the practice holds about you that you can see here, as one file.
portal-data-download = Download my data
portal-unread = { $count } new
profile-saved = Saved.
hint-profile-email = Sign-in links and notifications go here.
field-language = Language
patient-signin-heading = Sign in to your portal
patient-signin-intro = Type your email address. If it belongs to a client of the practice, we send you a link that signs you in; no password needed.
patient-signin-submit = Email me a sign-in link
patient-signin-therapists = Therapists:
patient-signin-sent-heading = Check your email
patient-signin-sent-text = If this address belongs to a client of the practice, a sign-in link is on its way. It works once, within 15 minutes. Nothing arrived? Check your spam folder, or ask for a new link.
landing-heading = Sign in as { $name }
landing-text = This link signs you in once.
landing-submit = Sign in

## Sessions
sessions-title = Where you are signed in
sessions-intro = Every browser where you are signed in now. If you do not recognise one, sign out everywhere.
sessions-this = This browser
sessions-other = Another browser
sessions-from = From
sessions-since = since
sessions-end-all = Sign out everywhere
thread-back-admin = Back to the admin

## Passkeys
passkeys-heading = Passkeys
passkeys-count = { $count ->
    [0] You have no passkey yet. A passkey lets you sign in with your fingerprint, face or device PIN instead of { "" }an email link or a code.
    [one] You have one passkey.
   *[other] You have { $count } passkeys.
}
passkeys-add = Add a passkey
passkeys-added = Your passkey was added.
passkeys-cancelled = Nothing was changed.
passkeys-or = Or, on a device with a passkey:
passkeys-sign-in = Sign in with a passkey
passkeys-use = Use a passkey instead
error-passkey = The passkey did not work. Try again, or use the other way to sign in.
error-passkey-known = This passkey is already added.

## Booking
nav-book = Book a first consultation
book-heading = Book a first consultation
book-intro = Choose a time that suits you. The times are shown in your own time zone.
book-types = Kind of appointment
book-free = free of charge
book-zone-label = Show the times in this time zone
book-zone-change = Show times
book-none = There are no free times to book online at the moment. You are welcome to write instead.
book-or-write = Would you rather write first? Send a message.
book-form-heading = Your details
hint-book-email = The confirmation and your portal's sign-in links go here.
hint-book-phone = In case the video connection fails, the therapist can call you.
field-book-note = What brings you, in a few words
hint-book-note = Only if you like. It is kept encrypted and read only by the therapist.
field-consent-booking = I agree that my details are stored and used as the privacy policy describes.
book-submit = Book this time
book-taken-heading = This time was just taken
book-taken-text = Someone booked it a moment before you. These are the nearest free times; what you typed is kept.
book-see-all = See all free times
book-at = Book { $time }
book-confirmed-heading = Your consultation is booked
book-confirmed-text = A confirmation with a calendar file is on its way to your email. It also tells you how to join the session.
book-confirmed-prepare = What you need for an online session
manage-heading = Your { $kind } with { $name }
manage-cancel = Cancel this appointment
manage-cancelled = This appointment is cancelled. A cancellation with a calendar file is on its way to your email.
manage-book-again = Book another time
manage-late = It is now less than { $hours } hours before the appointment. You can still cancel; it is recorded as a late cancellation, and the practice decides whether a fee applies. Nothing is charged automatically.
manage-reschedule = To move it to another time, cancel here and book a new time, or write to the practice.
error-booking-past = This appointment has already begun or passed.
error-date = Please give a date (2027-03-15) or an instant (2027-03-15T09:00:00Z).
error-type = There is no appointment type with this key.
error-slot = This slot id is not one this practice offers.
admin-booking = Hours and booking
booking-settings-intro = When people can book you, in your own time zone. Visitors see the free times in theirs.
booking-settings-see = See the booking page
field-weekly = Weekly hours
hint-weekly = One window per line, on a five-minute grid, for example: Mon 09:00-13:00
field-exceptions = Exceptions
hint-exceptions = One date per line: 2026-12-24 off, or 2026-12-28 10:00-12:00 for extra hours.
booking-first = First consultation
booking-session = Session
booking-rules = Rules
field-minutes = Length in minutes
field-buffer = Free time after, in minutes
hint-buffer = Kept free after each appointment.
field-price = Price in euros
hint-price = Leave empty for free of charge.
hint-session = Leave empty if sessions are not booked online.
field-notice = Minimum notice in hours
hint-notice = No one can book a time sooner than this.
field-horizon = Booking horizon in weeks
field-cap = At most this many appointments a day
hint-cap = Leave empty for no limit.
field-cancel-notice = Cancellation notice in hours
hint-cancel-notice = Later cancellations are recorded as late; you decide about a fee.
error-weekly = Write each window like Mon 09:00-13:00 (start before end, five-minute steps).
error-exceptions = Write each exception like 2026-12-24 off or 2026-12-28 10:00-12:00.
error-number-range = This number is outside what is allowed here.
error-price = Write a price like 60 or 95.50.
error-five-minutes = Please use a multiple of five minutes.
admin-calendar = Calendar
calendar-title = Week of { $date }
calendar-zone = Times in { $zone }.
calendar-weeks = Weeks
calendar-prev = Previous week
calendar-this-week = This week
calendar-next = Next week
calendar-free = Nothing booked.
calendar-blocked = Blocked
calendar-cancelled = cancelled
calendar-cancelled-late = cancelled late
calendar-cancel = Cancel
calendar-add = Add an appointment
calendar-patient = Patient
calendar-kind = Kind
calendar-date = Date
calendar-time = Time
hint-calendar-time = In your time zone, on a five-minute grid.
calendar-clash = Book it even if it clashes with something else
calendar-add-submit = Add the appointment
calendar-block = Block time
calendar-from = From
calendar-until = Until
calendar-block-submit = Block this time
error-date-time = Please give a date and a time on a five-minute grid.
error-case = Please choose one of your patients.
error-clash = This time clashes with something in your calendar. Tick the box to book it anyway.
error-until = The end must be after the start.
feed-heading = Calendar feed
feed-intro = A private address your calendar app can subscribe to. It shows initials only, unless you choose names. Anyone with the address can read it: keep it private, and make a new one if it leaks.
feed-new = Your new feed address (shown once; the old one no longer works):
feed-on = A feed is on. Making a new address turns the old one off.
feed-names = Show full names in the feed
feed-create = Make a new feed address
feed-remove = Turn the feed off
manage-move = Choose another time
move-heading = Choose a new time
move-submit = Move my appointment to this time
move-back = Keep the time I have
error-reschedule-late = It is too close to the appointment to move it online. You can still cancel, or write to the practice.
calendar-move = Move
calendar-move-date = New date
calendar-move-time = new time
error-clash-move = This time clashes with something in your calendar; the appointment stays where it was.
