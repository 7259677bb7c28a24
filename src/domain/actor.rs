//! Who does something. Every change is made by an actor, and the audit log names it
//! (`applicant`, `staff:<username>`, `system`, `cli`); staff accounts are named by a
//! [`Username`] and signed in with a [`Password`].

use super::Role;

/// Who makes a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The applicant, holding their booking's code and token.
    Applicant,
    /// A staff member, signed in.
    Staff {
        /// Account row id.
        id: i64,
        /// Login name.
        username: Username,
        role: Role,
        /// The office of a desk officer or supervisor; admins have none.
        office_id: Option<i64>,
    },
    /// The server itself: a periodic job (no-shows, lapsed offers, retention).
    System,
    /// Whoever runs `rekam` on the server's machine (they hold the database).
    Cli,
    /// The demo's set-up (`serve --demo`).
    Demo,
    /// Someone not signed in who tried to (a failed login).
    Anonymous,
}

impl Actor {
    /// How the audit log (and every `…_by` column) names the actor.
    pub fn audit_name(&self) -> String {
        match self {
            Self::Applicant => "applicant".to_string(),
            Self::Staff { username, .. } => format!("staff:{}", username.as_str()),
            Self::System => "system".to_string(),
            Self::Cli => "cli".to_string(),
            Self::Demo => "demo".to_string(),
            Self::Anonymous => "anonymous".to_string(),
        }
    }

    /// Is this the staff member signed in as `username`?
    pub fn is_staff(&self, name: &Username) -> bool {
        matches!(self, Self::Staff { username, .. } if username == name)
    }
}

/// A staff account's login name: 3–40 letters, digits, '.', '_' or '-'.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    /// The name as typed, if it is one.
    pub fn parse(typed: &str) -> Option<Self> {
        let ok = (3..=40).contains(&typed.len())
            && typed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
        ok.then(|| Self(typed.to_string()))
    }

    /// A name read back from the store (it was parsed when the account was made).
    pub fn stored(name: String) -> Self {
        Self(name)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password as typed: at least 10 characters. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// The fewest characters a password has.
    pub const MIN_CHARS: usize = 10;

    /// The password as typed, if it is long enough.
    pub fn parse(typed: &str) -> Option<Self> {
        (typed.chars().count() >= Self::MIN_CHARS).then(|| Self(typed.to_string()))
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_are_named_as_the_audit_log_always_named_them() {
        let staff = Actor::Staff {
            id: 1,
            username: Username::parse("siti.desk").unwrap(),
            role: Role::Desk,
            office_id: Some(1),
        };
        assert_eq!(staff.audit_name(), "staff:siti.desk");
        assert_eq!(Actor::Applicant.audit_name(), "applicant");
        assert_eq!(Actor::System.audit_name(), "system");
        assert_eq!(Actor::Cli.audit_name(), "cli");
        assert!(staff.is_staff(&Username::parse("siti.desk").unwrap()));
        assert!(!Actor::Cli.is_staff(&Username::parse("siti.desk").unwrap()));
    }

    #[test]
    fn usernames_and_passwords_are_checked_once() {
        assert!(Username::parse("ab").is_none());
        assert!(Username::parse("siti desk").is_none());
        assert!(Username::parse(&"a".repeat(41)).is_none());
        assert!(Username::parse("siti_desk-1.x").is_some());
        assert!(Password::parse("123456789").is_none());
        assert!(Password::parse("1234567890").is_some());
        // Counted in characters, not bytes.
        assert!(Password::parse("ééééé").is_none());
        assert_eq!(
            format!("{:?}", Password::parse("rahasia-sekali").unwrap()),
            "Password(…)"
        );
    }
}
