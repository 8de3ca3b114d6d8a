package milvusimport

// The boundary: every call into the C library is in this file.

/*
#cgo pkg-config: milvus_import
#include <stdint.h>
#include <stdlib.h>
#include <milvus_import.h>

int goProgress(char *text, uintptr_t state);
int goInterrupt(uintptr_t state);

// The progress callback of every wait and upload: the callState handle is the user data.
static int progress_trampoline(const char *text, void *state) {
	return goProgress((char *)text, (uintptr_t)state);
}

// The callState handle of the call this thread is making (0: none). The interrupt check is
// set once per client and runs on the calling thread, so it finds the call's context here.
static __thread uintptr_t current_call;

static uintptr_t swap_current_call(uintptr_t state) {
	uintptr_t previous = current_call;
	current_call = state;
	return previous;
}

static int interrupt_trampoline(void *unused) {
	(void)unused;
	return current_call != 0 && goInterrupt(current_call);
}

static int set_interrupt(milvus_client *c) {
	return milvus_client_set_interrupt(c, interrupt_trampoline, NULL);
}

static char *wait_job(milvus_client *c, const char *request, long timeout_ms, long poll_ms,
                      uintptr_t state) {
	return milvus_client_wait_import_job_with_request(c, request, timeout_ms, poll_ms,
	                                                  progress_trampoline, (void *)state);
}

static char *wait_jobs(milvus_client *c, const char *request, long timeout_ms, long poll_ms,
                       uintptr_t state) {
	return milvus_client_wait_import_jobs(c, request, timeout_ms, poll_ms,
	                                      progress_trampoline, (void *)state);
}

static char *upload_files(milvus_client *c, const char *request, uintptr_t state) {
	return milvus_client_upload_files(c, request, progress_trampoline, (void *)state);
}

static char *import_files(milvus_client *c, const char *request, long timeout_ms, long poll_ms,
                          uintptr_t state) {
	return milvus_client_import_files(c, request, timeout_ms, poll_ms,
	                                  progress_trampoline, (void *)state);
}
*/
import "C"

import (
	"context"
	"encoding/json"
	"runtime"
	"runtime/cgo"
	"strings"
	"unsafe"
)

// LibraryVersion is the version of the loaded C library, e.g. "0.1.0".
func LibraryVersion() string { return C.GoString(C.milvus_version()) }

func statusString(status int) string { return C.GoString(C.milvus_status_string(C.int(status))) }

// lastError reads the calling thread's last error: call it on the locked OS thread of the
// call that failed, right after it.
func lastError() *Error {
	return &Error{
		Kind:        Kind(C.milvus_last_error_code()),
		HTTPStatus:  int(C.milvus_last_error_http_status()),
		ServerCode:  int64(C.milvus_last_error_server_code()),
		StorageCode: C.GoString(C.milvus_last_error_storage_code()),
		Message:     C.GoString(C.milvus_last_error_message()),
	}
}

// cText copies s to C memory (free it with C.free); a NUL byte inside, which C would
// take for the end of the text, is an error naming what the text is.
func cText(what, s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, invalidArgument("%s contains a NUL byte", what)
	}
	return C.CString(s), nil
}

// cOptionalText is cText with "" as NULL (the library's "none").
func cOptionalText(what, s string) (*C.char, error) {
	if s == "" {
		return nil, nil
	}
	return cText(what, s)
}

func freeText(p *C.char) { C.free(unsafe.Pointer(p)) }

// locked runs f on a locked OS thread and, when f reports a failure, reads that thread's
// last error there: the library keeps it per thread.
func locked(f func() bool) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if f() {
		return nil
	}
	return lastError()
}

// newCClient creates the C client for url.
func newCClient(url string) (*C.milvus_client, error) {
	curl, err := cText("url", url)
	if err != nil {
		return nil, err
	}
	defer freeText(curl)
	var c *C.milvus_client
	err = locked(func() bool {
		c = C.milvus_client_new(curl)
		return c != nil
	})
	return c, err
}

func freeCClient(c *C.milvus_client) { C.milvus_client_free(c) }

// setInterrupt makes every call of c check its context (see goInterrupt).
func setInterrupt(c *C.milvus_client) error {
	return setter(func() C.int { return C.set_interrupt(c) })
}

// setter runs one C setter on a locked thread; its status other than MILVUS_OK is the
// thread's last error.
func setter(f func() C.int) error {
	return locked(func() bool { return f() == C.MILVUS_OK })
}

// Each setter below takes Go values, converts them and calls the C setter of that name.

func setTextOption(c *C.milvus_client, what, value string,
	set func(*C.milvus_client, *C.char) C.int) error {
	text, err := cOptionalText(what, value)
	if err != nil {
		return err
	}
	defer freeText(text)
	return setter(func() C.int { return set(c, text) })
}

func setAPIKey(c *C.milvus_client, token string) error {
	return setTextOption(c, "token", token, func(c *C.milvus_client, t *C.char) C.int {
		return C.milvus_client_set_api_key(c, t)
	})
}

func setDatabase(c *C.milvus_client, db string) error {
	return setTextOption(c, "database", db, func(c *C.milvus_client, t *C.char) C.int {
		return C.milvus_client_set_database(c, t)
	})
}

func setTimeout(c *C.milvus_client, ms int64) error {
	return setter(func() C.int { return C.milvus_client_set_timeout_ms(c, C.long(ms)) })
}

func setAttemptTimeout(c *C.milvus_client, ms int64) error {
	return setter(func() C.int { return C.milvus_client_set_attempt_timeout_ms(c, C.long(ms)) })
}

func setConnectTimeout(c *C.milvus_client, ms int64) error {
	return setter(func() C.int { return C.milvus_client_set_connect_timeout_ms(c, C.long(ms)) })
}

func setTLS(c *C.milvus_client, verifyPeer bool, caFile string) error {
	verify := C.int(0)
	if verifyPeer {
		verify = 1
	}
	return setTextOption(c, "CA file", caFile, func(c *C.milvus_client, t *C.char) C.int {
		return C.milvus_client_set_tls(c, verify, t)
	})
}

func setClientCert(c *C.milvus_client, certFile, keyFile string) error {
	key, err := cOptionalText("key file", keyFile)
	if err != nil {
		return err
	}
	defer freeText(key)
	return setTextOption(c, "certificate file", certFile, func(c *C.milvus_client, t *C.char) C.int {
		return C.milvus_client_set_client_cert(c, t, key)
	})
}

// setHeader sets name to value, or removes it when remove is true.
func setHeader(c *C.milvus_client, name, value string, remove bool) error {
	cname, err := cText("header name", name)
	if err != nil {
		return err
	}
	defer freeText(cname)
	var cvalue *C.char
	if !remove {
		if cvalue, err = cText("header value", value); err != nil {
			return err
		}
		defer freeText(cvalue)
	}
	return setter(func() C.int { return C.milvus_client_set_header(c, cname, cvalue) })
}

// setProxy sets the proxy URL ("" for none at all), or the environment's when fromEnv.
func setProxy(c *C.milvus_client, proxyURL string, fromEnv bool) error {
	var cproxy *C.char
	if !fromEnv {
		var err error
		if cproxy, err = cText("proxy URL", proxyURL); err != nil {
			return err
		}
		defer freeText(cproxy)
	}
	return setter(func() C.int { return C.milvus_client_set_proxy(c, cproxy) })
}

func setMaxRetries(c *C.milvus_client, n int) error {
	return setter(func() C.int { return C.milvus_client_set_max_retries(c, C.int(n)) })
}

func setRetryBackoff(c *C.milvus_client, ms int64) error {
	return setter(func() C.int { return C.milvus_client_set_retry_backoff_ms(c, C.long(ms)) })
}

func setMaxResponseBytes(c *C.milvus_client, n int64) error {
	return setter(func() C.int { return C.milvus_client_set_max_response_bytes(c, C.longlong(n)) })
}

func setStorage(c *C.milvus_client, s Storage) error {
	var texts [5]*C.char
	defer func() {
		for _, t := range texts {
			freeText(t)
		}
	}()
	for i, v := range []struct{ what, value string }{
		{"storage endpoint", s.Endpoint}, {"storage region", s.Region},
		{"storage access key", s.AccessKey}, {"storage secret key", s.SecretKey},
		{"storage session token", s.SessionToken},
	} {
		var err error
		if texts[i], err = cOptionalText(v.what, v.value); err != nil {
			return err
		}
	}
	err := setter(func() C.int {
		return C.milvus_client_set_storage(c, texts[0], texts[1], texts[2], texts[3], texts[4])
	})
	if err != nil || !s.VirtualHost {
		return err
	}
	return setter(func() C.int { return C.milvus_client_set_storage_virtual_host(c, 1) })
}

func setUploadPartSize(c *C.milvus_client, n int64) error {
	return setter(func() C.int { return C.milvus_client_set_upload_part_size(c, C.longlong(n)) })
}

func setUploadStallTimeout(c *C.milvus_client, ms int64) error {
	return setter(func() C.int { return C.milvus_client_set_upload_stall_timeout_ms(c, C.long(ms)) })
}

// callState is what the C callbacks of one call reach through a cgo.Handle: the call's
// context (for the interrupt check) and the caller's progress callback.
type callState struct {
	ctx        context.Context
	onProgress func(json.RawMessage)
	panicked   any // a panic of onProgress, raised again after the call
}

// endpoint names one request call of the C client.
type endpoint int

const (
	endpointList endpoint = iota
	endpointListAll
	endpointDescribe
	endpointCreate
	endpointCommit
	endpointAbort
)

// invoke is one C call that returns NEW text or NULL, given the client, the request text
// and the callState handle.
type invoke func(c *C.milvus_client, request *C.char, state C.uintptr_t) *C.char

func requestCall(e endpoint) invoke {
	return func(c *C.milvus_client, request *C.char, _ C.uintptr_t) *C.char {
		switch e {
		case endpointList:
			return C.milvus_client_list_import_jobs(c, request)
		case endpointListAll:
			return C.milvus_client_list_all_import_jobs(c, request)
		case endpointDescribe:
			return C.milvus_client_get_import_progress(c, request)
		case endpointCreate:
			return C.milvus_client_bulk_import(c, request)
		case endpointCommit:
			return C.milvus_client_commit_import(c, request)
		default:
			return C.milvus_client_abort_import(c, request)
		}
	}
}

func waitJobCall(timeoutMS, pollMS int64) invoke {
	return func(c *C.milvus_client, request *C.char, state C.uintptr_t) *C.char {
		return C.wait_job(c, request, C.long(timeoutMS), C.long(pollMS), state)
	}
}

func waitJobsCall(timeoutMS, pollMS int64) invoke {
	return func(c *C.milvus_client, request *C.char, state C.uintptr_t) *C.char {
		return C.wait_jobs(c, request, C.long(timeoutMS), C.long(pollMS), state)
	}
}

func uploadFilesCall() invoke {
	return func(c *C.milvus_client, request *C.char, state C.uintptr_t) *C.char {
		return C.upload_files(c, request, state)
	}
}

func importFilesCall(timeoutMS, pollMS int64) invoke {
	return func(c *C.milvus_client, request *C.char, state C.uintptr_t) *C.char {
		return C.import_files(c, request, C.long(timeoutMS), C.long(pollMS), state)
	}
}

// run makes one C call with the client's handle: the request text (nil: NULL), a callState
// handle for the callbacks, the call and the last error on one locked OS thread. It returns
// the answer copied into Go memory (the C text freed), or the error; an error that the
// ended context caused wraps the context's error.
func run(ctx context.Context, c *C.milvus_client, request *string, onProgress func(json.RawMessage),
	call invoke) (json.RawMessage, error) {
	var creq *C.char
	if request != nil {
		var err error
		if creq, err = cText("request", *request); err != nil {
			return nil, err
		}
		defer freeText(creq)
	}
	st := &callState{ctx: ctx, onProgress: onProgress}
	handle := cgo.NewHandle(st)
	defer handle.Delete()
	var text json.RawMessage
	err := locked(func() bool {
		// A call made from a progress callback has its own state; the outer one is back after.
		previous := C.swap_current_call(C.uintptr_t(handle))
		defer C.swap_current_call(previous)
		out := call(c, creq, C.uintptr_t(handle))
		if out == nil {
			return false
		}
		defer C.milvus_free(unsafe.Pointer(out))
		text = json.RawMessage(C.GoString(out))
		return true
	})
	if st.panicked != nil {
		panic(st.panicked)
	}
	if err != nil {
		if e, ok := err.(*Error); ok && ctx.Err() != nil &&
			(e.Kind == KindCancelled || e.Kind == KindTimeout) {
			e.cause = ctx.Err()
		}
		return nil, err
	}
	return text, nil
}
