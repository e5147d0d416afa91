package dev.canyon.kernels.indicators;

import dev.canyon.kernels.StateFormat;
import dev.canyon.kernels.StateFormatException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The obstacle indicators of Goodfellow's tutorial table (seed 001), over a sliding window of the
 * last W steps, from the trainer's exact per-step scalars alone:
 *
 * <ul>
 *   <li>gradient norm: mean ‖g‖ and its trend, the least-squares slope of ln ‖g‖ per step (local
 *       minima and saddles both drive ‖g‖ toward 0);
 *   <li>uphill fraction: share of steps after which the minibatch loss went up (L_{t+1} > L_t);
 *   <li>successive-gradient cosine ⟨g_t, g_{t−1}⟩ / (‖g_t‖‖g_{t−1}‖), mean: near −1 bouncing across a
 *       canyon, near 0 noise, near 1 steady descent;
 *   <li>gradient noise scale (McCandlish et al. 2018): with independent minibatches and small steps
 *       mean ⟨g_t, g_{t−1}⟩ estimates ‖∇L‖² and mean ‖g_t‖² − mean ⟨g_t, g_{t−1}⟩ estimates tr(Σ)/B,
 *       so B_simple = B · (mean ‖g‖² − mean ⟨g_t, g_{t−1}⟩) / mean ⟨g_t, g_{t−1}⟩; NaN unless
 *       mean ⟨g_t, g_{t−1}⟩ is more than two standard errors (of the mean of the window's dot products)
 *       above zero and below mean ‖g‖², so it is never negative. Steps of SGD bias ⟨g_t, g_{t−1}⟩ by
 *       about −η(GᵀHG + tr HC): the caller decides whether the steps were small enough to use it;
 *   <li>directional curvature along the step from consecutive steps, (⟨g_{t+1}, Δθ_t⟩ − ⟨g_t, Δθ_t⟩)
 *       / ‖Δθ_t‖², mean: the two gradients come from different minibatches, so this estimate is
 *       biased by gradient noise (same-batch probes are not);
 *   <li>Taylor check: predicted change ⟨g_t, Δθ_t⟩ + ½ κ_t ‖Δθ_t‖² against the observed L_{t+1} − L_t,
 *       as mean predicted and mean observed.
 * </ul>
 *
 * Steps must come in order; a value that needs the next step is counted when the next step
 * arrives. Non-finite scalars are rejected with {@link IllegalArgumentException}, state unchanged
 * (divergence is the stall detector's business). Empty or one-step windows give NaN where a
 * quantity needs more. Cost: O(1) per step; memory O(W).
 *
 * <p>State format ({@link #writeTo}, {@link #readFrom}; version {@value #SERIAL_VERSION}): the
 * window's steps, oldest first. A restored window is checked as {@link #update} checks steps
 * (finite, increasing); windows beyond {@value #MAX_PERSISTED_WINDOW} steps are neither written nor
 * read, so that a corrupt size cannot allocate a huge ring.
 *
 * <table>
 *   <caption>ObstacleIndicators state, version 1</caption>
 *   <tr><th>type</th><th>field</th></tr>
 *   <tr><td>byte, byte</td><td>format version 1, kernel code {@value StateFormat#OBSTACLE_INDICATORS}</td></tr>
 *   <tr><td>int</td><td>W, the window (2 to {@value #MAX_PERSISTED_WINDOW})</td></tr>
 *   <tr><td>int</td><td>n, steps held (0 to W)</td></tr>
 *   <tr><td>n × (long, double, int, 5 × double)</td><td>each step's {@link StepInput} components in
 *       declaration order: step, loss, batch size, gradient norm, delta norm, ⟨g, Δθ⟩, ⟨g, g_prev⟩,
 *       ⟨g, Δθ_prev⟩</td></tr>
 * </table>
 */
public final class ObstacleIndicators {
    /** Format version of the state {@link #writeTo} writes. */
    public static final int SERIAL_VERSION = 1;
    /** The largest window a state may hold. */
    public static final int MAX_PERSISTED_WINDOW = 1 << 20;
    private static final String NAME = "ObstacleIndicators";

    /** One step's scalars, as the step record carries them. */
    public record StepInput(long step, double loss, int batchSize, double gradNorm, double deltaNorm, double gradDotDelta,
            double gradDotPrevGrad, double gradDotPrevDelta) {}

    /**
     * The indicators over the window.
     *
     * @param steps steps in the window
     * @param meanGradNorm mean ‖g‖
     * @param gradNormTrend slope of ln ‖g‖ per step
     * @param uphillFraction share of steps after which the loss rose
     * @param successiveCosine mean cosine between consecutive gradients
     * @param noiseScale B_simple
     * @param curvature mean directional curvature along the step (cross-batch)
     * @param predictedLossChange mean first/second-order prediction of L_{t+1} − L_t
     * @param observedLossChange mean observed L_{t+1} − L_t
     * @param lossStart mean loss over the window's first quarter (at least one step): the minibatch
     *     losses are noisy, so a start and an end value each average a quarter of the window
     * @param lossEnd mean loss over the window's last quarter
     * @param lastStep the newest step in the window (0 when empty)
     * @param lossChangeStderr standard error of lossEnd − lossStart from the minibatch loss noise: σ̂·sqrt(2/q)
     *     for quarters of q steps, with σ̂² = mean (L_t − L_{t−1})²/2 over consecutive steps (a trend
     *     cancels in the differences); NaN with fewer than 2 consecutive steps. It counts the noise of
     *     the minibatch losses only, not the slow wander of θ (the classifier bounds that separately)
     * @param meanDeltaNorm mean ‖Δθ_t‖
     * @param meanLoss mean minibatch loss over the window
     * @param lossNoise σ̂, the minibatch loss noise per step (NaN with fewer than 2 consecutive steps)
     */
    public record Window(int steps, double meanGradNorm, double gradNormTrend, double uphillFraction, double successiveCosine,
            double noiseScale, double curvature, double predictedLossChange, double observedLossChange, double lossStart,
            double lossEnd, long lastStep, double lossChangeStderr, double meanDeltaNorm, double meanLoss, double lossNoise) {}

    private final int capacity;
    private final StepInput[] ring;
    private int size;
    private int head;

    /** Indicators over the last {@code window} steps. */
    public ObstacleIndicators(int window) {
        if (window < 2) {
            throw new IllegalArgumentException("window must hold at least 2 steps, got " + window);
        }
        this.capacity = window;
        this.ring = new StepInput[window];
    }

    /** Adds a step. */
    public void update(StepInput s) {
        for (double v : new double[] {s.loss(), s.gradNorm(), s.deltaNorm(), s.gradDotDelta(), s.gradDotPrevGrad(),
                s.gradDotPrevDelta()}) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("step " + s.step() + " has a non-finite scalar (" + v + ")");
            }
        }
        if (size > 0 && s.step() <= at(size - 1).step()) {
            throw new IllegalArgumentException("step " + s.step() + " after step " + at(size - 1).step());
        }
        ring[(head + size) % capacity] = s;
        if (size < capacity) {
            size++;
        } else {
            head = (head + 1) % capacity;
        }
    }

    private StepInput at(int i) {
        return ring[(head + i) % capacity];
    }

    /** Steps held (at most the window). */
    public int size() {
        return size;
    }

    /** Whether the window is full. */
    public boolean isFull() {
        return size == capacity;
    }

    /** Writes this window's state (layout in the class comment). */
    public void writeTo(DataOutput out) throws IOException {
        if (capacity > MAX_PERSISTED_WINDOW) {
            throw new StateFormatException(NAME + " window of " + capacity + " steps is beyond the " + MAX_PERSISTED_WINDOW
                    + " a state may hold");
        }
        StateFormat.writeHeader(out, SERIAL_VERSION, StateFormat.OBSTACLE_INDICATORS);
        out.writeInt(capacity);
        out.writeInt(size);
        for (int i = 0; i < size; i++) {
            StepInput s = at(i);
            out.writeLong(s.step());
            out.writeDouble(s.loss());
            out.writeInt(s.batchSize());
            out.writeDouble(s.gradNorm());
            out.writeDouble(s.deltaNorm());
            out.writeDouble(s.gradDotDelta());
            out.writeDouble(s.gradDotPrevGrad());
            out.writeDouble(s.gradDotPrevDelta());
        }
    }

    /** Reads a window written by {@link #writeTo}; {@link StateFormatException} if it cannot. */
    public static ObstacleIndicators readFrom(DataInput in) throws IOException {
        return StateFormat.read(NAME, in, i -> {
            StateFormat.readHeader(i, NAME, StateFormat.OBSTACLE_INDICATORS, SERIAL_VERSION);
            int window = StateFormat.readInt(i, NAME, "window", 2, MAX_PERSISTED_WINDOW);
            int n = StateFormat.readInt(i, NAME, "steps held", 0, window);
            ObstacleIndicators indicators = new ObstacleIndicators(window);
            for (int k = 0; k < n; k++) {
                // update() checks each step as it checked it the first time (IllegalArgumentException: inconsistent state).
                indicators.update(new StepInput(i.readLong(), i.readDouble(), i.readInt(), i.readDouble(), i.readDouble(),
                        i.readDouble(), i.readDouble(), i.readDouble()));
            }
            return indicators;
        });
    }

    /**
     * This window's state as bytes ({@link #writeTo}); {@link IllegalStateException} if it is beyond what a
     * state may hold (see the class comment).
     */
    public byte[] toByteArray() {
        return StateFormat.toByteArray(this::writeTo);
    }

    /** The window whose state {@code bytes} holds, all of it ({@link #readFrom}). */
    public static ObstacleIndicators heapify(byte[] bytes) throws StateFormatException {
        return StateFormat.heapify(bytes, NAME, ObstacleIndicators::readFrom);
    }

    /** The indicators now. */
    public Window window() {
        double sumNorm = 0;
        double sumDelta = 0;
        double sumLoss = 0;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int logCount = 0;
        double cosSum = 0;
        int cosCount = 0;
        double sumSq = 0, sumDot = 0, sumDot2 = 0;
        int dotCount = 0;
        double batch = 0;
        int uphill = 0, pairs = 0;
        double diffSq = 0;
        double curvSum = 0;
        int curvCount = 0;
        double predicted = 0, observed = 0;
        for (int i = 0; i < size; i++) {
            StepInput s = at(i);
            sumNorm += s.gradNorm();
            sumDelta += s.deltaNorm();
            sumLoss += s.loss();
            batch += s.batchSize();
            if (s.gradNorm() > 0) {
                double x = s.step();
                double y = Math.log(s.gradNorm());
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
                logCount++;
            }
            if (i > 0) {
                StepInput p = at(i - 1);
                boolean consecutive = s.step() == p.step() + 1;
                if (consecutive) {
                    if (s.gradNorm() > 0 && p.gradNorm() > 0) {
                        cosSum += s.gradDotPrevGrad() / (s.gradNorm() * p.gradNorm());
                        cosCount++;
                    }
                    sumSq += s.gradNorm() * s.gradNorm();
                    sumDot += s.gradDotPrevGrad();
                    sumDot2 += s.gradDotPrevGrad() * s.gradDotPrevGrad();
                    dotCount++;
                    pairs++;
                    if (s.loss() > p.loss()) {
                        uphill++;
                    }
                    diffSq += (s.loss() - p.loss()) * (s.loss() - p.loss());
                    double observedChange = s.loss() - p.loss();
                    double kappa = Double.NaN;
                    if (p.deltaNorm() > 0) {
                        kappa = (s.gradDotPrevDelta() - p.gradDotDelta()) / (p.deltaNorm() * p.deltaNorm());
                        curvSum += kappa;
                        curvCount++;
                        predicted += p.gradDotDelta() + 0.5 * kappa * p.deltaNorm() * p.deltaNorm();
                        observed += observedChange;
                    }
                }
            }
        }
        int quarter = Math.max(1, size / 4);
        double head = 0, tail = 0;
        for (int i = 0; i < quarter && i < size; i++) {
            head += at(i).loss();
            tail += at(size - 1 - i).loss();
        }
        double meanB = size == 0 ? Double.NaN : batch / size;
        double trend = Double.NaN;
        if (logCount >= 2) {
            double denominator = logCount * sxx - sx * sx;
            trend = denominator == 0 ? Double.NaN : (logCount * sxy - sx * sy) / denominator;
        }
        double noise = Double.NaN;
        if (dotCount > 0) {
            double g2 = sumSq / dotCount;
            double gg = sumDot / dotCount;
            // Only a positive, significant estimate of ‖∇L‖² and a positive tr(Σ)/B give a noise scale.
            double se = dotCount > 1 ? Math.sqrt(Math.max(0, sumDot2 / dotCount - gg * gg) / (dotCount - 1)) : Double.POSITIVE_INFINITY;
            noise = gg > 2 * se && g2 > gg ? meanB * (g2 - gg) / gg : Double.NaN;
        }
        return new Window(size, size == 0 ? Double.NaN : sumNorm / size, trend,
                pairs == 0 ? Double.NaN : uphill / (double) pairs, cosCount == 0 ? Double.NaN : cosSum / cosCount, noise,
                curvCount == 0 ? Double.NaN : curvSum / curvCount, curvCount == 0 ? Double.NaN : predicted / curvCount,
                curvCount == 0 ? Double.NaN : observed / curvCount, size == 0 ? Double.NaN : head / quarter,
                size == 0 ? Double.NaN : tail / quarter, size == 0 ? 0 : at(size - 1).step(),
                pairs == 0 ? Double.NaN : Math.sqrt(diffSq / pairs / 2) * Math.sqrt(2.0 / quarter),
                size == 0 ? Double.NaN : sumDelta / size, size == 0 ? Double.NaN : sumLoss / size,
                pairs == 0 ? Double.NaN : Math.sqrt(diffSq / pairs / 2));
    }
}
