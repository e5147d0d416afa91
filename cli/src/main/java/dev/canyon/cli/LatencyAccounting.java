package dev.canyon.cli;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The latency bookkeeping of {@code canyon bench latency}, without I/O: when each step of each run
 * was published, and when it was first seen stored. A poll reports, per run, the highest step
 * stored at that moment; since a run's steps are stored in order (one run is one key, one
 * partition, one analytics subtask, one sink writer writing in order), every step of that run up to
 * it not seen before was stored by then, and gets latency {@code poll time − publication time}.
 * The resolution is the poll interval plus a query's own time: a step seen at poll T was not yet
 * stored at the previous poll.
 *
 * <p>Thread-safe for one publishing thread and one polling thread (publication times are kept in
 * atomic arrays, so the poller reads what the publisher wrote).
 */
final class LatencyAccounting {
    private final int runs;
    private final int stepsPerRun;
    private final AtomicLongArray publishedNanos;
    private final AtomicLongArray eventTimeMs;
    private final long[] seen;
    private final double[] latencyMs;
    private int counted;

    /** Runs 0..runs−1 of steps 1..stepsPerRun each. */
    LatencyAccounting(int runs, int stepsPerRun) {
        if (runs < 1 || stepsPerRun < 1) {
            throw new IllegalArgumentException("need at least one run and one step, got " + runs + " runs of " + stepsPerRun);
        }
        this.runs = runs;
        this.stepsPerRun = stepsPerRun;
        this.publishedNanos = new AtomicLongArray(runs * stepsPerRun);
        this.eventTimeMs = new AtomicLongArray(runs * stepsPerRun);
        this.seen = new long[runs];
        this.latencyMs = new double[runs * stepsPerRun];
    }

    int runs() {
        return runs;
    }

    int stepsPerRun() {
        return stepsPerRun;
    }

    private int index(int run, long step) {
        if (run < 0 || run >= runs || step < 1 || step > stepsPerRun) {
            throw new IllegalArgumentException("no step " + step + " of run " + run + " (" + runs + " runs of " + stepsPerRun + ")");
        }
        return (int) (run * (long) stepsPerRun + step - 1);
    }

    /** Step {@code step} of run {@code run} was published at {@code nanos} (System.nanoTime), stamped {@code eventMs}. */
    void published(int run, long step, long nanos, long eventMs) {
        int i = index(run, step);
        eventTimeMs.set(i, eventMs);
        publishedNanos.set(i, nanos);
    }

    /**
     * A poll at {@code nanos} found steps up to {@code maxStep} of run {@code run} stored. Returns
     * how many steps it newly accounted. A step found stored before its publication was recorded
     * is an error (the clock or the bookkeeping is wrong), as is a step beyond the run's last.
     */
    synchronized int visible(int run, long maxStep, long nanos) {
        if (maxStep <= seen[run]) {
            return 0;
        }
        index(run, maxStep);
        int n = 0;
        for (long s = seen[run] + 1; s <= maxStep; s++) {
            long published = publishedNanos.get(index(run, s));
            if (published == 0) {
                throw new IllegalStateException("step " + s + " of run " + run + " was found stored before it was published");
            }
            latencyMs[counted++] = Math.max(0, nanos - published) / 1e6;
            n++;
        }
        seen[run] = maxStep;
        return n;
    }

    /** Highest step of {@code run} seen stored so far (0: none). */
    synchronized long seen(int run) {
        return seen[run];
    }

    /** Steps seen stored, over all runs. */
    synchronized int counted() {
        return counted;
    }

    /** Whether every step of every run has been seen stored. */
    synchronized boolean complete() {
        return counted == runs * stepsPerRun;
    }

    /**
     * The earliest event time (ms) of a step not yet seen stored, over all runs that have published
     * it; Long.MAX_VALUE when there is none. A poller need not look at points older than this.
     */
    synchronized long oldestUnseenEventMs() {
        long min = Long.MAX_VALUE;
        for (int r = 0; r < runs; r++) {
            if (seen[r] < stepsPerRun) {
                long e = eventTimeMs.get(index(r, seen[r] + 1));
                if (e != 0) {
                    min = Math.min(min, e);
                }
            }
        }
        return min;
    }

    /** The latencies accounted so far, in ms, sorted. */
    synchronized double[] sortedLatenciesMs() {
        double[] out = Arrays.copyOf(latencyMs, counted);
        Arrays.sort(out);
        return out;
    }

    /**
     * The {@code p}-th percentile (0 < p ≤ 100) of sorted values by the nearest-rank method: the
     * smallest value with at least p % of the values at or below it. NaN for no values.
     */
    static double percentile(double[] sorted, double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(1, rank) - 1];
    }
}
