package dev.canyon.kernels.obstacle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.kernels.obstacle.ObstacleClassifier.Evidence;
import org.junit.jupiter.api.Test;

/** Each rule on evidence built to meet it, and the rule order. */
class ObstacleClassifierTest {
    final ObstacleClassifier classifier = new ObstacleClassifier(ObstacleClassifier.Thresholds.defaults());

    static Evidence evidence(double lossStart, double lossEnd, double gradNorm, double uphill, double cosine, double noise,
            double lambdaMax, double lambdaMin) {
        return new Evidence(true, lossStart, lossEnd, gradNorm, 10, uphill, cosine, noise, 64, lambdaMax, lambdaMin, 0.05);
    }

    @Test
    void eachStateHasItsEvidence() {
        assertThat(classifier.classify(new Evidence(false, 1, 1, 1, 1, 0, 0, 0, 64, 1, 1, 0.1)).state())
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

    /** Stability ratio η·λmax/2 above 1 is ill-conditioning even without bouncing cosines. */
    @Test
    void edgeOfStabilityCountsAsIllConditioned() {
        var d = classifier.classify(evidence(1.0, 1.0, 5, 0.6, 0.0, 10, 100, 1));
        assertThat(d.state()).isEqualTo(ObstacleState.ILL_CONDITIONED);
        assertThat(d.evidence()).contains("stability ratio 2.5");
    }

    /** Noisy minibatch windows that go uphill half the time are not critical points, however small ‖g‖/λmax. */
    @Test
    void uphillWindowsAreNotCriticalPoints() {
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
    }
}
