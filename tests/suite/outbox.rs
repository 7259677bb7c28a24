//! Messages to applicants leave through the outbox: a real webhook receiver on a random
//! port gets one signed message per event, retries are exact, a receiver down for a day
//! sees the message marked failed, and three processes on one PostgreSQL deliver 200
//! messages without a duplicate.

use crate::helpers::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

pub(crate) const SECRET: &str = "a webhook secret of some length";

/// What the receiver saw: every request (delivery id, signature, body), and how many of
/// the first requests it refuses with a 500.
#[derive(Default)]
pub(crate) struct Inbox {
    pub(crate) seen: Vec<(String, String, String)>,
    refuse_first: usize,
}

/// A webhook receiver: a real HTTP server on a random port.
pub(crate) async fn receiver(refuse_first: usize) -> (String, Arc<Mutex<Inbox>>) {
    let inbox = Arc::new(Mutex::new(Inbox {
        refuse_first,
        ..Inbox::default()
    }));
    let shared = inbox.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let inbox = shared.clone();
            async move {
                let mut inbox = inbox.lock().unwrap();
                let header = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string()
                };
                inbox.seen.push((
                    header("x-rekam-delivery"),
                    header("x-rekam-signature"),
                    body,
                ));
                if inbox.seen.len() <= inbox.refuse_first {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, inbox)
}

/// Waits (real time, at most 20 s) until the receiver has seen `n` requests.
pub(crate) async fn wait_for(inbox: &Arc<Mutex<Inbox>>, n: usize) {
    for _ in 0..200 {
        if inbox.lock().unwrap().seen.len() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the receiver saw {} requests, not {n}",
        inbox.lock().unwrap().seen.len()
    );
}

/// Waits (real time, at most 20 s) until the message's `n`th attempt is recorded.
async fn attempts_recorded(app: &TestApp, n: usize) {
    for _ in 0..200 {
        let done = app
            .count("notifications WHERE lease_until IS NULL AND attempts >= 1")
            .await;
        let (attempts,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(attempts), 0) FROM notifications")
                .fetch_one(app.db().await)
                .await
                .unwrap();
        if done > 0 && attempts as usize >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("attempt {n} was not recorded");
}

fn verifies(signature: &str, body: &str) -> bool {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    signature == format!("sha256={hex}")
}

pub(crate) async fn app_with_receiver(
    db: Db,
    refuse_first: usize,
) -> Option<(TestApp, Arc<Mutex<Inbox>>)> {
    let (url, inbox) = receiver(refuse_first).await;
    let settings = rekam::config::Settings {
        notify_webhook_url: url,
        notify_webhook_secret: SECRET.to_string(),
        public_url: "https://rekam.example.go.id".to_string(),
        ..crate::helpers::test_settings()
    };
    Some((spawn_with(db, settings).await?, inbox))
}

crate::both_databases!(the_reminder_goes_out_once_at_four_the_day_before,);

/// A webhook without an absolute public URL would send useless relative links: the
/// server does not start.
#[tokio::test]
async fn a_webhook_needs_an_absolute_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    for public in ["", "notaurl"] {
        let settings = rekam::config::Settings {
            notify_webhook_url: "http://127.0.0.1:9/hook".to_string(),
            notify_webhook_secret: SECRET.to_string(),
            public_url: public.to_string(),
            ..crate::helpers::test_settings()
        };
        let built =
            rekam::Application::build("127.0.0.1:0", &url, settings, rekam::clock::Clock::system())
                .await;
        assert!(built.is_err(), "--public-url {public:?} is refused");
    }
}

/// One channel at a time, and an SMTP channel needs a URL and a sender that parse.
#[tokio::test]
async fn the_message_channel_is_checked_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let smtp = |url: &str, from: &str| rekam::config::Settings {
        smtp_url: url.to_string(),
        smtp_from: from.to_string(),
        public_url: "https://rekam.example.go.id".to_string(),
        ..crate::helpers::test_settings()
    };
    let from = "rekam <noreply@rekam.example.go.id>";
    for (settings, why) in [
        (
            rekam::config::Settings {
                notify_webhook_url: "http://127.0.0.1:9/hook".to_string(),
                notify_webhook_secret: SECRET.to_string(),
                ..smtp("smtp://127.0.0.1:25", from)
            },
            "a webhook and SMTP at once",
        ),
        (smtp("http://127.0.0.1:25", from), "not an SMTP URL"),
        (smtp("smtp://127.0.0.1:25", "not an address"), "no sender"),
    ] {
        let built =
            rekam::Application::build("127.0.0.1:0", &url, settings, rekam::clock::Clock::system())
                .await;
        assert!(built.is_err(), "refused: {why}");
    }
    let fine = rekam::Application::build(
        "127.0.0.1:0",
        &url,
        smtp("smtp://127.0.0.1:25", from),
        rekam::clock::Clock::system(),
    )
    .await;
    assert!(fine.is_ok(), "a plain SMTP relay with a sender starts");
}

/// Reminders: at 16:00 office time the day before, once per booking; none for a booking
/// made after 16:00 for the next morning.
async fn the_reminder_goes_out_once_at_four_the_day_before(app: TestApp) {
    let early = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)))
        .await;
    async fn count(app: &TestApp) -> i64 {
        app.count("notifications WHERE kind = 'reminder'").await
    }
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().into();
    app.set_and_sweep(at("2026-11-30T15:59:00+07:00")).await;
    assert_eq!(count(&app).await, 0, "not before 16:00");
    // Booked at 16:30 for the next morning: no reminder for it.
    app.set_and_sweep(at("2026-11-30T16:01:00+07:00")).await;
    assert_eq!(count(&app).await, 1, "at 16:00 the day before");
    let late = app
        .book_ok(&BookingForm::new(&wib(12, 1, 9, 0), &nik(2)))
        .await;
    app.set_and_sweep(at("2026-11-30T17:00:00+07:00")).await;
    app.set_and_sweep(at("2026-11-30T20:00:00+07:00")).await;
    assert_eq!(count(&app).await, 1, "once, and none for the late booking");
    let (code,): (String,) = sqlx::query_as(
        "SELECT b.code FROM notifications n JOIN bookings b ON b.id = n.booking_id \
         WHERE n.kind = 'reminder'",
    )
    .fetch_one(app.db().await)
    .await
    .unwrap();
    assert_eq!(code, early["code"].as_str().unwrap());
    assert_ne!(code, late["code"].as_str().unwrap());
}

crate::both_databases!(setup = |db| super::app_with_receiver(db, 0); each_event_is_one_signed_message);
crate::both_databases!(setup = |db| super::app_with_receiver(db, 3); a_receiver_failing_three_times_gets_the_message_once_more);
crate::both_databases!(setup = |db| super::app_with_receiver(db, 1_000); a_receiver_down_for_a_day_sees_the_message_marked_failed);

async fn each_event_is_one_signed_message((app, inbox): (TestApp, Arc<Mutex<Inbox>>)) {
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)).set("name", "Budi Santoso"))
        .await;
    let code = b["code"].as_str().unwrap();
    wait_for(&inbox, 1).await;
    let (id, signature, body) = inbox.lock().unwrap().seen[0].clone();
    assert!(verifies(&signature, &body), "the signature verifies");
    let m: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(m["id"], id, "X-Rekam-Delivery is the message's id");
    assert_eq!(m["kind"], "booking_confirmed");
    assert_eq!(m["booking_code"], code);
    assert_eq!(m["to"]["phone"], "+6281234567890");
    assert_eq!(m["language"], "id");
    assert!(m["created_at"].as_str().unwrap().ends_with('Z'));
    let text = m["text"].as_str().unwrap();
    let link = format!(
        "https://rekam.example.go.id/b/{code}?t={}",
        b["token"].as_str().unwrap()
    );
    assert!(text.contains(&link), "the manage link: {text}");
    // The sender is named (`--sender-name`), and what to bring is said.
    assert!(text.starts_with("DISDUKCAPIL: "), "{text}");
    assert!(
        text.contains("KK asli") && text.contains("Datang sendiri"),
        "{text}"
    );
    assert!(text.contains("Selasa") || text.contains("Sel"), "{text}");
    // The link's token is not kept once delivered.
    let (secrets,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE secret IS NOT NULL")
            .fetch_one(app.db().await)
            .await
            .unwrap();
    assert_eq!(secrets, 0);
    // A rejected certificate is one more message, without a token in its link.
    let desk = app
        .staff_token("loket-o", rekam::domain::Role::Desk, Some("ciruas"))
        .await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/staff/bookings/{code}/certificate-review")))
        .bearer_auth(&desk)
        .json(&json!({"decision": "rejected", "reason": "tidak terbaca"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    wait_for(&inbox, 2).await;
    let (_, signature, body) = inbox.lock().unwrap().seen[1].clone();
    assert!(verifies(&signature, &body));
    let m: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(m["kind"], "certificate_rejected");
    let text = m["text"].as_str().unwrap();
    assert!(
        text.contains("tidak terbaca") && text.contains(&format!("/find?code={code}")),
        "{text}"
    );
    // Nothing more arrives.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(inbox.lock().unwrap().seen.len(), 2);
}

async fn a_receiver_failing_three_times_gets_the_message_once_more(
    (app, inbox): (TestApp, Arc<Mutex<Inbox>>),
) {
    app.book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(2)))
        .await;
    wait_for(&inbox, 1).await;
    // Retries wait 30 s, 1 min, 2 min (clock time). Before the clock moves on, the failed
    // attempt must be recorded (its next time is reckoned from the clock then).
    for (n, wait) in [(2, 31), (3, 61), (4, 121)] {
        attempts_recorded(&app, n - 1).await;
        app.advance_and_sweep(chrono::Duration::seconds(wait)).await;
        wait_for(&inbox, n).await;
    }
    // Much later: nothing more.
    app.advance_and_sweep(chrono::Duration::hours(3)).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let seen = inbox.lock().unwrap().seen.clone();
    assert_eq!(seen.len(), 4, "three refusals, then one delivery");
    let ids: BTreeSet<&String> = seen.iter().map(|s| &s.0).collect();
    assert_eq!(ids.len(), 1, "the same message each time");
    let (sent, attempts): (Option<i64>, i64) =
        sqlx::query_as("SELECT sent_at, attempts FROM notifications")
            .fetch_one(app.db().await)
            .await
            .unwrap();
    assert!(sent.is_some());
    assert_eq!(attempts, 4);
}

async fn a_receiver_down_for_a_day_sees_the_message_marked_failed(
    (app, inbox): (TestApp, Arc<Mutex<Inbox>>),
) {
    let b = app
        .book_ok(&BookingForm::new(&wib(12, 2, 8, 0), &nik(3)))
        .await;
    wait_for(&inbox, 1).await;
    attempts_recorded(&app, 1).await;
    app.advance_and_sweep(chrono::Duration::hours(25)).await;
    wait_for(&inbox, 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (failed, secret): (Option<i64>, Option<String>) =
        sqlx::query_as("SELECT failed_at, secret FROM notifications")
            .fetch_one(app.db().await)
            .await
            .unwrap();
    assert!(failed.is_some(), "given up after a day");
    assert!(secret.is_none(), "and the link's token dropped");
    // Supervisors see it.
    let sup = app
        .staff_token("kasi-o", rekam::domain::Role::Supervisor, Some("ciruas"))
        .await;
    let list: Value = app
        .staff_json("/api/v1/staff/offices/ciruas/failed-messages", &sup)
        .await;
    assert_eq!(list[0]["booking_code"], b["code"]);
    assert_eq!(list[0]["kind"], "booking_confirmed");
    // With how to reach the applicant another way, and why, readable.
    assert_eq!(list[0]["applicant"]["phone"], "+6281234567890");
    let why = list[0]["reason"].as_str().unwrap();
    assert!(why.contains("HTTP") && !why.contains("answered"), "{why}");
    // And on their plan page.
    // (Behind its public URL, the server takes staff forms from that origin.)
    let login = app
        .client
        .post(app.url("/staff/login"))
        .header("Origin", "https://rekam.example.go.id")
        .form(&[("username", "kasi-o"), ("password", "a long test password")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = app
        .client
        .get(app.url("/staff/offices/ciruas"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("failed-messages") && page.contains(b["code"].as_str().unwrap()),
        "{page}"
    );
    let listed = &page[page.find("id=\"failed-list\"").expect("the list")..];
    assert!(
        listed.contains("+6281234567890") && listed.contains("menolak pesannya"),
        "{listed}"
    );
    // No more attempts.
    app.advance_and_sweep(chrono::Duration::hours(2)).await;
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    assert_eq!(inbox.lock().unwrap().seen.len(), 2);
}

/// Three servers on one PostgreSQL database share the outbox: 200 bookings, 200
/// messages, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_deliver_two_hundred_messages_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = database_url(Db::Postgres, &dir).await else {
        return;
    };
    let (hook, inbox) = receiver(0).await;
    let args = [
        "--notify-webhook-url",
        hook.as_str(),
        "--notify-webhook-secret",
        SECRET,
        "--public-url",
        "https://rekam.example.go.id",
    ];
    let servers: Vec<Server> = (0..3).map(|_| Server::start(&url, &args)).collect();
    let token = crate::multiprocess::cli_admin(&url);
    let client = reqwest::Client::new();
    let mut office = demo_office();
    office["recording_sets"] = json!(30);
    office["waiting_room_seats"] = json!(100);
    for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        office["hours"][d] = json!(["07:00", "17:00"]);
    }
    let r = client
        .put(format!("{}/api/v1/admin/offices/ciruas", servers[0].base))
        .bearer_auth(&token)
        .json(&office)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let slots = crate::multiprocess::open_slots(&client, &servers[1].base).await;
    let issued = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let mut sent = tokio::task::JoinSet::new();
    for i in 0..200u32 {
        let base = servers[i as usize % 3].base.clone();
        let form = BookingForm::new(&slots[i as usize % slots.len()], &nik(1 + i))
            .set("certificate_issued_at", &issued);
        let client = client.clone();
        sent.spawn(async move {
            client
                .post(format!("{base}/api/v1/bookings"))
                .multipart(form.multipart())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut created = 0;
    while let Some(status) = sent.join_next().await {
        if status.unwrap() == 201 {
            created += 1;
        }
    }
    assert_eq!(created, 200);
    for _ in 0..600 {
        if inbox.lock().unwrap().seen.len() >= 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let seen = inbox.lock().unwrap().seen.clone();
    let ids: BTreeSet<&String> = seen.iter().map(|s| &s.0).collect();
    assert_eq!(ids.len(), 200, "every message arrived");
    assert_eq!(seen.len(), 200, "none twice");
    drop(servers);
}

/// A tiny SMTP server on a random port: accepts every message, keeping its recipients
/// and data.
async fn smtp_receiver() -> (String, Arc<Mutex<Vec<(Vec<String>, String)>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let mails = Arc::new(Mutex::new(Vec::new()));
    let shared = mails.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let mails = shared.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut to = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.to_ascii_uppercase();
                    let reply: &[u8] = if verb.starts_with("EHLO") {
                        b"250-test\r\n250 8BITMIME\r\n"
                    } else if let Some(rcpt) = verb.strip_prefix("RCPT TO:") {
                        to.push(rcpt.trim().trim_matches(['<', '>']).to_lowercase());
                        b"250 OK\r\n"
                    } else if verb.starts_with("DATA") {
                        write.write_all(b"354 go on\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        mails.lock().unwrap().push((std::mem::take(&mut to), data));
                        b"250 queued\r\n"
                    } else if verb.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (url, mails)
}

crate::both_databases!(engine; the_smtp_channel_mails_those_who_gave_an_address);

/// With `--smtp-url`, the confirmation goes by e-mail to an applicant who gave an
/// address (with the manage link); one who gave none gets nothing, and the message is
/// not retried for ever.
async fn the_smtp_channel_mails_those_who_gave_an_address(db: Db) {
    let (smtp, mails) = smtp_receiver().await;
    let settings = rekam::config::Settings {
        smtp_url: smtp,
        smtp_from: "rekam <noreply@rekam.example.go.id>".to_string(),
        public_url: "https://rekam.example.go.id".to_string(),
        ..crate::helpers::test_settings()
    };
    let Some(mailing) = spawn_with(db, settings).await else {
        return;
    };
    let with = mailing
        .book_ok(
            &BookingForm::new(&wib(12, 1, 8, 0), &nik(1)).set("email", "Siti.Aminah@example.com"),
        )
        .await;
    mailing
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(2)))
        .await;
    for _ in 0..200 {
        if mailing
            .count("notifications WHERE sent_at IS NOT NULL")
            .await
            == 2
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        mailing
            .count("notifications WHERE sent_at IS NOT NULL")
            .await,
        2
    );
    let mails = mails.lock().unwrap().clone();
    assert_eq!(
        mails.len(),
        1,
        "one e-mail: only one applicant gave an address"
    );
    let (to, data) = &mails[0];
    assert_eq!(to, &vec!["siti.aminah@example.com".to_string()]);
    let code = with["code"].as_str().unwrap();
    assert!(
        data.contains("From: rekam <noreply@rekam.example.go.id>"),
        "{data}"
    );
    assert!(data.contains(&format!("Subject: rekam {code}")), "{data}");
    let link = format!(
        "https://rekam.example.go.id/b/{code}?t={}",
        with["token"].as_str().unwrap()
    );
    // The body is quoted-printable: soft line breaks and `=XX` escapes.
    let joined = data.split_once("\n\n").unwrap().1.replace("=\n", "");
    let mut body = String::new();
    let mut rest = joined.as_str();
    while let Some(i) = rest.find('=') {
        body.push_str(&rest[..i]);
        let byte = u8::from_str_radix(&rest[i + 1..i + 3], 16).unwrap();
        body.push(char::from(byte));
        rest = &rest[i + 3..];
    }
    body.push_str(rest);
    assert!(body.contains(&link), "the manage link: {body}");
}
