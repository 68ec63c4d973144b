//! Connections and the threads that serve them: an accept thread, a watcher that holds every
//! connection between requests and reads request heads as their bytes arrive (without a thread
//! per connection), and a fixed pool of workers that serve connections whose head is complete.
//! A client that trickles its head holds no worker; one that trickles its body holds one until
//! the request deadline.
//!
//! Limits (see [`Limits`]): at most `max_connections` open connections (one more is answered
//! 503 and closed at once), `idle_timeout_ms` for a connection without a request in progress,
//! `read_timeout_ms` between bytes of a request, `request_timeout_ms` for a whole request
//! however steadily its bytes trickle in (408), and `write_timeout_ms` for each write.

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, BufReader, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::config::Limits;
use crate::http::{self, Response};

/// The watcher looks at waiting connections this often right after activity,
const MIN_TICK: Duration = Duration::from_millis(1);
/// and backs off to this when nothing happens.
const MAX_TICK: Duration = Duration::from_millis(20);
/// After an answer on a kept-alive connection, its worker waits this long for the next
/// request's head (when no other connection waits for a worker) before handing the connection
/// to the watcher: a client sending requests one after another is served without a hand-over.
const NEXT_REQUEST_GRACE: Duration = Duration::from_millis(5);
/// How often idle threads look at the stop flag.
const STOP_CHECK: Duration = Duration::from_millis(100);
/// A refused connection's request bytes already received are read (and dropped) up to this
/// many, so that closing it does not reset the 503 away.
const REFUSED_DRAIN: usize = 64 * 1024;

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// `ms` milliseconds from now; `None` (never) if that is past what `Instant` can hold.
pub(crate) fn after_ms(ms: u64) -> Option<Instant> {
    Instant::now().checked_add(millis(ms))
}

/// A client socket whose reads time out: each after `read_timeout`, and all of them at
/// `deadline` when one is set. Bytes read ahead (by the watcher, or left over after a request)
/// are read first.
pub(crate) struct Sock {
    stream: Arc<TcpStream>,
    /// Bytes of the connection already received, not yet read.
    ahead: Vec<u8>,
    /// How much of `ahead` was read.
    ahead_read: usize,
    /// When the request being read must be complete.
    pub deadline: Option<Instant>,
    /// The longest wait of one read.
    pub read_timeout: Duration,
}

impl Sock {
    fn unread(&self) -> &[u8] {
        &self.ahead[self.ahead_read..]
    }
}

impl Read for Sock {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let ahead = self.unread();
        if !ahead.is_empty() {
            let n = ahead.len().min(buf.len());
            buf[..n].copy_from_slice(&ahead[..n]);
            self.ahead_read += n;
            if self.ahead_read == self.ahead.len() {
                self.ahead.clear();
                self.ahead_read = 0;
            }
            return Ok(n);
        }
        let mut timeout = self.read_timeout;
        if let Some(deadline) = self.deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "the request took too long"));
            }
            timeout = timeout.min(left);
        }
        self.stream.set_read_timeout(Some(timeout))?;
        (&*self.stream).read(buf)
    }
}

/// One client connection. Dropping it closes it.
pub(crate) struct Conn {
    id: u64,
    /// The buffered reader over the socket.
    pub reader: BufReader<Sock>,
    /// The client's address.
    pub peer: SocketAddr,
    /// When a waiting connection is closed if no request has started (`None`: never).
    idle_until: Option<Instant>,
    /// When the first byte of the request being received arrived; `None` between requests.
    pub started: Option<Instant>,
    /// When the last byte arrived while the watcher held the connection.
    last_byte: Instant,
    /// How many bytes read ahead were searched for the end of a head.
    searched: usize,
    registry: Arc<Registry>,
}

impl Conn {
    /// Keeps bytes just received ahead of the reader; true if they hold more than empty lines.
    fn take_ahead(&mut self, got: &[u8]) -> bool {
        let sock = self.reader.get_mut();
        let mut got = got;
        if sock.unread().is_empty() {
            // Empty lines before a request line are ignored (RFC 9112 section 2.2).
            let skip = got.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            got = &got[skip..];
            if got.is_empty() {
                return false;
            }
        }
        sock.ahead.extend_from_slice(got);
        let now = Instant::now();
        self.started.get_or_insert(now);
        self.last_byte = now;
        true
    }

    /// The socket, for writing answers.
    pub fn stream(&self) -> &TcpStream {
        &self.reader.get_ref().stream
    }

    /// Puts what the reader buffered back in front of the socket's bytes, so that the
    /// connection can wait for the rest of its next request in the watcher.
    fn unbuffer(&mut self) {
        let mut rest = self.reader.buffer().to_vec();
        self.reader.consume(rest.len());
        let sock = self.reader.get_mut();
        rest.extend_from_slice(sock.unread());
        sock.ahead = rest;
        sock.ahead_read = 0;
    }

    /// Whether the bytes read ahead hold a whole request head (or more than a head may take,
    /// for the worker to refuse). Bytes already searched are not searched again.
    fn head_complete(&mut self, limit: usize) -> bool {
        let ahead = self.reader.get_ref().unread();
        if ahead.len() > limit {
            return true;
        }
        // A terminator may straddle what was searched and what is new.
        let from = self.searched.saturating_sub(3).min(ahead.len());
        let fresh = &ahead[from..];
        self.searched = ahead.len();
        // An empty line ends a head; lines may end with CRLF or LF alone.
        fresh.windows(2).any(|w| w == b"\n\n") || fresh.windows(3).any(|w| w == b"\n\r\n")
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        lock(&self.registry.open).remove(&self.id);
    }
}

/// Every open connection: counted against `max_connections`, and closed all at once on shutdown.
#[derive(Default)]
struct Registry {
    open: Mutex<HashMap<u64, Arc<TcpStream>>>,
    next: AtomicU64,
}

/// What a waiting connection is doing.
enum Waiting {
    /// Bytes of a request have arrived.
    Ready,
    /// Nothing yet, or part of a request head.
    Idle,
    /// Closed by the client, failed, or idle too long.
    Gone,
    /// Part of a request head arrived, and then too little for too long: answer 408.
    TooSlow,
}

/// The connections between the threads, and the limits they follow.
pub(crate) struct Pool {
    limits: Limits,
    registry: Arc<Registry>,
    /// Connections with a request arriving, waiting for a worker.
    ready: Mutex<VecDeque<Conn>>,
    available: Condvar,
    /// To the watcher: connections waiting for their next request.
    waiting: Sender<Conn>,
    stopping: AtomicBool,
}

/// The threads of a running pool.
pub(crate) struct Threads {
    accept: Option<thread::JoinHandle<()>>,
    others: Vec<thread::JoinHandle<()>>,
}

impl Pool {
    /// Starts the accept thread, the watcher and the workers; each request is served by `serve`,
    /// which gives the connection back to be kept alive, or `None` to close it.
    pub fn start<F>(listener: TcpListener, limits: Limits, serve: F) -> io::Result<(Arc<Pool>, Threads)>
    where
        F: Fn(Conn) -> Option<Conn> + Send + Sync + 'static,
    {
        let (waiting, arrivals) = mpsc::channel();
        let pool = Arc::new(Pool {
            limits,
            registry: Arc::new(Registry::default()),
            ready: Mutex::new(VecDeque::new()),
            available: Condvar::new(),
            waiting,
            stopping: AtomicBool::new(false),
        });
        let mut threads = Threads { accept: None, others: Vec::new() };
        let spawn = |name: &str, work: Box<dyn FnOnce() + Send>| {
            thread::Builder::new().name(name.to_owned()).spawn(work)
        };
        let started = (|| {
            let watcher = Arc::clone(&pool);
            threads.others.push(spawn("faceauth-mock-watch", Box::new(move || watcher.watch(&arrivals)))?);
            let serve = Arc::new(serve);
            for _ in 0..pool.limits.workers {
                let (worker, serve) = (Arc::clone(&pool), Arc::clone(&serve));
                threads.others.push(spawn("faceauth-mock-worker", Box::new(move || worker.work(&*serve)))?);
            }
            let acceptor = Arc::clone(&pool);
            threads.accept =
                Some(spawn("faceauth-mock-accept", Box::new(move || acceptor.accept(&listener)))?);
            Ok::<(), io::Error>(())
        })();
        if let Err(e) = started {
            pool.stop(&mut threads);
            return Err(e);
        }
        Ok((pool, threads))
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Stops the watcher and the workers (the accept thread was stopped first, see
    /// [`begin_stop`](Self::begin_stop)). Open connections are closed; a request being served
    /// finishes on a closed socket.
    pub fn stop(&self, threads: &mut Threads) {
        self.stopping.store(true, Ordering::SeqCst);
        self.available.notify_all();
        for stream in lock(&self.registry.open).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        for handle in threads.others.drain(..) {
            let _ = handle.join();
        }
        lock(&self.ready).clear();
    }

    /// Marks the pool as stopping, so that the accept thread ends at its next connection.
    pub fn begin_stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    fn accept(&self, listener: &TcpListener) {
        for incoming in listener.incoming() {
            if self.stopping() {
                return;
            }
            let stream = match incoming {
                Ok(stream) => stream,
                Err(_) => {
                    // Out of descriptors, or a connection reset before accept: try again shortly.
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            if lock(&self.registry.open).len() >= self.limits.max_connections {
                refuse(&stream);
                continue;
            }
            let Ok(peer) = stream.peer_addr() else { continue };
            let _ = stream.set_write_timeout(Some(millis(self.limits.write_timeout_ms)));
            let _ = stream.set_nodelay(true);
            let stream = Arc::new(stream);
            let id = self.registry.next.fetch_add(1, Ordering::Relaxed);
            lock(&self.registry.open).insert(id, Arc::clone(&stream));
            let sock = Sock {
                stream,
                ahead: Vec::new(),
                ahead_read: 0,
                deadline: None,
                read_timeout: millis(self.limits.read_timeout_ms),
            };
            let conn = Conn {
                id,
                reader: BufReader::with_capacity(16 * 1024, sock),
                peer,
                idle_until: None,
                started: None,
                last_byte: Instant::now(),
                searched: 0,
                registry: Arc::clone(&self.registry),
            };
            self.park(conn);
        }
    }

    /// Hands a connection between requests to the watcher. Bytes of the next request already
    /// received (pipelined) go with it.
    pub fn park(&self, mut conn: Conn) {
        conn.unbuffer();
        conn.reader.get_mut().deadline = None;
        let now = Instant::now();
        conn.idle_until = after_ms(self.limits.idle_timeout_ms);
        conn.started =
            if conn.reader.get_ref().unread().is_empty() { None } else { conn.started.or(Some(now)) };
        conn.last_byte = now;
        conn.searched = 0;
        // After shutdown there is no watcher: the connection is dropped, which closes it.
        let _ = self.waiting.send(conn);
    }

    /// The watcher: holds waiting connections, reads their request heads as bytes arrive,
    /// closes idle and too slow ones, and queues those with a whole head for a worker.
    fn watch(&self, arrivals: &Receiver<Conn>) {
        let mut waiting: Vec<Conn> = Vec::new();
        let mut tick = MIN_TICK;
        while !self.stopping() {
            let wait = if waiting.is_empty() { STOP_CHECK } else { tick };
            match arrivals.recv_timeout(wait) {
                Ok(conn) => {
                    waiting.extend(
                        std::iter::once(conn)
                            .chain(arrivals.try_iter())
                            .filter_map(|conn| conn.stream().set_nonblocking(true).ok().map(|()| conn)),
                    );
                    tick = MIN_TICK;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            let now = Instant::now();
            let mut moved = false;
            let mut i = 0;
            while i < waiting.len() {
                match self.receive(&mut waiting[i], now) {
                    Waiting::Idle => i += 1,
                    Waiting::Gone => drop(waiting.swap_remove(i)),
                    Waiting::TooSlow => {
                        let conn = waiting.swap_remove(i);
                        let answer = Response::message(408, "Request Timeout").closing();
                        let _ = answer.write_to(conn.stream());
                        let _ = conn.stream().shutdown(Shutdown::Both);
                    }
                    Waiting::Ready => {
                        let conn = waiting.swap_remove(i);
                        if conn.stream().set_nonblocking(false).is_ok() {
                            lock(&self.ready).push_back(conn);
                            self.available.notify_one();
                            moved = true;
                        }
                    }
                }
            }
            tick = if moved { MIN_TICK } else { (tick * 2).min(MAX_TICK) };
        }
    }

    /// A worker: serves ready connections until the pool stops.
    fn work(&self, serve: &dyn Fn(Conn) -> Option<Conn>) {
        loop {
            let conn = {
                let mut ready = lock(&self.ready);
                loop {
                    if self.stopping() {
                        return;
                    }
                    if let Some(conn) = ready.pop_front() {
                        break conn;
                    }
                    ready = self
                        .available
                        .wait_timeout(ready, STOP_CHECK)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
            };
            let mut next = Some(conn);
            while let Some(conn) = next.take() {
                // A bug in one request must not cost the pool a worker: the connection is dropped.
                let Ok(Some(mut conn)) = panic::catch_unwind(AssertUnwindSafe(|| serve(conn))) else { break };
                match self.await_next(&mut conn) {
                    Waiting::Ready => next = Some(conn),
                    Waiting::Gone => {}
                    Waiting::Idle | Waiting::TooSlow => self.park(conn),
                }
            }
        }
    }
}

impl Threads {
    /// Waits for the accept thread, which ends when the pool stops.
    pub fn join_accept(&mut self) {
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl Pool {
    /// Waits a little, on the worker, for the next request of a kept-alive connection: `Ready`
    /// when its whole head has arrived, `Gone` if the client closed, `Idle` to park it.
    fn await_next(&self, conn: &mut Conn) -> Waiting {
        conn.unbuffer();
        conn.searched = 0;
        let limit = self.limits.max_header_bytes;
        if conn.head_complete(limit) {
            conn.started.get_or_insert_with(Instant::now);
            return Waiting::Ready;
        }
        if !lock(&self.ready).is_empty() || self.stopping() {
            return Waiting::Idle;
        }
        let deadline = Instant::now() + NEXT_REQUEST_GRACE;
        let mut buf = [0u8; 4096];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Waiting::Idle;
            }
            let sock = conn.reader.get_mut();
            if sock.stream.set_read_timeout(Some(left)).is_err() {
                return Waiting::Gone;
            }
            match (&*sock.stream).read(&mut buf) {
                Ok(0) => return Waiting::Gone,
                Ok(n) => {
                    if conn.take_ahead(&buf[..n]) && conn.head_complete(limit) {
                        return Waiting::Ready;
                    }
                }
                Err(e) if matches!(e.kind(), io::ErrorKind::Interrupted) => {}
                Err(e) if http::is_timeout(&e) => return Waiting::Idle,
                Err(_) => return Waiting::Gone,
            }
        }
    }

    /// Reads what a waiting connection's client sent (the socket is non-blocking here) and
    /// says what to do with it.
    fn receive(&self, conn: &mut Conn, now: Instant) -> Waiting {
        let limit = self.limits.max_header_bytes;
        let mut buf = [0u8; 4096];
        while !conn.head_complete(limit) {
            let sock = conn.reader.get_mut();
            match (&*sock.stream).read(&mut buf) {
                // The client went away (with half a request, if any).
                Ok(0) => return Waiting::Gone,
                Ok(n) => {
                    conn.take_ahead(&buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return match conn.started {
                        None if conn.idle_until.is_some_and(|until| now >= until) => Waiting::Gone,
                        None => Waiting::Idle,
                        Some(started) => {
                            let passed = |since: Instant, ms: u64| {
                                since.checked_add(millis(ms)).is_some_and(|until| now >= until)
                            };
                            if passed(started, self.limits.request_timeout_ms)
                                || passed(conn.last_byte, self.limits.read_timeout_ms)
                            {
                                Waiting::TooSlow
                            } else {
                                Waiting::Idle
                            }
                        }
                    };
                }
                Err(_) => return Waiting::Gone,
            }
        }
        Waiting::Ready
    }
}

/// Answers 503 to a connection over the limit and closes it, without blocking.
fn refuse(stream: &TcpStream) {
    if stream.set_nonblocking(true).is_ok() {
        let mut buf = [0u8; 4096];
        let mut drained = 0;
        while drained < REFUSED_DRAIN {
            match (&*stream).read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }
    let _ = Response::message(503, "Service Unavailable").closing().write_to(stream);
    let _ = stream.shutdown(Shutdown::Write);
}
