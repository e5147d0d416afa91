package dev.canyon.trainer.data;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Seed 004's construction: w* is a critical point of the generated data, of the planted kind. */
@Tag("real")
class PlantedCriticalPointTest {

    @Test
    void plantedMinimaAreCriticalWithoutNegativeCurvature() {
        for (long seed = 1; seed <= 5; seed++) {
            PlantedCriticalPoint.Planted p = PlantedCriticalPoint.minimum(200, seed);
            System.out.printf("minimum seed %d: |grad| %.2e, lambda [%.4g, %.4g]%n", seed, p.gradientNorm(), p.minEigenvalue(),
                    p.maxEigenvalue());
            // Targets are stored as float32: the residuals of a planted minimum are float rounding (~1e-7).
            assertThat(p.gradientNorm()).isLessThan(1e-5 * p.maxEigenvalue());
            // No negative curvature beyond finite-difference noise (the tanh network can have nearly flat
            // directions, so the smallest eigenvalue may be ~0 rather than clearly positive).
            assertThat(p.minEigenvalue()).isGreaterThan(-1e-6 * p.maxEigenvalue());
        }
    }

    @Test
    void plantedSaddlesAreCriticalWithTheChosenNegativeCurvature() {
        for (long seed = 1; seed <= 5; seed++) {
            PlantedCriticalPoint.Planted p = PlantedCriticalPoint.saddle(200, seed, 0.3);
            System.out.printf("saddle seed %d: |grad| %.2e, lambda [%.4g, %.4g]%n", seed, p.gradientNorm(), p.minEigenvalue(),
                    p.maxEigenvalue());
            assertThat(p.gradientNorm()).isLessThan(1e-5 * p.maxEigenvalue());
            // Planted at -0.3 x lambda_max of the r = 0 Hessian; the final Hessian's lambda_max moves a little.
            assertThat(p.minEigenvalue()).isLessThan(-0.2 * p.maxEigenvalue());
            assertThat(p.maxEigenvalue()).isPositive();
        }
    }
}
