package dev.canyon.job.influx;

import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import dev.canyon.analytics.update.Update;
import dev.canyon.storage.StoredPoint;
import dev.canyon.storage.UpdatePoints;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A Flink Sink V2 that writes the analytics' {@link Update}s to InfluxDB: the points {@link UpdatePoints}
 * maps them to, through {@link InfluxStore}.
 *
 * <p>Delivery: the writer hands its buffer to a writing thread of its own when it reaches the batch
 * size and every {@code flushIntervalMs} of processing time, so that formatting the line protocol and
 * waiting for InfluxDB do not stop the analytics; batches are written one at a time, in order. Before
 * every checkpoint ({@link SinkWriter#flush}) it waits until every point handed over is stored, so a
 * completed checkpoint implies every point before it is stored: at-least-once. Points carry their
 * time from the data, so a point written again after a restore overwrites itself: together,
 * exactly-once results. Memory is bounded by three batches (one filling, at most {@link
 * Writer#MAX_PENDING} being written). Transient InfluxDB failures are retried by the store; a write
 * that still fails fails the task at its next record or checkpoint, and Flink restarts it from the
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
        /** Batches handed to the writing thread and not yet written, at most; the task waits beyond that. */
        static final int MAX_PENDING = 2;

        private final InfluxStore store;
        private final ProcessingTimeService time;
        private final int batchSize;
        private final long intervalMs;
        /** One thread, so batches reach InfluxDB in the order they were handed over. */
        private final ExecutorService io;
        private final ArrayDeque<Future<?>> pending = new ArrayDeque<>();
        private List<StoredPoint> buffer = new ArrayList<>();
        private IOException timerFailure;

        Writer(InfluxStore store, ProcessingTimeService time, int batchSize, long intervalMs) {
            this.store = store;
            this.time = time;
            this.batchSize = batchSize;
            this.intervalMs = intervalMs;
            this.io = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "canyon-influxdb-writer");
                t.setDaemon(true);
                return t;
            });
            schedule();
        }

        private void schedule() {
            time.registerTimer(time.getCurrentProcessingTime() + intervalMs, ts -> {
                try {
                    handOver();
                } catch (IOException | RuntimeException e) {
                    if (timerFailure == null) {
                        timerFailure = new IOException("periodic InfluxDB flush failed: " + e.getMessage(), e);
                    }
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
                handOver();
            }
        }

        /** Hands the buffer to the writing thread and waits until everything handed over is stored. */
        @Override
        public void flush(boolean endOfInput) throws IOException {
            rethrowTimerFailure();
            handOver();
            while (!pending.isEmpty()) {
                await(pending.removeFirst());
            }
        }

        /**
         * Hands the buffer to the writing thread (formatting and the HTTP request happen there, while
         * the task goes on), first waiting while {@link #MAX_PENDING} batches are still being written.
         * A failed write surfaces here, or at the next flush.
         */
        private void handOver() throws IOException {
            while (!pending.isEmpty() && (pending.peekFirst().isDone() || pending.size() >= MAX_PENDING)) {
                await(pending.removeFirst());
            }
            if (buffer.isEmpty()) {
                return;
            }
            List<StoredPoint> batch = buffer;
            buffer = new ArrayList<>(Math.min(batchSize, batch.size() * 2));
            pending.addLast(io.submit(() -> store.write(batch)));
        }

        private static void await(Future<?> write) throws IOException {
            try {
                write.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                throw new IOException("InfluxDB write failed: " + cause.getMessage(), cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for an InfluxDB write");
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
        public void close() throws InterruptedException {
            // Not a flush: a closing writer whose input ended was flushed by Flink; one being cancelled
            // leaves its points to the replay from the last checkpoint.
            io.shutdownNow();
            try {
                io.awaitTermination(10, TimeUnit.SECONDS);
            } finally {
                store.close();
            }
        }
    }
}
