//! Every route in one table, per capability. The router is built from this table, and the same
//! table is what the access tests walk, so a new route cannot be forgotten there.

use crate::{
    accounts, agreements, api, assets, attendance, away, billing, booking, calendar, cases, claims,
    content, day, ending, focus, inquiries, intake, invoices, mail, measures, metrics, notes,
    passkeys, portal, portal_invoices, practice, record, retention, rooms, series, site,
    statements, team, techcheck, workspace, WebState,
};
use axum::handler::Handler;
use axum::routing::{get, post, MethodRouter};
use axum::Router;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
}

struct Table {
    router: Router<WebState>,
    routes: Vec<RouteInfo>,
    /// The GET routes whose answer to a visitor is kept whole (see `page_cache`).
    cached: Vec<&'static str>,
}

impl Table {
    fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, WebState>,
        T: 'static,
    {
        self.routes.push(RouteInfo {
            method: "GET",
            path,
        });
        self.add(path, get(handler))
    }

    /// A public page read from content: a GET whose answer to a visitor without a session is
    /// kept whole, compressed, until the site changes (`page_cache`).
    fn page<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, WebState>,
        T: 'static,
    {
        self.cached.push(path);
        self.get(path, handler)
    }

    fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, WebState>,
        T: 'static,
    {
        self.routes.push(RouteInfo {
            method: "POST",
            path,
        });
        self.add(path, post(handler))
    }

    /// A POST that takes an attachment (up to 10 MB) in a multipart form.
    fn post_upload<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, WebState>,
        T: 'static,
    {
        self.routes.push(RouteInfo {
            method: "POST",
            path,
        });
        self.add(
            path,
            post(handler).layer(axum::extract::DefaultBodyLimit::max(
                crate::security::UPLOAD_LIMIT,
            )),
        )
    }

    fn add(mut self, path: &'static str, method: MethodRouter<WebState>) -> Self {
        self.router = self.router.route(path, method);
        self
    }
}

/// The router, its routes (for the access tests), and the routes whose pages are cached.
pub(crate) fn build(state: WebState) -> (Router, Vec<RouteInfo>, Vec<&'static str>) {
    let t = Table {
        router: Router::new(),
        routes: Vec::new(),
        cached: Vec::new(),
    };
    let t = t
        // site
        .page("/", site::home)
        .page("/articles", site::articles)
        .page("/articles/{slug}", site::article)
        .page("/tags", site::tags)
        .page("/tags/{slug}", site::tag)
        .page("/faq", site::faqs)
        .page("/faq/{slug}", site::faq)
        .get("/tech-check", techcheck::page)
        .get("/tech-check/ice", techcheck::ice)
        .get("/tech-check/ws", techcheck::socket)
        .page("/sitemap.xml", site::sitemap)
        .page("/feed.xml", site::feed)
        .get("/robots.txt", site::robots)
        .get("/healthz", site::healthz)
        .get("/readyz", site::readyz)
        .get("/metrics", metrics::scrape)
        .get("/media/{file}", site::media)
        .get("/static/{file}", assets::serve)
        .page("/{slug}", site::page)
        // booking
        .get("/book", booking::page)
        .get("/book/confirmed", booking::confirmed)
        .get("/book/{slot}", booking::form)
        .post("/book/{slot}", booking::book)
        .get("/admin/calendar", calendar::calendar)
        .post("/admin/calendar/appointments", calendar::add_appointment)
        .post("/admin/calendar/blocks", calendar::block)
        .get("/admin/calendar/{id}", calendar::appointment)
        .post("/admin/calendar/{id}/cancel", calendar::cancel_appointment)
        .post("/admin/calendar/{id}/move", calendar::move_appointment)
        .post("/admin/calendar/{id}/guests", calendar::add_guest)
        .post("/admin/calendar/{id}/attendance", attendance::record)
        .post("/admin/calendar/feed", calendar::new_feed)
        .post("/admin/calendar/feed/remove", calendar::remove_feed)
        .get("/calendar/{file}", calendar::feed)
        .get("/admin/booking", calendar::settings)
        .post("/admin/booking", calendar::save_settings)
        .get("/booking/{token}", booking::manage)
        .post("/booking/{token}/cancel", booking::cancel)
        .get("/booking/{token}/move/{slot}", booking::move_form)
        .post("/booking/{token}/move/{slot}", booking::move_booking)
        // the video room
        .get("/rooms/{id}", rooms::page)
        .get("/rooms/{id}/ws", rooms::socket)
        // inquiries
        .get("/contact", inquiries::form)
        .post("/contact", inquiries::send)
        .get("/contact/thanks", inquiries::thanks)
        .get("/admin/inquiries", inquiries::inbox)
        .get("/admin/inquiries/{id}", inquiries::thread)
        .post("/admin/inquiries/{id}/reply", inquiries::reply)
        .post("/admin/inquiries/{id}/status", inquiries::set_status)
        .post("/admin/inquiries/{id}/invite", inquiries::invite)
        // accounts
        .get("/setup/{token}", accounts::setup_form)
        .post("/setup/{token}", accounts::setup)
        .get("/admin/signin", accounts::sign_in_form)
        .post("/admin/signin", accounts::sign_in)
        .post("/admin/signout", accounts::sign_out)
        .get("/admin/two-factor", accounts::two_factor_form)
        .post("/admin/two-factor", accounts::two_factor)
        .get("/admin/two-factor/setup", accounts::enrol_form)
        .post("/admin/two-factor/setup", accounts::enrol)
        // the therapist's day
        .get("/admin", day::page)
        .post("/admin/seen", day::seen)
        .post("/admin/master-key-copy", day::master_key_copy)
        .post("/admin/notices", day::save_notices)
        // portal (patients)
        .get("/signin", portal::sign_in_form)
        .post("/signin", portal::request_link)
        .get("/signin/{token}", portal::landing)
        .post("/signin/{token}", portal::use_link)
        .post("/portal/signout", portal::sign_out)
        .get("/portal", portal::home)
        .post("/portal/appointments/{id}/manage", portal::manage)
        .get("/portal/messages", portal::messages)
        .post_upload("/portal/messages", portal::send)
        .get("/portal/attachments/{id}", portal::attachment)
        .get("/portal/profile", portal::profile)
        .post("/portal/profile", portal::update_profile)
        .get("/portal/export", portal::export)
        .get("/portal/record/fhir", record::mine_fhir)
        .get("/portal/record/pdf", record::mine_pdf)
        .get("/portal/sessions", team::portal_sessions)
        .post("/portal/sessions/end-all", team::end_all)
        // passkeys
        .post("/passkeys/register/start", passkeys::register_start)
        .post("/passkeys/register/finish", passkeys::register_finish)
        .post("/passkeys/sign-in/start", passkeys::sign_in_start)
        .post("/passkeys/sign-in/finish", passkeys::sign_in_finish)
        .post(
            "/passkeys/second-factor/start",
            passkeys::second_factor_start,
        )
        .post(
            "/passkeys/second-factor/finish",
            passkeys::second_factor_finish,
        )
        // the agreement
        .get("/admin/agreement", agreements::editor)
        .post("/admin/agreement", agreements::save)
        .post("/admin/cases/{id}/agreement", agreements::send)
        .get("/admin/agreements/{id}/print", agreements::admin_print)
        .post(
            "/admin/agreements/{id}/countersign",
            agreements::countersign,
        )
        .get("/portal/agreements/{id}", agreements::read)
        .post("/portal/agreements/{id}", agreements::sign)
        .get("/portal/agreements/{id}/print", agreements::portal_print)
        // intake and measures
        .get("/portal/questionnaires/{id}", intake::form)
        .post("/portal/questionnaires/{id}", intake::save)
        .post("/portal/questionnaires/{id}/autosave", intake::autosave)
        .get("/admin/questionnaires", intake::admin::list)
        .get("/admin/questionnaires/{id}", intake::admin::editor)
        .post("/admin/questionnaires/{id}", intake::admin::save_edit)
        .post("/admin/questionnaires/{id}/copy", intake::admin::copy)
        .post("/admin/cases/{id}/questionnaires", intake::admin::send)
        .post("/admin/cases/{id}/attention", intake::admin::seen)
        .get("/admin/responses/{id}", intake::admin::response)
        .post("/admin/cases/{id}/measures/{key}", measures::schedule)
        .post("/admin/cases/{id}/measures/{key}/stop", measures::stop)
        .get("/portal/measures", measures::portal)
        // the first-session workspace and the board
        .get("/admin/cases/{id}/workspace", workspace::show)
        .post("/admin/cases/{id}/workspace", workspace::save)
        .post("/admin/cases/{id}/stage", workspace::move_case)
        // the path ahead, kept; ending well
        .get("/admin/cases/{id}/focus", focus::show)
        .post("/admin/cases/{id}/focus", focus::save)
        .post("/admin/cases/{id}/focus/review", focus::review)
        .get("/admin/cases/{id}/ending", ending::show)
        .post("/admin/cases/{id}/ending", ending::close)
        .post("/admin/cases/{id}/ending/plan", ending::plan)
        .post("/admin/cases/{id}/ending/withdraw", ending::withdraw)
        .get("/admin/cases/{id}/ending/print", ending::print)
        .get("/admin/board", workspace::board)
        // cases (the therapist's side)
        .get("/admin/patients", cases::patients)
        .post("/admin/patients", cases::invite)
        .get("/admin/cases/{id}", cases::case)
        .post_upload("/admin/cases/{id}", cases::send)
        .get("/admin/attachments/{id}", cases::attachment)
        .get("/admin/cases/{id}/record/fhir", record::case_fhir)
        .get("/admin/cases/{id}/record/pdf", record::case_pdf)
        // team and sessions
        .get("/admin/team", team::team)
        .post("/admin/team", team::invite)
        .get("/join/{token}", team::join_form)
        .post("/join/{token}", team::join)
        .get("/admin/sessions", team::admin_sessions)
        .post("/admin/sessions/end-all", team::end_all)
        // content
        .get("/admin/pages", content::list)
        .get("/admin/pages/new", content::new_form)
        .post("/admin/pages", content::create)
        .get("/admin/pages/{id}", content::edit_form)
        .post("/admin/pages/{id}", content::update)
        .post("/admin/pages/{id}/publish", content::publish)
        .post("/admin/pages/{id}/unpublish", content::unpublish)
        .post("/admin/pages/{id}/delete", content::delete)
        .get("/admin/images", content::images)
        .post("/admin/images", content::upload)
        // practice
        .get("/admin/practice", practice::form)
        .post("/admin/practice", practice::update)
        .get("/admin/notes/headings", notes::headings)
        .post("/admin/notes/headings", notes::save_headings)
        .get("/admin/notes/{id}", notes::show)
        .post("/admin/notes/{id}", notes::save)
        .post("/admin/notes/{id}/process", notes::save_process)
        .post("/admin/notes/{id}/addendum", notes::add_addendum)
        .get("/admin/absences", away::show)
        .post("/admin/absences", away::add)
        .post("/admin/absences/{id}/remove", away::remove)
        .get("/admin/cases/{id}/series", series::show)
        .post("/admin/cases/{id}/series", series::set)
        .post("/admin/cases/{id}/series/{series}/change", series::change)
        .post("/admin/cases/{id}/series/{series}/end", series::end)
        // billing
        .get("/admin/billing", billing::overview)
        .post("/admin/billing/run", billing::run)
        .get("/admin/billing/profile", billing::profile)
        .post("/admin/billing/profile", billing::save_profile)
        .post("/admin/billing/currency", billing::set_currency)
        .get("/admin/billing/invoices/{id}", invoices::invoice)
        .post("/admin/billing/invoices/{id}/lines", invoices::add_line)
        .post(
            "/admin/billing/invoices/{id}/lines/{line}",
            invoices::edit_line,
        )
        .post(
            "/admin/billing/invoices/{id}/lines/{line}/remove",
            invoices::remove_line,
        )
        .post(
            "/admin/billing/invoices/{id}/recipient",
            invoices::recipient,
        )
        .post("/admin/billing/invoices/{id}/issue", invoices::issue)
        .post("/admin/billing/invoices/{id}/discard", invoices::discard)
        .post("/admin/billing/invoices/{id}/payments", invoices::payment)
        .post("/admin/billing/invoices/{id}/credit", invoices::credit)
        .get("/admin/billing/invoices/{id}/pdf", invoices::pdf)
        .get("/admin/billing/invoices/{id}/superbill", claims::superbill)
        .get("/admin/billing/estimates/{id}", claims::estimate)
        .get("/admin/billing/receipts/{id}", invoices::receipt)
        .get("/admin/billing/export.csv", billing::export)
        .get("/admin/billing/statements", statements::statements)
        .post_upload("/admin/billing/statements", statements::import)
        .get("/admin/billing/statements/{id}", statements::statement)
        .post(
            "/admin/billing/credits/{id}/confirm",
            statements::confirm_credit,
        )
        .post(
            "/admin/billing/credits/{id}/dismiss",
            statements::dismiss_credit,
        )
        .get("/admin/cases/{id}/billing", billing::case_billing)
        .post("/admin/cases/{id}/billing", billing::save_terms)
        .post("/admin/cases/{id}/billing/new", billing::new_invoice)
        .post("/admin/cases/{id}/billing/claims", claims::save_claims)
        .post(
            "/admin/cases/{id}/billing/estimates",
            claims::issue_estimate,
        )
        .get("/portal/invoices", portal_invoices::portal)
        .get("/portal/invoices/{id}/pdf", portal_invoices::portal_pdf)
        .get("/portal/receipts/{id}", portal_invoices::portal_receipt)
        .get("/portal/invoices/{id}/superbill", claims::portal_superbill)
        .get("/portal/estimates/{id}", claims::portal_estimate)
        .post("/portal/invoices/{id}/pay", portal_invoices::pay)
        .post("/payments/stripe/webhook", portal_invoices::stripe_webhook)
        .post("/admin/practice/crisis", practice::save_line)
        .post("/admin/practice/crisis/remove", practice::remove_line)
        // retention and erasure
        .post("/admin/practice/retention", retention::save)
        .get("/admin/erasure", retention::due)
        .get("/admin/cases/{id}/erase", retention::confirm)
        .post("/admin/cases/{id}/erase", retention::erase)
        .post("/admin/cases/{id}/erase/hold", retention::hold)
        .get("/portal/erasure", retention::portal)
        .post("/portal/erasure", retention::ask)
        // mail
        .get("/admin/mailbox", mail::mailbox)
        .get("/admin/mailbox/{id}", mail::mail)
        .get("/admin/outbox", mail::outbox)
        .get("/admin/audit", mail::audit)
        // api
        .get("/api/v1/openapi.json", api::openapi)
        .get("/api/v1/articles", api::articles)
        .get("/api/v1/articles/{slug}", api::article)
        .post("/api/v1/messages", api::send_message)
        .get("/api/v1/slots", api::slots)
        .post("/api/v1/bookings", api::book);
    let router = t.router.fallback(site::not_found).with_state(state);
    (router, t.routes, t.cached)
}
