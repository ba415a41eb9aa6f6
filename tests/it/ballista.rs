//! The scale-out path (feature `ballista`): the scoring models run on a
//! standalone, in-process Ballista cluster over the committed sample data
//! give the same `case_scores` as the local engine; `legalaid run` with
//! `[engine] scheduler` pointing at a scheduler and an executor started as
//! servers on localhost ports writes the same outputs as a local run; and an
//! unreachable scheduler stops the run with nothing written.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use datafusion::arrow::compute::{concat_batches, sort_to_indices, take};
use datafusion::arrow::datatypes::DataType;
use legalaid::models::{Store, score};
use legalaid::plan::{Plan, PlanOptions};
use legalaid::scaleout::{CASE_SCORES, score_on_ballista};

use crate::fixture::{files_under, legalaid, stderr};

/// All rows of the batches in one batch, sorted by `case_id`.
fn sorted_by_case(batches: &[RecordBatch]) -> RecordBatch {
    assert!(!batches.is_empty(), "no batches");
    let all = concat_batches(&batches[0].schema(), batches).unwrap();
    let ids = all.column_by_name("case_id").expect("a case_id column");
    let order = sort_to_indices(ids, None, None).unwrap();
    let columns: Vec<ArrayRef> = all
        .columns()
        .iter()
        .map(|c| take(c.as_ref(), &order, None).unwrap())
        .collect();
    RecordBatch::try_new(all.schema(), columns).unwrap()
}

/// Worker threads' stack: Ballista (de)serialises plans recursively, and the
/// scoring models' plans overflow tokio's default 2 MiB in a debug build
/// (4 MiB is enough today; 16 leaves room for longer SQL).
const STACK: usize = 16 << 20;

#[test]
fn ballista_case_scores_equal_the_local_engine() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(STACK)
        .enable_all()
        .build()
        .unwrap()
        .block_on(compare());
}

async fn compare() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let plan = Plan::resolve(
        &repo.join("pipelines/chengdu-2024.toml"),
        &PlanOptions::default(),
    )
    .unwrap();
    let ingested = legalaid::validate(&plan, &mut legalaid::Quiet).unwrap();

    let ctx = legalaid::session::build(&plan, &ingested).unwrap();
    let k_b = plan.settings.scoring.severity_prior_reviews;
    let (local, _) = score(&ctx, Store::Memory, k_b).await.unwrap();
    let local = local
        .iter()
        .find(|r| r.model.name == CASE_SCORES)
        .expect("case scores among the models");
    let local = sorted_by_case(&local.read().unwrap());

    let scratch = tempfile::tempdir().unwrap();
    let remote = score_on_ballista(&plan, &ingested, scratch.path())
        .await
        .unwrap();
    let remote = sorted_by_case(&remote);

    assert!(local.num_rows() > 0, "the sample data set scores cases");
    assert_eq!(remote.num_rows(), local.num_rows(), "row count");
    let (ls, rs) = (local.schema(), remote.schema());
    let names = |s: &datafusion::arrow::datatypes::Schema| {
        s.fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&rs), names(&ls), "column names and types");

    let ids = local
        .column_by_name("case_id")
        .unwrap()
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    for (i, field) in ls.fields().iter().enumerate() {
        let (l, r) = (local.column(i), remote.column(i));
        if field.data_type() == &DataType::Float64 {
            // Bit-equal by design: int_review_totals sums points exactly
            // (as decimals), so the order in which rows arrive from the
            // partitions does not matter, nor does it for median, min, max.
            let l = l.as_any().downcast_ref::<Float64Array>().unwrap();
            let r = r.as_any().downcast_ref::<Float64Array>().unwrap();
            for row in 0..l.len() {
                let lv = (!l.is_null(row)).then(|| l.value(row).to_bits());
                let rv = (!r.is_null(row)).then(|| r.value(row).to_bits());
                assert_eq!(
                    rv,
                    lv,
                    "{} of case {}: Ballista {:?}, local {:?}",
                    field.name(),
                    ids.value(row),
                    rv.map(f64::from_bits),
                    lv.map(f64::from_bits),
                );
            }
        } else {
            assert_eq!(r.as_ref(), l.as_ref(), "column {}", field.name());
        }
    }
}

/// A Ballista scheduler and one executor, each a gRPC server of its own on a
/// localhost port, started as the `ballista-scheduler` and
/// `ballista-executor` binaries start them, on a runtime that lives as long
/// as this value.
struct LocalCluster {
    runtime: Option<tokio::runtime::Runtime>,
    /// `df://localhost:PORT` of the scheduler.
    url: String,
    /// The executor's work folder, where its tasks write their output.
    work: tempfile::TempDir,
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A port nothing listens on, below the range the OS hands out as local
/// ports of outgoing connections, and never one handed out before in this
/// test process. A port from that range (what binding port 0 gives) could be
/// taken, between this check and the server's bind, as the local port of
/// some connection (another test's wait, a gRPC client), and the server
/// then failed with "address in use" (seen twice in CI).
fn free_port() -> u16 {
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    const LOWEST: u16 = 10_000;
    let ephemeral_low: u16 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768);
    let span = u32::from(ephemeral_low.saturating_sub(LOWEST).max(1));
    // Test processes that run at once start from different ports.
    let first = std::process::id() % span;
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    (0..span)
        .map(|i| LOWEST + ((first + i) % span) as u16)
        .find(|port| {
            !handed_out.contains(port) && std::net::TcpListener::bind(("127.0.0.1", *port)).is_ok()
        })
        .inspect(|&port| handed_out.push(port))
        .unwrap_or_else(|| panic!("no free port in {LOWEST}..{ephemeral_low}"))
}

/// Waits until the server on `port` accepts connections, or its task
/// reports that it failed (`Err` with the failure).
fn wait_listening(
    port: u16,
    what: &str,
    failed: &std::sync::mpsc::Receiver<String>,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(failure) = failed.try_recv() {
            return Err(format!("{what} on port {port}: {failure}"));
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A scheduler and an executor on free ports. A server can still find its
/// port taken when it binds it after [`free_port`] found it free (CI saw
/// both fail so, "address in use", once): then the cluster starts again on
/// other ports, at most three times.
fn start_cluster() -> LocalCluster {
    let mut failures = Vec::new();
    for _ in 0..3 {
        match try_start_cluster() {
            Ok(cluster) => return cluster,
            Err(failure) => failures.push(failure),
        }
    }
    panic!("the local cluster did not start: {failures:?}");
}

fn try_start_cluster() -> Result<LocalCluster, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(STACK)
        .enable_all()
        .build()
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    // A server's task sends its failure here instead of panicking.
    let (report, failed) = std::sync::mpsc::channel::<String>();

    let scheduler_port = free_port();
    let config = ballista_scheduler::config::SchedulerConfig {
        bind_host: "127.0.0.1".into(),
        bind_port: scheduler_port,
        ..Default::default()
    };
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], scheduler_port));
    let scheduler_report = report.clone();
    runtime.spawn(async move {
        let started = async {
            let cluster =
                ballista_scheduler::cluster::BallistaCluster::new_from_config(&config).await?;
            ballista_scheduler::scheduler_process::start_server(cluster, address, Arc::new(config))
                .await
        };
        if let Err(e) = started.await {
            let _ = scheduler_report.send(format!("the scheduler failed: {e:?}"));
        }
    });
    let cluster = LocalCluster {
        runtime: Some(runtime),
        url: format!("df://localhost:{scheduler_port}"),
        work,
    };
    wait_listening(scheduler_port, "the scheduler", &failed)?;

    let (port, grpc_port) = (free_port(), free_port());
    let executor = ballista_executor::executor_process::ExecutorProcessConfig {
        bind_host: "127.0.0.1".into(),
        external_host: Some("127.0.0.1".into()),
        port,
        grpc_port,
        scheduler_host: "127.0.0.1".into(),
        scheduler_port,
        vcores: 2,
        work_dir: Some(cluster.work.path().to_string_lossy().into_owned()),
        ..Default::default()
    };
    let runtime = cluster.runtime.as_ref().expect("the cluster's runtime");
    runtime.spawn(async move {
        if let Err(e) =
            ballista_executor::executor_process::start_executor_process(Arc::new(executor)).await
        {
            let _ = report.send(format!("the executor failed: {e:?}"));
        }
    });
    wait_listening(port, "the executor", &failed)?;
    Ok(cluster)
}

/// A generated data set in `dir/data` with two pipeline files that differ
/// only in their register and `[engine]`: `local.toml` and `remote.toml`.
fn data_set(dir: &Path, scheduler: &str) -> (PathBuf, PathBuf) {
    let data = dir.join("data");
    let generated = legalaid(
        &[
            "generate",
            "--out",
            data.to_str().unwrap(),
            "--cases",
            "300",
            "--seed",
            "5",
        ],
        dir,
    );
    assert!(generated.status.success(), "{}", stderr(&generated));
    let text = std::fs::read_to_string(data.join("pipeline.toml")).unwrap();
    assert!(
        !text.contains("[engine]"),
        "the generated pipeline sets [engine]"
    );
    let local = data.join("local.toml");
    std::fs::write(
        &local,
        text.replace("state/register.sqlite", "state/local.sqlite"),
    )
    .unwrap();
    let remote = data.join("remote.toml");
    std::fs::write(
        &remote,
        format!(
            "{}\n[engine]\nscheduler = \"{scheduler}\"\n",
            text.replace("state/register.sqlite", "state/remote.sqlite")
        ),
    )
    .unwrap();
    (local, remote)
}

fn run(pipeline: &Path, out: &Path, cwd: &Path) -> std::process::Output {
    legalaid(
        &[
            "run",
            pipeline.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        cwd,
    )
}

/// `legalaid run` with `[engine] scheduler` scores on the remote cluster and
/// writes the same outputs as the local engine, byte for byte: the case
/// scores and every other table and page. Only what carries the run id,
/// a hash of the pipeline file (which differs by the `[engine]` lines),
/// may differ.
#[test]
fn a_run_on_a_remote_cluster_writes_the_local_outputs() {
    let cluster = start_cluster();
    let dir = tempfile::tempdir().unwrap();
    let (local, remote) = data_set(dir.path(), &cluster.url);
    let (a, b) = (dir.path().join("local"), dir.path().join("remote"));
    let started = Instant::now();
    let o = run(&local, &a, dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let local_took = started.elapsed();
    let started = Instant::now();
    let o = run(&remote, &b, dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    eprintln!(
        "local run {:.1} s, run on the cluster {:.1} s",
        local_took.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );

    // The models ran on the executor, not in the client.
    assert!(
        !files_under(cluster.work.path()).is_empty(),
        "the executor wrote no task output"
    );

    let case_scores = |out: &Path| std::fs::read(out.join("data/case_scores.csv")).unwrap();
    assert!(case_scores(&a).len() > 1000, "the data set scores cases");
    assert!(
        case_scores(&a) == case_scores(&b),
        "case_scores.csv differs"
    );
    assert!(
        std::fs::read(a.join("data/case_scores.parquet")).unwrap()
            == std::fs::read(b.join("data/case_scores.parquet")).unwrap(),
        "case_scores.parquet differs"
    );

    let run_id = |out: &Path| -> String {
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
                .unwrap();
        m["run_id"].as_str().unwrap().to_string()
    };
    let ids = [run_id(&a), run_id(&b)];
    let files: Vec<PathBuf> = files_under(&a)
        .into_iter()
        .map(|f| f.strip_prefix(&a).unwrap().to_path_buf())
        .collect();
    assert_eq!(
        files,
        files_under(&b)
            .into_iter()
            .map(|f| f.strip_prefix(&b).unwrap().to_path_buf())
            .collect::<Vec<_>>(),
        "the same files"
    );
    let mut with_run_id = Vec::new();
    for file in &files {
        let (x, y) = (
            std::fs::read(a.join(file)).unwrap(),
            std::fs::read(b.join(file)).unwrap(),
        );
        if x == y {
            continue;
        }
        let carries_id =
            |bytes: &[u8], id: &str| bytes.windows(id.len()).any(|w| w == id.as_bytes());
        assert!(
            carries_id(&x, &ids[0]) && carries_id(&y, &ids[1]),
            "{} differs, and not by the run id",
            file.display()
        );
        with_run_id.push(file.display().to_string());
    }
    eprintln!("differing by the run id only: {with_run_id:?}");
    drop(cluster);
}

/// A scheduler nobody listens on: the run fails with a message naming it,
/// exit status 2, and the earlier outputs and the register are as they were.
#[test]
fn an_unreachable_scheduler_fails_the_run_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("df://127.0.0.1:{}", free_port());
    let (local, remote) = data_set(dir.path(), &url);
    // Both pipelines on one register and one output folder.
    let text = std::fs::read_to_string(&remote).unwrap();
    std::fs::write(
        &remote,
        text.replace("state/remote.sqlite", "state/local.sqlite"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run(&local, &out, dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    // Every file, but the register's lock file, which names the last
    // command that held it.
    let snapshot = |root: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        files_under(root)
            .into_iter()
            .filter(|f| f.extension().is_none_or(|e| e != "lock"))
            .map(|f| (f.clone(), std::fs::read(&f).unwrap()))
            .collect()
    };
    let (outputs, state) = (snapshot(&out), snapshot(&dir.path().join("data/state")));
    assert!(!outputs.is_empty() && !state.is_empty());

    let o = run(&remote, &out, dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let message = stderr(&o);
    assert!(message.contains(&url), "{message}");
    assert!(message.contains("could not be reached"), "{message}");
    assert!(message.contains("[engine] scheduler"), "{message}");
    assert!(snapshot(&out) == outputs, "the outputs changed");
    assert!(
        snapshot(&dir.path().join("data/state")) == state,
        "the register changed"
    );
}
