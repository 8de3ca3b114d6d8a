//! [`Client`]: one server's settings and connections, and every call made with them.

use std::ffi::c_int;
use std::fmt;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Duration;

use crate::ffi::{self, Handle};
use crate::{c_path, c_text, c_text_opt, millis, Error};

/// A client for one Milvus server (or Zilliz Cloud endpoint): its settings and a pool of
/// connections that later calls reuse.
///
/// `Client` is `Send + Sync`: share it between threads (e.g. in an `Arc`); any number of
/// threads may call it at once, setters included. A call already under way keeps the
/// settings it started with; later calls see the new ones. Dropping it closes its
/// connections.
///
/// Requests are the REST bodies as JSON text, sent byte for byte (see
/// [`list_import_jobs`](Client::list_import_jobs)); answers are the server's JSON
/// envelopes as text, e.g. `{"code":0,"data":{"jobId":"448761313698322011"}}`, for any
/// JSON library to read.
///
/// ```no_run
/// use std::time::Duration;
/// use milvus_import::{no_progress, Client};
///
/// let client = Client::new("http://127.0.0.1:19530")?;
/// client.set_token(Some("root:Milvus"))?;
/// client.set_timeout(Duration::from_secs(30))?;
/// let jobs = client.list_import_jobs(r#"{"collectionName":"quick_setup"}"#)?;
/// let created = client.bulk_import(r#"{"collectionName":"quick_setup","files":[["rows.json"]]}"#)?;
/// // data.jobId of `created`, read with a JSON library:
/// let done = client.wait_import_job("448761313698322011", Duration::from_secs(600),
///                                   Duration::from_secs(1), no_progress)?;
/// # Ok::<(), milvus_import::Error>(())
/// ```
pub struct Client {
    handle: Handle,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

impl Client {
    /// Creates a client for the server at `url`: http or https, optional port and path
    /// prefix (e.g. `"https://proxy.example.com/milvus"`); trailing slashes are dropped. A
    /// `user:password@` in it is sent as HTTP Basic authentication unless a token or an
    /// `Authorization` header replaces it. No I/O happens here.
    ///
    /// Defaults: no token, timeout 20 s, connect timeout 10 s, TLS verification on,
    /// proxies from the environment, 2 retries with 250 ms initial backoff, 256 MiB
    /// response cap.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for a bad URL (not
    /// http or https, a query or fragment, a NUL byte),
    /// [`ErrorKind::NoMemory`](crate::ErrorKind::NoMemory).
    pub fn new(url: &str) -> Result<Client, Error> {
        Ok(Client { handle: Handle::new(&c_text("url", url)?)? })
    }

    // ---- settings -----------------------------------------------------------------------

    /// The token sent as `Authorization: Bearer <token>`: an API key (Zilliz Cloud) or
    /// `"user:password"` (Milvus with authentication on). `None` or `""` removes it.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for a CR, LF or
    /// NUL in it; the setting is then unchanged.
    pub fn set_token(&self, token: Option<&str>) -> Result<(), Error> {
        self.handle.set_text(ffi::milvus_client_set_api_key, c_text_opt("token", token)?.as_deref())
    }

    /// The database of calls whose request has no `dbName`: sent as the `DB-Name` header,
    /// and as `dbName` in list and create bodies. `None` or `""` removes it.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for a CR, LF or
    /// NUL in it.
    pub fn set_database(&self, db_name: Option<&str>) -> Result<(), Error> {
        self.handle.set_text(ffi::milvus_client_set_database, c_text_opt("database", db_name)?.as_deref())
    }

    /// The longest time one call to Milvus may take, every attempt, retry and pause
    /// included, in whole milliseconds (at least 1 ms). Default 20 s. A wait has its own
    /// timeout; each describe inside it is bounded by this one too.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for less than 1 ms.
    pub fn set_timeout(&self, timeout: Duration) -> Result<(), Error> {
        self.handle.set_long(ffi::milvus_client_set_timeout_ms, millis(timeout))
    }

    /// The longest time one HTTP attempt may take (whole milliseconds), so that a server
    /// that stops answering is retried within the call's timeout (e.g. timeout 20 s and
    /// attempt timeout 5 s: up to three attempts). `None` (the default): no limit of its
    /// own, an attempt may take what is left of the call's timeout.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) out of range.
    pub fn set_attempt_timeout(&self, attempt_timeout: Option<Duration>) -> Result<(), Error> {
        self.handle.set_long(ffi::milvus_client_set_attempt_timeout_ms, attempt_timeout.map_or(0, millis))
    }

    /// The timeout for establishing a connection (TCP and TLS), in whole milliseconds (at
    /// least 1 ms). Default 10 s.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for less than 1 ms.
    pub fn set_connect_timeout(&self, timeout: Duration) -> Result<(), Error> {
        self.handle.set_long(ffi::milvus_client_set_connect_timeout_ms, millis(timeout))
    }

    /// TLS verification: `verify_peer` true (the default) checks the server's certificate
    /// and host name, false turns both off (insecure: for tests only). `ca_file`: a PEM
    /// file of CA certificates to trust instead of the system's, or `None` for the
    /// system's store; it is read at the first HTTPS call, where a missing or bad file is
    /// [`ErrorKind::Tls`](crate::ErrorKind::Tls).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for a path with a
    /// NUL byte.
    pub fn set_tls(&self, verify_peer: bool, ca_file: Option<&Path>) -> Result<(), Error> {
        let ca_file = ca_file.map(|p| c_path("ca_file", p)).transpose()?;
        self.handle.set_tls(verify_peer, ca_file.as_deref())
    }

    /// A client certificate (PEM) for servers that require one, with its private key
    /// (`None` when the key is inside `cert_file`). `cert_file` `None` removes it.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for a path with a
    /// NUL byte. The files are read at the first HTTPS call.
    pub fn set_client_cert(&self, cert_file: Option<&Path>, key_file: Option<&Path>) -> Result<(), Error> {
        let cert_file = cert_file.map(|p| c_path("cert_file", p)).transpose()?;
        let key_file = key_file.map(|p| c_path("key_file", p)).transpose()?;
        self.handle.set_texts(ffi::milvus_client_set_client_cert, cert_file.as_deref(), key_file.as_deref())
    }

    /// Adds or replaces (`Some`) or removes (`None`) an extra request header, e.g.
    /// `Idempotency-Key` (which makes creates retryable) or `Request-Timeout`. Names
    /// compare without case. `Authorization` replaces the token's header, `DB-Name` the
    /// database's, `User-Agent` the library's.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for a name that is
    /// not an HTTP token, `Content-Type`, `Content-Length` or `Host`, or a value with
    /// control characters other than tab.
    pub fn set_header(&self, name: &str, value: Option<&str>) -> Result<(), Error> {
        let name = c_text("header name", name)?;
        let value = c_text_opt("header value", value)?;
        self.handle.set_texts(ffi::milvus_client_set_header, Some(&name), value.as_deref())
    }

    /// The HTTP(S) proxy, e.g. `Some("http://proxy:3128")` (also https, socks4, socks4a,
    /// socks5, socks5h); `Some("")` means no proxy at all, the environment ignored; `None`
    /// restores the default: `http_proxy`, `https_proxy` and `no_proxy` of the environment.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for a bad URL.
    pub fn set_proxy(&self, proxy_url: Option<&str>) -> Result<(), Error> {
        self.handle.set_text(ffi::milvus_client_set_proxy, c_text_opt("proxy_url", proxy_url)?.as_deref())
    }

    /// How many times list and describe (and create, when an `Idempotency-Key` header is
    /// set) are retried after a transport error, a timeout, or HTTP 408, 429, 502, 503,
    /// 504: 0 to 10, default 2.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) above 10.
    pub fn set_max_retries(&self, max_retries: u32) -> Result<(), Error> {
        let max_retries = c_int::try_from(max_retries).unwrap_or(c_int::MAX);
        self.handle.set_int(ffi::milvus_client_set_max_retries, max_retries)
    }

    /// The pause before the first retry, doubled for each further one up to 30 s, with
    /// full jitter; whole milliseconds, 0 to 60 s. Default 250 ms.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) above 60 s.
    pub fn set_retry_backoff(&self, backoff: Duration) -> Result<(), Error> {
        self.handle.set_long(ffi::milvus_client_set_retry_backoff_ms, millis(backoff))
    }

    /// A check every call of this client asks, on the calling thread, whether to stop: at
    /// least once a second while a request is in flight and at least every 100 ms while a
    /// wait or a retry pauses. Returning true stops the call with
    /// [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled) (an unfinished multipart
    /// upload is aborted first). It replaces the previous check.
    ///
    /// The check must be quick, must not call into this crate, and must not panic (a panic
    /// there aborts the process). It takes `&mut self`: set it before sharing the client;
    /// to stop calls from elsewhere later, have it read a flag:
    ///
    /// ```no_run
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// # let mut client = milvus_import::Client::new("http://127.0.0.1:19530")?;
    /// let stop = Arc::new(AtomicBool::new(false));
    /// let flag = Arc::clone(&stop);
    /// client.set_interrupt(move || flag.load(Ordering::Relaxed))?;
    /// // later, e.g. from a Ctrl-C handler or another thread: stop.store(true, Ordering::Relaxed);
    /// # Ok::<(), milvus_import::Error>(())
    /// ```
    ///
    /// # Errors
    /// None in practice; the library's status is passed on.
    pub fn set_interrupt<F>(&mut self, interrupt: F) -> Result<(), Error>
    where
        F: Fn() -> bool + Send + Sync + 'static,
    {
        self.handle.set_interrupt(Some(Box::new(interrupt)))
    }

    /// Removes the interrupt check set with [`set_interrupt`](Client::set_interrupt).
    ///
    /// # Errors
    /// None in practice; the library's status is passed on.
    pub fn clear_interrupt(&mut self) -> Result<(), Error> {
        self.handle.set_interrupt(None)
    }

    /// The largest response body accepted, in bytes after decompression: 1 to 2^40,
    /// default 256 MiB. A larger one fails with
    /// [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge) as soon as the limit is passed.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) out of range.
    pub fn set_max_response_bytes(&self, max_bytes: u64) -> Result<(), Error> {
        let max_bytes = i64::try_from(max_bytes).unwrap_or(i64::MAX);
        self.handle.set_long_long(ffi::milvus_client_set_max_response_bytes, max_bytes)
    }

    /// The object store that [`upload_files`](Client::upload_files) and
    /// [`import_files`](Client::import_files) use, signed with Signature V4.
    /// `endpoint`: its base URL (e.g. `"http://127.0.0.1:8333"`), `None` for AWS S3;
    /// path-style addressing unless [`set_storage_virtual_host`](Client::set_storage_virtual_host)
    /// turns it off. `region`: `None` for `"us-east-1"`. `session_token`: a temporary
    /// credential's token, or `None`. TLS settings and the proxy are the client's. No I/O
    /// happens here; the keys never appear in an error message.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for a bad URL, an
    /// empty key, control characters.
    pub fn set_storage(
        &self,
        endpoint: Option<&str>,
        region: Option<&str>,
        access_key: &str,
        secret_key: &str,
        session_token: Option<&str>,
    ) -> Result<(), Error> {
        let endpoint = c_text_opt("endpoint", endpoint)?;
        let region = c_text_opt("region", region)?;
        let access_key = c_text("access_key", access_key)?;
        let secret_key = c_text("secret_key", secret_key)?;
        let session_token = c_text_opt("session_token", session_token)?;
        self.handle.set_storage(endpoint.as_deref(), region.as_deref(), &access_key, &secret_key, session_token.as_deref())
    }

    /// Virtual-host-style addressing (`bucket.endpoint/key`) when true; false (the
    /// default) is path style. Call it after [`set_storage`](Client::set_storage).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) before `set_storage`.
    pub fn set_storage_virtual_host(&self, virtual_host: bool) -> Result<(), Error> {
        self.handle.set_int(ffi::milvus_client_set_storage_virtual_host, c_int::from(virtual_host))
    }

    /// The size of each part of a multipart upload, in bytes: 5 MiB to 5 GiB, default
    /// 64 MiB. Files larger than one part go up in parts (at most 10000).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) out of range.
    pub fn set_upload_part_size(&self, part_bytes: u64) -> Result<(), Error> {
        let part_bytes = i64::try_from(part_bytes).unwrap_or(i64::MAX);
        self.handle.set_long_long(ffi::milvus_client_set_upload_part_size, part_bytes)
    }

    /// An upload fails with [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) when no byte
    /// moves for this long (whole milliseconds, at least 1 ms; default 60 s). Uploads have
    /// no overall time limit.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for less than 1 ms.
    pub fn set_upload_stall_timeout(&self, stall: Duration) -> Result<(), Error> {
        self.handle.set_long(ffi::milvus_client_set_upload_stall_timeout_ms, millis(stall))
    }

    // ---- calls --------------------------------------------------------------------------

    /// Lists import jobs: `POST /v2/vectordb/jobs/import/list` with `request_json`, e.g.
    /// `{"collectionName":"quick_setup"}`, or `{}` for every job of every collection.
    ///
    /// `request_json` is the REST body, a JSON object sent byte for byte (every field
    /// kept: `dbName`, `pageSize`, `clusterId`, ...), unless the client adds its database
    /// as `dbName`. Known fields are type-checked before any I/O.
    ///
    /// Returns the server's envelope, e.g.
    /// `{"code":0,"data":{"records":[{"collectionName":"quick_setup","jobId":"...","progress":50,"state":"Importing"}]}}`:
    /// one page on Zilliz Cloud, every job on Milvus.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) (not a JSON object,
    /// wrong types), and what the server or the network answers: `Transport`, `Timeout`,
    /// `Tls`, `Http`, `Auth`, `Server` (with [`Error::server_code`]), `MalformedResponse`,
    /// `TooLarge`, `NoMemory`.
    pub fn list_import_jobs(&self, request_json: &str) -> Result<String, Error> {
        self.call(ffi::milvus_client_list_import_jobs, request_json)
    }

    /// Every page of `POST /v2/vectordb/jobs/import/list` merged into one envelope
    /// `{"code":0,"data":{"records":[...],"count":N}}`, walking `currentPage` from 1
    /// (`pageSize` from the request, default 100). A server without paging costs one call.
    ///
    /// # Errors
    /// As [`list_import_jobs`](Client::list_import_jobs).
    pub fn list_all_import_jobs(&self, request_json: &str) -> Result<String, Error> {
        self.call(ffi::milvus_client_list_all_import_jobs, request_json)
    }

    /// Describes one import job: `POST /v2/vectordb/jobs/import/describe` (falling back to
    /// `.../get_progress` on a Milvus 2.4 that answers 404) with e.g.
    /// `{"jobId":"448761313698322011"}`. Returns the envelope with `data.state`,
    /// `data.progress` (0 to 100), rows, times and per-file details.
    ///
    /// # Errors
    /// As [`list_import_jobs`](Client::list_import_jobs), plus
    /// [`ErrorKind::JobNotFound`](crate::ErrorKind::JobNotFound) for a job the server does
    /// not know (server code 2100, or 2101 from Milvus 2.6.19).
    pub fn get_import_progress(&self, request_json: &str) -> Result<String, Error> {
        self.call(ffi::milvus_client_get_import_progress, request_json)
    }

    /// Creates an import job: `POST /v2/vectordb/jobs/import/create` with e.g.
    /// `{"collectionName":"quick_setup","files":[["rows.json"]]}` (one inner list per file
    /// group). Returns `{"code":0,"data":{"jobId":"..."}}`. Retried only when an
    /// `Idempotency-Key` header is set.
    ///
    /// # Errors
    /// As [`list_import_jobs`](Client::list_import_jobs); a collection that does not exist
    /// is [`ErrorKind::Server`](crate::ErrorKind::Server) with server code 100.
    pub fn bulk_import(&self, request_json: &str) -> Result<String, Error> {
        self.call(ffi::milvus_client_bulk_import, request_json)
    }

    /// Commits a two-phase job (created with `"options":{"auto_commit":"false"}`) waiting in
    /// state `Uncommitted`: `POST /v2/vectordb/jobs/import/commit` with `{"jobId":"..."}`.
    ///
    /// # Errors
    /// As [`get_import_progress`](Client::get_import_progress); a Milvus older than 3.0
    /// answers [`ErrorKind::Http`](crate::ErrorKind::Http) with status 404.
    pub fn commit_import(&self, request_json: &str) -> Result<String, Error> {
        self.call(ffi::milvus_client_commit_import, request_json)
    }

    /// Aborts a two-phase job (it ends `Failed`, reason "aborted by user"):
    /// `POST /v2/vectordb/jobs/import/abort` with `{"jobId":"..."}`.
    ///
    /// # Errors
    /// As [`commit_import`](Client::commit_import).
    pub fn abort_import(&self, request_json: &str) -> Result<String, Error> {
        self.call(ffi::milvus_client_abort_import, request_json)
    }

    /// Describes job `job_id` every `poll_interval` until its state is `Completed`,
    /// `Failed` or `Uncommitted`, and returns that last describe's envelope (a `Failed`
    /// job is returned, not an error: check `data.state`). The database is the client's.
    ///
    /// `on_progress` runs on this thread after every describe with its envelope text;
    /// `ControlFlow::Break(())` stops the wait. Pass [`no_progress`](crate::no_progress)
    /// for none. A panic in it is raised again once the library has returned.
    ///
    /// `timeout` bounds the whole wait; `poll_interval` is 1 ms to `timeout` (whole
    /// milliseconds). Endpoint: `/v2/vectordb/jobs/import/describe`, repeatedly.
    ///
    /// # Errors
    /// Those of [`get_import_progress`](Client::get_import_progress) (a describe that still
    /// fails after its retries ends the wait), [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)
    /// when `timeout` passes first, [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled)
    /// when `on_progress` breaks, [`ErrorKind::Server`](crate::ErrorKind::Server) at once
    /// for a job in state `None`.
    pub fn wait_import_job<F>(
        &self,
        job_id: &str,
        timeout: Duration,
        poll_interval: Duration,
        mut on_progress: F,
    ) -> Result<String, Error>
    where
        F: FnMut(&str) -> ControlFlow<()>,
    {
        let job_id = c_text("job_id", job_id)?;
        self.handle.wait(
            ffi::milvus_client_wait_import_job,
            &job_id,
            millis(timeout),
            millis(poll_interval),
            &mut on_progress,
        )
    }

    /// [`wait_import_job`](Client::wait_import_job) with a whole describe request, e.g.
    /// `{"jobId":"job-01","clusterId":"in01-..."}` (Zilliz Cloud) or
    /// `{"jobId":"...","dbName":"db_a"}`. Same results and errors.
    pub fn wait_import_job_with_request<F>(
        &self,
        request_json: &str,
        timeout: Duration,
        poll_interval: Duration,
        mut on_progress: F,
    ) -> Result<String, Error>
    where
        F: FnMut(&str) -> ControlFlow<()>,
    {
        let request_json = c_text("request_json", request_json)?;
        self.handle.wait(
            ffi::milvus_client_wait_import_job_with_request,
            &request_json,
            millis(timeout),
            millis(poll_interval),
            &mut on_progress,
        )
    }

    /// Waits until every job of a set is `Completed`, `Failed` or `Uncommitted`, at one
    /// list per poll (`/v2/vectordb/jobs/import/list`, then `.../describe` once per job as
    /// it finishes). `request_json`: `{"jobIds":["...", ...]}`, optionally with
    /// `collectionName` and `dbName`; with `collectionName` and no `jobIds`, the set is
    /// every job of the collection not yet finished.
    ///
    /// `on_progress` gets `{"phase":"import","jobs":[{"jobId":"...","state":"Importing","progress":40}, ...]}`
    /// after every poll; `ControlFlow::Break(())` stops. Returns
    /// `{"code":0,"data":{"jobs":[<each job's final describe data, in the order of jobIds>]}}`.
    ///
    /// # Errors
    /// As [`wait_import_job`](Client::wait_import_job), and those of list.
    pub fn wait_import_jobs<F>(
        &self,
        request_json: &str,
        timeout: Duration,
        poll_interval: Duration,
        mut on_progress: F,
    ) -> Result<String, Error>
    where
        F: FnMut(&str) -> ControlFlow<()>,
    {
        let request_json = c_text("request_json", request_json)?;
        self.handle.wait(
            ffi::milvus_client_wait_import_jobs,
            &request_json,
            millis(timeout),
            millis(poll_interval),
            &mut on_progress,
        )
    }

    /// Uploads local files and folders to the object store set with
    /// [`set_storage`](Client::set_storage). `request_json`:
    /// `{"bucket":"b","prefix":"imports/2026","paths":["rows.json","npy_dir"]}`. An object
    /// already there with the same size and ETag is not sent again, so a rerun resumes.
    ///
    /// `on_progress` gets `{"phase":"upload","key":"...","bytesDone":N,"bytesTotal":M}` as
    /// bytes go up; `ControlFlow::Break(())` stops (finished objects stay, an unfinished
    /// multipart upload is aborted). Returns
    /// `{"code":0,"data":{"objects":[{"key":"...","size":N,"etag":"...","path":"...","uploaded":true}, ...]}}`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) (no storage set, a
    /// path that cannot be read: the message names it),
    /// [`ErrorKind::Storage`](crate::ErrorKind::Storage) with [`Error::storage_code`],
    /// `Transport`, `Timeout` (the stall limit), `Tls`, `Cancelled`, `NoMemory`.
    pub fn upload_files<F>(&self, request_json: &str, mut on_progress: F) -> Result<String, Error>
    where
        F: FnMut(&str) -> ControlFlow<()>,
    {
        let request_json = c_text("request_json", request_json)?;
        self.handle.upload_files(&request_json, &mut on_progress)
    }

    /// Local files to imported rows in one call: uploads what is missing, checks every
    /// object and Milvus's file-group rules, creates the import jobs (1024 groups per job)
    /// and waits for all of them. `request_json`:
    /// `{"collectionName":"c","bucket":"b","paths":[...]}` with optional `prefix`, `dbName`,
    /// `partitionName`, `options`.
    ///
    /// `on_progress` gets the upload's texts, then those of
    /// [`wait_import_jobs`](Client::wait_import_jobs). `timeout` bounds the wait once the
    /// jobs exist. Returns `{"code":0,"data":{"jobs":[...],"objects":[...]}}`.
    ///
    /// # Errors
    /// Those of [`upload_files`](Client::upload_files), create and
    /// [`wait_import_jobs`](Client::wait_import_jobs); a file that breaks a rule is
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) naming it, before
    /// any upload or job.
    pub fn import_files<F>(
        &self,
        request_json: &str,
        timeout: Duration,
        poll_interval: Duration,
        mut on_progress: F,
    ) -> Result<String, Error>
    where
        F: FnMut(&str) -> ControlFlow<()>,
    {
        let request_json = c_text("request_json", request_json)?;
        self.handle.wait(
            ffi::milvus_client_import_files,
            &request_json,
            millis(timeout),
            millis(poll_interval),
            &mut on_progress,
        )
    }

    fn call(&self, call: ffi::Call, request_json: &str) -> Result<String, Error> {
        self.handle.call(call, &c_text("request_json", request_json)?)
    }
}
