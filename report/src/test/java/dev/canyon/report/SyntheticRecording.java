package dev.canyon.report;

import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.At;
import dev.canyon.analytics.update.CrossRunDistance;
import dev.canyon.analytics.update.LayerMeasured;
import dev.canyon.analytics.update.LayerHistogramMeasured;
import dev.canyon.analytics.update.ObstacleDecision;
import dev.canyon.analytics.update.PcaSnapshot;
import dev.canyon.analytics.update.Position;
import dev.canyon.analytics.update.ProbeResult;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.TrainerJvmSampled;
import dev.canyon.analytics.update.Update;
import dev.canyon.analytics.update.WindowIndicators;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.kernels.obstacle.ObstacleState;
import dev.canyon.kernels.path.LinearPathSummary;
import dev.canyon.kernels.stall.StallDetector;
import dev.canyon.trainer.Experiment;
import java.util.ArrayList;
import java.util.List;

/**
 * A recorded experiment made of typed updates, without Kafka or a model: three runs that between them
 * have every kind of update the report draws, NaN where estimators leave values out, and what makes
 * sections skip themselves (a model without recipe labels, a run without steps, one snapshot).
 */
final class SyntheticRecording {
    static final String EXPERIMENT = "syn";
    private static final long T0 = 1_700_000_000_000L;

    private SyntheticRecording() {}

    static Recording experiment() {
        Recording recording = new Recording("experiment " + EXPERIMENT);
        RunRecording a = run(recording, "syn-a", "run-1", 30, true);
        RunRecording b = run(recording, "syn-b", "run-2", 25, false);
        // A clone parent (left out of the aggregates) that recorded no step, only θ_0.
        RunRecording c = new RunRecording("syn-c");
        c.started = RunStarted.newBuilder().setRunId("syn-c").setExperimentId(EXPERIMENT).setModel("mystery-model")
                .setDataset("nowhere").putLabels(Experiment.LABEL_ROLE, "parent").build();
        c.snapshots.put(0L, new float[] {1, 2, 3});
        recording.runs.put(c.runId, c);
        for (long step : new long[] {10, 20}) {
            recording.crossRun.add(new CrossRunDistance(EXPERIMENT, a.runId, b.runId, step, T0 + step, T0 + step + 1, 0.5 + step / 100.0));
        }
        return recording;
    }

    /** One run of {@code steps} steps; {@code probed}: with windows, decisions, alerts, PCA, probes and snapshots. */
    static RunRecording run(Recording recording, String id, String role, int steps, boolean probed) {
        RunRecording run = new RunRecording(id);
        run.started = RunStarted.newBuilder().setRunId(id).setExperimentId(EXPERIMENT).setModel("mystery-model").setDataset("nowhere")
                .setOptimizer("sgd").setLearningRate(0.1).setBatchSize(8).setParameterCount(3).putLabels(Experiment.LABEL_ROLE, role)
                .build();
        List<Update> updates = new ArrayList<>();
        double path = 0;
        for (int t = 1; t <= steps; t++) {
            At at = at(id, t);
            double loss = 2.0 / (1 + 0.2 * t) + (t % 3 == 0 ? 0.05 : 0);
            path += 0.1 + 0.01 * (t % 2);
            updates.add(new StepMeasured(at, loss, 0.1, 8, 0, 8L * t, new StepMeasured.TelemetryHealth(t, 0, 0, 0), 1.0 / t,
                    0.1 + 0.01 * (t % 2), path, 0.8 * path, 3 + 0.01 * t, 0));
            if (probed) {
                // Two layers; layer 1 does not move at step 1 (no update ratio there).
                updates.add(new LayerMeasured(at, "0", 2, 0.8 / t, 0.08, 2.5 + 0.01 * t, 0.05 * t));
                updates.add(new LayerMeasured(at, "1", 2, 0.2 / t, t == 1 ? 0 : 0.002, 1.5, 0.001 * t));
            }
            if (t % 5 == 0) {
                updates.add(new Position(at, new float[] {t, (float) Math.sin(t), 0.1f * t * t}));
            }
            if (probed && t % 10 == 0) {
                updates.add(new WindowIndicators(at, 10, 1.0 / t, -0.01, 0.3, 0.2 - 0.01 * t, t == 10 ? Double.NaN : 2.0 * t,
                        t == 10 ? WindowIndicators.NoiseSource.ABSENT : WindowIndicators.NoiseSource.PROBE, 0.5,
                        WindowIndicators.CurvatureSource.SCALARS, Double.NaN, 0.01, t == 20 ? 0.8 : Double.NaN, 16, -0.1, 0.5, 0.1, 3.0,
                        t == 10 ? "noise scale absent: test" : ""));
                updates.add(new ObstacleDecision(at, t == 20 ? ObstacleState.SADDLE : ObstacleState.PROGRESSING, "evidence " + t));
                updates.add(new PcaSnapshot(at, 3, new double[] {0.7, 0.2}, new double[] {0.5, 0.3}, 0.1 * t, Double.NaN));
                updates.add(new ProbeResult.Curvature(at, 0.4, t == 10 ? Double.NaN : 0.6));
                for (String layer : new String[] {"0", "1"}) {
                    for (LayerHistogramMeasured.Kind kind : LayerHistogramMeasured.Kind.values()) {
                        updates.add(new LayerHistogramMeasured(at, layer, kind, -0.1 * t, 0.2 * t, new long[] {1, t, 3, 2}));
                    }
                }
                updates.add(new TrainerJvmSampled(at, 1000L * t, 1L << 30, 500, t, t == 10 ? Double.NaN : 25.0));
                // The first probe predates the trace's standard error (NaN: not recorded).
                updates.add(new ProbeResult.Hessian(at, 12 + t, t == 20 ? Double.NaN : 1 - 0.1 * t, 30 + t, t == 10 ? Double.NaN : 0.05 * t,
                        20, 0.1 * (12 + t) / 2));
                double[] alpha = {0, 0.5, 1, 1.5};
                double[] train = {2, 1.2 + 0.01 * t, 0.9, 1.1};
                boolean validation = t == 20;
                updates.add(new ProbeResult.LinearPath(at, alpha, train, validation ? new double[] {2.1, 1.5, Double.NaN, 1.3} : new double[0],
                        new LinearPathSummary(t == 10, t == 10 ? 0 : 0.05, 0.5, 2, 0.9),
                        validation ? new LinearPathSummary(false, Double.NaN, Double.NaN, 2.1, Double.NaN) : null));
            }
            if (probed && t == 12) {
                updates.add(new AlertTransition(at, StallDetector.Kind.PLATEAU, true, "no progress", "PLATEAU_MOVING"));
            }
            if (probed && t == 18) {
                updates.add(new AlertTransition(at, StallDetector.Kind.PLATEAU, false, "progress again", ""));
            }
        }
        run.add(updates);
        run.stepsAccepted = steps;
        if (probed) {
            // θ_0 in the positions' space: the positions are (t, sin t, t²/10), so θ_0 = (0, 0, 0).
            run.initialPosition = new float[] {0, 0, 0};
            run.snapshots.put(0L, new float[] {0, 0, 0});
            run.snapshots.put(15L, new float[] {1, 0.5f, 0});
            run.snapshots.put(30L, new float[] {2, 0, 0.25f});
        }
        recording.runs.put(id, run);
        return run;
    }

    private static At at(String run, long step) {
        return new At(run, EXPERIMENT, step, T0 + 100 * step);
    }
}
