// The C ABI: every function of include/milvus_import.h, and nothing else.
// Each export converts its arguments, calls the Swift core, records the thread-local last
// error and returns the sentinel. Nothing here traps: a trap would kill the host process.
import CMilvusImport
import Glibc
import MilvusImportCore

// MARK: - Edge helpers

/// A required string argument, checked for NULL and UTF-8.
private func argument(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(ImportError) -> String {
    guard let pointer else { throw ImportError(MILVUS_ERR_INVALID_ARGUMENT, "\(name) must not be NULL") }
    guard let text = String(validatingCString: pointer) else {
        throw ImportError(MILVUS_ERR_INVALID_ARGUMENT, "\(name) is not valid UTF-8")
    }
    return text
}

/// An optional string argument: NULL stays nil.
private func optionalArgument(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(ImportError) -> String? {
    guard pointer != nil else { return nil }
    return try argument(pointer, name)
}

private func client(_ handle: OpaquePointer?) throws(ImportError) -> ImportClient {
    guard let handle else { throw ImportError(MILVUS_ERR_INVALID_ARGUMENT, "client must not be NULL") }
    return Unmanaged<ImportClient>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

private func record(_ error: ImportError) {
    error.message.withCString { mi_error_set(Int32(error.kind.rawValue), Int32(error.httpStatus), error.serverCode, $0) }
    if !error.storageCode.isEmpty { mi_error_set_storage_code(error.storageCode) }
}

/// Runs a call that returns text: NEW text on success, NULL and the last error on failure.
private func returningText(_ body: () throws(ImportError) -> ByteBuffer) -> UnsafeMutablePointer<CChar>? {
    mi_error_clear()
    do {
        guard let text = try body().take() else {
            record(ImportError(MILVUS_ERR_NO_MEMORY, "out of memory"))
            return nil
        }
        mi_error_clear()  // a progress callback may have made failing calls meanwhile
        return text
    } catch {
        record(error)
        return nil
    }
}

/// Runs a setter: MILVUS_OK, or the status of the last error.
private func returningStatus(_ body: () throws(ImportError) -> Void) -> Int32 {
    mi_error_clear()
    do {
        try body()
        return Int32(MILVUS_OK.rawValue)
    } catch {
        record(error)
        return Int32(error.kind.rawValue)
    }
}

private func staticText(_ text: StaticString) -> UnsafePointer<CChar>? {
    UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}

// MARK: - Version, status, last error, memory

@implementation @_cdecl("milvus_version")
public func milvus_version() -> UnsafePointer<CChar>? { mi_version() }

@implementation @_cdecl("milvus_status_string")
public func milvus_status_string(_ status: Int32) -> UnsafePointer<CChar>? { staticText(StatusText.describe(status)) }

@implementation @_cdecl("milvus_last_error_code")
public func milvus_last_error_code() -> Int32 { mi_error_code() }

@implementation @_cdecl("milvus_last_error_http_status")
public func milvus_last_error_http_status() -> Int32 { mi_error_http_status() }

@implementation @_cdecl("milvus_last_error_server_code")
public func milvus_last_error_server_code() -> Int64 { mi_error_server_code() }

@implementation @_cdecl("milvus_last_error_message")
public func milvus_last_error_message() -> UnsafePointer<CChar>? { mi_error_message() }

@implementation @_cdecl("milvus_free")
public func milvus_free(_ pointer: UnsafeMutableRawPointer?) { free(pointer) }

// MARK: - Stateless calls

@implementation @_cdecl("milvus_set_stateless_max_retries")
public func milvus_set_stateless_max_retries(_ maxRetries: Int32) -> Int32 {
    returningStatus { () throws(ImportError) in try Stateless.setMaxRetries(Int(maxRetries)) }
}

@implementation @_cdecl("milvus_list_import_jobs")
public func milvus_list_import_jobs(_ url: UnsafePointer<CChar>?,
                                    _ collectionName: UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try Stateless.listImportJobs(url: argument(url, "url"),
                                     collectionName: optionalArgument(collectionName, "collection_name"))
    }
}

@implementation @_cdecl("milvus_get_import_progress")
public func milvus_get_import_progress(_ url: UnsafePointer<CChar>?,
                                       _ jobId: UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try Stateless.getImportProgress(url: argument(url, "url"), jobId: argument(jobId, "job_id"))
    }
}

@implementation @_cdecl("milvus_bulk_import")
public func milvus_bulk_import(_ url: UnsafePointer<CChar>?, _ collectionName: UnsafePointer<CChar>?,
                               _ filesJSON: UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try Stateless.bulkImport(url: argument(url, "url"),
                                 collectionName: argument(collectionName, "collection_name"),
                                 filesJSON: argument(filesJSON, "files_json"))
    }
}

// MARK: - Clients

@implementation @_cdecl("milvus_client_new")
public func milvus_client_new(_ url: UnsafePointer<CChar>?) -> OpaquePointer? {
    mi_error_clear()
    do {
        let created = try ImportClient(url: argument(url, "url"))
        return OpaquePointer(Unmanaged.passRetained(created).toOpaque())
    } catch {
        record(error)
        return nil
    }
}

@implementation @_cdecl("milvus_client_free")
public func milvus_client_free(_ handle: OpaquePointer?) {
    guard let handle else { return }
    Unmanaged<ImportClient>.fromOpaque(UnsafeRawPointer(handle)).release()
}

@implementation @_cdecl("milvus_client_set_api_key")
public func milvus_client_set_api_key(_ handle: OpaquePointer?, _ token: UnsafePointer<CChar>?) -> Int32 {
    returningStatus { () throws(ImportError) in
        let value = try optionalArgument(token, "token")
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in try s.setToken(value) }
    }
}

@implementation @_cdecl("milvus_client_set_database")
public func milvus_client_set_database(_ handle: OpaquePointer?, _ dbName: UnsafePointer<CChar>?) -> Int32 {
    returningStatus { () throws(ImportError) in
        let value = try optionalArgument(dbName, "db_name")
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in try s.setDatabase(value) }
    }
}

@implementation @_cdecl("milvus_client_set_timeout_ms")
public func milvus_client_set_timeout_ms(_ handle: OpaquePointer?, _ timeoutMs: Int) -> Int32 {
    returningStatus { () throws(ImportError) in
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in try s.setTimeout(ms: timeoutMs) }
    }
}

@implementation @_cdecl("milvus_client_set_attempt_timeout_ms")
public func milvus_client_set_attempt_timeout_ms(_ handle: OpaquePointer?, _ attemptTimeoutMs: Int) -> Int32 {
    returningStatus { () throws(ImportError) in
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in
            try s.setAttemptTimeout(ms: attemptTimeoutMs)
        }
    }
}

@implementation @_cdecl("milvus_client_set_connect_timeout_ms")
public func milvus_client_set_connect_timeout_ms(_ handle: OpaquePointer?, _ timeoutMs: Int) -> Int32 {
    returningStatus { () throws(ImportError) in
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in
            try s.setConnectTimeout(ms: timeoutMs)
        }
    }
}

@implementation @_cdecl("milvus_client_set_tls")
public func milvus_client_set_tls(_ handle: OpaquePointer?, _ verifyPeer: Int32,
                                  _ caFile: UnsafePointer<CChar>?) -> Int32 {
    returningStatus { () throws(ImportError) in
        let ca = try optionalArgument(caFile, "ca_file")
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in
            s.setTLS(verifyPeer: verifyPeer != 0, caFile: ca)
        }
    }
}

@implementation @_cdecl("milvus_client_set_client_cert")
public func milvus_client_set_client_cert(_ handle: OpaquePointer?, _ certFile: UnsafePointer<CChar>?,
                                          _ keyFile: UnsafePointer<CChar>?) -> Int32 {
    returningStatus { () throws(ImportError) in
        let cert = try optionalArgument(certFile, "cert_file")
        let key = try optionalArgument(keyFile, "key_file")
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in
            try s.setClientCertificate(certFile: cert, keyFile: key)
        }
    }
}

@implementation @_cdecl("milvus_client_set_header")
public func milvus_client_set_header(_ handle: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                     _ value: UnsafePointer<CChar>?) -> Int32 {
    returningStatus { () throws(ImportError) in
        let headerName = try argument(name, "name")
        let headerValue = try optionalArgument(value, "value")
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in
            try s.setHeader(name: headerName, value: headerValue)
        }
    }
}

@implementation @_cdecl("milvus_client_set_proxy")
public func milvus_client_set_proxy(_ handle: OpaquePointer?, _ proxyURL: UnsafePointer<CChar>?) -> Int32 {
    returningStatus { () throws(ImportError) in
        let proxy = try optionalArgument(proxyURL, "proxy_url")
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in try s.setProxy(proxy) }
    }
}

@implementation @_cdecl("milvus_client_set_max_retries")
public func milvus_client_set_max_retries(_ handle: OpaquePointer?, _ maxRetries: Int32) -> Int32 {
    returningStatus { () throws(ImportError) in
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in
            try s.setMaxRetries(Int(maxRetries))
        }
    }
}

/// The C interrupt check and its user data, called only on the thread of the call it belongs to.
private struct InterruptCheck: @unchecked Sendable {
    let function: milvus_interrupt_fn
    let userData: UnsafeMutableRawPointer?
}

@implementation @_cdecl("milvus_client_set_interrupt")
public func milvus_client_set_interrupt(_ handle: OpaquePointer?, _ interrupt: milvus_interrupt_fn?,
                                        _ userData: UnsafeMutableRawPointer?) -> Int32 {
    let check = interrupt.map { InterruptCheck(function: $0, userData: userData) }
    let asked: Interrupt? = if let check { { check.function(check.userData) != 0 } } else { nil }
    return returningStatus { () throws(ImportError) in
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in s.interrupt = asked }
    }
}

@implementation @_cdecl("milvus_client_set_retry_backoff_ms")
public func milvus_client_set_retry_backoff_ms(_ handle: OpaquePointer?, _ backoffMs: Int) -> Int32 {
    returningStatus { () throws(ImportError) in
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in
            try s.setRetryBackoff(ms: backoffMs)
        }
    }
}

@implementation @_cdecl("milvus_client_set_max_response_bytes")
public func milvus_client_set_max_response_bytes(_ handle: OpaquePointer?, _ maxBytes: Int64) -> Int32 {
    returningStatus { () throws(ImportError) in
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in
            try s.setMaxResponseBytes(maxBytes)
        }
    }
}

// MARK: - Client calls

@implementation @_cdecl("milvus_client_list_import_jobs")
public func milvus_client_list_import_jobs(_ handle: OpaquePointer?,
                                           _ request: UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try client(handle).listImportJobs(optionalArgument(request, "request_json"))
    }
}

@implementation @_cdecl("milvus_client_list_all_import_jobs")
public func milvus_client_list_all_import_jobs(_ handle: OpaquePointer?,
                                               _ request: UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try client(handle).listAllImportJobs(optionalArgument(request, "request_json"))
    }
}

@implementation @_cdecl("milvus_client_get_import_progress")
public func milvus_client_get_import_progress(_ handle: OpaquePointer?,
                                              _ request: UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try client(handle).getImportProgress(optionalArgument(request, "request_json"))
    }
}

@implementation @_cdecl("milvus_client_bulk_import")
public func milvus_client_bulk_import(_ handle: OpaquePointer?,
                                      _ request: UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try client(handle).bulkImport(optionalArgument(request, "request_json"))
    }
}

@implementation @_cdecl("milvus_client_commit_import")
public func milvus_client_commit_import(_ handle: OpaquePointer?,
                                        _ request: UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try client(handle).commitImport(optionalArgument(request, "request_json"))
    }
}

@implementation @_cdecl("milvus_client_abort_import")
public func milvus_client_abort_import(_ handle: OpaquePointer?,
                                       _ request: UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try client(handle).abortImport(optionalArgument(request, "request_json"))
    }
}

// MARK: - Waiting

/// The C callback as the core's closure: true = go on waiting.
private func progressCallback(_ function: milvus_progress_fn?,
                              _ userData: UnsafeMutableRawPointer?) -> ((ByteBuffer) -> Bool)? {
    guard let function else { return nil }
    return { envelope in envelope.withCString { function($0, userData) } == 0 }
}

@implementation @_cdecl("milvus_client_wait_import_job")
public func milvus_client_wait_import_job(_ handle: OpaquePointer?, _ jobId: UnsafePointer<CChar>?,
                                          _ timeoutMs: Int, _ pollIntervalMs: Int,
                                          _ onProgress: milvus_progress_fn?,
                                          _ userData: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try client(handle).waitImportJob(jobId: argument(jobId, "job_id"), timeoutMs: timeoutMs,
                                         pollIntervalMs: pollIntervalMs,
                                         onProgress: progressCallback(onProgress, userData))
    }
}

@implementation @_cdecl("milvus_client_wait_import_job_with_request")
public func milvus_client_wait_import_job_with_request(
    _ handle: OpaquePointer?, _ request: UnsafePointer<CChar>?, _ timeoutMs: Int, _ pollIntervalMs: Int,
    _ onProgress: milvus_progress_fn?, _ userData: UnsafeMutableRawPointer?
) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try client(handle).waitImportJob(argument(request, "request_json"), timeoutMs: timeoutMs,
                                         pollIntervalMs: pollIntervalMs,
                                         onProgress: progressCallback(onProgress, userData))
    }
}

// MARK: - Many jobs and local files

@implementation @_cdecl("milvus_client_wait_import_jobs")
public func milvus_client_wait_import_jobs(
    _ handle: OpaquePointer?, _ request: UnsafePointer<CChar>?, _ timeoutMs: Int, _ pollIntervalMs: Int,
    _ onProgress: milvus_progress_fn?, _ userData: UnsafeMutableRawPointer?
) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try client(handle).waitImportJobs(argument(request, "request_json"), timeoutMs: timeoutMs,
                                          pollIntervalMs: pollIntervalMs,
                                          onProgress: progressCallback(onProgress, userData))
    }
}

@implementation @_cdecl("milvus_client_import_files")
public func milvus_client_import_files(
    _ handle: OpaquePointer?, _ request: UnsafePointer<CChar>?, _ timeoutMs: Int, _ pollIntervalMs: Int,
    _ onProgress: milvus_progress_fn?, _ userData: UnsafeMutableRawPointer?
) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try client(handle).importFiles(argument(request, "request_json"), timeoutMs: timeoutMs,
                                       pollIntervalMs: pollIntervalMs,
                                       onProgress: progressCallback(onProgress, userData))
    }
}

// MARK: - Object storage

@implementation @_cdecl("milvus_last_error_storage_code")
public func milvus_last_error_storage_code() -> UnsafePointer<CChar>? { mi_error_storage_code() }

@implementation @_cdecl("milvus_client_set_storage")
public func milvus_client_set_storage(_ handle: OpaquePointer?, _ endpoint: UnsafePointer<CChar>?,
                                      _ region: UnsafePointer<CChar>?, _ accessKey: UnsafePointer<CChar>?,
                                      _ secretKey: UnsafePointer<CChar>?,
                                      _ sessionToken: UnsafePointer<CChar>?) -> Int32 {
    returningStatus { () throws(ImportError) in
        let storage = try StorageSettings(endpoint: optionalArgument(endpoint, "endpoint"),
                                          region: optionalArgument(region, "region"),
                                          accessKey: argument(accessKey, "access_key"),
                                          secretKey: argument(secretKey, "secret_key"),
                                          sessionToken: optionalArgument(sessionToken, "session_token"))
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in s.setStorage(storage) }
    }
}

@implementation @_cdecl("milvus_client_set_storage_virtual_host")
public func milvus_client_set_storage_virtual_host(_ handle: OpaquePointer?, _ virtualHost: Int32) -> Int32 {
    returningStatus { () throws(ImportError) in
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in
            try s.setStorageVirtualHost(virtualHost != 0)
        }
    }
}

@implementation @_cdecl("milvus_client_set_upload_part_size")
public func milvus_client_set_upload_part_size(_ handle: OpaquePointer?, _ partBytes: Int64) -> Int32 {
    returningStatus { () throws(ImportError) in
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in try s.setUploadPartSize(partBytes) }
    }
}

@implementation @_cdecl("milvus_client_set_upload_stall_timeout_ms")
public func milvus_client_set_upload_stall_timeout_ms(_ handle: OpaquePointer?, _ stallMs: Int) -> Int32 {
    returningStatus { () throws(ImportError) in
        try client(handle).update { (s: inout ClientSettings) throws(ImportError) in
            try s.setUploadStallTimeout(ms: stallMs)
        }
    }
}

@implementation @_cdecl("milvus_client_upload_files")
public func milvus_client_upload_files(_ handle: OpaquePointer?, _ request: UnsafePointer<CChar>?,
                                       _ onProgress: milvus_progress_fn?,
                                       _ userData: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    returningText { () throws(ImportError) in
        try client(handle).uploadFiles(request: argument(request, "request_json"),
                                       onProgress: progressCallback(onProgress, userData))
    }
}
