//! Rebuilds when a migration is added: `sqlx::migrate!` embeds the migrations at compile
//! time, and cargo would not otherwise notice a new file (sqlx's documented advice).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
