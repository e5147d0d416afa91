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
 * Stall alerts for one run (DESIGN.md, "Stall alerts"): plateau, silence and divergence. Each
 * alert opens once and resolves once: {@link #onStep} and {@link #onClock} return only the
 * transitions, with the evidence at the time.
 *
 * <ul>
 *   <li>Plateau (the ReduceLROnPlateau rule, counted in steps): the smoothed loss (exponential
 *       moving average) has not improved on its best by a relative {@link Config#minRelativeImprovement}
 *       for {@link Config#patienceSteps} steps. Resolves at the next such improvement.
 *   <li>Divergence: a non-finite loss or gradient norm, or a smoothed loss above {@link
 *       Config#divergenceFactor} times its best. Resolves after {@link Config#recoverySteps}
 *       consecutive healthy steps.
 *   <li>Silence: no step for {@link Config#silence} of processing time. Resolves at the next step.
 * </ul>
 *
 * Input: steps in increasing order (the stream guarantees it); NaN and infinities are evidence of
 * divergence, never folded into the smoothed loss. Empty (no step yet, or since {@link #onEnd}):
 * clock ticks raise nothing, and the smoothed loss is NaN until the first finite loss. Cost: O(1) per step and per clock tick; state:
 * a dozen numbers, all exposed for checkpointing through {@link #state()} and {@link #restore}.
 *
 * <p>State format ({@link #writeTo}, {@link #readFrom}; version {@value #SERIAL_VERSION}). The
 * {@link Config} is not part of it: thresholds come from the job's settings and are passed in again
 * at restore, so that changing them between versions of the job takes effect on running runs (every
 * number below means the same under any thresholds).
 *
 * <table>
 *   <caption>StallDetector state, version 1</caption>
 *   <tr><th>type</th><th>field</th></tr>
 *   <tr><td>byte, byte</td><td>format version 1, kernel code {@value StateFormat#STALL_DETECTOR}</td></tr>
 *   <tr><td>double</td><td>smoothed loss (NaN before the first finite loss)</td></tr>
 *   <tr><td>double</td><td>best smoothed loss (+∞ before the first)</td></tr>
 *   <tr><td>long</td><td>step of the best</td></tr>
 *   <tr><td>long</td><td>last step</td></tr>
 *   <tr><td>long</td><td>last arrival, ms (Long.MIN_VALUE before the first step)</td></tr>
 *   <tr><td>long</td><td>healthy streak (≥ 0)</td></tr>
 *   <tr><td>byte</td><td>open alerts: bit 0 plateau, bit 1 silence, bit 2 divergence; other bits 0</td></tr>
 *   <tr><td>long</td><td>steps since the start or the last end (≥ 0)</td></tr>
 * </table>
 */
public final class StallDetector {
    /** Format version of the state {@link #writeTo} writes. */
    public static final int SERIAL_VERSION = 1;
    private static final String NAME = "StallDetector";

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
        DIVERGENCE(2);

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
     */
    public record Config(double smoothing, long patienceSteps, double minRelativeImprovement, Duration silence,
            double divergenceFactor, long recoverySteps) implements java.io.Serializable {
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
        }

        /** DESIGN.md's defaults: EMA 0.05, 500 steps, 1e-3, 60 s, 10x, 20 healthy steps to recover. */
        public static Config defaults() {
            return new Config(0.05, 500, 1e-3, Duration.ofSeconds(60), 10, 20);
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

    /** The detector's state, for checkpointing. */
    public record State(double smoothed, double best, long stepOfBest, long lastStep, long lastArrivalMs, long healthyStreak,
            boolean plateauOpen, boolean silenceOpen, boolean divergenceOpen, long steps) {}

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

    /** A detector with thresholds {@code config}, before any step. */
    public StallDetector(Config config) {
        this.config = config;
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
        return d;
    }

    /** The state, for checkpointing ({@link #restore}). */
    public State state() {
        return new State(smoothed, best, stepOfBest, lastStep, lastArrivalMs, healthyStreak, plateauOpen, silenceOpen,
                divergenceOpen, steps);
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
        out.writeByte((plateauOpen ? 1 : 0) | (silenceOpen ? 2 : 0) | (divergenceOpen ? 4 : 0));
        out.writeLong(steps);
    }

    /**
     * Reads a detector written by {@link #writeTo}, to run with thresholds {@code config};
     * {@link StateFormatException} if it cannot.
     */
    public static StallDetector readFrom(DataInput in, Config config) throws IOException {
        java.util.Objects.requireNonNull(config, "config");
        return StateFormat.read(NAME, in, i -> {
            StateFormat.readHeader(i, NAME, StateFormat.STALL_DETECTOR, SERIAL_VERSION);
            double smoothed = i.readDouble();
            double best = i.readDouble();
            long stepOfBest = i.readLong();
            long lastStep = i.readLong();
            long lastArrivalMs = i.readLong();
            long healthyStreak = StateFormat.readLong(i, NAME, "healthy streak", 0, Long.MAX_VALUE);
            int open = i.readUnsignedByte();
            if ((open & ~7) != 0) {
                throw new StateFormatException(NAME + " state: open-alert flags are " + open + ", expected bits 0 to 2 only");
            }
            long steps = StateFormat.readLong(i, NAME, "step count", 0, Long.MAX_VALUE);
            return restore(config, new State(smoothed, best, stepOfBest, lastStep, lastArrivalMs, healthyStreak, (open & 1) != 0,
                    (open & 2) != 0, (open & 4) != 0, steps));
        });
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
        };
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
        steps = 0;
        return out;
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
