//! FaceAuth URLs: `UrlBuilder` (one project's links, one at a time or in bulk) and
//! `inspect_url` (a link taken apart).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::time::{Duration, Instant};

use faceauth::crypto::NonceSource;
use faceauth::url::{self, AuthParams, Inspection, UrlBuilder, DEFAULT_BASE_URL};
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyList, PyString};
use pyo3::Borrowed;

use crate::convert::{json_to_py, repr_opt};
use crate::crypto::{cipher_of, PyCipher};
use crate::errors::{invalid_argument_err, to_py_err, to_py_err_at_row};

/// `faceauth.UrlBuilder(project_id, api_key, scheme="ecb", *, base_url=None, lang=None)`: builds
/// FaceAuth URLs for one project. Thread-safe; the key never appears in its `repr`.
#[pyclass(frozen, module = "faceauth", name = "UrlBuilder")]
pub struct PyUrlBuilder {
    pub(crate) inner: UrlBuilder,
    base_url: String,
    lang: Option<String>,
}

/// The keyword arguments of `build`, in `AuthParams` order: what a `build_many` row may hold.
const ROW_KEYS: [&str; 6] = ["sid", "user_id", "cf1", "cf2", "cf3", "token"];

/// `build_many` reads, builds and returns its rows this many at a time: the buffers stay small
/// and warm in cache, the GIL is released at least once per chunk, and the worker thread (see
/// [`PyUrlBuilder::build_many`]) builds one chunk while the calling thread deals with others.
const CHUNK: usize = 1024;

/// How `build_many`'s two threads wait for each other's chunks (see [`receive`]): yielding in a
/// loop for up to `SPIN_FOR` when in a hurry, then looking every `POLL` for up to `POLL_FOR`.
const SPIN_FOR: Duration = Duration::from_micros(150);
const POLL: Duration = Duration::from_micros(20);
const POLL_FOR: Duration = Duration::from_millis(5);

/// The rows of a `build_many` call, copied out of Python so the GIL can be released while the
/// URLs are built: every value's text sits in one buffer, and each row holds, per field of
/// [`ROW_KEYS`], the range of its value (`None` when absent).
#[derive(Default)]
struct Rows {
    text: String,
    rows: Vec<[Option<(usize, usize)>; 6]>,
}

impl Rows {
    /// The parameters of row `index`.
    fn params(&self, index: usize) -> AuthParams<'_> {
        let row = &self.rows[index];
        let field = |i: usize| row[i].map(|(start, end)| self.text[start..end].into());
        AuthParams {
            sid: field(0).unwrap_or_default(),
            user_id: field(1),
            cf1: field(2),
            cf2: field(3),
            cf3: field(4),
            token: field(5),
        }
    }
}

/// Reads `build_many`'s rows while the GIL is held, copying each value's UTF-8 as it goes (under
/// the limited API of Python 3.10 a `str` lends its UTF-8, cached in the object; an ASCII `str`
/// is its own), so the objects are touched once.
struct RowReader<'py> {
    py: Python<'py>,
    /// The interned names of [`ROW_KEYS`]: keys written as literals are these very objects.
    keys: [Bound<'py, PyString>; 6],
    /// Other key objects seen (equal names that are not the interned objects, as
    /// `csv.DictReader` makes), with their field; kept alive so their identity stays theirs.
    seen: Vec<(Bound<'py, PyAny>, usize)>,
}

impl<'py> RowReader<'py> {
    fn new(py: Python<'py>) -> Self {
        let keys = ROW_KEYS.map(|key| PyString::intern(py, key));
        RowReader { py, keys, seen: Vec::new() }
    }

    /// The field a key names, by identity first (cheap), else by its text.
    fn field_of(&mut self, index: usize, key: &Bound<'py, PyAny>) -> PyResult<usize> {
        if let Some(i) = self.keys.iter().position(|k| key.is(k)) {
            return Ok(i);
        }
        if let Some((_, i)) = self.seen.iter().find(|(k, _)| key.is(k)) {
            return Ok(*i);
        }
        let name =
            key.cast::<PyString>().map_err(|_| row_type_error(index, "keys must be str".to_owned()))?;
        let name = name.to_cow()?;
        let Some(i) = ROW_KEYS.iter().position(|k| *k == name) else {
            return Err(row_type_error(
                index,
                format!(
                    "unknown key '{}' (expected sid, user_id, cf1, cf2, cf3, token)",
                    faceauth::excerpt(&name)
                ),
            ));
        };
        if self.seen.len() < 32 {
            self.seen.push((key.clone(), i));
        }
        Ok(i)
    }

    /// Reads up to [`CHUNK`] rows into `job` (whose `first` is set), and tells whether more may
    /// follow (the chunk is full).
    fn read_chunk(&mut self, iter: &mut Bound<'py, PyIterator>, job: &mut Job) -> PyResult<bool> {
        job.rows.text.clear();
        job.rows.rows.clear();
        for offset in 0..CHUNK {
            let Some(row) = iter.next() else { return Ok(false) };
            self.push(job.first + offset, &row?, &mut job.rows)?;
        }
        Ok(true)
    }

    /// Reads one dict with the keyword arguments of `build`: `sid` (required), `user_id`, `cf1`,
    /// `cf2`, `cf3` and `token` (each a `str` or `None`), appending its values to `out`. Any
    /// other key is a `TypeError`, as an unknown keyword is.
    ///
    /// The one `unsafe` of the binding: the dict's items are read as borrowed references (five
    /// fewer calls into libpython per item under the stable ABI, ~20 ns a row of ~230).
    #[allow(unsafe_code)]
    #[deny(clippy::undocumented_unsafe_blocks)]
    fn push(&mut self, index: usize, row: &Bound<'py, PyAny>, out: &mut Rows) -> PyResult<()> {
        // An exact type is one pointer comparison; a subclass takes the general check.
        let dict = row
            .cast_exact::<PyDict>()
            .or_else(|_| row.cast::<PyDict>())
            .map_err(|_| row_type_error(index, format!("expected a dict, got {}", type_name(row))))?;
        // The row's slots are filled in place, not copied in at the end (a chunk with a row
        // that fails is dropped whole).
        let Rows { text: out_text, rows } = out;
        let at = rows.len();
        rows.push([None; 6]);
        let slots = &mut rows[at];
        let mut has_sid = false;
        let (mut pos, mut key, mut value) = (0, std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: `dict` is a live dict, and the GIL is held (an abi3 module only loads into an
        // interpreter with a GIL). `PyDict_Next` lends the dict's own references to a key and a
        // value; they stay valid while the dict is not changed, and nothing below runs Python
        // code before they are last used: identity and exact-type checks, `PyUnicode_AsUTF8AndSize`
        // on a `str`, and an error path that takes its own references first.
        while unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut key, &mut value) } != 0 {
            // SAFETY: as above; both pointers are non-null when `PyDict_Next` returns non-zero.
            let (key, value) =
                unsafe { (Borrowed::from_ptr(self.py, key), Borrowed::from_ptr(self.py, value)) };
            let i = self.field_of(index, &key)?;
            has_sid |= i == 0;
            if value.is_none() && i > 0 {
                continue;
            }
            let text = value.cast_exact::<PyString>().or_else(|_| value.cast::<PyString>());
            let text = text.map_err(|_| {
                let allowed = if i == 0 { "str" } else { "str or None" };
                let got = type_name(&value.to_owned());
                row_type_error(index, format!("'{}' must be {allowed}, not {got}", ROW_KEYS[i]))
            })?;
            let utf8 = text.to_str().map_err(|_| {
                let what = format!("row {index}: '{}' is not valid Unicode text", ROW_KEYS[i]);
                invalid_argument_err(self.py, what)
            })?;
            let start = out_text.len();
            out_text.push_str(utf8);
            slots[i] = Some((start, out_text.len()));
        }
        if !has_sid {
            return Err(row_type_error(index, "missing key 'sid'".to_owned()));
        }
        Ok(())
    }
}

fn row_type_error(index: usize, what: String) -> PyErr {
    PyTypeError::new_err(format!("row {index}: {what}"))
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value.get_type().name().map(|n| n.to_string()).unwrap_or_default()
}

/// One chunk of `build_many`: its rows, copied out of Python, and once built, their URLs (one
/// buffer, each URL's end in `ends`) or the first failing row. Two of them take turns between the
/// calling thread and the worker, so their buffers are reused.
#[derive(Default)]
struct Job {
    /// The index of the chunk's first row in the whole input.
    first: usize,
    rows: Rows,
    urls: String,
    ends: Vec<usize>,
    /// The first failing row (counted within the chunk) and its error.
    failed: Option<(usize, faceauth::url::UrlError)>,
}

impl Job {
    /// Builds the URL of every row, stopping at the first that fails. Needs no Python.
    fn build(&mut self, builder: &UrlBuilder) {
        self.urls.clear();
        self.ends.clear();
        self.failed = None;
        // Nonces (GCM) and IVs (CBC) from the OS a block at a time, for this chunk only.
        let mut nonces = NonceSource::new();
        for index in 0..self.rows.rows.len() {
            if let Err(e) = builder.build_with(&self.rows.params(index), &mut nonces, &mut self.urls) {
                self.failed = Some((index, e));
                return;
            }
            self.ends.push(self.urls.len());
        }
    }

    /// Adds the chunk's URLs to `urls` as `str`s, or raises its failing row's error.
    fn collect<'py>(&mut self, py: Python<'py>, urls: &Bound<'py, PyList>) -> PyResult<()> {
        if let Some((index, err)) = self.failed.take() {
            return Err(to_py_err_at_row(err, self.first + index));
        }
        let mut start = 0;
        for &end in &self.ends {
            urls.append(PyString::new(py, &self.urls[start..end]))?;
            start = end;
        }
        Ok(())
    }
}

/// `build_many` on the calling thread: builds `job` (its first chunk, read) with the GIL
/// released, makes its `str`s, reads the next chunk if `more`, and so on.
fn build_here<'py>(
    builder: &UrlBuilder,
    reader: &mut RowReader<'py>,
    iter: &mut Bound<'py, PyIterator>,
    mut job: Job,
    mut more: bool,
    urls: &Bound<'py, PyList>,
) -> PyResult<()> {
    let py = reader.py;
    loop {
        py.detach(|| job.build(builder));
        job.collect(py, urls)?;
        if !more {
            return Ok(());
        }
        job.first += job.rows.rows.len();
        more = reader.read_chunk(iter, &mut job)?;
    }
}

/// `build_many` on two threads: a worker builds each chunk while the calling thread makes the
/// `str`s of the one before and reads the next, waiting for the worker with the GIL released.
/// `first` is the first chunk, read. Gives `false`, having done nothing, if no thread can be
/// started.
fn build_on_worker<'py>(
    builder: &UrlBuilder,
    reader: &mut RowReader<'py>,
    iter: &mut Bound<'py, PyIterator>,
    first: &mut Job,
    urls: &Bound<'py, PyList>,
) -> PyResult<bool> {
    let py = reader.py;
    // Whether the calling thread found the last chunk it needed not built yet: the worker is then
    // the bottleneck, and takes its next chunk the moment it comes.
    let worker_behind = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (to_worker, jobs) = mpsc::sync_channel::<Job>(1);
        let (to_caller, mut done) = mpsc::sync_channel::<Job>(1);
        let worker = std::thread::Builder::new().name("faceauth-build_many".to_owned());
        let worker_behind = &worker_behind;
        let started = worker.spawn_scoped(scope, move || {
            while let Some(mut job) = receive(&jobs, worker_behind.load(Ordering::Relaxed)) {
                job.build(builder);
                if to_caller.send(job).is_err() {
                    break;
                }
            }
        });
        if started.is_err() {
            return Ok(false);
        }
        // The chunk just read goes to the worker before the `str`s of the one it built are made:
        // the worker builds while this thread makes `str`s and reads, not while it reads only.
        // Two sets of buffers take turns.
        let mut reading = Job { first: first.first + first.rows.rows.len(), ..Job::default() };
        let mut sent = to_worker.send(std::mem::take(first)).is_ok();
        let mut more = true;
        loop {
            let read = if more {
                reader.read_chunk(iter, &mut reading)
            } else {
                reading.rows.rows.clear();
                Ok(false)
            };
            // Waits with the GIL released; the receiver goes in and comes back out, as a
            // `&Receiver` may not cross threads.
            let (back, built) = py.detach(move || {
                let built = match sent.then(|| done.try_recv()) {
                    None | Some(Err(TryRecvError::Disconnected)) => None,
                    Some(Ok(built)) => {
                        worker_behind.store(false, Ordering::Relaxed);
                        Some(built)
                    }
                    Some(Err(TryRecvError::Empty)) => {
                        worker_behind.store(true, Ordering::Relaxed);
                        receive(&done, true)
                    }
                };
                (done, built)
            });
            done = back;
            // None: the worker panicked; leaving the scope raises its panic.
            let Some(mut built) = built else { return Ok(true) };
            let following = reading.first + reading.rows.rows.len();
            // A chunk read whole goes to the worker; one that failed is dropped, and its error
            // comes after the built chunk's own (the first failing row is the one reported).
            let carry = read.is_ok() && !reading.rows.rows.is_empty();
            if carry {
                sent = to_worker.send(std::mem::take(&mut reading)).is_ok();
            }
            built.collect(py, urls)?;
            more = read?;
            if !carry {
                return Ok(true);
            }
            reading = built;
            reading.first = following;
        }
    })
}

/// The next chunk from the other thread of `build_many`, or `None` once it has hung up. Waking
/// a blocked thread (a futex wake and an interrupt to an idle CPU) costs the waker ~14 µs on a
/// VM, and the shortest sleep there lasts ~100 µs, so a thread waits in three steps: when it is
/// the bottleneck (`hurry`), it yields the CPU in a loop for up to [`SPIN_FOR`], taking the chunk
/// within a µs of its coming; then it looks every [`POLL`], up to [`POLL_FOR`]; then it blocks.
/// Either way the sender finds it awake and pays nothing.
fn receive(from: &mpsc::Receiver<Job>, hurry: bool) -> Option<Job> {
    let started = Instant::now();
    loop {
        match from.try_recv() {
            Ok(job) => return Some(job),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) => {}
        }
        let waited = started.elapsed();
        if hurry && waited < SPIN_FOR {
            std::thread::yield_now();
        } else if waited < POLL_FOR {
            std::thread::sleep(POLL);
        } else {
            return from.recv().ok();
        }
    }
}

#[pymethods]
impl PyUrlBuilder {
    #[new]
    #[pyo3(signature = (project_id, api_key, scheme = "ecb", *, base_url = None, lang = None))]
    fn new(
        project_id: &str,
        api_key: &str,
        scheme: &str,
        base_url: Option<&str>,
        lang: Option<&str>,
    ) -> PyResult<Self> {
        let mut inner =
            UrlBuilder::with_cipher(project_id, cipher_of(api_key, scheme)?).map_err(to_py_err)?;
        if let Some(base) = base_url {
            inner = inner.base_url(base).map_err(to_py_err)?;
        }
        if let Some(code) = lang {
            inner = inner.lang(code).map_err(to_py_err)?;
        }
        Ok(PyUrlBuilder {
            inner,
            base_url: base_url.map_or(DEFAULT_BASE_URL, |b| b.trim_end_matches('/')).to_owned(),
            lang: lang.map(str::to_owned),
        })
    }

    /// The project id (`pid`).
    #[getter]
    fn project_id(&self) -> &str {
        self.inner.pid()
    }

    /// The variant id (`ecb-sha256`, …).
    #[getter]
    fn variant(&self) -> &'static str {
        self.inner.variant().id()
    }

    /// The scheme: `ecb`, `gcm` or `cbc`.
    #[getter]
    fn scheme(&self) -> &'static str {
        self.inner.variant().scheme().name()
    }

    /// The base URL links point at (no trailing `/`).
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The page language, if set.
    #[getter]
    fn lang(&self) -> Option<&str> {
        self.lang.as_deref()
    }

    /// The builder's cipher (the same key and variant), e.g. for `Cipher.decrypt`.
    #[getter]
    fn cipher(&self) -> PyCipher {
        PyCipher { inner: self.inner.cipher().clone() }
    }

    /// Builds the URL for one user.
    #[pyo3(signature = (sid, *, user_id = None, cf1 = None, cf2 = None, cf3 = None, token = None))]
    fn build(
        &self,
        sid: &str,
        user_id: Option<&str>,
        cf1: Option<&str>,
        cf2: Option<&str>,
        cf3: Option<&str>,
        token: Option<&str>,
    ) -> PyResult<String> {
        let params = AuthParams {
            sid: sid.into(),
            user_id: user_id.map(Into::into),
            cf1: cf1.map(Into::into),
            cf2: cf2.map(Into::into),
            cf3: cf3.map(Into::into),
            token: token.map(Into::into),
        };
        self.inner.build(&params).map_err(to_py_err)
    }

    /// Builds one URL per row: `rows` is an iterable of dicts with `build`'s keyword arguments
    /// (`sid` required). Rows are read 1024 at a time with the GIL held; a second thread builds
    /// each chunk while the calling thread makes the `str`s of the one before and reads the next,
    /// and the calling thread waits for it with the GIL released. An input of one chunk or less
    /// (or any, if no thread can be started) is built on the calling thread, the GIL released.
    /// An error names its row (`.row`, counted from 0; the first failing row of the first chunk
    /// that fails); no URL is returned then.
    fn build_many<'py>(&self, py: Python<'py>, rows: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let mut reader = RowReader::new(py);
        let mut iter = rows.try_iter()?;
        let mut job = Job::default();
        let more = reader.read_chunk(&mut iter, &mut job)?;
        // Each `str` is appended as it is made: no second pass to fill a list from a vector.
        let urls = PyList::empty(py);
        // One chunk is too little for a second thread to pay for itself; and if none can be
        // started, the chunks are built here.
        let on_worker = more && build_on_worker(&self.inner, &mut reader, &mut iter, &mut job, &urls)?;
        if !on_worker {
            build_here(&self.inner, &mut reader, &mut iter, job, more, &urls)?;
        }
        Ok(urls)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "UrlBuilder(project_id={}, variant='{}', base_url={}, lang={})",
            repr_opt(py, Some(self.inner.pid())),
            self.inner.variant().id(),
            crate::convert::repr_redacted(py, &self.base_url),
            repr_opt(py, self.lang.as_deref()),
        )
    }
}

/// What `inspect_url` found in a FaceAuth URL.
#[pyclass(frozen, module = "faceauth", name = "Inspection")]
pub struct PyInspection {
    inspection: Inspection,
    variant: &'static str,
}

#[pymethods]
impl PyInspection {
    /// The project id, in clear in the URL.
    #[getter]
    fn pid(&self) -> &str {
        &self.inspection.pid
    }

    /// The page language, if the URL sets one.
    #[getter]
    fn lang(&self) -> Option<&str> {
        self.inspection.lang.as_deref()
    }

    /// Everything before `/face-auth?`.
    #[getter]
    fn base_url(&self) -> &str {
        &self.inspection.base_url
    }

    /// The id of the variant that decrypted it.
    #[getter]
    fn variant(&self) -> &'static str {
        self.variant
    }

    /// The decrypted parameters present, by their payload keys (`sid`, `authUserId`,
    /// `authCf1`…`authCf3`, `token`), in the spec's order.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (key, value) in self.inspection.params.fields() {
            if let Some(value) = value {
                dict.set_item(key, value)?;
            }
        }
        Ok(dict)
    }

    /// Payload keys outside the spec's list, with their values as sent.
    #[getter]
    fn unknown_fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for field in &self.inspection.unknown_fields {
            dict.set_item(&field.name, json_to_py(py, &field.json)?)?;
        }
        Ok(dict)
    }

    /// `sid`: the submission id.
    #[getter]
    fn sid(&self) -> &str {
        &self.inspection.params.sid
    }

    /// `authUserId`, if present.
    #[getter]
    fn user_id(&self) -> Option<&str> {
        self.inspection.params.user_id.as_deref()
    }

    /// `authCf1`, if present.
    #[getter]
    fn cf1(&self) -> Option<&str> {
        self.inspection.params.cf1.as_deref()
    }

    /// `authCf2`, if present.
    #[getter]
    fn cf2(&self) -> Option<&str> {
        self.inspection.params.cf2.as_deref()
    }

    /// `authCf3`, if present.
    #[getter]
    fn cf3(&self) -> Option<&str> {
        self.inspection.params.cf3.as_deref()
    }

    /// `token`, if present.
    #[getter]
    fn token(&self) -> Option<&str> {
        self.inspection.params.token.as_deref()
    }

    /// The report as `faceauth inspect --json` prints it: `base_url`, `pid`, `lang`, `variant`,
    /// `params`, `unknown_fields`, `percent_decoded`, `spaces_as_plus`, `whitespace_removed`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = serde_json::to_string(&self.inspection.to_json(self.variant)).map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!("cannot serialize the report: {e}"))
        })?;
        json_to_py(py, &json)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let params = self.params(py)?;
        Ok(format!(
            "Inspection(pid={}, variant='{}', base_url={}, lang={}, params={})",
            repr_opt(py, Some(&self.inspection.pid)),
            self.variant,
            crate::convert::repr_redacted(py, &self.inspection.base_url),
            repr_opt(py, self.inspection.lang.as_deref()),
            crate::convert::py_repr(params.as_any()),
        ))
    }
}

/// `faceauth.inspect_url(url, api_key, scheme="ecb")`: takes a FaceAuth URL (or its query)
/// apart and decrypts its parameters.
#[pyfunction]
#[pyo3(signature = (url, api_key, scheme = "ecb"))]
fn inspect_url(url: &str, api_key: &str, scheme: &str) -> PyResult<PyInspection> {
    let cipher = cipher_of(api_key, scheme)?;
    let inspection = url::inspect(url, &cipher).map_err(to_py_err)?;
    Ok(PyInspection { inspection, variant: cipher.variant().id() })
}

/// Adds `UrlBuilder`, `Inspection` and `inspect_url`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyUrlBuilder>()?;
    m.add_class::<PyInspection>()?;
    m.add_function(wrap_pyfunction!(inspect_url, m)?)?;
    Ok(())
}
