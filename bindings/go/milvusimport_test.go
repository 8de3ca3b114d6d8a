package milvusimport_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	milvusimport "milvus_import/bindings/go"
)

// serverURL is the server every test talks to: MILVUS_URL when set, else an emulator that
// TestMain starts (jobs take jobSeconds) and stops.
var (
	serverURL string
	emulated  bool
)

const jobSeconds = 2

func TestMain(m *testing.M) {
	serverURL = os.Getenv("MILVUS_URL")
	if serverURL != "" {
		os.Exit(m.Run())
	}
	emulated = true
	stop, err := startEmulator()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// startEmulator runs Tests/emulator/milvus_emulator.py on a free port and reads its URL
// from the first line it prints.
func startEmulator() (stop func(), err error) {
	script, err := filepath.Abs("../../Tests/emulator/milvus_emulator.py")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("python3", script, "--host", "127.0.0.1", "--port", "0",
		"--job-seconds", fmt.Sprint(jobSeconds))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	line = strings.TrimSpace(line)
	if err != nil || !strings.HasPrefix(line, "listening on ") {
		stop()
		return nil, fmt.Errorf("the emulator did not start: first line %q (%v); stderr: %s", line, err, stderr.String())
	}
	serverURL = strings.TrimPrefix(line, "listening on ")
	return stop, nil
}

// armFault arms one of the emulator's faults (see Fault in milvus_emulator.py).
func armFault(t *testing.T, fault map[string]any) {
	t.Helper()
	body, _ := json.Marshal(fault)
	resp, err := http.Post(serverURL+"/_emulator/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("arming %v: HTTP %d", fault, resp.StatusCode)
	}
}

func newClient(t *testing.T, opts ...milvusimport.Option) *milvusimport.Client {
	t.Helper()
	client, err := milvusimport.NewClient(serverURL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// createJob creates a job of two file groups in quick_setup and returns its id.
func createJob(t *testing.T, client *milvusimport.Client) string {
	t.Helper()
	id, err := client.BulkImport(context.Background(), "quick_setup", [][]string{{"a.json"}, {"b.json"}})
	if err != nil {
		t.Fatal(err)
	}
	if id == "" || strings.Trim(id, "0123456789") != "" {
		t.Fatalf("job id %q is not an integer", id)
	}
	return id
}

// asError returns err as *milvusimport.Error, failing the test when it is not one.
func asError(t *testing.T, err error) *milvusimport.Error {
	t.Helper()
	var e *milvusimport.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *milvusimport.Error", err, err)
	}
	return e
}

func TestCreateListDescribe(t *testing.T) {
	client := newClient(t)
	ctx := context.Background()
	id := createJob(t, client)

	jobs, err := client.ListImportJobs(ctx, "quick_setup")
	if err != nil {
		t.Fatal(err)
	}
	var listed *milvusimport.ImportJob
	for i := range jobs {
		if jobs[i].JobID == id {
			listed = &jobs[i]
		}
	}
	if listed == nil {
		t.Fatalf("job %s not in the list %+v", id, jobs)
	}
	if listed.CollectionName != "quick_setup" || listed.Progress < 0 || listed.Progress > 100 {
		t.Fatalf("listed job %+v", listed)
	}

	raw, err := client.ListImportJobsRaw(ctx, map[string]string{"collectionName": "quick_setup"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte(`{"code":0,"data":{"records":[`)) || !bytes.Contains(raw, []byte(`"jobId":"`+id+`"`)) {
		t.Fatalf("raw list %s", raw)
	}

	p, err := client.GetImportProgress(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p.JobID != id || p.CollectionName != "quick_setup" || p.CreateTime == "" {
		t.Fatalf("describe %+v", p)
	}
	switch p.State {
	case milvusimport.StatePending, milvusimport.StateImporting, milvusimport.StateCompleted:
	default:
		t.Fatalf("state %q", p.State)
	}
}

func TestWaitWithProgress(t *testing.T) {
	client := newClient(t)
	id := createJob(t, client)
	var seen []*milvusimport.ImportJobProgress
	done, err := client.WaitForImportJob(context.Background(), id, &milvusimport.WaitOptions{
		Timeout:      30 * time.Second,
		PollInterval: 100 * time.Millisecond,
		OnProgress: func(text json.RawMessage) {
			p, err := milvusimport.ParseImportJobProgress(text)
			if err != nil {
				t.Error(err)
				return
			}
			seen = append(seen, p)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if done.JobID != id || done.State != milvusimport.StateCompleted || done.Progress != 100 ||
		done.TotalRows <= 0 || done.ImportedRows != done.TotalRows || done.CompleteTime == "" {
		t.Fatalf("final %+v", done)
	}
	if len(done.Details) != 2 || done.Details[0].FileName != "[a.json]" || done.Details[1].FileName != "[b.json]" ||
		done.Details[0].ImportedRows+done.Details[1].ImportedRows != done.ImportedRows {
		t.Fatalf("details %+v", done.Details)
	}
	// A 2 s job polled every 100 ms: several describes, progress never going back.
	if len(seen) < 5 {
		t.Fatalf("%d progress calls", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].Progress < seen[i-1].Progress {
			t.Fatalf("progress went from %d to %d", seen[i-1].Progress, seen[i].Progress)
		}
	}
	if last := seen[len(seen)-1]; last.State != milvusimport.StateCompleted || last.ImportedRows != done.ImportedRows {
		t.Fatalf("last progress %+v", last)
	}
}

func TestWaitForSeveralJobs(t *testing.T) {
	client := newClient(t)
	ids := []string{createJob(t, client), createJob(t, client)}
	var polls int
	jobs, err := client.WaitForImportJobs(context.Background(), ids, &milvusimport.WaitOptions{
		Timeout: 30 * time.Second, PollInterval: 200 * time.Millisecond,
		OnProgress: func(text json.RawMessage) {
			p, err := milvusimport.ParseWaitProgress(text)
			if err != nil || p.Phase != "import" || len(p.Jobs) != 2 || p.Jobs[0].JobID != ids[0] {
				t.Errorf("progress %s: %+v, %v", text, p, err)
			}
			polls++
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].JobID != ids[0] || jobs[1].JobID != ids[1] ||
		jobs[0].State != milvusimport.StateCompleted || jobs[1].State != milvusimport.StateCompleted {
		t.Fatalf("jobs %+v", jobs)
	}
	if polls < 2 {
		t.Fatalf("%d polls", polls)
	}
}

func TestWaitCancelledByContext(t *testing.T) {
	client := newClient(t)
	id := createJob(t, client)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	start := time.Now()
	_, err := client.WaitForImportJob(ctx, id, &milvusimport.WaitOptions{
		Timeout:      30 * time.Second,
		PollInterval: 5 * time.Second, // the cancel must end the pause, not wait it out
		OnProgress: func(json.RawMessage) {
			calls++
			go func() { time.Sleep(100 * time.Millisecond); cancel() }()
		},
	})
	if e := asError(t, err); e.Kind != milvusimport.KindCancelled || e.HTTPStatus != 0 || e.ServerCode != 0 {
		t.Fatalf("error %#v", e)
	}
	if !errors.Is(err, milvusimport.ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("errors.Is: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second || calls != 1 {
		t.Fatalf("stopped after %v and %d describes", elapsed, calls)
	}
	// A context already ended stops a call before any I/O.
	if _, err := client.GetImportProgress(ctx, id); !errors.Is(err, milvusimport.ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("call with a cancelled context: %v", err)
	}
}

func TestWaitTimeout(t *testing.T) {
	client := newClient(t)
	id := createJob(t, client)
	start := time.Now()
	_, err := client.WaitForImportJob(context.Background(), id, &milvusimport.WaitOptions{
		Timeout: 300 * time.Millisecond, PollInterval: 50 * time.Millisecond,
	})
	if !errors.Is(err, milvusimport.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
	if elapsed := time.Since(start); elapsed < 250*time.Millisecond || elapsed > 2*time.Second {
		t.Fatalf("timed out after %v", elapsed)
	}
}

func TestCallCancelledInFlight(t *testing.T) {
	if !emulated {
		t.Skip("needs the emulator's delay fault")
	}
	client := newClient(t)
	armFault(t, map[string]any{"kind": "delay", "ms": 5000, "path": "import/list"})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := client.ListImportJobs(ctx, "quick_setup")
	if e := asError(t, err); e.Kind != milvusimport.KindCancelled || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
	// The interrupt is asked at least once a second while a request is in flight; the
	// delay is 5 s.
	if elapsed := time.Since(start); elapsed > 2500*time.Millisecond {
		t.Fatalf("stopped after %v", elapsed)
	}
}

func TestServerErrorCollectionNotFound(t *testing.T) {
	client := newClient(t)
	_, err := client.BulkImport(context.Background(), "no_such_collection", [][]string{{"a.json"}})
	e := asError(t, err)
	if e.Kind != milvusimport.KindServer || e.HTTPStatus != 200 || e.ServerCode != 100 ||
		!strings.Contains(e.Message, "collection not found") || !errors.Is(err, milvusimport.ErrServer) {
		t.Fatalf("error %#v", e)
	}
	if want := "milvus_import: create import job: server error 100: collection not found"; !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Error() %q does not start with %q", err.Error(), want)
	}
}

func TestJobNotFound(t *testing.T) {
	client := newClient(t)
	_, err := client.GetImportProgress(context.Background(), "123")
	e := asError(t, err)
	// 2101 on the emulator's default line (3.0); a Milvus up to 2.6.18 answers 2100.
	if e.Kind != milvusimport.KindJobNotFound || !errors.Is(err, milvusimport.ErrJobNotFound) ||
		errors.Is(err, milvusimport.ErrServer) || e.HTTPStatus != 200 ||
		!(e.ServerCode == 2101 || !emulated && e.ServerCode == 2100) {
		t.Fatalf("error %#v", e)
	}
}

func TestTransportError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	client, err := milvusimport.NewClient(fmt.Sprintf("http://127.0.0.1:%d", closedPort), milvusimport.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	_, err = client.ListImportJobs(context.Background(), "")
	if e := asError(t, err); e.Kind != milvusimport.KindTransport || e.HTTPStatus != 0 || e.ServerCode != 0 ||
		!errors.Is(err, milvusimport.ErrTransport) {
		t.Fatalf("error %#v", e)
	}
}

func TestInvalidArguments(t *testing.T) {
	if _, err := milvusimport.NewClient("ftp://127.0.0.1:19530"); !errors.Is(err, milvusimport.ErrInvalidArgument) {
		t.Fatalf("ftp URL: %v", err)
	}
	if _, err := milvusimport.NewClient(serverURL, milvusimport.WithMaxRetries(11)); !errors.Is(err, milvusimport.ErrInvalidArgument) {
		t.Fatalf("11 retries: %v", err)
	}
	_, err := milvusimport.NewClient("http://127.0.0.1\x00:19530")
	if e := asError(t, err); e.Kind != milvusimport.KindInvalidArgument || e.Message != "url contains a NUL byte" {
		t.Fatalf("NUL in the URL: %#v", e)
	}
	client := newClient(t)
	_, err = client.GetImportProgress(context.Background(), "1\x002")
	if e := asError(t, err); e.Kind != milvusimport.KindInvalidArgument || !strings.Contains(e.Message, "\\u0000 is not allowed") {
		t.Fatalf("NUL in a job id: %#v", e)
	}
	if _, err := client.BulkImportRaw(context.Background(), `{"collectionName":"quick_setup","files":"a.json"}`); !errors.Is(err, milvusimport.ErrInvalidArgument) {
		t.Fatalf("files not a list of lists: %v", err)
	}
	client.Close()
	client.Close()
	if _, err := client.ListImportJobs(context.Background(), ""); !errors.Is(err, milvusimport.ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "the client is closed") {
		t.Fatalf("after Close: %v", err)
	}
}

// One client, many goroutines at once: each gets its own answers and its own errors (the
// library's last error is per OS thread; each call reads it on the thread that failed).
func TestSharedClientAcrossGoroutines(t *testing.T) {
	client := newClient(t)
	ctx := context.Background()
	id := createJob(t, client)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				switch (g + i) % 3 {
				case 0:
					if p, err := client.GetImportProgress(ctx, id); err != nil || p.JobID != id {
						errs <- fmt.Errorf("describe: %+v, %v", p, err)
					}
				case 1:
					if _, err := client.GetImportProgress(ctx, "123"); !errors.Is(err, milvusimport.ErrJobNotFound) {
						errs <- fmt.Errorf("job not found: %v", err)
					}
				default:
					_, err := client.BulkImport(ctx, "no_such_collection", [][]string{{"a.json"}})
					var e *milvusimport.Error
					if !errors.As(err, &e) || e.ServerCode != 100 {
						errs <- fmt.Errorf("collection not found: %v", err)
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
