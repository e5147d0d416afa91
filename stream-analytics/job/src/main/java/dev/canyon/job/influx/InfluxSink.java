package dev.canyon.job.influx;

import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import dev.canyon.analytics.update.Update;
import dev.canyon.storage.StoredPoint;
import dev.canyon.storage.UpdatePoints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A Flink Sink V2 that writes the analytics' {@link Update}s to InfluxDB: the points {@link UpdatePoints}
 * maps them to, through {@link InfluxStore}.
 *
 * <p>Delivery: the writer flushes its buffer when it reaches the batch size, every {@code
 * flushIntervalMs} of processing time, and before every checkpoint ({@link SinkWriter#flush}), so a
 * completed checkpoint implies every point before it is stored: at-least-once. Points carry their
 * time from the data, so a point written again after a restore overwrites itself: together,
 * exactly-once results. Memory is bounded by the batch size. Transient InfluxDB failures are
 * retried by the store; a write that still fails fails the task, and Flink restarts it from the
 * last checkpoint.
 */
public final class InfluxSink implements Sink<Update> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InfluxSink.class);
    private static final long serialVersionUID = 1L;

    private final InfluxConfig config;
    private final long flushIntervalMs;

    public InfluxSink(InfluxConfig config, long flushIntervalMs) {
        if (flushIntervalMs < 1) {
            throw new IllegalArgumentException("flushIntervalMs must be >= 1, got " + flushIntervalMs);
        }
        this.config = config;
        this.flushIntervalMs = flushIntervalMs;
    }

    @Override
    public SinkWriter<Update> createWriter(WriterInitContext context) {
        return new Writer(InfluxStore.connect(config), context.getProcessingTimeService(), config.batchSize(), flushIntervalMs);
    }

    static final class Writer implements SinkWriter<Update> {
        private final InfluxStore store;
        private final ProcessingTimeService time;
        private final int batchSize;
        private final long intervalMs;
        private final List<StoredPoint> buffer = new ArrayList<>();
        private IOException timerFailure;

        Writer(InfluxStore store, ProcessingTimeService time, int batchSize, long intervalMs) {
            this.store = store;
            this.time = time;
            this.batchSize = batchSize;
            this.intervalMs = intervalMs;
            schedule();
        }

        private void schedule() {
            time.registerTimer(time.getCurrentProcessingTime() + intervalMs, ts -> {
                try {
                    writeBuffer();
                } catch (RuntimeException e) {
                    timerFailure = new IOException("periodic InfluxDB flush failed: " + e.getMessage(), e);
                }
                schedule();
            });
        }

        @Override
        public void write(Update update, Context context) throws IOException {
            rethrowTimerFailure();
            try {
                buffer.addAll(UpdatePoints.of(update));
            } catch (RuntimeException e) {
                // The record handler validates what reaches storage; an update that still cannot be a point is
                // logged and skipped, never a reason to fail (and restart) the job.
                LOG.error("dropped an update that cannot be stored ({}): {}", e.getMessage(), update);
            }
            if (buffer.size() >= batchSize) {
                writeBuffer();
            }
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            rethrowTimerFailure();
            writeBuffer();
        }

        private void writeBuffer() {
            if (!buffer.isEmpty()) {
                store.write(buffer);
                buffer.clear();
            }
        }

        private void rethrowTimerFailure() throws IOException {
            if (timerFailure != null) {
                IOException e = timerFailure;
                timerFailure = null;
                throw e;
            }
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
