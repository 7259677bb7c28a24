//! The `rekam` command line: serve, manage staff.

use clap::{Parser, Subcommand};
use rekam::clock::Clock;
use rekam::config::{Settings, redact_url};
use rekam::domain::Role;
use rekam::store::Store;
use rekam::usecases::accounts::AccountChange;
use std::io::Read;

/// Appointments for first-time e-KTP biometric recording under PPKM capacity limits.
#[derive(Parser)]
#[command(name = "rekam", version)]
struct Cli {
    /// Database URL: sqlite://FILE (created if missing) or postgres://…
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://rekam.db"
    )]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve HTTP.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "REKAM_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Load a demo office and one login per role, and print them.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// Print an office's plan for the coming days: level, cap, seats held, binding limit,
    /// and the open days needed to clear the backlog at each level.
    Plan {
        /// The office.
        #[arg(long)]
        office: String,
        /// How many days (1–62).
        #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=62))]
        days: u32,
        /// The first day shown (YYYY-MM-DD, the office's local date); default today.
        /// The backlog's days-to-clear are counted from it too.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
    },
    /// Delete the certificate files and anonymise the personal data that are due
    /// (the server also does this once a day), and remove ended staff sessions.
    Purge {
        /// Only count what would go.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// Copy a SQLite database consistently while the server runs (PostgreSQL: use
    /// pg_dump, see the README).
    Backup {
        /// The copy to write; it must not exist yet.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Print the plans of the queries people wait on (day list, availability, review
    /// queue, waiting list, retention, audit log) for an office; exits non-zero when one
    /// reads a table that grows with the bookings from end to end.
    Explain {
        /// The office (default: the first by name).
        #[arg(long)]
        office: Option<String>,
        /// Run the queries too (PostgreSQL: EXPLAIN ANALYZE), with their timings.
        #[arg(long)]
        analyze: bool,
    },
    /// Staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Add an account; the password is read from standard input.
    Add {
        /// Login name.
        #[arg(long)]
        username: String,
        /// admin, supervisor or desk.
        #[arg(long, value_parser = ["admin", "supervisor", "desk"])]
        role: String,
        /// The office a desk officer or supervisor works at.
        #[arg(long)]
        office: Option<String>,
    },
    /// Remove an account's second factor (TOTP) and recovery codes, for a lost phone and
    /// lost codes; its browser sessions end. An admin sets one up again at the next login.
    #[command(name = "reset-2fa")]
    Reset2fa {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Print a new API token for an account (it lasts 90 days).
    Token {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// End all of an account's API tokens and browser sessions at once.
    Revoke {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Disable an account: it signs in no more, its sessions and tokens end at once.
    Disable {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account again (it signs in anew).
    Enable {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Set a new password, read from standard input; sessions and tokens end.
    Password {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Change an account's role and office; sessions and tokens end.
    Set {
        /// Login name.
        #[arg(long)]
        username: String,
        /// admin, supervisor or desk.
        #[arg(long, value_parser = ["admin", "supervisor", "desk"])]
        role: String,
        /// The office a desk officer or supervisor works at.
        #[arg(long)]
        office: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The log goes to standard output; colours only when a person watches it.
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let clock = Clock::system();
    match cli.command {
        Command::Serve {
            bind,
            demo,
            settings,
        } => {
            let app =
                rekam::Application::build(&bind, &cli.database, settings, clock.clone()).await?;
            if demo {
                let logins = rekam::demo::load(&app.store, clock.now()).await?;
                println!(
                    "Demo office: http://{}/o/{}",
                    app.addr(),
                    rekam::demo::DEMO_OFFICE
                );
                for l in &logins {
                    println!(
                        "  {:<10} username {:<16} password {:<18} API token {}",
                        l.role.as_str(),
                        l.username,
                        l.password.as_deref().unwrap_or("(unchanged)"),
                        l.token
                    );
                }
                for l in &logins {
                    if let Some((secret, codes)) = &l.second_factor {
                        println!(
                            "  {} signs in with a second factor: add the key {secret} to an \
                             authenticator app, or use a recovery code once: {}",
                            l.username,
                            codes.join(" ")
                        );
                    }
                }
            }
            tracing::info!(addr = %app.addr(), database = %redact_url(&cli.database), "serving");
            println!("rekam listening on http://{}", app.addr());
            app.serve().await
        }
        Command::Purge { dry_run, settings } => {
            must_exist(&cli.database)?;
            let store = Store::connect(&cli.database, 2).await?;
            let ctx = rekam::usecases::Context::new(store.clone(), clock.clone(), settings);
            let done = rekam::usecases::retention::purge(&ctx, dry_run)
                .await
                .map_err(|e| anyhow::anyhow!("{:?}", e.code))?;
            store.close().await;
            println!(
                "{}{} certificate files deleted, {} bookings anonymised, {} staff sessions and tokens removed",
                if dry_run { "would be: " } else { "" },
                done.certificates,
                done.anonymised,
                done.tokens
            );
            Ok(())
        }
        Command::Backup { to } => {
            anyhow::ensure!(!to.exists(), "{} exists already", to.display());
            must_exist(&cli.database)?;
            let store = Store::connect(&cli.database, 2).await?;
            let done = store.backup_to(&to).await?;
            store.close().await;
            anyhow::ensure!(
                done,
                "this is a PostgreSQL database: back it up with pg_dump (see the README)"
            );
            eprintln!("copied to {}", to.display());
            Ok(())
        }
        Command::Explain { office, analyze } => {
            must_exist(&cli.database)?;
            let store = Store::connect(&cli.database, 2).await?;
            let office = match office {
                Some(slug) => store.office(&slug).await,
                None => store.list_offices().await.and_then(|all| {
                    all.into_iter()
                        .next()
                        .ok_or(rekam::store::StoreError::NotFound)
                }),
            }
            .map_err(|_| anyhow::anyhow!("no such office"))?;
            let now = clock.now();
            let day = rekam::planner::local_date(&office.spec, now).to_string();
            let mut scans = 0;
            for q in rekam::store::hot_queries(
                store.backend(),
                office.id,
                &day,
                now.timestamp(),
                "K7QM2XPA",
                "3604014107090001",
            ) {
                let plan = store.explain(&q, analyze).await?;
                let mut whole = store.full_scans(&q, &plan);
                whole.extend(store.missing_index(&q, &plan));
                println!(
                    "== {}{}",
                    q.name,
                    if whole.is_empty() {
                        ""
                    } else {
                        "  (!) reads a growing table whole"
                    }
                );
                for line in &plan {
                    println!("   {line}");
                }
                scans += whole.len();
            }
            store.close().await;
            anyhow::ensure!(scans == 0, "{scans} plans read a growing table whole");
            Ok(())
        }
        Command::Plan { office, days, from } => {
            let store = Store::connect(&cli.database, 2).await?;
            let office = store
                .office(&office)
                .await
                .map_err(|_| anyhow::anyhow!("no office '{office}'"))?;
            // A later (or earlier) first day: plan as if it were that day's midnight.
            let clock = match from {
                Some(date) => {
                    use chrono::TimeZone;
                    let midnight = office
                        .spec
                        .timezone
                        .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
                        .earliest()
                        .ok_or_else(|| anyhow::anyhow!("no midnight on {date}"))?;
                    Clock::fixed(midnight.with_timezone(&chrono::Utc))
                }
                None => clock,
            };
            let ctx = rekam::usecases::Context::new(store.clone(), clock, Settings::default());
            let plan = rekam::usecases::plan::plan(&ctx, &office, days)
                .await
                .map_err(|e| anyhow::anyhow!("{:?}", e.code))?;
            print!("{}", rekam::usecases::plan::plan_table(&plan));
            store.close().await;
            Ok(())
        }
        Command::Staff { command } => {
            let store = Store::connect(&cli.database, 2).await?;
            match command {
                StaffCommand::Add {
                    username,
                    role,
                    office,
                } => {
                    let mut password = String::new();
                    std::io::stdin().read_to_string(&mut password)?;
                    let password = password.trim_end_matches(['\r', '\n']);
                    let role = Role::parse(&role).expect("clap checked the role");
                    rekam::usecases::accounts::add(
                        &store,
                        &username,
                        password,
                        role,
                        office.as_deref(),
                        clock.now(),
                    )
                    .await?;
                    eprintln!("added {username} ({})", role.as_str());
                }
                StaffCommand::Revoke { username } => {
                    let n =
                        rekam::usecases::accounts::revoke(&store, &username, clock.now()).await?;
                    eprintln!("revoked {n} tokens and sessions of {username}");
                }
                StaffCommand::Disable { username } => {
                    change(&store, &username, AccountChange::Disabled(true), &clock).await?;
                    eprintln!("disabled {username}; its sessions and tokens ended");
                }
                StaffCommand::Enable { username } => {
                    change(&store, &username, AccountChange::Disabled(false), &clock).await?;
                    eprintln!("enabled {username}");
                }
                StaffCommand::Password { username } => {
                    let mut password = String::new();
                    std::io::stdin().read_to_string(&mut password)?;
                    let password = password.trim_end_matches(['\r', '\n']).to_string();
                    change(&store, &username, AccountChange::Password(password), &clock).await?;
                    eprintln!("new password for {username}; its sessions and tokens ended");
                }
                StaffCommand::Set {
                    username,
                    role,
                    office,
                } => {
                    let role = Role::parse(&role).expect("clap checked the role");
                    change(&store, &username, AccountChange::Role(role, office), &clock).await?;
                    eprintln!("{username} is now {}", role.as_str());
                }
                StaffCommand::Reset2fa { username } => {
                    rekam::usecases::second_factor::reset(&store, &username, clock.now()).await?;
                    eprintln!("removed the second factor of {username}; its sessions ended");
                }
                StaffCommand::Token { username } => {
                    println!(
                        "{}",
                        rekam::usecases::accounts::issue_token(&store, &username, clock.now())
                            .await?
                    );
                }
            }
            store.close().await;
            Ok(())
        }
    }
}

/// An account change from the command line, its refusal said in words.
async fn change(
    store: &Store,
    username: &str,
    what: AccountChange,
    clock: &Clock,
) -> anyhow::Result<()> {
    rekam::usecases::accounts::change(
        store,
        &rekam::usecases::auth::cli(),
        username,
        what,
        clock.now(),
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "{}{}",
            e.text(rekam::i18n::Lang::En),
            e.field.map(|f| format!(" ({f})")).unwrap_or_default()
        )
    })
}

/// Commands that read an existing database must not create an empty one at a mistyped
/// path (a backup of nothing that says "copied").
fn must_exist(database: &str) -> anyhow::Result<()> {
    if let Some(rest) = database.strip_prefix("sqlite://") {
        let path = rest.split('?').next().unwrap_or(rest);
        anyhow::ensure!(
            std::path::Path::new(path).exists(),
            "no database at {path} (check --database or DATABASE_URL)"
        );
    }
    Ok(())
}
