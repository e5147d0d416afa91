package dev.canyon.trainer.telemetry;

import dev.canyon.contract.Topics;
import dev.canyon.contract.proto.OptimizerConfig;
import dev.canyon.contract.proto.RunEnded;
import java.time.Clock;
import org.deeplearning4j.nn.api.Model;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's life as the stream sees it: run-started once (with θ_0), at attach or at the first step;
 * run-ended once, after every step record; then the sink closed once. A run never started (no step
 * seen) publishes nothing. Training thread only.
 */
final class RunLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryListener.class);

    private final RunRecords records;
    private final TelemetrySink sink;
    private final String key;
    private final Clock clock;
    private final Runnable beforeEnd;
    private final boolean strict;
    private boolean started;
    private boolean ended;
    private boolean closed;

    /**
     * @param key the run id (the records' key)
     * @param beforeEnd what must happen before run-ended is sent (the telemetry thread publishing every step)
     * @param strict whether {@link #close} throws when a record was not delivered
     */
    RunLifecycle(RunRecords records, TelemetrySink sink, String key, Clock clock, Runnable beforeEnd, boolean strict) {
        this.records = records;
        this.sink = sink;
        this.key = key;
        this.clock = clock;
        this.beforeEnd = beforeEnd;
        this.strict = strict;
    }

    /** Whether run-started has been sent. */
    boolean started() {
        return started;
    }

    /** Sends run-started for {@code model} (its parameters now are θ_0, its updaters the optimizer), unless it was sent. */
    void start(Model model) {
        if (started) {
            return;
        }
        started = true;
        long eventTimeMs = clock.millis();
        sink.send(Topics.RUNS, key, records.runStarted(eventTimeMs, Dl4jNetwork.parameters(model), optimizer(model)));
    }

    /** The model's optimizer; none (the stream then says it is not known) if reading it fails. */
    private OptimizerConfig optimizer(Model model) {
        try {
            return Dl4jOptimizer.of(model);
        } catch (RuntimeException e) {
            LOG.warn("Canyon telemetry could not read the optimizer of run {} (its stability ratio will be absent): {}", key, e.toString());
            return null;
        }
    }

    /** Sends run-ended once, after {@code beforeEnd}; nothing when the run never started. */
    void end(RunEnded.Outcome outcome, String message, long steps, double lastLoss) {
        if (ended) {
            return;
        }
        ended = true;
        beforeEnd.run();
        if (!started) {
            LOG.info("Canyon telemetry saw no training step of run {}; no run records published", key);
            return;
        }
        sink.send(Topics.RUNS, key, records.runEnded(clock.millis(), steps, outcome, lastLoss, message, sink.health()));
    }

    /**
     * Ends the run as completed (unless it ended), then finishes the sink (which never throws) and
     * returns its final report; when {@code strict}, throws {@link TelemetryException} if a record was
     * not delivered.
     */
    DeliveryReport close(long steps, double lastLoss) {
        if (!closed) {
            closed = true;
            end(RunEnded.Outcome.COMPLETED, null, steps, lastLoss);
        }
        DeliveryReport r = sink.finish();
        if (strict) {
            r.requireDelivered();
        }
        return r;
    }
}
