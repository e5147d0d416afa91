package dev.canyon.trainer.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

/**
 * Ground truth: the 2-parameter deep linear model L(w1, w2) = (1 − w1·w2)², built as a real DL4J
 * network (1 → 1 → 1, identity activations, no biases, MSE, input 1, target 1). Its Hessian is
 * known in closed form: H = [[2 w2², 4 w1 w2 − 2], [4 w1 w2 − 2, 2 w1²]]; at the origin, a saddle
 * with eigenvalues ±2.
 */
class DeepLinearProbeTest {

    static MultiLayerNetwork deepLinear() {
        return DeepLinear.network(0.1);
    }

    static NetworkOracle oracle(MultiLayerNetwork net) {
        return new NetworkOracle(net, DeepLinear.example());
    }

    static double[][] hessian(double w1, double w2) {
        return DeepLinear.hessian(new double[] {w1, w2});
    }

    static double[] eigenvalues(double[][] h) {
        return DeepLinear.eigenvalues(h);
    }

    private static final double[][] POINTS = {
        {0.01, -0.02}, {0.0, 0.0}, {0.3, 0.5}, {1.0, 1.0}, {-0.7, 1.6}, {2.0, 0.4}, {-1.2, -0.9}};

    @Test
    void lossAndGradientMatchTheClosedForm() {
        NetworkOracle oracle = oracle(deepLinear());
        for (double[] w : POINTS) {
            double[] g = new double[2];
            double loss = oracle.gradient(w, g);
            double r = 1 - w[0] * w[1];
            assertThat(loss).isCloseTo(r * r, within(1e-12));
            assertThat(g[0]).isCloseTo(-2 * w[1] * r, within(1e-12));
            assertThat(g[1]).isCloseTo(-2 * w[0] * r, within(1e-12));
        }
    }

    /** Issue bar: relative error ≤ 1e-3 against the closed form (absolute 1e-9 where the truth is 0). */
    @Test
    void directionalCurvatureMatchesTheClosedForm() {
        HessianProbe probe = new HessianProbe(oracle(deepLinear()), 1e-5);
        double[][] directions = {{1, 0}, {0, 1}, {1, 1}, {1, -1}, {0.3, -2.0}};
        for (double[] w : POINTS) {
            double[][] h = hessian(w[0], w[1]);
            for (double[] u : directions) {
                double expected = (u[0] * (h[0][0] * u[0] + h[0][1] * u[1]) + u[1] * (h[1][0] * u[0] + h[1][1] * u[1]))
                        / (u[0] * u[0] + u[1] * u[1]);
                assertThat(probe.curvature(w, u)).as("u^T H u / |u|^2 at (%s, %s) along (%s, %s)", w[0], w[1], u[0], u[1])
                        .isCloseTo(expected, within(1e-3 * Math.abs(expected) + 1e-9));
            }
        }
    }

    @Test
    void hessianExtremesMatchTheClosedFormIncludingTheSaddle() {
        HessianProbe probe = new HessianProbe(oracle(deepLinear()), 1e-5);
        for (double[] w : POINTS) {
            double[] exact = eigenvalues(hessian(w[0], w[1]));
            HessianProbe.Extremes e = probe.extremes(w, 100, 0, 1);
            assertThat(e.maxEigenvalue()).as("lambda_max at (%s, %s)", w[0], w[1])
                    .isCloseTo(exact[0], within(1e-3 * Math.abs(exact[0]) + 1e-9));
            assertThat(e.minEigenvalue()).as("lambda_min at (%s, %s)", w[0], w[1])
                    .isCloseTo(exact[1], within(1e-3 * Math.abs(exact[1]) + 1e-9));
        }
        // Near the origin: a saddle, negative curvature of about -2.
        HessianProbe.Extremes saddle = probe.extremes(new double[] {0.01, -0.02}, 100, 0, 2);
        assertThat(saddle.minEigenvalue()).isLessThan(-1.9);
        assertThat(saddle.maxEigenvalue()).isGreaterThan(1.9);
    }

    /**
     * Hutchinson's estimator with Rademacher vectors: in two dimensions vᵀHv = tr H ± 2·H12, so the
     * mean of n samples is within 4·|H12|/√n of tr H with overwhelming probability.
     */
    @Test
    void hutchinsonTraceIsUnbiased() {
        HessianProbe probe = new HessianProbe(oracle(deepLinear()), 1e-5);
        double[] w = {0.3, 0.5};
        double[][] h = hessian(w[0], w[1]);
        int n = 400;
        HessianProbe.Extremes e = probe.extremes(w, 10, n, 3);
        assertThat(e.trace()).isCloseTo(h[0][0] + h[1][1], within(4 * Math.abs(h[0][1]) / Math.sqrt(n)));
        assertThat(e.hessianVectorProducts()).isEqualTo(2 + n); // Lanczos ends after d = 2 steps: the Krylov space is the whole space
        // Its standard error: the samples are tr H ± 2·H12 with probability 1/2 each, so their standard deviation is
        // 2·|H12| (up to how evenly the n coin flips fell, a few percent at n = 400) and the error of the mean 2·|H12|/√n.
        assertThat(e.traceStderr()).isCloseTo(2 * Math.abs(h[0][1]) / Math.sqrt(n), within(0.05 * 2 * Math.abs(h[0][1]) / Math.sqrt(n)));
        assertThat(Math.abs(e.trace() - (h[0][0] + h[1][1]))).isLessThan(4 * e.traceStderr());
        // One sample has no spread to measure; none has no trace.
        assertThat(probe.extremes(w, 10, 1, 3).traceStderr()).isNaN();
        assertThat(probe.extremes(w, 10, 0, 3).trace()).isNaN();
    }

    /**
     * Where H is diagonal every Rademacher sample vᵀHv = Σ H_ii v_i² is tr H itself: the standard error
     * is 0 up to the finite differences' rounding (H of L(θ) = ½ Σ c_i θ_i², exact in gradients).
     */
    @Test
    void hutchinsonStandardErrorVanishesForADiagonalHessian() {
        double[] c = {1, 3, -2, 5};
        GradientOracle quadratic = new GradientOracle() {
            @Override
            public int dimension() {
                return c.length;
            }

            @Override
            public double loss(double[] theta) {
                double l = 0;
                for (int i = 0; i < c.length; i++) {
                    l += c[i] * theta[i] * theta[i] / 2;
                }
                return l;
            }

            @Override
            public double gradient(double[] theta, double[] out) {
                for (int i = 0; i < c.length; i++) {
                    out[i] = c[i] * theta[i];
                }
                return loss(theta);
            }
        };
        HessianProbe.Extremes e = new HessianProbe(quadratic, 1e-4).extremes(new double[] {0.1, 0.2, 0.3, 0.4}, 4, 50, 1);
        assertThat(e.trace()).isCloseTo(7, within(1e-9));
        assertThat(e.traceStderr()).isLessThan(1e-9);
    }

    @Test
    void probingLeavesTheNetworkUnchanged() {
        MultiLayerNetwork net = deepLinear();
        double[] before = net.params().toDoubleVector();
        new HessianProbe(oracle(net), 1e-5).extremes(new double[] {0.2, -0.4}, 5, 5, 1);
        assertThat(net.params().toDoubleVector()).containsExactly(before);
    }
}
