//! The published contract is the whole truth (issue 11): every route of the API is in
//! the OpenAPI document, and every answer an operation gives to the requests that reach
//! its error paths (no or the wrong credentials, unknown names, unreadable or oversized
//! bodies, bad parameters) is a status its documentation lists, with the documented error
//! body. (schemathesis, run by scripts/contract, fuzzes the same document much further.)

use crate::helpers::*;
use serde_json::{Value, json};

crate::both_databases!(
    every_api_route_is_documented_with_its_method,
    every_answer_is_a_documented_status_with_the_error_body,
);

/// One probe's request: method, path, headers, body (content type and bytes).
struct Probe {
    what: String,
    path: String,
    bearer: Option<String>,
    token: Option<String>,
    body: Option<(&'static str, Vec<u8>)>,
}

/// The OpenAPI document and its error codes.
async fn openapi(app: &TestApp) -> (Value, Vec<String>) {
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<String> =
        doc["components"]["schemas"]["ErrorBody"]["properties"]["error"]["enum"]
            .as_array()
            .expect("the error codes are an enum")
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
    assert!(codes.contains(&"active_booking_exists".to_string()));
    (doc, codes)
}

async fn every_api_route_is_documented_with_its_method(app: TestApp) {
    let (doc, _) = openapi(&app).await;
    for (method, path) in crate::access::routes() {
        if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
            continue;
        }
        let m = method.as_str().to_lowercase();
        assert!(
            doc["paths"][&path][&m].is_object(),
            "{method} {path} is served but not documented"
        );
    }
}

/// What the probes hold: a real booking (its code and token), a desk officer of another
/// office, an admin.
struct Credentials {
    code: String,
    token: String,
    stranger: String,
    admin: String,
}

/// The requests that reach an operation's error paths: no or the wrong credentials,
/// unknown or unreadable names, parameters that do not parse, bodies of the wrong type,
/// empty, unreadable or too large.
fn probes_of(path: &str, op: &Value, who: &Credentials) -> Vec<Probe> {
    let staff = path.starts_with("/api/v1/staff/") || path.starts_with("/api/v1/admin/");
    let own = path.starts_with("/api/v1/bookings/{code}");
    let real = |p: &str| {
        p.replace("{slug}", "ciruas")
            .replace("{code}", &who.code)
            .replace("{date}", "2026-12-01")
            .replace("{year}", "2026")
    };
    let mut probes = Vec::new();
    let base = |what: &str, path: String| Probe {
        what: what.to_string(),
        path,
        bearer: staff.then(|| who.admin.clone()),
        token: own.then(|| who.token.clone()),
        body: None,
    };
    let stranger = &who.stranger;
    // Credentials: none, another office's desk, and for the owner a wrong token.
    if staff {
        probes.push(Probe {
            bearer: None,
            ..base("no token", real(path))
        });
        probes.push(Probe {
            bearer: Some(stranger.clone()),
            ..base("another office's desk", real(path))
        });
    }
    if own {
        probes.push(Probe {
            token: None,
            ..base("no booking token", real(path))
        });
        probes.push(Probe {
            token: Some("not-the-token".into()),
            ..base("a wrong booking token", real(path))
        });
    }
    // Unknown or unreadable names in the path.
    if path.contains('{') {
        let unknown = path
            .replace("{slug}", "no-such-office")
            .replace("{code}", "ZZZZZZZZ")
            .replace("{date}", "2026-13-45")
            .replace("{year}", "1999");
        probes.push(base("unknown names in the path", unknown));
        let undecodable = path
            .replace("{slug}", "%ff")
            .replace("{code}", "%ff")
            .replace("{date}", "%ff")
            .replace("{year}", "%ff");
        probes.push(base("names in the path that are not UTF-8", undecodable));
    }
    // Parameters that do not parse.
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let query: Vec<String> = params
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| format!("{}=%00x", p["name"].as_str().unwrap()))
        .collect();
    if !query.is_empty() {
        probes.push(base(
            "bad query values",
            format!("{}?{}", real(path), query.join("&")),
        ));
    }
    // Bodies: of the wrong type, empty, unreadable, too large.
    if op["requestBody"].is_object() {
        let json = op["requestBody"]["content"]["application/json"].is_object();
        let mut with = |what: &str, body: (&'static str, Vec<u8>)| {
            probes.push(Probe {
                body: Some(body),
                ..base(what, real(path))
            });
        };
        with("a body of another type", ("text/plain", b"hello".to_vec()));
        with("an empty body", ("application/json", Vec::new()));
        with("unreadable JSON", ("application/json", b"{\"x\":".to_vec()));
        if json {
            with("an empty object", ("application/json", b"{}".to_vec()));
            with("a list", ("application/json", b"[1]".to_vec()));
        }
        with(
            "a 12 MB body",
            ("application/octet-stream", vec![b'x'; 12 << 20]),
        );
    }
    probes
}

/// Sends a probe; its status and body (none when the server ended the connection before
/// a refused body was all sent: no document describes that).
async fn send(app: &TestApp, method: &str, probe: Probe) -> Option<(String, String)> {
    let url = app.url(&probe.path);
    let mut req = app
        .client
        .request(method.to_uppercase().parse().unwrap(), &url);
    if let Some(b) = &probe.bearer {
        req = req.bearer_auth(b);
    }
    if let Some(t) = &probe.token {
        req = req.header("X-Booking-Token", t);
    }
    if let Some((kind, bytes)) = probe.body {
        req = req.header("Content-Type", kind).body(bytes);
    }
    let r = req.send().await.ok()?;
    let status = r.status().as_u16().to_string();
    Some((status, r.text().await.unwrap_or_default()))
}

async fn every_answer_is_a_documented_status_with_the_error_body(app: TestApp) {
    let (doc, codes) = openapi(&app).await;
    let booking = app
        .book_ok(&BookingForm::new(&wib(12, 1, 8, 0), &nik(1)))
        .await;
    assert_eq!(app.put_office("other", demo_office()).await.status(), 201);
    let who = Credentials {
        code: booking["code"].as_str().unwrap().to_string(),
        token: booking["token"].as_str().unwrap().to_string(),
        stranger: app
            .staff_token("desk-of-other", rekam::domain::Role::Desk, Some("other"))
            .await,
        admin: app.admin_token.clone(),
    };
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let documented: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
            for probe in probes_of(path, op, &who) {
                let what = probe.what.clone();
                let Some((status, body)) = send(&app, method, probe).await else {
                    continue;
                };
                assert!(
                    documented.contains(&&status),
                    "{} {path} with {what}: {status} is not documented ({documented:?}): {body}",
                    method.to_uppercase(),
                );
                if status.starts_with('4') {
                    let e: Value = serde_json::from_str(&body).unwrap_or_else(|_| {
                        panic!("{method} {path} with {what}: not the error body: {body}")
                    });
                    assert!(
                        codes.contains(&e["error"].as_str().unwrap_or_default().to_string())
                            && e.get("field").is_some()
                            && e["message"].is_string(),
                        "{method} {path} with {what}: {e}"
                    );
                    let schema = &op["responses"][&status]["content"]["application/json"]["schema"];
                    assert_eq!(schema["$ref"], json!("#/components/schemas/ErrorBody"));
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "only {checked} answers were checked");
}
