package milvusimport_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	milvusimport "milvus_import/bindings/go"
)

// Create an import job, wait for it with progress, and read the result. (Not run by go
// test: rows.json must be in the server's bucket.)
func Example() {
	client, err := milvusimport.NewClient("http://127.0.0.1:19530", milvusimport.WithToken("root:Milvus"))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	id, err := client.BulkImport(ctx, "quick_setup", [][]string{{"rows.json"}})
	if err != nil {
		log.Fatal(err)
	}
	job, err := client.WaitForImportJob(ctx, id, &milvusimport.WaitOptions{
		PollInterval: 200 * time.Millisecond,
		OnProgress: func(text json.RawMessage) {
			if p, err := milvusimport.ParseImportJobProgress(text); err == nil {
				_ = p.Progress // e.g. show p.State and p.Progress (percent) to the user
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if job.State == milvusimport.StateFailed {
		log.Fatalf("job %s failed: %s", job.JobID, job.Reason)
	}
	fmt.Printf("job %s: %d rows imported\n", job.JobID, job.ImportedRows)
}

// A job the server does not know is ErrJobNotFound; the details are in *Error.
func ExampleError() {
	client, err := milvusimport.NewClient(serverURL)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	_, err = client.GetImportProgress(context.Background(), "123")
	var e *milvusimport.Error
	if errors.Is(err, milvusimport.ErrJobNotFound) && errors.As(err, &e) {
		fmt.Println(e.Kind, e.HTTPStatus, e.ServerCode == 2100 || e.ServerCode == 2101)
	}
	// Output: import job not found 200 true
}

// The raw calls send every field given and return the server's envelope as it arrived.
func ExampleClient_ListImportJobsRaw() {
	client, err := milvusimport.NewClient(serverURL, milvusimport.WithTimeout(5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	envelope, err := client.ListImportJobsRaw(context.Background(),
		map[string]any{"collectionName": "no_such_collection"})
	var e *milvusimport.Error
	if errors.As(err, &e) {
		fmt.Printf("%q %v %d\n", envelope, e.Kind, e.ServerCode)
	}
	// Output: "" server error 100
}
