package dev.canyon.trainer.sketch;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.VectorRepresentation;
import dev.canyon.kernels.sketch.CountSketch;
import dev.canyon.trainer.MlpTrainer;
import dev.canyon.trainer.data.FashionMnist;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The default sketch (CountSketch, k = 1024) against the exact weights of a real 1,000-step SGD
 * trajectory on Fashion-MNIST: pairwise distances and the PCA explained-variance ratios the stream
 * will compute from sketches.
 */
@Tag("real")
class SketchAccuracyTest {
    static final int STEPS = 1000;
    static final int K = VectorRepresentation.DEFAULT_SKETCH_SIZE;
    static float[][] thetas;
    static float[][] sketches;

    @BeforeAll
    static void recordTrajectory() {
        MultiLayerNetwork net = MlpTrainer.network(16, 0.05, 7);
        List<float[]> recorded = new ArrayList<>();
        net.addListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                recorded.add(model.params().dup().toFloatVector());
            }
        });
        FashionMnist.Split data = FashionMnist.train(Path.of(FashionMnist.DEFAULT_DIR), 20_000);
        MlpTrainer.fit(net, data, 64, 7, STEPS, s -> {});
        thetas = recorded.toArray(new float[0][]);
        CountSketch cs = new CountSketch(thetas[0].length, K, CountSketch.seedFor("sketch-accuracy"));
        sketches = Arrays.stream(thetas).map(cs::apply).toArray(float[][]::new);
    }

    @Test
    void pairwiseDistancesAreWithinAFewPercent() {
        double[][] exact = Gram.distances(thetas);
        double[][] approx = Gram.distances(sketches);
        int n = thetas.length;
        double[] rel = new double[n * (n - 1) / 2];
        int p = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                rel[p++] = Math.abs(approx[i][j] - exact[i][j]) / exact[i][j];
            }
        }
        Arrays.sort(rel);
        double median = rel[rel.length / 2];
        double p99 = rel[(int) (0.99 * (rel.length - 1))];
        System.out.printf("sketch k=%d, d=%d, %d points: pairwise distance relative error median %.4f, p99 %.4f, max %.4f%n",
                K, thetas[0].length, n, median, p99, rel[rel.length - 1]);
        assertThat(thetas.length).isEqualTo(STEPS);
        assertThat(median).isLessThanOrEqualTo(0.02);
        assertThat(p99).isLessThanOrEqualTo(0.06);
    }

    @Test
    void topTwoExplainedVarianceRatiosMatch() {
        double[] exact = Gram.explainedVarianceRatios(thetas, 2);
        double[] approx = Gram.explainedVarianceRatios(sketches, 2);
        System.out.printf("explained variance ratios: exact %.4f %.4f, sketch %.4f %.4f%n", exact[0], exact[1], approx[0], approx[1]);
        assertThat(exact[0]).isGreaterThan(exact[1]);
        for (int i = 0; i < 2; i++) {
            assertThat(Math.abs(approx[i] - exact[i])).as("PC" + (i + 1)).isLessThanOrEqualTo(0.02);
        }
    }
}
