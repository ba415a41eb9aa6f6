//! How a hash join is built: collected whole on one thread (`CollectLeft`),
//! or split by key over the partitions (`Partitioned`). DataFusion collects
//! a build side it *estimates* under a row threshold; estimates through
//! filters and joins are guesses, and one filter on a flag turned joins of
//! 4.75 M cases into single-threaded builds of 427 MB at 5 M cases
//! (benches/results/NOTES.md, sessions 37–38). [`CollectOnlyWhenBounded`]
//! keeps a collected build side only when exact table sizes bound it under
//! the threshold, so that a model's join shape follows the sizes of the
//! tables it reads, never a guess; a build side that could be large is
//! partitioned, which costs a repartition of the probe side at worst, and
//! never a large table built by one thread outside the memory pool's reach.
//! Applied to the models that declare it (`models::Joins::Bounded` and
//! `AsWritten`), not to all: where the estimates are right, a build side
//! that is small but not bounded small (a per-lawyer count of the cases)
//! is cheaper collected: partitioning every such join made the models of a
//! 1 M run about 1 s slower in all (benches/results/NOTES.md, session 38).

use std::sync::Arc;

use datafusion::common::JoinType;
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::config::ConfigOptions;
use datafusion::error::Result;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::aggregates::AggregateExec;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::joins::{
    CrossJoinExec, HashJoinExec, NestedLoopJoinExec, PartitionMode, SortMergeJoinExec,
};
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::sorts::sort_preserving_merge::SortPreservingMergeExec;
use datafusion::physical_plan::statistics::{StatisticsArgs, StatisticsContext};
use datafusion::physical_plan::union::UnionExec;

/// The engine's physical optimizer rules with [`CollectOnlyWhenBounded`]
/// right after the rule that picks join modes from estimates, and before
/// the rule that adds the repartitions a mode needs.
pub fn physical_optimizer_rules() -> Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> {
    let mut rules = PhysicalOptimizer::new().rules;
    let at = rules
        .iter()
        .position(|r| r.name() == "join_selection")
        .map_or(rules.len(), |i| i + 1);
    rules.insert(at, Arc::new(CollectOnlyWhenBounded));
    rules
}

/// Turns a collected hash join back into a partitioned one unless its build
/// side is bounded, by exact table sizes, under the engine's threshold
/// (`hash_join_single_partition_threshold_rows`).
#[derive(Debug, Default)]
pub struct CollectOnlyWhenBounded;

impl PhysicalOptimizerRule for CollectOnlyWhenBounded {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        // With one partition, or joins not to be repartitioned, collecting
        // is the only mode there is.
        if config.execution.target_partitions <= 1 || !config.optimizer.repartition_joins {
            return Ok(plan);
        }
        let threshold = config.optimizer.hash_join_single_partition_threshold_rows;
        plan.transform_up(|node| {
            let Some(join) = node.downcast_ref::<HashJoinExec>() else {
                return Ok(Transformed::no(node));
            };
            // A null-aware anti join (`NOT IN`) must see every build row.
            if *join.partition_mode() != PartitionMode::CollectLeft
                || join.null_aware
                || row_bound(join.left()).is_some_and(|rows| rows < threshold)
            {
                return Ok(Transformed::no(node));
            }
            let partitioned = join
                .builder()
                .with_partition_mode(PartitionMode::Partitioned)
                .build_exec()?;
            Ok(Transformed::yes(partitioned))
        })
        .data()
    }

    fn name(&self) -> &str {
        "collect_only_when_bounded"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// The most rows `plan` can produce, from exact row counts of the tables
/// below it and operators that never add rows; `None` when that cannot be
/// told (an operator this does not know, a table without exact counts).
pub fn row_bound(plan: &Arc<dyn ExecutionPlan>) -> Option<usize> {
    Bounds::default().of(plan)
}

/// Row bounds of a plan's nodes, sharing one statistics walk.
#[derive(Default)]
struct Bounds {
    statistics: StatisticsContext,
}

impl Bounds {
    fn of(&self, plan: &Arc<dyn ExecutionPlan>) -> Option<usize> {
        if let Ok(stats) = self
            .statistics
            .compute(plan.as_ref(), &StatisticsArgs::new())
            && let Precision::Exact(rows) = stats.num_rows
        {
            return Some(rows);
        }
        let node = plan.as_ref();
        let children = plan.children();
        if let Some(join) = node.downcast_ref::<HashJoinExec>() {
            return self.join(join.join_type(), join.left(), join.right());
        }
        if let Some(join) = node.downcast_ref::<NestedLoopJoinExec>() {
            return self.join(join.join_type(), join.left(), join.right());
        }
        if let Some(join) = node.downcast_ref::<SortMergeJoinExec>() {
            return self.join(&join.join_type(), join.left(), join.right());
        }
        if let Some(join) = node.downcast_ref::<CrossJoinExec>() {
            return self.join(&JoinType::Inner, join.left(), join.right());
        }
        if node.is::<UnionExec>() {
            return children.iter().try_fold(0usize, |sum, child| {
                Some(sum.saturating_add(self.of(child)?))
            });
        }
        if let Some(aggregate) = node.downcast_ref::<AggregateExec>() {
            // Grouping sets (ROLLUP, CUBE) emit a row per set and group.
            if !aggregate.group_expr().is_single() {
                return None;
            }
            // Without GROUP BY, one row even from no input.
            return self.of(aggregate.input()).map(|rows| rows.max(1));
        }
        let keeps_or_drops_rows = node.is::<FilterExec>()
            || node.is::<ProjectionExec>()
            || node.is::<CoalescePartitionsExec>()
            || node.is::<RepartitionExec>()
            || node.is::<SortExec>()
            || node.is::<SortPreservingMergeExec>();
        match children.as_slice() {
            [only] if keeps_or_drops_rows => self.of(only),
            _ => None,
        }
    }

    /// The most rows a join of two inputs can produce, by its type.
    fn join(
        &self,
        join_type: &JoinType,
        left: &Arc<dyn ExecutionPlan>,
        right: &Arc<dyn ExecutionPlan>,
    ) -> Option<usize> {
        match join_type {
            JoinType::LeftSemi | JoinType::LeftAnti | JoinType::LeftMark => self.of(left),
            JoinType::RightSemi | JoinType::RightAnti | JoinType::RightMark => self.of(right),
            JoinType::Inner | JoinType::Left | JoinType::Right | JoinType::Full => {
                let (l, r) = (self.of(left)?, self.of(right)?);
                // An outer join adds the unmatched rows of its kept sides.
                Some(l.saturating_mul(r).saturating_add(l).saturating_add(r))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{BooleanArray, Int64Array};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::datasource::MemTable;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::prelude::{SessionConfig, SessionContext};

    /// Row threshold of these tests: tables of a thousand rows stand in
    /// for millions.
    const THRESHOLD: usize = 100;

    /// A session of two partitions with [`CollectOnlyWhenBounded`] or
    /// without it, and three tables: `wide` (1,000 rows, a flag on one in a
    /// hundred), `probe` (5,000 rows) and `small` (50 rows).
    fn context(with_rule: bool) -> SessionContext {
        let mut config = SessionConfig::new().with_target_partitions(2);
        config
            .options_mut()
            .optimizer
            .hash_join_single_partition_threshold_rows = THRESHOLD;
        let mut state = SessionStateBuilder::new()
            .with_config(config)
            .with_default_features();
        if with_rule {
            state = state.with_physical_optimizer_rules(physical_optimizer_rules());
        }
        let ctx = SessionContext::new_with_state(state.build());
        let table = |rows: i64, flagged_every: i64| {
            let schema = Arc::new(Schema::new(vec![
                Field::new("k", DataType::Int64, false),
                Field::new("flag", DataType::Boolean, false),
            ]));
            let keys = Int64Array::from_iter_values(0..rows);
            let flags = BooleanArray::from_iter((0..rows).map(|k| Some(k % flagged_every == 0)));
            let batch =
                RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(keys), Arc::new(flags)])
                    .unwrap();
            Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap())
        };
        ctx.register_table("wide", table(1_000, 100)).unwrap();
        ctx.register_table("probe", table(5_000, 1)).unwrap();
        ctx.register_table("small", table(50, 1)).unwrap();
        ctx
    }

    /// Registers `small`'s rows as a scratch file (how a model's result or
    /// a staged table is read at scale) under `name`.
    async fn register_scratch_copy(ctx: &SessionContext, dir: &std::path::Path, name: &str) {
        let batches = ctx.table("small").await.unwrap().collect().await.unwrap();
        let path = dir.join(format!("{name}.parquet"));
        let mut writer =
            crate::scratch::ScratchWriter::create(&path, &batches[0].schema()).unwrap();
        for batch in &batches {
            writer.write(batch).unwrap();
        }
        writer.finish().unwrap();
        let table = crate::scratch::file_table(&path, batches[0].schema()).unwrap();
        ctx.register_table(name, table).unwrap();
    }

    /// The physical plan of `sql`.
    async fn plan(ctx: &SessionContext, sql: &str) -> Arc<dyn ExecutionPlan> {
        let df = ctx.sql(sql).await.unwrap();
        df.create_physical_plan().await.unwrap()
    }

    /// The modes of the plan's hash joins, top down.
    async fn join_modes(ctx: &SessionContext, sql: &str) -> Vec<PartitionMode> {
        let plan = plan(ctx, sql).await;
        let mut modes = Vec::new();
        plan.apply(|node| {
            if let Some(join) = node.downcast_ref::<HashJoinExec>() {
                modes.push(*join.partition_mode());
            }
            Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
        })
        .unwrap();
        modes
    }

    const FILTERED_WIDE: &str =
        "select p.k from (select k from wide where flag) as w join probe as p on w.k = p.k";

    /// The engine estimates the flagged rows of `wide` small and collects
    /// them; only the table's size bounds them, and it is over the
    /// threshold, so the join is partitioned.
    #[tokio::test]
    async fn a_build_side_only_estimated_small_is_partitioned() {
        assert_eq!(
            join_modes(&context(false), FILTERED_WIDE).await,
            [PartitionMode::CollectLeft],
            "the engine alone collects the guessed-small side (the premise of this test)"
        );
        assert_eq!(
            join_modes(&context(true), FILTERED_WIDE).await,
            [PartitionMode::Partitioned]
        );
    }

    /// A table whose exact size is under the threshold is still collected,
    /// through a filter and an aggregate.
    #[tokio::test]
    async fn a_build_side_bounded_small_is_collected() {
        let sql = "select p.k from (select k, count(*) as n from small where flag group by k) as s \
                   join probe as p on s.k = p.k";
        assert_eq!(
            join_modes(&context(true), sql).await,
            [PartitionMode::CollectLeft]
        );
    }

    /// A scratch file's row count is exact (from its footer), so a small
    /// one is collected like a small table in memory.
    #[tokio::test]
    async fn a_small_scratch_file_is_collected() {
        let ctx = context(true);
        let dir = tempfile::tempdir().unwrap();
        register_scratch_copy(&ctx, dir.path(), "small_file").await;
        let sql = "select p.k from small_file as s join probe as p on s.k = p.k";
        assert_eq!(join_modes(&ctx, sql).await, [PartitionMode::CollectLeft]);
    }

    /// Bounds through the operators a model's plan is made of.
    #[tokio::test]
    async fn bounds_follow_exact_sizes_through_joins_and_unions() {
        let ctx = context(true);
        let bound = async |sql: &str| row_bound(&plan(&ctx, sql).await);
        assert_eq!(bound("select k from wide where flag").await, Some(1_000));
        assert_eq!(
            bound("select k from small union all select k from wide").await,
            Some(1_050)
        );
        // An inner join: every pair, plus nothing (an outer join's extra
        // rows are counted too, so the bound is over the pairs).
        assert_eq!(
            bound("select s.k from small as s join small as t on s.k = t.k").await,
            Some(50 * 50 + 50 + 50)
        );
        assert_eq!(
            bound("select k from small where k in (select k from wide)").await,
            Some(50)
        );
        assert_eq!(
            bound("select count(*) from small where k < 0").await,
            Some(1)
        );
    }
}
