//! The access walk (issue 9): every route the router serves, listed from the router's
//! own definitions in `src/web`, tried without a session or token, with a desk account
//! of another office, with a desk account on admin routes, and as a form post without
//! the same-origin proof.

use crate::both_databases;
use crate::helpers::*;
use crate::security::log_in;
use reqwest::Method;

both_databases!(every_staff_route_refuses_who_may_not_use_it,);

/// `(method, path)` of every route in `src/web`, read from its `.route("…", get(…).post(…))`
/// calls.
pub(crate) fn routes() -> Vec<(Method, String)> {
    let mut files = Vec::new();
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web")];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|e| e == "rs") {
            files.push(std::fs::read_to_string(&p).unwrap());
        }
    }
    let mut out = Vec::new();
    for text in files {
        for (i, _) in text.match_indices(".route(") {
            let rest = &text[i + 7..];
            let Some(q) = rest.find('"') else { continue };
            let path: String = rest[q + 1..].chars().take_while(|c| *c != '"').collect();
            // The handler part: up to the closing parenthesis of `.route(`.
            let mut depth = 1;
            let mut end = 0;
            for (j, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let handlers = &rest[q + 1 + path.len()..end];
            for (name, method) in [
                ("get(", Method::GET),
                ("post(", Method::POST),
                ("put(", Method::PUT),
                ("delete(", Method::DELETE),
            ] {
                let called = handlers.match_indices(name).any(|(k, _)| {
                    k == 0 || !handlers[..k].ends_with(|c: char| c == '_' || c.is_alphanumeric())
                });
                if called {
                    out.push((method, path.clone()));
                }
            }
        }
    }
    out.sort_by_key(|(m, p)| (p.clone(), m.to_string()));
    out.dedup();
    out
}

fn fill(path: &str, code: &str) -> String {
    path.replace("{slug}", "serang")
        .replace("{code}", code)
        .replace("{date}", "2026-11-30")
        .replace("{year}", "2027")
        .replace("{username}", "someone")
        .replace("{lang}", "en")
}

async fn every_staff_route_refuses_who_may_not_use_it(app: TestApp) {
    let routes = routes();
    assert!(
        routes.len() > 50,
        "the router lists {} routes",
        routes.len()
    );
    for known in [
        "/api/v1/staff/bookings/{code}/check-in",
        "/staff/accounts",
        "/staff/audit",
    ] {
        assert!(routes.iter().any(|(_, p)| p == known), "{known} not found");
    }
    // Office B with a booking; a desk account of office A.
    assert_eq!(app.put_office("serang", demo_office()).await.status(), 201);
    let mut form = BookingForm::new(&wib(12, 1, 8, 0), &nik(1));
    form.fields.insert("office", Some("serang".to_string()));
    let b = app.book_ok(&form).await;
    let code = b["code"].as_str().unwrap().to_string();
    let desk_a = app
        .staff_token("loket-a", rekam::domain::Role::Desk, Some("ciruas"))
        .await;
    let (_, desk_cookie) = log_in(&app, "loket-a").await;
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut walked = 0;
    for (method, path) in &routes {
        let url = app.url(&fill(path, &code));
        let staff_api = path.starts_with("/api/v1/staff/") || path.starts_with("/api/v1/admin/");
        let staff_page =
            path.starts_with("/staff") && path != "/staff/login" && path != "/staff/logout";
        if !staff_api && !staff_page {
            continue;
        }
        walked += 1;
        // Nobody: 401 for the API, the sign-in page for pages.
        let r = bare
            .request(method.clone(), &url)
            .header("Origin", &app.base)
            .send()
            .await
            .unwrap();
        if staff_api {
            assert_eq!(r.status(), 401, "{method} {path} without a token");
        } else {
            assert!(
                r.status().is_redirection(),
                "{method} {path} without a session: {}",
                r.status()
            );
            assert_eq!(r.headers()["location"], "/staff/login", "{method} {path}");
        }
        // A desk officer of office A: office B's routes and admin routes are refused.
        let admin_only = path.starts_with("/api/v1/admin/")
            || path == "/staff/accounts"
            || path.starts_with("/staff/accounts/")
            || path.starts_with("/staff/audit")
            || path == "/api/v1/staff/audit"
            || (path == "/staff/rules" && *method == Method::POST)
            || path == "/staff/holidays"
            || (path.starts_with("/api/v1/staff/level-rules") && *method == Method::PUT)
            || (path.starts_with("/api/v1/staff/holidays") && *method == Method::PUT);
        let of_b = path.contains("{slug}") || path.contains("{code}");
        let r = if staff_api {
            bare.request(method.clone(), &url)
                .bearer_auth(&desk_a)
                .header("Content-Type", "application/json")
                .body("{}")
        } else {
            bare.request(method.clone(), &url)
                .header("Cookie", &desk_cookie)
                .header("Origin", &app.base)
                .form(&[("reason", "x"), ("action", "apply")])
        }
        .send()
        .await
        .unwrap();
        if admin_only || of_b {
            assert!(
                matches!(r.status().as_u16(), 403 | 404),
                "{method} {path} as a desk officer of another office: {}",
                r.status()
            );
        }
        // A form post without the same-origin proof (no Origin, no Referer).
        if staff_page && *method == Method::POST {
            let r = bare
                .post(&url)
                .header("Cookie", &desk_cookie)
                .form(&[("x", "y")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{method} {path} without Origin");
        }
    }
    assert!(walked > 30, "walked {walked} staff routes");
    // Nothing of office B changed, and nobody read its certificate.
    let (views,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'certificate.view'")
            .fetch_one(app.db().await)
            .await
            .unwrap();
    assert_eq!(views, 0);
    let mine: serde_json::Value = app
        .get_booking(&code, b["token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["status"], "confirmed");
    // A disabled account's session and token stop at once.
    app.store
        .change_staff(
            "loket-a",
            &rekam::store::StaffChange::Disabled(true),
            &rekam::domain::Actor::Cli,
            app.clock.now(),
        )
        .await
        .unwrap();
    let r = bare
        .get(app.url("/staff/offices/ciruas/desk"))
        .header("Cookie", &desk_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/staff/login");
    let r = bare
        .get(app.url("/api/v1/staff/offices/ciruas/days/2026-11-30/bookings"))
        .bearer_auth(&desk_a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
