package dev.canyon.cli;

import dev.canyon.job.StepAnalyticsFunction;
import dev.canyon.job.StepAnalyticsJob;
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

    /** Records of the step topic between the start position and the end, for the progress bar (−1 if unknown). */
    static long recordsInRange(Options o) {
        java.util.Properties p = new java.util.Properties();
        p.putAll(o.kafkaProperties());
        p.put("bootstrap.servers", o.bootstrapServers());
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(p,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(dev.canyon.contract.Topics.STEPS, java.time.Duration.ofSeconds(10)).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition())).toList();
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> begin = new java.util.HashMap<>(consumer.beginningOffsets(partitions));
            if (o.fromTimestampMs() >= 0) {
                Map<org.apache.kafka.common.TopicPartition, Long> query = new java.util.HashMap<>();
                partitions.forEach(tp -> query.put(tp, o.fromTimestampMs()));
                consumer.offsetsForTimes(query).forEach((tp, ot) -> begin.put(tp, ot == null ? end.get(tp) : ot.offset()));
            }
            long total = 0;
            for (var tp : partitions) {
                total += end.get(tp) - begin.get(tp);
            }
            return total;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    static Summary run(Options o, PrintStream progress) throws Exception {
        StreamExecutionEnvironment env = dev.canyon.job.LocalCluster.environment(new org.apache.flink.configuration.Configuration());
        StepAnalyticsJob.buildReplay(env, o.bootstrapServers(), o.kafkaProperties(), o.influx(), o.fromTimestampMs(), o.run(),
                o.experiment(), Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())),
                dev.canyon.job.StepAnalyticsMain.analytics(System.getenv()));
        long total = o.run() == null && o.experiment() == null ? recordsInRange(o) : -1;
        ProgressBar bar = total > 0 ? new ProgressBar(progress, "replay", total) : null;
        long start = System.nanoTime();
        JobClient job = env.executeAsync("canyon-replay");
        var done = job.getJobExecutionResult();
        while (!done.isDone()) {
            Thread.sleep(500);
            try {
                Object n = job.getAccumulators().get().get(StepAnalyticsFunction.STEPS_ACCUMULATOR);
                if (n != null) {
                    long steps = ((Number) n).longValue();
                    if (bar != null) {
                        bar.update(Math.min(steps, total), "");
                    } else {
                        progress.printf("replay: %d steps%n", steps);
                    }
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
