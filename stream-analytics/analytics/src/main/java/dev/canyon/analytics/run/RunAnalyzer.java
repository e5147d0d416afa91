package dev.canyon.analytics.run;

import dev.canyon.analytics.StepPoints;
import dev.canyon.kernels.distance.DistanceTravelled;
import dev.canyon.kernels.indicators.ObstacleIndicators;
import dev.canyon.kernels.obstacle.ObstacleClassifier;
import dev.canyon.kernels.obstacle.ObstacleState;
import dev.canyon.kernels.path.LinearPathSummary;
import dev.canyon.kernels.pca.RandomWalkControl;
import dev.canyon.kernels.pca.TrajectoryPca;
import dev.canyon.kernels.stall.StallDetector;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.PointTime;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Encoding;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.TensorVector;
import dev.canyon.kernels.sketch.CountSketch;
import dev.canyon.storage.StoredPoint;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything the stream computes for one run, in one object that the Flink job keeps as keyed
 * state (pure: no Flink or Kafka here). Fed the run's records in any interleaving of topics:
 *
 * <ul>
 *   <li>{@link #onStep}: distance travelled (from FULL vectors when the run ships them, else from the
 *       trainer's exact scalars), the {@link StallDetector}, the windowed {@link ObstacleIndicators},
 *       the trajectory {@link TrajectoryPca} of θ_t − θ_0 with its {@link RandomWalkControl}, and every
 *       {@link Settings#emitEvery} steps the indicators, the {@link ObstacleClassifier}'s decision and
 *       the PCA as points;
 *   <li>{@link #onProbe}: same-batch curvature, Hessian extremes and linear-path curves (with their
 *       {@link LinearPathSummary}), which later windows use as evidence;
 *   <li>{@link #onRunStarted}: θ_0 (for distances between runs of one experiment);
 *   <li>{@link #onRunEnded}: once every step up to the run's last has been seen, resolves open
 *       alerts and drops the heavy state (a finished run keeps a few numbers until the job's state
 *       TTL removes it);
 *   <li>{@link #onNonFiniteStep}: a step whose loss or gradient is NaN or infinite cannot be used,
 *       but it is evidence of divergence: it opens the divergence alert and sets DIVERGING;
 *   <li>{@link #onClock}: silence.
 * </ul>
 *
 * PCA space: a run's sketches as they are; FULL or half vectors as they are up to {@link
 * Settings#pcaMaxDimension} values, above that CountSketched in the stream to {@link
 * Settings#streamSketchSize} with the experiment's seed (so all runs of an experiment share the
 * space). A step that cannot be used is rejected with {@link Rejected}, state unchanged.
 */
public final class RunAnalyzer {

    /**
     * Settings, validated.
     *
     * @param window steps in the indicators' sliding window; the obstacle state is decided once it is full
     * @param emitEvery steps between indicator, obstacle and PCA points; also the PCA's sampling
     *     interval: θ_t enters the PCA (and the control walk's position its PCA) at every emitEvery-th
     *     step, which costs a tenth of sampling every step and changes the explained variances of a
     *     training trajectory by far less than the 0.01 bar (RunAnalyzerTest checks against batch PCA
     *     of every point)
     * @param pcaRows Frequent Directions rows ℓ (memory 2ℓ × space doubles, twice with the control)
     * @param pcaMaxDimension largest exact vector the PCA takes as it is
     * @param streamSketchSize sketch size for larger exact vectors
     * @param crossRunEvery steps between positions offered for cross-run distances (0: none)
     * @param hessianFreshness a Hessian probe older than this many steps is not used as evidence
     * @param stall stall-alert thresholds
     * @param thresholds classifier thresholds
     */
    public record Settings(int window, int emitEvery, int pcaRows, int pcaMaxDimension, int streamSketchSize, int crossRunEvery,
            int hessianFreshness, StallDetector.Config stall, ObstacleClassifier.Thresholds thresholds) implements Serializable {
        public Settings {
            if (window < 4) {
                throw new IllegalArgumentException("window must be at least 4 steps, got " + window);
            }
            if (emitEvery < 1 || pcaRows < 2 || pcaMaxDimension < 1 || streamSketchSize < 1 || crossRunEvery < 0
                    || hessianFreshness < 1) {
                throw new IllegalArgumentException("emitEvery, hessianFreshness >= 1, pcaRows >= 2, sizes >= 1, crossRunEvery >= 0 "
                        + "required, got " + emitEvery + ", " + hessianFreshness + ", " + pcaRows + ", " + pcaMaxDimension + "/"
                        + streamSketchSize + ", " + crossRunEvery);
            }
        }

        /**
         * Window 50 steps, points every 10 steps, ℓ = 8 rows, exact PCA up to 4,096 values and a
         * 1,024-dimensional sketch above, cross-run positions every 50 steps, Hessian probes
         * usable for 200 steps; DESIGN.md's stall defaults; the classifier's default thresholds.
         */
        public static Settings defaults() {
            return new Settings(50, 10, 8, 4096, 1024, 50, 200, StallDetector.Config.defaults(),
                    ObstacleClassifier.Thresholds.defaults());
        }

        public Settings withWindow(int w, int every) {
            return new Settings(w, every, pcaRows, pcaMaxDimension, streamSketchSize, crossRunEvery, hessianFreshness, stall,
                    thresholds);
        }

        public Settings withStall(StallDetector.Config s) {
            return new Settings(window, emitEvery, pcaRows, pcaMaxDimension, streamSketchSize, crossRunEvery, hessianFreshness, s,
                    thresholds);
        }

        public Settings withThresholds(ObstacleClassifier.Thresholds t) {
            return new Settings(window, emitEvery, pcaRows, pcaMaxDimension, streamSketchSize, crossRunEvery, hessianFreshness,
                    stall, t);
        }

        public Settings withCrossRunEvery(int every) {
            return new Settings(window, emitEvery, pcaRows, pcaMaxDimension, streamSketchSize, every, hessianFreshness, stall,
                    thresholds);
        }
    }

    /** A step or record that cannot be used, with the reason; the analyzer's state is unchanged. */
    public static final class Rejected extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public Rejected(String reason) {
            super(reason);
        }
    }

    /** An alert opening or resolving, with the obstacle state of its run at the time. */
    public record Transition(StallDetector.Kind kind, boolean open, long step, long eventTimeMs, String evidence,
            String obstacleState) {}

    /** θ_t at an aligned step, in the run's PCA space (for cross-run distances). */
    public record Position(long step, long eventTimeMs, float[] theta) {}

    /** What one input produced. */
    public static final class Output {
        public final List<StoredPoint> points = new ArrayList<>(8);
        public final List<Transition> alerts = new ArrayList<>(1);
        /** θ_t at aligned steps: at the step itself once θ_0 is known, or all held ones when θ_0 arrives. */
        public final List<Position> positions = new ArrayList<>(1);
    }

    /**
     * PCA points come every this many {@code emitEvery} intervals (every 50 steps by default; every
     * interval while the PCA holds fewer than 10 samples): a Rayleigh-Ritz solve costs a few dozen
     * passes over the space, and the explained variances of a trajectory move slowly.
     */
    static final int PCA_EMISSION_FACTOR = 5;

    /** Aligned positions held while θ_0 is unknown (as many as the cross-run distances keep). */
    static final int MAX_HELD_POSITIONS = 32;

    private Settings settings;
    private String run = "";
    private String experiment = "";
    private long lastStep;
    private long steps;
    private int dimension;
    private long lastEventTimeMs;
    private double learningRate = Double.NaN;
    private int batchSize;
    private double paramNorm = Double.NaN;
    private long endedAtStep = -1;
    /** Highest step number seen, usable or not (a non-finite last step still ends the run). */
    private long lastSeenStep;
    private boolean finished;

    private DistanceTravelled exact;
    private double pathLength;
    private StallDetector stall;
    private ObstacleIndicators indicators;
    private ObstacleState state;
    private String stateEvidence = "";

    private double lambdaMax = Double.NaN;
    private double lambdaMin = Double.NaN;
    private long hessianStep = Long.MIN_VALUE;
    private double probeCurvature = Double.NaN;
    private long curvatureStep = Long.MIN_VALUE;

    private int space;
    private boolean streamSketched;
    private float[] position;
    private float[] initial;
    private TrajectoryPca pca;
    private RandomWalkControl control;
    private List<Position> heldPositions;
    private double[] previousPc1;
    private double[] previousPc2;
    private transient CountSketch streamSketch;

    /** θ_0 + (θ_t − θ_0), or null if the spaces differ. */
    private Position placed(Position displaced) {
        if (initial.length != displaced.theta().length) {
            return null;
        }
        float[] theta = displaced.theta();
        for (int i = 0; i < theta.length; i++) {
            theta[i] += initial[i];
        }
        return displaced;
    }

    /** Kryo and tests. */
    RunAnalyzer() {}

    public RunAnalyzer(Settings settings) {
        this.settings = settings;
        this.stall = new StallDetector(settings.stall());
        this.indicators = new ObstacleIndicators(settings.window());
    }

    public String run() {
        return run;
    }

    public String experiment() {
        return experiment;
    }

    public long lastStep() {
        return lastStep;
    }

    public long steps() {
        return steps;
    }

    public double pathLength() {
        return pathLength;
    }

    /** The latest obstacle state, null before the first full window. */
    public ObstacleState state() {
        return state;
    }

    public String stateEvidence() {
        return stateEvidence;
    }

    /** Whether the run ended and every one of its steps was seen. */
    public boolean finished() {
        return finished;
    }

    /** Whether the per-run analytics take {@code d}: a step, a probe, a run's start or its end. */
    public static boolean accepts(WireRecords.Decoded d) {
        return d instanceof WireRecords.DecodedStep || d instanceof WireRecords.DecodedProbe
                || d instanceof WireRecords.DecodedRunStarted || d instanceof WireRecords.DecodedRunEnded;
    }

    /**
     * One decoded record that {@link #accepts} takes, dispatched to {@link #onStep}, {@link #onProbe},
     * {@link #onRunStarted} or {@link #onRunEnded}. Throws {@link Rejected} (state unchanged) when it cannot be
     * used, and IllegalArgumentException for a kind it does not take.
     */
    public Output onRecord(WireRecords.Decoded d, long arrivalMs) {
        if (d instanceof WireRecords.DecodedStep s) {
            return onStep(s.record(), arrivalMs);
        } else if (d instanceof WireRecords.DecodedProbe p) {
            return onProbe(p.record());
        } else if (d instanceof WireRecords.DecodedRunStarted r) {
            return onRunStarted(r.record());
        } else if (d instanceof WireRecords.DecodedRunEnded r) {
            return onRunEnded(r.record());
        }
        throw new IllegalArgumentException(d.getClass().getSimpleName() + " records are not per-run analytics input");
    }

    /** One step. Throws {@link Rejected} (state unchanged) when it cannot be used. */
    public Output onStep(Step step, long arrivalMs) {
        if (finished) {
            throw new Rejected("step " + step.getStep() + " of run " + step.getRunId() + " arrived after the run ended at step "
                    + endedAtStep);
        }
        if (steps > 0 && step.getStep() <= lastStep) {
            throw new Rejected((step.getStep() == lastStep ? "duplicate" : "out-of-order") + " step " + step.getStep() + " of run "
                    + step.getRunId() + " (last accepted step " + lastStep + ")");
        }
        int d = step.getDelta().getDimension();
        if (dimension != 0 && d != dimension) {
            throw new Rejected("delta of step " + step.getStep() + " has " + d + " values, this run's earlier deltas had " + dimension);
        }
        // Everything that can fail is checked before any state changes.
        double gradNorm;
        double stepLength;
        double displacement;
        float[] fullDelta = null;
        if (Vectors.isExact(step.getDelta()) && Vectors.isExact(step.getGradient())) {
            fullDelta = Vectors.toFloats(step.getDelta());
            gradNorm = StepPoints.norm(Vectors.toFloats(step.getGradient()));
            if (!Double.isFinite(gradNorm)) {
                throw new Rejected("gradient of step " + step.getStep() + " contains NaN or infinite values");
            }
            stepLength = StepPoints.norm(fullDelta);
            if (!Double.isFinite(stepLength)) {
                throw new Rejected("delta of step " + step.getStep() + ": delta contains NaN or infinite values");
            }
            displacement = Double.NaN; // after the update below
        } else {
            gradNorm = step.getScalars().getGradNorm();
            stepLength = step.getScalars().getDeltaNorm();
            displacement = step.getScalars().getDisplacement();
        }
        float[] moved = null;
        if (step.hasDelta() && step.getDelta().getDimension() > 0) {
            moved = fullDelta != null && !needsStreamSketch(d) ? fullDelta : toSpace(step.getDelta(), step.getExperimentId());
            if (moved != null && moved != fullDelta && !Double.isFinite(StepPoints.norm(moved))) {
                throw new Rejected("delta of step " + step.getStep() + " contains NaN or infinite values");
            }
            if (moved != null && space != 0 && moved.length != space) {
                throw new Rejected("delta of step " + step.getStep() + " lives in " + moved.length
                        + " dimensions, this run's earlier vectors in " + space);
            }
        }

        Output out = new Output();
        run = step.getRunId();
        experiment = step.getExperimentId();
        if (fullDelta != null) {
            if (exact == null) {
                exact = new DistanceTravelled();
            }
            exact.update(fullDelta);
            displacement = exact.displacement();
        }
        dimension = d;
        pathLength += stepLength;
        steps++;
        lastStep = step.getStep();
        lastSeenStep = Math.max(lastSeenStep, lastStep);
        lastEventTimeMs = step.getEventTimeMs();
        learningRate = step.getLearningRate();
        batchSize = step.getBatchSize();
        paramNorm = step.getScalars().getParamNorm();
        out.points.addAll(StepPoints.of(step, gradNorm, stepLength, pathLength, displacement));

        alerts(stall.onStep(step.getStep(), arrivalMs, step.getLoss(), gradNorm), out);
        var sc = step.getScalars();
        indicators.update(new ObstacleIndicators.StepInput(step.getStep(), step.getLoss(), step.getBatchSize(), gradNorm,
                sc.getDeltaNorm(), sc.getGradDotDelta(), sc.getGradDotPrevGrad(), sc.getGradDotPrevDelta()));
        if (moved != null) {
            move(moved);
        }
        if (lastStep % settings.emitEvery() == 0) {
            emitWindow(out);
        }
        if (settings.crossRunEvery() > 0 && lastStep % settings.crossRunEvery() == 0 && position != null) {
            // θ_t − θ_0 now; θ_0 is added when known (RunStarted comes on another topic, so it may come later).
            Position displaced = new Position(lastStep, lastEventTimeMs, position.clone());
            if (initial != null) {
                Position placed = placed(displaced);
                if (placed != null) {
                    out.positions.add(placed);
                }
            } else {
                if (heldPositions == null) {
                    heldPositions = new ArrayList<>();
                }
                heldPositions.add(displaced);
                if (heldPositions.size() > MAX_HELD_POSITIONS) {
                    heldPositions.remove(0);
                }
            }
        }
        if (endedAtStep >= 0 && lastSeenStep >= endedAtStep) {
            finish(out, "after step " + endedAtStep);
        }
        return out;
    }

    private boolean needsStreamSketch(int d) {
        return d > settings.pcaMaxDimension();
    }

    /** A vector in this run's PCA space (null if it cannot be placed there). */
    private float[] toSpace(TensorVector v, String experimentId) {
        if (v.getEncoding() == Encoding.SKETCH_FLOAT32) {
            return Vectors.toFloats(v);
        }
        float[] x = Vectors.toFloats(v);
        if (!needsStreamSketch(x.length)) {
            return x;
        }
        long seed = CountSketch.seedFor(experimentId);
        if (streamSketch == null || streamSketch.dimension() != x.length || streamSketch.seed() != seed) {
            streamSketch = new CountSketch(x.length, settings.streamSketchSize(), seed);
        }
        return streamSketch.apply(x);
    }

    private void move(float[] v) {
        streamSketched = streamSketch != null;
        if (position == null) {
            space = v.length;
            position = new float[space];
            pca = new TrajectoryPca(space, settings.pcaRows());
            pca.update(position);
            control = new RandomWalkControl(space, settings.pcaRows(), run.hashCode() * 31L + experiment.hashCode());
        }
        double length = 0;
        for (int i = 0; i < space; i++) {
            position[i] += v[i];
            length += (double) v[i] * v[i];
        }
        boolean sample = lastStep % settings.emitEvery() == 0;
        if (sample) {
            pca.update(position);
        }
        control.step(Math.sqrt(length), sample);
    }

    /** The indicators, the obstacle decision (once the window is full) and the PCA, as points. */
    private void emitWindow(Output out) {
        ObstacleIndicators.Window w = indicators.window();
        long time = PointTime.ofStep(lastEventTimeMs, lastStep);
        boolean hessianFresh = lastStep - hessianStep <= settings.hessianFreshness();
        boolean curvatureFresh = lastStep - curvatureStep <= settings.window();
        double curvature = curvatureFresh ? probeCurvature : w.curvature();
        double lMax = hessianFresh ? lambdaMax : Double.NaN;
        double lMin = hessianFresh ? lambdaMin : Double.NaN;
        double stability = learningRate * lMax / 2;
        out.points.add(base(Measurements.INDICATORS, time)
                .field(Measurements.FIELD_WINDOW, (long) w.steps())
                .fieldIfFinite(Measurements.FIELD_GRAD_NORM_MEAN, w.meanGradNorm())
                .fieldIfFinite(Measurements.FIELD_GRAD_NORM_TREND, w.gradNormTrend())
                .fieldIfFinite(Measurements.FIELD_UPHILL_FRACTION, w.uphillFraction())
                .fieldIfFinite(Measurements.FIELD_SUCCESSIVE_COSINE, w.successiveCosine())
                .fieldIfFinite(Measurements.FIELD_NOISE_SCALE, w.noiseScale())
                .fieldIfFinite(Measurements.FIELD_CURVATURE, curvature)
                .field(Measurements.FIELD_CURVATURE_SOURCE, curvatureFresh ? "probe" : "scalars")
                .fieldIfFinite(Measurements.FIELD_TAYLOR_PREDICTED, w.predictedLossChange())
                .fieldIfFinite(Measurements.FIELD_TAYLOR_OBSERVED, w.observedLossChange())
                .fieldIfFinite(Measurements.FIELD_STABILITY_RATIO, stability)
                .fieldIfFinite(Measurements.FIELD_LAMBDA_MAX, lMax)
                .fieldIfFinite(Measurements.FIELD_LAMBDA_MIN, lMin)
                .build());
        if (indicators.isFull()) {
            ObstacleClassifier.Decision decision = new ObstacleClassifier(settings.thresholds()).classify(
                    new ObstacleClassifier.Evidence(true, w.lossStart(), w.lossEnd(), w.meanGradNorm(), paramNorm,
                            w.uphillFraction(), w.successiveCosine(), w.noiseScale(), batchSize, lMax, lMin, learningRate));
            decide(decision.state(), decision.evidence(), time, out);
        }
        if (pca != null && pca.count() >= 3 && (lastStep % (PCA_EMISSION_FACTOR * settings.emitEvery()) == 0 || pca.count() < 10)) {
            TrajectoryPca.Result r = pca.result(3);
            double[] ctrl = control.explainedVarianceRatios(3);
            StoredPoint.Builder b = base(Measurements.PCA, time).field(Measurements.FIELD_PCA_DIMENSION, (long) space);
            for (int i = 0; i < r.explainedVarianceRatios().length; i++) {
                b.field(Measurements.FIELD_EVR_PREFIX + (i + 1), r.explainedVarianceRatios()[i]);
            }
            for (int i = 0; i < ctrl.length; i++) {
                b.field(Measurements.FIELD_CONTROL_EVR_PREFIX + (i + 1), ctrl[i]);
            }
            double[][] c = r.components();
            if (c.length >= 1) {
                previousPc1 = align(c[0], previousPc1);
                b.field(Measurements.FIELD_PC1, project(previousPc1, r.mean()));
            }
            if (c.length >= 2) {
                previousPc2 = align(c[1], previousPc2);
                b.field(Measurements.FIELD_PC2, project(previousPc2, r.mean()));
            }
            out.points.add(b.build());
        }
    }

    /** {@code c}, its sign flipped if it points away from the previous component (components have no sign). */
    private static double[] align(double[] c, double[] previous) {
        if (previous != null && previous.length == c.length) {
            double dot = 0;
            for (int i = 0; i < c.length; i++) {
                dot += c[i] * previous[i];
            }
            if (dot < 0) {
                for (int i = 0; i < c.length; i++) {
                    c[i] = -c[i];
                }
            }
        }
        return c;
    }

    private double project(double[] component, double[] mean) {
        double s = 0;
        for (int i = 0; i < component.length; i++) {
            s += (position[i] - mean[i]) * component[i];
        }
        return s;
    }

    private void decide(ObstacleState next, String evidence, long time, Output out) {
        state = next;
        stateEvidence = evidence;
        out.points.add(base(Measurements.OBSTACLE, time)
                .field(Measurements.FIELD_STATE, next.name())
                .field(Measurements.FIELD_STATE_CODE, (long) next.ordinal())
                .field(Measurements.FIELD_EVIDENCE, evidence)
                .build());
    }

    /**
     * A step whose loss or gradient norm is not finite (the record itself goes to the dead letters):
     * opens the divergence alert and sets DIVERGING. Ignored after the run finished or for a step
     * at or before the last accepted one.
     */
    public Output onNonFiniteStep(Step step, long arrivalMs) {
        Output out = new Output();
        if (finished || (steps > 0 && step.getStep() <= lastStep)) {
            return out;
        }
        run = step.getRunId();
        experiment = step.getExperimentId();
        lastEventTimeMs = step.getEventTimeMs();
        lastSeenStep = Math.max(lastSeenStep, step.getStep());
        alerts(stall.onStep(step.getStep(), arrivalMs, step.getLoss(), step.getScalars().getGradNorm()), out);
        if (state != ObstacleState.DIVERGING || !stateEvidence.startsWith("non-finite")) {
            decide(ObstacleState.DIVERGING, String.format(Locale.ROOT, "non-finite values at step %d: loss %s, gradient norm %s",
                    step.getStep(), step.getLoss(), step.getScalars().getGradNorm()), PointTime.ofStep(step.getEventTimeMs(),
                    step.getStep()), out);
        }
        if (endedAtStep >= 0 && lastSeenStep >= endedAtStep) {
            finish(out, "after step " + endedAtStep);
        }
        return out;
    }

    /** A probe of this run: points for it, and evidence for later windows. */
    public Output onProbe(Probe p) {
        Output out = new Output();
        long time = PointTime.ofStep(p.getEventTimeMs(), p.getStep());
        switch (p.getKindCase()) {
            case CURVATURE -> {
                var c = p.getCurvature();
                if (p.getStep() >= curvatureStep && Double.isFinite(c.getAlongStep())) {
                    probeCurvature = c.getAlongStep();
                    curvatureStep = p.getStep();
                }
                out.points.add(probeBase(Measurements.CURVATURE_PROBE, time, p)
                        .fieldIfFinite(Measurements.FIELD_ALONG_STEP, c.getAlongStep())
                        .fieldIfFinite(Measurements.FIELD_ALONG_GRADIENT, c.getAlongGradient())
                        .build());
            }
            case HESSIAN -> {
                var h = p.getHessian();
                if (p.getStep() >= hessianStep && Double.isFinite(h.getMaxEigenvalue()) && Double.isFinite(h.getMinEigenvalue())) {
                    lambdaMax = h.getMaxEigenvalue();
                    lambdaMin = h.getMinEigenvalue();
                    hessianStep = p.getStep();
                }
                out.points.add(probeBase(Measurements.HESSIAN, time, p)
                        .fieldIfFinite(Measurements.FIELD_LAMBDA_MAX, h.getMaxEigenvalue())
                        .fieldIfFinite(Measurements.FIELD_LAMBDA_MIN, h.getMinEigenvalue())
                        .fieldIfFinite(Measurements.FIELD_TRACE, h.getTrace())
                        .fieldIfFinite(Measurements.FIELD_STABILITY_RATIO, learningRate * h.getMaxEigenvalue() / 2)
                        .build());
            }
            case LINEAR_PATH -> linearPath(p, time, out);
            default -> throw new Rejected("probe of run " + p.getRunId() + " at step " + p.getStep() + " carries no result");
        }
        if (run.isEmpty()) {
            run = p.getRunId();
            experiment = p.getExperimentId();
        }
        return out;
    }

    private void linearPath(Probe p, long time, Output out) {
        var lp = p.getLinearPath();
        double[] alpha = lp.getAlphaList().stream().mapToDouble(Double::doubleValue).toArray();
        double[] train = lp.getTrainLossList().stream().mapToDouble(Double::doubleValue).toArray();
        double[] validation = lp.getValidationLossList().stream().mapToDouble(Double::doubleValue).toArray();
        LinearPathSummary trainSummary;
        LinearPathSummary validationSummary = null;
        try {
            trainSummary = LinearPathSummary.of(alpha, train);
            if (validation.length > 0) {
                validationSummary = LinearPathSummary.of(alpha, validation);
            }
        } catch (IllegalArgumentException e) {
            throw new Rejected("linear-path probe of run " + p.getRunId() + " at step " + p.getStep() + ": " + e.getMessage());
        }
        for (int i = 0; i < alpha.length; i++) {
            // One point per α, after the probe's own time (alerts use offsets 1000..3000 ns; no step arrives in the same ns).
            StoredPoint.Builder b = probeBase(Measurements.LINEAR_PATH, time + 10_000L * (i + 1), p)
                    .field(Measurements.FIELD_ALPHA, alpha[i])
                    .fieldIfFinite(Measurements.FIELD_TRAIN_LOSS, train[i]);
            if (validation.length > 0) {
                b.fieldIfFinite(Measurements.FIELD_VALIDATION_LOSS, validation[i]);
            }
            out.points.add(b.build());
        }
        StoredPoint.Builder s = probeBase(Measurements.LINEAR_PATH_SUMMARY, time, p)
                .field(Measurements.FIELD_MONOTONE, trainSummary.monotone() ? 1L : 0L)
                .fieldIfFinite(Measurements.FIELD_BARRIER, trainSummary.barrier());
        if (validationSummary != null) {
            s.field(Measurements.FIELD_VALIDATION_MONOTONE, validationSummary.monotone() ? 1L : 0L)
                    .fieldIfFinite(Measurements.FIELD_VALIDATION_BARRIER, validationSummary.barrier());
        }
        out.points.add(s.build());
    }

    /** The run announced itself: keeps θ_0 in the PCA space for cross-run distances. */
    public Output onRunStarted(RunStarted r) {
        run = r.getRunId();
        experiment = r.getExperimentId();
        Output out = new Output();
        if (r.hasInitialParameters() && initial == null && !finished) {
            // NaN and infinities survive a sketch, so checking θ_0 in the PCA space checks the vector.
            float[] theta0 = toSpace(r.getInitialParameters(), r.getExperimentId());
            if (!Double.isFinite(StepPoints.norm(theta0))) {
                throw new Rejected("initial parameters of run " + r.getRunId() + " contain NaN or infinite values");
            }
            if (space == 0 || theta0.length == space) {
                initial = theta0;
                if (heldPositions != null) {
                    for (Position p : heldPositions) {
                        Position placed = placed(p);
                        if (placed != null) {
                            out.positions.add(placed);
                        }
                    }
                    heldPositions = null;
                }
            }
        }
        return out;
    }

    /** The run ended: finishes now if every step was seen, else when its last step arrives. */
    public Output onRunEnded(RunEnded r) {
        Output out = new Output();
        if (finished) {
            return out;
        }
        run = r.getRunId();
        endedAtStep = r.getSteps();
        if (lastSeenStep >= endedAtStep) {
            finish(out, "after step " + endedAtStep);
        }
        return out;
    }

    private void finish(Output out, String reason) {
        alerts(stall.onEnd(reason), out);
        finished = true;
        exact = null;
        indicators = null;
        pca = null;
        control = null;
        position = null;
        initial = null;
        heldPositions = null;
        previousPc1 = null;
        previousPc2 = null;
        streamSketch = null;
    }

    /** A processing-time tick: a silence alert if no step arrived for the configured time. */
    public Output onClock(long nowMs) {
        Output out = new Output();
        if (!finished) {
            alerts(stall.onClock(nowMs), out);
        }
        return out;
    }

    private void alerts(List<StallDetector.Alert> alerts, Output out) {
        for (StallDetector.Alert a : alerts) {
            String obstacle = state == null ? "" : state.name();
            String evidence = state == null ? a.evidence() : a.evidence() + "; obstacle " + state + ": " + stateEvidence;
            out.alerts.add(new Transition(a.kind(), a.open(), a.step(), lastEventTimeMs, evidence, obstacle));
            // Time from the data: the alert's step, shifted by kind so that two kinds at one step stay distinct.
            // Resolving 100 ns after opening: an alert that opens and resolves at one step keeps both points.
            long time = PointTime.ofStep(lastEventTimeMs, a.step()) + 1000L * (a.kind().ordinal() + 1) + (a.open() ? 0 : 100);
            StoredPoint.Builder b = StoredPoint.builder(Measurements.ALERTS, time)
                    .tag(Measurements.TAG_RUN, run)
                    .tag(Measurements.TAG_EXPERIMENT, experiment)
                    .tag(Measurements.TAG_KIND, a.kind().name().toLowerCase(Locale.ROOT))
                    .field(Measurements.FIELD_STEP, a.step())
                    .field(Measurements.FIELD_OPEN, a.open() ? 1L : 0L)
                    .field(Measurements.FIELD_EVIDENCE, evidence);
            if (!obstacle.isEmpty()) {
                b.field(Measurements.FIELD_OBSTACLE_STATE, obstacle);
            }
            out.points.add(b.build());
        }
    }

    private StoredPoint.Builder base(String measurement, long time) {
        return StoredPoint.builder(measurement, time)
                .tag(Measurements.TAG_RUN, run)
                .tag(Measurements.TAG_EXPERIMENT, experiment)
                .field(Measurements.FIELD_STEP, lastStep);
    }

    private static StoredPoint.Builder probeBase(String measurement, long time, Probe p) {
        return StoredPoint.builder(measurement, time)
                .tag(Measurements.TAG_RUN, p.getRunId())
                .tag(Measurements.TAG_EXPERIMENT, p.getExperimentId())
                .field(Measurements.FIELD_STEP, p.getStep());
    }

    /** Whether the PCA runs on a sketch the stream made (large exact vectors). */
    public boolean streamSketched() {
        return streamSketched;
    }

    /** The PCA's space (0 before the first vector). */
    public int space() {
        return space;
    }
}
