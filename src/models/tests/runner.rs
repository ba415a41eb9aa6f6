//! The registry, the runner, errors and output rounding.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::assert_batches_eq;

use super::fixture::{Fixture, query, run_all};
use crate::models::{Joins, Kind, Output};
use crate::models::{
    Model, all_models, internal, model, models_read, round_half_away, rounded_for_output,
    run_models, scoring_models,
};

#[test]
fn every_sql_file_is_registered_once_with_its_own_text() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".sql"))
        .collect();
    let registered: BTreeSet<String> = all_models().map(Model::file).collect();
    let registered: BTreeSet<String> = registered
        .iter()
        .map(|f| f.trim_start_matches("sql/").to_string())
        .collect();
    assert_eq!(on_disk, registered);
    assert_eq!(
        registered.len(),
        all_models().count(),
        "model names are unique"
    );
    for m in all_models() {
        let text = std::fs::read_to_string(dir.join(format!("{}.sql", m.name))).unwrap();
        assert_eq!(m.sql, text, "{} embeds its own file", m.name);
        assert!(
            m.sql.starts_with("-- grain: "),
            "{} opens with its grain",
            m.name
        );
        let stage = m.name.split('_').next().unwrap();
        assert!(["stg", "int", "mart"].contains(&stage), "{}", m.name);
        // A mart is written out or read by Rust through the typed boundary;
        // stg_ and int_ models are neither.
        let consumed = crate::marts::CONSUMED.iter().any(|c| c.model == m.name);
        assert_eq!(
            m.output.is_some() || consumed,
            stage == "mart",
            "{}",
            m.name
        );
    }
}

/// A model reads only staging tables and models that run before it.
#[test]
fn run_order_puts_every_model_after_the_models_it_reads() {
    let in_order: Vec<&Model> = all_models().collect();
    for (i, m) in in_order.iter().enumerate() {
        for later in &in_order[i..] {
            let reads = m.sql.contains(&format!("from {}", later.name))
                || m.sql.contains(&format!("join {}", later.name));
            assert!(!reads, "{} reads {}, which runs later", m.name, later.name);
        }
    }
    let order: Vec<&str> = scoring_models().map(|m| m.name).collect();
    assert_eq!(
        order,
        [
            "stg_case_rows",
            "stg_cases",
            "stg_rubric_items",
            "stg_reviews",
            "int_review_totals",
            "int_case_veto_items",
            "mart_severity_input",
            "mart_case_scores",
            "mart_reviewer_stats",
            "mart_reviewer_severity",
            "mart_panel_agreement",
        ]
    );
}

#[test]
fn marts_name_their_outputs_and_rounding() {
    type Round = &'static [(&'static str, u32)];
    let outputs: Vec<(&str, Option<Output>, Round)> = scoring_models()
        .map(|m| (m.name, m.output, m.round))
        .collect();
    assert_eq!(
        outputs[7..],
        [
            (
                "mart_case_scores",
                Some(Output::Data("case_scores")),
                &[
                    ("score", 2),
                    ("score_min", 2),
                    ("score_max", 2),
                    ("adjusted_score", 2)
                ][..]
            ),
            (
                "mart_reviewer_stats",
                Some(Output::Data("reviewer_stats")),
                &[
                    ("mean_deviation", 2),
                    ("abs_mean_deviation", 2),
                    ("severity", 2),
                    ("severity_se", 2)
                ][..]
            ),
            (
                "mart_reviewer_severity",
                Some(Output::Data("reviewer_severity")),
                &[("severity", 2), ("severity_se", 2)][..]
            ),
            (
                "mart_panel_agreement",
                Some(Output::Data("panel_agreement")),
                &[("alpha", 4)][..]
            ),
        ]
    );
}

/// The spec's median: for an even count, the mean of the two middle values.
#[tokio::test]
async fn datafusion_median_of_float64_averages_the_two_middle_values() {
    let ctx = datafusion::prelude::SessionContext::new();
    assert_batches_eq!(
        [
            "+------+-----+------+",
            "| even | odd | null |",
            "+------+-----+------+",
            "| 3.0  | 2.0 | 2.5  |",
            "+------+-----+------+",
        ],
        &query(
            &ctx,
            "select \
               (select median(x) from (values (10.0), (1.0), (4.0), (2.0)) as t(x)) as even, \
               (select median(x) from (values (10.0), (1.0), (2.0)) as t(x)) as odd, \
               (select median(x) from (values (cast(null as double)), (3.0), (2.0)) as t(x)) as null"
        )
        .await
    );
}

/// Running again replaces every materialised table; the results are the same
/// and later stages can query the marts by name.
#[tokio::test]
async fn running_twice_replaces_the_tables() {
    let fx = Fixture::new()
        .case("C1", "civil", "L1", "2024-03-01")
        .review("R1", "C1", "E1", "40 20 36 2 2")
        .review("R2", "C1", "E2", "30 NA 27 2 2");
    let ctx = fx.session();
    let first = run_all(&ctx).await;
    let second = run_all(&ctx).await;
    for m in scoring_models() {
        assert_eq!(first.get(m.name).batches, second.get(m.name).batches);
        assert_eq!(first.get(m.name).model, m);
    }
    assert_batches_eq!(
        [
            "+---------+-----------+--------+",
            "| case_id | n_reviews | score  |",
            "+---------+-----------+--------+",
            "| C1      | 2         | 88.125 |",
            "+---------+-----------+--------+",
        ],
        &query(
            &ctx,
            "select case_id, n_reviews, score from mart_case_scores"
        )
        .await
    );
}

/// An empty period still yields every table, with its columns and no rows
/// (panel agreement keeps one row per case type).
#[tokio::test]
async fn no_reviews_yields_empty_tables() {
    let fx = Fixture::new().case("C1", "civil", "L1", "2024-03-01");
    let out = fx.run().await;
    assert_eq!(out.get("mart_case_scores").num_rows(), 0);
    assert_eq!(out.get("mart_case_scores").schema.fields().len(), 17);
    assert_eq!(out.get("mart_reviewer_stats").num_rows(), 0);
    assert_eq!(out.get("mart_reviewer_severity").num_rows(), 0);
    let t = out.table("mart_panel_agreement");
    assert_eq!(t.i64s("n_cases"), [Some(0)]);
    assert_eq!(t.f64s("alpha"), [None]);
}

static BROKEN: [Model; 2] = [
    Model {
        name: "stg_fine",
        sql: "-- grain: one row\nselect 1 as one\n",
        output: None,
        round: &[],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
    Model {
        name: "int_broken",
        sql: "-- grain: one row per nothing\n-- purpose: fail\nwith\n\nmissing as (\n    select * from no_such_table\n)\n\nselect * from missing\n",
        output: None,
        round: &[],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
];

#[tokio::test]
async fn a_failing_statement_names_its_file() {
    let ctx = Fixture::new().session();
    let err = run_models(&ctx, &BROKEN).await.unwrap_err();
    assert_eq!(err.model, "int_broken");
    assert_eq!(err.file, "sql/int_broken.sql");
    let message = err.to_string();
    assert!(message.starts_with("sql/int_broken.sql: "), "{message}");
    assert!(message.contains("`with missing as (`"), "{message}");
    assert!(message.contains("no_such_table"), "{message}");
    // The models before it ran and were registered.
    assert_eq!(
        query(&ctx, "select one from stg_fine").await[0].num_rows(),
        1
    );
    // And it converts into the library's error.
    let lib: crate::error::Error = err.into();
    assert!(lib.to_string().contains("sql/int_broken.sql"));
}

/// A model waits for the models of its phase that it names, and only them.
#[test]
fn a_model_waits_for_the_earlier_models_it_reads() {
    let ctx = Fixture::new().session();
    let named = |sql: &str, name: &str| {
        sql.match_indices(name).any(|(at, _)| {
            let next = sql[at + name.len()..].chars().next();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    let mut waits = 0;
    for phase in crate::models::PHASES {
        for (i, m) in phase.iter().enumerate() {
            let reads = models_read(&ctx, phase, i).unwrap();
            for (j, earlier) in phase[..i].iter().enumerate() {
                let plainly = m.sql.contains(&format!("from {}", earlier.name))
                    || m.sql.contains(&format!("join {}", earlier.name));
                if plainly {
                    assert!(reads.contains(&j), "{} waits for {}", m.name, earlier.name);
                }
                if reads.contains(&j) {
                    assert!(
                        named(m.sql, earlier.name),
                        "{} names {}",
                        m.name,
                        earlier.name
                    );
                    waits += 1;
                }
            }
        }
    }
    assert!(waits > 20, "{waits}");
    let register = crate::models::REGISTER_MODELS;
    let at = |name: &str| register.iter().position(|m| m.name == name).unwrap();
    let reads = models_read(&ctx, register, at("mart_case_compliance")).unwrap();
    assert_eq!(reads, [at("int_case_compliance")]);
}

static FAILING_TWICE: [Model; 6] = [
    internal("stg_first", "-- grain: one row\nselect 1 as one\n"),
    internal("stg_second", "-- grain: one row\nselect 2 as two\n"),
    internal(
        "int_after_both",
        // Slow enough to be running when `int_fails_first` fails.
        "-- grain: one row\nselect one + two + (select count(*) from generate_series(1, 2000000)) \
         - 2000000 as three from stg_first cross join stg_second\n",
    ),
    internal(
        "int_fails_first",
        "-- grain: none\nselect * from no_such_table\n",
    ),
    internal(
        "int_fails_later",
        "-- grain: none\nselect * from nor_this_one\n",
    ),
    internal(
        "int_reads_a_failure",
        "-- grain: none\nselect * from int_fails_first\n",
    ),
];

/// Models run two at a time, but a failure reads as it did when they ran
/// one by one: the first failing model in the list is reported, the models
/// before it ran (`int_after_both` starts only after `int_fails_first` did)
/// and none that reads it started.
#[tokio::test]
async fn a_failure_stops_the_phase_as_when_models_ran_one_by_one() {
    for _ in 0..20 {
        let ctx = Fixture::new().session();
        let err = run_models(&ctx, &FAILING_TWICE).await.unwrap_err();
        assert_eq!(err.model, "int_fails_first");
        assert_batches_eq!(
            [
                "+-------+",
                "| three |",
                "+-------+",
                "| 3     |",
                "+-------+"
            ],
            &query(&ctx, "select three from int_after_both").await
        );
        assert!(!ctx.table_exist("int_reads_a_failure").unwrap());
    }
    // Without the failures, the results come in the list's order.
    let ctx = Fixture::new().session();
    static FINE: [Model; 3] = [FAILING_TWICE[2], FAILING_TWICE[0], FAILING_TWICE[1]];
    let err = run_models(&ctx, &FINE).await.unwrap_err();
    assert_eq!(
        err.model, "int_after_both",
        "a model reads only earlier ones"
    );
    static ORDERED: [Model; 3] = [FAILING_TWICE[0], FAILING_TWICE[1], FAILING_TWICE[2]];
    let results = run_models(&ctx, &ORDERED).await.unwrap();
    let names: Vec<&str> = results.iter().map(|r| r.model.name).collect();
    assert_eq!(names, ["stg_first", "stg_second", "int_after_both"]);
}

#[tokio::test]
async fn a_syntax_error_names_its_file() {
    static SYNTAX: [Model; 1] = [Model {
        name: "mart_typo",
        sql: "-- grain: none\nselec case_id from cases\n",
        output: Some(Output::Data("typo")),
        round: &[],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    }];
    let ctx = Fixture::new().session();
    let err = run_models(&ctx, &SYNTAX).await.unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("sql/mart_typo.sql: "), "{message}");
    assert!(message.contains("selec case_id from cases"), "{message}");
}

#[test]
fn round_half_away_from_zero() {
    let cases = [
        (2.675, 2, 2.68),
        (-2.675, 2, -2.68),
        (1.005, 2, 1.01),
        (82.5, 0, 83.0),
        (-82.5, 0, -83.0),
        (80.355, 2, 80.36),
        (39.510000000000005, 2, 39.51),
        (84.999999999999, 2, 85.0),
        (0.849_107_142_857_142_8, 4, 0.8491),
        (0.333_35, 4, 0.3334),
        (-0.001, 2, 0.0),
        (12.344_999, 2, 12.34),
        (100.0, 2, 100.0),
    ];
    for (x, d, expected) in cases {
        let got = round_half_away(x, d);
        assert_eq!(got, expected, "round({x}, {d})");
        assert!(got.is_sign_positive() || expected < 0.0, "no -0.0: {x}");
    }
    assert!(round_half_away(f64::NAN, 2).is_nan());
    assert_eq!(round_half_away(f64::INFINITY, 2), f64::INFINITY);
}

#[test]
fn rounded_for_output_rounds_only_the_listed_columns() {
    let scores = model("mart_case_scores").unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("case_id", DataType::Utf8, false),
        Field::new("score", DataType::Float64, true),
        Field::new("score_min", DataType::Float64, true),
        Field::new("score_max", DataType::Float64, true),
        Field::new("adjusted_score", DataType::Float64, true),
        Field::new("other", DataType::Float64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(vec!["a", "b"])),
            Arc::new(Float64Array::from(vec![Some(82.125), None])),
            Arc::new(Float64Array::from(vec![Some(2.675), Some(1.005)])),
            Arc::new(Float64Array::from(vec![
                Some(95.30000000000001),
                Some(50.0),
            ])),
            Arc::new(Float64Array::from(vec![Some(60.005), None])),
            Arc::new(Float64Array::from(vec![Some(1.23456), Some(2.5)])),
        ],
    )
    .unwrap();
    let rounded = rounded_for_output(scores, std::slice::from_ref(&batch)).unwrap();
    assert_eq!(rounded.len(), 1);
    let col = |name: &str| -> Vec<Option<f64>> {
        rounded[0]
            .column_by_name(name)
            .unwrap()
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap()
            .iter()
            .collect()
    };
    assert_eq!(col("score"), [Some(82.13), None]);
    assert_eq!(col("score_min"), [Some(2.68), Some(1.01)]);
    assert_eq!(col("score_max"), [Some(95.3), Some(50.0)]);
    assert_eq!(col("adjusted_score"), [Some(60.01), None]);
    assert_eq!(col("other"), [Some(1.23456), Some(2.5)]);
    assert_eq!(rounded[0].schema(), batch.schema());
    assert_eq!(rounded[0].column(0).len(), 2);
}

#[tokio::test]
async fn rounded_for_output_of_a_real_run() {
    let fx = Fixture::new()
        .case("C1", "civil", "L1", "2024-03-01")
        .review("R1", "C1", "E1", "33.5 NA 30.25 2 0")
        .review("R2", "C1", "E2", "30.1 NA 20.3 2 2");
    let out = fx.run().await;
    let r = out.get("mart_case_scores");
    let rounded = rounded_for_output(r.model, &r.batches).unwrap();
    // Totals 82.1875 and 68.00000000000001: median 75.09375.
    assert_batches_eq!(
        [
            "+---------+-------+-----------+-----------+",
            "| case_id | score | score_min | score_max |",
            "+---------+-------+-----------+-----------+",
            "| C1      | 75.09 | 68.0      | 82.19     |",
            "+---------+-------+-----------+-----------+",
        ],
        &[rounded[0].project(&[0, 5, 6, 7]).unwrap()]
    );
}

#[test]
fn rounding_a_missing_or_non_float_column_is_an_error() {
    static ROUND_TEXT: Model = Model {
        name: "mart_x",
        sql: "",
        output: Some(Output::Data("x")),
        round: &[("case_id", 2)],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    };
    static ROUND_MISSING: Model = Model {
        name: "mart_y",
        sql: "",
        output: Some(Output::Data("y")),
        round: &[("nowhere", 2)],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    };
    let schema = Arc::new(Schema::new(vec![Field::new(
        "case_id",
        DataType::Utf8,
        false,
    )]));
    let batch = RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(vec!["a"]))]).unwrap();
    let err = rounded_for_output(&ROUND_TEXT, std::slice::from_ref(&batch)).unwrap_err();
    assert_eq!(err.file, "sql/mart_x.sql");
    assert!(err.to_string().contains("case_id"), "{err}");
    let err = rounded_for_output(&ROUND_MISSING, &[batch]).unwrap_err();
    assert!(err.to_string().starts_with("sql/mart_y.sql: "), "{err}");
    assert!(err.to_string().contains("nowhere"), "{err}");
}

/// How a model declares its joins ([`Joins`]) is how the engine builds
/// them: a join of 200,000 rows (written first) with 10 is built from the
/// 10 by estimate, from the 200,000 as written, and then split over the
/// partitions, as no table's size bounds it under the engine's threshold
/// (131,072 rows); a filter the engine guesses selective is built whole by
/// estimate, split when bounded.
#[tokio::test]
async fn a_model_builds_its_joins_as_it_declares() {
    use datafusion::common::tree_node::TreeNode;
    use datafusion::physical_plan::joins::{HashJoinExec, PartitionMode};

    const WRITTEN_BIG_FIRST: &str = "select b.k from big as b inner join few as f on b.k = f.k";
    const FILTERED_BIG: &str = "select b.k from (select k from big where k % 100 = 0) as b inner join big as c on b.k = c.k";
    let model = |sql: &'static str, joins: Joins| Model {
        name: "int_joined",
        sql,
        output: None,
        round: &[],
        kind: Kind::Unordered,
        joins,
    };
    let engine = crate::config::EngineSettings {
        target_partitions: 2,
        ..Default::default()
    };
    let ctx = crate::session::new_context(&engine).unwrap();
    for (name, rows) in [("big", 200_000), ("few", 10)] {
        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, false)]));
        let keys = arrow::array::Int64Array::from_iter_values(0..rows);
        let batch = RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(keys)]).unwrap();
        let table = datafusion::datasource::MemTable::try_new(schema, vec![vec![batch]]).unwrap();
        ctx.register_table(name, Arc::new(table)).unwrap();
    }
    // Each hash join's build side (its most rows) and mode.
    let built = async |model: Model| {
        let df = ctx.sql(model.sql).await.unwrap();
        let plan = crate::models::physical_plan(&ctx, &model, df)
            .await
            .unwrap();
        let mut built = Vec::new();
        plan.apply(|node| {
            if let Some(join) = node.downcast_ref::<HashJoinExec>() {
                let rows = crate::session::join_modes::row_bound(join.left());
                built.push((rows, *join.partition_mode()));
            }
            Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
        })
        .unwrap();
        built
    };
    assert_eq!(
        built(model(WRITTEN_BIG_FIRST, Joins::ByEstimate)).await,
        [(Some(10), PartitionMode::CollectLeft)]
    );
    assert_eq!(
        built(model(WRITTEN_BIG_FIRST, Joins::AsWritten)).await,
        [(Some(200_000), PartitionMode::Partitioned)]
    );
    assert_eq!(
        built(model(FILTERED_BIG, Joins::ByEstimate)).await,
        [(Some(200_000), PartitionMode::CollectLeft)]
    );
    assert_eq!(
        built(model(FILTERED_BIG, Joins::Bounded)).await,
        [(Some(200_000), PartitionMode::Partitioned)]
    );
}

/// The scale-out path plans the scoring models on a Ballista cluster, whose
/// planner knows no [`Joins`] declaration: one there would be ignored.
#[test]
fn the_scoring_models_leave_their_joins_to_the_engine() {
    for model in crate::models::scoring_models() {
        assert_eq!(model.joins, Joins::ByEstimate, "{}", model.name);
    }
}
