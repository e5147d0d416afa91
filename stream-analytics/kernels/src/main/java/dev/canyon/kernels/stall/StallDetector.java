package dev.canyon.kernels.stall;

import dev.canyon.kernels.StateFormat;
import dev.canyon.kernels.StateFormatException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Stall alerts for one run (DESIGN.md, "Stall alerts"): plateau, silence, divergence, and loss and
 * gradient-norm spikes. Each alert opens once and resolves once: {@link #onStep} and {@link
 * #onClock} return only the transitions, with the evidence at the time.
 *
 * <ul>
 *   <li>Plateau (the ReduceLROnPlateau rule, counted in steps): the smoothed loss (exponential
 *       moving average) has not improved on its best by a relative {@link Config#minRelativeImprovement}
 *       for {@link Config#patienceSteps} steps. Resolves at the next such improvement.
 *   <li>Divergence: a non-finite loss or gradient norm, or a smoothed loss above {@link
 *       Config#divergenceFactor} times its best. Resolves after {@link Config#recoverySteps}
 *       consecutive healthy steps.
 *   <li>Silence: no step for {@link Config#silence} of processing time. Resolves at the next step.
 *   <li>Loss spike and gradient spike (after OLMo-core's stability monitor), one alert kind each:
 *       the value is more than k·σ above the mean of the same quantity over the {@link
 *       Config#spikeWindowSteps} previous finite steps (k = {@link Config#spikeSigmas}; σ the
 *       population standard deviation, as OLMo-core computes it), <em>on the log scale</em>: log x
 *       above mean(log) + k·σ(log), i.e. x above the window's geometric mean times exp(k·σ(log)).
 *       Minibatch losses and gradient norms are positive and right-skewed: on 6 healthy 2,000-step
 *       Fashion-MNIST runs (MLP, B = 64; SGD at η = 0.05 with 3 seeds and at 0.1, momentum, Adam)
 *       the raw values reached 6.3 to 7.9 σ above the mean in 4 runs, their logarithms at most 4.6 σ.
 *       Where the relative spread is small (large batches, OLMo-core's setting) log x − mean(log)
 *       ≈ (x − mean)/mean and σ(log) ≈ σ/mean, so the two rules agree. When the window holds a
 *       value ≤ 0 (a loss that can be negative, a gradient norm of exactly 0) the rule falls back
 *       to the values themselves, and the evidence says so; against a positive window a value ≤ 0
 *       is no spike. Judged only once the window is full: the first N finite steps of a run (and
 *       of a detector restored from a version-1 state) raise no spike. The window is the steps
 *       <em>before</em> the current one; after the judgement every finite value enters it,
 *       spiking or not (as in OLMo-core), so that a spike inflates σ for the next N steps: one
 *       burst opens one alert instead of one per step, and a lasting level shift is absorbed into
 *       the baseline within a few steps instead of holding the alert open for ever (the price: a
 *       second, smaller spike within N steps of a large one may go unseen). σ is floored at {@value
 *       #SPIKE_SIGMA_FLOOR} (log scale; linear: that times |mean|), so that on a flat window (a
 *       constant loss, a clipped gradient norm) rounding noise of about 1e-7 cannot open an alert:
 *       there a spike must exceed the level by about k·0.1 % (0.6 % at k = 6); a window of exact
 *       zeros opens nothing. Resolves at the first later finite step whose value is back at or
 *       below its threshold (which by then counts the spike itself in the window). Non-finite
 *       values are divergence evidence, judged by neither rule and never in the window.
 * </ul>
 *
 * Input: steps in increasing order (the stream guarantees it); NaN and infinities are evidence of
 * divergence, never folded into the smoothed loss or the spike window. Empty (no step yet, or since
 * {@link #onEnd}): clock ticks raise nothing, and the smoothed loss is NaN until the first finite
 * loss. Cost: O(N) per step (mean and σ of the two spike windows recomputed in two passes, in step
 * order, so that a restored detector gets the same bits: about 1,000 flops at N = 128; the
 * logarithms are taken once per value, with {@link StrictMath} so that they too have the same bits
 * everywhere), O(1) per clock tick; state: a dozen numbers and the two windows of raw values, all
 * exposed for checkpointing through {@link #state()} and {@link #restore}.
 *
 * <p>State format ({@link #writeTo}, {@link #readFrom}; version {@value #SERIAL_VERSION}, reads 1
 * and 2). The {@link Config} is not part of it: thresholds come from the job's settings and are
 * passed in again at restore, so that changing them between versions of the job takes effect on
 * running runs (every number below means the same under any thresholds). A spike window longer than
 * the configured one keeps its newest values; a version-1 state restores with an empty window (no
 * spike judged for the next N finite steps) and no spike alert open.
 *
 * <table>
 *   <caption>StallDetector state, version 2 (version 1: the same up to the step count, and no more)</caption>
 *   <tr><th>type</th><th>field</th></tr>
 *   <tr><td>byte, byte</td><td>format version 2 (1 for the older format), kernel code {@value StateFormat#STALL_DETECTOR}</td></tr>
 *   <tr><td>double</td><td>smoothed loss (NaN before the first finite loss)</td></tr>
 *   <tr><td>double</td><td>best smoothed loss (+∞ before the first)</td></tr>
 *   <tr><td>long</td><td>step of the best</td></tr>
 *   <tr><td>long</td><td>last step</td></tr>
 *   <tr><td>long</td><td>last arrival, ms (Long.MIN_VALUE before the first step)</td></tr>
 *   <tr><td>long</td><td>healthy streak (≥ 0)</td></tr>
 *   <tr><td>byte</td><td>open alerts: bit 0 plateau, bit 1 silence, bit 2 divergence, bit 3 loss spike, bit 4
 *       gradient spike (version 1: bits 0 to 2 only); other bits 0</td></tr>
 *   <tr><td>long</td><td>steps since the start or the last end (≥ 0)</td></tr>
 *   <tr><td>int</td><td>n, the values in the spike window, 0 to {@value #MAX_SPIKE_WINDOW} (the largest
 *       {@link Config#spikeWindowSteps}; a writer writes at most its own window)</td></tr>
 *   <tr><td>n doubles</td><td>the window's losses, oldest first (finite)</td></tr>
 *   <tr><td>n doubles</td><td>the window's gradient norms, oldest first (finite)</td></tr>
 * </table>
 */
public final class StallDetector {
    /** Format version of the state {@link #writeTo} writes. */
    public static final int SERIAL_VERSION = 2;
    private static final String NAME = "StallDetector";
    /** Largest spike window, in steps: bounds a state at 2 × 8 bytes × this (128 KiB). */
    public static final int MAX_SPIKE_WINDOW = 8192;
    /** Smallest spike window, in steps: σ of fewer values is no baseline. */
    public static final int MIN_SPIKE_WINDOW = 8;
    /**
     * σ of a spike window's logarithms is at least this (on the linear scale: this times |mean|): the
     * guard against rounding noise on flat windows.
     */
    public static final double SPIKE_SIGMA_FLOOR = 1e-3;

    /**
     * The alert kinds, each with a persisted {@link #code()}: stored alert points are timestamped
     * with it, so a code never changes and a new kind takes a new code. The codes equal the ordinals
     * this enum had when codes were introduced, which is what had been used until then.
     *
     * <table>
     *   <caption>Codes</caption>
     *   <tr><th>code</th><th>kind</th></tr>
     *   <tr><td>0</td><td>{@link #PLATEAU}</td></tr>
     *   <tr><td>1</td><td>{@link #SILENCE}</td></tr>
     *   <tr><td>2</td><td>{@link #DIVERGENCE}</td></tr>
     * </table>
     */
    public enum Kind {
        /** The smoothed loss stopped improving. Code 0. */
        PLATEAU(0),
        /** No step arrived for a while. Code 1. */
        SILENCE(1),
        /** Non-finite values, or the smoothed loss far above its best. Code 2. */
        DIVERGENCE(2),
        /** The loss more than k·σ above the mean of the previous N steps (log scale). Code 3. */
        LOSS_SPIKE(3),
        /** The gradient norm more than k·σ above the mean of the previous N steps (log scale). Code 4. */
        GRADIENT_SPIKE(4);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        /** The persisted code of this kind (see the table above); never changes. */
        public int code() {
            return code;
        }

        /** The kind of persisted code {@code code}; {@link IllegalArgumentException} naming it if none has it. */
        public static Kind fromCode(int code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            throw new IllegalArgumentException("no stall alert kind has code " + code + "; known codes: "
                    + java.util.Arrays.stream(values()).map(x -> Integer.toString(x.code)).collect(java.util.stream.Collectors.joining(", ")));
        }
    }

    /**
     * Thresholds, validated.
     *
     * @param smoothing weight of the newest loss in the exponential moving average, in (0, 1]
     * @param patienceSteps steps without improvement before a plateau opens
     * @param minRelativeImprovement relative decrease of the smoothed loss that counts as progress
     * @param silence processing time without a step before a silence alert opens
     * @param divergenceFactor smoothed loss above this multiple of its best counts as divergence
     * @param recoverySteps consecutive healthy steps that resolve a divergence
     * @param spikeWindowSteps N, the previous finite steps whose mean and σ judge a spike, {@value
     *     StallDetector#MIN_SPIKE_WINDOW} to {@value StallDetector#MAX_SPIKE_WINDOW}
     * @param spikeSigmas k: a spike is a value above mean + k·σ (of the logarithms; see the class
     *     comment); finite, at least 1
     */
    public record Config(double smoothing, long patienceSteps, double minRelativeImprovement, Duration silence,
            double divergenceFactor, long recoverySteps, int spikeWindowSteps, double spikeSigmas) implements java.io.Serializable {
        /** DESIGN.md's spike defaults: 128 steps, 6σ (OLMo-core's). */
        public static final int DEFAULT_SPIKE_WINDOW = 128;
        /** DESIGN.md's spike default, in σ. */
        public static final double DEFAULT_SPIKE_SIGMAS = 6;

        /** These thresholds with the default spike window and sigmas. */
        public Config(double smoothing, long patienceSteps, double minRelativeImprovement, Duration silence,
                double divergenceFactor, long recoverySteps) {
            this(smoothing, patienceSteps, minRelativeImprovement, silence, divergenceFactor, recoverySteps, DEFAULT_SPIKE_WINDOW,
                    DEFAULT_SPIKE_SIGMAS);
        }

        public Config {
            if (!(smoothing > 0 && smoothing <= 1)) {
                throw new IllegalArgumentException("smoothing must be in (0, 1], got " + smoothing);
            }
            if (patienceSteps < 1 || recoverySteps < 1) {
                throw new IllegalArgumentException("patience and recovery steps must be >= 1");
            }
            if (!(minRelativeImprovement >= 0 && minRelativeImprovement < 1)) {
                throw new IllegalArgumentException("minimum relative improvement must be in [0, 1), got " + minRelativeImprovement);
            }
            if (silence.isNegative() || silence.isZero()) {
                throw new IllegalArgumentException("silence must be positive, got " + silence);
            }
            if (!(divergenceFactor > 1)) {
                throw new IllegalArgumentException("divergence factor must be > 1, got " + divergenceFactor);
            }
            if (spikeWindowSteps < MIN_SPIKE_WINDOW || spikeWindowSteps > MAX_SPIKE_WINDOW) {
                throw new IllegalArgumentException("spike window must be " + MIN_SPIKE_WINDOW + " to " + MAX_SPIKE_WINDOW
                        + " steps, got " + spikeWindowSteps);
            }
            if (!(spikeSigmas >= 1) || Double.isInfinite(spikeSigmas)) {
                throw new IllegalArgumentException("spike sigmas must be a finite number >= 1, got " + spikeSigmas);
            }
        }

        /**
         * DESIGN.md's defaults: EMA 0.05, 500 steps, 1e-3, 60 s, 10x, 20 healthy steps to recover;
         * spikes above 6σ of the last 128 steps.
         */
        public static Config defaults() {
            return new Config(0.05, 500, 1e-3, Duration.ofSeconds(60), 10, 20);
        }

        /** These thresholds with spikes above {@code sigmas}·σ of the last {@code windowSteps} steps. */
        public Config withSpikes(int windowSteps, double sigmas) {
            return new Config(smoothing, patienceSteps, minRelativeImprovement, silence, divergenceFactor, recoverySteps, windowSteps,
                    sigmas);
        }
    }

    /**
     * An alert transition.
     *
     * @param kind which alert
     * @param open true when it opens, false when it resolves
     * @param step the step at which it changed (for silence: the last step seen)
     * @param evidence what decided it, in words and numbers
     */
    public record Alert(Kind kind, boolean open, long step, String evidence) {}

    /**
     * The detector's state, for checkpointing: the version-1 numbers, then the spike alerts' flags and
     * window (losses and gradient norms of the last finite steps, oldest first, at most {@link
     * #MAX_SPIKE_WINDOW}; immutable lists, so that equal states are equal records).
     */
    public record State(double smoothed, double best, long stepOfBest, long lastStep, long lastArrivalMs, long healthyStreak,
            boolean plateauOpen, boolean silenceOpen, boolean divergenceOpen, long steps, boolean lossSpikeOpen,
            boolean gradientSpikeOpen, List<Double> recentLosses, List<Double> recentGradNorms) {
        public State {
            recentLosses = List.copyOf(recentLosses);
            recentGradNorms = List.copyOf(recentGradNorms);
            if (recentLosses.size() != recentGradNorms.size() || recentLosses.size() > MAX_SPIKE_WINDOW) {
                throw new IllegalArgumentException("spike windows of " + recentLosses.size() + " losses and "
                        + recentGradNorms.size() + " gradient norms; expected equal sizes of at most " + MAX_SPIKE_WINDOW);
            }
            for (int i = 0; i < recentLosses.size(); i++) {
                if (!Double.isFinite(recentLosses.get(i)) || !Double.isFinite(recentGradNorms.get(i))) {
                    throw new IllegalArgumentException("spike window value " + i + " is not finite: loss " + recentLosses.get(i)
                            + ", gradient norm " + recentGradNorms.get(i));
                }
            }
        }

        /** A version-1 state: no spike alert open, an empty spike window. */
        public State(double smoothed, double best, long stepOfBest, long lastStep, long lastArrivalMs, long healthyStreak,
                boolean plateauOpen, boolean silenceOpen, boolean divergenceOpen, long steps) {
            this(smoothed, best, stepOfBest, lastStep, lastArrivalMs, healthyStreak, plateauOpen, silenceOpen, divergenceOpen, steps,
                    false, false, List.of(), List.of());
        }
    }

    private final Config config;
    private double smoothed = Double.NaN;
    private double best = Double.POSITIVE_INFINITY;
    private long stepOfBest;
    private long lastStep;
    private long lastArrivalMs = Long.MIN_VALUE;
    private long healthyStreak;
    private boolean plateauOpen;
    private boolean silenceOpen;
    private boolean divergenceOpen;
    private long steps;
    private boolean lossSpikeOpen;
    private boolean gradientSpikeOpen;
    /** The spike windows: rings of the last {@code count} finite losses and gradient norms; the next goes to {@code head}. */
    private final double[] recentLoss;
    private final double[] recentGrad;
    /** Their logarithms (NaN for values <= 0) and how many values <= 0 each window holds: derived, not persisted. */
    private final double[] logLoss;
    private final double[] logGrad;
    private int nonPositiveLosses;
    private int nonPositiveGrads;
    private int head;
    private int count;

    /** A detector with thresholds {@code config}, before any step. */
    public StallDetector(Config config) {
        this.config = config;
        this.recentLoss = new double[config.spikeWindowSteps()];
        this.recentGrad = new double[config.spikeWindowSteps()];
        this.logLoss = new double[config.spikeWindowSteps()];
        this.logGrad = new double[config.spikeWindowSteps()];
    }

    /** Restores a detector from {@link #state()}. */
    public static StallDetector restore(Config config, State s) {
        StallDetector d = new StallDetector(config);
        d.smoothed = s.smoothed();
        d.best = s.best();
        d.stepOfBest = s.stepOfBest();
        d.lastStep = s.lastStep();
        d.lastArrivalMs = s.lastArrivalMs();
        d.healthyStreak = s.healthyStreak();
        d.plateauOpen = s.plateauOpen();
        d.silenceOpen = s.silenceOpen();
        d.divergenceOpen = s.divergenceOpen();
        d.steps = s.steps();
        d.lossSpikeOpen = s.lossSpikeOpen();
        d.gradientSpikeOpen = s.gradientSpikeOpen();
        // A longer window than this config's keeps its newest values.
        int n = s.recentLosses().size();
        for (int i = Math.max(0, n - d.recentLoss.length); i < n; i++) {
            d.remember(s.recentLosses().get(i), s.recentGradNorms().get(i));
        }
        return d;
    }

    /** The state, for checkpointing ({@link #restore}). */
    public State state() {
        return new State(smoothed, best, stepOfBest, lastStep, lastArrivalMs, healthyStreak, plateauOpen, silenceOpen,
                divergenceOpen, steps, lossSpikeOpen, gradientSpikeOpen, window(recentLoss), window(recentGrad));
    }

    /** The values of a spike ring, oldest first. */
    private List<Double> window(double[] ring) {
        List<Double> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(ring[index(i)]);
        }
        return out;
    }

    /** The ring index of the {@code i}-th oldest value of the spike window. */
    private int index(int i) {
        int at = head - count + i;
        return at < 0 ? at + recentLoss.length : at;
    }

    /** Writes this detector's state, without its config (layout in the class comment). */
    public void writeTo(DataOutput out) throws IOException {
        StateFormat.writeHeader(out, SERIAL_VERSION, StateFormat.STALL_DETECTOR);
        out.writeDouble(smoothed);
        out.writeDouble(best);
        out.writeLong(stepOfBest);
        out.writeLong(lastStep);
        out.writeLong(lastArrivalMs);
        out.writeLong(healthyStreak);
        out.writeByte((plateauOpen ? 1 : 0) | (silenceOpen ? 2 : 0) | (divergenceOpen ? 4 : 0) | (lossSpikeOpen ? 8 : 0)
                | (gradientSpikeOpen ? 16 : 0));
        out.writeLong(steps);
        out.writeInt(count);
        for (int i = 0; i < count; i++) {
            out.writeDouble(recentLoss[index(i)]);
        }
        for (int i = 0; i < count; i++) {
            out.writeDouble(recentGrad[index(i)]);
        }
    }

    /**
     * Reads a detector written by {@link #writeTo}, to run with thresholds {@code config};
     * {@link StateFormatException} if it cannot.
     */
    public static StallDetector readFrom(DataInput in, Config config) throws IOException {
        java.util.Objects.requireNonNull(config, "config");
        return StateFormat.read(NAME, in, i -> {
            int version = StateFormat.readHeader(i, NAME, StateFormat.STALL_DETECTOR, 1, SERIAL_VERSION);
            double smoothed = i.readDouble();
            double best = i.readDouble();
            long stepOfBest = i.readLong();
            long lastStep = i.readLong();
            long lastArrivalMs = i.readLong();
            long healthyStreak = StateFormat.readLong(i, NAME, "healthy streak", 0, Long.MAX_VALUE);
            int open = i.readUnsignedByte();
            int known = version == 1 ? 7 : 31;
            if ((open & ~known) != 0) {
                throw new StateFormatException(NAME + " state: open-alert flags are " + open + ", expected bits 0 to "
                        + (version == 1 ? 2 : 4) + " only");
            }
            long steps = StateFormat.readLong(i, NAME, "step count", 0, Long.MAX_VALUE);
            List<Double> losses = List.of();
            List<Double> gradNorms = List.of();
            if (version >= 2) {
                int n = StateFormat.readInt(i, NAME, "spike window size", 0, MAX_SPIKE_WINDOW);
                losses = boxed(StateFormat.readDoubles(i, n), n);
                gradNorms = boxed(StateFormat.readDoubles(i, n), n);
            }
            // State validates the windows (finite values): IllegalArgumentException becomes a format error.
            return restore(config, new State(smoothed, best, stepOfBest, lastStep, lastArrivalMs, healthyStreak, (open & 1) != 0,
                    (open & 2) != 0, (open & 4) != 0, steps, (open & 8) != 0, (open & 16) != 0, losses, gradNorms));
        });
    }

    private static List<Double> boxed(double[] a, int n) {
        List<Double> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            out.add(a[k]);
        }
        return out;
    }

    /** This detector's state as bytes ({@link #writeTo}). */
    public byte[] toByteArray() {
        return StateFormat.toByteArray(this::writeTo);
    }

    /** The detector whose state {@code bytes} holds, all of it, to run with {@code config} ({@link #readFrom}). */
    public static StallDetector heapify(byte[] bytes, Config config) throws StateFormatException {
        return StateFormat.heapify(bytes, NAME, in -> readFrom(in, config));
    }

    /** Whether an alert of {@code kind} is open. */
    public boolean isOpen(Kind kind) {
        return switch (kind) {
            case PLATEAU -> plateauOpen;
            case SILENCE -> silenceOpen;
            case DIVERGENCE -> divergenceOpen;
            case LOSS_SPIKE -> lossSpikeOpen;
            case GRADIENT_SPIKE -> gradientSpikeOpen;
        };
    }

    /** Values in the spike window: up to {@link Config#spikeWindowSteps}; spikes are judged once it is full. */
    public int spikeWindowFill() {
        return count;
    }

    /** The smoothed loss, NaN before the first finite loss. */
    public double smoothedLoss() {
        return smoothed;
    }

    /**
     * One step: its number, its arrival (processing) time, its loss and gradient norm. Returns the
     * alerts that opened or resolved.
     */
    public List<Alert> onStep(long step, long arrivalMs, double loss, double gradNorm) {
        List<Alert> out = new ArrayList<>(1);
        steps++;
        lastStep = step;
        lastArrivalMs = arrivalMs;
        if (silenceOpen) {
            silenceOpen = false;
            out.add(new Alert(Kind.SILENCE, false, step, "step " + step + " arrived"));
        }
        boolean finite = Double.isFinite(loss) && Double.isFinite(gradNorm);
        if (finite) {
            spikes(step, loss, gradNorm, out);
            smoothed = Double.isNaN(smoothed) ? loss : config.smoothing() * loss + (1 - config.smoothing()) * smoothed;
        }
        boolean exploding = finite && Double.isFinite(best) && smoothed > config.divergenceFactor() * best;
        if (!finite || exploding) {
            healthyStreak = 0;
            if (!divergenceOpen) {
                divergenceOpen = true;
                out.add(new Alert(Kind.DIVERGENCE, true, step, !finite
                        ? "non-finite values at step " + step + ": loss " + loss + ", gradient norm " + gradNorm
                        : String.format(java.util.Locale.ROOT, "smoothed loss %.6g above %.3g x its best %.6g (step %d)", smoothed,
                                config.divergenceFactor(), best, stepOfBest)));
            }
            return out;
        }
        healthyStreak++;
        if (divergenceOpen && healthyStreak >= config.recoverySteps()) {
            divergenceOpen = false;
            out.add(new Alert(Kind.DIVERGENCE, false, step, healthyStreak + " healthy steps, smoothed loss "
                    + String.format(java.util.Locale.ROOT, "%.6g", smoothed)));
        }
        if (smoothed < best * (1 - config.minRelativeImprovement()) || !Double.isFinite(best)) {
            best = smoothed;
            stepOfBest = step;
            if (plateauOpen) {
                plateauOpen = false;
                out.add(new Alert(Kind.PLATEAU, false, step, String.format(java.util.Locale.ROOT, "smoothed loss improved to %.6g", smoothed)));
            }
        } else if (!plateauOpen && step - stepOfBest >= config.patienceSteps()) {
            plateauOpen = true;
            out.add(new Alert(Kind.PLATEAU, true, step, String.format(java.util.Locale.ROOT, 
                    "smoothed loss %.6g has not improved by %.3g%% on its best %.6g (step %d) for %d steps", smoothed,
                    100 * config.minRelativeImprovement(), best, stepOfBest, step - stepOfBest)));
        }
        return out;
    }

    /**
     * The run ended (its RunEnded record arrived): resolves every open alert, with {@code reason}
     * as evidence, so that a finished run leaves nothing open; later clock ticks raise nothing.
     */
    public List<Alert> onEnd(String reason) {
        List<Alert> out = new ArrayList<>(3);
        for (Kind kind : Kind.values()) {
            if (isOpen(kind)) {
                out.add(new Alert(kind, false, lastStep, "run ended: " + reason));
            }
        }
        plateauOpen = false;
        silenceOpen = false;
        divergenceOpen = false;
        lossSpikeOpen = false;
        gradientSpikeOpen = false;
        steps = 0;
        return out;
    }

    /**
     * Judges a finite step's loss and gradient norm against the spike windows (once full), adds the
     * transitions to {@code out}, then puts both values into the windows.
     */
    private void spikes(long step, double loss, double gradNorm, List<Alert> out) {
        if (count == recentLoss.length) {
            lossSpikeOpen = spike(Kind.LOSS_SPIKE, "loss", lossSpikeOpen, step, loss, recentLoss, logLoss, nonPositiveLosses, out);
            gradientSpikeOpen = spike(Kind.GRADIENT_SPIKE, "gradient norm", gradientSpikeOpen, step, gradNorm, recentGrad, logGrad,
                    nonPositiveGrads, out);
        }
        remember(loss, gradNorm);
    }

    /**
     * One quantity's spike rule: whether its alert is open after {@code value}; a transition goes to
     * {@code out}. On the log scale when every value of the window is positive ({@code nonPositive}
     * is 0), else on the values themselves.
     */
    private boolean spike(Kind kind, String quantity, boolean open, long step, double value, double[] ring, double[] logs,
            int nonPositive, List<Alert> out) {
        boolean log = nonPositive == 0;
        double[] x = log ? logs : ring;
        // Two passes in step order (oldest first): the same bits for a restored detector, no drift.
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += x[index(i)];
        }
        double mean = sum / count;
        double squares = 0;
        for (int i = 0; i < count; i++) {
            double e = x[index(i)] - mean;
            squares += e * e;
        }
        double measured = Math.sqrt(squares / count);
        // Log scale: σ of log values is a relative spread already; linear: relative to the mean.
        double sigma = Math.max(measured, log ? SPIKE_SIGMA_FLOOR : SPIKE_SIGMA_FLOOR * Math.abs(mean));
        double k = config.spikeSigmas();
        boolean above;
        double z;
        if (log) {
            // A value <= 0 lies below every value of a positive window: no spike.
            double v = value > 0 ? StrictMath.log(value) : Double.NEGATIVE_INFINITY;
            z = (v - mean) / sigma;
            above = v > mean + k * sigma;
        } else {
            z = (value - mean) / sigma;
            above = sigma > 0 && value > mean + k * sigma;
        }
        if (above == open) {
            return open;
        }
        java.util.Locale root = java.util.Locale.ROOT;
        String evidence;
        if (log) {
            double geometricMean = StrictMath.exp(mean);
            double threshold = StrictMath.exp(mean + k * sigma);
            String floor = sigma > measured ? String.format(root, " (floored at %.3g; measured %.3g)", SPIKE_SIGMA_FLOOR, measured) : "";
            evidence = above
                    ? String.format(root, "%s %.6g at step %d is %.3g sigma above the mean of log %s over the last %d steps "
                            + "(geometric mean %.6g, sigma of log %.4g%s; threshold geometric mean x exp(%.3g sigma) = %.6g)", quantity,
                            value, step, z, quantity, count, geometricMean, sigma, floor, k, threshold)
                    : String.format(root, "%s %.6g at step %d back at or below geometric mean x exp(%.3g sigma) = %.6g (geometric "
                            + "mean %.6g, sigma of log %.4g%s over the last %d steps)", quantity, value, step, k, threshold, geometricMean,
                            sigma, floor, count);
        } else {
            double threshold = mean + k * sigma;
            String floor = sigma > measured ? String.format(root, " (floored at %.3g x |mean|; measured %.3g)", SPIKE_SIGMA_FLOOR,
                    measured) : "";
            String scale = "; linear scale: " + nonPositive + " of the window's values <= 0";
            evidence = above
                    ? String.format(root, "%s %.6g at step %d is %.3g sigma above the mean %.6g of the last %d steps "
                            + "(sigma %.4g%s; threshold mean + %.3g sigma = %.6g%s)", quantity, value, step, z, mean, count, sigma, floor,
                            k, threshold, scale)
                    : String.format(root, "%s %.6g at step %d back at or below mean + %.3g sigma = %.6g (mean %.6g, sigma %.4g%s over "
                            + "the last %d steps%s)", quantity, value, step, k, threshold, mean, sigma, floor, count, scale);
        }
        out.add(new Alert(kind, above, step, evidence));
        return above;
    }

    /** Puts a finite step's values into the spike windows, dropping the oldest once they are full. */
    private void remember(double loss, double gradNorm) {
        if (count == recentLoss.length) {
            nonPositiveLosses -= recentLoss[head] > 0 ? 0 : 1;
            nonPositiveGrads -= recentGrad[head] > 0 ? 0 : 1;
        }
        recentLoss[head] = loss;
        recentGrad[head] = gradNorm;
        // StrictMath: the same bits on every JVM, so that a restored detector (which recomputes them) judges alike.
        logLoss[head] = loss > 0 ? StrictMath.log(loss) : Double.NaN;
        logGrad[head] = gradNorm > 0 ? StrictMath.log(gradNorm) : Double.NaN;
        nonPositiveLosses += loss > 0 ? 0 : 1;
        nonPositiveGrads += gradNorm > 0 ? 0 : 1;
        head = head + 1 == recentLoss.length ? 0 : head + 1;
        count = Math.min(count + 1, recentLoss.length);
    }

    /** A processing-time tick: opens a silence alert when no step arrived for the configured time. */
    public List<Alert> onClock(long nowMs) {
        if (steps == 0 || silenceOpen || nowMs - lastArrivalMs < config.silence().toMillis()) {
            return List.of();
        }
        silenceOpen = true;
        return List.of(new Alert(Kind.SILENCE, true, lastStep, "no step for " + (nowMs - lastArrivalMs) / 1000
                + " s after step " + lastStep));
    }
}
