//! `webhook serve --allow-from` and `--trusted-proxy`: which client addresses may post, and
//! whose `X-Forwarded-For` is believed.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An address block: an address and a prefix length (`10.0.0.0/8`, `::1/128`); a bare address
/// is its own block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr =
            address.parse().map_err(|_| format!("{text:?} is not an IP address or CIDR block"))?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {bits}"))?,
        };
        Ok(Cidr { network: mask(network, prefix), prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// `address` with every bit past `prefix` cleared.
fn mask(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let kept = if prefix == 0 { 0 } else { bits & (u32::MAX << (32 - u32::from(prefix))) };
            IpAddr::V4(Ipv4Addr::from(kept))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let kept = if prefix == 0 { 0 } else { bits & (u128::MAX << (128 - u32::from(prefix))) };
            IpAddr::V6(Ipv6Addr::from(kept))
        }
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as the IPv4 address it stands for.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

impl Cidr {
    /// Whether `address` lies in this block.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        address.is_ipv4() == self.network.is_ipv4() && mask(address, self.prefix) == self.network
    }
}

/// Who may post: `--allow-from` blocks (none given: everyone) and the `--trusted-proxy`
/// addresses whose `X-Forwarded-For` names the client.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    allowed: Vec<Cidr>,
    proxies: Vec<Cidr>,
}

impl AllowList {
    /// The list for these options.
    pub fn new(allowed: Vec<Cidr>, proxies: Vec<Cidr>) -> AllowList {
        AllowList { allowed, proxies }
    }

    /// Whether `--allow-from` was given.
    pub fn restricts(&self) -> bool {
        !self.allowed.is_empty()
    }

    fn trusted(&self, address: IpAddr) -> bool {
        self.proxies.iter().any(|cidr| cidr.contains(address))
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the last
    /// address in `X-Forwarded-For` (the header values in order) that is not a trusted proxy
    /// itself (each proxy appends the address it received from; addresses further left were
    /// written by the client and prove nothing). `Err` when a trusted proxy's header names
    /// something that is not an address.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> Result<IpAddr, String> {
        let peer = canonical(peer);
        if !self.trusted(peer) {
            return Ok(peer);
        }
        let hops: Vec<&str> =
            forwarded_for.iter().flat_map(|value| value.split(',')).map(str::trim).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let address =
                parse_hop(hop).ok_or_else(|| "X-Forwarded-For holds a malformed address".to_owned())?;
            client = canonical(address);
            if !self.trusted(client) {
                break;
            }
        }
        Ok(client)
    }

    /// Whether a request from `client` may go on.
    pub fn allows(&self, client: IpAddr) -> bool {
        self.allowed.is_empty() || self.allowed.iter().any(|cidr| cidr.contains(client))
    }
}

/// One `X-Forwarded-For` element: an address, possibly `[v6]`, `v4:port` or `[v6]:port`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(address) = hop.parse() {
        return Some(address);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']').and_then(|(v6, _)| v6.parse().ok());
    }
    hop.rsplit_once(':').and_then(|(v4, _)| v4.parse::<Ipv4Addr>().ok()).map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn cidrs(text: &str) -> Vec<Cidr> {
        text.split(',').map(|c| c.parse().expect("a block")).collect()
    }

    #[test]
    fn blocks_parse_and_contain() {
        let ten: Cidr = "10.0.0.0/8".parse().expect("parses");
        assert!(ten.contains(ip("10.255.0.1")) && !ten.contains(ip("11.0.0.1")));
        assert!(ten.contains(ip("::ffff:10.1.2.3")), "a mapped address is its IPv4 one");
        assert!(!ten.contains(ip("::1")));
        let host: Cidr = "127.0.0.1".parse().expect("a bare address");
        assert_eq!(host.to_string(), "127.0.0.1/32");
        assert!("0.0.0.0/0".parse::<Cidr>().expect("all").contains(ip("8.8.8.8")));
        let v6: Cidr = "fd00::/8".parse().expect("v6");
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert_eq!("10.1.2.3/8".parse::<Cidr>().expect("host bits").to_string(), "10.0.0.0/8");
        for bad in ["", "10.0.0.0/33", "::/129", "10.0.0/8", "ten/8", "10.0.0.0/-1", "10.0.0.0/x"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let list = AllowList::new(cidrs("10.0.0.0/8"), cidrs("127.0.0.1,192.168.0.0/16"));
        // Not a proxy: its own address, whatever it claims.
        assert_eq!(list.client(ip("203.0.113.9"), &["10.0.0.5"]), Ok(ip("203.0.113.9")));
        // A trusted proxy: the last hop that is not a proxy.
        assert_eq!(list.client(ip("127.0.0.1"), &["10.0.0.5"]), Ok(ip("10.0.0.5")));
        assert_eq!(
            list.client(ip("127.0.0.1"), &["10.9.9.9, 203.0.113.7", "192.168.1.1"]),
            Ok(ip("203.0.113.7")),
            "a client-written address further left proves nothing"
        );
        assert_eq!(list.client(ip("127.0.0.1"), &["[fd00::1]:443"]), Ok(ip("fd00::1")));
        assert_eq!(list.client(ip("127.0.0.1"), &["10.0.0.5:8080"]), Ok(ip("10.0.0.5")));
        assert_eq!(list.client(ip("127.0.0.1"), &[]), Ok(ip("127.0.0.1")));
        assert!(list.client(ip("127.0.0.1"), &["not-an-ip"]).is_err());
        assert!(list.allows(ip("10.0.0.5")) && !list.allows(ip("127.0.0.1")));
        assert!(AllowList::default().allows(ip("203.0.113.9")));
    }
}
