package dev.canyon.kernels.indicators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.kernels.indicators.ObstacleIndicators.StepInput;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Ground truth: SGD simulated on quadratics L(θ) = ½ θᵀ diag(h) θ with minibatch gradients
 * g = Hθ + ε, ε ~ N(0, σ² I / B), so curvature, noise scale and cosines are known in closed form.
 */
class ObstacleIndicatorsTest {

    /** Runs SGD and feeds the indicators the scalars a trainer would publish. */
    static ObstacleIndicators.Window simulate(double[] h, double lr, double sigma, int batch, int steps, int window, long seed,
            double[] theta0) {
        Random r = new Random(seed);
        int d = h.length;
        double[] theta = theta0.clone();
        double[] prevG = null;
        double[] prevDelta = null;
        ObstacleIndicators ind = new ObstacleIndicators(window);
        for (int t = 1; t <= steps; t++) {
            double[] g = new double[d];
            double loss = 0;
            for (int i = 0; i < d; i++) {
                g[i] = h[i] * theta[i] + sigma / Math.sqrt(batch) * r.nextGaussian();
                loss += 0.5 * h[i] * theta[i] * theta[i];
            }
            double[] delta = new double[d];
            for (int i = 0; i < d; i++) {
                delta[i] = -lr * g[i];
                theta[i] += delta[i];
            }
            ind.update(new StepInput(t, loss, batch, norm(g), norm(delta), dot(g, delta), prevG == null ? 0 : dot(g, prevG),
                    prevDelta == null ? 0 : dot(g, prevDelta)));
            prevG = g;
            prevDelta = delta;
        }
        return ind.window();
    }

    /**
     * Noise-free gradient descent on a one-dimensional quadratic of curvature h: the cross-batch
     * curvature estimate is exact, and the Taylor prediction equals the observed change (the loss is
     * exactly quadratic). With η·h = 1.8 the iterate flips sign every step (cosine −1: bouncing
     * across the canyon) while the loss still decreases (|1 − ηh| = 0.8, uphill fraction 0).
     */
    @Test
    void noiseFreeQuadraticHasExactCurvatureAndTaylorPrediction() {
        ObstacleIndicators.Window w = simulate(new double[] {3.0}, 0.6, 0, 1, 50, 40, 1, new double[] {1.0});
        assertThat(w.curvature()).isCloseTo(3.0, within(1e-9));
        assertThat(w.predictedLossChange()).isCloseTo(w.observedLossChange(), within(1e-12));
        assertThat(w.successiveCosine()).isCloseTo(-1, within(1e-12));
        assertThat(w.uphillFraction()).isZero();
        assertThat(w.gradNormTrend()).isCloseTo(Math.log(0.8), within(1e-9));
    }

    /** Too large a step (|1 − ηh| > 1): the loss rises every step. */
    @Test
    void unstableStepGoesUphill() {
        ObstacleIndicators.Window w = simulate(new double[] {3.0}, 0.7, 0, 1, 30, 20, 1, new double[] {1e-3});
        assertThat(w.uphillFraction()).isEqualTo(1.0);
        assertThat(w.gradNormTrend()).isCloseTo(Math.log(1.1), within(1e-9));
    }

    /**
     * A fixed true gradient G (the steps barely move θ) plus minibatch noise of covariance σ²I/B:
     * B_simple = tr(Σ)/‖G‖² = dσ²/‖G‖², and the successive cosine tends to ‖G‖²/(‖G‖² + dσ²/B).
     */
    @Test
    void noiseScaleMatchesTheClosedForm() {
        int d = 50;
        double[] h = new double[d];
        java.util.Arrays.fill(h, 1e-6);
        double[] theta0 = new double[d];
        java.util.Arrays.fill(theta0, 1e3);
        // ∇L = h θ ≈ 1e-3 per coordinate (stays put: lr·h tiny); ‖∇L‖² = d·1e-6; tr(Σ) = d σ².
        double sigma = 1e-3;
        int batch = 8;
        ObstacleIndicators.Window w = simulate(h, 1e-3, sigma, batch, 4000, 4000, 2, theta0);
        double expected = batch * (d * sigma * sigma / batch) / (d * 1e-6);
        // Mean of 4,000 noisy products: relative standard error about sqrt(2/4000)·(1 + B_simple/B) ≈ 5 %.
        assertThat(w.noiseScale()).isCloseTo(expected, within(0.25 * expected));
        double g2 = d * 1e-6;
        assertThat(w.successiveCosine()).isCloseTo(g2 / (g2 + d * sigma * sigma / batch), within(0.05));
    }

    @Test
    void windowKeepsTheLastSteps() {
        ObstacleIndicators ind = new ObstacleIndicators(3);
        assertThat(ind.window().meanGradNorm()).isNaN();
        for (int t = 1; t <= 5; t++) {
            ind.update(new StepInput(t, 1, 1, t, 1, 0, 0, 0));
        }
        assertThat(ind.window().steps()).isEqualTo(3);
        assertThat(ind.window().meanGradNorm()).isEqualTo(4.0);
        assertThatThrownBy(() -> ind.update(new StepInput(5, 1, 1, 1, 1, 0, 0, 0))).hasMessageContaining("step 5 after step 5");
        assertThatThrownBy(() -> ind.update(new StepInput(6, Double.NaN, 1, 1, 1, 0, 0, 0))).hasMessageContaining("non-finite");
        assertThat(ind.window().steps()).isEqualTo(3);
    }

    static double norm(double[] v) {
        return Math.sqrt(dot(v, v));
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
