//! Client addresses as limits count them.

use std::net::{IpAddr, Ipv6Addr};

/// The key of a client for every per-address limit: an IPv6 address by its /64 (one
/// subscriber's network hands out many addresses, and a guesser could take a new one for
/// every try), an IPv4 address as it is, and an IPv4-mapped IPv6 address (a dual-stack
/// socket's IPv4 client) as the IPv4 address it is.
pub fn household(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_its_64_and_a_mapped_one_is_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(household(a), household(b));
        assert_ne!(household(a), household("2001:db8:1:3::1".parse().unwrap()));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(household(mapped), IpAddr::from([192, 0, 2, 7]));
        assert_ne!(
            household(mapped),
            household("::ffff:192.0.2.8".parse().unwrap())
        );
    }
}
