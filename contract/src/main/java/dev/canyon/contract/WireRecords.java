package dev.canyon.contract;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.canyon.contract.proto.Alert;
import dev.canyon.contract.proto.OptimizerConfig;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Snapshot;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.TensorVector;

/**
 * Encodes records into frames and decodes frames back into validated records. Every decode path
 * validates what the stream relies on, so a record that leaves here is safe to use.
 */
public final class WireRecords {
    private WireRecords() {}

    /** A decoded record: exactly one of the three kinds. */
    public sealed interface Decoded permits DecodedRunStarted, DecodedStep, DecodedRunEnded, DecodedProbe, DecodedSnapshot, DecodedAlert {
        /** Run the record belongs to. */
        String runId();

        /** Experiment the record belongs to ("" when it names none). */
        String experimentId();
    }

    /** A decoded {@link RunStarted}. */
    public record DecodedRunStarted(RunStarted record) implements Decoded {
        @Override
        public String runId() {
            return record.getRunId();
        }

        @Override
        public String experimentId() {
            return record.getExperimentId();
        }
    }

    /** A decoded and validated {@link Step}. */
    public record DecodedStep(Step record) implements Decoded {
        @Override
        public String runId() {
            return record.getRunId();
        }

        @Override
        public String experimentId() {
            return record.getExperimentId();
        }
    }

    /** A decoded {@link RunEnded}. */
    public record DecodedRunEnded(RunEnded record) implements Decoded {
        @Override
        public String runId() {
            return record.getRunId();
        }

        @Override
        public String experimentId() {
            return record.getExperimentId();
        }
    }

    /** A decoded {@link Probe}. */
    public record DecodedProbe(Probe record) implements Decoded {
        @Override
        public String runId() {
            return record.getRunId();
        }

        @Override
        public String experimentId() {
            return record.getExperimentId();
        }
    }

    /** A decoded and validated {@link Snapshot}. */
    public record DecodedSnapshot(Snapshot record) implements Decoded {
        @Override
        public String runId() {
            return record.getRunId();
        }

        @Override
        public String experimentId() {
            return record.getExperimentId();
        }
    }

    /** A decoded {@link Alert}. */
    public record DecodedAlert(Alert record) implements Decoded {
        @Override
        public String runId() {
            return record.getRunId();
        }

        @Override
        public String experimentId() {
            return record.getExperimentId();
        }
    }

    /** Frames an alert record. */
    public static byte[] encode(Alert a) {
        return frame(RecordKind.ALERT, a);
    }

    /** Frames a snapshot record. */
    public static byte[] encode(Snapshot s) {
        return frame(RecordKind.SNAPSHOT, s);
    }

    /** Frames a probe record. */
    public static byte[] encode(Probe p) {
        return frame(RecordKind.PROBE, p);
    }

    /** Frames a run-started record. */
    public static byte[] encode(RunStarted r) {
        return frame(RecordKind.RUN_STARTED, r);
    }

    /** Frames a step record. */
    public static byte[] encode(Step s) {
        return frame(RecordKind.STEP, s);
    }

    /** Frames a run-ended record. */
    public static byte[] encode(RunEnded r) {
        return frame(RecordKind.RUN_ENDED, r);
    }

    private static byte[] frame(RecordKind kind, MessageLite message) {
        return RecordFrame.encode(kind, message.toByteArray());
    }

    /** Decodes and validates any record; throws {@link WireFormatException} saying what is wrong. */
    public static Decoded decode(byte[] bytes) {
        RecordFrame frame = RecordFrame.decode(bytes);
        try {
            switch (frame.kind()) {
                case STEP:
                    return new DecodedStep(validate(frame.parse(Step.parser())));
                case RUN_STARTED:
                    return new DecodedRunStarted(validate(frame.parse(RunStarted.parser())));
                case RUN_ENDED:
                    return new DecodedRunEnded(validate(frame.parse(RunEnded.parser())));
                case PROBE:
                    return new DecodedProbe(validate(frame.parse(Probe.parser())));
                case SNAPSHOT:
                    return new DecodedSnapshot(validate(frame.parse(Snapshot.parser())));
                case ALERT:
                    Alert alert = frame.parse(Alert.parser());
                    requireRunId(alert.getRunId(), "alert");
                    return new DecodedAlert(alert);
                default:
                    throw new WireFormatException("unhandled record kind " + frame.kind());
            }
        } catch (InvalidProtocolBufferException e) {
            throw new WireFormatException("malformed " + frame.kind() + " payload: " + e.getMessage(), e);
        }
    }

    /** Decodes a record that must be a step. */
    public static Step decodeStep(byte[] bytes) {
        Decoded d = decode(bytes);
        if (d instanceof DecodedStep step) {
            return step.record();
        }
        throw new WireFormatException("expected a STEP record, got " + d.getClass().getSimpleName());
    }

    /**
     * For a step record that failed validation: the step, if it is well framed and parses and its
     * loss or gradient norm is NaN or infinite, which is evidence of divergence even though the
     * record cannot be used for anything else; otherwise null.
     */
    public static Step nonFiniteStep(byte[] bytes) {
        try {
            RecordFrame frame = RecordFrame.decode(bytes);
            if (frame.kind() != RecordKind.STEP) {
                return null;
            }
            Step s = frame.parse(Step.parser());
            boolean nonFinite = !Double.isFinite(s.getLoss()) || !Double.isFinite(s.getScalars().getGradNorm());
            return nonFinite && !s.getRunId().isEmpty() && s.getStep() >= 1 ? s : null;
        } catch (WireFormatException | InvalidProtocolBufferException e) {
            return null;
        }
    }

    /** Earliest event time a step or probe may carry: 2000-01-01T00:00:00Z, in ms. */
    public static final long MIN_EVENT_TIME_MS = 946_684_800_000L;
    /** Latest event time a step or probe may carry: 2100-01-01T00:00:00Z, in ms (far below where a ns timestamp overflows). */
    public static final long MAX_EVENT_TIME_MS = 4_102_444_800_000L;
    /** Largest step number a step or probe may carry (10^12: a million steps a second for 30 years). */
    public static final long MAX_STEP = 1_000_000_000_000L;

    /**
     * Checks a step's contract: identifiers, a step number in [1, {@link #MAX_STEP}], an event time in
     * [{@link #MIN_EVENT_TIME_MS}, {@link #MAX_EVENT_TIME_MS}], a finite loss, a finite learning rate
     * ≥ 0, batch size ≥ 1, epoch, examples seen and delivery counters ≥ 0, finite scalars with norms ≥
     * 0, consistent vectors.
     */
    public static Step validate(Step s) {
        requireRunId(s.getRunId(), "step");
        requireExperimentId(s.getExperimentId(), "step");
        if (s.getStep() < 1 || s.getStep() > MAX_STEP) {
            throw new WireFormatException("step number must be in [1, " + MAX_STEP + "], got " + s.getStep() + " (run "
                    + s.getRunId() + ")");
        }
        requireEventTime("step", s.getEventTimeMs(), s.getRunId(), s.getStep());
        requireFinite("loss", s.getLoss(), s);
        requireFinite("learning_rate", s.getLearningRate(), s);
        requireNonNegative("learning_rate", s.getLearningRate(), s);
        if (s.getBatchSize() < 1) {
            throw new WireFormatException("batch_size must be >= 1, got " + s.getBatchSize() + " (run " + s.getRunId() + ", step "
                    + s.getStep() + ")");
        }
        requireNonNegative("epoch", s.getEpoch(), s);
        requireNonNegative("examples_seen", s.getExamplesSeen(), s);
        requireNonNegative("health.sent", s.getHealth().getSent(), s);
        requireNonNegative("health.spilled", s.getHealth().getSpilled(), s);
        requireNonNegative("health.resent", s.getHealth().getResent(), s);
        requireNonNegative("health.dropped", s.getHealth().getDropped(), s);
        if (s.hasScalars()) {
            var sc = s.getScalars();
            requireFinite("scalars.grad_norm", sc.getGradNorm(), s);
            requireFinite("scalars.delta_norm", sc.getDeltaNorm(), s);
            requireFinite("scalars.param_norm", sc.getParamNorm(), s);
            requireFinite("scalars.displacement", sc.getDisplacement(), s);
            requireNonNegative("scalars.grad_norm", sc.getGradNorm(), s);
            requireNonNegative("scalars.delta_norm", sc.getDeltaNorm(), s);
            requireNonNegative("scalars.param_norm", sc.getParamNorm(), s);
            requireNonNegative("scalars.displacement", sc.getDisplacement(), s);
            requireFinite("scalars.grad_dot_delta", sc.getGradDotDelta(), s);
            requireFinite("scalars.grad_dot_prev_grad", sc.getGradDotPrevGrad(), s);
            requireFinite("scalars.grad_dot_prev_delta", sc.getGradDotPrevDelta(), s);
        } else {
            throw new WireFormatException("step has no scalars (run " + s.getRunId() + ", step " + s.getStep() + ")");
        }
        long covered = 0;
        for (var t : s.getTensorsList()) {
            if (t.getOffset() != covered) {
                throw new WireFormatException("tensor '" + t.getName() + "' of step " + s.getStep() + " starts at " + t.getOffset()
                        + ", expected " + covered + " (tensors must tile the parameter vector in order)");
            }
            covered += t.getSize();
            var sc = t.getScalars();
            for (double v : new double[] {sc.getGradNorm(), sc.getDeltaNorm(), sc.getParamNorm(), sc.getDisplacement(),
                    sc.getGradDotDelta(), sc.getGradDotPrevGrad(), sc.getGradDotPrevDelta()}) {
                if (!Double.isFinite(v)) {
                    throw new WireFormatException("scalars of tensor '" + t.getName() + "' must be finite, got " + v
                            + " (run " + s.getRunId() + ", step " + s.getStep() + ")");
                }
            }
        }
        if (!s.hasGradient() || !s.hasDelta()) {
            throw new WireFormatException("step lacks its " + (s.hasGradient() ? "delta" : "gradient")
                    + " vector (run " + s.getRunId() + ", step " + s.getStep() + ")");
        }
        TensorVector g = s.getGradient();
        TensorVector d = s.getDelta();
        Vectors.validate("gradient of step " + s.getStep(), g);
        Vectors.validate("delta of step " + s.getStep(), d);
        if (g.getSketchSize() != d.getSketchSize() || g.getSketchSeed() != d.getSketchSeed()) {
            throw new WireFormatException("gradient and delta of step " + s.getStep() + " are sketched differently (k "
                    + g.getSketchSize() + " vs " + d.getSketchSize() + ", seeds " + g.getSketchSeed() + " vs "
                    + d.getSketchSeed() + ")");
        }
        if (s.getTensorsCount() > 0 && covered != g.getDimension()) {
            throw new WireFormatException("tensors of step " + s.getStep() + " cover " + covered + " parameters, the vectors have "
                    + g.getDimension());
        }
        if (g.getDimension() != d.getDimension()) {
            throw new WireFormatException("gradient dimension " + g.getDimension() + " differs from delta dimension "
                    + d.getDimension() + " (run " + s.getRunId() + ", step " + s.getStep() + ")");
        }
        StepDiagnostics.validate(s);
        return s;
    }

    /**
     * Checks a run-started record: identifiers, θ_0 when present, and an optimizer configuration's
     * momentum, β1, β2 and ε finite and ≥ 0 when present (whether they lie where a stability threshold
     * exists is the stream's judgement, which reports it as the ratio's absent reason).
     */
    static RunStarted validate(RunStarted r) {
        requireRunId(r.getRunId(), "run-started");
        requireExperimentId(r.getExperimentId(), "run-started");
        if (r.hasInitialParameters()) {
            Vectors.validate("initial parameters of run " + r.getRunId(), r.getInitialParameters());
        }
        if (r.hasOptimizerConfig()) {
            OptimizerConfig o = r.getOptimizerConfig();
            requireFiniteNonNegative("optimizer_config.momentum", o.getMomentum(), r);
            requireFiniteNonNegative("optimizer_config.beta1", o.getBeta1(), r);
            requireFiniteNonNegative("optimizer_config.beta2", o.getBeta2(), r);
            requireFiniteNonNegative("optimizer_config.epsilon", o.getEpsilon(), r);
        }
        return r;
    }

    private static void requireFiniteNonNegative(String field, double value, RunStarted r) {
        if (!Double.isFinite(value) || value < 0) {
            throw new WireFormatException(field + " must be finite and >= 0, got " + value + " (run " + r.getRunId() + ")");
        }
    }

    /**
     * Checks a probe's contract: identifiers, step and event time as for a step, a result, for a
     * Hessian probe a finite preconditioned λmax when it is set (it may be negative: H may have no
     * positive eigenvalue), and for a linear path finite α values with one loss per α (losses may be
     * NaN or infinite: the loss of a diverged model along the path; they are not stored).
     */
    static Probe validate(Probe p) {
        requireRunId(p.getRunId(), "probe");
        requireExperimentId(p.getExperimentId(), "probe");
        if (p.getStep() < 1 || p.getStep() > MAX_STEP) {
            throw new WireFormatException("probe step must be in [1, " + MAX_STEP + "], got " + p.getStep() + " (run "
                    + p.getRunId() + ")");
        }
        requireEventTime("probe", p.getEventTimeMs(), p.getRunId(), p.getStep());
        if (p.getKindCase() == Probe.KindCase.KIND_NOT_SET) {
            throw new WireFormatException("probe of run " + p.getRunId() + " at step " + p.getStep() + " carries no result");
        }
        if (p.hasGradientNoise()) {
            var n = p.getGradientNoise();
            if (n.getParts() < 2 || n.getPartSize() < 1) {
                throw new WireFormatException("gradient-noise probe at step " + p.getStep() + " of run " + p.getRunId()
                        + " needs at least 2 parts of at least 1 example, got " + n.getParts() + " parts of " + n.getPartSize());
            }
            if (!Double.isFinite(n.getGradNormSq()) || !(n.getGradNormSqStderr() >= 0) || Double.isInfinite(n.getGradNormSqStderr())
                    || !(n.getNoiseTrace() >= 0) || Double.isInfinite(n.getNoiseTrace())) {
                throw new WireFormatException("gradient-noise probe at step " + p.getStep() + " of run " + p.getRunId()
                        + " needs a finite gradient estimate and a finite, non-negative standard error and noise trace, got "
                        + n.getGradNormSq() + ", " + n.getGradNormSqStderr() + ", " + n.getNoiseTrace());
            }
        }
        if (p.hasHessian() && p.getHessian().hasPreconditionedMaxEigenvalue()
                && !Double.isFinite(p.getHessian().getPreconditionedMaxEigenvalue())) {
            throw new WireFormatException("Hessian probe at step " + p.getStep() + " of run " + p.getRunId()
                    + " has a non-finite preconditioned_max_eigenvalue " + p.getHessian().getPreconditionedMaxEigenvalue()
                    + " (leave it unset when there is none)");
        }
        if (p.hasLinearPath()) {
            var lp = p.getLinearPath();
            if (lp.getTrainLossCount() != lp.getAlphaCount()
                    || (lp.getValidationLossCount() != 0 && lp.getValidationLossCount() != lp.getAlphaCount())) {
                throw new WireFormatException("linear-path probe at step " + p.getStep() + " has " + lp.getAlphaCount()
                        + " alphas but " + lp.getTrainLossCount() + " train and " + lp.getValidationLossCount()
                        + " validation losses");
            }
            for (double a : lp.getAlphaList()) {
                if (!Double.isFinite(a)) {
                    throw new WireFormatException("linear-path probe at step " + p.getStep() + " of run " + p.getRunId()
                            + " has a non-finite alpha " + a);
                }
            }
        }
        return p;
    }

    static Snapshot validate(Snapshot s) {
        requireRunId(s.getRunId(), "snapshot");
        if (s.getStep() < 0) {
            throw new WireFormatException("snapshot step must be >= 0, got " + s.getStep() + " (run " + s.getRunId() + ")");
        }
        if (!s.hasParameters() || !Vectors.isExact(s.getParameters())) {
            throw new WireFormatException("snapshot of run " + s.getRunId() + " at step " + s.getStep()
                    + " must carry FLOAT32 parameters");
        }
        Vectors.validate("parameters of snapshot " + s.getStep(), s.getParameters());
        return s;
    }

    static RunEnded validate(RunEnded r) {
        requireRunId(r.getRunId(), "run-ended");
        return r;
    }

    private static void requireRunId(String runId, String what) {
        if (runId.isEmpty()) {
            throw new WireFormatException(what + " record has an empty run_id");
        }
        String problem = Ids.problem("run_id of " + what + " record", runId, false);
        if (problem != null) {
            throw new WireFormatException(problem);
        }
    }

    private static void requireExperimentId(String experimentId, String what) {
        String problem = Ids.problem("experiment_id of " + what + " record", experimentId, true);
        if (problem != null) {
            throw new WireFormatException(problem);
        }
    }

    private static void requireEventTime(String what, long eventTimeMs, String run, long step) {
        if (eventTimeMs < MIN_EVENT_TIME_MS || eventTimeMs > MAX_EVENT_TIME_MS) {
            throw new WireFormatException(what + " event_time_ms must be in [" + MIN_EVENT_TIME_MS + ", " + MAX_EVENT_TIME_MS
                    + "] (years 2000 to 2100), got " + eventTimeMs + " (run " + run + ", step " + step + ")");
        }
    }

    private static void requireNonNegative(String field, double value, Step s) {
        if (value < 0) {
            throw new WireFormatException(field + " must be >= 0, got " + value + " (run " + s.getRunId() + ", step " + s.getStep()
                    + ")");
        }
    }

    private static void requireFinite(String field, double value, Step s) {
        if (!Double.isFinite(value)) {
            throw new WireFormatException(field + " must be finite, got " + value + " (run " + s.getRunId()
                    + ", step " + s.getStep() + ")");
        }
    }
}
