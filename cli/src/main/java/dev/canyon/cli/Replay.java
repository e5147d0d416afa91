package dev.canyon.cli;

import dev.canyon.analytics.job.StepAnalyticsFunction;
import dev.canyon.analytics.job.StepAnalyticsJob;
import dev.canyon.storage.InfluxConfig;
import java.io.PrintStream;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** A bounded replay of the step topic through the analytics job, with progress. */
final class Replay {

    /**
     * @param bootstrapServers Kafka holding the recorded topics
     * @param kafkaProperties further client properties
     * @param influx where points go (another database keeps the live points apart)
     * @param fromTimestampMs first record time, −1 for the beginning
     * @param run only this run (null: all)
     * @param experiment only this experiment (null: all)
     */
    record Options(String bootstrapServers, Map<String, String> kafkaProperties, InfluxConfig influx, long fromTimestampMs,
            String run, String experiment) {}

    /** What a replay reports. */
    record Summary(long stepsReplayed, double seconds, String database) {
        double stepsPerSecond() {
            return seconds > 0 ? stepsReplayed / seconds : 0;
        }
    }

    private Replay() {}

    static Summary run(Options o, PrintStream progress) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StepAnalyticsJob.buildReplay(env, o.bootstrapServers(), o.kafkaProperties(), o.influx(), o.fromTimestampMs(), o.run(),
                o.experiment(), 1);
        long start = System.nanoTime();
        JobClient job = env.executeAsync("canyon-replay");
        var done = job.getJobExecutionResult();
        while (!done.isDone()) {
            Thread.sleep(500);
            try {
                Object n = job.getAccumulators().get().get(StepAnalyticsFunction.STEPS_ACCUMULATOR);
                if (n != null) {
                    progress.printf("replay: %d steps%n", ((Number) n).longValue());
                }
            } catch (Exception e) {
                // the job may be finishing; the final count comes from its result
            }
        }
        JobExecutionResult result = done.get();
        Object steps = result.getAccumulatorResult(StepAnalyticsFunction.STEPS_ACCUMULATOR);
        return new Summary(steps == null ? 0 : ((Number) steps).longValue(), (System.nanoTime() - start) / 1e9, o.influx().database());
    }
}
