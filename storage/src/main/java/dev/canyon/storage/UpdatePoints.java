package dev.canyon.storage;

import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.At;
import dev.canyon.analytics.update.CrossRunDistance;
import dev.canyon.analytics.update.DeadLetterNoted;
import dev.canyon.analytics.update.LayerMeasured;
import dev.canyon.analytics.update.LayerHistogramMeasured;
import dev.canyon.analytics.update.ObstacleDecision;
import dev.canyon.analytics.update.PcaSnapshot;
import dev.canyon.analytics.update.PipelineLag;
import dev.canyon.analytics.update.Position;
import dev.canyon.analytics.update.ProbeResult;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.TrainerJvmSampled;
import dev.canyon.analytics.update.Update;
import dev.canyon.analytics.update.WindowIndicators;
import dev.canyon.contract.Ids;
import dev.canyon.contract.Measurements;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one mapping from the analytics' typed {@link Update}s to InfluxDB points (measurement and
 * field names in {@link Measurements}; docs/metrics.md), and the owner of the whole timestamp
 * scheme. Every point's time comes from the data, so that writing a replay again overwrites
 * instead of duplicating:
 *
 * <table>
 * <caption>Timestamps (ns)</caption>
 * <tr><td>a step's points (its layers' too, one series per layer), indicators, obstacle, PCA, probes, pipeline lag, histograms (one per layer and kind
 * tag), JVM samples</td><td>{@link PointTime#ofStep}(event time, step)</td></tr>
 * <tr><td>linear path, point i (0-based) of a probe</td><td>the probe's time + 10,000·(i + 1)</td></tr>
 * <tr><td>an alert</td><td>ofStep(the run's latest event time, the alert's step) + 1,000·(kind code + 1), + 100 when it resolves</td></tr>
 * <tr><td>cross-run distance, once per direction</td><td>ofStep(that run's event time at the step, step)</td></tr>
 * <tr><td>a dead letter</td><td>processing time in ms · 10⁶ + (offset mod 10⁶)</td></tr>
 * </table>
 *
 * NaN components are left out of the point (line protocol cannot carry them); a {@link Position}
 * is not stored and maps to no point.
 */
public final class UpdatePoints {
    /** Spacing of a linear-path probe's points after the probe's own time (alerts use offsets 1,000..5,100 ns). */
    static final long LINEAR_PATH_SPACING_NS = 10_000L;
    /** Offset of an alert's points per kind code (kind code + 1 thousands). */
    static final long ALERT_KIND_SPACING_NS = 1_000L;
    /** A resolving alert sits this far after its opening, so both survive at one step. */
    static final long ALERT_RESOLVE_OFFSET_NS = 100L;

    private UpdatePoints() {}

    /** The points of {@code u} (none for a position). */
    public static List<StoredPoint> of(Update u) {
        // Java 17: no pattern matching in switch yet; Update is sealed, so the last line is unreachable.
        if (u instanceof StepMeasured s) {
            return step(s);
        } else if (u instanceof LayerMeasured l) {
            return List.of(layer(l));
        } else if (u instanceof WindowIndicators w) {
            return List.of(indicators(w));
        } else if (u instanceof ObstacleDecision d) {
            return List.of(obstacle(d));
        } else if (u instanceof PcaSnapshot p) {
            return List.of(pca(p));
        } else if (u instanceof ProbeResult.Curvature c) {
            return List.of(base(Measurements.CURVATURE_PROBE, c.at())
                    .fieldIfFinite(Measurements.FIELD_ALONG_STEP, c.alongStep())
                    .fieldIfFinite(Measurements.FIELD_ALONG_GRADIENT, c.alongGradient())
                    .build());
        } else if (u instanceof ProbeResult.Hessian h) {
            return List.of(base(Measurements.HESSIAN, h.at())
                    .fieldIfFinite(Measurements.FIELD_LAMBDA_MAX, h.lambdaMax())
                    .fieldIfFinite(Measurements.FIELD_LAMBDA_MIN, h.lambdaMin())
                    .fieldIfFinite(Measurements.FIELD_TRACE, h.trace())
                    .fieldIfFinite(Measurements.FIELD_TRACE_STDERR, h.traceStderr())
                    .fieldIfFinite(Measurements.FIELD_STABILITY_RATIO, h.stabilityRatio())
                    .build());
        } else if (u instanceof ProbeResult.GradientNoise n) {
            return List.of(base(Measurements.GRADIENT_NOISE, n.at())
                    .field(Measurements.FIELD_PARTS, (long) n.parts())
                    .field(Measurements.FIELD_PART_SIZE, (long) n.partSize())
                    .fieldIfFinite(Measurements.FIELD_GRAD_NORM_SQ, n.gradNormSq())
                    .fieldIfFinite(Measurements.FIELD_GRAD_NORM_SQ_STDERR, n.gradNormSqStderr())
                    .fieldIfFinite(Measurements.FIELD_NOISE_TRACE, n.noiseTrace())
                    .fieldIfFinite(Measurements.FIELD_NOISE_SCALE, n.noiseScale())
                    .build());
        } else if (u instanceof ProbeResult.LinearPath l) {
            return linearPath(l);
        } else if (u instanceof AlertTransition a) {
            return List.of(alert(a));
        } else if (u instanceof Position) {
            return List.of();
        } else if (u instanceof CrossRunDistance c) {
            return List.of(crossRun(c, c.run(), c.other(), c.runEventTimeMs()), crossRun(c, c.other(), c.run(), c.otherEventTimeMs()));
        } else if (u instanceof PipelineLag l) {
            return List.of(base(Measurements.PIPELINE, l.at()).field(Measurements.FIELD_INGEST_LAG_MS, l.ingestLagMs()).build());
        } else if (u instanceof DeadLetterNoted d) {
            return List.of(deadLetter(d));
        } else if (u instanceof LayerHistogramMeasured h) {
            return List.of(DiagnosticPoints.histogram(h));
        } else if (u instanceof TrainerJvmSampled j) {
            return List.of(DiagnosticPoints.jvm(j));
        }
        throw new IllegalArgumentException("no points for " + u.getClass().getName());
    }

    /** The points of every update, in order. */
    public static List<StoredPoint> of(List<? extends Update> updates) {
        List<StoredPoint> out = new ArrayList<>(updates.size() * 2);
        for (Update u : updates) {
            out.addAll(of(u));
        }
        return out;
    }

    /** The timestamp of an alert's point. */
    public static long alertTime(AlertTransition a) {
        return PointTime.ofStep(a.at().eventTimeMs(), a.at().step()) + ALERT_KIND_SPACING_NS * (a.kind().code() + 1)
                + (a.open() ? 0 : ALERT_RESOLVE_OFFSET_NS);
    }

    private static List<StoredPoint> step(StepMeasured s) {
        StoredPoint training = base(Measurements.TRAINING, s.at())
                .field(Measurements.FIELD_LOSS, s.loss())
                .field(Measurements.FIELD_LEARNING_RATE, s.learningRate())
                .field(Measurements.FIELD_BATCH_SIZE, (long) s.batchSize())
                .field(Measurements.FIELD_EPOCH, (long) s.epoch())
                .field(Measurements.FIELD_EXAMPLES_SEEN, s.examplesSeen())
                .field(Measurements.FIELD_TELEMETRY_SENT, s.health().sent())
                .field(Measurements.FIELD_TELEMETRY_SPILLED, s.health().spilled())
                .field(Measurements.FIELD_TELEMETRY_RESENT, s.health().resent())
                .field(Measurements.FIELD_TELEMETRY_DROPPED, s.health().dropped())
                .build();
        StoredPoint gradient = base(Measurements.GRADIENT, s.at())
                .field(Measurements.FIELD_GRAD_NORM, s.gradNorm())
                .build();
        StoredPoint.Builder distance = base(Measurements.DISTANCE, s.at())
                .field(Measurements.FIELD_STEP_LENGTH, s.stepLength())
                .fieldIfFinite(Measurements.FIELD_PATH_LENGTH, s.pathLength())
                .field(Measurements.FIELD_DISPLACEMENT, s.displacement())
                .field(Measurements.FIELD_DISTANCE_FROM_ORIGIN, s.distanceFromOrigin())
                .fieldIfFinite(Measurements.FIELD_STRAIGHTNESS, s.straightness());
        if (s.analysedFromStep() > 0) {
            distance.field(Measurements.FIELD_ANALYSED_FROM_STEP, s.analysedFromStep());
        }
        return List.of(training, gradient, distance.build());
    }

    /** A layer's point: the step's time, one series per layer (tag {@link Measurements#TAG_LAYER}). */
    private static StoredPoint layer(LayerMeasured l) {
        return base(Measurements.LAYERS, l.at())
                .tag(Measurements.TAG_LAYER, l.layer())
                .fieldIfFinite(Measurements.FIELD_GRAD_NORM, l.gradNorm())
                .fieldIfFinite(Measurements.FIELD_STEP_NORM, l.stepNorm())
                .fieldIfFinite(Measurements.FIELD_PARAM_NORM, l.paramNorm())
                .fieldIfFinite(Measurements.FIELD_UPDATE_RATIO_LOG10, l.updateRatioLog10())
                .fieldIfFinite(Measurements.FIELD_DISPLACEMENT, l.displacement())
                .build();
    }

    private static StoredPoint indicators(WindowIndicators w) {
        return base(Measurements.INDICATORS, w.at())
                .field(Measurements.FIELD_WINDOW, (long) w.windowSteps())
                .fieldIfFinite(Measurements.FIELD_GRAD_NORM_MEAN, w.gradNormMean())
                .fieldIfFinite(Measurements.FIELD_GRAD_NORM_TREND, w.gradNormTrend())
                .fieldIfFinite(Measurements.FIELD_UPHILL_FRACTION, w.uphillFraction())
                .fieldIfFinite(Measurements.FIELD_SUCCESSIVE_COSINE, w.successiveCosine())
                .fieldIfFinite(Measurements.FIELD_NOISE_SCALE, w.noiseScale())
                .field(Measurements.FIELD_NOISE_SOURCE, w.noiseSource().label())
                .fieldIfFinite(Measurements.FIELD_GRAD_NORM_SQ, w.gradNormSq())
                .fieldIfFinite(Measurements.FIELD_GRAD_NORM_SQ_STDERR, w.gradNormSqStderr())
                .fieldIfFinite(Measurements.FIELD_NOISE_TRACE, w.noiseTrace())
                .fieldIfFinite(Measurements.FIELD_CURVATURE, w.curvature())
                .field(Measurements.FIELD_CURVATURE_SOURCE, w.curvatureSource().label())
                .fieldIfFinite(Measurements.FIELD_TAYLOR_PREDICTED, w.taylorPredicted())
                .fieldIfFinite(Measurements.FIELD_TAYLOR_OBSERVED, w.taylorObserved())
                .fieldIfFinite(Measurements.FIELD_STABILITY_RATIO, w.stabilityRatio())
                .fieldIfFinite(Measurements.FIELD_LAMBDA_MAX, w.lambdaMax())
                .fieldIfFinite(Measurements.FIELD_LAMBDA_MIN, w.lambdaMin())
                .field(Measurements.FIELD_NOTES, w.notes())
                .build();
    }

    private static StoredPoint obstacle(ObstacleDecision d) {
        return base(Measurements.OBSTACLE, d.at())
                .field(Measurements.FIELD_STATE, d.state().name())
                .field(Measurements.FIELD_STATE_CODE, (long) d.state().code())
                .field(Measurements.FIELD_EVIDENCE, d.evidence())
                .build();
    }

    private static StoredPoint pca(PcaSnapshot p) {
        StoredPoint.Builder b = base(Measurements.PCA, p.at()).field(Measurements.FIELD_PCA_DIMENSION, (long) p.dimension());
        for (int i = 0; i < p.explainedVariance().length; i++) {
            b.field(Measurements.FIELD_EVR_PREFIX + (i + 1), p.explainedVariance()[i]);
        }
        for (int i = 0; i < p.controlExplainedVariance().length; i++) {
            b.field(Measurements.FIELD_CONTROL_EVR_PREFIX + (i + 1), p.controlExplainedVariance()[i]);
        }
        b.fieldIfFinite(Measurements.FIELD_PC1, p.pc1());
        b.fieldIfFinite(Measurements.FIELD_PC2, p.pc2());
        return b.build();
    }

    private static List<StoredPoint> linearPath(ProbeResult.LinearPath l) {
        long time = PointTime.ofStep(l.at().eventTimeMs(), l.at().step());
        List<StoredPoint> out = new ArrayList<>(l.alpha().length + 1);
        boolean validation = l.validationLoss().length > 0;
        for (int i = 0; i < l.alpha().length; i++) {
            StoredPoint.Builder b = base(Measurements.LINEAR_PATH, l.at(), time + LINEAR_PATH_SPACING_NS * (i + 1))
                    .field(Measurements.FIELD_ALPHA, l.alpha()[i])
                    .fieldIfFinite(Measurements.FIELD_TRAIN_LOSS, l.trainLoss()[i]);
            if (validation) {
                b.fieldIfFinite(Measurements.FIELD_VALIDATION_LOSS, l.validationLoss()[i]);
            }
            out.add(b.build());
        }
        StoredPoint.Builder s = base(Measurements.LINEAR_PATH_SUMMARY, l.at(), time)
                .field(Measurements.FIELD_MONOTONE, l.train().monotone() ? 1L : 0L)
                .fieldIfFinite(Measurements.FIELD_BARRIER, l.train().barrier());
        if (l.validation() != null) {
            s.field(Measurements.FIELD_VALIDATION_MONOTONE, l.validation().monotone() ? 1L : 0L)
                    .fieldIfFinite(Measurements.FIELD_VALIDATION_BARRIER, l.validation().barrier());
        }
        out.add(s.build());
        return out;
    }

    private static StoredPoint alert(AlertTransition a) {
        StoredPoint.Builder b = StoredPoint.builder(Measurements.ALERTS, alertTime(a))
                .tag(Measurements.TAG_RUN, a.at().run())
                .tag(Measurements.TAG_EXPERIMENT, a.at().experiment())
                .tag(Measurements.TAG_KIND, a.kind().name().toLowerCase(Locale.ROOT))
                .field(Measurements.FIELD_STEP, a.at().step())
                .field(Measurements.FIELD_OPEN, a.open() ? 1L : 0L)
                .field(Measurements.FIELD_EVIDENCE, a.evidence());
        if (!a.obstacleState().isEmpty()) {
            b.field(Measurements.FIELD_OBSTACLE_STATE, a.obstacleState());
        }
        return b.build();
    }

    private static StoredPoint crossRun(CrossRunDistance c, String run, String other, long eventTimeMs) {
        return StoredPoint.builder(Measurements.CROSS_RUN, PointTime.ofStep(eventTimeMs, c.step()))
                .tag(Measurements.TAG_RUN, run)
                .tag(Measurements.TAG_OTHER, other)
                .tag(Measurements.TAG_EXPERIMENT, c.experiment())
                .field(Measurements.FIELD_STEP, c.step())
                .field(Measurements.FIELD_DISTANCE, c.distance())
                .build();
    }

    private static StoredPoint deadLetter(DeadLetterNoted d) {
        // Processing time in ns, with the offset in the low digits so that two dead letters in one ms stay apart.
        long time = d.processingTimeMs() * 1_000_000L + Math.floorMod(d.offset(), 1_000_000L);
        // The key comes from whoever produced the record: a tag only when it is a valid id.
        String key = d.key();
        boolean validKey = Ids.problem("key", key, false) == null;
        return StoredPoint.builder(Measurements.DEAD_LETTERS, time)
                .tag(Measurements.TAG_RUN, validKey ? key : "(invalid key)")
                .field(Measurements.FIELD_KEY, Ids.printable(key.length() > 1024 ? key.substring(0, 1024) : key))
                .field(Measurements.FIELD_REASON, Ids.printable(d.reason()))
                .field(Measurements.FIELD_TOPIC, d.topic() == null ? "" : d.topic())
                .field(Measurements.FIELD_OFFSET, d.offset())
                .build();
    }

    private static StoredPoint.Builder base(String measurement, At at) {
        return base(measurement, at, PointTime.ofStep(at.eventTimeMs(), at.step()));
    }

    private static StoredPoint.Builder base(String measurement, At at, long time) {
        return StoredPoint.builder(measurement, time)
                .tag(Measurements.TAG_RUN, at.run())
                .tag(Measurements.TAG_EXPERIMENT, at.experiment())
                .field(Measurements.FIELD_STEP, at.step());
    }
}
