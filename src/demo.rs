//! `serve --demo`: a demo office modelled on a Kabupaten Serang branch office (UPT) and
//! one account per role, so a newcomer can try everything at once.

use crate::domain::{OfficeSlug, Role};
use crate::store::Store;
use chrono::{DateTime, Utc};

/// The demo office's slug.
pub const DEMO_OFFICE: &str = "ciruas";

pub use crate::domain::office::demo_office;

/// A demo login.
pub struct DemoLogin {
    pub role: Role,
    pub username: String,
    /// Password, or `None` when the account existed before this start.
    pub password: Option<String>,
    /// A fresh API token.
    pub token: String,
    /// The admin's second factor, set up for the demo: its secret (for an authenticator
    /// app) and one-time recovery codes, or `None` when it was set up before this start.
    pub second_factor: Option<(String, Vec<String>)>,
}

/// Loads the demo office (creating or refreshing it) and one account per role.
pub async fn load(store: &Store, now: DateTime<Utc>) -> anyhow::Result<Vec<DemoLogin>> {
    let slug = OfficeSlug::parse(DEMO_OFFICE).expect("valid slug");
    let spec = demo_office()
        .parse()
        .map_err(|e| anyhow::anyhow!("demo office: {e:?}"))?;
    store
        .put_office(&slug, &spec, &crate::domain::Actor::Demo, now, false)
        .await?;
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
            crate::usecases::accounts::add(store, username, &password, role, office, now).await?;
            Some(password)
        };
        let token = crate::usecases::accounts::issue_token(store, username, now).await?;
        // Admins sign in with a second factor: the demo's is set up, and printed.
        let member = store.staff_by_username(username).await?;
        let second_factor = if role == Role::Admin
            && store
                .staff_totp(member.id)
                .await?
                .is_none_or(|t| !t.enrolled)
        {
            let secret = crate::usecases::second_factor::new_totp_secret();
            let codes =
                crate::usecases::second_factor::enroll_with(store, username, &secret, now).await?;
            Some((secret, codes))
        } else {
            None
        };
        logins.push(DemoLogin {
            role,
            username: username.to_string(),
            password,
            token,
            second_factor,
        });
    }
    Ok(logins)
}
