package dev.canyon.analytics.groundtruth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.kernels.obstacle.ObstacleState;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The obstacle state on quadratics with known Hessians and injected minibatch noise, 20 seeded runs
 * per case, default settings: each case ends in its state in at least 19 of 20 runs (DESIGN.md,
 * "Numbers to reach").
 */
class NoisyGroundTruthTest {
    static final int SEEDS = 20;
    final AnalyticsSettings settings = AnalyticsSettings.defaults();

    /** Final states of 20 seeded runs, printed with one run's last evidence. */
    private Map<ObstacleState, Integer> tally(String name, Supplier<NoisyQuadratic> problem, int steps) {
        Map<ObstacleState, Integer> counts = new EnumMap<>(ObstacleState.class);
        String evidence = "";
        for (long seed = 1; seed <= SEEDS; seed++) {
            NoisyQuadratic.Outcome o = problem.get().run(seed, steps, settings);
            counts.merge(o.last() == null ? ObstacleState.PLATEAU_MOVING : o.last(), 1, Integer::sum);
            if (seed == 1) {
                evidence = o.evidence().isEmpty() ? "" : o.evidence().get(o.evidence().size() - 1);
            }
        }
        System.out.println(name + ": " + counts + "\n  seed 1: " + evidence);
        return counts;
    }

    /** Near a minimum: SGD at its stationary state, ηλmax = 0.2, a loss of 0 at the minimum and minibatch-loss noise 1e-4. */
    static NoisyQuadratic nearMinimum() {
        NoisyQuadratic q = new NoisyQuadratic();
        q.lambda = NoisyQuadratic.geometric(20, 0.1, 4);
        q.sigma2 = NoisyQuadratic.filled(20, 1);
        q.start = new double[20];
        q.learningRate = 0.05;
        q.lossNoise = 1e-4;
        return q;
    }

    @Test
    void nearAMinimum() {
        assertThat(tally("near a minimum", NoisyGroundTruthTest::nearMinimum, 600).getOrDefault(ObstacleState.NEAR_MINIMUM, 0))
                .isGreaterThanOrEqualTo(19);
        NoisyQuadratic offset = nearMinimum();
        offset.lossOffset = 0.3;
        assertThat(tally("near a minimum, loss 0.3 there", () -> {
            NoisyQuadratic q = nearMinimum();
            q.lossOffset = 0.3;
            return q;
        }, 600).getOrDefault(ObstacleState.NEAR_MINIMUM, 0)).isGreaterThanOrEqualTo(19);
        // Heavy-ball momentum 0.9 at η = 0.005: the same effective step η/(1−β) = 0.05.
        assertThat(tally("near a minimum, momentum 0.9", () -> {
            NoisyQuadratic q = nearMinimum();
            q.momentum = 0.9;
            q.learningRate = 0.005;
            return q;
        }, 600).getOrDefault(ObstacleState.NEAR_MINIMUM, 0)).isGreaterThanOrEqualTo(19);
    }

    /** Near a strict saddle: λmin = −0.1 against λmax = 4, started at it, with gradient noise small enough to stay 400 steps. */
    @Test
    void nearAStrictSaddle() {
        assertThat(tally("near a strict saddle", () -> {
            NoisyQuadratic q = nearMinimum();
            q.lambda[0] = -0.1;
            q.sigma2 = NoisyQuadratic.filled(20, 0.01);
            q.lossOffset = 0.3;
            return q;
        }, 400).getOrDefault(ObstacleState.SADDLE, 0)).isGreaterThanOrEqualTo(19);
    }

    /** A canyon: λmax = 10 at η = 0.19 (ηλmax = 1.9) over a floor of curvatures 0.01–0.1 still far from its minimum. */
    @Test
    void illConditionedNearTheEdgeOfStability() {
        assertThat(tally("ill-conditioned", () -> {
            NoisyQuadratic q = new NoisyQuadratic();
            double[] floor = NoisyQuadratic.geometric(19, 0.01, 0.1);
            q.lambda = new double[20];
            q.lambda[0] = 10;
            System.arraycopy(floor, 0, q.lambda, 1, 19);
            q.sigma2 = NoisyQuadratic.filled(20, 1);
            q.start = NoisyQuadratic.filled(20, 1);
            q.start[0] = 0.1;
            q.learningRate = 0.19;
            q.lossNoise = 1e-3;
            return q;
        }, 400).getOrDefault(ObstacleState.ILL_CONDITIONED, 0)).isGreaterThanOrEqualTo(19);
    }

    /** Noise-dominated: far from the minimum, but tr Σ/B (62) dwarfs ‖∇L‖² (about 3) at a small learning rate. */
    @Test
    void noiseDominated() {
        assertThat(tally("noise-dominated", () -> {
            NoisyQuadratic q = new NoisyQuadratic();
            q.lambda = NoisyQuadratic.geometric(20, 0.1, 1);
            q.sigma2 = NoisyQuadratic.filled(20, 100);
            q.start = NoisyQuadratic.filled(20, 1);
            q.learningRate = 0.001;
            q.lossNoise = 0.5;
            return q;
        }, 400).getOrDefault(ObstacleState.NOISE_DOMINATED, 0)).isGreaterThanOrEqualTo(19);
    }

    /** Descending: far from the minimum with little noise. */
    @Test
    void progressing() {
        assertThat(tally("progressing", () -> {
            NoisyQuadratic q = new NoisyQuadratic();
            q.lambda = NoisyQuadratic.geometric(20, 0.1, 1);
            q.sigma2 = NoisyQuadratic.filled(20, 0.01);
            q.start = NoisyQuadratic.filled(20, 3);
            q.learningRate = 0.05;
            q.lossNoise = 1e-3;
            return q;
        }, 150).getOrDefault(ObstacleState.PROGRESSING, 0)).isGreaterThanOrEqualTo(19);
    }

    /**
     * The probe-based noise scale against the exact tr Σ/‖∇L‖² on a quadratic with a known gradient
     * covariance: a learning rate of 1e-6 keeps θ (so ‖∇L‖² = Σ λ_i² x_i²) fixed over the run, and each
     * window averages up to 20 probes of 4 parts. Within 10 % at the last window of every seed: in 100
     * dimensions the relative standard error of the mean ‖∇L‖² is about sqrt(4 tr Σ/(B n ‖∇L‖²)) ≈ 1.7 %
     * and that of tr Σ about sqrt(2/((m−1) d))/sqrt(n) ≈ 2 %, so 10 % is nearly 4 of their combined
     * standard errors. Never negative or absent.
     */
    @Test
    void theProbeNoiseScaleMatchesTheExactValue() {
        for (long seed = 1; seed <= SEEDS; seed++) {
            NoisyQuadratic q = new NoisyQuadratic();
            q.lambda = NoisyQuadratic.geometric(100, 0.1, 1);
            q.sigma2 = NoisyQuadratic.geometric(100, 0.5, 2);
            q.start = NoisyQuadratic.filled(100, 1);
            q.learningRate = 1e-6;
            q.lossNoise = 1e-3;
            double g2 = 0, trace = 0;
            for (int i = 0; i < 100; i++) {
                g2 += q.lambda[i] * q.lambda[i] * q.start[i] * q.start[i];
                trace += q.sigma2[i];
            }
            double exact = trace / g2;
            NoisyQuadratic.Outcome o = q.run(seed, 400, settings);
            var windows = o.windows();
            assertThat(windows).isNotEmpty();
            for (var w : windows) {
                assertThat(w.noiseScale()).as("noise scale at step %d", w.at().step()).isPositive();
                assertThat(w.noiseSource()).isEqualTo(dev.canyon.analytics.update.WindowIndicators.NoiseSource.PROBE);
            }
            var last = windows.get(windows.size() - 1);
            assertThat(last.noiseScale()).as("seed %d: exact %.4g", seed, exact).isCloseTo(exact, org.assertj.core.api.Assertions.withinPercentage(10));
        }
    }

    /** The cross-batch estimate is never negative: where it cannot be trusted it is absent, with the reason. */
    @Test
    void noStoredNoiseScaleIsNegative() {
        for (Supplier<NoisyQuadratic> p : java.util.List.<Supplier<NoisyQuadratic>>of(NoisyGroundTruthTest::nearMinimum, () -> {
            NoisyQuadratic q = nearMinimum();
            q.sendNoiseProbes = false;
            return q;
        }, () -> {
            NoisyQuadratic q = nearMinimum();
            q.sendNoiseProbes = false;
            q.sendHessian = false;
            return q;
        })) {
            for (long seed = 1; seed <= 5; seed++) {
                for (var w : p.get().run(seed, 600, settings).windows()) {
                    if (Double.isNaN(w.noiseScale())) {
                        assertThat(w.notes()).contains("noise scale absent");
                        assertThat(w.noiseSource()).isEqualTo(dev.canyon.analytics.update.WindowIndicators.NoiseSource.ABSENT);
                    } else {
                        assertThat(w.noiseScale()).isPositive();
                    }
                }
            }
        }
    }

    /** One loss spike (×10 at step 450) near a minimum is not divergence: the shown state never becomes DIVERGING. */
    @Test
    void oneLossSpikeIsNotDivergence() {
        for (long seed = 1; seed <= 5; seed++) {
            NoisyQuadratic q = nearMinimum();
            q.lossOffset = 0.3;
            q.spikeAt = 450;
            q.spikeFactor = 10;
            NoisyQuadratic.Outcome o = q.run(seed, 600, settings);
            assertThat(o.states()).as("seed %d", seed).doesNotContain(ObstacleState.DIVERGING);
            assertThat(o.last()).isEqualTo(ObstacleState.NEAR_MINIMUM);
        }
    }
}
