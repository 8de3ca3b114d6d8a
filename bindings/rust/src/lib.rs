//! Milvus bulk-import jobs over Milvus's REST API, from Rust: list, create, describe, wait
//! for, commit and abort import jobs, upload local files to the object store Milvus
//! imports from. A safe layer over libmilvus_import's C ABI (`milvus_import.h`).
//!
//! - [`Client`]: one server's settings (token, database, timeouts, TLS, headers, retries,
//!   object store) and connections; `Send + Sync`, shared by any number of threads.
//! - [`list_import_jobs`], [`get_import_progress`], [`bulk_import`]: one call with default
//!   settings and no token, without a client.
//! - Every call returns the server's JSON envelope as a `String` (read it with any JSON
//!   library: `data.jobId` of a create, `data.state` and `data.progress` of a describe),
//!   or an [`Error`] with its [`ErrorKind`], HTTP status, server code and message.
//! - Waits and uploads take a progress closure; returning `ControlFlow::Break(())` stops
//!   them with [`ErrorKind::Cancelled`].
//!
//! ```no_run
//! use std::ops::ControlFlow;
//! use std::time::Duration;
//! use milvus_import::{Client, ErrorKind};
//!
//! let client = Client::new("http://127.0.0.1:19530")?;
//! println!("{}", client.list_import_jobs(r#"{"collectionName":"quick_setup"}"#)?);
//! let done = client.wait_import_job("448761313698322011", Duration::from_secs(600),
//!     Duration::from_secs(1), |describe| {
//!         println!("{describe}");
//!         ControlFlow::Continue(())
//!     });
//! match done {
//!     Ok(envelope) => println!("{envelope}"),
//!     Err(e) if e.kind() == ErrorKind::JobNotFound => println!("no such job"),
//!     Err(e) => return Err(e),
//! }
//! # Ok::<(), milvus_import::Error>(())
//! ```
//!
//! Linking: `build.rs` asks `pkg-config` for `milvus_import` (set `PKG_CONFIG_PATH` to
//! `<prefix>/lib/pkgconfig` of `make install PREFIX=<prefix>`).

#![warn(missing_docs)]
// `unsafe` lives in the ffi module only, which allows it for itself.
#![deny(unsafe_code)]

use std::ffi::{c_long, CString};
use std::ops::ControlFlow;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

mod client;
mod error;
pub mod ffi;

pub use client::Client;
pub use error::{Error, ErrorKind};

/// The version of the loaded library, e.g. `"0.1.0"`. Never fails; thread-safe.
pub fn version() -> &'static str {
    ffi::version()
}

/// A progress closure that never stops the call, for waits and uploads that need none:
/// `client.wait_import_job(id, timeout, poll, milvus_import::no_progress)`.
pub fn no_progress(_: &str) -> ControlFlow<()> {
    ControlFlow::Continue(())
}

/// Lists the import jobs of `collection_name`, or of every collection of every database
/// for `None`: `POST {url}/v2/vectordb/jobs/import/list`, without a [`Client`].
///
/// Stateless calls use default settings (timeout 20 s, TLS verification on, 2 retries for
/// list and describe) and no token (a `user:password@` in `url` is sent as HTTP Basic
/// authentication); they share one process-wide connection pool. Thread-safe.
///
/// Returns the server's envelope, e.g.
/// `{"code":0,"data":{"records":[{"collectionName":"quick_setup","jobId":"...","progress":50,"state":"Importing"}]}}`.
///
/// # Errors
/// [`ErrorKind::InvalidArgument`] (bad URL, a NUL byte), and what the server or the
/// network answers: `Transport`, `Timeout`, `Tls`, `Http`, `Auth`, `Server`,
/// `MalformedResponse`, `TooLarge`, `NoMemory`.
pub fn list_import_jobs(url: &str, collection_name: Option<&str>) -> Result<String, Error> {
    ffi::list_import_jobs(&c_text("url", url)?, c_text_opt("collection_name", collection_name)?.as_deref())
}

/// Describes one import job: `POST {url}/v2/vectordb/jobs/import/describe` with
/// `{"jobId": job_id}` (falling back to `.../get_progress` on Milvus 2.4), without a
/// [`Client`]. Settings as for [`list_import_jobs`].
///
/// # Errors
/// As [`list_import_jobs`], plus [`ErrorKind::JobNotFound`] for a job the server does not
/// know (server code 2100, or 2101 from Milvus 2.6.19).
pub fn get_import_progress(url: &str, job_id: &str) -> Result<String, Error> {
    ffi::get_import_progress(&c_text("url", url)?, &c_text("job_id", job_id)?)
}

/// Creates an import job: `POST {url}/v2/vectordb/jobs/import/create`, without a
/// [`Client`]; never retried. `files_json` is a JSON list of lists of strings, one inner
/// list per file group, e.g. `[["a.parquet"],["b.json"]]`. Returns
/// `{"code":0,"data":{"jobId":"..."}}`.
///
/// # Errors
/// As [`list_import_jobs`]; `files_json` of another shape is [`ErrorKind::InvalidArgument`],
/// a collection that does not exist [`ErrorKind::Server`] with server code 100.
pub fn bulk_import(url: &str, collection_name: &str, files_json: &str) -> Result<String, Error> {
    ffi::bulk_import(
        &c_text("url", url)?,
        &c_text("collection_name", collection_name)?,
        &c_text("files_json", files_json)?,
    )
}

/// How many times the stateless [`list_import_jobs`] and [`get_import_progress`] are
/// retried after a transport error, a timeout, or HTTP 408, 429, 502, 503, 504, for every
/// stateless call that starts afterwards, in any thread: 0 to 10, default 2.
///
/// # Errors
/// [`ErrorKind::InvalidArgument`] above 10 (the setting is then unchanged).
pub fn set_stateless_max_retries(max_retries: u32) -> Result<(), Error> {
    ffi::set_stateless_max_retries(std::ffi::c_int::try_from(max_retries).unwrap_or(std::ffi::c_int::MAX))
}

/// A string for C, or [`ErrorKind::InvalidArgument`] naming `what` when it holds a NUL byte.
pub(crate) fn c_text(what: &str, value: &str) -> Result<CString, Error> {
    CString::new(value).map_err(|_| Error::invalid_argument(format!("{what} contains a NUL byte")))
}

pub(crate) fn c_text_opt(what: &str, value: Option<&str>) -> Result<Option<CString>, Error> {
    value.map(|v| c_text(what, v)).transpose()
}

/// A path's bytes for C, or [`ErrorKind::InvalidArgument`] when they hold a NUL byte.
pub(crate) fn c_path(what: &str, path: &Path) -> Result<CString, Error> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::invalid_argument(format!("{what} contains a NUL byte")))
}

/// Whole milliseconds for C, saturated at `c_long::MAX` (the library then refuses what is
/// out of its range).
pub(crate) fn millis(duration: Duration) -> c_long {
    c_long::try_from(duration.as_millis()).unwrap_or(c_long::MAX)
}
