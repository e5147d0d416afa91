package dev.canyon.trainer.telemetry;

import dev.canyon.contract.Topics;
import dev.canyon.kernels.sketch.CountSketch;
import dev.canyon.trainer.probe.Schedule;

/**
 * Turns each step frame into its step record, and the weight snapshots due, keeping what the next
 * step needs: θ_0, θ_{t−1}, g_{t−1} and Δθ_{t−1}. Per frame, one fused pass ({@link
 * StepScalarsCalculator}) makes the mean gradient, Δθ, the scalars for the whole model and per
 * tensor, and the sketches when the run ships sketches; then the record is encoded and sent.
 *
 * <p>Runs on one thread at a time (the telemetry thread, or the training thread inline); the
 * training thread reads {@link #theta0()} and {@link #previousTheta()} only while the telemetry
 * thread is idle ({@link StepHandoff#awaitProcessed}). Memory: five arrays of d floats, plus the
 * sketch's d-int hash map and two arrays of k floats in sketch runs. Arrays are swapped with the
 * frame's, never copied.
 */
final class StepRecorder {
    private final RunRecords records;
    private final TelemetrySink sink;
    private final String key;
    private final Schedule snapshots;
    private final Dl4jNetwork.TensorLayout layout;
    private final StepScalarsCalculator.Result scalars;
    private final float[] theta0;
    private float[] prevTheta;
    private float[] prevG;
    private float[] delta;
    private float[] prevDelta;
    private final CountSketch sketch;
    private final float[] sketchG;
    private final float[] sketchDelta;
    private long examplesSeen;
    private boolean snapshotTaken;
    // Scheduled diagnostics (DL4J-UI parity); null when off.
    private Schedule histogramSchedule = Schedule.never();
    private LayerHistograms histograms;
    private Schedule jvmSchedule = Schedule.never();
    private JvmStats jvm;

    /**
     * @param theta0 θ_0 (kept, not copied)
     * @param layout the parameter tensors, for per-tensor scalars
     * @param sketchSize k, for sketch runs
     * @param sketchSeed the run's CountSketch seed, for sketch runs
     */
    StepRecorder(RunRecords records, TelemetrySink sink, String key, Schedule snapshots, float[] theta0,
            Dl4jNetwork.TensorLayout layout, int sketchSize, long sketchSeed) {
        int d = theta0.length;
        this.records = records;
        this.sink = sink;
        this.key = key;
        this.snapshots = snapshots;
        this.layout = layout;
        this.scalars = layout.count() == 0 ? new StepScalarsCalculator.Result() : StepScalarsCalculator.Result.withTensors(layout.count());
        this.theta0 = theta0;
        this.prevTheta = theta0.clone();
        this.prevG = new float[d];
        this.delta = new float[d];
        this.prevDelta = new float[d];
        if (records.sketched()) {
            sketch = new CountSketch(d, sketchSize, sketchSeed);
            sketchG = new float[sketchSize];
            sketchDelta = new float[sketchSize];
        } else {
            sketch = null;
            sketchG = null;
            sketchDelta = null;
        }
    }

    /**
     * Adds per-layer histograms of θ_t, g_t and Δθ_t with {@code bins} bins when {@code histogramsDue}
     * says (none when the layout names no tensors), and the JVM's resources when {@code jvmDue} says.
     * Steps off both schedules pay one schedule check each.
     */
    StepRecorder withDiagnostics(Schedule histogramsDue, int bins, Schedule jvmDue) {
        this.histogramSchedule = histogramsDue;
        this.histograms = LayerHistograms.of(layout, bins);
        this.jvmSchedule = jvmDue;
        this.jvm = new JvmStats();
        return this;
    }

    /** θ_0. */
    float[] theta0() {
        return theta0;
    }

    /** θ of the last processed step (θ_0 before the first). */
    float[] previousTheta() {
        return prevTheta;
    }

    /** Processes one frame: its g becomes the mean gradient; its arrays are swapped for the previous step's. */
    void record(StepFrame f) {
        boolean first = f.step == 1;
        StepScalarsCalculator.compute(f.g, 1f / f.batchSize, f.theta, prevTheta, theta0, first ? null : prevG,
                first ? null : prevDelta, delta, sketch, sketchG, sketchDelta, layout.ends(), scalars);
        examplesSeen += f.batchSize;
        boolean histogramDue = histograms != null && histogramSchedule.due(f.step);
        if (histogramDue) {
            histograms.compute(f.theta, f.g, delta);
        }
        dev.canyon.contract.proto.TrainerJvm jvmSample = null;
        if (jvm != null) {
            jvm.start(f.step, f.nanoTime);
            if (jvmSchedule.due(f.step)) {
                jvmSample = jvm.sample(f.step, f.nanoTime);
            }
        }
        sink.send(Topics.STEPS, key, records.step(f, examplesSeen, scalars, layout, delta, sketchG, sketchDelta,
                sketch == null ? 0 : sketch.seed(), sink.health(), histogramDue ? histograms : null, jvmSample));
        if (snapshots.due(f.step)) {
            if (!snapshotTaken) {
                snapshot(0, theta0, f.eventTimeMs);
            }
            snapshot(f.step, f.theta, f.eventTimeMs);
        }
        // θ_t, g_t and Δθ_t become the previous step's: swap arrays with the frame, no copy.
        float[] t = prevTheta;
        prevTheta = f.theta;
        f.theta = t;
        t = prevG;
        prevG = f.g;
        f.g = t;
        t = prevDelta;
        prevDelta = delta;
        delta = t;
    }

    private void snapshot(long step, float[] params, long eventTimeMs) {
        snapshotTaken = true;
        sink.send(Topics.SNAPSHOTS, key, records.snapshot(step, params, eventTimeMs));
    }
}
