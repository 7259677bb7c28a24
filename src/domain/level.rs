//! PPKM restriction levels and the rules that turn a level into capacity limits.
//!
//! Levels were assigned per kabupaten/kota by Instructions of the Minister of Home
//! Affairs for a period at a time, so a level is a dated schedule; the rules are data
//! a supervisor edits (DOMAIN.md, "PPKM levels").

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

/// A restriction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// No restriction in force: normal capacity.
    None,
    /// PPKM Level 1.
    L1,
    /// PPKM Level 2.
    L2,
    /// PPKM Level 3.
    L3,
    /// PPKM Level 4.
    L4,
    /// PPKM Darurat (3–20 July 2021).
    Darurat,
}

impl Level {
    /// Every level, mildest first.
    pub const ALL: [Level; 6] = [
        Self::None,
        Self::L1,
        Self::L2,
        Self::L3,
        Self::L4,
        Self::Darurat,
    ];

    /// `none`, `1`–`4`, `darurat` (API.md).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::L1 => "1",
            Self::L2 => "2",
            Self::L3 => "3",
            Self::L4 => "4",
            Self::Darurat => "darurat",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl std::fmt::Display for Level {
    /// The wire spelling.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a level means for an office giving an essential public service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRule {
    /// The level.
    pub level: Level,
    /// Staff working from the office, % (limits the recording sets that can be staffed).
    pub wfo_percent: u32,
    /// Waiting-room occupancy allowed, %.
    pub occupancy_percent: u32,
    /// Absolute maximum of visitors a day, if the rule has one.
    pub max_visitors: Option<u32>,
    /// Latest closing time, `HH:MM`, if the rule shortens opening hours.
    pub latest_close: Option<String>,
    /// The legal source of the row.
    pub source: String,
}

impl LevelRule {
    /// The parsed latest closing time.
    pub fn latest_close_time(&self) -> Option<NaiveTime> {
        self.latest_close
            .as_deref()
            .and_then(|s| NaiveTime::parse_from_str(s, "%H:%M").ok())
    }

    /// Checks a rule's figures; the name of the bad field otherwise.
    pub fn validate(&self) -> Result<(), &'static str> {
        if !(1..=100).contains(&self.wfo_percent) {
            return Err("wfo_percent");
        }
        if !(1..=100).contains(&self.occupancy_percent) {
            return Err("occupancy_percent");
        }
        if self.max_visitors.is_some_and(|m| m > 100_000) {
            return Err("max_visitors");
        }
        if self.latest_close.is_some() && self.latest_close_time().is_none() {
            return Err("latest_close");
        }
        if self.source.trim().is_empty()
            || self.source.chars().count() > 300
            || self.source.chars().any(char::is_control)
        {
            return Err("source");
        }
        Ok(())
    }
}

/// A rule as the contract spells it (API.md), its level a string: what a supervisor
/// sends and reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = LevelRule)]
pub struct LevelRuleInput {
    /// `none`, `1`–`4`, `darurat`.
    pub level: String,
    /// Staff working from the office, % (limits the recording sets that can be staffed).
    pub wfo_percent: u32,
    /// Waiting-room occupancy allowed, %.
    pub occupancy_percent: u32,
    /// Absolute maximum of visitors a day, if the rule has one.
    pub max_visitors: Option<u32>,
    /// Latest closing time, `HH:MM`, if the rule shortens opening hours.
    pub latest_close: Option<String>,
    /// The legal source of the row.
    pub source: String,
}

impl LevelRuleInput {
    /// The rule, checked; the name of the bad field otherwise.
    pub fn parse(&self) -> Result<LevelRule, &'static str> {
        let rule = LevelRule {
            level: Level::parse(&self.level).ok_or("level")?,
            wfo_percent: self.wfo_percent,
            occupancy_percent: self.occupancy_percent,
            max_visitors: self.max_visitors,
            latest_close: self.latest_close.clone(),
            source: self.source.clone(),
        };
        rule.validate()?;
        Ok(rule)
    }
}

impl From<&LevelRule> for LevelRuleInput {
    fn from(r: &LevelRule) -> Self {
        Self {
            level: r.level.as_str().to_string(),
            wfo_percent: r.wfo_percent,
            occupancy_percent: r.occupancy_percent,
            max_visitors: r.max_visitors,
            latest_close: r.latest_close.clone(),
            source: r.source.clone(),
        }
    }
}

/// The seed rule set of DOMAIN.md, each row citing its source. Editable; these are only
/// the starting values.
pub fn seed_rules() -> Vec<LevelRule> {
    let rule = |level: Level, wfo, occ, close: Option<&str>, source: &str| LevelRule {
        level,
        wfo_percent: wfo,
        occupancy_percent: occ,
        max_visitors: None,
        latest_close: close.map(str::to_string),
        source: source.to_string(),
    };
    vec![
        rule(
            Level::None,
            100,
            100,
            None,
            "Tanpa PPKM: tidak ada pembatasan",
        ),
        rule(Level::L1, 100, 75, None, "SE MenPAN-RB 24/2021"),
        rule(Level::L2, 75, 50, None, "SE MenPAN-RB 24/2021"),
        rule(
            Level::L3,
            25,
            25,
            None,
            "Inmendagri 22/2021 (pelayanan publik: WFO 25 %)",
        ),
        rule(Level::L4, 25, 25, None, "Inmendagri 22/2021"),
        rule(
            Level::Darurat,
            25,
            25,
            Some("13:00"),
            "Inmendagri 15/2021; UPT Serang melayani 07.30–13.00 (aturan khusus pelayanan publik tidak ditemukan: belum pasti)",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip_and_seeds_are_valid() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
        }
        assert_eq!(Level::parse("5"), None);
        for r in seed_rules() {
            assert!(r.validate().is_ok(), "{r:?}");
        }
        let mut bad = seed_rules()[3].clone();
        bad.wfo_percent = 0;
        assert_eq!(bad.validate(), Err("wfo_percent"));
        bad.wfo_percent = 25;
        bad.latest_close = Some("25:00".into());
        assert_eq!(bad.validate(), Err("latest_close"));
        let mut wire = LevelRuleInput::from(&seed_rules()[3]);
        assert_eq!(wire.parse(), Ok(seed_rules()[3].clone()));
        wire.level = "5".into();
        assert_eq!(wire.parse(), Err("level"));
    }
}
