package dev.canyon.contract;

import dev.canyon.contract.proto.Encoding;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.StepScalars;

/** Deterministic records for tests and golden fixtures. */
public final class SampleRecords {
    public static final String RUN = "run-golden";
    public static final String EXPERIMENT = "exp-golden";

    private SampleRecords() {}

    public static RunStarted runStarted() {
        return RunStarted.newBuilder()
                .setRunId(RUN)
                .setExperimentId(EXPERIMENT)
                .setEventTimeMs(1_700_000_000_000L)
                .setParameterCount(5)
                .setModel("mlp-784-64-10")
                .setOptimizer("sgd")
                .setDataset("fashion-mnist")
                .setBatchSize(32)
                .setLearningRate(0.05)
                .setSeed(42)
                .setVectorEncoding(Encoding.FLOAT32)
                .putLabels("purpose", "golden")
                .build();
    }

    /** Step {@code t} of a 5-parameter run with simple, exactly representable values. */
    public static Step step(long t) {
        float[] g = {0.5f, -0.25f, 1f, 0f, 2f};
        float[] d = {-0.05f, 0.025f, -0.1f, 0f, -0.2f};
        return step(RUN, t, 1_700_000_000_000L + t, 2.5 / t, g, d);
    }

    /** A valid step of run {@code run} carrying the given vectors. */
    public static Step step(String run, long t, long eventTimeMs, double loss, float[] g, float[] d) {
        return Step.newBuilder()
                .setRunId(run)
                .setExperimentId(EXPERIMENT)
                .setStep(t)
                .setEpoch(0)
                .setEventTimeMs(eventTimeMs)
                .setLoss(loss)
                .setLearningRate(0.1)
                .setBatchSize(32)
                .setExamplesSeen(32 * t)
                .setScalars(StepScalars.newBuilder()
                        .setGradNorm(norm(g))
                        .setDeltaNorm(norm(d))
                        .setParamNorm(3.0)
                        .setDisplacement(norm(d) * t)
                        .setGradDotDelta(dot(g, d))
                        .setGradDotPrevGrad(t > 1 ? dot(g, g) : 0)
                        .setGradDotPrevDelta(t > 1 ? dot(g, d) : 0))
                .setGradient(Vectors.full(g))
                .setDelta(Vectors.full(d))
                .build();
    }

    public static RunEnded runEnded() {
        return RunEnded.newBuilder()
                .setRunId(RUN)
                .setExperimentId(EXPERIMENT)
                .setEventTimeMs(1_700_000_000_100L)
                .setSteps(3)
                .setOutcome(RunEnded.Outcome.COMPLETED)
                .setFinalLoss(2.5 / 3)
                .build();
    }

    static double norm(float[] v) {
        return Math.sqrt(dot(v, v));
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
