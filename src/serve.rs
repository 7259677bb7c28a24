//! Accepting and serving connections, with a cap on how many are open: in all (below the
//! process's file descriptors, so that `/healthz` and the database always have some), and
//! per client address when the clients reach us directly. At a cap, the oldest idle
//! connection (no request in flight: a keep-alive connection between requests, or one
//! that has not finished sending its headers) of that address, or of all, is closed to
//! make room, as nginx and HAProxy do with idle keep-alive connections. Connections busy
//! with a request are never closed. At the per-address cap only a connection idle for
//! [`IDLE_GRACE`] is closed, and the new one is taken in any case (a burst of real
//! requests from one address, each on a fresh connection, is served); at the total cap the
//! oldest idle one is closed however fresh, and with none idle the new one is refused.
//! A connection busy with one request for [`LONG_BUSY`] (a slow upload) may be closed
//! for a new one from its address at that address's cap, and no address holds more than
//! half of all connections. Before, 366 idle sockets on a server with 256 file
//! descriptors made `/healthz` time out. A connection closed to make room is closed at once (not gracefully: an answer the
//! client does not read would keep its socket), and a connection whose answer makes no
//! progress for the client timeout is cut off.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How many connections may be open.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// In all.
    pub total: usize,
    /// From one client address (an IPv6 address by its /64); `None` behind a trusted proxy,
    /// where every connection comes from the proxy.
    pub per_address: Option<usize>,
}

/// File descriptors kept free of client connections: the database pools, the files and
/// sockets of the process itself.
const RESERVED_DESCRIPTORS: u64 = 64;

impl Caps {
    /// From the settings: `--max-connections` (0: as many as the file descriptors allow
    /// after the database's and a reserve), never more than the descriptors allow;
    /// `--max-connections-per-address` (0: none), not behind a trusted proxy.
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        let descriptors = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(u64::MAX);
        // A SQLite connection holds three (the file, its log and its shared memory).
        let reserve = RESERVED_DESCRIPTORS + 3 * (u64::from(settings.db_connections) + 2);
        let allowed =
            usize::try_from(descriptors.saturating_sub(reserve).max(16)).unwrap_or(usize::MAX);
        let total = match settings.max_connections {
            0 => allowed.min(DEFAULT_MAX_CONNECTIONS),
            n => allowed.min(n as usize),
        };
        let per_address = (!settings.trust_forwarded_for
            && settings.max_connections_per_address > 0)
            .then_some(settings.max_connections_per_address as usize);
        Self { total, per_address }
    }

    /// The most connections one address may hold even when all are busy: half of all.
    fn per_address_hard(&self) -> Option<usize> {
        self.per_address.map(|cap| cap.max(self.total / 2))
    }
}

/// Raises the process's soft limit of file descriptors to its hard limit (at most 65,536),
/// as nginx's `worker_rlimit_nofile` and Go's runtime do: service managers often start
/// processes with a soft limit of 1,024, which would cap the connections far below what
/// the machine allows.
pub fn raise_descriptor_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let now = getrlimit(Resource::Nofile);
    let want = now.maximum.unwrap_or(65_536).min(65_536);
    if now.current.is_some_and(|c| c < want) {
        let raised = Rlimit {
            current: Some(want),
            maximum: now.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(error = %e, "could not raise the file descriptor limit");
        }
    }
}

/// The cap when the file descriptors allow more: far above what one office's server sees.
const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// Connections told to close but not yet closed (their tasks wait for a core) that may
/// stand over the total cap: the reserve of file descriptors keeps room for them.
const CLOSING_SLACK: usize = 32;

/// How long a connection must have been idle before the per-address cap closes it: a
/// client that just connected (or just got its answer) is about to send a request.
pub const IDLE_GRACE: Duration = Duration::from_secs(2);

/// How long a request may keep its connection busy before the per-address cap may close
/// it for a new one from the same address (a slow upload held by a client that opens
/// ever more of them).
pub const LONG_BUSY: Duration = Duration::from_secs(120);

/// What a connection is doing: requests in flight, when it was last active, and since
/// when it is busy (milliseconds since the registry's start).
#[derive(Default)]
struct Activity {
    busy: AtomicUsize,
    last_ms: AtomicU64,
    busy_since_ms: AtomicU64,
}

impl Activity {
    fn idle_for(&self, now_ms: u64) -> Option<Duration> {
        (self.busy.load(Ordering::Acquire) == 0).then(|| {
            Duration::from_millis(now_ms.saturating_sub(self.last_ms.load(Ordering::Acquire)))
        })
    }

    fn busy_for(&self, now_ms: u64) -> Option<Duration> {
        (self.busy.load(Ordering::Acquire) > 0).then(|| {
            Duration::from_millis(now_ms.saturating_sub(self.busy_since_ms.load(Ordering::Acquire)))
        })
    }
}

/// One open connection.
struct Open {
    /// The client key (an IPv6 address by its /64).
    peer: IpAddr,
    /// Order of acceptance (older first).
    seq: u64,
    /// Requests in flight, and when it was last active.
    activity: Arc<Activity>,
    /// Tells its task to close it.
    close: watch::Sender<bool>,
    /// Told to close; it still holds its socket until its task ends.
    closing: bool,
}

/// The open connections.
struct Registry {
    open: HashMap<u64, Open>,
    per_peer: HashMap<IpAddr, usize>,
    next: u64,
    started: std::time::Instant,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            open: HashMap::new(),
            per_peer: HashMap::new(),
            next: 0,
            started: std::time::Instant::now(),
        }
    }
}

impl Registry {
    /// Makes room for a connection from `peer`: at the address's cap its oldest
    /// connection idle for [`IDLE_GRACE`] closes (if it has one); at the total cap the
    /// oldest idle one of all closes, and `false` when none is idle (refuse the new one).
    /// Connections told to close count until their tasks have ended (their sockets are
    /// open till then), up to [`CLOSING_SLACK`] over the cap.
    fn make_room(&mut self, peer: IpAddr, caps: Caps) -> bool {
        if let (Some(cap), Some(hard)) = (caps.per_address, caps.per_address_hard()) {
            let held = self.per_peer.get(&peer).copied().unwrap_or(0);
            let made_way = held >= cap
                && (self.close_oldest(|o| o.peer == peer, IDLE_GRACE)
                    || self.close_longest_busy(peer));
            // At the hard cap an idle one goes however fresh, or the new one is refused.
            if held >= hard && !made_way && !self.close_oldest(|o| o.peer == peer, Duration::ZERO) {
                return false;
            }
        }
        let live = self.open.values().filter(|o| !o.closing).count();
        if live >= caps.total && !self.close_oldest(|_| true, Duration::ZERO) {
            return false;
        }
        self.open.len() < caps.total + CLOSING_SLACK
    }

    /// Closes the connection of `peer` busy the longest, if it has been for [`LONG_BUSY`].
    fn close_longest_busy(&mut self, peer: IpAddr) -> bool {
        let now = self.now_ms();
        let longest = self
            .open
            .iter()
            .filter(|(_, o)| !o.closing && o.peer == peer)
            .filter_map(|(id, o)| Some((*id, o.activity.busy_for(now)?)))
            .filter(|(_, d)| *d >= LONG_BUSY)
            .max_by_key(|(_, d)| *d)
            .map(|(id, _)| id);
        match longest {
            Some(id) => {
                self.close(id);
                true
            }
            None => false,
        }
    }

    /// The clock of [`Activity`].
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Closes the oldest connection that `which` picks among those idle for at least
    /// `grace`; `false` when there is none.
    fn close_oldest(&mut self, which: impl Fn(&Open) -> bool, grace: Duration) -> bool {
        let now = self.now_ms();
        let oldest = self
            .open
            .iter()
            .filter(|(_, o)| {
                !o.closing && which(o) && o.activity.idle_for(now).is_some_and(|d| d >= grace)
            })
            .min_by_key(|(_, o)| o.seq)
            .map(|(id, _)| *id);
        match oldest {
            Some(id) => {
                self.close(id);
                true
            }
            None => false,
        }
    }

    /// Registers a new connection; its activity (active now).
    fn add(&mut self, peer: IpAddr, close: watch::Sender<bool>) -> (u64, Arc<Activity>) {
        let id = self.next;
        self.next += 1;
        *self.per_peer.entry(peer).or_default() += 1;
        let activity = Arc::new(Activity::default());
        activity.last_ms.store(self.now_ms(), Ordering::Release);
        self.open.insert(
            id,
            Open {
                peer,
                seq: id,
                activity: activity.clone(),
                close,
                closing: false,
            },
        );
        (id, activity)
    }

    /// Tells a connection to close (it counts for its address no more; it is forgotten
    /// when its task has ended).
    fn close(&mut self, id: u64) {
        if let Some(o) = self.open.get_mut(&id).filter(|o| !o.closing) {
            o.closing = true;
            let _ = o.close.send(true);
            if let Some(n) = self.per_peer.get_mut(&o.peer) {
                *n -= 1;
                if *n == 0 {
                    self.per_peer.remove(&o.peer);
                }
            }
        }
    }

    /// Forgets a connection whose task has ended.
    fn ended(&mut self, id: u64) {
        self.close(id);
        self.open.remove(&id);
    }
}

/// Counts a request in flight on its connection until its answer is ready.
struct InFlight {
    activity: Arc<Activity>,
    started: std::time::Instant,
}

impl InFlight {
    fn new(activity: &Arc<Activity>, started: std::time::Instant) -> Self {
        if activity.busy.fetch_add(1, Ordering::AcqRel) == 0 {
            let now = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            activity.busy_since_ms.store(now, Ordering::Release);
        }
        Self {
            activity: activity.clone(),
            started,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.activity.last_ms.store(now, Ordering::Release);
        self.activity.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Accepts connections until `stop` resolves, each served by HTTP/1.1 with a deadline for
/// its request headers: a client that opens connections and never finishes a request
/// (slow loris) is cut off instead of holding a file descriptor for ever. (A pause in a
/// body is bounded by the router's body timeout.) When `stop` resolves the listener
/// closes (new connections are refused, not reset), connections get a second to send the
/// request they were opened for, then finish what they are doing, for at most 30
/// seconds; answers already written (a 201 is committed before it is sent) stay.
pub async fn serve_connections(
    listener: TcpListener,
    router: axum::Router,
    client_timeout: Duration,
    caps: Caps,
    stop: impl std::future::Future<Output = ()>,
) {
    let registry = Arc::new(Mutex::new(Registry::default()));
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let tasks = tasks::TaskCount::default();
    let serve = |stream: tokio::net::TcpStream, peer: SocketAddr| {
        use hyper_util::rt::{TokioIo, TokioTimer};
        use tower::ServiceExt;
        let key = crate::web::kit::limits::per_household(peer.ip());
        let (close_tx, mut close_rx) = watch::channel(false);
        let (id, activity, started) = {
            let mut reg = registry.lock().unwrap_or_else(|e| e.into_inner());
            if !reg.make_room(key, caps) {
                tracing::warn!("connection refused: every connection is busy at the cap");
                drop(stream);
                return;
            }
            let (id, activity) = reg.add(key, close_tx);
            (id, activity, reg.started)
        };
        // The peer address feeds the rate limits and the audit log.
        let router = router.clone();
        let service =
            tower::service_fn(move |req: axum::extract::Request<hyper::body::Incoming>| {
                let (router, in_flight) = (router.clone(), InFlight::new(&activity, started));
                async move {
                    let mut req = req.map(axum::body::Body::new);
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    let answer = router.oneshot(req).await;
                    drop(in_flight);
                    answer
                }
            });
        // A client that stops reading its answers is cut off after the client timeout
        // without progress: its connection (and file descriptor) is not held for ever.
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(client_timeout));
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(client_timeout)
            .serve_connection(
                TokioIo::new(Box::pin(stream)),
                hyper_util::service::TowerToHyperService::new(service),
            );
        let (registry, mut shutdown_rx, done) =
            (registry.clone(), shutdown_rx.clone(), tasks.start());
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => Some(ended),
                // Closed to make room: at once (an answer it is not reading would hold
                // its socket open through a graceful close).
                _ = close_rx.wait_for(|c| *c) => Some(Ok(())),
                _ = shutdown_rx.wait_for(|s| *s) => None,
            };
            let ended = match ended {
                Some(ended) => ended,
                None => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            registry.lock().unwrap_or_else(|e| e.into_inner()).ended(id);
            drop(done);
        });
    };
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, go on.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        serve(stream, peer);
    }
    // Connections the kernel has completed but not yet handed over would be reset when
    // the listener closes: take them too, then close it. New connections are refused
    // from now on (not left waiting in the backlog).
    if let Ok(listener) = listener.into_std() {
        let _ = listener.set_nonblocking(true);
        while let Ok((stream, peer)) = listener.accept() {
            let _ = stream.set_nonblocking(true);
            if let Ok(stream) = tokio::net::TcpStream::from_std(stream) {
                serve(stream, peer);
            }
        }
    }
    // A connection accepted just before the signal gets a moment to send its request: a
    // connection with nothing read yet counts as idle and would be closed at once.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = shutdown_tx.send(true);
    if tokio::time::timeout(Duration::from_secs(30), tasks.all_done())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 30 s; closing them");
    }
}

/// Waiting for the connections' tasks to end.
mod tasks {
    use std::sync::Arc;
    use tokio::sync::watch;

    /// Counts running tasks; `all_done` waits until none is left.
    #[derive(Clone)]
    pub struct TaskCount {
        count: Arc<watch::Sender<usize>>,
    }

    impl Default for TaskCount {
        fn default() -> Self {
            Self {
                count: Arc::new(watch::Sender::new(0)),
            }
        }
    }

    /// A running task; it counts until dropped.
    pub struct Running(Arc<watch::Sender<usize>>);

    impl Drop for Running {
        fn drop(&mut self) {
            self.0.send_modify(|n| *n -= 1);
        }
    }

    impl TaskCount {
        /// A task starts.
        pub fn start(&self) -> Running {
            self.count.send_modify(|n| *n += 1);
            Running(self.count.clone())
        }

        /// Resolves when no task is running.
        pub async fn all_done(&self) {
            let mut rx = self.count.subscribe();
            let _ = rx.wait_for(|n| *n == 0).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_a_cap_the_oldest_idle_connection_makes_room() {
        let caps = Caps {
            total: 6,
            per_address: Some(2),
        };
        assert_eq!(caps.per_address_hard(), Some(3), "half of all");
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let mut reg = Registry::default();
        let busy = |reg: &mut Registry, peer| {
            let (tx, rx) = watch::channel(false);
            let (_, activity) = reg.add(peer, tx);
            activity.busy.store(1, Ordering::Release);
            (activity, rx)
        };
        let (first, mut first_closed) = watch::channel(false);
        let (_, idle) = reg.add(a, first);
        let (_second, _) = busy(&mut reg, a);
        // a is at its cap, but its idle connection is fresh: kept, and the new one taken.
        assert!(reg.make_room(a, caps));
        assert!(!*first_closed.borrow_and_update());
        // Idle for longer than the grace: closed for the new one.
        reg.started -= IDLE_GRACE * 2;
        idle.last_ms.store(0, Ordering::Release);
        assert!(reg.make_room(a, caps));
        assert!(
            *first_closed.borrow_and_update(),
            "the oldest idle one was told to close"
        );
        assert_eq!(reg.per_peer[&a], 1);
        // Busy ones are still taken past the cap, up to half of all.
        let (_third, _) = busy(&mut reg, a);
        assert!(reg.make_room(a, caps));
        let (_fourth, mut fourth_closed) = busy(&mut reg, a);
        assert_eq!(reg.per_peer[&a], 3);
        assert!(!reg.make_room(a, caps), "half of all: refused");
        // One busy for longer than LONG_BUSY (a slow upload) makes way.
        reg.started -= LONG_BUSY;
        assert!(reg.make_room(a, caps));
        assert!(*fourth_closed.borrow_and_update() || reg.per_peer[&a] == 2);
        // Another address still gets in; at the total cap with all busy, nobody does.
        let (_b1, _) = busy(&mut reg, b);
        let (_b2, _) = busy(&mut reg, b);
        let (_b3, _) = busy(&mut reg, b);
        let (_c1, _) = busy(&mut reg, IpAddr::from([10, 0, 0, 4]));
        assert!(!reg.make_room(IpAddr::from([10, 0, 0, 3]), caps));
    }
}
