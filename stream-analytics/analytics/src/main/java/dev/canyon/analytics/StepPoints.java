package dev.canyon.analytics;

import dev.canyon.contract.Measurements;
import dev.canyon.contract.PointTime;
import dev.canyon.contract.proto.Step;
import dev.canyon.storage.StoredPoint;
import java.util.List;

/**
 * The InfluxDB points of one step: {@code training}, {@code gradient} and {@code distance}
 * (see {@link Measurements} and docs/metrics.md), all stamped with {@link PointTime#ofStep} so that
 * reprocessing overwrites.
 */
public final class StepPoints {
    private StepPoints() {}

    /**
     * Points for {@code step}, with the distances after it: ‖g_t‖, ‖Δθ_t‖, Σ‖Δθ_i‖ and ‖θ_t − θ_0‖.
     */
    public static List<StoredPoint> of(Step step, double gradNorm, double stepLength, double pathLength, double displacement) {
        long time = PointTime.ofStep(step.getEventTimeMs(), step.getStep());
        String run = step.getRunId();
        String experiment = step.getExperimentId();
        StoredPoint training = base(Measurements.TRAINING, time, run, experiment, step.getStep())
                .field(Measurements.FIELD_LOSS, step.getLoss())
                .field(Measurements.FIELD_LEARNING_RATE, step.getLearningRate())
                .field(Measurements.FIELD_BATCH_SIZE, (long) step.getBatchSize())
                .field(Measurements.FIELD_EPOCH, (long) step.getEpoch())
                .field(Measurements.FIELD_EXAMPLES_SEEN, step.getExamplesSeen())
                .field(Measurements.FIELD_TELEMETRY_SENT, step.getHealth().getSent())
                .field(Measurements.FIELD_TELEMETRY_SPILLED, step.getHealth().getSpilled())
                .field(Measurements.FIELD_TELEMETRY_RESENT, step.getHealth().getResent())
                .field(Measurements.FIELD_TELEMETRY_DROPPED, step.getHealth().getDropped())
                .build();
        StoredPoint gradient = base(Measurements.GRADIENT, time, run, experiment, step.getStep())
                .field(Measurements.FIELD_GRAD_NORM, gradNorm)
                .build();
        StoredPoint dist = base(Measurements.DISTANCE, time, run, experiment, step.getStep())
                .field(Measurements.FIELD_STEP_LENGTH, stepLength)
                .field(Measurements.FIELD_PATH_LENGTH, pathLength)
                .field(Measurements.FIELD_DISPLACEMENT, displacement)
                .field(Measurements.FIELD_DISTANCE_FROM_ORIGIN, step.getScalars().getParamNorm())
                .field(Measurements.FIELD_STRAIGHTNESS, pathLength == 0 ? 1 : Math.min(1, displacement / pathLength))
                .build();
        return List.of(training, gradient, dist);
    }

    /** The pair's two {@code cross_run} points: one tagged with each run (and the other as {@code other}). */
    public static List<StoredPoint> crossRun(dev.canyon.kernels.crossrun.CrossRunDistances.Pair pair, String experiment) {
        return List.of(crossRunPoint(pair, experiment, pair.run(), pair.other(), pair.runEventTimeMs()),
                crossRunPoint(pair, experiment, pair.other(), pair.run(), pair.otherEventTimeMs()));
    }

    private static StoredPoint crossRunPoint(dev.canyon.kernels.crossrun.CrossRunDistances.Pair pair, String experiment, String a,
            String b, long eventTimeMs) {
        return StoredPoint.builder(Measurements.CROSS_RUN, PointTime.ofStep(eventTimeMs, pair.step()))
                .tag(Measurements.TAG_RUN, a)
                .tag(Measurements.TAG_OTHER, b)
                .tag(Measurements.TAG_EXPERIMENT, experiment)
                .field(Measurements.FIELD_STEP, pair.step())
                .field(Measurements.FIELD_DISTANCE, pair.distance())
                .build();
    }

    private static StoredPoint.Builder base(String measurement, long time, String run, String experiment, long step) {
        return StoredPoint.builder(measurement, time)
                .tag(Measurements.TAG_RUN, run)
                .tag(Measurements.TAG_EXPERIMENT, experiment)
                .field(Measurements.FIELD_STEP, step);
    }

    /** ‖v‖ in double; NaN if v holds a NaN, infinite if it holds an infinity. */
    public static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
