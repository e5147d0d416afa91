package dev.canyon.analytics;

import dev.canyon.kernels.obstacle.ObstacleClassifier;
import dev.canyon.kernels.pca.TrajectoryPca;
import dev.canyon.kernels.stall.StallDetector;
import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The per-run analytics' settings, validated: one type for the live job, replays and reports, read
 * from a {@code Map} of {@link Key}s (the environment of the job, or a CLI's options) by {@link
 * #fromMap}; {@link #KEYS} documents every key with its default (docs/operations.md lists them).
 *
 * @param window steps in the indicators' sliding window; the obstacle state is decided once it is full
 * @param emitEvery steps between indicator, obstacle and PCA points; also the PCA's sampling
 *     interval: θ_t enters the PCA (and the control walk's position its PCA) at every emitEvery-th
 *     step, which costs a tenth of sampling every step and changes the explained variances of a
 *     training trajectory by far less than the 0.01 bar (RunAnalyzerTest checks against batch PCA
 *     of every point)
 * @param pcaRows rows ℓ of the PCA's sketch of what merging positions loses (2 to 256; at most 2ℓ rows
 *     of the space's size are held, as floats)
 * @param pcaPositions positions the PCA keeps exactly (2 to 1,024): its results are exact PCA of the
 *     sampled positions while there are at most this many (the first pcaPositions × emitEvery steps),
 *     and merge neighbouring positions beyond; memory (pcaPositions + 2ℓ) × space floats
 * @param pcaMaxDimension largest exact vector the PCA takes as it is
 * @param streamSketchSize sketch size for larger exact vectors
 * @param crossRunEvery steps between positions offered for cross-run distances (0: none)
 * @param hessianFreshness a Hessian probe older than this many steps is not used as evidence
 * @param stall stall-alert thresholds (plateau, silence, divergence, and the spike window and sigmas)
 * @param thresholds classifier thresholds
 * @param maxStepJump largest gap a run's step (or probe) may have past its last accepted step; a
 *     record beyond it is rejected, so that one forged step number cannot make every later real step
 *     of the run look out of order
 * @param persistence windows in a row a new obstacle state's evidence must hold before the state
 *     changes (a non-finite step shows DIVERGING at once)
 * @param noiseHorizon same-point probes older than this many steps are not used as evidence
 */
public record AnalyticsSettings(int window, int emitEvery, int pcaRows, int pcaPositions, int pcaMaxDimension,
        int streamSketchSize, int crossRunEvery, int hessianFreshness, StallDetector.Config stall, ObstacleClassifier.Thresholds thresholds,
        long maxStepJump, int persistence, int noiseHorizon) implements Serializable {

    public AnalyticsSettings {
        if (window < 4) {
            throw new IllegalArgumentException("window must be at least 4 steps, got " + window);
        }
        if (emitEvery < 1 || pcaRows < 2 || pcaMaxDimension < 1 || streamSketchSize < 1 || crossRunEvery < 0
                || hessianFreshness < 1) {
            throw new IllegalArgumentException("emitEvery, hessianFreshness >= 1, pcaRows >= 2, sizes >= 1, crossRunEvery >= 0 "
                    + "required, got " + emitEvery + ", " + hessianFreshness + ", " + pcaRows + ", " + pcaMaxDimension + "/"
                    + streamSketchSize + ", " + crossRunEvery);
        }
        if (pcaRows > TrajectoryPca.MAX_SKETCH_ROWS || pcaPositions < 2
                || pcaPositions > TrajectoryPca.MAX_POSITIONS) {
            throw new IllegalArgumentException("pcaRows must be 2 to " + TrajectoryPca.MAX_SKETCH_ROWS
                    + " and pcaPositions 2 to " + TrajectoryPca.MAX_POSITIONS + ", got " + pcaRows + ", "
                    + pcaPositions);
        }
        if (maxStepJump < 1) {
            throw new IllegalArgumentException("maxStepJump must be >= 1, got " + maxStepJump);
        }
        if (persistence < 1 || noiseHorizon < 1) {
            throw new IllegalArgumentException("persistence and noise horizon must be >= 1, got " + persistence + " and " + noiseHorizon);
        }
        java.util.Objects.requireNonNull(stall, "stall");
        java.util.Objects.requireNonNull(thresholds, "thresholds");
    }

    /**
     * Window 50 steps, points every 10 steps, PCA exact over its first 64 positions with ℓ = 16 sketch
     * rows beyond, in the exact vectors up to 4,096 values and a 1,024-dimensional sketch above,
     * cross-run positions every 50 steps, Hessian probes usable for 500 steps (the economy preset's
     * cadence: curvature changes slowly where it decides, near a critical point); DESIGN.md's stall
     * defaults; the classifier's default thresholds; steps at most 100,000 past the last accepted one;
     * a new obstacle state shown after 3 windows in a row; same-point probes used for 200 steps.
     */
    public static AnalyticsSettings defaults() {
        return new AnalyticsSettings(50, 10, 16, 64, 4096, 1024, 50, 500, StallDetector.Config.defaults(),
                ObstacleClassifier.Thresholds.defaults(), 100_000, 3, 200);
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A settings key: its name (an environment variable's), what it sets, its default, and how it is applied. */
    public record Key(String name, String description, String defaultValue, BiConsumer<Builder, String> apply) {}

    /** Every key {@link #fromMap} reads, in the order docs/operations.md lists them. */
    public static final List<Key> KEYS = List.of(
            new Key("CANYON_WINDOW_STEPS", "indicator window in steps", "50", (b, v) -> b.window(parseInt(v))),
            new Key("CANYON_EMIT_EVERY_STEPS", "steps between indicator, obstacle and PCA points", "10",
                    (b, v) -> b.emitEvery(parseInt(v))),
            new Key("CANYON_PCA_POSITIONS", "positions the trajectory PCA keeps exactly before it merges neighbours", "64",
                    (b, v) -> b.pcaPositions(parseInt(v))),
            new Key("CANYON_PLATEAU_PATIENCE_STEPS", "steps without improvement before a plateau alert", "500",
                    (b, v) -> b.stall(copy(b.stall, Long.parseLong(v.trim()), b.stall.silence()))),
            new Key("CANYON_SILENCE_S", "seconds without a step before a silence alert", "60",
                    (b, v) -> b.stall(copy(b.stall, b.stall.patienceSteps(), Duration.ofSeconds(Long.parseLong(v.trim()))))),
            new Key("CANYON_STATE_PERSISTENCE_WINDOWS", "windows in a row a new obstacle state must hold before it is shown", "3",
                    (b, v) -> b.persistence(parseInt(v))),
            new Key("CANYON_NOISE_PROBE_HORIZON_STEPS", "age in steps beyond which same-point probes are not used as evidence",
                    "200", (b, v) -> b.noiseHorizon(parseInt(v))),
            new Key("CANYON_SPIKE_WINDOW_STEPS", "previous steps whose mean and sigma judge a loss or gradient-norm spike (8 to 8192)",
                    "128", (b, v) -> b.stall(b.stall.withSpikes(parseInt(v), b.stall.spikeSigmas()))),
            new Key("CANYON_SPIKE_SIGMAS", "a loss or gradient norm above that mean plus this many sigma opens a spike alert (>= 1)",
                    "6", (b, v) -> b.stall(b.stall.withSpikes(b.stall.spikeWindowSteps(), Double.parseDouble(v.trim())))),
            new Key("CANYON_MAX_STEP_JUMP", "largest gap a step or probe may have past the run's last accepted step", "100000",
                    (b, v) -> b.maxStepJump(Long.parseLong(v.trim()))));

    /**
     * The settings {@code values} give (keys of {@link #KEYS}; other entries are ignored, so the
     * whole environment can be passed), defaults for the rest. Throws IllegalArgumentException
     * naming the key and the value when a value is not a number or out of range.
     */
    public static AnalyticsSettings fromMap(Map<String, String> values) {
        Builder b = builder();
        for (Key k : KEYS) {
            String v = values.get(k.name());
            if (v == null || v.isBlank()) {
                continue;
            }
            try {
                k.apply().accept(b, v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(k.name() + " must be " + k.description() + " (default " + k.defaultValue()
                        + "), got '" + v + "': " + e.getMessage(), e);
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("analytics settings from " + present(values) + ": " + e.getMessage(), e);
        }
    }

    /** The keys present in {@code values} with their values. */
    private static Map<String, String> present(Map<String, String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Key k : KEYS) {
            if (values.containsKey(k.name())) {
                out.put(k.name(), values.get(k.name()));
            }
        }
        return out;
    }

    private static int parseInt(String v) {
        return Integer.parseInt(v.trim());
    }

    private static StallDetector.Config copy(StallDetector.Config s, long patience, Duration silence) {
        return new StallDetector.Config(s.smoothing(), patience, s.minRelativeImprovement(), silence, s.divergenceFactor(),
                s.recoverySteps(), s.spikeWindowSteps(), s.spikeSigmas());
    }

    /** Builds {@link AnalyticsSettings}; {@link #build} validates. */
    public static final class Builder {
        private int window;
        private int emitEvery;
        private int pcaRows;
        private int pcaPositions;
        private int pcaMaxDimension;
        private int streamSketchSize;
        private int crossRunEvery;
        private int hessianFreshness;
        private StallDetector.Config stall;
        private ObstacleClassifier.Thresholds thresholds;
        private long maxStepJump;
        private int persistence;
        private int noiseHorizon;

        private Builder(AnalyticsSettings s) {
            window = s.window;
            emitEvery = s.emitEvery;
            pcaRows = s.pcaRows;
            pcaPositions = s.pcaPositions;
            pcaMaxDimension = s.pcaMaxDimension;
            streamSketchSize = s.streamSketchSize;
            crossRunEvery = s.crossRunEvery;
            hessianFreshness = s.hessianFreshness;
            stall = s.stall;
            thresholds = s.thresholds;
            maxStepJump = s.maxStepJump;
            persistence = s.persistence;
            noiseHorizon = s.noiseHorizon;
        }

        public Builder persistence(int windows) {
            this.persistence = windows;
            return this;
        }

        public Builder noiseHorizon(int steps) {
            this.noiseHorizon = steps;
            return this;
        }

        public Builder window(int steps) {
            this.window = steps;
            return this;
        }

        public Builder emitEvery(int steps) {
            this.emitEvery = steps;
            return this;
        }

        public Builder pcaRows(int rows) {
            this.pcaRows = rows;
            return this;
        }

        public Builder pcaPositions(int positions) {
            this.pcaPositions = positions;
            return this;
        }

        public Builder pcaMaxDimension(int d) {
            this.pcaMaxDimension = d;
            return this;
        }

        public Builder streamSketchSize(int k) {
            this.streamSketchSize = k;
            return this;
        }

        public Builder crossRunEvery(int steps) {
            this.crossRunEvery = steps;
            return this;
        }

        public Builder hessianFreshness(int steps) {
            this.hessianFreshness = steps;
            return this;
        }

        public Builder stall(StallDetector.Config c) {
            this.stall = c;
            return this;
        }

        public Builder thresholds(ObstacleClassifier.Thresholds t) {
            this.thresholds = t;
            return this;
        }

        public Builder maxStepJump(long steps) {
            this.maxStepJump = steps;
            return this;
        }

        public AnalyticsSettings build() {
            return new AnalyticsSettings(window, emitEvery, pcaRows, pcaPositions, pcaMaxDimension, streamSketchSize,
                    crossRunEvery, hessianFreshness, stall, thresholds, maxStepJump, persistence, noiseHorizon);
        }
    }
}
