//! The error of every call: its kind, the HTTP status, the server's code, the object
//! store's code and a message.

use std::ffi::{c_int, c_longlong};
use std::fmt;

use crate::ffi;

/// What class of failure an [`Error`] is: the library's `milvus_status`, one arm per value.
///
/// A status this crate does not know yet (from a newer library) is [`ErrorKind::Unknown`]
/// with its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad input from the caller (a bad URL, a request that is not a JSON object, a value
    /// out of range, a string with a NUL byte); nothing was sent. `MILVUS_ERR_INVALID_ARGUMENT`.
    InvalidArgument,
    /// DNS, connection refused or reset, truncated body, proxy failure. `MILVUS_ERR_TRANSPORT`.
    Transport,
    /// The timeout ran out, or the server answered HTTP 408. `MILVUS_ERR_TIMEOUT`.
    Timeout,
    /// TLS handshake or certificate verification failed. `MILVUS_ERR_TLS`.
    Tls,
    /// A non-2xx HTTP status other than 401, 403 and 408, redirects included; a 404 means a
    /// Milvus older than 2.4 or the wrong port (on commit and abort: older than 3.0).
    /// `MILVUS_ERR_HTTP`.
    Http,
    /// HTTP 401 or 403, or server code 1800 (Zilliz Cloud: 21119). `MILVUS_ERR_AUTH`.
    Auth,
    /// A Milvus envelope with a non-zero code, e.g. 100 (collection not found); the code is
    /// [`Error::server_code`]. `MILVUS_ERR_SERVER`.
    Server,
    /// A 2xx answer whose body is not a Milvus JSON envelope. `MILVUS_ERR_MALFORMED_RESPONSE`.
    MalformedResponse,
    /// The response passed the client's cap ([`Client::set_max_response_bytes`](crate::Client::set_max_response_bytes)).
    /// `MILVUS_ERR_TOO_LARGE`.
    TooLarge,
    /// The server does not know the job: code 2100 up to Milvus 2.6.18, 2101 from 2.6.19
    /// (in [`Error::server_code`]). `MILVUS_ERR_JOB_NOT_FOUND`.
    JobNotFound,
    /// An allocation failed. `MILVUS_ERR_NO_MEMORY`.
    NoMemory,
    /// A progress closure returned `ControlFlow::Break`, or the client's interrupt check
    /// said stop. `MILVUS_ERR_CANCELLED`.
    Cancelled,
    /// The object store (S3 API) refused a request; its code is [`Error::storage_code`].
    /// `MILVUS_ERR_STORAGE`.
    Storage,
    /// A status number this version of the crate does not know.
    Unknown(i32),
}

impl ErrorKind {
    /// The kind of a `milvus_status` number (any number: unknown ones are `Unknown(n)`).
    pub fn from_status(status: i32) -> ErrorKind {
        match status {
            ffi::MILVUS_ERR_INVALID_ARGUMENT => ErrorKind::InvalidArgument,
            ffi::MILVUS_ERR_TRANSPORT => ErrorKind::Transport,
            ffi::MILVUS_ERR_TIMEOUT => ErrorKind::Timeout,
            ffi::MILVUS_ERR_TLS => ErrorKind::Tls,
            ffi::MILVUS_ERR_HTTP => ErrorKind::Http,
            ffi::MILVUS_ERR_AUTH => ErrorKind::Auth,
            ffi::MILVUS_ERR_SERVER => ErrorKind::Server,
            ffi::MILVUS_ERR_MALFORMED_RESPONSE => ErrorKind::MalformedResponse,
            ffi::MILVUS_ERR_TOO_LARGE => ErrorKind::TooLarge,
            ffi::MILVUS_ERR_JOB_NOT_FOUND => ErrorKind::JobNotFound,
            ffi::MILVUS_ERR_NO_MEMORY => ErrorKind::NoMemory,
            ffi::MILVUS_ERR_CANCELLED => ErrorKind::Cancelled,
            ffi::MILVUS_ERR_STORAGE => ErrorKind::Storage,
            other => ErrorKind::Unknown(other),
        }
    }

    /// The `milvus_status` number of this kind, e.g. 7 for [`ErrorKind::Server`].
    pub fn status(self) -> i32 {
        match self {
            ErrorKind::InvalidArgument => ffi::MILVUS_ERR_INVALID_ARGUMENT,
            ErrorKind::Transport => ffi::MILVUS_ERR_TRANSPORT,
            ErrorKind::Timeout => ffi::MILVUS_ERR_TIMEOUT,
            ErrorKind::Tls => ffi::MILVUS_ERR_TLS,
            ErrorKind::Http => ffi::MILVUS_ERR_HTTP,
            ErrorKind::Auth => ffi::MILVUS_ERR_AUTH,
            ErrorKind::Server => ffi::MILVUS_ERR_SERVER,
            ErrorKind::MalformedResponse => ffi::MILVUS_ERR_MALFORMED_RESPONSE,
            ErrorKind::TooLarge => ffi::MILVUS_ERR_TOO_LARGE,
            ErrorKind::JobNotFound => ffi::MILVUS_ERR_JOB_NOT_FOUND,
            ErrorKind::NoMemory => ffi::MILVUS_ERR_NO_MEMORY,
            ErrorKind::Cancelled => ffi::MILVUS_ERR_CANCELLED,
            ErrorKind::Storage => ffi::MILVUS_ERR_STORAGE,
            ErrorKind::Unknown(status) => status,
        }
    }
}

/// The library's short description of the kind, e.g. "server error".
impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ffi::status_string(self.status()))
    }
}

/// A failed call: what kind of failure, the HTTP status and the server's code behind it,
/// the object store's code for a storage error, and a one-line message.
///
/// The message never holds a secret: the library replaces a token, a password in a URL
/// or object-store keys with `***` if a server echoes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    http_status: Option<u16>,
    server_code: Option<i64>,
    storage_code: Option<String>,
    message: String,
}

impl Error {
    /// An error from the values of the library's per-thread last error.
    pub(crate) fn from_last_error(
        status: c_int,
        http_status: c_int,
        server_code: c_longlong,
        storage_code: String,
        message: String,
    ) -> Error {
        Error {
            kind: ErrorKind::from_status(status),
            http_status: u16::try_from(http_status).ok().filter(|&s| s != 0),
            server_code: Some(server_code).filter(|&c| c != 0),
            storage_code: Some(storage_code).filter(|c| !c.is_empty()),
            message,
        }
    }

    /// An [`ErrorKind::InvalidArgument`] found by this crate before calling the library.
    pub(crate) fn invalid_argument(message: String) -> Error {
        Error { kind: ErrorKind::InvalidArgument, http_status: None, server_code: None, storage_code: None, message }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status of the response behind the error, e.g. 200 for a server error
    /// inside a 200, 401, 404; `None` when no HTTP response arrived (invalid argument,
    /// transport, TLS, a timeout before an answer).
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The `code` of the server's JSON envelope, e.g. 100 (collection not found), 1800
    /// (not authenticated), 2100 or 2101 (import failed, job not found); `None` when the
    /// response had no Milvus envelope or there was no response.
    pub fn server_code(&self) -> Option<i64> {
        self.server_code
    }

    /// The S3 error `Code` of an [`ErrorKind::Storage`] error, e.g. `"NoSuchBucket"`,
    /// `"SignatureDoesNotMatch"`, `"AccessDenied"`; `None` otherwise.
    pub fn storage_code(&self) -> Option<&str> {
        self.storage_code.as_deref()
    }

    /// The library's one-line description: what failed, the server's message where there
    /// was one, a short sanitised snippet of a body that was not JSON.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The message, or the kind's description when the message is empty.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for Error {}
