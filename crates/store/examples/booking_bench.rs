//! Booking's benchmark (run by bench/booking.sh): slot computation over an eight-week horizon,
//! and bookings per second over distinct slots on SQLite next to a plain insert loop into the
//! same database, in the same run. Prints ratios against those anchors.

use domain::booking::{open_slots, AppointmentType, Availability, Busy, Rules, Weekly};
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::time::Instant;
use store::booking::{self, NewAppointment};

fn availability() -> Availability {
    let mut weekly = Vec::new();
    for day in [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
    ] {
        weekly.push(Weekly {
            weekday: day,
            start: Time::constant(9, 0, 0, 0),
            end: Time::constant(13, 0, 0, 0),
        });
        weekly.push(Weekly {
            weekday: day,
            start: Time::constant(14, 0, 0, 0),
            end: Time::constant(18, 0, 0, 0),
        });
    }
    Availability {
        zone: TimeZone::get("Europe/Berlin").unwrap(),
        weekly,
        exceptions: Vec::new(),
        rules: Rules {
            notice: SignedDuration::from_hours(24),
            horizon_days: 56,
            daily_cap: Some(6),
        },
    }
}

fn kind() -> AppointmentType {
    AppointmentType {
        key: "first".into(),
        name: "First consultation".into(),
        minutes: 50,
        buffer_minutes: 10,
        price_cents: None,
        open_to_visitors: true,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let now: Timestamp = "2027-03-01T06:00:00Z".parse().unwrap();
    let av = availability();
    let kind = kind();
    // A busy calendar: every third slot taken.
    let all = open_slots(&av, &kind, &[], now);
    let busy: Vec<Busy> = all
        .iter()
        .step_by(3)
        .map(|s| Busy {
            start: s.start,
            end: s.start + kind.occupies(),
            is_appointment: true,
        })
        .collect();

    // Slot computation, next to the simplest enumeration of the same horizon (every hour, no rules).
    let rounds = 300;
    let started = Instant::now();
    let mut offered = 0;
    for _ in 0..rounds {
        offered = std::hint::black_box(open_slots(&av, &kind, &busy, now)).len();
    }
    let slots_time = started.elapsed() / rounds;
    let started = Instant::now();
    for _ in 0..rounds {
        let hours: Vec<Timestamp> = (0..56 * 24)
            .map(|h| now + SignedDuration::from_hours(h))
            .collect();
        std::hint::black_box(hours);
    }
    let naive_time = started.elapsed() / rounds;
    println!(
        "slot computation, 8-week horizon ({} busy, {offered} offered): {:.1} µs per run; an hour-by-hour enumeration of the same horizon: {:.1} µs; ratio {:.1}x",
        busy.len(),
        slots_time.as_secs_f64() * 1e6,
        naive_time.as_secs_f64() * 1e6,
        slots_time.as_secs_f64() / naive_time.as_secs_f64()
    );

    // Bookings per second over distinct slots, and a plain insert loop in the same database.
    let config = store::testing::fresh_config(store::Backend::Sqlite)
        .await
        .unwrap();
    let db = store::Db::open(&config, vec![store::MasterKey::generate()])
        .await
        .unwrap();
    let therapist = store::users::create(
        &mut db.conn().await.unwrap(),
        store::users::NewUser {
            role: domain::account::Role::Therapist,
            email: "bench@example.org",
            name: "Bench",
            time_zone: "Europe/Berlin",
            password_hash: None,
        },
        now,
    )
    .await
    .unwrap();
    let n = 2_000i64;
    let started = Instant::now();
    for i in 0..n {
        let start = now + SignedDuration::from_hours(i);
        let mut tx = db.begin().await.unwrap();
        booking::book(
            &mut tx,
            NewAppointment {
                therapist: &therapist.id,
                case: None,
                kind: &kind,
                start,
                override_clash: false,
            },
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let booking_rate = n as f64 / started.elapsed().as_secs_f64();
    store::testing::raw_exec(
        &db,
        "CREATE TABLE bench_plain (id TEXT PRIMARY KEY, at BIGINT NOT NULL)",
    )
    .await;
    let started = Instant::now();
    for i in 0..n {
        store::testing::raw_exec(
            &db,
            &format!(
                "INSERT INTO bench_plain (id, at) VALUES ('{}', {i})",
                store::new_id()
            ),
        )
        .await;
    }
    let plain_rate = n as f64 / started.elapsed().as_secs_f64();
    println!(
        "bookings over {n} distinct slots on SQLite: {booking_rate:.0}/s; plain single-row inserts into the same database: {plain_rate:.0}/s; ratio {:.2} (budget: >= 1000 bookings/s)",
        booking_rate / plain_rate
    );
    db.close().await;
}
