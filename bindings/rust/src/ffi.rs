//! The C ABI of libmilvus_import, declared by hand from `include/milvus_import.h`, and the
//! few crate-internal wrappers that call it. Every `unsafe` of the crate is in this file.
//!
//! The declarations are public for programs that need the raw calls; the rules of the
//! header apply to them (who frees which string, the per-thread last error). Prefer the
//! safe API of the crate root: [`Client`](crate::Client) and the free functions.

#![allow(non_camel_case_types)]
#![allow(unsafe_code)]

use std::any::Any;
use std::ffi::{c_char, c_int, c_long, c_longlong, c_void, CStr};
use std::marker::{PhantomData, PhantomPinned};
use std::ops::ControlFlow;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::{self, NonNull};

use crate::Error;

/// The version of the header these declarations follow (`MILVUS_IMPORT_VERSION`).
pub const MILVUS_IMPORT_VERSION: &str = "0.1.0";

/// Success.
pub const MILVUS_OK: c_int = 0;
/// Bad input from the caller; nothing was sent.
pub const MILVUS_ERR_INVALID_ARGUMENT: c_int = 1;
/// DNS, refused, reset, truncated body, proxy failure.
pub const MILVUS_ERR_TRANSPORT: c_int = 2;
/// The timeout ran out, or the server answered HTTP 408.
pub const MILVUS_ERR_TIMEOUT: c_int = 3;
/// TLS handshake or certificate verification failed.
pub const MILVUS_ERR_TLS: c_int = 4;
/// A non-2xx status other than 401/403/408 (3xx included).
pub const MILVUS_ERR_HTTP: c_int = 5;
/// HTTP 401/403, or server code 1800 / 21119 (Zilliz Cloud).
pub const MILVUS_ERR_AUTH: c_int = 6;
/// A Milvus envelope with a non-zero code.
pub const MILVUS_ERR_SERVER: c_int = 7;
/// A 2xx whose body is not a Milvus JSON envelope.
pub const MILVUS_ERR_MALFORMED_RESPONSE: c_int = 8;
/// The response passed the client's response cap.
pub const MILVUS_ERR_TOO_LARGE: c_int = 9;
/// The server does not know the job (code 2100 or 2101).
pub const MILVUS_ERR_JOB_NOT_FOUND: c_int = 10;
/// An allocation failed.
pub const MILVUS_ERR_NO_MEMORY: c_int = 11;
/// A progress callback or the interrupt check asked to stop.
pub const MILVUS_ERR_CANCELLED: c_int = 12;
/// The object store (S3 API) refused a request.
pub const MILVUS_ERR_STORAGE: c_int = 13;

/// The opaque client handle (`milvus_client`): settings plus a pool of connections.
#[repr(C)]
pub struct milvus_client {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// `milvus_progress_fn`: called with BORROWED JSON text during waits and uploads;
/// returns 0 to go on, non-zero to stop (the call then fails with MILVUS_ERR_CANCELLED).
pub type milvus_progress_fn =
    Option<unsafe extern "C" fn(describe_json: *const c_char, user_data: *mut c_void) -> c_int>;

/// `milvus_interrupt_fn`: asked on the calling thread whether a long call should stop;
/// non-zero stops it with MILVUS_ERR_CANCELLED. It must not call into the library.
pub type milvus_interrupt_fn = Option<unsafe extern "C" fn(user_data: *mut c_void) -> c_int>;

extern "C" {
    /// STATIC version text of the loaded library, e.g. "0.1.0".
    pub fn milvus_version() -> *const c_char;
    /// STATIC short English description of a status number.
    pub fn milvus_status_string(status: c_int) -> *const c_char;

    /// The milvus_status of this thread's last failed call (MILVUS_OK after a success).
    pub fn milvus_last_error_code() -> c_int;
    /// The HTTP status behind the last error; 0 when no response arrived.
    pub fn milvus_last_error_http_status() -> c_int;
    /// The `code` of the server's envelope behind the last error; 0 when there was none.
    pub fn milvus_last_error_server_code() -> c_longlong;
    /// BORROWED one-line message of the last error; "" after a success, never NULL.
    pub fn milvus_last_error_message() -> *const c_char;
    /// BORROWED S3 error `Code` of the last MILVUS_ERR_STORAGE; "" otherwise.
    pub fn milvus_last_error_storage_code() -> *const c_char;

    /// Frees a NEW string returned by the library; NULL is a no-op.
    pub fn milvus_free(p: *mut c_void);

    /// Retries of the stateless list and describe for calls that start afterwards, 0 to 10; default 2.
    pub fn milvus_set_stateless_max_retries(max_retries: c_int) -> c_int;
    /// Stateless list (NULL or "" collection: every job); NEW envelope or NULL.
    pub fn milvus_list_import_jobs(url: *const c_char, collection_name: *const c_char) -> *mut c_char;
    /// Stateless describe of one job; NEW envelope or NULL.
    pub fn milvus_get_import_progress(url: *const c_char, job_id: *const c_char) -> *mut c_char;
    /// Stateless create; `files_json` a list of lists of strings; NEW envelope or NULL.
    pub fn milvus_bulk_import(
        url: *const c_char,
        collection_name: *const c_char,
        files_json: *const c_char,
    ) -> *mut c_char;

    /// A NEW client for one base URL (free with milvus_client_free), or NULL.
    pub fn milvus_client_new(url: *const c_char) -> *mut milvus_client;
    /// Closes the client's connections and frees it; NULL is a no-op; must not race.
    pub fn milvus_client_free(client: *mut milvus_client);

    /// The token sent as "Authorization: Bearer"; NULL or "" removes it.
    pub fn milvus_client_set_api_key(client: *mut milvus_client, token: *const c_char) -> c_int;
    /// The database (DB-Name header, dbName in list and create); NULL or "" removes it.
    pub fn milvus_client_set_database(client: *mut milvus_client, db_name: *const c_char) -> c_int;
    /// The longest time of one call, in milliseconds (> 0; default 20000).
    pub fn milvus_client_set_timeout_ms(client: *mut milvus_client, timeout_ms: c_long) -> c_int;
    /// The longest time of one HTTP attempt in milliseconds; 0 (the default): no limit of its own.
    pub fn milvus_client_set_attempt_timeout_ms(client: *mut milvus_client, attempt_timeout_ms: c_long) -> c_int;
    /// The connect timeout, in milliseconds (> 0; default 10000).
    pub fn milvus_client_set_connect_timeout_ms(client: *mut milvus_client, timeout_ms: c_long) -> c_int;
    /// TLS verification on (non-zero) or off, and a CA file (NULL: the system's store).
    pub fn milvus_client_set_tls(client: *mut milvus_client, verify_peer: c_int, ca_file: *const c_char) -> c_int;
    /// A client certificate and key (PEM files); NULL cert removes it.
    pub fn milvus_client_set_client_cert(
        client: *mut milvus_client,
        cert_file: *const c_char,
        key_file: *const c_char,
    ) -> c_int;
    /// Adds, replaces or (NULL value) removes an extra request header.
    pub fn milvus_client_set_header(client: *mut milvus_client, name: *const c_char, value: *const c_char) -> c_int;
    /// The proxy URL; "" none at all, NULL the environment's.
    pub fn milvus_client_set_proxy(client: *mut milvus_client, proxy_url: *const c_char) -> c_int;
    /// Retries of list and describe (and idempotent create), 0 to 10; default 2.
    pub fn milvus_client_set_max_retries(client: *mut milvus_client, max_retries: c_int) -> c_int;
    /// Sets (or with NULL removes) the client's interrupt check; calls under way keep theirs.
    pub fn milvus_client_set_interrupt(
        client: *mut milvus_client,
        interrupt: milvus_interrupt_fn,
        user_data: *mut c_void,
    ) -> c_int;
    /// The initial retry backoff in milliseconds, 0 to 60000; default 250.
    pub fn milvus_client_set_retry_backoff_ms(client: *mut milvus_client, backoff_ms: c_long) -> c_int;
    /// The response cap in bytes, 1 to 2^40; default 256 MiB.
    pub fn milvus_client_set_max_response_bytes(client: *mut milvus_client, max_bytes: c_longlong) -> c_int;

    /// POST .../list with a JSON request; NEW envelope or NULL.
    pub fn milvus_client_list_import_jobs(client: *mut milvus_client, request_json: *const c_char) -> *mut c_char;
    /// Every page of .../list merged; NEW envelope or NULL.
    pub fn milvus_client_list_all_import_jobs(client: *mut milvus_client, request_json: *const c_char)
        -> *mut c_char;
    /// POST .../describe (fallback .../get_progress); NEW envelope or NULL.
    pub fn milvus_client_get_import_progress(client: *mut milvus_client, request_json: *const c_char)
        -> *mut c_char;
    /// POST .../create; NEW envelope or NULL.
    pub fn milvus_client_bulk_import(client: *mut milvus_client, request_json: *const c_char) -> *mut c_char;
    /// POST .../commit (Milvus 3.0 two-phase import); NEW envelope or NULL.
    pub fn milvus_client_commit_import(client: *mut milvus_client, request_json: *const c_char) -> *mut c_char;
    /// POST .../abort (Milvus 3.0 two-phase import); NEW envelope or NULL.
    pub fn milvus_client_abort_import(client: *mut milvus_client, request_json: *const c_char) -> *mut c_char;

    /// Describes a job every poll until Completed, Failed or Uncommitted; NEW envelope or NULL.
    pub fn milvus_client_wait_import_job(
        client: *mut milvus_client,
        job_id: *const c_char,
        timeout_ms: c_long,
        poll_interval_ms: c_long,
        on_progress: milvus_progress_fn,
        user_data: *mut c_void,
    ) -> *mut c_char;
    /// milvus_client_wait_import_job with a whole describe request.
    pub fn milvus_client_wait_import_job_with_request(
        client: *mut milvus_client,
        request_json: *const c_char,
        timeout_ms: c_long,
        poll_interval_ms: c_long,
        on_progress: milvus_progress_fn,
        user_data: *mut c_void,
    ) -> *mut c_char;
    /// Waits for a set of jobs at one list per poll; NEW envelope or NULL.
    pub fn milvus_client_wait_import_jobs(
        client: *mut milvus_client,
        request_json: *const c_char,
        timeout_ms: c_long,
        poll_interval_ms: c_long,
        on_progress: milvus_progress_fn,
        user_data: *mut c_void,
    ) -> *mut c_char;

    /// The object store: endpoint, region, keys, session token.
    pub fn milvus_client_set_storage(
        client: *mut milvus_client,
        endpoint: *const c_char,
        region: *const c_char,
        access_key: *const c_char,
        secret_key: *const c_char,
        session_token: *const c_char,
    ) -> c_int;
    /// Virtual-host-style addressing (non-zero) or path style (0).
    pub fn milvus_client_set_storage_virtual_host(client: *mut milvus_client, virtual_host: c_int) -> c_int;
    /// The multipart part size in bytes, 5 MiB to 5 GiB; default 64 MiB.
    pub fn milvus_client_set_upload_part_size(client: *mut milvus_client, part_bytes: c_longlong) -> c_int;
    /// An upload fails when no byte moves for this long, in milliseconds.
    pub fn milvus_client_set_upload_stall_timeout_ms(client: *mut milvus_client, stall_ms: c_long) -> c_int;
    /// Uploads local files and folders to the object store; NEW envelope or NULL.
    pub fn milvus_client_upload_files(
        client: *mut milvus_client,
        request_json: *const c_char,
        on_progress: milvus_progress_fn,
        user_data: *mut c_void,
    ) -> *mut c_char;
    /// Uploads, creates the jobs and waits for them; NEW envelope or NULL.
    pub fn milvus_client_import_files(
        client: *mut milvus_client,
        request_json: *const c_char,
        timeout_ms: c_long,
        poll_interval_ms: c_long,
        on_progress: milvus_progress_fn,
        user_data: *mut c_void,
    ) -> *mut c_char;
}

// ---- crate-internal wrappers: the only code that calls the declarations above ------------

/// A setter taking one C `long`, `int` or `long long`, or one or two optional strings.
pub(crate) type SetLong = unsafe extern "C" fn(*mut milvus_client, c_long) -> c_int;
pub(crate) type SetInt = unsafe extern "C" fn(*mut milvus_client, c_int) -> c_int;
pub(crate) type SetLongLong = unsafe extern "C" fn(*mut milvus_client, c_longlong) -> c_int;
pub(crate) type SetText = unsafe extern "C" fn(*mut milvus_client, *const c_char) -> c_int;
pub(crate) type SetTexts = unsafe extern "C" fn(*mut milvus_client, *const c_char, *const c_char) -> c_int;
/// A call taking a request and returning NEW envelope text.
pub(crate) type Call = unsafe extern "C" fn(*mut milvus_client, *const c_char) -> *mut c_char;
/// A wait: request (or job id), timeout, poll interval, progress callback.
pub(crate) type Wait = unsafe extern "C" fn(
    *mut milvus_client,
    *const c_char,
    c_long,
    c_long,
    milvus_progress_fn,
    *mut c_void,
) -> *mut c_char;

/// The progress closure of one call, as the callback's user data.
pub(crate) type ProgressFn<'a> = dyn FnMut(&str) -> ControlFlow<()> + 'a;

/// The interrupt check of a client.
pub(crate) type InterruptFn = dyn Fn() -> bool + Send + Sync;

fn text_ptr(text: Option<&CStr>) -> *const c_char {
    text.map_or(ptr::null(), CStr::as_ptr)
}

/// STATIC text of the library as a `&'static str` ("" if it were ever not UTF-8).
fn static_text(p: *const c_char) -> &'static str {
    if p.is_null() {
        return "";
    }
    // SAFETY: the header documents this text as STATIC: NUL-terminated, never freed.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("")
}

/// BORROWED text of the library, copied before the thread's next call.
fn borrowed_text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: BORROWED text is NUL-terminated and valid until this thread's next call.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

pub(crate) fn version() -> &'static str {
    // SAFETY: no arguments; returns STATIC text.
    static_text(unsafe { milvus_version() })
}

pub(crate) fn status_string(status: c_int) -> &'static str {
    // SAFETY: any int is accepted; returns STATIC text.
    static_text(unsafe { milvus_status_string(status) })
}

/// This thread's last error; called right after a failed call, on the same thread.
fn last_error() -> Error {
    // SAFETY: the accessors take no arguments and never fail; the texts are copied at once.
    unsafe {
        Error::from_last_error(
            milvus_last_error_code(),
            milvus_last_error_http_status(),
            milvus_last_error_server_code(),
            borrowed_text(milvus_last_error_storage_code()),
            borrowed_text(milvus_last_error_message()),
        )
    }
}

fn status_result(status: c_int) -> Result<(), Error> {
    if status == MILVUS_OK {
        Ok(())
    } else {
        Err(last_error())
    }
}

/// NEW text from a call: copied into a String and freed; NULL means the last error.
fn text_result(p: *mut c_char) -> Result<String, Error> {
    if p.is_null() {
        return Err(last_error());
    }
    // SAFETY: p is NEW text from the library: NUL-terminated, ours to free once.
    unsafe {
        let text = CStr::from_ptr(p).to_string_lossy().into_owned();
        milvus_free(p.cast());
        Ok(text)
    }
}

pub(crate) fn list_import_jobs(url: &CStr, collection_name: Option<&CStr>) -> Result<String, Error> {
    // SAFETY: NUL-terminated strings borrowed for the call; the result is NEW or NULL.
    text_result(unsafe { milvus_list_import_jobs(url.as_ptr(), text_ptr(collection_name)) })
}

pub(crate) fn get_import_progress(url: &CStr, job_id: &CStr) -> Result<String, Error> {
    // SAFETY: as list_import_jobs.
    text_result(unsafe { milvus_get_import_progress(url.as_ptr(), job_id.as_ptr()) })
}

pub(crate) fn bulk_import(url: &CStr, collection_name: &CStr, files_json: &CStr) -> Result<String, Error> {
    // SAFETY: as list_import_jobs.
    text_result(unsafe { milvus_bulk_import(url.as_ptr(), collection_name.as_ptr(), files_json.as_ptr()) })
}

pub(crate) fn set_stateless_max_retries(max_retries: c_int) -> Result<(), Error> {
    // SAFETY: a plain value.
    status_result(unsafe { milvus_set_stateless_max_retries(max_retries) })
}

/// The state of one progress closure during a call: the closure, and a panic it raised
/// (caught in the callback, which must not unwind into C, and raised again after the call).
struct Progress<'a, 'f> {
    on_progress: &'a mut ProgressFn<'f>,
    panic: Option<Box<dyn Any + Send>>,
}

unsafe extern "C" fn progress_callback(text: *const c_char, user_data: *mut c_void) -> c_int {
    // SAFETY: user_data is the &mut Progress that `with_progress` passed for this call,
    // alive and not otherwise used until the call returns.
    let progress = unsafe { &mut *user_data.cast::<Progress>() };
    if progress.panic.is_some() {
        return 1;
    }
    let text = if text.is_null() {
        Default::default()
    } else {
        // SAFETY: BORROWED NUL-terminated text, valid during this callback.
        unsafe { CStr::from_ptr(text) }.to_string_lossy()
    };
    let on_progress = &mut progress.on_progress;
    match panic::catch_unwind(AssertUnwindSafe(|| on_progress(&text))) {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(())) => 1,
        Err(payload) => {
            progress.panic = Some(payload);
            1
        }
    }
}

/// Runs `call` with the progress callback and its user data, then turns its NEW text into
/// the result; a panic of the closure is raised again here, after the call has returned.
fn with_progress(
    on_progress: &mut ProgressFn<'_>,
    call: impl FnOnce(milvus_progress_fn, *mut c_void) -> *mut c_char,
) -> Result<String, Error> {
    let mut progress = Progress { on_progress, panic: None };
    let text = call(Some(progress_callback), (&mut progress as *mut Progress).cast());
    let result = text_result(text);
    if let Some(payload) = progress.panic {
        panic::resume_unwind(payload);
    }
    result
}

unsafe extern "C" fn interrupt_callback(user_data: *mut c_void) -> c_int {
    // SAFETY: user_data is the Box<InterruptFn> a Handle owns; it outlives the handle's
    // C client (see Handle's Drop), and calls under way keep the handle borrowed.
    let interrupt = unsafe { &*user_data.cast::<Box<InterruptFn>>() };
    c_int::from(interrupt())
}

/// An owned `milvus_client`: freed once, on drop, after every borrow of it has ended.
pub(crate) struct Handle {
    raw: NonNull<milvus_client>,
    // Declared after `raw` and dropped after Drop::drop has freed the C client.
    interrupt: Option<Box<Box<InterruptFn>>>,
}

// SAFETY: the header makes every call on a client thread-safe, setters included; only
// milvus_client_free must not race, and Drop runs with no borrow left.
unsafe impl Send for Handle {}
// SAFETY: as for Send.
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: raw came from milvus_client_new and is freed exactly once, here.
        unsafe { milvus_client_free(self.raw.as_ptr()) }
    }
}

impl Handle {
    pub(crate) fn new(url: &CStr) -> Result<Handle, Error> {
        // SAFETY: a NUL-terminated string borrowed for the call; NULL on failure.
        let raw = unsafe { milvus_client_new(url.as_ptr()) };
        NonNull::new(raw).map(|raw| Handle { raw, interrupt: None }).ok_or_else(last_error)
    }

    fn raw(&self) -> *mut milvus_client {
        self.raw.as_ptr()
    }

    pub(crate) fn set_long(&self, setter: SetLong, value: c_long) -> Result<(), Error> {
        // SAFETY: a live client and a plain value.
        status_result(unsafe { setter(self.raw(), value) })
    }

    pub(crate) fn set_int(&self, setter: SetInt, value: c_int) -> Result<(), Error> {
        // SAFETY: as set_long.
        status_result(unsafe { setter(self.raw(), value) })
    }

    pub(crate) fn set_long_long(&self, setter: SetLongLong, value: c_longlong) -> Result<(), Error> {
        // SAFETY: as set_long.
        status_result(unsafe { setter(self.raw(), value) })
    }

    pub(crate) fn set_text(&self, setter: SetText, value: Option<&CStr>) -> Result<(), Error> {
        // SAFETY: a live client and a NUL-terminated string (or NULL) borrowed for the call.
        status_result(unsafe { setter(self.raw(), text_ptr(value)) })
    }

    pub(crate) fn set_texts(&self, setter: SetTexts, first: Option<&CStr>, second: Option<&CStr>) -> Result<(), Error> {
        // SAFETY: as set_text.
        status_result(unsafe { setter(self.raw(), text_ptr(first), text_ptr(second)) })
    }

    pub(crate) fn set_tls(&self, verify_peer: bool, ca_file: Option<&CStr>) -> Result<(), Error> {
        // SAFETY: as set_text.
        status_result(unsafe { milvus_client_set_tls(self.raw(), c_int::from(verify_peer), text_ptr(ca_file)) })
    }

    /// Sets or removes the interrupt check. `&mut self`: no call is under way, so the
    /// check it replaces can be dropped here.
    pub(crate) fn set_interrupt(&mut self, interrupt: Option<Box<InterruptFn>>) -> Result<(), Error> {
        let interrupt = interrupt.map(Box::new);
        let (callback, user_data): (milvus_interrupt_fn, *mut c_void) = match &interrupt {
            Some(check) => (Some(interrupt_callback), &**check as *const Box<InterruptFn> as *mut c_void),
            None => (None, ptr::null_mut()),
        };
        // SAFETY: a live client; user_data points into a Box this handle keeps until it
        // is replaced here again or the C client is freed.
        status_result(unsafe { milvus_client_set_interrupt(self.raw(), callback, user_data) })?;
        self.interrupt = interrupt;
        Ok(())
    }

    pub(crate) fn set_storage(
        &self,
        endpoint: Option<&CStr>,
        region: Option<&CStr>,
        access_key: &CStr,
        secret_key: &CStr,
        session_token: Option<&CStr>,
    ) -> Result<(), Error> {
        // SAFETY: as set_text.
        status_result(unsafe {
            milvus_client_set_storage(
                self.raw(),
                text_ptr(endpoint),
                text_ptr(region),
                access_key.as_ptr(),
                secret_key.as_ptr(),
                text_ptr(session_token),
            )
        })
    }

    pub(crate) fn call(&self, call: Call, request_json: &CStr) -> Result<String, Error> {
        // SAFETY: a live client and a NUL-terminated request; the result is NEW or NULL.
        text_result(unsafe { call(self.raw(), request_json.as_ptr()) })
    }

    pub(crate) fn wait(
        &self,
        wait: Wait,
        first: &CStr,
        timeout_ms: c_long,
        poll_interval_ms: c_long,
        on_progress: &mut ProgressFn<'_>,
    ) -> Result<String, Error> {
        with_progress(on_progress, |callback, user_data| {
            // SAFETY: a live client, a NUL-terminated string, and a callback whose user
            // data stays valid until the call returns.
            unsafe { wait(self.raw(), first.as_ptr(), timeout_ms, poll_interval_ms, callback, user_data) }
        })
    }

    pub(crate) fn upload_files(&self, request_json: &CStr, on_progress: &mut ProgressFn<'_>) -> Result<String, Error> {
        with_progress(on_progress, |callback, user_data| {
            // SAFETY: as wait.
            unsafe { milvus_client_upload_files(self.raw(), request_json.as_ptr(), callback, user_data) }
        })
    }
}
