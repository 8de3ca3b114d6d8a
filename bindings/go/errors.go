package milvusimport

import "fmt"

// Kind is the class of a failure: the C library's milvus_status. The numbers are the C
// ones and never change meaning; a library newer than this package may return a Kind
// not named below (its String is then "unknown status").
type Kind int

// The kinds of failure, one per milvus_status other than MILVUS_OK.
const (
	KindInvalidArgument   Kind = 1  // bad input from the caller; nothing was sent
	KindTransport         Kind = 2  // DNS, connection refused or reset, truncated body, proxy failure
	KindTimeout           Kind = 3  // the timeout ran out, or the server answered HTTP 408
	KindTLS               Kind = 4  // TLS handshake or certificate verification failed
	KindHTTP              Kind = 5  // a non-2xx status other than 401/403/408 (3xx included)
	KindAuth              Kind = 6  // HTTP 401/403, or server code 1800 / 21119 (Zilliz Cloud)
	KindServer            Kind = 7  // a Milvus envelope with a non-zero code
	KindMalformedResponse Kind = 8  // a 2xx answer that is not a Milvus JSON envelope
	KindTooLarge          Kind = 9  // the response passed the client's response cap
	KindJobNotFound       Kind = 10 // the server does not know the job (code 2100 or 2101)
	KindNoMemory          Kind = 11 // an allocation failed
	KindCancelled         Kind = 12 // the context was cancelled, or a progress callback stopped
	KindStorage           Kind = 13 // the object store (S3 API) refused a request
)

// String is the library's short English description of k, e.g. "server error".
func (k Kind) String() string { return statusString(int(k)) }

// Error is every error this package returns. Read its fields with errors.As:
//
//	var e *milvusimport.Error
//	if errors.As(err, &e) && e.ServerCode == 100 { ... }
//
// Compare its kind with errors.Is and the sentinels below (errors.Is(err, ErrJobNotFound)).
// An error that ended a call because its context was cancelled or passed its deadline
// also matches context.Canceled or context.DeadlineExceeded with errors.Is.
// The message never holds the API token, a URL password or object-store keys.
type Error struct {
	Kind        Kind   // the class of failure
	HTTPStatus  int    // the HTTP status of the answer behind it; 0 when none arrived
	ServerCode  int64  // the "code" of the server's JSON envelope (e.g. 100); 0 when none
	StorageCode string // the S3 error Code (e.g. "NoSuchBucket") for KindStorage; "" otherwise
	Message     string // one line: what failed and the server's message, if any
	cause       error  // the context's error when the context ended the call
}

// Error is "milvus_import: " and the message, which names the call, the failure and the
// server's code and text where there are any, e.g. "milvus_import: describe import job:
// server error 2101: import job does not exist, ..."; a sentinel's is its kind.
func (e *Error) Error() string {
	if e.Message == "" {
		return "milvus_import: " + e.Kind.String()
	}
	return "milvus_import: " + e.Message
}

// Is reports whether target is an *Error of the same Kind, so that
// errors.Is(err, ErrJobNotFound) holds for every job-not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// Unwrap returns context.Canceled or context.DeadlineExceeded when the call's context
// ended it, else nil.
func (e *Error) Unwrap() error { return e.cause }

// Sentinels, one per Kind, for errors.Is. Only their Kind is compared; do not modify them.
var (
	ErrInvalidArgument   = &Error{Kind: KindInvalidArgument}
	ErrTransport         = &Error{Kind: KindTransport}
	ErrTimeout           = &Error{Kind: KindTimeout}
	ErrTLS               = &Error{Kind: KindTLS}
	ErrHTTP              = &Error{Kind: KindHTTP}
	ErrAuth              = &Error{Kind: KindAuth}
	ErrServer            = &Error{Kind: KindServer}
	ErrMalformedResponse = &Error{Kind: KindMalformedResponse}
	ErrTooLarge          = &Error{Kind: KindTooLarge}
	ErrJobNotFound       = &Error{Kind: KindJobNotFound}
	ErrNoMemory          = &Error{Kind: KindNoMemory}
	ErrCancelled         = &Error{Kind: KindCancelled}
	ErrStorage           = &Error{Kind: KindStorage}
)

// invalidArgument is a KindInvalidArgument error raised by the Go side before any C call.
func invalidArgument(format string, args ...any) *Error {
	return &Error{Kind: KindInvalidArgument, Message: fmt.Sprintf(format, args...)}
}
