package dev.canyon.analytics.run;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.At;
import dev.canyon.analytics.update.ObstacleDecision;
import dev.canyon.analytics.update.PcaSnapshot;
import dev.canyon.analytics.update.Position;
import dev.canyon.analytics.update.ProbeResult;
import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.Update;
import dev.canyon.analytics.update.WindowIndicators;
import dev.canyon.kernels.distance.DistanceTravelled;
import dev.canyon.kernels.indicators.ObstacleIndicators;
import dev.canyon.kernels.obstacle.ObstacleClassifier;
import dev.canyon.kernels.obstacle.ObstacleState;
import dev.canyon.kernels.path.LinearPathSummary;
import dev.canyon.kernels.pca.RandomWalkControl;
import dev.canyon.kernels.pca.TrajectoryPca;
import dev.canyon.kernels.vector.VectorOps;
import dev.canyon.kernels.stall.StallDetector;
import dev.canyon.kernels.stability.OptimizerSpec;
import dev.canyon.kernels.stability.StabilityRatio;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Encoding;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.TensorVector;
import dev.canyon.kernels.sketch.CountSketch;
import dev.canyon.kernels.StateFormat;
import dev.canyon.kernels.StateFormatException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
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
 *       {@link AnalyticsSettings#emitEvery} steps the indicators, the {@link ObstacleClassifier}'s decision and
 *       the PCA as points; every step the per-layer norms ({@link LayerScalars}) from the record's
 *       per-tensor scalars;
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
 * AnalyticsSettings#pcaMaxDimension} values, above that CountSketched in the stream to {@link
 * AnalyticsSettings#streamSketchSize} with the experiment's seed (so all runs of an experiment share the
 * space). A step that cannot be used is rejected with {@link Rejected}, state unchanged.
 */
public final class RunAnalyzer {

    /** A step or record that cannot be used, with the reason; the analyzer's state is unchanged. */
    public static final class Rejected extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public Rejected(String reason) {
            super(reason);
        }
    }

    /** θ_t − θ_0 at an aligned step, held until θ_0 is known. */
    private record Held(At at, float[] displacement) {}

    /**
     * PCA points come every this many {@code emitEvery} intervals (every 50 steps by default; every
     * interval while the PCA holds fewer than 10 samples): a Rayleigh-Ritz solve costs a few dozen
     * passes over the space, and the explained variances of a trajectory move slowly.
     */
    static final int PCA_EMISSION_FACTOR = 5;

    /** Aligned positions held while θ_0 is unknown (as many as the cross-run distances keep). */
    static final int MAX_HELD_POSITIONS = 32;

    private AnalyticsSettings settings;
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
    /** The first step accepted: 1 when the analytics saw the run from its start, more when they met it under way. */
    private long firstStep;
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
    /** Adam's λmax(P⁻¹H) of the latest Hessian probe (NaN without). */
    private double preconditionedLambdaMax = Double.NaN;
    private long hessianStep = Long.MIN_VALUE;
    /** The run's optimizer, from its run-started record. */
    private OptimizerSpec optimizer = OptimizerSpec.unknown();
    private double probeCurvature = Double.NaN;
    private long curvatureStep = Long.MIN_VALUE;

    /** A same-point probe kept as evidence. */
    private record NoiseProbe(long step, double gradNormSq, double stderr, double trace) {}

    /** Same-point probes kept as evidence (at most this many, newest last). */
    static final int MAX_NOISE_PROBES = 32;
    /** Largest η_eff·λmax at which the cross-batch noise scale is used (its bias is about −η·λ·tr(Σ)/B against a tr(Σ)/B noise). */
    static final double SCALAR_NOISE_MAX_STEP = 0.2;
    private ArrayList<NoiseProbe> noiseProbes = new ArrayList<>();
    /** The state the latest windows' evidence points to, and for how many windows in a row. */
    private ObstacleState candidate;
    private int candidateWindows;
    private String candidateEvidence = "";
    /** One emitted window's loss: its last step, mean minibatch loss, σ̂ and steps. */
    private record WindowLoss(long step, double mean, double noise, int steps) {}
    /** The latest windows' losses (at most {@link #MAX_WINDOW_LOSSES}), for the long-horizon comparison. */
    private ArrayList<WindowLoss> windowLosses = new ArrayList<>();
    static final int MAX_WINDOW_LOSSES = 64;

    /** The run's vector representation (encoding, sketch size and seed), fixed by its first accepted step. */
    private String vectorIdentity;
    private int space;
    private boolean streamSketched;
    private float[] position;
    private float[] initial;
    private TrajectoryPca pca;
    private RandomWalkControl control;
    private List<Held> heldPositions;
    private double[] previousPc1;
    private double[] previousPc2;
    private transient CountSketch streamSketch;

    /** θ_0 + (θ_t − θ_0), or null if the spaces differ. */
    private Position placed(Held held) {
        if (initial.length != held.displacement().length) {
            return null;
        }
        float[] theta = held.displacement();
        for (int i = 0; i < theta.length; i++) {
            theta[i] += initial[i];
        }
        return new Position(held.at(), theta);
    }

    /** {@link #readFrom} and tests. */
    RunAnalyzer() {}

    public RunAnalyzer(AnalyticsSettings settings) {
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

    /**
     * θ_0 in this run's PCA space, the space of its {@link Position}s (full or half vectors as they
     * are, the trainer's sketch, or the stream's sketch of large vectors): what a position at step 0
     * would be. Null until an accepted run-started record carried θ_0 in that space, and again once
     * the run finished (its state is released then).
     */
    public float[] initialPosition() {
        return initial == null ? null : initial.clone();
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

    /** One step. Throws {@link Rejected} (state unchanged) when it cannot be used. */
    public List<Update> onStep(Step step, long arrivalMs) {
        if (finished) {
            throw new Rejected("step " + step.getStep() + " of run " + step.getRunId() + " arrived after the run ended at step "
                    + endedAtStep);
        }
        if (steps > 0 && step.getStep() <= lastStep) {
            throw new Rejected((step.getStep() == lastStep ? "duplicate" : "out-of-order") + " step " + step.getStep() + " of run "
                    + step.getRunId() + " (last accepted step " + lastStep + ")");
        }
        if (steps > 0 && step.getStep() - lastStep > settings.maxStepJump()) {
            throw new Rejected("step " + step.getStep() + " of run " + step.getRunId() + " is " + (step.getStep() - lastStep)
                    + " steps past the last accepted step " + lastStep + " (at most " + settings.maxStepJump()
                    + ", CANYON_MAX_STEP_JUMP)");
        }
        int d = step.getDelta().getDimension();
        if (dimension != 0 && d != dimension) {
            throw new Rejected("delta of step " + step.getStep() + " has " + d + " values, this run's earlier deltas had " + dimension);
        }
        String vectors = vectorIdentity(step.getDelta());
        if (vectorIdentity != null && !vectors.equals(vectorIdentity)) {
            throw new Rejected("vectors of step " + step.getStep() + " of run " + step.getRunId() + " are " + vectors
                    + ", this run's earlier vectors were " + vectorIdentity + " (a run keeps one representation)");
        }
        // Everything that can fail is checked before any state changes.
        double gradNorm;
        double stepLength;
        double displacement;
        float[] fullDelta = null;
        double fullDeltaSquares = Double.NaN;
        if (Vectors.isExact(step.getDelta()) && Vectors.isExact(step.getGradient())) {
            fullDelta = Vectors.toFloats(step.getDelta());
            gradNorm = norm(Vectors.toFloats(step.getGradient()));
            if (!Double.isFinite(gradNorm)) {
                throw new Rejected("gradient of step " + step.getStep() + " contains NaN or infinite values");
            }
            fullDeltaSquares = VectorOps.squaredNorm(fullDelta);
            stepLength = Math.sqrt(fullDeltaSquares);
            if (!Double.isFinite(stepLength)) {
                throw new Rejected("delta of step " + step.getStep() + ": delta contains NaN or infinite values");
            }
            displacement = Double.NaN; // after the update below
        } else {
            gradNorm = step.getScalars().getGradNorm();
            stepLength = step.getScalars().getDeltaNorm();
            displacement = step.getScalars().getDisplacement();
            if (!Double.isFinite(norm(Vectors.toFloats(step.getGradient())))) {
                throw new Rejected("gradient of step " + step.getStep() + " contains NaN or infinite values");
            }
        }
        float[] moved = null;
        // ‖moved‖², computed once: it checks the vector here and is the walk's step length in move.
        double movedSquares = Double.NaN;
        if (step.hasDelta() && step.getDelta().getDimension() > 0) {
            moved = fullDelta != null && !needsStreamSketch(d) ? fullDelta : toSpace(step.getDelta(), step.getExperimentId());
            if (moved != null) {
                movedSquares = moved == fullDelta ? fullDeltaSquares : VectorOps.squaredNorm(moved);
            }
            if (moved != null && moved != fullDelta && !Double.isFinite(Math.sqrt(movedSquares))) {
                throw new Rejected("delta of step " + step.getStep() + " contains NaN or infinite values");
            }
            if (moved != null && space != 0 && moved.length != space) {
                throw new Rejected("delta of step " + step.getStep() + " lives in " + moved.length
                        + " dimensions, this run's earlier vectors in " + space);
            }
        }

        List<Update> out = new ArrayList<>(4);
        run = step.getRunId();
        experiment = step.getExperimentId();
        if (steps == 0) {
            firstStep = step.getStep();
        }
        if (fullDelta != null && firstStep == 1) {
            if (exact == null) {
                exact = new DistanceTravelled();
            }
            exact.update(fullDelta);
            displacement = exact.displacement();
        } else if (fullDelta != null) {
            // Met under way: θ_t − θ_0 is not the sum of the deltas seen; the trainer's scalar is.
            displacement = step.getScalars().getDisplacement();
        }
        dimension = d;
        vectorIdentity = vectors;
        pathLength += stepLength;
        steps++;
        lastStep = step.getStep();
        lastSeenStep = Math.max(lastSeenStep, lastStep);
        lastEventTimeMs = step.getEventTimeMs();
        learningRate = step.getLearningRate();
        batchSize = step.getBatchSize();
        paramNorm = step.getScalars().getParamNorm();
        var health = step.getHealth();
        out.add(new StepMeasured(at(lastStep), step.getLoss(), learningRate, batchSize, step.getEpoch(), step.getExamplesSeen(),
                new StepMeasured.TelemetryHealth(health.getSent(), health.getSpilled(), health.getResent(), health.getDropped()),
                gradNorm, stepLength, firstStep == 1 ? pathLength : Double.NaN, displacement, paramNorm,
                firstStep == 1 ? 0 : firstStep));
        // Per layer, from the trainer's per-tensor scalars of this step alone (no state).
        out.addAll(LayerScalars.of(at(lastStep), step.getTensorsList()));
        TrainerDiagnostics.addTo(step, at(lastStep), out);

        alerts(stall.onStep(step.getStep(), arrivalMs, step.getLoss(), gradNorm), out);
        var sc = step.getScalars();
        indicators.update(new ObstacleIndicators.StepInput(step.getStep(), step.getLoss(), step.getBatchSize(), gradNorm,
                sc.getDeltaNorm(), sc.getGradDotDelta(), sc.getGradDotPrevGrad(), sc.getGradDotPrevDelta()));
        if (moved != null) {
            move(moved, movedSquares);
        }
        if (lastStep % settings.emitEvery() == 0) {
            emitWindow(out);
        }
        // A run met under way has no θ_t − θ_0 to offer (only the deltas since it was met): no cross-run positions.
        if (settings.crossRunEvery() > 0 && lastStep % settings.crossRunEvery() == 0 && position != null && firstStep == 1) {
            // θ_t − θ_0 now; θ_0 is added when known (RunStarted comes on another topic, so it may come later).
            Held displaced = new Held(at(lastStep), position.clone());
            if (initial != null) {
                Position placed = placed(displaced);
                if (placed != null) {
                    out.add(placed);
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

    /** A vector's representation as text: its encoding, and for a sketch its size and seed. */
    private static String vectorIdentity(TensorVector v) {
        return v.getEncoding() == Encoding.SKETCH_FLOAT32 ? "SKETCH_FLOAT32(k " + v.getSketchSize() + ", seed " + v.getSketchSeed() + ")"
                : v.getEncoding().name();
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

    /** Moves the position by {@code v}, whose squared norm is {@code squares} (VectorOps.squaredNorm, the walk's step). */
    private void move(float[] v, double squares) {
        streamSketched = streamSketch != null;
        if (position == null) {
            space = v.length;
            position = new float[space];
            pca = new TrajectoryPca(space, settings.pcaRows(), settings.pcaPositions());
            pca.update(position);
            control = new RandomWalkControl(space, settings.pcaRows(), run.hashCode() * 31L + experiment.hashCode());
        }
        for (int i = 0; i < space; i++) {
            position[i] += v[i];
        }
        double length = squares;
        boolean sample = lastStep % settings.emitEvery() == 0;
        if (sample) {
            pca.update(position);
        }
        control.step(Math.sqrt(length), sample);
    }

    /**
     * This window's mean loss against the oldest kept full window that ended at least {@code noiseHorizon}
     * steps ago and does not overlap this one (none: {@link ObstacleClassifier.LongHorizon#NONE}); then
     * keeps this window's loss.
     */
    private ObstacleClassifier.LongHorizon longHorizon(ObstacleIndicators.Window w) {
        ObstacleClassifier.LongHorizon h = ObstacleClassifier.LongHorizon.NONE;
        if (windowLosses == null || !indicators.isFull() || !Double.isFinite(w.meanLoss())) {
            return h;
        }
        WindowLoss earlier = null;
        for (WindowLoss l : windowLosses) {
            if (lastStep - l.step() >= Math.max(settings.noiseHorizon(), settings.window())) {
                earlier = l;
            }
        }
        if (earlier != null && Double.isFinite(earlier.noise()) && Double.isFinite(w.lossNoise())) {
            double se = Math.sqrt(earlier.noise() * earlier.noise() / earlier.steps() + w.lossNoise() * w.lossNoise() / w.steps());
            h = new ObstacleClassifier.LongHorizon(lastStep - earlier.step(), earlier.mean(), w.meanLoss(), se);
        }
        windowLosses.add(new WindowLoss(lastStep, w.meanLoss(), w.lossNoise(), w.steps()));
        while (windowLosses.size() > MAX_WINDOW_LOSSES
                || (windowLosses.size() > 1 && lastStep - windowLosses.get(1).step() >= Math.max(settings.noiseHorizon(), settings.window()))) {
            windowLosses.remove(0);
        }
        return h;
    }

    /** The same-point evidence of the probes within the noise horizon: their mean ‖∇L‖², its standard error and mean tr Σ. */
    private ObstacleClassifier.SamePoint samePoint() {
        if (noiseProbes == null) {
            return ObstacleClassifier.SamePoint.NONE;
        }
        int n = 0;
        double u = 0, var = 0, trace = 0;
        for (NoiseProbe p : noiseProbes) {
            if (lastStep - p.step() <= settings.noiseHorizon() && p.step() <= lastStep + 1) {
                n++;
                u += p.gradNormSq();
                var += p.stderr() * p.stderr();
                trace += p.trace();
            }
        }
        return n == 0 ? ObstacleClassifier.SamePoint.NONE
                : new ObstacleClassifier.SamePoint(n, u / n, Math.sqrt(var) / n, trace / n);
    }

    /**
     * η_eff, the step per unit of gradient on a quadratic: η for SGD, η/(1−β) for heavy-ball and
     * Nesterov momentum β (the steady-state step of a constant gradient); for Adam, other and unknown
     * optimizers the window's mean ‖Δθ‖ / mean ‖g‖, which is η for SGD and underestimates momentum's
     * (so a critical point is claimed less readily, never more).
     */
    private double effectiveLearningRate(ObstacleIndicators.Window w) {
        switch (optimizer.kind()) {
            case SGD:
                return learningRate;
            case MOMENTUM:
            case NESTEROV:
                return optimizer.momentum() < 1 ? learningRate / (1 - optimizer.momentum()) : Double.NaN;
            default:
                return w.meanGradNorm() > 0 ? w.meanDeltaNorm() / w.meanGradNorm() : Double.NaN;
        }
    }

    /** The indicators, the obstacle decision (once the window is full) and the PCA, as points. */
    private void emitWindow(List<Update> out) {
        ObstacleIndicators.Window w = indicators.window();
        At at = at(lastStep);
        // Long.MIN_VALUE: no such probe yet (the difference would overflow and look fresh).
        boolean hessianFresh = hessianStep != Long.MIN_VALUE && lastStep - hessianStep <= settings.hessianFreshness();
        boolean curvatureFresh = curvatureStep != Long.MIN_VALUE && lastStep - curvatureStep <= settings.window();
        double curvature = curvatureFresh ? probeCurvature : w.curvature();
        double lMax = hessianFresh ? lambdaMax : Double.NaN;
        double lMin = hessianFresh ? lambdaMin : Double.NaN;
        double eta = effectiveLearningRate(w);
        List<String> notes = new ArrayList<>(2);
        StabilityRatio.Value ratio = StabilityRatio.of(optimizer, learningRate, lMax, hessianFresh ? preconditionedLambdaMax : Double.NaN);
        double stability = ratio.ratio();
        if (!ratio.present()) {
            notes.add("stability ratio absent: " + (hessianFresh ? ratio.absentReason()
                    : "no Hessian probe in the last " + settings.hessianFreshness() + " steps"));
        }
        ObstacleClassifier.SamePoint same = samePoint();
        double noiseScale = Double.NaN;
        WindowIndicators.NoiseSource noiseSource = WindowIndicators.NoiseSource.ABSENT;
        if (same.present()) {
            if (same.gradientDetected()) {
                noiseScale = same.noiseTrace() / same.gradNormSq();
                noiseSource = WindowIndicators.NoiseSource.PROBE;
            } else {
                notes.add(String.format(Locale.ROOT, "noise scale absent: the true gradient is indistinguishable from zero "
                        + "(same-point |grad L|^2 %.3g +- %.2g over %d probes)", same.gradNormSq(), same.gradNormSqStderr(), same.probes()));
            }
        } else if (!Double.isFinite(w.noiseScale())) {
            notes.add("noise scale absent: no same-point probe, and the cross-batch estimate of |grad L|^2 is not significantly "
                    + "positive or exceeds mean |g|^2");
        } else if (!(lMax > 0)) {
            notes.add("noise scale absent: no same-point probe, and the cross-batch estimate's small-step assumption cannot be "
                    + "checked without a Hessian probe");
        } else if (eta * lMax > SCALAR_NOISE_MAX_STEP) {
            notes.add(String.format(Locale.ROOT, "noise scale absent: no same-point probe, and steps too large for the cross-batch "
                    + "estimate (eta*lambda_max %.3g > %.2g)", eta * lMax, SCALAR_NOISE_MAX_STEP));
        } else {
            noiseScale = w.noiseScale();
            noiseSource = WindowIndicators.NoiseSource.SCALARS;
        }
        out.add(new WindowIndicators(at, w.steps(), w.meanGradNorm(), w.gradNormTrend(), w.uphillFraction(),
                w.successiveCosine(), noiseScale, noiseSource, curvature,
                curvatureFresh ? WindowIndicators.CurvatureSource.PROBE : WindowIndicators.CurvatureSource.SCALARS,
                w.predictedLossChange(), w.observedLossChange(), stability, lMax, lMin, same.gradNormSq(), same.gradNormSqStderr(),
                same.noiseTrace(), String.join("; ", notes)));
        ObstacleClassifier.LongHorizon horizon = longHorizon(w);
        if (indicators.isFull()) {
            ObstacleClassifier.Decision decision = new ObstacleClassifier(settings.thresholds()).classify(
                    new ObstacleClassifier.Evidence(true, w.lossStart(), w.lossEnd(), w.lossChangeStderr(), w.meanGradNorm(), paramNorm,
                            w.uphillFraction(), w.successiveCosine(), noiseScale, batchSize, lMax, lMin, stability, same, eta, horizon));
            persist(decision, at, out);
        }
        if (pca != null && pca.count() >= 3 && (lastStep % (PCA_EMISSION_FACTOR * settings.emitEvery()) == 0 || pca.count() < 10)) {
            TrajectoryPca.Result r = pca.result(3);
            double[] ctrl = control.explainedVarianceRatios(3);
            double[][] c = r.components();
            double pc1 = Double.NaN;
            double pc2 = Double.NaN;
            if (c.length >= 1) {
                previousPc1 = align(c[0], previousPc1);
                pc1 = project(previousPc1, r.mean());
            }
            if (c.length >= 2) {
                previousPc2 = align(c[1], previousPc2);
                pc2 = project(previousPc2, r.mean());
            }
            out.add(new PcaSnapshot(at, space, r.explainedVarianceRatios(), ctrl, pc1, pc2));
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

    private void decide(ObstacleState next, String evidence, At at, List<Update> out) {
        state = next;
        stateEvidence = evidence;
        candidate = next;
        candidateWindows = settings.persistence();
        candidateEvidence = evidence;
        out.add(new ObstacleDecision(at, next, evidence));
    }

    /**
     * A window's decision through the persistence rule: the shown state changes when the same new
     * state was decided {@link AnalyticsSettings#persistence} windows in a row (a rising loss too: one
     * spike must not read as divergence; a non-finite step sets DIVERGING at once, in {@link #onNonFiniteStep});
     * until then the shown state stays, and its evidence says what is pending.
     */
    private void persist(ObstacleClassifier.Decision d, At at, List<Update> out) {
        if (d.state() == candidate) {
            candidateWindows++;
        } else {
            candidate = d.state();
            candidateWindows = 1;
        }
        candidateEvidence = d.evidence();
        if (d.state() == state) {
            stateEvidence = d.evidence();
            out.add(new ObstacleDecision(at, state, stateEvidence));
        } else if (candidateWindows >= settings.persistence()) {
            decide(d.state(), d.evidence(), at, out);
        } else if (state != null) {
            out.add(new ObstacleDecision(at, state, String.format(Locale.ROOT, "%s (shown until %d windows in a row agree); pending %s, "
                    + "%d of %d windows: %s", stateEvidence, settings.persistence(), candidate, candidateWindows, settings.persistence(),
                    candidateEvidence)));
        }
    }

    /**
     * A step whose loss or gradient norm is not finite (the record itself goes to the dead letters):
     * opens the divergence alert and sets DIVERGING. Ignored after the run finished or for a step
     * at or before the last accepted one.
     */
    public List<Update> onNonFiniteStep(Step step, long arrivalMs) {
        List<Update> out = new ArrayList<>(4);
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
                    step.getStep(), step.getLoss(), step.getScalars().getGradNorm()), at(step.getStep()), out);
        }
        if (endedAtStep >= 0 && lastSeenStep >= endedAtStep) {
            finish(out, "after step " + endedAtStep);
        }
        return out;
    }

    /** A probe of this run: points for it, and evidence for later windows. */
    public List<Update> onProbe(Probe p) {
        // A probe of a step up to the run's end may come after the end record (it travels on the other topic):
        // accepted; one beyond the end cannot belong to the run.
        if (endedAtStep >= 0 && p.getStep() > endedAtStep) {
            throw new Rejected("probe of run " + p.getRunId() + " at step " + p.getStep() + " is beyond the run's end at step "
                    + endedAtStep);
        }
        if (steps > 0 && p.getStep() - lastStep > settings.maxStepJump()) {
            throw new Rejected("probe of run " + p.getRunId() + " at step " + p.getStep() + " is " + (p.getStep() - lastStep)
                    + " steps past the last accepted step " + lastStep + " (at most " + settings.maxStepJump() + ")");
        }
        List<Update> out = new ArrayList<>(4);
        At at = new At(p.getRunId(), p.getExperimentId(), p.getStep(), p.getEventTimeMs());
        switch (p.getKindCase()) {
            case CURVATURE -> {
                var c = p.getCurvature();
                if (p.getStep() >= curvatureStep && Double.isFinite(c.getAlongStep())) {
                    probeCurvature = c.getAlongStep();
                    curvatureStep = p.getStep();
                }
                out.add(new ProbeResult.Curvature(at, c.getAlongStep(), c.getAlongGradient()));
            }
            case HESSIAN -> {
                var h = p.getHessian();
                double preconditioned = h.hasPreconditionedMaxEigenvalue() ? h.getPreconditionedMaxEigenvalue() : Double.NaN;
                if (p.getStep() >= hessianStep && Double.isFinite(h.getMaxEigenvalue()) && Double.isFinite(h.getMinEigenvalue())) {
                    lambdaMax = h.getMaxEigenvalue();
                    lambdaMin = h.getMinEigenvalue();
                    preconditionedLambdaMax = preconditioned;
                    hessianStep = p.getStep();
                }
                out.add(new ProbeResult.Hessian(at, h.getMaxEigenvalue(), h.getMinEigenvalue(), h.getTrace(),
                        h.hasTraceStderr() ? h.getTraceStderr() : Double.NaN, h.getTraceSamples(),
                        StabilityRatio.of(optimizer, learningRate, h.getMaxEigenvalue(), preconditioned).ratio()));
            }
            case LINEAR_PATH -> out.add(linearPath(p, at));
            case GRADIENT_NOISE -> {
                var n = p.getGradientNoise();
                NoiseProbe probe = new NoiseProbe(p.getStep(), n.getGradNormSq(), n.getGradNormSqStderr(), n.getNoiseTrace());
                if (noiseProbes != null && (noiseProbes.isEmpty() || p.getStep() > noiseProbes.get(noiseProbes.size() - 1).step())) {
                    noiseProbes.add(probe);
                    if (noiseProbes.size() > MAX_NOISE_PROBES) {
                        noiseProbes.remove(0);
                    }
                }
                double scale = n.getGradNormSq() > 2 * n.getGradNormSqStderr() ? n.getNoiseTrace() / n.getGradNormSq() : Double.NaN;
                out.add(new ProbeResult.GradientNoise(at, n.getParts(), n.getPartSize(), n.getGradNormSq(), n.getGradNormSqStderr(),
                        n.getNoiseTrace(), scale, n.getFixedBatch()));
            }
            default -> throw new Rejected("probe of run " + p.getRunId() + " at step " + p.getStep() + " carries no result");
        }
        if (run.isEmpty()) {
            run = p.getRunId();
            experiment = p.getExperimentId();
        }
        return out;
    }

    private static ProbeResult.LinearPath linearPath(Probe p, At at) {
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
        return new ProbeResult.LinearPath(at, alpha, train, validation, trainSummary, validationSummary);
    }

    /** The run announced itself: keeps θ_0 in the PCA space for cross-run distances. */
    public List<Update> onRunStarted(RunStarted r) {
        run = r.getRunId();
        experiment = r.getExperimentId();
        optimizer = Optimizers.fromRunStarted(r);
        List<Update> out = new ArrayList<>(4);
        if (r.hasInitialParameters() && initial == null && !finished) {
            // NaN and infinities survive a sketch, so checking θ_0 in the PCA space checks the vector.
            float[] theta0 = toSpace(r.getInitialParameters(), r.getExperimentId());
            if (!Double.isFinite(norm(theta0))) {
                throw new Rejected("initial parameters of run " + r.getRunId() + " contain NaN or infinite values");
            }
            if (space == 0 || theta0.length == space) {
                initial = theta0;
                if (heldPositions != null) {
                    for (Held held : heldPositions) {
                        Position placed = placed(held);
                        if (placed != null) {
                            out.add(placed);
                        }
                    }
                    heldPositions = null;
                }
            }
        }
        return out;
    }

    /** The run ended: finishes now if every step was seen, else when its last step arrives. */
    public List<Update> onRunEnded(RunEnded r) {
        List<Update> out = new ArrayList<>(4);
        if (finished) {
            return out;
        }
        if (r.getSteps() < lastSeenStep) {
            throw new Rejected("run-ended record of run " + r.getRunId() + " says " + r.getSteps() + " steps, but step " + lastSeenStep
                    + " was already seen");
        }
        if (endedAtStep >= 0 && r.getSteps() != endedAtStep) {
            throw new Rejected("run-ended record of run " + r.getRunId() + " says " + r.getSteps() + " steps, an earlier one said "
                    + endedAtStep);
        }
        run = r.getRunId();
        endedAtStep = r.getSteps();
        if (lastSeenStep >= endedAtStep) {
            finish(out, "after step " + endedAtStep);
        }
        return out;
    }

    private void finish(List<Update> out, String reason) {
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
        noiseProbes = null;
        windowLosses = null;
    }

    /** A processing-time tick: a silence alert if no step arrived for the configured time. */
    public List<Update> onClock(long nowMs) {
        List<Update> out = new ArrayList<>(4);
        if (!finished) {
            alerts(stall.onClock(nowMs), out);
        }
        return out;
    }

    private void alerts(List<StallDetector.Alert> alerts, List<Update> out) {
        for (StallDetector.Alert a : alerts) {
            String obstacle = state == null ? "" : state.name();
            String evidence = state == null ? a.evidence() : a.evidence() + "; obstacle " + state + ": " + stateEvidence;
            out.add(new AlertTransition(at(a.step()), a.kind(), a.open(), evidence, obstacle));
        }
    }

    /** This run at {@code step}, stamped with the latest event time. */
    private At at(long step) {
        return new At(run, experiment, step, lastEventTimeMs);
    }

    /** Version of the per-run state format {@link #writeTo} writes. */
    public static final int SERIAL_VERSION = 2;
    private static final String NAME = "RunAnalyzer";
    /** Longest run id, experiment id or evidence a state holds (far above what the contract lets through). */
    private static final int MAX_STRING_BYTES = 1 << 20;
    /** Largest vector a state holds: the PCA's space is at most the exact-vector limit or a sketch's size. */
    private static final int MAX_VECTOR = 1 << 24;

    /**
     * Writes this run's state in the versioned format (STYLE.md 19: datasketches' habit, not a
     * reflective serializer), so that a checkpoint survives an upgrade of Canyon. Layout of version 2
     * (version 1, still read, lacks the evidence row; a version-1 state restores with no same-point
     * probes and nothing pending):
     *
     * <table>
     * <caption>RunAnalyzer state, version 2</caption>
     * <tr><td>header</td><td>version (1 byte), kernel code 7 (1 byte)</td></tr>
     * <tr><td>identity</td><td>run, experiment (UTF-8, byte count first)</td></tr>
     * <tr><td>progress</td><td>lastStep, steps, lastSeenStep, endedAtStep, firstStep (longs), dimension (int), lastEventTimeMs (long),
     * learningRate (double), batchSize (int), paramNorm (double), finished (byte), pathLength (double)</td></tr>
     * <tr><td>kernels</td><td>presence byte, then the kernel's own state: DistanceTravelled; StallDetector (always);
     * ObstacleIndicators</td></tr>
     * <tr><td>obstacle</td><td>state code (int, −1 for none), evidence (string)</td></tr>
     * <tr><td>probes</td><td>lambdaMax, lambdaMin (doubles), hessianStep (long), probeCurvature (double), curvatureStep (long)</td></tr>
     * <tr><td>evidence (version 2)</td><td>same-point probes (count −1 when dropped, 0 to {@value #MAX_NOISE_PROBES}; each step
     * (long), |grad L|^2, its standard error, tr Sigma (doubles)); pending state (code, −1 for none), windows in a row (int),
     * its evidence (string); optimizer (kind: 0 SGD, 1 MOMENTUM, 2 NESTEROV, 3 ADAM, 4 OTHER, 5 UNKNOWN as int, name, momentum, β1, β2, ε);
     * Adam's preconditioned λmax of the latest Hessian probe (double); window losses for the long horizon (count −1 when
     * dropped, 0 to {@value #MAX_WINDOW_LOSSES}; each last step (long), mean loss, σ̂ (doubles), steps (int))</td></tr>
     * <tr><td>trajectory</td><td>the run's vector representation (presence byte, string), space (int), streamSketched (byte); optional position, θ_0, PC1, PC2 (length then values);
     * optional TrajectoryPca, RandomWalkControl (their own states); held positions (count, then run, experiment,
     * step, event time and the vector of each)</td></tr>
     * </table>
     *
     * The settings are not part of the state: {@link #readFrom} takes the job's, and {@link #adopt}
     * hands a restored state the job's current ones.
     */
    public void writeTo(DataOutput out) throws IOException {
        StateFormat.writeHeader(out, SERIAL_VERSION, StateFormat.RUN_ANALYZER);
        StateFormat.writeString(out, run);
        StateFormat.writeString(out, experiment);
        out.writeLong(lastStep);
        out.writeLong(steps);
        out.writeLong(lastSeenStep);
        out.writeLong(endedAtStep);
        out.writeLong(firstStep);
        out.writeInt(dimension);
        out.writeLong(lastEventTimeMs);
        out.writeDouble(learningRate);
        out.writeInt(batchSize);
        out.writeDouble(paramNorm);
        out.writeBoolean(finished);
        out.writeDouble(pathLength);
        out.writeBoolean(exact != null);
        if (exact != null) {
            exact.writeTo(out);
        }
        stall.writeTo(out);
        out.writeBoolean(indicators != null);
        if (indicators != null) {
            indicators.writeTo(out);
        }
        out.writeInt(state == null ? -1 : state.code());
        StateFormat.writeString(out, stateEvidence);
        out.writeDouble(lambdaMax);
        out.writeDouble(lambdaMin);
        out.writeLong(hessianStep);
        out.writeDouble(probeCurvature);
        out.writeLong(curvatureStep);
        out.writeInt(noiseProbes == null ? -1 : noiseProbes.size());
        if (noiseProbes != null) {
            for (NoiseProbe p : noiseProbes) {
                out.writeLong(p.step());
                out.writeDouble(p.gradNormSq());
                out.writeDouble(p.stderr());
                out.writeDouble(p.trace());
            }
        }
        out.writeInt(candidate == null ? -1 : candidate.code());
        out.writeInt(candidateWindows);
        StateFormat.writeString(out, candidateEvidence);
        out.writeInt(optimizer.kind().ordinal());
        StateFormat.writeString(out, optimizer.name());
        out.writeDouble(optimizer.momentum());
        out.writeDouble(optimizer.beta1());
        out.writeDouble(optimizer.beta2());
        out.writeDouble(optimizer.epsilon());
        out.writeDouble(preconditionedLambdaMax);
        out.writeInt(windowLosses == null ? -1 : windowLosses.size());
        if (windowLosses != null) {
            for (WindowLoss l : windowLosses) {
                out.writeLong(l.step());
                out.writeDouble(l.mean());
                out.writeDouble(l.noise());
                out.writeInt(l.steps());
            }
        }
        out.writeBoolean(vectorIdentity != null);
        if (vectorIdentity != null) {
            StateFormat.writeString(out, vectorIdentity);
        }
        out.writeInt(space);
        out.writeBoolean(streamSketched);
        writeFloats(out, position);
        writeFloats(out, initial);
        writeDoubles(out, previousPc1);
        writeDoubles(out, previousPc2);
        out.writeBoolean(pca != null);
        if (pca != null) {
            pca.writeTo(out);
        }
        out.writeBoolean(control != null);
        if (control != null) {
            control.writeTo(out);
        }
        out.writeInt(heldPositions == null ? -1 : heldPositions.size());
        if (heldPositions != null) {
            for (Held h : heldPositions) {
                StateFormat.writeString(out, h.at().run());
                StateFormat.writeString(out, h.at().experiment());
                out.writeLong(h.at().step());
                out.writeLong(h.at().eventTimeMs());
                writeFloats(out, h.displacement());
            }
        }
    }

    /**
     * Reads a state {@link #writeTo} wrote, with the job's {@code settings}. Throws {@link
     * StateFormatException} naming the problem for a state of another format version, another kind,
     * truncated or inconsistent bytes.
     */
    public static RunAnalyzer readFrom(DataInput in, AnalyticsSettings settings) throws IOException {
        return StateFormat.read(NAME, in, i -> {
            int version = StateFormat.readHeader(i, NAME, StateFormat.RUN_ANALYZER, 1, SERIAL_VERSION);
            RunAnalyzer a = new RunAnalyzer();
            a.settings = settings;
            a.run = StateFormat.readString(i, NAME, "run", MAX_STRING_BYTES);
            a.experiment = StateFormat.readString(i, NAME, "experiment", MAX_STRING_BYTES);
            a.lastStep = i.readLong();
            a.steps = StateFormat.readLong(i, NAME, "steps", 0, Long.MAX_VALUE);
            a.lastSeenStep = i.readLong();
            a.endedAtStep = i.readLong();
            a.firstStep = StateFormat.readLong(i, NAME, "first step", 0, Long.MAX_VALUE);
            a.dimension = StateFormat.readInt(i, NAME, "dimension", 0, Integer.MAX_VALUE);
            a.lastEventTimeMs = i.readLong();
            a.learningRate = i.readDouble();
            a.batchSize = i.readInt();
            a.paramNorm = i.readDouble();
            a.finished = StateFormat.readBoolean(i, NAME, "finished");
            a.pathLength = i.readDouble();
            a.exact = StateFormat.readBoolean(i, NAME, "distance present") ? DistanceTravelled.readFrom(i) : null;
            a.stall = StallDetector.readFrom(i, settings.stall());
            a.indicators = StateFormat.readBoolean(i, NAME, "indicators present") ? ObstacleIndicators.readFrom(i) : null;
            int code = StateFormat.readInt(i, NAME, "obstacle state code", -1, Integer.MAX_VALUE);
            a.state = code < 0 ? null : ObstacleState.fromCode(code);
            a.stateEvidence = StateFormat.readString(i, NAME, "evidence", MAX_STRING_BYTES);
            a.lambdaMax = i.readDouble();
            a.lambdaMin = i.readDouble();
            a.hessianStep = i.readLong();
            a.probeCurvature = i.readDouble();
            a.curvatureStep = i.readLong();
            if (version >= 2) {
                int noise = StateFormat.readInt(i, NAME, "same-point probes", -1, MAX_NOISE_PROBES);
                a.noiseProbes = noise < 0 ? null : new ArrayList<>(noise);
                for (int k = 0; k < noise; k++) {
                    a.noiseProbes.add(new NoiseProbe(i.readLong(), i.readDouble(), i.readDouble(), i.readDouble()));
                }
                int pending = StateFormat.readInt(i, NAME, "pending state code", -1, Integer.MAX_VALUE);
                a.candidate = pending < 0 ? null : ObstacleState.fromCode(pending);
                a.candidateWindows = StateFormat.readInt(i, NAME, "pending windows", 0, Integer.MAX_VALUE);
                a.candidateEvidence = StateFormat.readString(i, NAME, "pending evidence", MAX_STRING_BYTES);
                OptimizerSpec.Kind[] kinds = OptimizerSpec.Kind.values();
                OptimizerSpec.Kind kind = kinds[StateFormat.readInt(i, NAME, "optimizer kind", 0, kinds.length - 1)];
                a.optimizer = new OptimizerSpec(kind, StateFormat.readString(i, NAME, "optimizer name", MAX_STRING_BYTES), i.readDouble(),
                        i.readDouble(), i.readDouble(), i.readDouble());
                a.preconditionedLambdaMax = i.readDouble();
                int losses = StateFormat.readInt(i, NAME, "window losses", -1, MAX_WINDOW_LOSSES);
                a.windowLosses = losses < 0 ? null : new ArrayList<>(losses);
                for (int k = 0; k < losses; k++) {
                    a.windowLosses.add(new WindowLoss(i.readLong(), i.readDouble(), i.readDouble(),
                            StateFormat.readInt(i, NAME, "window loss steps", 1, Integer.MAX_VALUE)));
                }
            } else {
                a.noiseProbes = a.finished ? null : new ArrayList<>();
                a.windowLosses = a.finished ? null : new ArrayList<>();
                // Version 1 showed every decision at once: the shown state stands as if it had held long enough.
                a.candidate = a.state;
                a.candidateWindows = a.state == null ? 0 : settings.persistence();
                a.candidateEvidence = a.stateEvidence;
            }
            a.vectorIdentity = StateFormat.readBoolean(i, NAME, "vectors known")
                    ? StateFormat.readString(i, NAME, "vector representation", 256) : null;
            a.space = StateFormat.readInt(i, NAME, "space", 0, MAX_VECTOR);
            a.streamSketched = StateFormat.readBoolean(i, NAME, "stream sketched");
            a.position = readFloats(i, "position");
            a.initial = readFloats(i, "initial parameters");
            a.previousPc1 = readDoubles(i, "previous PC1");
            a.previousPc2 = readDoubles(i, "previous PC2");
            a.pca = StateFormat.readBoolean(i, NAME, "PCA present") ? TrajectoryPca.readFrom(i) : null;
            a.control = StateFormat.readBoolean(i, NAME, "control present") ? RandomWalkControl.readFrom(i) : null;
            int held = StateFormat.readInt(i, NAME, "held positions", -1, MAX_HELD_POSITIONS + 1);
            if (held >= 0) {
                a.heldPositions = new ArrayList<>(held);
                for (int k = 0; k < held; k++) {
                    At at = new At(StateFormat.readString(i, NAME, "held run", MAX_STRING_BYTES),
                            StateFormat.readString(i, NAME, "held experiment", MAX_STRING_BYTES), i.readLong(), i.readLong());
                    a.heldPositions.add(new Held(at, readFloats(i, "held position")));
                }
            }
            if (!a.finished && (a.indicators == null)) {
                throw new StateFormatException(NAME + " state of a running run holds no indicators");
            }
            return a;
        });
    }

    /** {@link #readFrom(DataInput, AnalyticsSettings)} with the default settings, until {@link #adopt} gives it the job's. */
    public static RunAnalyzer readFrom(DataInput in) throws IOException {
        return readFrom(in, AnalyticsSettings.defaults());
    }

    /**
     * Uses {@code s} from now on (a state restored from a checkpoint gets the job's settings this
     * way). Cheap when they are already in use.
     */
    public RunAnalyzer adopt(AnalyticsSettings s) {
        if (s == settings || s.equals(settings)) {
            settings = s;
            return this;
        }
        if (!s.stall().equals(settings.stall())) {
            try {
                stall = StallDetector.heapify(stall.toByteArray(), s.stall());
            } catch (StateFormatException e) {
                throw new IllegalStateException("cannot re-read this run's own stall state: " + e.getMessage(), e);
            }
        }
        settings = s;
        return this;
    }

    /** This state as bytes ({@link #writeTo}). */
    public byte[] toByteArray() {
        return StateFormat.toByteArray(this::writeTo);
    }

    /** A state from exactly {@code bytes} ({@link #readFrom}). */
    public static RunAnalyzer heapify(byte[] bytes, AnalyticsSettings settings) throws StateFormatException {
        return StateFormat.heapify(bytes, NAME, in -> readFrom(in, settings));
    }

    private static void writeFloats(DataOutput out, float[] v) throws IOException {
        out.writeInt(v == null ? -1 : v.length);
        if (v != null) {
            StateFormat.writeFloats(out, v);
        }
    }

    private static void writeDoubles(DataOutput out, double[] v) throws IOException {
        out.writeInt(v == null ? -1 : v.length);
        if (v != null) {
            StateFormat.writeDoubles(out, v);
        }
    }

    private static float[] readFloats(DataInput in, String what) throws IOException {
        int n = StateFormat.readInt(in, NAME, what + " length", -1, MAX_VECTOR);
        return n < 0 ? null : StateFormat.readFloats(in, n);
    }

    private static double[] readDoubles(DataInput in, String what) throws IOException {
        int n = StateFormat.readInt(in, NAME, what + " length", -1, MAX_VECTOR);
        return n < 0 ? null : StateFormat.readDoubles(in, n);
    }

    /** Whether the PCA runs on a sketch the stream made (large exact vectors). */
    public boolean streamSketched() {
        return streamSketched;
    }

    /** The PCA's space (0 before the first vector). */
    public int space() {
        return space;
    }

    /** ‖v‖ in double; NaN if v holds a NaN, infinite if it holds an infinity. */
    private static double norm(float[] v) {
        return dev.canyon.kernels.vector.VectorOps.norm(v);
    }
}
