package milvusimport

import (
	"context"
	"encoding/json"
	"time"
)

// DefaultPollInterval is the pause between describes (or polls) of a wait whose
// WaitOptions.PollInterval is 0.
const DefaultPollInterval = time.Second

// noLimit stands for "no timeout of its own" in a wait: 100 years, in milliseconds.
const noLimit = 100 * 365 * 24 * time.Hour

// WaitOptions are the settings of a wait. The zero value waits until the context ends,
// describing the job every DefaultPollInterval, without a progress callback.
type WaitOptions struct {
	// Timeout is the longest wait; 0 means until the context's deadline, or without limit
	// when it has none. When it runs out the wait fails with KindTimeout.
	Timeout time.Duration
	// PollInterval is the pause between describes (or polls), at least 1 ms; 0 means
	// DefaultPollInterval (or Timeout when that is shorter).
	PollInterval time.Duration
	// OnProgress, when not nil, runs on the waiting goroutine after every describe with its
	// envelope (WaitForImportJob: decode it with ParseImportJobProgress) or after every poll
	// with the jobs' states (WaitForImportJobs: ParseWaitProgress). The text is valid after
	// it returns. It may call the client, but not Close it.
	OnProgress func(text json.RawMessage)
}

// limits returns the wait's timeout and poll interval in milliseconds.
func (o *WaitOptions) limits(ctx context.Context) (timeoutMS, pollMS int64) {
	timeout := o.Timeout
	if deadline, ok := ctx.Deadline(); ok && (timeout == 0 || time.Until(deadline) < timeout) {
		timeout = time.Until(deadline)
		if timeout <= 0 {
			timeout = time.Millisecond // the context check stops it at once
		}
	} else if timeout == 0 {
		timeout = noLimit
	}
	poll := o.PollInterval
	if poll == 0 {
		poll = DefaultPollInterval
		if timeout < poll {
			poll = timeout
		}
	}
	return milliseconds(timeout), milliseconds(poll)
}

// The raw calls: the request is the REST body (a struct or map for encoding/json, or
// json.RawMessage, []byte or string sent as they are; nil for none) and the result is the
// server's envelope exactly as it arrived, {"code":0,"data":{...}}. Every field of the
// request is sent, so Zilliz Cloud's clusterId, a dbName, pageSize and the like go through.
// Errors, for every call: *Error of KindInvalidArgument (bad request, client closed),
// KindTransport, KindTimeout, KindTLS, KindHTTP, KindAuth, KindServer (ServerCode says
// which, e.g. 100 for a collection that does not exist), KindMalformedResponse,
// KindTooLarge, KindJobNotFound, KindNoMemory, KindCancelled (the context ended).

// ListImportJobsRaw lists import jobs: one page on Zilliz Cloud, every job on Milvus.
// Endpoint: POST /v2/vectordb/jobs/import/list.
func (cl *Client) ListImportJobsRaw(ctx context.Context, request any) (json.RawMessage, error) {
	return cl.do(ctx, request, nil, requestCall(endpointList))
}

// ListAllImportJobsRaw lists import jobs with every page merged into one envelope
// {"code":0,"data":{"records":[...],"count":N}} (a server without paging: one call).
// Endpoint: POST /v2/vectordb/jobs/import/list, once per page.
func (cl *Client) ListAllImportJobsRaw(ctx context.Context, request any) (json.RawMessage, error) {
	return cl.do(ctx, request, nil, requestCall(endpointListAll))
}

// GetImportProgressRaw describes one job; the request needs "jobId".
// Endpoint: POST /v2/vectordb/jobs/import/describe (.../get_progress on Milvus 2.4 servers
// without describe).
func (cl *Client) GetImportProgressRaw(ctx context.Context, request any) (json.RawMessage, error) {
	return cl.do(ctx, request, nil, requestCall(endpointDescribe))
}

// BulkImportRaw creates an import job; the request needs "collectionName" and "files" (a
// list of file groups, each a list of paths in the server's bucket). The answer's
// data.jobId is the new job's id. Retried only with an Idempotency-Key header.
// Endpoint: POST /v2/vectordb/jobs/import/create.
func (cl *Client) BulkImportRaw(ctx context.Context, request any) (json.RawMessage, error) {
	return cl.do(ctx, request, nil, requestCall(endpointCreate))
}

// CommitImportRaw commits a two-phase job waiting in state Uncommitted; the request needs
// "jobId". Milvus 3.0 only (older servers: KindHTTP, status 404).
// Endpoint: POST /v2/vectordb/jobs/import/commit.
func (cl *Client) CommitImportRaw(ctx context.Context, request any) (json.RawMessage, error) {
	return cl.do(ctx, request, nil, requestCall(endpointCommit))
}

// AbortImportRaw aborts a two-phase job (it ends Failed); the request needs "jobId".
// Milvus 3.0 only (older servers: KindHTTP, status 404).
// Endpoint: POST /v2/vectordb/jobs/import/abort.
func (cl *Client) AbortImportRaw(ctx context.Context, request any) (json.RawMessage, error) {
	return cl.do(ctx, request, nil, requestCall(endpointAbort))
}

// WaitForImportJobRaw describes a job (the request needs "jobId"; "dbName", "clusterId"
// and the like are sent too) every opts.PollInterval until it is Completed, Failed or
// Uncommitted, and returns the last describe's envelope: a Failed job is a result, not an
// error. opts may be nil (the zero WaitOptions).
// Errors: those of describe, KindTimeout when opts.Timeout passes first, KindCancelled
// when ctx ends (the error then also matches ctx.Err() with errors.Is), KindServer at once
// for a job in state None.
// Endpoint: POST /v2/vectordb/jobs/import/describe, repeatedly.
func (cl *Client) WaitForImportJobRaw(ctx context.Context, request any, opts *WaitOptions) (json.RawMessage, error) {
	if opts == nil {
		opts = &WaitOptions{}
	}
	timeoutMS, pollMS := opts.limits(ctx)
	return cl.do(ctx, request, opts.OnProgress, waitJobCall(timeoutMS, pollMS))
}

// WaitForImportJobsRaw waits until every job of a set is Completed, Failed or Uncommitted,
// at one list per poll. The request: {"jobIds":[...]} and optionally "collectionName"
// (with no jobIds: every unfinished job of the collection). It returns
// {"code":0,"data":{"jobs":[<each job's final describe data, in the order of jobIds>]}}.
// Errors: as WaitForImportJobRaw.
// Endpoints: POST /v2/vectordb/jobs/import/list once per poll, .../describe once per job.
func (cl *Client) WaitForImportJobsRaw(ctx context.Context, request any, opts *WaitOptions) (json.RawMessage, error) {
	if opts == nil {
		opts = &WaitOptions{}
	}
	timeoutMS, pollMS := opts.limits(ctx)
	return cl.do(ctx, request, opts.OnProgress, waitJobsCall(timeoutMS, pollMS))
}

// UploadFilesRaw uploads local files and folders to the object store set with WithStorage.
// The request: {"bucket":"b","prefix":"imports","paths":["rows.json","npy_dir"]}. An object
// already there with the same size and ETag is not sent again. onProgress, when not nil,
// gets UploadProgress text as bytes go up. Returns {"code":0,"data":{"objects":[{"key",
// "size","etag","path","uploaded"}, ...]}}.
// Errors: KindInvalidArgument (no storage, a path that cannot be read), KindStorage (the
// store refused; see StorageCode), KindTransport, KindTimeout (the stall limit), KindTLS,
// KindCancelled (ctx ended: an unfinished multipart upload is aborted), KindNoMemory.
// Endpoints: the object store's HEAD, PUT and multipart upload.
func (cl *Client) UploadFilesRaw(ctx context.Context, request any, onProgress func(json.RawMessage)) (json.RawMessage, error) {
	return cl.do(ctx, request, onProgress, uploadFilesCall())
}

// ImportFilesRaw uploads what is missing, checks the file-group rules, creates the import
// jobs (1024 file groups per job) and waits for them, in one call. The request:
// {"collectionName":"c","bucket":"b","paths":[...]} with optional "prefix", "dbName",
// "partitionName", "options". opts.OnProgress gets the upload's text, then the wait's.
// Returns {"code":0,"data":{"jobs":[...],"objects":[...]}}.
// Errors: those of UploadFilesRaw, BulkImportRaw and WaitForImportJobsRaw.
func (cl *Client) ImportFilesRaw(ctx context.Context, request any, opts *WaitOptions) (json.RawMessage, error) {
	if opts == nil {
		opts = &WaitOptions{}
	}
	timeoutMS, pollMS := opts.limits(ctx)
	return cl.do(ctx, request, opts.OnProgress, importFilesCall(timeoutMS, pollMS))
}

// The typed calls: Milvus terms as Go values, results decoded with encoding/json.

// ListImportJobs returns the import jobs of collectionName, or of every collection of every
// database when it is "", every page merged. Errors: as ListAllImportJobsRaw.
// Endpoint: POST /v2/vectordb/jobs/import/list.
func (cl *Client) ListImportJobs(ctx context.Context, collectionName string) ([]ImportJob, error) {
	request := map[string]string{}
	if collectionName != "" {
		request["collectionName"] = collectionName
	}
	text, err := cl.ListAllImportJobsRaw(ctx, request)
	if err != nil {
		return nil, err
	}
	data, err := decodeData[struct {
		Records []ImportJob `json:"records"`
	}](text)
	return data.Records, err
}

// BulkImport creates an import job that loads files into collectionName and returns the
// new job's id. files holds file groups, each a list of paths in the server's bucket, e.g.
// [][]string{{"a.parquet"}, {"b.json"}}. Errors: as BulkImportRaw (KindServer with
// ServerCode 100 for a collection that does not exist).
// Endpoint: POST /v2/vectordb/jobs/import/create.
func (cl *Client) BulkImport(ctx context.Context, collectionName string, files [][]string) (string, error) {
	text, err := cl.BulkImportRaw(ctx, map[string]any{"collectionName": collectionName, "files": files})
	if err != nil {
		return "", err
	}
	data, err := decodeData[struct {
		JobID string `json:"jobId"`
	}](text)
	return data.JobID, err
}

// GetImportProgress describes the job jobID: state, progress, rows, per-file details.
// Errors: as GetImportProgressRaw (KindJobNotFound for a job the server does not know).
// Endpoint: POST /v2/vectordb/jobs/import/describe.
func (cl *Client) GetImportProgress(ctx context.Context, jobID string) (*ImportJobProgress, error) {
	text, err := cl.GetImportProgressRaw(ctx, map[string]string{"jobId": jobID})
	if err != nil {
		return nil, err
	}
	return ParseImportJobProgress(text)
}

// WaitForImportJob waits until the job jobID is Completed, Failed or Uncommitted and
// returns its last describe (check State: a Failed job is a result, not an error).
// Errors: as WaitForImportJobRaw.
// Endpoint: POST /v2/vectordb/jobs/import/describe, every opts.PollInterval.
func (cl *Client) WaitForImportJob(ctx context.Context, jobID string, opts *WaitOptions) (*ImportJobProgress, error) {
	text, err := cl.WaitForImportJobRaw(ctx, map[string]string{"jobId": jobID}, opts)
	if err != nil {
		return nil, err
	}
	return ParseImportJobProgress(text)
}

// WaitForImportJobs waits until every job of jobIDs (distinct) is Completed, Failed or
// Uncommitted and returns their last describes, in the order of jobIDs.
// Errors: as WaitForImportJobsRaw.
func (cl *Client) WaitForImportJobs(ctx context.Context, jobIDs []string, opts *WaitOptions) ([]ImportJobProgress, error) {
	text, err := cl.WaitForImportJobsRaw(ctx, map[string][]string{"jobIds": jobIDs}, opts)
	if err != nil {
		return nil, err
	}
	data, err := decodeData[struct {
		Jobs []ImportJobProgress `json:"jobs"`
	}](text)
	return data.Jobs, err
}

// CommitImport commits the two-phase job jobID (Milvus 3.0). Errors: as CommitImportRaw.
func (cl *Client) CommitImport(ctx context.Context, jobID string) error {
	_, err := cl.CommitImportRaw(ctx, map[string]string{"jobId": jobID})
	return err
}

// AbortImport aborts the two-phase job jobID (Milvus 3.0). Errors: as AbortImportRaw.
func (cl *Client) AbortImport(ctx context.Context, jobID string) error {
	_, err := cl.AbortImportRaw(ctx, map[string]string{"jobId": jobID})
	return err
}
