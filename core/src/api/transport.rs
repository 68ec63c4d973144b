//! The connections under the client: ureq's own chain (CONNECT proxy, TCP, rustls), wrapped so
//! that a call's [`Cancel`] reaches the socket of whatever connection it uses, new or pooled.

use std::fmt;
use std::net::ToSocketAddrs;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};

use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, RustlsConnector,
    ShutdownHandle, TcpConnector, Transport,
};

use super::cancel::{Calls, Cancel, Socket};

/// The connector the client's agent uses.
pub(crate) fn connector(calls: Arc<Calls>) -> impl Connector<()> {
    let inner =
        ().chain(ConnectProxyConnector::default())
            .chain(TcpConnector::default())
            .chain(RustlsConnector::default());
    Cancellable { inner, calls }
}

/// Wraps every connection in a [`Guarded`] transport.
struct Cancellable<C> {
    inner: C,
    calls: Arc<Calls>,
}

impl<C> fmt::Debug for Cancellable<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cancellable")
    }
}

/// What a cancelled call's transport answers with (the client reports it as cancelled).
#[derive(Debug)]
pub(crate) struct CancelledIo;

impl fmt::Display for CancelledIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the call was cancelled")
    }
}

impl std::error::Error for CancelledIo {}

fn cancelled() -> ureq::Error {
    ureq::Error::Other(Box::new(CancelledIo))
}

impl<C: Connector<()>> Connector<()> for Cancellable<C> {
    type Out = Guarded<C::Out>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let cancel = self.calls.current();
        if cancel.as_ref().is_some_and(Cancel::is_cancelled) {
            return Err(cancelled());
        }
        // The TCP connector hands ureq a way to shut its socket down: keep one for ourselves.
        let slot: Arc<Mutex<Option<Socket>>> = Arc::default();
        let register = {
            let slot = Arc::clone(&slot);
            let forward = Arc::clone(&details.register_shutdown);
            Arc::new(move |handle: Weak<dyn ShutdownHandle>| {
                if let Ok(mut slot) = slot.lock() {
                    slot.get_or_insert_with(|| Weak::clone(&handle));
                }
                forward(handle)
            })
        };
        let ours = ConnectionDetails {
            uri: details.uri,
            addrs: details.addrs.clone(),
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: Arc::clone(&details.current_time),
            run_connector: Arc::clone(&details.run_connector),
            register_shutdown: register,
        };
        let Some(inner) = self.inner.connect(&ours, chained)? else {
            return Ok(None);
        };
        let socket = slot.lock().ok().and_then(|mut slot| slot.take());
        let mut guarded = Guarded { inner, socket, calls: Arc::clone(&self.calls) };
        guarded.check()?;
        Ok(Some(guarded))
    }
}

/// A connection that, before each read or write, ties its socket to the cancel handle of the
/// call using it (if any), and refuses to go on once that handle is cancelled.
pub(crate) struct Guarded<T> {
    inner: T,
    socket: Option<Socket>,
    calls: Arc<Calls>,
}

impl<T> fmt::Debug for Guarded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Guarded")
    }
}

impl<T> Guarded<T> {
    /// One atomic load when no call of the client has a cancel handle.
    fn check(&mut self) -> Result<(), ureq::Error> {
        let Some(cancel) = self.calls.current() else {
            return Ok(());
        };
        let attached = match &self.socket {
            Some(socket) => cancel.attach(socket),
            None => !cancel.is_cancelled(),
        };
        if attached {
            Ok(())
        } else {
            Err(cancelled())
        }
    }
}

impl<T: Transport> Transport for Guarded<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.check()?;
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.check()?;
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// How long a host's resolved addresses are reused.
const RESOLVED_FOR: Duration = Duration::from_secs(30);

/// Resolves on the calling thread (ureq's own resolver starts a thread per request to bound
/// the lookup, and core starts none), keeping the last host's addresses for
/// [`RESOLVED_FOR`]: ureq resolves before every request, even one a pooled connection serves,
/// and a client talks to one host. The system resolver's own timeouts bound a lookup.
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    last: Mutex<Option<(String, Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        _: &ureq::config::Config,
        _: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(ureq::Error::BadUri("no scheme or host".to_owned()));
        };
        let Some(key) = DefaultResolver::host_and_port(scheme, authority) else {
            return Err(ureq::Error::BadUri("no port for the scheme".to_owned()));
        };
        let now = Instant::now();
        if let Ok(last) = self.last.lock() {
            if let Some((host, at, addrs)) = last.as_ref() {
                if *host == key && now.duration_since(*at) < RESOLVED_FOR {
                    return Ok(addrs.clone());
                }
            }
        }
        let mut addrs = self.empty();
        // A lookup that fails is "host not found", whatever the system resolver's words.
        let found = key.to_socket_addrs().map_err(|_| ureq::Error::HostNotFound)?;
        for addr in found {
            if addrs.try_push(addr).is_err() {
                break;
            }
        }
        if addrs.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        if let Ok(mut last) = self.last.lock() {
            *last = Some((key, now, addrs.clone()));
        }
        Ok(addrs)
    }
}
