package milvusimport

/*
#include <milvus_import.h>
*/
import "C"

import (
	"context"
	"encoding/json"
	"sync"
	"time"
)

// Client is a connection to one Milvus server (or Zilliz Cloud cluster): its settings and
// a pool of reused connections, held by the C library.
//
// A Client is safe for use by any number of goroutines at once. Each call runs the C
// library on the calling goroutine (pinned to its OS thread for the call) and blocks it
// until the answer, the timeout or the context's end. Close frees it.
type Client struct {
	mu     sync.Mutex
	idle   sync.Cond // signalled when users drops to 0
	c      *C.milvus_client
	users  int  // calls under way
	closed bool // Close was called: new calls fail
}

// Option is a setting given to NewClient.
type Option func(*C.milvus_client) error

// Storage is the S3-compatible object store that UploadFilesRaw and ImportFilesRaw use.
type Storage struct {
	Endpoint     string // base URL, e.g. "http://127.0.0.1:8333"; "" means AWS S3 of Region
	Region       string // signing region; "" means "us-east-1"
	AccessKey    string // required
	SecretKey    string // required
	SessionToken string // a temporary credential's session token, or ""
	VirtualHost  bool   // bucket.endpoint/key addressing instead of endpoint/bucket/key
}

// milliseconds converts d to whole milliseconds for the library, rounding a positive d
// below 1 ms up to 1 ms (0 and negative values pass through for the library to refuse).
func milliseconds(d time.Duration) int64 {
	ms := d.Milliseconds()
	if d > 0 && ms == 0 {
		ms = 1
	}
	return ms
}

// WithToken sets the token sent as "Authorization: Bearer <token>": a Zilliz Cloud API key,
// or "user:password" for a Milvus with authentication on. "" sends none.
func WithToken(token string) Option {
	return func(c *C.milvus_client) error { return setAPIKey(c, token) }
}

// WithDatabase sets the database of calls whose request has no "dbName" (sent as the
// DB-Name header and as dbName in list and create bodies). "" means the server's default.
func WithDatabase(name string) Option {
	return func(c *C.milvus_client) error { return setDatabase(c, name) }
}

// WithTimeout sets the longest time one call to Milvus may take, retries included
// (default 20 s). Waits have their own timeout (WaitOptions.Timeout); it bounds each
// describe inside them.
func WithTimeout(d time.Duration) Option {
	return func(c *C.milvus_client) error { return setTimeout(c, milliseconds(d)) }
}

// WithAttemptTimeout sets the longest time one HTTP attempt may take, so that a server
// that stops answering is retried within the call's timeout (e.g. WithTimeout(20 s) and
// WithAttemptTimeout(5 s): up to three attempts). 0, the default, sets no limit of its own.
func WithAttemptTimeout(d time.Duration) Option {
	return func(c *C.milvus_client) error { return setAttemptTimeout(c, milliseconds(d)) }
}

// WithConnectTimeout sets the timeout for establishing a connection, TCP and TLS
// (default 10 s).
func WithConnectTimeout(d time.Duration) Option {
	return func(c *C.milvus_client) error { return setConnectTimeout(c, milliseconds(d)) }
}

// WithTLS sets TLS verification: verifyPeer false turns certificate and host name checks
// off (for tests only); caFile, when not "", is a PEM file of CA certificates trusted
// instead of the system's (read at the first HTTPS call: a bad file is then KindTLS).
func WithTLS(verifyPeer bool, caFile string) Option {
	return func(c *C.milvus_client) error { return setTLS(c, verifyPeer, caFile) }
}

// WithClientCert sets a client certificate (PEM) and its key ("" when the key is inside
// certFile) for servers that require one.
func WithClientCert(certFile, keyFile string) Option {
	return func(c *C.milvus_client) error { return setClientCert(c, certFile, keyFile) }
}

// WithHeader adds or replaces an extra request header, e.g. "Idempotency-Key" (which makes
// creates retryable) or "Request-Timeout". Content-Type, Content-Length and Host are refused.
func WithHeader(name, value string) Option {
	return func(c *C.milvus_client) error { return setHeader(c, name, value, false) }
}

// WithProxy sets the HTTP(S) or SOCKS proxy, e.g. "http://proxy:3128"; "" means no proxy
// at all. Without this option the environment's http_proxy, https_proxy and no_proxy apply.
func WithProxy(proxyURL string) Option {
	return func(c *C.milvus_client) error { return setProxy(c, proxyURL, false) }
}

// WithMaxRetries sets how often list and describe (and create, with an Idempotency-Key
// header) are retried after a transport error, a timeout or HTTP 408, 429, 502, 503, 504:
// 0 to 10, default 2.
func WithMaxRetries(n int) Option {
	return func(c *C.milvus_client) error { return setMaxRetries(c, n) }
}

// WithRetryBackoff sets the pause before the first retry, doubled for each further one up
// to 30 s: 0 to 60 s, default 250 ms.
func WithRetryBackoff(d time.Duration) Option {
	return func(c *C.milvus_client) error { return setRetryBackoff(c, milliseconds(d)) }
}

// WithMaxResponseBytes sets the largest response body accepted, in bytes (default 256 MiB);
// a larger one is KindTooLarge.
func WithMaxResponseBytes(n int64) Option {
	return func(c *C.milvus_client) error { return setMaxResponseBytes(c, n) }
}

// WithStorage sets the object store that UploadFilesRaw and ImportFilesRaw write to.
func WithStorage(s Storage) Option {
	return func(c *C.milvus_client) error { return setStorage(c, s) }
}

// WithUploadPartSize sets the part size of multipart uploads in bytes: 5 MiB to 5 GiB,
// default 64 MiB.
func WithUploadPartSize(n int64) Option {
	return func(c *C.milvus_client) error { return setUploadPartSize(c, n) }
}

// WithUploadStallTimeout sets how long an upload may move no byte before it fails with
// KindTimeout (default 60 s).
func WithUploadStallTimeout(d time.Duration) Option {
	return func(c *C.milvus_client) error { return setUploadStallTimeout(c, milliseconds(d)) }
}

// NewClient creates a client for the server at url: http or https, optional port and path
// prefix, e.g. "http://127.0.0.1:19530" ("user:password@" in it is sent as HTTP Basic
// authentication). No I/O happens here.
// Errors: KindInvalidArgument for a bad URL or a bad option value (the message says which).
func NewClient(url string, opts ...Option) (*Client, error) {
	c, err := newCClient(url)
	if err != nil {
		return nil, err
	}
	if err := setInterrupt(c); err != nil {
		freeCClient(c)
		return nil, err
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			freeCClient(c)
			return nil, err
		}
	}
	cl := &Client{c: c}
	cl.idle.L = &cl.mu
	return cl, nil
}

// Close waits for the calls under way to return, then closes the connections and frees the
// client. Calls made after Close fail with KindInvalidArgument. Calling Close again does
// nothing. Do not call it from a progress callback of the same client (it would wait for
// itself). It returns nil.
func (cl *Client) Close() error {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.closed = true
	for cl.users > 0 {
		cl.idle.Wait()
	}
	if cl.c != nil {
		freeCClient(cl.c)
		cl.c = nil
	}
	return nil
}

// do runs one call on the client's C handle, keeping Close from freeing it meanwhile.
// A context that has already ended fails the call before any I/O.
func (cl *Client) do(ctx context.Context, request any, onProgress func(json.RawMessage),
	call invoke) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Kind: KindCancelled, Message: "the context ended before the call", cause: err}
	}
	text, err := requestText(request)
	if err != nil {
		return nil, err
	}
	cl.mu.Lock()
	if cl.closed {
		cl.mu.Unlock()
		return nil, invalidArgument("the client is closed")
	}
	cl.users++
	c := cl.c
	cl.mu.Unlock()
	defer func() {
		cl.mu.Lock()
		cl.users--
		if cl.users == 0 {
			cl.idle.Broadcast()
		}
		cl.mu.Unlock()
	}()
	return run(ctx, c, text, onProgress, call)
}

// requestText is the JSON text of a request: nil is none (the library's "{}" where no
// field is required), json.RawMessage, []byte and string are sent as they are, anything
// else is encoded with encoding/json.
func requestText(request any) (*string, error) {
	var text string
	switch r := request.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		text = string(r)
	case []byte:
		text = string(r)
	case string:
		text = r
	default:
		b, err := json.Marshal(r)
		if err != nil {
			return nil, invalidArgument("encoding the request: %v", err)
		}
		text = string(b)
	}
	return &text, nil
}
