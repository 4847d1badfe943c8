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
crisis-anywhere = Anywhere else:
crisis-other-countries = Other countries
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
error-too-long = Please keep this under { $limit } characters.
error-too-long-title = Please keep this under 200 characters.
error-too-long-label = Please keep this under 500 characters.
error-too-long-help = Please keep this under 2,000 characters.
form-fill-in = Please fill in:
error-invalid-characters = This contains characters that cannot be used here.
error-email-invalid = Please enter an email address like name@example.com.
error-phone-invalid = Please use digits, spaces and + ( ) - only.
error-consent-required = Please agree, so that your message can be stored.
error-consent-booking = Please agree, so that we can keep your details for the booking.
error-rate-limited = Too many attempts from your connection. Please wait a while and try again; nothing you typed is lost.
error-not-sent = Your message could not be sent just now, and nothing was stored. Please try again in a moment; what you typed is still here.
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
api-body-type = The request body must be JSON, sent as application/json.
api-body-too-large = The request body is too large.
api-bad-query = A query parameter could not be read (each may be given once).

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
field-country = Country
field-where = Where you will be during sessions
hint-where = So that we can show you the crisis services of your country.
hint-where-profile = The crisis services of this country are shown to you first. Not said: guessed from your time zone.
country-not-said = Not said
country-choose = Choose a country
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
field-crisis-contacts = Crisis contacts for anywhere
hint-crisis-contacts = Shown on every page: who to call in an emergency. Someone whose country has services of its own below sees those first and these after them.
crisis-countries-heading = Crisis services by country
crisis-countries-intro = A patient sees the services of their own country first (the country they gave when booking or in their profile, else the one their time zone is in), then the contacts for anywhere. Visitors see every country listed here.
crisis-countries-none = No country has services of its own yet: everyone sees the contacts for anywhere.
crisis-line-saved = Saved. People in { $country } see these services first.
crisis-line-edit = Change { $country }
crisis-line-remove = Remove { $country }
crisis-line-change = Change a country's services
crisis-line-add = Add a country's services
crisis-line-save = Save this country's services
field-crisis-line = Crisis services in this country
hint-crisis-line = The emergency number, crisis lines and when they answer, e.g. "Call or text 988, day and night. Emergency: 911."
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
mailbox-links-hidden = Links in mail to anyone but you are shown without their secret part, so nobody can sign in as someone else from here. Patients and colleagues can sign in only when a mail server is configured: set HOLDSPACE_SMTP_URL.
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
audit-action-agreement-countersign = Agreement countersigned
audit-action-agreement-read = Agreement read
audit-action-agreement-send = Agreement sent
audit-action-agreement-sign = Agreement signed
audit-action-agreement-template-save = Agreement template saved
audit-action-appointment-add = Appointment added
audit-action-appointment-cancel = Appointment cancelled
audit-action-appointment-move = Appointment moved
audit-action-attachment-read = Attachment opened
audit-action-attention-raise = Needs attention raised
audit-action-attention-seen = Needs attention seen
audit-action-booking-cancel = Booking cancelled
audit-action-booking-cancel-late = Booking cancelled late
audit-action-booking-create = Booking made
audit-action-booking-reschedule = Booking moved
audit-action-booking-settings = Booking settings changed
audit-action-calendar-block = Time blocked
audit-action-calendar-feed-new = Calendar feed link made
audit-action-calendar-feed-remove = Calendar feed link removed
audit-action-case-stage = Stage changed
audit-action-export-case = Record exported
audit-action-inquiry-create = Message through the site
audit-action-inquiry-read = Site message read
audit-action-inquiry-reply = Site message answered
audit-action-inquiry-status = Site message status changed
audit-action-magic-link-request = Sign-in link asked for
audit-action-mailbox-read = Dev mailbox read
audit-action-measure-schedule-set = Measure schedule set
audit-action-measure-schedule-stop = Measure schedule stopped
audit-action-messages-read = Messages read
audit-action-messages-write = Message written
audit-action-note-addendum = Addendum to a session note
audit-action-note-read = Session note read
audit-action-note-sign = Session note signed
audit-action-note-write = Session note written
audit-action-passkey-add = Passkey added
audit-action-patient-invite = Patient invited
audit-action-policy-refused = Access refused
audit-action-practice-crisis-line = Crisis contacts of a country changed
audit-action-practice-setup = Practice set up
audit-action-profile-update = Profile changed
audit-action-questionnaire-copy = Questionnaire copied
audit-action-questionnaire-edit = Questionnaire edited
audit-action-questionnaire-send = Questionnaire sent
audit-action-responses-read = Answers read
audit-action-responses-submit = Answers sent
audit-action-responses-write = Answers saved
audit-action-room-admit = Let into the room
audit-action-room-end = Session ended
audit-action-room-enter = Entered the room
audit-action-room-invite = Invited to the session
audit-action-room-send-back = Sent back to the waiting room
audit-action-sign-in = Signed in
audit-action-sign-in-link = Signed in by link
audit-action-sign-in-passkey = Signed in with a passkey
audit-action-sign-out = Signed out
audit-action-sign-out-everywhere = Signed out everywhere
audit-action-team-invite = Colleague invited
audit-action-team-join = Colleague joined
audit-action-two-factor = Second factor checked
audit-action-two-factor-enrolled = Second factor set up
audit-action-two-factor-passkey = Second factor by passkey
audit-action-workspace-read = Workspace read
audit-action-workspace-summary-read = Workspace summary read
audit-action-workspace-write = Workspace saved
audit-outcome-ok = Done
audit-outcome-refused = Refused
audit-outcome-failed = Failed

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
patients-show-all = Show all patients, with { $count } earlier ones
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
error-country = Please choose a country from the list.
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
portal-join = Go to the session room
portal-join-when = The room opens ten minutes before the start.
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
book-none-this-week = No free times this week.
book-weeks = Other weeks
book-week-earlier = Earlier free times
book-week-later = Later free times
book-zone-unknown = We do not know the time zone "{ $zone }", so the times are shown in the zone chosen below.
zone-region-current = Your link's time zone
zone-region-africa = Africa
zone-region-america = Americas
zone-region-antarctica = Antarctica
zone-region-arctic = Arctic
zone-region-asia = Asia
zone-region-atlantic = Atlantic
zone-region-australia = Australia
zone-region-europe = Europe
zone-region-indian = Indian Ocean
zone-region-pacific = Pacific
zone-region-utc = Coordinated Universal Time
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
error-page-number = Please give a page number: a whole number from 1.
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
field-open-to = Who can book it at /book
open-to-visitors = New visitors and patients
open-to-patients = Only patients (new visitors do not see it)
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
calendar-open-room = Open the session room
calendar-guest = Also invite (a patient's email)
calendar-guest-add = Invite
error-guest-unknown = This email is not one of your patients. Invite them as a patient first.
calendar-move-date = New date
calendar-move-time = new time
error-clash-move = This time clashes with something in your calendar; the appointment stays where it was.

## Video room
room-title = Your session
room-heading = Your session
room-with = with
room-opens-at = The room opens at { $time }, ten minutes before the start. You can check your camera and microphone now.
room-not-open-now = The room is not open now.
room-check-setup = Check your camera, microphone and connection
room-needs-script = The video room needs JavaScript. Please turn it on, or use another browser.
room-call-us = If the call cannot reconnect, please phone { $phone }.
room-trouble = If the call cannot reconnect, please leave the room and join again.
room-lobby = Waiting room
room-videos = The call
room-self-view = Your own camera
room-you = You
room-session-time = Session time:
room-self-move = Move my picture to another corner
room-self-move-hint = The arrow keys move it too.
room-self-hide = Hide my picture
room-self-show = Show my picture
room-level = Your microphone
room-level-hint = The bar moves when your microphone hears you.
room-someone-waiting = Someone is waiting
room-joined = { $name } joined the call.
room-left-call = { $name } left the call.
room-back-in-call = Connected again.
room-controls = Call controls
room-mute = Mute
room-camera-off = Stop camera
room-audio-only = Audio only
room-end = End the session
room-end-heading = End the session for everyone?
room-end-text = Everyone leaves the call and the room closes; nobody can come back in. To step out for a moment, choose Leave instead.
room-end-confirm = Yes, end it now
room-end-cancel = Keep the session going
room-back = Back to your appointments
room-leave = Leave
room-devices = Devices
room-devices-heading = Camera and microphone
room-done = Done
room-camera-choice = Camera
room-mic-choice = Microphone
room-chat = Chat
room-chat-close = Close the chat
room-chat-unread-one = { $count } unread message
room-chat-unread-other = { $count } unread messages
room-chat-not-kept = Messages here are not saved: they are gone when the call ends.
room-chat-label = Write a message
room-chat-send = Send
room-chat-from-you = You
room-support = Help with technical problems:
room-waiting = Your therapist will let you in. You can stay on this page.
room-admitted = You're in. Your therapist will join in a moment.
room-connecting = Connecting…
room-connected = Connected.
room-reconnecting = Reconnecting… Please stay on this page.
room-failed = The connection could not be restored.
room-ended = The session has ended. Thank you.
room-closed = The room is not open yet.
room-replaced = This room is open in another window or device, so this one has stopped.
room-left = You left the room.
room-no-camera = Your camera could not be used. You can still talk with sound only.
room-no-devices = Your camera and microphone could not be used. Please allow them in your browser's settings and reload the page.
room-let-in = Let in
room-send-back = Send back to the waiting room
room-nobody-waiting = Nobody is waiting.
room-waiting-since = waiting
room-quality-label = Connection:
room-quality-good = good
room-quality-fair = fair
room-quality-poor = poor
room-quality-detail = round trip { $rtt } ms, { $loss }% lost, { $rate } kbit/s
room-socket-lost = The connection to the practice was lost. Trying again…

## Tech check
tech-check-title = Check your camera, microphone and connection
tech-check-description = A one-minute check before an online session: camera, microphone, sound and connection. Nothing is recorded.
tech-check-heading = Check your camera, microphone and connection
tech-check-intro = This takes about a minute. It tells you in plain words whether everything is ready for an online session, and what to do if something is not.
tech-check-private = Nothing is recorded or saved: your picture and sound stay on your own device.
tech-check-needs-script = This check needs JavaScript, which is turned off or not available in this browser. Please turn it on, or open this page in another browser.
tech-check-you-need = For an online session you need:
tech-check-need-browser = a recent browser (Chrome, Firefox, Safari or Edge)
tech-check-need-camera = a camera
tech-check-need-microphone = a microphone (headphones with a microphone are even better)
tech-check-need-room = a private, quiet room where nobody can overhear you
tech-check-need-connection = a steady internet connection
tech-check-start = Start the check
tech-check-start-hint = Your browser will ask whether this page may use your camera and microphone. Please choose "Allow".
tech-check-again = Check again
tech-check-browser = Browser
tech-check-camera = Camera
tech-check-microphone = Microphone
tech-check-speaker = Sound
tech-check-connection = Connection to the practice
tech-check-relay = Video on strict networks
tech-check-status-waiting = Not started yet
tech-check-status-checking = Checking…
tech-check-status-ok = Works
tech-check-status-fail = Needs attention
tech-check-status-skipped = No check needed
tech-check-video-label = Your camera picture
tech-check-level-label = Microphone level
tech-check-level-hint = Say a few words: the bar moves when your microphone hears you.
tech-check-play = Play a test sound
tech-check-heard-question = Did you hear it?
tech-check-heard-yes = Yes, I heard it
tech-check-heard-no = No
tech-check-browser-ok = Your browser can make video calls.
tech-check-browser-fail = This browser cannot make video calls. Please update it, or use a recent Chrome, Firefox, Safari or Edge.
tech-check-camera-ok = Your camera works. You should see yourself in the picture.
tech-check-camera-denied = The browser was not allowed to use your camera. Tap the lock or camera symbol next to the web address, allow the camera, then press "Check again".
tech-check-camera-missing = No camera was found. Connect a camera, or use a phone, tablet or laptop that has one.
tech-check-camera-busy = Another app is using your camera. Close other video apps (for example Zoom, Teams or FaceTime), then press "Check again".
tech-check-camera-failed = Your camera could not be started. Close and reopen the browser, then press "Check again".
tech-check-mic-listening = Listening… please say a few words.
tech-check-mic-ok = Your microphone works.
tech-check-mic-denied = The browser was not allowed to use your microphone. Tap the lock or microphone symbol next to the web address, allow the microphone, then press "Check again".
tech-check-mic-missing = No microphone was found. Connect one, or use headphones with a microphone.
tech-check-mic-busy = Another app is using your microphone. Close other call apps, then press "Check again".
tech-check-mic-silent = We cannot hear anything yet. Check that the microphone is not muted (some headsets have a small switch) and say a few words.
tech-check-mic-failed = Your microphone could not be started. Close and reopen the browser, then press "Check again".
tech-check-speaker-playing = Playing a short sound…
tech-check-speaker-ok = Your sound works.
tech-check-speaker-fail = Turn the volume up, check that the device is not on silent, or plug in headphones. Then play the sound again.
tech-check-connection-ok = Your connection to the practice works ({ $ms } ms there and back).
tech-check-connection-slow = Your connection works but is slow ({ $ms } ms there and back). If you can, sit closer to your router and pause downloads or streaming during the session.
tech-check-connection-fail = We could not reach the practice. A firewall, VPN or work network may be in the way. Try another network, for example your home Wi-Fi or mobile data.
tech-check-relay-ok = Video can get through even if your network is strict.
tech-check-relay-fail = Your network may block video calls. Calls often work anyway; if yours does not, try another network, for example mobile data instead of a work or hotel Wi-Fi.
tech-check-relay-skipped = The practice does not use a relay server, so there is nothing to check here.
tech-check-relay-busy = This check was run many times in a short while. Please wait a few minutes, then press "Check again".
tech-check-result = Your result
tech-check-verdict-pending = Your result appears here once every check is done.
tech-check-verdict-ready = You're ready. Everything works for your online session.
tech-check-verdict-not-ready = Not quite ready yet. This is what to fix:
tech-check-help = Need help?
tech-check-help-text = If something does not work, you are not alone, and it is easy to sort out together.
tech-check-email = Email:
tech-check-phone = Phone:
tech-check-write = Write to the practice

## Agreement

admin-agreement = Agreement
agreement-title = Your agreement
agreement-heading = Agreement
agreement-editor-intro = The agreement sets out the frame of your work: fees, session length and frequency, cancelling, contact between sessions, what happens if the connection drops, confidentiality and its limits, emergencies, and the private space a patient needs. Patients read and sign it in their portal. Each time you save, a new version is made; every patient who had an earlier version is asked to sign the new one.
field-agreement-body = The agreement's text
hint-agreement-body = Markdown. Placeholders are filled in when the agreement is sent: { $names }.
agreement-terms = Your terms
agreement-terms-intro = These fill the placeholders of the same name. When you send the agreement, you can give a different fee and frequency for each person.
field-agreement-fee = Fee
hint-agreement-fee-template = For example "95 EUR per 50-minute session".
field-agreement-session-length = Session length
field-agreement-frequency = Frequency
hint-agreement-frequency-template = For example "once a week, at the same time each week".
field-agreement-cancel-notice = Notice for cancelling
hint-agreement-cancel-notice = For example "48 hours". Your booking settings have their own notice for cancelling online; keep the two the same.
field-agreement-contact = Contact between sessions
field-agreement-connection = If the connection drops
field-agreement-confidentiality = Confidentiality and its limits
field-agreement-emergencies = Emergencies
field-agreement-private-space = The private space for online sessions
agreement-preview = Preview
agreement-preview-patient = (your patient's name)
agreement-save = Save as a new version
agreement-save-hint = Saving asks every patient who signed or was sent an earlier version to sign the new one. Their own fee and frequency are kept.
agreement-saved-none = Saved as version { $version }. No patient needed to be asked to sign it.
agreement-saved-one = Saved as version { $version }. One patient was asked to sign it.
agreement-saved-many = Saved as version { $version }. { $count } patients were asked to sign it.
agreement-unchanged = Nothing changed, so no new version was made.
agreement-unknown-placeholders = These placeholders are not known: { $names }. Check their spelling, or remove them.
agreement-versions = Versions
agreement-versions-none = No version yet. Saving, or sending the agreement to a patient, makes version 1.
agreement-version-saved = Version { $version }
agreement-standing-none = No agreement sent yet.
agreement-standing-sent = Version { $version } sent; waiting for the signature.
agreement-standing-renewal = Asked to sign version { $version }.
agreement-standing-signed = Version { $version } signed; waiting for your countersignature.
agreement-standing-countersigned = Version { $version } signed and countersigned.
agreement-status-open = Waiting for the signature
agreement-status-signed = Signed
agreement-status-countersigned = Signed and countersigned
agreement-status-withdrawn = Replaced before it was signed
agreement-version = Version
agreement-state = Status
agreement-sent = Sent
agreement-signed = Signed
agreement-signed-as = Signed as
agreement-signed-from = Signed from
agreement-countersigned = Countersigned
agreement-withdrawn = Replaced
agreement-actions = Actions
agreement-read-version = Read or print version { $version }
agreement-countersign = Countersign version { $version }
agreement-send-heading = Send the agreement
agreement-send-again = Send the newest version again
field-agreement-fee-person = Fee for this person
hint-agreement-fee = Leave empty for your agreement's fee: { $fee }
field-agreement-frequency-person = Frequency for this person
hint-agreement-frequency = Leave empty for your agreement's frequency: { $frequency }
agreement-send = Send the agreement
agreement-edit-link = Edit your agreement
agreement-between = Between
agreement-and = And
agreement-fingerprint = SHA-256 of the text:
agreement-text = The agreement's text
agreement-print-title = Agreement, version { $version }
agreement-print-back = Back
agreement-print-how = To print, use your browser's Print command.
agreement-print = Print this agreement
agreement-back-portal = Back to your portal
agreement-ready = An agreement is ready for you to read and sign.
agreement-renewal-ready = A new version of our agreement is ready to sign.
agreement-read-and-sign = Read and sign it
agreement-to-sign = To read and sign
agreement-signed-on = Signed on { $date }
agreement-document = Agreement with { $name }, version { $version }
agreement-heading-version = Our agreement, version { $version }
agreement-read-first = Please read the agreement at your own pace. If anything is unclear, ask before you sign; you can write to your therapist in your messages.
agreement-sign-heading = Sign the agreement
field-agreement-full-name = Your full name
hint-agreement-name = Type your full name ({ $name }) as your signature.
field-agreement-agree = I have read this agreement and I agree to it.
agreement-sign = Sign the agreement
agreement-thanks = Thank you. You signed the agreement; you can print it or come back to it here at any time.
agreement-you-signed = You signed this agreement on { $date } as “{ $name }”.
agreement-replaced = This version was replaced by a newer one before it was signed.
agreement-read-newer = Read the newer version
error-agreement-placeholder = The text uses a placeholder that is not known.
error-agreement-name = Please type your full name as the practice knows it.
error-agreement-agree = Please tick the box to say that you have read the agreement and agree to it.
error-agreement-changed = This agreement changed or was replaced while you were reading it. Please read it again before you sign.
job-agreement_to_sign = An agreement to sign
job-agreement_signed = An agreement was signed

## Intake and measures
intake-portal-heading = Questionnaires
intake-portal-none = There is nothing to fill in at the moment.
intake-state-not_started = Not started
intake-state-in_progress = Started, not sent yet
intake-state-sent = Sent
intake-state-sent-on = Sent on { $date }
intake-step = Part { $n } of { $total }
intake-progress = { $answered } of { $total } questions answered
intake-saved = Saved.
intake-save = Save
intake-next = Save and continue
intake-back = Save and go back
intake-send = Send to { $name }
intake-parts = All parts
intake-draft-note = What you save is kept as a draft that { $name } can read. Sending tells them you have finished; after that the answers cannot be changed. Every question can be skipped.
intake-autosave-saving = Saving…
intake-autosave-saved = Saved.
intake-autosave-failed = Not saved yet. Please check your connection, or press "Save".
intake-autosave-refused = Not saved: { $reason }
intake-already-sent = This questionnaire was already sent, so it cannot be changed.
intake-leave-unanswered = Leave unanswered
intake-risk-heading = If you are in danger now
intake-risk-text = Thank you for telling us. Your therapist will see your answer. If you might act on these thoughts, or feel unsafe right now, please do not wait: contact one of these services now.
intake-thanks = Thank you. Your answers have been sent.
intake-sent-on = You sent this on { $date } to { $name }.
intake-back-to-portal = Back to your portal
intake-skipped = (not answered)
intake-choose = Choose…
intake-person = Person { $n }
intake-person-named = Person { $n } ({ $name })
intake-field-relation = Who is this person to you?
intake-field-name = First name or initials
hint-intake-name = No surname needed.
intake-field-gender = Gender
gender-unspecified = Another, or not given
gender-female = Female
gender-male = Male
intake-field-born = Year of birth or age
hint-intake-born = For example 1956, or 67.
intake-field-deceased = This person has died
intake-field-home = Lives with me
intake-field-relationship = How is your relationship?
intake-links = More about how they belong together (optional)
intake-links-hint = Only if it helps to make the family clear, for example a parent's new partner, or a half-brother's other parent.
intake-field-partner-of = Partner (or former partner) of
intake-field-separated = They have separated or divorced
intake-field-shared-parent = The parent you share (half-brothers and half-sisters)
intake-field-other-parent = Their other parent
intake-link-none = Nobody / not applicable
intake-link-self = Me
intake-more-rows = Add more rows
relation-mother = Mother
relation-father = Father
relation-parent = Another parent or step-parent
relation-sibling = Brother or sister
relation-half_sibling = Half-brother or half-sister
relation-step_sibling = Stepbrother or stepsister
relation-partner = Partner
relation-ex_partner = Former partner
relation-child = Child
relation-grandmother_mothers = Grandmother (mother's side)
relation-grandfather_mothers = Grandfather (mother's side)
relation-grandmother_fathers = Grandmother (father's side)
relation-grandfather_fathers = Grandfather (father's side)
relation-other = Someone else
hint-optional-question = Optional.
error-answer-too-long = Please keep this answer under 5,000 characters. You can tell your therapist the rest in person.
error-answer-too-long-short = Please keep this answer under 300 characters.
error-name-too-long = A first name or initials is enough (at most 40 characters).
error-answer-choice = Please choose one of the answers offered.
error-born = Please write a year (like 1956) or an age (like 67).
error-questionnaire-empty = A questionnaire needs at least one question.
job-risk_alert = A response needs attention
intake-needs-attention = Needs your attention
intake-case-heading = Questionnaires
intake-case-none = No questionnaires yet.
intake-attention = A response needs your attention.
intake-attention-since = Since { $date }.
intake-attention-read = Read the response
intake-attention-seen = I have seen it
intake-risk-therapist = An answer in this response needs your attention (a "yes" to thoughts of self-harm, or the PHQ-9's ninth item above "Not at all"). The patient was shown the crisis contacts.
intake-send-label = Send a questionnaire
intake-send-hint = It appears in the patient's portal. A questionnaire that is still open is not sent twice.
intake-send-submit = Send the questionnaire
measures-heading = Measures over time
measures-intro = Ask a measure again every few weeks or sessions: it appears in the patient's portal, and they get an email that a short questionnaire is waiting (the email does not name it).
measures-standing = Every { $weeks } weeks; the next on { $date }.
measures-standing-none = Not scheduled.
measures-every-weeks = Every how many
measures-every-weeks-hint = A whole number from 1 to 26. The first is sent that many weeks from now, or when that many sessions from now have ended.
measures-share = Show the patient their chart
measures-save = Save the schedule
measures-stop = Stop asking
measures-none = No scores yet.
measures-date = Date
measures-total = Total
measures-severity = Severity
measures-portal-nav = Your scores
measures-portal-title = Your scores over time
measures-portal-none = Your therapist has not shared any scores with you.
measures-portal-shared-by = Shared by { $name }
error-every-weeks = Please enter a whole number from 1 to 26.
job-measure_due = A measure falls due
measures-unit = Counted in
measures-unit-weeks = Weeks
measures-unit-sessions = Sessions (booked ones that have ended; cancelled ones do not count)
measures-standing-sessions = Every { $sessions } sessions, counted since { $date }.
error-measure-unit = Please choose weeks or sessions.
job-questionnaire_waiting = A short questionnaire is waiting
intake-own-copies = Your questionnaires: make and edit your own copy
intake-back-to-case = Back to the case
intake-questionnaire = Questionnaire
intake-state = State
intake-when = When
intake-version = version { $n }
intake-version-of = { $title }, version { $n }
intake-sent-at = Sent on { $date }
intake-updated-at = Last saved on { $date } (not sent yet)
intake-score = { $measure }: total { $total } of { $max }, { $severity }
intake-score-incomplete = { $measure }: incomplete, { $answered } of { $items } items answered, so no total (the published scoring needs every item).
intake-admin-title = Questionnaires
intake-admin-intro = New responses use your own copy where you have one. Answers stay with the version they answered, so older responses keep their wording.
intake-source = Source
intake-actions = Actions
intake-source-builtin = Built into holdspace
intake-source-measure = Published measure (its wording cannot be changed)
intake-source-own = Your copy, version { $n }
intake-copy = Make my own copy
intake-copy-text = Make your own copy to change titles and help texts, remove or add questions, or change their order.
intake-measure-fixed = A published measure is only valid in its published wording, so it cannot be copied or changed.
intake-editor-text = Saving makes a new version. Responses already given keep the version they answered. The question about self-harm and the family list can be reworded but not removed.
intake-edit-saved = Saved as a new version.
intake-edit-title = Title
intake-edit-intro = Introduction
intake-edit-section-title = Title of this part
intake-edit-section-help = Text at the top of this part
intake-edit-label = Question
intake-edit-help = Help text
intake-edit-order = Position
intake-edit-remove = Remove this question
intake-edit-new = Add a question to this part
hint-intake-edit-new = Leave empty to add none.
intake-edit-new-kind = Kind of answer
intake-edit-fixed = Published wording: it cannot be changed.
intake-edit-submit = Save as a new version
intake-kind-text = One line
intake-kind-long_text = Longer text
intake-kind-choice = Choice
intake-kind-measure = Published measure
intake-kind-people = Family list

## First-session workspace and the board
admin-board = Board
board-title = Cases by stage
board-intro = Every case of yours by where it stands, the longest waiting first.
board-empty = None.
board-more = { $count } earlier, in the list of all patients
board-days = { $count ->
    [one] at this stage for a day
   *[other] at this stage for { $count } days
}
board-hours = at this stage for { $count } h
workspace-open = Open the first-session workspace
workspace-back = Back to the case
workspace-title = First session: { $name }
workspace-saved-at = Saved { $time }.
workspace-guide = The hour's areas
workspace-guide-hint = A quiet checklist, for you only: tick what you have talked about.
workspace-notes = Notes
workspace-notes-hint = Sealed, for you only. Saved as you type.
workspace-close = The close
workspace-going-on = What I think is going on
workspace-together = How we might work together
workspace-frequency = Frequency
workspace-frequency-hint = For example: weekly, 50 minutes
workspace-modality = Way of working
workspace-fee = Fee
workspace-decision = The decision
workspace-refer-to = Refer to
workspace-refer-to-hint = Whom or which service, when the decision is to refer.
workspace-refer-why = Why
workspace-summary-heading = A summary for { $name }
workspace-summary = Summary, in words written for them
workspace-summary-hint = Shown in their portal only once you tick "share".
workspace-share = Share this summary in their portal
workspace-save = Save
workspace-stage = Where the case goes next
workspace-move-to = Move to "{ $stage }"
error-stage-move = The case cannot move there now: see what was decided.
error-summary-to-share = Write the summary before sharing it.
error-choose-one = Please choose one of the options.
portal-summary = From your first session
autosave-saving = Saving…
autosave-saved = Saved.
autosave-failed = Not saved yet: the connection may be down. Your text stays here; it will be saved when you press Save.
workspace-intake = What they wrote before
workspace-intake-none = Nothing yet: the intake is waiting in their portal.
workspace-intake-sent = sent { $date }
workspace-intake-draft = a draft they have not sent yet
workspace-family = Family
workspace-family-text = The family in words
workspace-measures = Measures
workspace-measure-date = Date
workspace-measure-total = Total
workspace-measure-severity = Severity

## Dates, times, durations and money: jiff's strftime patterns; %A %a %B %b take the names below.
format-date = %-d %B %Y
# The character between groups of three digits in a large number ("2,000").
format-digit-group = ,
format-date-time = %-d %B %Y, %H:%M
format-day = %A %-d %B %Y
format-day-time = %A %-d %B %Y, %H:%M
format-day-time-zone = %A %-d %B %Y, %H:%M (%Z)
format-weekday = %A %-d %B
format-weekday-time = %A %-d %B, %H:%M
format-day-month = %-d %b
format-time = %H:%M
format-with-zone = { $time } ({ $zone })
format-range = { $from }–{ $to }
format-minutes = { $count } min
format-money = { $amount } { $currency }
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
weekday-short-1 = Mon
weekday-short-2 = Tue
weekday-short-3 = Wed
weekday-short-4 = Thu
weekday-short-5 = Fri
weekday-short-6 = Sat
weekday-short-7 = Sun
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
month-short-1 = Jan
month-short-2 = Feb
month-short-3 = Mar
month-short-4 = Apr
month-short-5 = May
month-short-6 = Jun
month-short-7 = Jul
month-short-8 = Aug
month-short-9 = Sep
month-short-10 = Oct
month-short-11 = Nov
month-short-12 = Dec

## Mail: subjects and bodies. Content-free: names, links and times only, never clinical text.
mail-inquiry-notification-subject = New message through { $practice }
mail-inquiry-notification-body =
    A new message arrived through your practice's website.

    Read it in your inbox (you will be asked to sign in):
    { $link }

    For privacy, this email does not contain the message.
mail-inquiry-reply-subject = Your message to { $practice }
mail-inquiry-reply-body =
    { $reply }

    --
    { $practice }
    You can answer this email directly.
mail-patient-invitation-subject = { $practice }: your client portal
mail-patient-invitation-body =
    Hello { $name },

    { $therapist } has opened a client portal for you at { $practice }. There you can send secure messages and, later, find your appointments and documents.

    Sign in with this link (it works once, within seven days):
    { $link }

    Later you can always ask for a new sign-in link on the portal's sign-in page.
mail-magic-link-subject = Your sign-in link for { $practice }
mail-magic-link-body =
    Hello { $name },

    Sign in with this link. It works once, within 15 minutes:
    { $link }

    If you did not ask for it, you can ignore this email.
mail-sign-ins-failed-subject = Someone is trying to sign in to your account at { $practice }
mail-sign-ins-failed-body =
    Hello { $name },

    Someone has typed a wrong password for your account several times in the last hour. If it was you, there is nothing to do.

    If it was not you: your account is still safe, because signing in also needs your second factor, and you can still sign in as always. To be sure, look at where you are signed in, and sign out anywhere you do not recognise:
    { $link }
mail-therapist-invitation-subject = Join { $practice }
mail-therapist-invitation-body =
    Hello { $name },

    { $owner } invites you to work with { $practice }. Choose a password and set up your second factor here (the link works once, within seven days):
    { $link }
mail-message-notification-subject = You have a new message at { $practice }
mail-message-notification-body =
    Hello { $name },

    You have a new secure message. Read it here (you will be asked to sign in):
    { $link }

    For your privacy, this email does not contain the message.
mail-agreement-to-sign-subject = { $renewal ->
        [yes] { $practice }: a new version of your agreement to sign
       *[no] { $practice }: an agreement to read and sign
    }
mail-agreement-to-sign-body =
    Hello { $name },

    { $therapist } has sent you { $renewal ->
        [yes] a new version of your agreement
       *[no] your agreement
    } to read and sign in your portal (you will be asked to sign in):
    { $link }

    For your privacy, this email does not contain the agreement.
mail-agreement-signed-subject = An agreement was signed at { $practice }
mail-agreement-signed-body =
    Hello { $name },

    an agreement you sent has been signed. Read it and add your countersignature here (you will be asked to sign in):
    { $link }

    For privacy, this email names neither the patient nor the agreement's contents.
mail-risk-alert-subject = { $practice }: a response needs your attention
mail-risk-alert-body =
    Hello { $name },

    a response in your practice needs your attention. Please sign in and look at it as soon as you can:
    { $link }

    For privacy, this email does not say more.
mail-questionnaire-waiting-subject = { $practice }: a short questionnaire is waiting
mail-questionnaire-waiting-body =
    Hello { $name },

    a short questionnaire is waiting for you in your portal (you will be asked to sign in):
    { $link }

    For your privacy, this email does not say more.
mail-booking-confirmation-subject = Your { $kind } with { $therapist }: { $when }
mail-booking-confirmation-body =
    Hello { $name },

    your { $kind } with { $therapist } at { $practice } is booked for

    {"  "}{ $when }
    {"  "}({ $their_when } for { $therapist })

    The calendar file attached adds it to your calendar. The session is online. Your portal, where you sign in with a link sent to this address:
    { $portal }

    To cancel or move the appointment, use this link:
    { $manage }

    Before the day, check your camera, microphone and connection here (it also says who helps with technical problems):
    { $tech_check }

    On the day, the session room opens in your portal ten minutes before the start.

    This email is not for emergencies.
mail-booking-cancelled-subject = Cancelled: your { $kind } on { $when }
mail-booking-cancelled-body =
    Hello { $name },

    your { $kind } with { $therapist } at { $practice } on { $when } is cancelled. The calendar file attached removes it from your calendar.

    You are welcome to book another time whenever you like.
mail-booking-moved-subject = Moved: your { $kind } is now on { $when }
mail-booking-moved-body =
    Hello { $name },

    your { $kind } with { $therapist } at { $practice } is now on

    {"  "}{ $when }

    The calendar file attached moves it in your calendar. The link in your first confirmation still lets you cancel.
mail-reminder-subject = Reminder: { $kind } with { $therapist } on { $when }
mail-reminder-body =
    Hello { $name },

    a reminder of your { $kind } with { $therapist } at { $practice }:

    {"  "}{ $when }

    Sign in to your portal a few minutes before; it takes you to the room:
    { $portal }

## The domain's enums and refusals, named by their ids.
decision-continue = Continue in therapy
decision-another_consultation = Another consultation
decision-refer = Refer elsewhere
decision-person_declined = The person declined
decision-undecided = Undecided
severity-minimal = Minimal
severity-mild = Mild
severity-moderate = Moderate
severity-moderately_severe = Moderately severe
severity-severe = Severe
transition-already-there = The case is already at "{ $stage }".
transition-no-path = A case cannot move from "{ $from }" to "{ $to }".
transition-decision-needed = Moving from "{ $from }" to "{ $to }" needs the decision taken at the close of the consultation.
transition-decision-elsewhere = The decision "{ $decision }" does not lead to "{ $to }".
transition-not-yet-held = The consultation has not begun yet: it can be marked as held from its start.
error-stage-not-yet-held = The consultation has not begun yet: it can be marked as held once its room opens, ten minutes before it starts.
chart-title = { $measure } over time
chart-scores = { $measure } scores, oldest first
chart-none-yet = none yet
guide-brings = What brings them
guide-history = History: mental and physical health
guide-education_work = Education and work
guide-family = Family and caretakers
guide-support = Support network
guide-frame = Their questions about the process and the frame
ics-appointment = Appointment
ics-summary = { $kind } with { $therapist }
ics-description = Online session. Sign in to your portal: { $portal }
job-patient_invitation = An invitation to the client portal
job-magic_link = A sign-in link
job-therapist_invitation = An invitation to join the practice
job-message_notification = Notice of a new message
job-booking_confirmation = A booking's confirmation
job-booking_cancelled = A cancelled appointment
job-booking_moved = A moved appointment
job-reminder = An appointment's reminder
format-kilobytes = { $count } KB
job-calendar_change = A change in your calendar
job-daily_agenda = The day's agenda
mail-calendar-change-subject = { $practice }: { $change ->
    [booked] a new booking
    [cancelled] a cancellation
   *[moved] an appointment moved
}
mail-calendar-change-body =
    Hello { $name },

    { $change ->
        [booked] an appointment was booked in your calendar.
        [cancelled] an appointment in your calendar was cancelled.
       *[moved] an appointment in your calendar was moved to another time.
    } See your day (you will be asked to sign in):
    { $link }

    For privacy, this email does not say who or when.
mail-daily-agenda-subject = { $practice }: { $count ->
    [0] no appointments
    [one] 1 appointment
   *[other] { $count } appointments
} on { $day }
mail-daily-agenda-body =
    Hello { $name },

    { $count ->
        [0] there are no appointments in your calendar today.
       *[other] today's appointments (initials only):
    }

    { $agenda }

    Your day, with the room links (you will be asked to sign in):
    { $link }
day-risk = Needs your attention first
day-risk-what = A response needs your attention
day-now = Your session now
day-join = Open the room
day-appointment = The appointment
day-waiting = Waiting in a room
day-waiting-none = Nobody is waiting in a room.
day-waiting-since = since { $time }
day-today = Today
day-tomorrow = Tomorrow
day-no-sessions = No sessions.
day-room = Room
day-needs = Waiting for you
day-clear = Nothing is waiting for you.
day-unread = Unread messages
day-unread-what = { $count ->
    [one] 1 unread message
   *[other] { $count } unread messages
}
day-changes = New bookings and cancellations
day-changes-since = Since you last looked, { $when }.
day-change-booked = Booked: { $kind }, { $when }
day-change-cancelled = Cancelled: { $kind }, { $when }
day-seen = Mark these as seen
day-inquiries = New messages through the site
day-returned = Questionnaires returned
day-returned-what = Returned a questionnaire
day-countersign = Agreements to countersign
day-countersign-what = Signed; waits for your countersignature
day-notes = Notes to write or sign
day-note-unsigned-what = Session note drafted, not signed
day-note-unwritten-what = Session note not written
day-notes-what = First consultation held; the first-session notes are not written yet
day-calendar = The whole week
day-notices-link = What to be told by email
notices-heading = What to be told by email
notices-intro = These emails never say who or when: they ask you to sign in and look.
notices-at-once = Tell me at once when a patient
notices-booking = books an appointment
notices-cancellation = cancels an appointment
notices-move = moves an appointment
notices-agenda = Send me the day's agenda each morning at 07:00
notices-agenda-hint = Times, types and initials only.
notices-save = Save these choices
calendar-days = Days of this week
calendar-today = Today
calendar-day-off = Day off
calendar-open-hours = The hours you offer
calendar-cancelled-heading = Cancelled this week
calendar-add-or-block = Add an appointment or block time
appointment-title = { $kind } with { $name }
appointment-back = Back to the week
appointment-when = When
appointment-patient = Patient
appointment-status = Status
appointment-booked = Booked
appointment-room = Open the room
appointment-case = The case
appointment-move-heading = Move to another time
appointment-move-hint = The patient gets an email with the new time and an updated calendar file.
appointment-cancel-heading = Cancel
appointment-cancel-hint = The time is free again at once, and the patient gets an email.
appointment-cancel-block = Free this time
appointment-invite-heading = Invite someone else into the room
appointment-invite-hint = For couples and families: a patient of yours who joins this session.
appointment-invited = Invited. They see the session in their portal.
words-heading = What they told us before
words-phone = Phone
words-note = What brings them (written when booking)
words-inquiry = Their message through the site
inquiry-invite-heading = Invite as a patient
inquiry-invite-hint = Makes a case for { $name } with this message kept on it (sealed), and emails them an invitation to the client portal.
inquiry-invite = Invite { $name } as a patient
appointment-move-date = New date
appointment-move-time = New time
appointment-cancel = Cancel this appointment

## Session notes
note-title = Note: { $kind } with { $name }
note-back = Back to the case
note-saved = Saved.
note-not-begun = This session has not begun. Its note can be written once its room opens.
note-record = The note
note-section-empty = Nothing written.
note-signed-by = Signed by { $name }, { $when }. A signed note cannot be changed: add an addendum to correct or complete it.
note-addenda = Addenda
note-addenda-none = No addenda.
field-addendum = Addendum
hint-addendum = Dated and named when added; an addendum cannot be changed either.
note-addendum-add = Add the addendum
note-process-heading = Process notes (private)
field-process = Process notes (private)
hint-process = Your own working notes: not part of the record a patient may ask for. They stay yours to change after the note is signed.
note-process-save = Save the process notes
field-note-template = Template
note-template-use = Use this template
note-template-free = Free text
note-template-dap = DAP (data, assessment, plan)
note-template-soap = SOAP (subjective, objective, assessment, plan)
note-template-birp = BIRP (behaviour, intervention, response, plan)
note-section-note = Note
note-section-data = Data
note-section-assessment = Assessment
note-section-plan = Plan
note-section-subjective = Subjective
note-section-objective = Objective
note-section-behaviour = Behaviour
note-section-intervention = Intervention
note-section-response = Response
field-note-confirm = This note is complete: sign it. A signed note cannot be changed.
note-save-draft = Save the draft
note-sign = Sign the note
error-note-template = Please choose one of the templates.
error-note-empty = A note to sign needs some text.
error-note-confirm = Please confirm that the note is complete before signing it.
error-note-signed = This note is signed and cannot be changed. Add an addendum instead.
error-note-not-begun = This session has not begun yet.
error-addendum-unsigned = An addendum is for a signed note; change the draft instead.
appointment-note = Session note
case-sessions = Sessions and notes
case-sessions-none = No session has taken place yet.
case-note-signed = Note signed { $when }
case-note-draft = Note drafted, not signed
case-note-none = No note yet

## The regular hour (series)
mail-series-subject = Your regular { $kind } with { $therapist }
mail-series-body =
    Hello { $name },

    your regular { $kind } with { $therapist } at { $practice } begins on

    {"  "}{ $when }

    The calendar file attached holds the whole series: your calendar shows each session at your own time, and updates when a session is moved or left out. Your portal lists the coming sessions and lets you move or cancel one within the agreed notice:
    { $portal }

    This email is not for emergencies.
error-series-frequency = Choose how often.
error-series-past = Choose a date from today on.
error-series-far = Choose a date within five years.
error-series-second-day = Choose the second day of the week.
error-series-same-day = Choose a different day from the first session's.
error-series-until = The last date cannot be before the first session.
error-series-change-date = A change begins after the series' first session.
error-series-ended = This series has ended.
error-series-end-range = Choose a date within the series.
error-series-date = Enter a date as YYYY-MM-DD.
error-series-time = Enter a time such as 18:00, on five minutes.
series-heading = Regular sessions
series-none = No regular time is set yet.
series-frequency-weekly = Weekly
series-frequency-fortnightly = Every two weeks
series-frequency-twice_weekly = Twice a week
series-line = { $frequency } on { $days } at { $time } ({ $zone }), { $kind }, from { $first }
series-line-until = until { $until }
series-line-open = open-ended
series-upcoming = { $count ->
    [one] One session booked ahead.
   *[other] { $count } sessions booked ahead.
}
series-skipped = Left out: { $dates }
series-ended = Ended.
series-set-heading = Set a regular time
series-change-heading = Change from a date on
series-end-heading = End the series
field-series-frequency = How often
field-series-first = First session
field-series-first-change = From
field-series-time = Time (your zone, { $zone })
field-series-time-hint = The hour stays at this time on your clock, also when the clocks change.
field-series-second-day = Second day (twice a week)
field-series-until = Last date
field-series-until-hint = Leave empty for an open-ended series.
field-series-kind = Kind of session
field-series-last = Last session on or before
series-set = Set the regular time
series-change = Change from this date
series-end = End the series
series-done = { $booked ->
    [one] One session booked
   *[other] { $booked } sessions booked
} for the next six months.{ $clashed ->
    [0] {""}
    [one] {" "}One date clashed with another booking and is left out.
   *[other] {" "}{ $clashed } dates clashed with other bookings and are left out.
}
series-ended-done = The series ends. { $count ->
    [0] No booked session was cancelled.
    [one] One session after that date was cancelled.
   *[other] { $count } sessions after that date were cancelled.
}
portal-time-change = From { $date } your session is at { $time } your time (the clocks change on different dates here and where your therapist is).
portal-manage = Move or cancel
series-title = Regular sessions: { $name }
series-back = Back to { $name }
series-first-hint = Its weekday is the series' day.
series-end-hint = Sessions after this date are cancelled, and the patient is told once.
case-series-open = Set or change the regular time
## Attendance
audit-action-appointment-attendance = Attendance recorded
attendance-heading = Attendance
attendance-state = Recorded:
attendance-not-recorded = Not recorded yet
attendance-attended = Attended
attendance-late-cancelled = Cancelled late by the patient
attendance-no-show = Did not come (no-show)
attendance-therapist-cancelled = Cancelled by you: never charged
attendance-cancelled-in-time = Cancelled in time by the patient: not a session, not charged
attendance-with-charge = { $attendance }, { $charge }
attendance-legend = What happened?
attendance-charge-legend = Is this late cancellation charged?
attendance-charge-legend-no-show = If it was a no-show: is it charged?
attendance-charge-default = Preselected from your default for late cancellations and no-shows: { $charge }. You can change the default on your booking settings page.
attendance-charge-decided = You decided: { $charge }.
attendance-save = Save attendance
attendance-not-begun = Attendance can be recorded once the session has begun (when its room opens).
charge-charged = charged
charge-not-charged = not charged
charge-undecided = charge not decided yet
charge-choice-charged = Charged
charge-choice-not-charged = Not charged
field-late-charge = Late cancellations and no-shows
hint-late-charge = Your frame's rule, preselected whenever you decide about a late cancellation or a no-show; until you decide, it is what billing assumes.
error-attendance-choice = Please choose attended or no-show.
error-attendance-required = Please choose whether the patient attended.
error-attendance-not-begun = This session has not begun yet: attendance can be recorded once its room opens.
error-attendance-cancelled = This session was cancelled: there is no attendance to record.
error-charge-choice = Please choose charged or not charged.
day-attendance = Attendance to record
day-attendance-unrecorded-what = Attendance not recorded
day-attendance-late-what = Cancelled late: charged or not?
day-attendance-no-show-what = No-show: charged or not?

## Time away
mail-away-subject = Sessions cancelled: { $therapist } is away
mail-away-body =
    Hello { $name },

    { $therapist } at { $practice } will be away, so these sessions are cancelled:

    { $sessions }

    Your portal shows your coming sessions:
    { $portal }

    This email is not for emergencies.
error-absence-order = The last day cannot be before the first.
error-absence-long = Time away is at most a year at once.
error-absence-kind = Choose what kind of time away this is.
error-absence-sessions = Choose what happens to the sessions on those days.
away-title = Time away
away-lede = Holidays, illness, days off: entered once, they cancel the sessions on those days (each patient is told once) or keep them for you to move. Nobody can book those days, and regular sessions leave them out.
away-list-heading = Entered
away-none = Nothing entered from today on.
away-kind-holiday = Holiday
away-kind-illness = Illness
away-kind-other = Time away
away-kind-bank_holiday = Bank holiday (the whole practice)
away-line = { $kind }: { $first } – { $last }
away-remove = Remove
away-remove-label = Remove { $what }
away-kept-heading = Sessions still booked on those days
away-kept-lede = Move each one, or cancel it, from its page.
away-add-heading = Enter time away
field-away-first = First day
field-away-last = Last day
field-away-last-hint = Leave empty for one day.
field-away-kind = Kind
field-away-sessions = The sessions on those days
away-sessions-cancel = Cancel them and tell each patient once
away-sessions-keep = Keep them: I will move each one
away-practice = For the whole practice (every therapist)
away-add = Enter
away-done = { $cancelled ->
    [0] No session was cancelled.
    [one] One session was cancelled; the patient is told.
   *[other] { $cancelled } sessions were cancelled; each patient is told once.
}{ $kept ->
    [0] {""}
    [one] {" "}One session on those days is kept for you to move.
   *[other] {" "}{ $kept } sessions on those days are kept for you to move.
}
calendar-away-link = Time away
audit-action-absence-add = Time away entered
audit-action-absence-remove = Time away removed
audit-action-series-set = Regular sessions set
audit-action-series-change = Regular sessions changed
audit-action-series-end = Regular sessions ended
calendar-back = Back to the calendar
away-line-day = { $kind }: { $day }
## Your own note headings (issue 12, part 6)
audit-action-note-template-save = Own note headings saved
own-headings-title = Your own note headings
own-headings-intro = Your own template for session notes: a name and two to four headings. They are offered next to free text, DAP, SOAP and BIRP. A note keeps the headings it was written with, so changing them here changes no note you have written.
own-headings-back = Back to the note
own-headings-saved = Saved. Notes already written keep the headings they were written with.
own-headings-save = Save your headings
field-own-headings-name = Name of your template
hint-own-headings-name = For example "Psychodynamic". Shown only to you, in the list of templates.
field-own-headings = Headings
hint-own-headings = One heading a line: two to four, each up to { $limit } characters, for example Themes, Transference, Risk, Next time.
note-template-own = Your own headings: { $name }
note-own-headings-define = Write notes under your own headings
note-own-headings-change = Change your own headings
error-headings-too-few = Please give at least two headings: with one, free text serves.
error-headings-too-many = Please give at most { $limit } headings, one a line.
error-heading-too-long = Please keep each heading to { $limit } characters or fewer.
error-headings-duplicate = Each heading once, please: two of them are the same.
error-heading-characters = Please use plain words: no markup (< >) and no invisible or control characters.
## The path ahead, kept, and ending well (issue 12, parts 7 and 8)
focus-open = The path ahead
focus-title = The path ahead: { $name }
focus-seeded = Not kept yet: this starts from what you wrote at the close of the first session. Save it to keep it as the focus.
focus-standing = The focus since { $since }.
focus-standing-review = The focus since { $since }; to be reviewed on { $review }.
focus-heading = Focus and goals
focus-save = Keep the focus
focus-measures = Measures over time
focus-measures-hint = When the focus was set and each review are marked across the charts.
focus-reviews = Reviews
focus-reviews-none = No review yet.
focus-review-add = Add the review
field-focus = What we are working on
hint-focus = What is going on, and how the two of you work with it.
field-goals = Goals
hint-goals = One goal a line, at most 12.
field-review-on = Review on
hint-review-on = A day, like 2027-03-15, when the two of you look at the focus again.
field-review = A review
hint-review = Dated and kept as written; a later thought is another review.
error-goals-too-many = Please keep to { $limit } goals.
error-goal-too-long = Please keep each goal under { $limit } characters.
error-day = Please give a day like 2027-03-15.
error-day-past = This day has passed; please choose today or a later day.
error-day-far = Please choose a day within the next three years.
ending-heading = Ending
ending-planned = Ending planned for { $date } · { $count ->
    [one] 1 session left
   *[other] { $count } sessions left
}
ending-plan = Plan the ending
ending-change = Change the ending
ending-withdraw = Withdraw the planned ending
field-ending-on = The last day
hint-ending-on = { $count ->
    [0] No sessions are booked from now on.
    [one] 1 session is booked from now on; if it falls after the last day, it is cancelled and the patient told.
   *[other] { $count } sessions are booked from now on; those after the last day are cancelled and the patient told of each.
}
field-ending-confirm = Cancel the booked sessions after the last day
error-ending-confirm = { $limit ->
    [one] This cancels 1 booked session after the last day. Tick the box to confirm.
   *[other] This cancels { $limit } booked sessions after the last day. Tick the box to confirm.
}
error-ending-not-in-therapy = An ending is planned for a case in therapy.
error-ending-none = No ending is planned.
ending-close-open = Close the case (ending or referral)
ending-closing-open = Read the closing
ending-over = This case has ended; its record is read-only.
ending-over-ended = This case ended on { $date }; its record is read-only.
ending-over-referred = This case was referred on { $date }; its record is read-only.
ending-read-only-short = This case is over; its record is read-only.
ending-note-read-only = This case is over: its notes cannot be changed. A late addendum to a signed note can still be added.
ending-messages-closed = This therapy has ended: the messages stay here to read, and no new ones can be sent. To get in touch again, please use the practice's contact form.
ending-title = Closing: { $name }
ending-close-intro = Closing the case keeps the closing summary (sealed), and the letter if you write one. The case moves to ended, or referred, and its whole record becomes read-only.
ending-close-cancels = { $count ->
    [0] No sessions are booked from now on.
    [one] The 1 session booked from now on is cancelled, and the patient told.
   *[other] The { $count } sessions booked from now on are cancelled, and the patient told of each.
}
field-closing-kind = How the work ends
ending-kind-ended = The therapy ended
ending-kind-referred = Referred to someone else
field-closing-summary = Closing summary
hint-closing-summary = For the record: what the work was, where it ended. Sealed.
ending-referral = Referral
hint-referral = Only when referring: to whom, and why.
field-referred-to = Referred to
field-referral-why = Why
ending-letter = Letter
hint-letter = Optional: a letter to the patient or to a referrer, to print.
field-letter-to = To
hint-letter-to = A name and role, like "Robin Field" or "Dr. Lee, GP".
field-letter-body = The letter
error-letter-body = Please write the letter, or leave "To" empty.
field-closing-confirm = I understand that the record becomes read-only
error-closing-confirm = Please tick the box: after closing, nothing in the case can be changed.
error-closing-stage = The case cannot move there from where it stands.
ending-close-submit = Close the case
ending-closed-by = Closed by { $name }, { $when }
ending-print-link = Print the closing
ending-print-title = Closing summary: { $name }
ending-print-back = Back to the closing
ending-print-patient = Patient
ending-print-therapist = Therapist
ending-print-closed = Closed on
case-over-title = This case is over
case-over-text = The case has ended or was referred on, so its record is read-only: nothing in it can be changed. A late addendum to a signed session note can still be added.
portal-ending = { $count ->
    [one] 1 session left before our ending on { $date }.
   *[other] { $count } sessions left before our ending on { $date }.
}
chart-mark-focus = Focus set: { $date }
chart-mark-review = Review: { $date }
## Billing: fees, invoices, credit notes, payments, statements
admin-billing = Billing
billing-title = Billing
billing-lede = Prepare a month's invoices from the sessions that took place, check them, and issue them. Issued invoices never change: a mistake is put right with a credit note.
billing-back = Back to billing
billing-case-back = Back to the case
billing-case-open = Fees and invoices
billing-case-title = Fees and invoices: { $name }
billing-case-link = { $name }'s fees and invoices
billing-profile-missing = Before the first invoice, fill in how your invoices name you and how you are paid.
billing-profile-open = Billing details
billing-profile-title = Billing details
billing-profile-lede = What every invoice says about you, how patients pay, and when. The law of your country decides what an invoice must carry; your accountant can tell you.
billing-profile-saved = Saved. New invoices use these details; invoices already issued stay as they were.
billing-profile-issuer = You, as your invoices name you
billing-profile-bank = Bank account
billing-profile-terms = Terms
billing-profile-save = Save the billing details
field-billing-issuer = Name on invoices
hint-billing-issuer = Your name and profession, as your invoices should show it.
field-billing-address = Address
field-billing-country = Country
hint-billing-country = Two letters, like DE, GB or US.
field-billing-tax_id = Tax number or VAT ID
field-billing-registration = Professional registration
hint-billing-registration = A licence or registration number; in the United States, your NPI.
field-billing-account_holder = Account holder
field-billing-iban = IBAN
hint-billing-iban = Euro invoices then carry a QR code that banking apps read.
field-billing-bic = BIC
field-billing-exemption = Tax exemption wording
hint-billing-exemption = Printed on every invoice, like "Exempt from VAT under § 4 No. 14 UStG".
field-billing-payment_days = Days to pay
field-billing-reminder_days = Reminders, days after the due date
hint-billing-reminder_days = Like "7, 21". Reminders only say that something waits in the portal; a payment stops them. Leave empty for none.
field-billing-cadence = When to bill
field-billing-paper = Paper
field-billing-number_prefix = Before each number
hint-billing-number_prefix = Optional, like "RE-". Numbers follow one sequence for the whole practice.
billing-paper-a4 = A4
billing-paper-letter = US Letter
billing-cadence-monthly = Once a month, for the month's sessions
billing-cadence-per_session = After each session
billing-run-heading = Prepare invoices
field-billing-month = Month
hint-billing-month = Drafts are made for every session of the month that is billable and not on an invoice yet.
billing-run = Prepare drafts
billing-prepared = { $drafts ->
    [one] 1 draft prepared
   *[other] { $drafts } drafts prepared
} for { $sessions ->
    [one] 1 session.
   *[other] { $sessions } sessions.
}
billing-prepared-nofee = Some sessions have no fee yet: set the patient's fee or the session type's price, or edit the lines.
billing-drafts = Drafts to check
billing-drafts-none = No drafts.
billing-issued = Issued
billing-issued-none = Nothing issued yet.
billing-year-heading = { $year }
billing-invoiced = Invoiced
billing-received = Received
billing-outstanding = Outstanding
billing-overdue = Overdue
billing-by-month = By month
billing-col-month = Month
billing-year-before = The year before
billing-balances = Balances
billing-bank-heading = Bank statements
billing-export-heading = For your accountant
field-export-from = From
field-export-to = To
billing-export = Download CSV
billing-col-number = Number
billing-col-patient = Patient
billing-col-date = Date
billing-col-amount = Amount
billing-col-standing = State
billing-draft = Draft
billing-draft-title = Draft invoice
billing-invoice-title = Invoice { $number }
billing-credit-note-title = Credit note { $number }
billing-kind-invoice = Invoice
billing-kind-credit_note = Credit note
billing-standing = State
billing-standing-draft = Draft
billing-standing-credit-note = Credit note
billing-standing-open = Open
billing-standing-partly_paid = Partly paid
billing-standing-paid = Paid
billing-standing-overpaid = Overpaid
billing-standing-credited = Credited
billing-draft-lede = Check each line. Nothing is sent until you issue it; issued, it cannot change.
billing-lines = Lines
billing-lines-none = No lines yet.
billing-line-label = Line: { $what }
billing-line-save = Save line
billing-line-remove = Remove
billing-line-add-heading = Add a line
billing-line-add = Add the line
hint-invoice-description = Like "Report for the health insurer".
field-invoice-date = Date
field-invoice-description = Service
field-invoice-minutes = Minutes
field-invoice-quantity = Quantity
field-invoice-unit = Price
field-invoice-recipient = Name and address
field-invoice-amount = Amount
field-invoice-received_on = Received on
hint-invoice-received_on = Empty: today.
field-invoice-method = How
billing-recipient-heading = Addressed to
billing-recipient-save = Save the address
billing-issue-heading = Issue
billing-issue-lede = Issuing gives the invoice the practice's next number and today's date, archives its PDF, and tells the patient that a document waits in their portal.
billing-issue = Issue the invoice
billing-discard = Discard the draft
billing-pdf-download = Download the PDF
billing-payments = Payments
billing-payments-none = No payment yet.
billing-payment-heading = Record a payment
billing-payment-record = Record the payment
billing-receipt = Receipt
billing-receipt-link = Receipt of { $date }, { $amount }
billing-method-choose = Choose
billing-method-transfer = Bank transfer
billing-method-cash = Cash
billing-method-card = Card terminal
billing-method-online = Online
billing-credit-heading = Correct with a credit note
billing-credit-lede = A credit note takes back the lines you tick, with its own number, and refers to this invoice. Their sessions can then be billed again.
billing-credit-lines = Lines to credit
billing-credit = Issue the credit note
billing-balance = Balance
billing-terms-heading = Fee and address
field-case-fee = Fee per session
hint-case-fee = Empty: the session type's price ({ $fee }).
hint-case-fee-none = Empty: the session type's price (none is set).
field-case-recipient = Invoices are addressed to
hint-case-recipient = Name and address lines. Empty: the patient's name.
billing-terms-save = Save
billing-documents = Invoices and credit notes
billing-new = Start an invoice
billing-session = Session
billing-line-late = { $kind }, cancelled late
billing-line-missed = { $kind }, missed
billing-pdf-invoice = Invoice
billing-pdf-credit-note = Credit note
billing-pdf-receipt = Receipt
billing-pdf-number = Number
billing-pdf-date = Date
billing-pdf-due = Due
billing-pdf-reference = Payment reference
billing-pdf-period = Dates of service
billing-pdf-corrects = Corrects invoice
billing-pdf-col-date = Date
billing-pdf-col-service = Service
billing-pdf-col-length = Length
billing-pdf-col-quantity = Qty
billing-pdf-col-unit = Price
billing-pdf-col-amount = Amount
billing-pdf-total = Total
billing-pdf-credited = Credited
billing-pdf-paid = Paid
billing-pdf-tax-id = Tax no. { $id }
billing-pdf-registration = Reg. no. { $id }
billing-pdf-page = Page {"{"}n{"}"} of {"{"}m{"}"}
billing-pdf-terms = Please pay { $amount } by { $due }, quoting { $reference }.
billing-pdf-terms-transfer = Please transfer { $amount } by { $due }, quoting { $reference } as the payment reference.
billing-pdf-bank = { $holder } · IBAN { $iban }
billing-pdf-bank-bic = { $holder } · IBAN { $iban } · BIC { $bic }
billing-pdf-qr = Scan to pay with your banking app
billing-pdf-credit-text = This credit note corrects invoice { $number }; the amount is set against it.
billing-pdf-received = Received on
billing-pdf-method = Paid by
billing-pdf-for-invoice = For invoice
billing-pdf-receipt-text = Thank you: this confirms the payment above.
billing-online-pay = Pay online
billing-online-description = Invoice { $number }
billing-online-unavailable = Paying online is not possible just now. Please try again later, or pay by transfer.
billing-online-nothing = Nothing is owed on this invoice.
billing-online-thanks = Thank you. Your payment shows here once the payment provider confirms it.
billing-webhook-refused = The delivery was refused.
portal-invoices = Invoices
portal-invoices-balance = Still to pay: { $amount }
portal-invoices-credit = In your favour: { $amount }
portal-invoices-settled = Nothing to pay.
portal-invoice-to-pay = { $amount } to pay by { $due }, quoting { $reference } as the payment reference. The PDF has the bank details.
portal-invoices-none = No invoices yet.
statement-title = Read a bank statement
statement-review-title = Payments from a statement
statement-lede = Upload the statement your bank offers as CAMT.053 (XML), or as CSV. Credits are matched to open invoices by their payment reference and amount; nothing counts as paid until you confirm it.
statement-import = Read a bank statement
statement-credits = { $count ->
    [one] 1 credit
   *[other] { $count } credits
}
statement-csv-heading = For a CSV file
statement-csv-lede = Name the columns as the file's first row does, or by number counting from 1.
hint-statement-column = Like "Buchungstag" or 1.
hint-statement-file = Up to 10 MB.
field-statement-file = Statement file
field-statement-format = Format
field-statement-delimiter = Separator
field-statement-date_column = Date column
field-statement-amount_column = Amount column
field-statement-text_column = Payment reference column
field-statement-counterparty_column = Payer column
field-statement-date_format = Dates are written
field-statement-decimal_comma = Amounts use a decimal comma (80,00)
field-statement-invoice = Invoice
statement-format-camt = CAMT.053 (XML)
statement-format-csv = CSV
statement-date-dmy = 31.12.2026
statement-date-iso = 2026-12-31
statement-date-mdy = 12/31/2026
statement-delimiter-semicolon = Semicolon
statement-delimiter-comma = Comma
statement-delimiter-tab = Tab
statement-read = Read the statement
statement-summary = { $credits ->
    [one] 1 new credit
   *[other] { $credits } new credits
}, { $matched } matched to an invoice{ $seen ->
    [0] .
   *[other] ; { $seen } were in an earlier statement.
}
statement-proposal-reference = Matched by its reference to invoice { $number } ({ $name }).
statement-proposal-amount = Its amount fits invoice { $number } ({ $name }); check before you confirm.
statement-proposal-currency = In another currency: not matched.
statement-proposal-none = No invoice found: choose one, or set it aside.
statement-confirm = Confirm the payment
statement-dismiss = Not a patient's payment
statement-state-confirmed = Confirmed.
statement-state-dismissed = Set aside.
statement-error-too-large = The file is larger than 10 MB. Please upload one statement at a time.
statement-error-empty = The file has no entries.
statement-error-malformed = The file cannot be read as a bank statement. Please check it is the statement file your bank offers.
statement-error-not-camt = The file is XML but not a CAMT.053 statement. Choose CSV if it is a CSV file.
statement-error-csv-column = A column named in the form is not in the file.
statement-error-csv-row = A row of the file cannot be read: please check the column names and the date format.
statement-error-entry = An entry of the statement cannot be read.
statement-error-duplicate = This statement was read before; nothing changed.
statement-error-currency = The statement is in another currency than the practice's fees.
statement-error-no-credits = The statement has no credits to match.
statement-error-no-file = Please choose the statement file.
statement-field-date = date
statement-field-amount = amount
statement-field-currency = currency
statement-field-text = text
statement-field-counterparty = payer
bank-error-iban-shape = This is not an IBAN: two letters, two digits, then the account.
bank-error-iban-country = IBANs of this country are not known.
bank-error-iban-length = This IBAN has the wrong length for its country.
bank-error-iban-checksum = This IBAN's check digits do not fit: please check for a typing slip.
bank-error-bic = This is not a BIC: 8 or 11 letters and digits.
bank-error-name = The account holder's name is needed, up to 70 characters.
bank-error-amount = The amount cannot be paid by transfer.
bank-error-currency = Only euro amounts have a QR code.
bank-error-reference = The payment reference is not valid.
bank-error-text = The payment text is too long.
bank-error-too-long = The payment details are too long for a QR code.
error-amount-malformed = Please write an amount like 80 or 80.50.
error-amount-precise = The currency has fewer decimals than that.
error-amount-large = That amount is too large.
error-amount-negative = An amount cannot be negative here; a credit note takes amounts back.
error-amount-positive = Please write an amount above zero.
error-whole-number = Please write a whole number.
error-choose = Please choose one.
error-address-lines = At most six lines, please.
error-country-code = Please write the country's two letters, like DE.
error-reminder-days = Please write days after the due date, like "7, 21".
error-reminder-count = At most { $limit } reminders.
error-number-prefix = Letters, digits, "-" and "/" only.
error-date-future = That date is in the future.
error-date-order = The end comes before the start.
error-billing-future = That month has not begun.
error-billing-month = Please choose a month.
error-invoice-lines = An invoice takes at most 200 lines.
error-invoice-empty = An invoice needs at least one line with an amount.
error-billing-profile = Please fill in your billing details first.
error-credit-not-invoice = Only an issued invoice can be credited.
error-credit-lines = Please tick the lines to credit.
error-payment-not-issued = Payments are recorded on issued invoices.
invoice-issued-title = This invoice is issued
invoice-issued-text = An issued invoice never changes. To correct it, issue a credit note from its page.
mail-document-waiting-subject = { $practice }: a document is waiting for you
mail-document-waiting-body =
    Hello { $name },

    a document is waiting for you in your portal (you will be asked to sign in):
    { $link }

    For your privacy, this email does not say more.
mail-payment-reminder-subject = { $practice }: a reminder
mail-payment-reminder-body =
    Hello { $name },

    something in your portal is still waiting for you (you will be asked to sign in):
    { $link }

    If you have already seen to it, please disregard this email.
portal-owed = Open on your invoices: { $amount }.
portal-invoices-open = See your invoices
hint-case-fee-agreed = Empty: the fee in the signed agreement ({ $fee }).
billing-pdf-download-named = Download { $what } (PDF)

## Billing in the United States
claims-heading = For insurers
claims-lede = What the superbills of this patient's invoices say beyond the invoice. Codes are checked by their form only: you answer for the diagnosis.
field-diagnoses = Diagnosis codes (ICD-10-CM)
hint-claims-diagnoses = Up to 4, separated by commas, for example F41.1, F32.A.
field-place = Place of service
hint-claims-place = Telehealth in the patient's home (10) unless they take their sessions elsewhere (02).
field-birth-date = Date of birth
field-claims-address = Patient's address
hint-claims-address = Insurers ask for it on a superbill.
claims-save = Save
claims-place-02 = 02 · telehealth, not in the patient's home
claims-place-10 = 10 · telehealth in the patient's home
claims-estimates-heading = Good Faith Estimates
claims-estimates-lede = For a patient who pays for themselves: what you expect to charge. The patient finds it in their portal and is told by email that a document is waiting.
claims-estimates-none = No estimate given yet.
claims-estimate-link = Good Faith Estimate of { $date }
claims-estimate-service-1 = Expected service
claims-estimate-service-2 = Another expected service
claims-estimate-service-3 = A third expected service
field-estimate-code = CPT code
field-estimate-fee = Fee each
field-estimate-sessions = Expected number
field-period-from = Covers from
field-period-to = Covers until
hint-estimate-period = At most 12 months.
field-estimate-diagnoses = Diagnosis codes, if known
hint-estimate-diagnoses = Empty: the codes saved above.
claims-estimate-issue = Give the estimate
claims-superbill-link = Superbill (PDF)
claims-estimates-portal = Good Faith Estimates
claims-estimates-portal-lede = What your therapist expects to charge, as the No Surprises Act asks.
error-claims-icd = Please write codes like F41.1: a letter, two digits, then up to four letters or digits.
error-claims-icd-count = At most { $limit } diagnosis codes.
error-claims-birth-date = That date of birth cannot be right.
error-estimate-period = An estimate covers at most 12 months.
error-estimate-cpt = Please write a five-digit CPT code, like 90837.
error-estimate-sessions = Please write a number from 1 to { $limit }.
audit-action-claims-save = Details for insurers saved
audit-action-estimate-issue = Good Faith Estimate given
audit-action-estimate-read = Good Faith Estimate opened
audit-action-superbill-read = Superbill opened
claims-pdf-superbill = Superbill
claims-pdf-estimate = Good Faith Estimate
claims-pdf-born = Date of birth: { $date }
claims-pdf-npi = NPI
claims-pdf-tin = Tax ID (TIN)
claims-pdf-place = Place of service
claims-pdf-diagnoses = Diagnoses (ICD-10-CM)
claims-pdf-col-date = Date of service
claims-pdf-col-service = Service
claims-pdf-col-cpt = CPT
claims-pdf-col-pos = POS
claims-pdf-col-pointer = Dx
claims-pdf-col-units = Units
claims-pdf-col-fee = Fee
claims-pdf-col-charge = Charge
claims-pdf-col-sessions = Number
claims-pdf-col-expected = Expected charges
claims-pdf-charges = Total charges
claims-pdf-balance = Balance due
claims-pdf-superbill-note = This superbill states what the invoice of the same number says, for you to submit to your insurer for reimbursement. It is not a claim filed by the provider.
claims-pdf-estimate-date = Date of estimate
claims-pdf-estimate-period = Period covered
claims-pdf-estimate-total = Total estimated charges
claims-cpt-90791 = Psychiatric diagnostic evaluation
claims-cpt-90832 = Psychotherapy, 30 minutes
claims-cpt-90834 = Psychotherapy, 45 minutes
claims-cpt-90837 = Psychotherapy, 60 minutes
claims-gfe-estimate = This Good Faith Estimate shows the costs of items and services that are reasonably expected for your health care needs. It is an estimate, based on information known at the time it was created.
claims-gfe-differ = Actual charges may differ from this estimate. It does not include unknown or unexpected costs that may arise during treatment.
claims-gfe-dispute = You have the right to initiate the patient-provider dispute resolution process if you are billed $400 or more above this Good Faith Estimate. You must start it within 120 calendar days of the date on the bill.
claims-gfe-contract = This Good Faith Estimate is not a contract and does not require you to obtain the items or services from any of the providers or facilities identified.
claims-gfe-more = For questions or more information about your right to a Good Faith Estimate, visit www.cms.gov/nosurprises.
claims-gfe-keep = Please keep a copy of this Good Faith Estimate.
billing-currency-heading = The practice's currency
field-currency = Currency
hint-currency = Three letters (ISO 4217), like EUR, GBP, CHF or USD. Fees and new invoices are in it; invoices already issued keep theirs.
billing-currency-save = Save the currency
error-currency = Please write a currency's three letters, like EUR or USD.
audit-action-billing-terms-read = Fee and invoice address read
audit-action-billing-export = Billing exported for the accountant
audit-action-billing-profile-save = Billing details saved
audit-action-billing-terms-save = Fee and invoice address saved
audit-action-invoice-credit = Credit note issued
audit-action-invoice-discard = Draft invoice discarded
audit-action-invoice-draft = Draft invoice changed
audit-action-invoice-issue = Invoice issued
audit-action-invoice-issued-change = Change to an issued invoice refused
audit-action-invoice-read = Invoice opened
audit-action-payment-online = Online payment
audit-action-payment-record = Payment recorded
audit-action-statement-confirm = Payment from a statement confirmed
audit-action-statement-dismiss = Statement credit set aside
audit-action-statement-import = Bank statement read
audit-action-statement-read = Bank statement opened
audit-action-practice-currency = Practice currency changed
audit-action-case-close = Case closed
audit-action-case-closing-read = Closing summary read
audit-action-case-read-only = Change to a closed case refused
audit-action-case-refer = Case referred on
audit-action-case-visitor-words-read = First message read
audit-action-day-notices = Day's notices read
audit-action-day-seen = Day's notices marked seen
audit-action-ending-plan = Ending planned
audit-action-ending-withdraw = Planned ending withdrawn
audit-action-focus-read = Treatment focus read
audit-action-focus-review = Treatment focus reviewed
audit-action-focus-write = Treatment focus saved
audit-action-inquiry-invite = Patient invited from a message

## The audit log's checkpoints and the master key's copy (issue 14, parts 6 and 7)
mail-audit-checkpoint-subject = Audit log checkpoint
mail-audit-checkpoint-body =
    Today's checkpoint of your practice's audit log:

      entries: { $rows } (the last one numbered { $seq })
      fingerprint: { $mac }

    Keep this mail. If the log is ever cut or rewritten, `holdspace audit verify` shows it against the checkpoint file on the server, and this mail proves what the log was even if that file is gone.
key-copy-heading = Keep a copy of the master key somewhere other than this server
key-copy-why = Every note, message and questionnaire answer is sealed with it, and backups do not contain it. If this server's disk fails and there is no copy elsewhere, no backup can be opened.
key-copy-file = It is the one line in this file on the server:
key-copy-variable = This server is given it in the variable
key-copy-how = Put it in your password manager, or print it and lock it away. After a key rotation, copy the new one.
key-copy-confirm = I have a copy
audit-action-master-key-copy = Copy of the master key confirmed
## A patient's record in standards: FHIR R4 and a readable PDF
audit-action-record-export = Record handed out (FHIR or PDF)
record-heading = Your record
record-text = Your whole record with this practice: for another clinic's system (FHIR), or to read (PDF). Your therapist's private process notes are not part of it.
record-fhir = FHIR (for another clinic's system)
record-pdf = PDF (to read)
record-json = All your data (JSON)
record-case-heading = Download the record
record-case-text = The patient's whole record in this case, as they may ask for it: signed session notes included, process notes never.
record-pdf-title = Record
record-pdf-made = Made on
record-pdf-therapist = Therapist
record-pdf-case = With { $therapist }
record-pdf-opened = Case opened on { $date }.
record-pdf-appointments = Appointments
record-pdf-none = None.
record-pdf-when = When
record-pdf-what-became = What became of it
record-pdf-attended = Attended
record-pdf-no-show = Missed (no-show)
record-pdf-late-cancelled = Cancelled late by the patient
record-pdf-therapist-cancelled = Cancelled by the therapist
record-pdf-cancelled = Cancelled in time
record-pdf-booked = Booked
record-pdf-sent = Sent on { $when }.
record-pdf-question = Question
record-pdf-answer = Answer
record-pdf-skipped = Skipped
record-pdf-total = Total { $total } of { $max }, { $severity }
record-pdf-measures = Measures over time
record-pdf-date = Date
record-pdf-measure = Measure
record-pdf-score = Score
record-pdf-agreement = Treatment agreement, version { $version }
record-pdf-agreement-signed = Signed as { $name } on { $when }.
record-pdf-agreement-countersigned = Countersigned on { $when }.
record-pdf-agreement-hash = SHA-256 of the text as signed: { $hash }
record-pdf-notes = Session notes
record-pdf-note = Session of { $session }, signed by { $by } on { $signed }.
record-pdf-addendum = Addendum of { $when } by { $by }: { $text }
record-pdf-documents = Documents
record-pdf-document = Document
record-pdf-number = Number
record-pdf-kind-invoice = Invoice
record-pdf-kind-credit-note = Credit note
record-pdf-kind-receipt = Receipt
record-pdf-kind-estimate = Good Faith Estimate
record-pdf-process-notes = Process notes (the therapist's private working notes) are not part of this record: the law lets a therapist keep them apart, and this practice does. Session notes appear once signed; drafts are not yet part of the record.
record-pdf-fhir = The same record is available as FHIR R4 (JSON) for another clinic's system; invoices, receipts and estimates are enclosed there as the PDFs issued.
## Retention and erasure
audit-action-retention-set = Retention period set
audit-action-case-erase = Case erased
audit-action-erasure-ask = Erasure asked for by the patient
audit-action-erasure-hold = Erasure request answered with the retention hold
error-retention-jurisdiction = Choose where the practice keeps its records.
error-retention-years = Enter a whole number of years from 1 to 30.
error-erase-reference = This is not the case's reference: type it as shown above.
error-erase-reason = The retention period is not over: choose why the record is erased now.
error-erase-not-over = A case is erased only once it has ended.
error-erase-no-retention = Set the practice's retention period first (on the practice page).
error-erase-no-request = There is no open request to answer.
retention-heading = How long records are kept
retention-intro = After the end of treatment, a case's record is kept for this many years; after that, the case's therapist is asked to confirm its erasure. The presets are a starting point, not legal advice: check the rule that applies to your profession and place, and change the number if it differs.
retention-preset-de = Germany: 10 years after the end of treatment (§ 630f BGB).
retention-preset-at = Austria: 10 years after the end of treatment.
retention-preset-ch = Switzerland: 20 years (the limitation period for claims of bodily harm); cantonal rules vary.
retention-preset-uk = United Kingdom, adults: 8 years after the end of treatment.
retention-preset-us = United States: each state has its own rule; 7 years is a common choice. Check your state's.
retention-jurisdiction-de = Germany
retention-jurisdiction-at = Austria
retention-jurisdiction-ch = Switzerland
retention-jurisdiction-uk = United Kingdom (adults)
retention-jurisdiction-us = United States
retention-jurisdiction-other = Elsewhere
retention-choose = Choose…
retention-save = Save the retention period
retention-saved = The retention period is saved.
field-jurisdiction = Where the practice keeps its records
field-retention-years = Years kept after the end of treatment
hint-retention-years = From 1 to 30. Leave empty for the preset of the place chosen.
retention-case-unset = The practice has not set a retention period yet, so this record has no erasure date.
retention-case-due = The retention period ended on { $date }: the record may now be erased.
retention-case-until = Kept until { $date } (the end of treatment was { $ended }).
retention-case-erase = Review the erasure
retention-case-erasure = Erasure
erasure-title = Records due for erasure
erasure-period = Records are kept { $years } years after the end of treatment ({ $where }).
erasure-period-unset = The practice has not set a retention period, so no record is due yet.
erasure-period-set = Set it on the practice page.
erasure-intro = Nothing is erased until you confirm it, one case at a time. Erasure removes every record of the case and destroys its key; it cannot be undone.
erasure-requests = Requests from patients
erasure-requested-on = asked on { $date }
erasure-due = Past their retention period
erasure-due-none = No record is past its retention period.
erasure-col-patient = Patient
erasure-col-reference = Reference
erasure-col-ended = End of treatment
erasure-col-until = Kept until
erasure-done = The record is erased ({ $count } entries removed). Its key is destroyed.
erasure-held-sent = The answer is in the patient's portal.
erasure-held-until = Your therapist keeps your records until { $date }, as the law requires of them. They are erased after that date.
erasure-held-after-end = Your therapist keeps your records while your treatment goes on and for { $years } years after its end, as the law requires of them. They are erased after that.
erase-title = Erase the record of { $name }
erase-back = Back to the case
erase-request-heading = The patient's request
erase-request-open = { $name } asked on { $date } to erase their records.
erase-request-choices = Answer with the retention hold (the patient sees until when their records are kept), or erase the record below.
erase-hold = Keep the records until { $date } and tell the patient
erase-hold-after-end = the end of the retention period
erase-request-answered = The patient's request was answered:
erase-heading = Erase this record
erase-not-over = The case has not ended. A record is erased only after the end of treatment.
erase-what = Erasing removes every message, note, questionnaire, document, appointment and invoice of this case, and the patient's account if they have no other case. The case's key is destroyed, so nothing of it can be opened again. The audit log keeps only that the case was erased, with counts.
erase-backups = Backups made before today still hold the case, sealed under a key that the current master key opens. Rotate the master key (holdspace keys rotate) and destroy the old one to make them unreadable.
erase-early = The retention period is not over. Erase now only if no duty to keep the record applies, or on your own considered decision.
field-erase-reason = Why the record is erased now
erase-reason-choose = Choose…
erase-reason-request-no-duty = The patient asked, and no duty to keep the record applies
erase-reason-request-therapist-decision = The patient asked, and I decided to erase before the end of the period
field-erase-reference = The case's reference
field-erase-reference-typed = To confirm, type the case's reference: { $reference }
erase-confirm = Erase the record for good
portal-erasure-nav = Your records
portal-erasure-title = Your records and their erasure
portal-erasure-intro = Your therapist must keep a record of your treatment for some years after it ends: the law requires it, so that the record is there if you or another professional need it later.
portal-erasure-retention = This practice keeps records for { $years } years after the end of treatment.
portal-erasure-retention-unset = Your therapist will tell you how long this practice keeps records.
portal-erasure-after = You can ask for your records to be erased. Your therapist answers here: either they erase them, or they tell you until when the law requires them to keep them. Once erased, nothing of them can be recovered, and if you have no other case here, your account is closed.
portal-erasure-status = Your request
portal-erasure-open = You asked on { $date }. Your therapist will answer here.
portal-erasure-ask = Ask to erase my records
portal-erasure-sent = Your request is sent to your therapist.
day-erasure = Records due for erasure
day-erasure-what = { $count ->
    [one] One record waits for your decision
   *[other] { $count } records wait for your decision
}
day-erasures-unrotated = { $count ->
    [one] 1 erasure since the master key was last rotated: older backups can still open it until you run “holdspace keys rotate” and destroy the old key.
   *[other] { $count } erasures since the master key was last rotated: older backups can still open them until you run “holdspace keys rotate” and destroy the old key.
}
job-retention_review = The daily review of records past retention
job-erasure_requested = A patient's request to erase their records
mail-records-due-subject = { $practice }: records have reached the end of their retention period
mail-records-due-body =
    Hello { $name },

    some records have reached the end of their retention period. Nothing is erased until you confirm it:
    { $link }

    For privacy, this email does not say more.
mail-erasure-requested-subject = { $practice }: a request to erase records
mail-erasure-requested-body =
    Hello { $name },

    a patient asked for their records to be erased. Please answer the request:
    { $link }

    For privacy, this email does not say more.
mail-erasure-answered-subject = { $practice }: your request about your records
mail-erasure-answered-body =
    Hello { $name },

    your therapist has answered your request about your records. The answer is in your portal (you will be asked to sign in):
    { $link }

    For your privacy, this email does not say more.
# The export of the whole practice (holdspace export)
audit-action-practice-export = The whole practice exported, records in plain text (holdspace export)
