//! The host names this service answers for (`--public-url`'s host and `--allowed-hosts`):
//! a request for any other `Host` is 421. A page of another site whose name is made to
//! point at this server (DNS rebinding) reaches it with its own name as `Host`, so it
//! cannot read `/metrics` or drive the login from a victim's browser. Loopback names and
//! addresses are always served (a local proxy, monitoring on the same machine, a first
//! try); with no name configured every host is served.

use axum::http::{HeaderMap, header};

/// The names served.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    /// `(name, port)`: a name with its port, or with any port (`None`).
    names: Vec<(String, Option<u16>)>,
}

/// `host` or `host:port` (an IPv6 address in brackets), lower-case, without a trailing dot.
fn split(authority: &str) -> Option<(String, Option<u16>)> {
    let authority = authority.trim().to_ascii_lowercase();
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        (format!("[{host}]"), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.parse().ok()?)),
            None => (authority.clone(), None),
        }
    };
    let host = host.trim_end_matches('.').to_string();
    (!host.is_empty()).then_some((host, port))
}

/// The authority of an absolute URL (`https://name:port/path`).
fn authority_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

/// A loopback name or address: always served.
fn loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

impl AllowedHosts {
    /// From `--public-url` and `--allowed-hosts` (`name` or `name:port`, comma-separated).
    pub fn new(public_url: &str, allowed: &[String]) -> Self {
        let names = authority_of(public_url)
            .into_iter()
            .chain(allowed.iter().map(String::as_str))
            .filter_map(split)
            .collect();
        Self { names }
    }

    /// Is a request with these headers for a name we serve?
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        if self.names.is_empty() {
            return true;
        }
        let Some((host, port)) = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .and_then(split)
        else {
            return false;
        };
        loopback(&host)
            || self
                .names
                .iter()
                .any(|(name, p)| *name == host && (p.is_none() || *p == port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_host(h: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(header::HOST, h.parse().unwrap());
        m
    }

    #[test]
    fn only_the_configured_names_are_served() {
        let open = AllowedHosts::new("", &[]);
        assert!(open.allows(&with_host("anything.example")));
        let hosts = AllowedHosts::new(
            "https://rekam.serangkab.go.id/",
            &["rekam.internal:8080".into(), " 10.0.0.5".into()],
        );
        for ok in [
            "rekam.serangkab.go.id",
            "REKAM.serangkab.go.id.",
            "rekam.serangkab.go.id:443",
            "rekam.internal:8080",
            "10.0.0.5:8080",
            "127.0.0.1:8080",
            "localhost",
            "[::1]:8080",
        ] {
            assert!(hosts.allows(&with_host(ok)), "{ok}");
        }
        for refused in [
            "evil.example",
            "rekam.internal:9090",
            "rekam.serangkab.go.id.evil.example",
            "10.0.0.6",
            "[2001:db8::1]",
        ] {
            assert!(!hosts.allows(&with_host(refused)), "{refused}");
        }
        assert!(!hosts.allows(&HeaderMap::new()), "no Host");
    }
}
