package dev.canyon.kernels.obstacle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.kernels.obstacle.ObstacleClassifier.Evidence;
import dev.canyon.kernels.obstacle.ObstacleClassifier.SamePoint;
import org.junit.jupiter.api.Test;

/** Each rule on evidence built to meet it, and the rule order. */
class ObstacleClassifierTest {
    final ObstacleClassifier classifier = new ObstacleClassifier(ObstacleClassifier.Thresholds.defaults());

    /** Deterministic evidence (no same-point probe), a small loss noise. */
    static Evidence evidence(double lossStart, double lossEnd, double gradNorm, double uphill, double cosine, double noise,
            double lambdaMax, double lambdaMin) {
        return new Evidence(true, lossStart, lossEnd, 1e-4, gradNorm, 10, uphill, cosine, noise, 64, lambdaMax, lambdaMin,
                0.05 * lambdaMax / 2, SamePoint.NONE, 0.05);
    }

    /** Noisy evidence with a same-point probe: η 0.1, λmax 2, λmin as given, B 64, tr Σ 64 (tr Σ/B = 1). */
    static Evidence noisy(double lossStart, double lossEnd, double lossStderr, double uphill, double cosine, double gradNormSq,
            double stderr, double lambdaMin) {
        return new Evidence(true, lossStart, lossEnd, lossStderr, 1, 10, uphill, cosine, Double.NaN, 64, 2, lambdaMin, 0.1,
                new SamePoint(4, gradNormSq, stderr, 64), 0.1);
    }

    @Test
    void eachStateHasItsEvidence() {
        assertThat(classifier.classify(new Evidence(false, 1, 1, 0, 1, 1, 0, 0, 0, 64, 1, 1, 0, SamePoint.NONE, 0.1)).state())
                .isEqualTo(ObstacleState.DIVERGING);
        assertThat(classifier.classify(evidence(1.0, 2.0, 1, 0.9, 0, 0, 1, 1)).state()).isEqualTo(ObstacleState.DIVERGING);
        assertThat(classifier.classify(evidence(1.0, 0.9, 1, 0.3, 0.5, 10, 10, 0.1)).state()).isEqualTo(ObstacleState.PROGRESSING);
        var saddle = classifier.classify(evidence(1.0, 1.0, 1e-3, 0.1, 0, 0, 2, -2));
        assertThat(saddle.state()).isEqualTo(ObstacleState.SADDLE);
        assertThat(saddle.evidence()).contains("lambda_min -2");
        assertThat(classifier.classify(evidence(1.0, 1.0, 1e-3, 0.1, 0, 0, 2, 1e-6)).state()).isEqualTo(ObstacleState.NEAR_MINIMUM);
        assertThat(classifier.classify(evidence(1.0, 1.0, 5, 0.6, -0.8, 10, 100, 1)).state()).isEqualTo(ObstacleState.ILL_CONDITIONED);
        assertThat(classifier.classify(evidence(1.0, 1.0, 5, 0.6, 0.05, 500, 1, 0.1)).state()).isEqualTo(ObstacleState.NOISE_DOMINATED);
        assertThat(classifier.classify(evidence(1.0, 1.0, 5, 0.2, 0.5, 10, 1, 0.1)).state()).isEqualTo(ObstacleState.PLATEAU_MOVING);
    }

    /** A stability ratio above 1 is ill-conditioning even without bouncing cosines. */
    @Test
    void edgeOfStabilityCountsAsIllConditioned() {
        var d = classifier.classify(evidence(1.0, 1.0, 5, 0.6, 0.0, 10, 100, 1));
        assertThat(d.state()).isEqualTo(ObstacleState.ILL_CONDITIONED);
        assertThat(d.evidence()).contains("stability ratio 2.5");
    }

    /** Without a same-point probe, windows that go uphill half the time are not critical points, however small ‖g‖/λmax. */
    @Test
    void uphillWindowsAreNotCriticalPointsOnDeterministicEvidence() {
        assertThat(classifier.classify(evidence(1.0, 1.003, 1e-3, 0.5, 0, 0, 2, -2)).state()).isEqualTo(ObstacleState.PLATEAU_MOVING);
    }

    /** A loss that is essentially zero falls by large fractions while nothing happens: that is a minimum, not progress. */
    @Test
    void aLossAtItsFloorIsNotProgress() {
        var d = classifier.classify(evidence(3e-7, 2e-7, 3e-4, 0.5, 0, 0, 8, 1e-5));
        assertThat(d.state()).isEqualTo(ObstacleState.NEAR_MINIMUM);
        assertThat(d.evidence()).contains("at its floor");
        assertThat(classifier.classify(evidence(3e-7, 9e-7, 3e-4, 0.5, 0, 0, 8, 1e-5)).state()).isEqualTo(ObstacleState.NEAR_MINIMUM);
    }

    /** Without a Hessian probe a tiny gradient cannot be told apart, and no critical-point state is claimed. */
    @Test
    void withoutProbesNoCriticalPointIsClaimed() {
        var d = classifier.classify(evidence(1.0, 1.0, 1e-6, 0.1, 0.9, 1, Double.NaN, Double.NaN));
        assertThat(d.state()).isEqualTo(ObstacleState.PLATEAU_MOVING);
        assertThat(d.evidence()).contains("no critical-point test");
    }

    /**
     * With same-point gradients, half the steps uphill no longer hides a critical point: the stationary level
     * here is (η λmax / 2) · tr Σ/B = 0.1, so ‖∇L‖² = 0.05 ± 0.03 is within 4 times it, with λmin deciding.
     */
    @Test
    void samePointEvidenceFindsCriticalPointsUnderNoise() {
        var minimum = classifier.classify(noisy(1.0, 1.002, 0.01, 0.5, 0, 0.05, 0.03, 0.5));
        assertThat(minimum.state()).isEqualTo(ObstacleState.NEAR_MINIMUM);
        assertThat(minimum.evidence()).contains("critical point: |grad L|^2 0.0500 and its standard error 0.030").contains("both within").contains("stationary level 0.1");
        assertThat(classifier.classify(noisy(1.0, 0.999, 0.01, 0.5, 0, 0.05, 0.03, -0.5)).state()).isEqualTo(ObstacleState.SADDLE);
    }

    /** A true gradient clearly above the stationary level is no critical point, and the evidence says by how much. */
    @Test
    void aGradientAboveTheStationaryLevelIsNoCriticalPoint() {
        var d = classifier.classify(noisy(1.0, 1.0, 0.01, 0.3, 0.5, 2.0, 0.2, 0.5));
        assertThat(d.state()).isEqualTo(ObstacleState.PLATEAU_MOVING);
        assertThat(d.evidence()).contains("no critical point: |grad L|^2 2").contains("not both within");
    }

    /** An estimate too imprecise to bound the gradient claims no critical point, however small. */
    @Test
    void anImpreciseGradientEstimateIsNoCriticalPoint() {
        var d = classifier.classify(noisy(1.0, 1.0, 0.01, 0.5, 0, 0.01, 0.5, 0.5));
        assertThat(d.state()).isEqualTo(ObstacleState.NOISE_DOMINATED);
        assertThat(d.evidence()).contains("no critical point").contains("not above zero");
    }

    /** At the edge of stability (ratio 0.8 or more) the state is ill-conditioned, uphill steps or not. */
    @Test
    void theEdgeOfStabilityIsIllConditioned() {
        var e = new Evidence(true, 1.0, 1.0, 0.01, 1, 10, 0.2, 0.0, Double.NaN, 64, 2, 0.5, 0.85, new SamePoint(4, 0.05, 0.03, 64), 0.1);
        var d = classifier.classify(e);
        assertThat(d.state()).isEqualTo(ObstacleState.ILL_CONDITIONED);
        assertThat(d.evidence()).contains("at the edge of stability");
    }

    /** A loss change within the noise is no progress and no divergence. */
    @Test
    void lossChangesWithinTheNoiseAreFlat() {
        // 5 % down but only 1.7 standard errors: flat, and then at a critical point.
        assertThat(classifier.classify(noisy(1.0, 0.95, 0.03, 0.5, 0, 0.05, 0.03, 0.5)).state()).isEqualTo(ObstacleState.NEAR_MINIMUM);
        // 60 % up at 2 standard errors: not diverging.
        assertThat(classifier.classify(noisy(1.0, 1.6, 0.3, 0.5, 0, 0.05, 0.03, 0.5)).state()).isEqualTo(ObstacleState.NEAR_MINIMUM);
        // The same falls beyond 3 standard errors are progress.
        assertThat(classifier.classify(noisy(1.0, 0.95, 0.01, 0.5, 0, 0.05, 0.03, 0.5)).state()).isEqualTo(ObstacleState.PROGRESSING);
        // Within twice the noise floor η tr Σ/(4B) = 0.025: flat, however small the minibatch noise.
        assertThat(classifier.classify(noisy(1.0, 0.96, 1e-4, 0.5, 0, 0.05, 0.03, 0.5)).state()).isEqualTo(ObstacleState.NEAR_MINIMUM);
    }

    /** A same-point gradient not above zero, with uphill steps and no bouncing, is noise-dominated when no λmax is known. */
    @Test
    void anUndetectedGradientIsNoise() {
        var e = new Evidence(true, 1.0, 1.0, 0.01, 1, 10, 0.5, 0.05, Double.NaN, 64, Double.NaN, Double.NaN, Double.NaN,
                new SamePoint(4, 0.01, 0.03, 64), 0.1);
        var d = classifier.classify(e);
        assertThat(d.state()).isEqualTo(ObstacleState.NOISE_DOMINATED);
        assertThat(d.evidence()).contains("not above zero");
    }

    /**
     * Near the edge of stability (ratio 0.7, below the 0.8 of ILL_CONDITIONED) the same-point test is not
     * made: a stationary-looking gradient is the walls' bouncing, and with half the steps uphill the
     * deterministic test finds no critical point.
     */
    @Test
    void theSamePointTestIsNotMadeNearTheEdgeOfStability() {
        var e = new Evidence(true, 1.0, 1.0, 0.01, 1, 10, 0.5, -0.2, Double.NaN, 64, 2, -0.5, 0.7, new SamePoint(8, 0.9, 0.4, 64), 0.7);
        var d = classifier.classify(e);
        assertThat(d.state()).isNotIn(ObstacleState.SADDLE, ObstacleState.NEAR_MINIMUM);
        assertThat(d.evidence()).contains("the same-point test is not made at stability ratio 0.7");
    }

    /** A loss that fell beyond the noise over the long horizon vetoes a critical point, however stationary the gradient looks. */
    @Test
    void aLossStillFallingOverTheLongHorizonIsNoCriticalPoint() {
        var falling = new Evidence(true, 1.0, 1.002, 0.01, 1, 10, 0.5, 0, Double.NaN, 64, 2, 0.5, 0.1, new SamePoint(4, 0.05, 0.03, 64),
                0.1, new ObstacleClassifier.LongHorizon(200, 1.2, 1.0, 0.02));
        var d = classifier.classify(falling);
        assertThat(d.state()).isNotIn(ObstacleState.SADDLE, ObstacleState.NEAR_MINIMUM);
        assertThat(d.evidence()).contains("the loss fell 1.200 -> 1.000 over the last 200 steps");
        var flat = new Evidence(true, 1.0, 1.002, 0.01, 1, 10, 0.5, 0, Double.NaN, 64, 2, 0.5, 0.1, new SamePoint(4, 0.05, 0.03, 64),
                0.1, new ObstacleClassifier.LongHorizon(200, 1.01, 1.0, 0.02));
        assertThat(classifier.classify(flat).state()).isEqualTo(ObstacleState.NEAR_MINIMUM);
    }

    /** A significantly negative same-point estimate (parts of a full batch are not independent) defers to the deterministic test. */
    @Test
    void aSignificantlyNegativeSamePointEstimateDefersToTheDeterministicTest() {
        var e = new Evidence(true, 1.0, 1.0, 1e-4, 1e-3, 10, 0.0, 1.0, Double.NaN, 200, 2, -0.5, 0.05, new SamePoint(15, -541, 160, 541),
                0.02);
        var d = classifier.classify(e);
        assertThat(d.state()).isEqualTo(ObstacleState.SADDLE);
        assertThat(d.evidence()).contains("is significantly negative: its parts are not independent draws");
    }
}
