package dev.canyon.trainer.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The update rules the stability thresholds assume, checked against DL4J itself on {@link
 * LinearRegression} (constant, known Hessian; full batch; float64): the Hessian and its layout; SGD,
 * Nesterovs and Adam trajectories reproduced step by step from closed-form gradients with the
 * recurrences in dev.canyon.kernels.stability.StabilityRatio; and Adam's preconditioner P read from
 * the updater state, and λmax(P⁻¹H) from the probe, against the same recurrence.
 */
class StabilityKnownHessianTest {
    static final int STEPS = 6;

    @Test
    void theClosedFormHessianIsDl4jsInItsFlattenedLayout() {
        MultiLayerNetwork net = LinearRegression.network(new Sgd(0.1), 3);
        NetworkOracle oracle = new NetworkOracle(net, LinearRegression.data());
        double[] theta = oracle.parameters();
        double[] g = new double[theta.length];
        double loss = oracle.gradient(theta, g);
        assertThat(loss).isCloseTo(LinearRegression.loss(theta), within(1e-12));
        double[] expected = LinearRegression.gradient(theta);
        for (int i = 0; i < g.length; i++) {
            assertThat(g[i]).as("gradient %d", i).isCloseTo(expected[i], within(1e-12));
        }
        double[][] dense = new HessianProbe(oracle, 1e-6).dense(theta);
        double[][] h = LinearRegression.hessian();
        double worst = 0;
        for (int i = 0; i < h.length; i++) {
            for (int j = 0; j < h.length; j++) {
                worst = Math.max(worst, Math.abs(dense[i][j] - h[i][j]));
            }
        }
        System.out.printf("finite-difference Hessian vs closed form: max |diff| %.2e (lambda_max %.6f)%n", worst,
                LinearRegression.lambdaMax());
        assertThat(worst).isLessThan(1e-8);
    }

    @Test
    void sgdAndNesterovsFollowTheRecurrencesTheThresholdsAssume() {
        double eta = 0.3;
        double mu = 0.9;
        MultiLayerNetwork sgd = LinearRegression.network(new Sgd(eta), 5);
        MultiLayerNetwork nag = LinearRegression.network(new Nesterovs(eta, mu), 5);
        double[] thetaSgd = sgd.params().toDoubleVector();
        double[] thetaNag = nag.params().toDoubleVector();
        double[] v = new double[thetaNag.length];
        for (int k = 0; k < STEPS; k++) {
            sgd.fit(LinearRegression.data());
            nag.fit(LinearRegression.data());
            double[] gs = LinearRegression.gradient(thetaSgd);
            double[] gn = LinearRegression.gradient(thetaNag);
            for (int i = 0; i < thetaSgd.length; i++) {
                thetaSgd[i] -= eta * gs[i];
                // libnd4j nesterovs_updater: v' = mu v - eta g; update = mu v - (1 + mu) v'; theta -= update.
                double vNew = mu * v[i] - eta * gn[i];
                thetaNag[i] -= mu * v[i] - (1 + mu) * vNew;
                v[i] = vNew;
            }
            assertClose(sgd.params().toDoubleVector(), thetaSgd, 1e-12, "SGD step " + (k + 1));
            assertClose(nag.params().toDoubleVector(), thetaNag, 1e-12, "Nesterovs step " + (k + 1));
        }
    }

    @Test
    void adamsPreconditionerAndPreconditionedSharpnessMatchTheRecurrence() {
        double eta = 0.05;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        MultiLayerNetwork net = LinearRegression.network(new Adam(eta, b1, b2, eps), 9);
        double[] theta = net.params().toDoubleVector();
        LinearRegression.AdamReference adam = new LinearRegression.AdamReference(eta, b1, b2, eps);
        for (int t = 1; t <= STEPS; t++) {
            net.fit(LinearRegression.data());
            adam.step(theta);
            assertClose(net.params().toDoubleVector(), theta, 1e-12, "Adam step " + t + " as theta -= eta P^-1 m");
        }
        double[] p = adam.preconditioner();
        // After fit returns, the iteration the updater saw last is the count minus one.
        double[] read = AdamPreconditioner.diagonal(net, net.getIterationCount() - 1);
        assertThat(net.getIterationCount()).isEqualTo(STEPS);
        assertClose(read, p, 1e-12, "P read from DL4J's updater blocks");

        double expected = LinearRegression.preconditionedLambdaMax(p);
        HessianProbe probe = new HessianProbe(new NetworkOracle(net, LinearRegression.data()), 1e-6);
        HessianProbe.Preconditioned measured = probe.preconditionedMax(net.params().toDoubleVector(), read, LinearRegression.D, 1);
        System.out.printf("Adam after %d steps: lambda_max(P^-1 H) probe %.10g, dense %.10g (rel %.2e); lambda_max(H) %.6f; "
                + "P in [%.3g, %.3g]%n", STEPS, measured.maxEigenvalue(), expected,
                Math.abs(measured.maxEigenvalue() / expected - 1), LinearRegression.lambdaMax(),
                java.util.Arrays.stream(p).min().getAsDouble(), java.util.Arrays.stream(p).max().getAsDouble());
        assertThat(measured.maxEigenvalue()).isCloseTo(expected, within(1e-6 * expected));
        assertThat(measured.hessianVectorProducts()).isEqualTo(LinearRegression.D);
    }

    @Test
    void noPreconditionerForOtherUpdatersOrBeforeTheFirstStep() {
        MultiLayerNetwork sgd = LinearRegression.network(new Sgd(0.1), 1);
        sgd.fit(LinearRegression.data());
        assertThat(AdamPreconditioner.diagonal(sgd, 0)).isNull();
        assertThat(AdamPreconditioner.diagonal(LinearRegression.network(new Adam(0.01), 1), 0))
                .as("no updater yet").isNull();
    }

    static void assertClose(double[] actual, double[] expected, double relative, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("%s, coordinate %d", what, i)
                    .isCloseTo(expected[i], within(relative * Math.max(1, Math.abs(expected[i]))));
        }
    }
}
