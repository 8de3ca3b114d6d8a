package milvusimport

import (
	"encoding/json"
	"fmt"
)

// JobState is an import job's state as the server names it. Servers may add states; an
// unknown one is kept as the server wrote it.
type JobState string

// The states Milvus names. A wait ends on Completed, Failed or Uncommitted.
const (
	StatePending     JobState = "Pending"
	StateImporting   JobState = "Importing"
	StateCompleted   JobState = "Completed"
	StateFailed      JobState = "Failed"
	StateUncommitted JobState = "Uncommitted" // a two-phase job waiting for commit (Milvus 3.0)
	StateCommitting  JobState = "Committing"  // a two-phase job being committed (Milvus 3.0)
	StateNone        JobState = "None"        // the server cannot name the job's state
)

// ImportJob is one import job as list and describe show it.
type ImportJob struct {
	JobID          string   `json:"jobId"`
	CollectionName string   `json:"collectionName"`
	State          JobState `json:"state"`
	Progress       int      `json:"progress"`         // percent, 0 to 100
	Reason         string   `json:"reason,omitempty"` // why a Failed job failed
}

// ImportJobProgress is one job described: its ImportJob fields plus rows, sizes, times and
// the progress of each file group.
type ImportJobProgress struct {
	ImportJob
	CreateTime   string               `json:"createTime"`   // in the server's zone, e.g. "2026-12-03T14:18:34Z"
	CompleteTime string               `json:"completeTime"` // "" until the job completes
	TotalRows    int64                `json:"totalRows"`
	ImportedRows int64                `json:"importedRows"`
	FileSize     int64                `json:"fileSize"` // bytes, all files
	Details      []ImportFileProgress `json:"details"`  // one per file group, once importing starts
}

// ImportFileProgress is the progress of one file group of a job.
type ImportFileProgress struct {
	FileName     string `json:"fileName"` // the group's paths as the server formats them, e.g. "[a.json]"
	FileSize     int64  `json:"fileSize"` // bytes
	State        string `json:"state"`
	Progress     int    `json:"progress"` // percent, 0 to 100
	TotalRows    int64  `json:"totalRows"`
	ImportedRows int64  `json:"importedRows"`
	CompleteTime string `json:"completeTime"`
	Reason       string `json:"reason,omitempty"`
}

// WaitProgress is the text a wait for several jobs (WaitForImportJobs) hands its
// OnProgress after every poll, decoded by ParseWaitProgress.
type WaitProgress struct {
	Phase string      `json:"phase"` // "import"
	Jobs  []ImportJob `json:"jobs"`  // jobId, state, progress of each job of the set, in its order
}

// UploadProgress is the text an upload (UploadFilesRaw, ImportFilesRaw) hands its
// progress callback while bytes go up.
type UploadProgress struct {
	Phase      string `json:"phase"`      // "upload"
	Key        string `json:"key"`        // the object being sent
	BytesDone  int64  `json:"bytesDone"`  // bytes of the whole call sent so far
	BytesTotal int64  `json:"bytesTotal"` // bytes of the whole call
}

// envelope is Milvus's answer: {"code":0,"data":{...}}. The library has already turned a
// non-zero code into an error, so only data is read here.
type envelope[T any] struct {
	Data T `json:"data"`
}

// decodeData decodes the data member of an envelope into a T.
func decodeData[T any](text json.RawMessage) (T, error) {
	var e envelope[T]
	if err := json.Unmarshal(text, &e); err != nil {
		return e.Data, &Error{Kind: KindMalformedResponse, Message: fmt.Sprintf("decoding the answer: %v", err)}
	}
	return e.Data, nil
}

// ParseImportJobProgress decodes a describe envelope ({"code":0,"data":{...}}), as
// GetImportProgressRaw returns and the OnProgress of WaitForImportJob receives.
// Errors: KindMalformedResponse when the text does not decode.
func ParseImportJobProgress(envelope json.RawMessage) (*ImportJobProgress, error) {
	p, err := decodeData[ImportJobProgress](envelope)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// ParseWaitProgress decodes the progress text of a wait for several jobs.
// Errors: KindMalformedResponse when the text does not decode.
func ParseWaitProgress(text json.RawMessage) (*WaitProgress, error) {
	var p WaitProgress
	if err := json.Unmarshal(text, &p); err != nil {
		return nil, &Error{Kind: KindMalformedResponse, Message: fmt.Sprintf("decoding the progress: %v", err)}
	}
	return &p, nil
}
