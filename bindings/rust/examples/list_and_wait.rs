//! Lists the import jobs of collection quick_setup, creates one, and waits for the jobs of
//! the collection to finish, printing each poll.
//!
//!     cargo run --example list_and_wait -- http://127.0.0.1:19530 [TOKEN]
//!
//! The file rows.json must be in the bucket the server imports from (the project's
//! emulator counts rows from the name when it has no object store).

use std::ops::ControlFlow;
use std::process::ExitCode;
use std::time::Duration;

use milvus_import::{Client, Error};

fn run(url: &str, token: Option<&str>) -> Result<(), Error> {
    let client = Client::new(url)?;
    client.set_token(token)?;

    println!("jobs: {}", client.list_import_jobs(r#"{"collectionName":"quick_setup"}"#)?);

    let created = client.bulk_import(r#"{"collectionName":"quick_setup","files":[["rows.json"]]}"#)?;
    println!("created: {created}");

    // A program reads data.jobId with its JSON library (e.g. serde_json) and calls
    // wait_import_job(id, ...). Without one, this example waits for every job of the
    // collection not yet finished, the new one among them.
    let done = client.wait_import_jobs(
        r#"{"collectionName":"quick_setup"}"#,
        Duration::from_secs(600),
        Duration::from_secs(1),
        |progress| {
            println!("progress: {progress}");
            ControlFlow::Continue(())
        },
    )?;
    println!("done: {done}");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).map_or("http://127.0.0.1:19530", String::as_str);
    match run(url, args.get(2).map(String::as_str)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error ({}): {e}", e.kind());
            ExitCode::FAILURE
        }
    }
}
