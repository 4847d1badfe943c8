//! No double booking, by the database's own constraint: 200 concurrent requests for one slot
//! make exactly one appointment, on SQLite and on PostgreSQL.

use domain::account::Role;
use domain::booking::{AppointmentType, Rules, Weekly};
use jiff::civil::{Time, Weekday};
use jiff::{SignedDuration, Timestamp};
use store::booking::{self, NewAppointment};
use store::{both_backends, users, Db, StoreError, StoreResult};

fn now() -> Timestamp {
    "2027-03-01T09:00:00Z".parse().unwrap()
}

fn consultation() -> AppointmentType {
    AppointmentType {
        key: "first".into(),
        name: "First consultation".into(),
        minutes: 50,
        buffer_minutes: 10,
        price_cents: None,
        open_to_visitors: true,
    }
}

/// Books in a transaction of its own, as one use-case would.
async fn book(db: &Db, a: NewAppointment<'_>) -> StoreResult<String> {
    let mut tx = db.begin().await?;
    let id = booking::book(&mut tx, a, now()).await?;
    tx.commit().await?;
    Ok(id)
}

both_backends!(two_hundred_requests_for_one_slot_make_one_booking, |db| {
    let therapist = users::create(
        &mut db.conn().await.unwrap(),
        users::NewUser {
            role: Role::Therapist,
            email: "t@example.org",
            name: "T",
            time_zone: "Europe/Athens",
            password_hash: None,
        },
        now(),
    )
    .await
    .unwrap();
    let start: Timestamp = "2027-03-15T07:00:00Z".parse().unwrap();
    let mut tasks = Vec::new();
    for n in 0..200 {
        let db = db.clone();
        let therapist = therapist.id.clone();
        // Half of them ask for a slot that overlaps by 20 minutes instead of the same start.
        let at = if n % 2 == 0 {
            start
        } else {
            start + SignedDuration::from_mins(20)
        };
        tasks.push(tokio::spawn(async move {
            let kind = consultation();
            book(
                &db,
                NewAppointment {
                    therapist: &therapist,
                    case: None,
                    kind: &kind,
                    start: at,
                    override_clash: false,
                },
            )
            .await
        }));
    }
    let mut booked = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => booked += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("a request failed other than by the constraint: {e}"),
        }
    }
    assert_eq!(booked, 1);
    assert_eq!(
        booking::count_booked(&mut db.conn().await.unwrap(), &therapist.id)
            .await
            .unwrap(),
        1
    );

    // Right after the winner's hour (whichever of the two starts won) is free; the therapist may
    // override a clash knowingly.
    let kind = consultation();
    let winner_end = booking::busy(
        &mut db.conn().await.unwrap(),
        &therapist.id,
        start,
        start + SignedDuration::from_hours(3),
    )
    .await
    .unwrap()[0]
        .end;
    book(
        &db,
        NewAppointment {
            therapist: &therapist.id,
            case: None,
            kind: &kind,
            start: winner_end,
            override_clash: false,
        },
    )
    .await
    .unwrap();
    book(
        &db,
        NewAppointment {
            therapist: &therapist.id,
            case: None,
            kind: &kind,
            start,
            override_clash: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        booking::count_booked(&mut db.conn().await.unwrap(), &therapist.id)
            .await
            .unwrap(),
        3
    );
});

both_backends!(
    a_cancelled_time_is_free_again_and_availability_round_trips,
    |db| {
        let therapist = users::create(
            &mut db.conn().await.unwrap(),
            users::NewUser {
                role: Role::Therapist,
                email: "t@example.org",
                name: "T",
                time_zone: "Europe/Athens",
                password_hash: None,
            },
            now(),
        )
        .await
        .unwrap();
        let weekly = vec![Weekly {
            weekday: Weekday::Monday,
            start: Time::constant(9, 0, 0, 0),
            end: Time::constant(13, 0, 0, 0),
        }];
        let rules = Rules {
            notice: SignedDuration::from_hours(24),
            horizon_days: 56,
            daily_cap: Some(3),
        };
        let mut tx = db.begin().await.unwrap();
        booking::set_availability(
            &mut tx,
            &therapist.id,
            &weekly,
            &[consultation()],
            &rules,
            SignedDuration::from_hours(48),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let hours = booking::availability(&mut db.conn().await.unwrap(), &therapist.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (hours.weekly, hours.types, hours.rules),
            (weekly, vec![consultation()], rules)
        );

        let start: Timestamp = "2027-03-15T07:00:00Z".parse().unwrap();
        let kind = consultation();
        let first = book(
            &db,
            NewAppointment {
                therapist: &therapist.id,
                case: None,
                kind: &kind,
                start,
                override_clash: false,
            },
        )
        .await
        .unwrap();
        let busy = booking::busy(
            &mut db.conn().await.unwrap(),
            &therapist.id,
            start - SignedDuration::from_hours(1),
            start + SignedDuration::from_hours(2),
        )
        .await
        .unwrap();
        assert_eq!(busy.len(), 1);
        assert_eq!(
            busy[0].end,
            start + SignedDuration::from_mins(60),
            "the buffer is held too"
        );
        assert!(matches!(
            book(
                &db,
                NewAppointment {
                    therapist: &therapist.id,
                    case: None,
                    kind: &kind,
                    start,
                    override_clash: false
                },
            )
            .await,
            Err(StoreError::Conflict)
        ));
        let mut c = db.conn().await.unwrap();
        booking::cancel(&mut c, &first, false, now()).await.unwrap();
        assert!(
            matches!(
                booking::cancel(&mut c, &first, false, now()).await,
                Err(StoreError::NotFound)
            ),
            "cancelled once"
        );
        book(
            &db,
            NewAppointment {
                therapist: &therapist.id,
                case: None,
                kind: &kind,
                start,
                override_clash: false,
            },
        )
        .await
        .unwrap();
    }
);
