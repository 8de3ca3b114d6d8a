//! The crate against the emulator (or MILVUS_URL): list, create, describe, waits with
//! progress and cancellation, the error kinds and codes, a client shared by threads.

mod common;

use std::ops::ControlFlow;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{closed_port_url, job_id_of, Server, COLLECTION};
use milvus_import::{no_progress, Client, Error, ErrorKind};

const CREATE: &str = r#"{"collectionName":"quick_setup","files":[["rows.json"]]}"#;

fn create_job(client: &Client) -> String {
    let created = client.bulk_import(CREATE).expect("create");
    assert!(created.starts_with(r#"{"code":0,"data":{"jobId":""#), "{created}");
    job_id_of(&created)
}

fn expect_err(result: Result<String, Error>) -> Error {
    match result {
        Ok(text) => panic!("expected an error, got {text}"),
        Err(e) => e,
    }
}

#[test]
fn client_lists_creates_and_describes() {
    let server = Server::start(&["--job-seconds", "30"]);
    let client = Client::new(&server.url).unwrap();
    let id = create_job(&client);

    let listed = client.list_import_jobs(r#"{"collectionName":"quick_setup"}"#).unwrap();
    assert!(listed.starts_with(r#"{"code":0,"data":{"records":["#), "{listed}");
    assert!(listed.contains(&format!(r#"{{"collectionName":"{COLLECTION}","jobId":"{id}","#)), "{listed}");
    let all = client.list_all_import_jobs("{}").unwrap();
    assert!(all.contains(&format!(r#""jobId":"{id}""#)), "{all}");

    let described = client.get_import_progress(&format!(r#"{{"jobId":"{id}"}}"#)).unwrap();
    assert!(described.starts_with(r#"{"code":0,"data":{"#), "{described}");
    assert!(described.contains(&format!(r#""jobId":"{id}""#)), "{described}");
    assert!(described.contains(r#""state":"Pending""#) || described.contains(r#""state":"Importing""#), "{described}");
}

#[test]
fn stateless_calls_list_create_and_describe() {
    let server = Server::start(&["--job-seconds", "30"]);
    let created = milvus_import::bulk_import(&server.url, COLLECTION, r#"[["rows.json"]]"#).unwrap();
    let id = job_id_of(&created);

    let listed = milvus_import::list_import_jobs(&server.url, Some(COLLECTION)).unwrap();
    assert!(listed.contains(&format!(r#"{{"collectionName":"{COLLECTION}","jobId":"{id}","#)), "{listed}");
    let everything = milvus_import::list_import_jobs(&server.url, None).unwrap();
    assert!(everything.contains(&format!(r#""jobId":"{id}""#)), "{everything}");
    let described = milvus_import::get_import_progress(&server.url, &id).unwrap();
    assert!(described.contains(&format!(r#""jobId":"{id}""#)), "{described}");

    let e = expect_err(milvus_import::bulk_import(&server.url, COLLECTION, r#"["rows.json"]"#));
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
}

#[test]
fn wait_reports_every_describe_until_completed() {
    let server = Server::start(&["--job-seconds", "0.5"]);
    let client = Client::new(&server.url).unwrap();
    let id = create_job(&client);

    let mut seen = Vec::new();
    let done = client
        .wait_import_job(&id, Duration::from_secs(30), Duration::from_millis(50), |describe| {
            seen.push(describe.to_string());
            ControlFlow::Continue(())
        })
        .unwrap();
    assert!(done.contains(r#""state":"Completed""#), "{done}");
    assert!(done.contains(r#""progress":100"#), "{done}");
    assert!(seen.len() >= 3, "a 0.5 s job polled every 50 ms: {seen:?}");
    assert!(seen.iter().all(|d| d.contains(&format!(r#""jobId":"{id}""#))), "{seen:?}");
    assert_eq!(seen.last(), Some(&done));

    // The many-job wait: one list per poll, the final describes in the order of jobIds.
    let second = create_job(&client);
    let mut polls = 0;
    let both = client
        .wait_import_jobs(
            &format!(r#"{{"jobIds":["{second}","{id}"]}}"#),
            Duration::from_secs(30),
            Duration::from_millis(50),
            |progress| {
                assert!(progress.starts_with(r#"{"phase":"import","jobs":[{"jobId":""#), "{progress}");
                polls += 1;
                ControlFlow::Continue(())
            },
        )
        .unwrap();
    assert!(polls >= 1);
    let (a, b) = (both.find(&format!(r#""jobId":"{second}""#)), both.find(&format!(r#""jobId":"{id}""#)));
    assert!(a.is_some() && b.is_some() && a < b, "{both}");
}

#[test]
fn progress_closure_that_breaks_cancels_the_wait() {
    let server = Server::start(&["--job-seconds", "30"]);
    let client = Client::new(&server.url).unwrap();
    let id = create_job(&client);

    let mut calls = 0;
    let e = expect_err(client.wait_import_job(&id, Duration::from_secs(30), Duration::from_millis(20), |_| {
        calls += 1;
        if calls == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }));
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert_eq!(calls, 2);
    assert_eq!(e.server_code(), None);

    // The wait's own timeout is a Timeout, not a cancellation.
    let e = expect_err(client.wait_import_job(&id, Duration::from_millis(150), Duration::from_millis(20), no_progress));
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
}

#[test]
fn panic_in_progress_closure_is_raised_again_after_the_wait() {
    let server = Server::start(&["--job-seconds", "30"]);
    let client = Client::new(&server.url).unwrap();
    let id = create_job(&client);

    let mut calls = 0;
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        client.wait_import_job(&id, Duration::from_secs(30), Duration::from_millis(20), |_| {
            calls += 1;
            panic!("stop here")
        })
    }));
    let payload = caught.expect_err("the closure's panic");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"stop here"));
    assert_eq!(calls, 1, "the wait stops at the panic");
    // The client is still usable.
    assert!(client.list_import_jobs("{}").unwrap().starts_with(r#"{"code":0,"#));
}

#[test]
fn server_error_carries_its_code() {
    let server = Server::start(&[]);
    let client = Client::new(&server.url).unwrap();
    let e = expect_err(client.bulk_import(r#"{"collectionName":"no_such_collection","files":[["rows.json"]]}"#));
    assert_eq!(e.kind(), ErrorKind::Server, "{e}");
    assert_eq!(e.server_code(), Some(100));
    assert_eq!(e.http_status(), Some(200));
    assert_eq!(e.storage_code(), None);
    assert!(e.message().contains("collection not found"), "{}", e.message());
    assert_eq!(e.to_string(), e.message());
    assert_eq!(e.kind().to_string(), "server error");
}

#[test]
fn unknown_job_is_job_not_found() {
    // The default profile (Milvus 3.0) answers code 2101.
    let server = Server::start(&[]);
    let client = Client::new(&server.url).unwrap();
    for e in [
        expect_err(client.get_import_progress(r#"{"jobId":"1"}"#)),
        expect_err(client.wait_import_job("1", Duration::from_secs(5), Duration::from_millis(50), no_progress)),
        expect_err(milvus_import::get_import_progress(&server.url, "1")),
    ] {
        assert_eq!(e.kind(), ErrorKind::JobNotFound, "{e}");
        assert_eq!(e.server_code(), Some(2101));
        assert_eq!(e.http_status(), Some(200));
    }
}

#[test]
fn closed_port_is_a_transport_error() {
    let url = closed_port_url();
    let client = Client::new(&url).unwrap();
    client.set_max_retries(0).unwrap();
    for e in [expect_err(client.list_import_jobs("{}")), expect_err(milvus_import::list_import_jobs(&url, None))] {
        assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
        assert_eq!(e.http_status(), None);
        assert_eq!(e.server_code(), None);
        assert!(!e.message().is_empty());
    }
}

#[test]
fn bad_input_is_refused_before_any_io() {
    // A closed port: an error other than InvalidArgument would mean a request was tried.
    let client = Client::new(&closed_port_url()).unwrap();
    let cases = [
        client.list_import_jobs("[]").map(drop),
        client.list_import_jobs("{\"collectionName\":\"a\0\"}").map(drop),
        client.get_import_progress("{}").map(drop),
        client.set_max_retries(11),
        client.set_timeout(Duration::ZERO),
        client.set_header("Content-Type", Some("text/plain")),
        client.set_token(Some("a\nb")),
        client.wait_import_job("", Duration::from_secs(1), Duration::from_millis(10), no_progress).map(drop),
    ];
    for result in cases {
        let e = result.expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert_eq!(e.http_status(), None);
    }
    let e = client.list_import_jobs("{\"collectionName\":\"a\0\"}").unwrap_err();
    assert_eq!(e.message(), "request_json contains a NUL byte");

    for url in ["ftp://127.0.0.1:19530", "http://127.0.0.1:19530/?q=1", "http://a\0b"] {
        let e = Client::new(url).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{url}: {e}");
    }
}

#[test]
fn one_client_shared_by_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Client>();

    let server = Server::start(&["--job-seconds", "30"]);
    let client = Arc::new(Client::new(&server.url).unwrap());
    let id = create_job(&client);
    let describe = format!(r#"{{"jobId":"{id}"}}"#);
    thread::scope(|scope| {
        for t in 0..8 {
            let (client, describe, id) = (Arc::clone(&client), &describe, &id);
            scope.spawn(move || {
                for i in 0..10 {
                    let listed = client.list_import_jobs("{}").unwrap();
                    assert!(listed.contains(&format!(r#""jobId":"{id}""#)), "{listed}");
                    let described = client.get_import_progress(describe).unwrap();
                    assert!(described.contains(&format!(r#""jobId":"{id}""#)), "{described}");
                    // Errors are per thread: each sees its own.
                    let e = client.get_import_progress(r#"{"jobId":"1"}"#).unwrap_err();
                    assert_eq!((e.kind(), e.server_code()), (ErrorKind::JobNotFound, Some(2101)));
                    // Setters may run while other threads call.
                    client.set_header("X-Thread", Some(&format!("{t}-{i}"))).unwrap();
                }
            });
        }
    });
}

#[test]
fn interrupt_check_cancels_a_wait_from_another_thread() {
    let server = Server::start(&["--job-seconds", "30"]);
    let mut client = Client::new(&server.url).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    client.set_interrupt(move || flag.load(Ordering::Relaxed)).unwrap();
    let id = create_job(&client);

    let started = Instant::now();
    let e = thread::scope(|scope| {
        let waiting = scope.spawn(|| {
            expect_err(client.wait_import_job(&id, Duration::from_secs(30), Duration::from_secs(5), no_progress))
        });
        thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::Relaxed);
        waiting.join().unwrap()
    });
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert!(started.elapsed() < Duration::from_secs(3), "stopped inside the 5 s pause: {:?}", started.elapsed());

    // With the flag down again, or the check removed, calls go through.
    stop.store(false, Ordering::Relaxed);
    assert!(client.get_import_progress(&format!(r#"{{"jobId":"{id}"}}"#)).is_ok());
    stop.store(true, Ordering::Relaxed);
    client.clear_interrupt().unwrap();
    let e = expect_err(client.wait_import_job(&id, Duration::from_millis(100), Duration::from_millis(20), no_progress));
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
}

#[test]
fn retry_and_attempt_settings_are_checked() {
    let client = Client::new(&closed_port_url()).unwrap();
    client.set_attempt_timeout(Some(Duration::from_secs(5))).unwrap();
    client.set_attempt_timeout(None).unwrap();
    client.set_retry_backoff(Duration::from_millis(10)).unwrap();
    let e = client.set_retry_backoff(Duration::from_secs(61)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    milvus_import::set_stateless_max_retries(2).unwrap();
    let e = milvus_import::set_stateless_max_retries(11).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
}
