// Package milvusimport drives Milvus bulk import (import jobs: create, list, describe,
// wait, commit, abort, and uploads of local files to the object store Milvus reads) over
// Milvus's REST API, through the C library libmilvus_import.
//
// Build: cgo with pkg-config, so the library must be installed and found:
//
//	make install PREFIX=/opt/mi        # in the libmilvus_import checkout
//	PKG_CONFIG_PATH=/opt/mi/lib/pkgconfig go build ./...
//
// Calls: a Client holds the settings (NewClient and Options) and a pool of connections.
// Every call takes a context.Context first: when it is cancelled or passes its deadline,
// the call under way stops within about a second (waits and pauses within 100 ms) and
// returns an *Error of KindCancelled that also matches ctx.Err() with errors.Is. Each
// call blocks its goroutine, pinned to its OS thread for the duration of the C call.
//
// Results: the typed calls (ListImportJobs, BulkImport, GetImportProgress,
// WaitForImportJob, WaitForImportJobs, CommitImport, AbortImport) decode the answer into
// ImportJob and ImportJobProgress; the Raw calls take the REST body as any value
// encoding/json can encode (or JSON text) and return the server's envelope as a
// json.RawMessage, every field as it arrived.
//
// Errors: every error is an *Error (Kind, HTTPStatus, ServerCode, StorageCode, Message),
// read with errors.As; its kind compares with errors.Is against ErrJobNotFound, ErrServer,
// ErrTransport and the other sentinels.
//
// Goroutines: a Client may be shared by any number of goroutines; only Close waits for the
// calls under way.
package milvusimport
