//! `serve --demo`: a demo office modelled on a Kabupaten Serang branch office (UPT) and
//! one account per role, so a newcomer can try everything at once.

use crate::domain::office::OfficeInput;
use crate::domain::{OfficeSlug, Role};
use crate::store::Store;
use chrono::{DateTime, Utc};

/// The demo office's slug.
pub const DEMO_OFFICE: &str = "ciruas";

/// The demo office: 2 recording sets, 10 minutes per recording, 10 waiting-room seats,
/// Monday–Thursday 08:00–15:00, Friday 08:00–11:00 WIB.
pub fn demo_office() -> OfficeInput {
    serde_json::from_value(serde_json::json!({
        "name": "UPT Disdukcapil Ciruas (demo)",
        "timezone": "Asia/Jakarta",
        "address": "Jl. Raya Serang km 8, Ciruas, Kabupaten Serang, Banten",
        "recording_sets": 2,
        "minutes_per_recording": 10,
        "waiting_room_seats": 10,
        "slot_minutes": 30,
        "max_visitors_per_day": null,
        "booking_horizon_days": 14,
        "hours": {"mon": ["08:00", "15:00"], "tue": ["08:00", "15:00"], "wed": ["08:00", "15:00"],
                  "thu": ["08:00", "15:00"], "fri": ["08:00", "11:00"]}
    }))
    .expect("demo office is valid JSON")
}

/// A demo login.
pub struct DemoLogin {
    /// Role.
    pub role: Role,
    /// Username.
    pub username: String,
    /// Password, or `None` when the account existed before this start.
    pub password: Option<String>,
    /// A fresh API token.
    pub token: String,
}

/// Loads the demo office (creating or refreshing it) and one account per role.
pub async fn load(store: &Store, now: DateTime<Utc>) -> anyhow::Result<Vec<DemoLogin>> {
    let slug = OfficeSlug::parse(DEMO_OFFICE).expect("valid slug");
    let spec = demo_office()
        .parse()
        .map_err(|e| anyhow::anyhow!("demo office: {e:?}"))?;
    store.put_office(&slug, &spec, "demo", now, false).await?;
    let mut logins = Vec::new();
    for (role, username) in [
        (Role::Admin, "demo-admin"),
        (Role::Supervisor, "demo-supervisor"),
        (Role::Desk, "demo-desk"),
    ] {
        let password = if store.staff_by_username(username).await.is_ok() {
            None
        } else {
            let password = crate::domain::code::new_secret()[..16].to_string();
            let office = (role != Role::Admin).then_some(DEMO_OFFICE);
            crate::staff::add(store, username, &password, role, office, now).await?;
            Some(password)
        };
        let token = crate::staff::issue_token(store, username, now).await?;
        logins.push(DemoLogin {
            role,
            username: username.to_string(),
            password,
            token,
        });
    }
    Ok(logins)
}
