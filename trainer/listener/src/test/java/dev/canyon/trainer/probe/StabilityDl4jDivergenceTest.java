package dev.canyon.trainer.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.kernels.stability.OptimizerSpec;
import dev.canyon.kernels.stability.StabilityRatio;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * DL4J's own training, full batch on {@link LinearRegression} (constant Hessian, λmax ≈ 1.18), at the
 * learning rate where the kernel's stability ratio is 0.9 and 1.1: the first converges, the second
 * diverges, for Sgd and for Nesterovs (μ = 0.5, 0.9). About 17 s (1,200 DL4J steps), hence tagged real.
 */
@Tag("real")
class StabilityDl4jDivergenceTest {
    static final int STEPS = 200;

    /** Loss after {@link #STEPS} full-batch steps over the loss at θ_0. */
    static double growth(IUpdater updater) {
        MultiLayerNetwork net = LinearRegression.network(updater, 4);
        double start = LinearRegression.loss(net.params().toDoubleVector());
        for (int i = 0; i < STEPS; i++) {
            net.fit(LinearRegression.data());
        }
        return LinearRegression.loss(net.params().toDoubleVector()) / start;
    }

    static double eta(OptimizerSpec spec, double ratio) {
        return ratio / StabilityRatio.of(spec, 1.0, LinearRegression.lambdaMax(), Double.NaN).ratio();
    }

    @Test
    void atRatio09TrainingConvergesAndAt11ItDiverges() {
        double[] stable = new double[3];
        double[] unstable = new double[3];
        stable[0] = growth(new Sgd(eta(OptimizerSpec.sgd(), 0.9)));
        unstable[0] = growth(new Sgd(eta(OptimizerSpec.sgd(), 1.1)));
        double[] mus = {0.5, 0.9};
        for (int k = 0; k < mus.length; k++) {
            OptimizerSpec spec = OptimizerSpec.nesterov(mus[k]);
            stable[k + 1] = growth(new Nesterovs(eta(spec, 0.9), mus[k]));
            unstable[k + 1] = growth(new Nesterovs(eta(spec, 1.1), mus[k]));
        }
        System.out.printf("loss(t=%d)/loss(0) at ratio 0.9: Sgd %.3g, Nesterovs 0.5 %.3g, 0.9 %.3g; at ratio 1.1: %.3g, %.3g, %.3g%n",
                STEPS, stable[0], stable[1], stable[2], unstable[0], unstable[1], unstable[2]);
        for (int k = 0; k < 3; k++) {
            assertThat(stable[k]).as("ratio 0.9, case %d", k).isLessThan(1);
            assertThat(unstable[k]).as("ratio 1.1, case %d (NaN or infinite counts as diverged)", k)
                    .satisfiesAnyOf(g -> assertThat(g).isGreaterThan(1e6), g -> assertThat(Double.isFinite(g)).isFalse());
        }
    }
}
