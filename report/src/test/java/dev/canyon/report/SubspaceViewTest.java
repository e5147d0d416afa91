package dev.canyon.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.trainer.ModelRecipe;
import dev.canyon.trainer.data.TrainingData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The 2-D subspace view against closed forms. */
class SubspaceViewTest {

    /**
     * The 2-parameter deep linear model L(w1, w2) = (1 − w1·w2)² (seed 000's "2-parameter deep linear
     * model"): its parameter space is the plane itself, so every grid point's loss, re-evaluated by the
     * rebuilt DL4J model, must equal the closed form at θ_0 + a·u + b·v. Tolerance 1e-12 relative: the
     * model computes in float64; the data (x = y = 1) are exact in float32.
     */
    @Test
    void deepLinearGridEqualsTheClosedForm() {
        ModelRecipe recipe = ModelRecipe.of("deep-linear-2", "deep-linear-2", java.util.Map.of()).orElseThrow();
        TrainingData data = recipe.trainingData(null, 1);
        ModelLoss model = new ModelLoss(recipe, 2, recipe.batch(data, 1), null);
        // A path from near the saddle at the origin to the minimum w1·w2 = 1, bending off the straight line.
        List<float[]> snapshots = List.of(new float[] {0.05f, 0.1f}, new float[] {0.6f, 0.2f}, new float[] {0.9f, 0.7f},
                new float[] {1.1f, 0.9f});
        SubspaceView.Plane plane = SubspaceView.plane(snapshots, 1);
        assertThat(dot(plane.u(), plane.u())).isCloseTo(1, within(1e-12));
        assertThat(dot(plane.v(), plane.v())).isCloseTo(1, within(1e-12));
        assertThat(dot(plane.u(), plane.v())).isCloseTo(0, within(1e-12));
        assertThat(plane.secondDirection()).startsWith("first principal direction");
        double[] extent = SubspaceView.extent(plane, snapshots.stream().map(plane::project).toList());
        int[] calls = {0};
        SubspaceView.Grid grid = SubspaceView.grid(plane, extent, 11, model::train, (done, total) -> calls[0]++);
        assertThat(calls[0]).isEqualTo(121);
        double worst = 0;
        for (int j = 0; j < 11; j++) {
            for (int i = 0; i < 11; i++) {
                double[] w = plane.at(grid.a()[i], grid.b()[j]);
                double closed = Math.pow(1 - w[0] * w[1], 2);
                assertThat(grid.loss()[j][i]).as("a=%s b=%s", grid.a()[i], grid.b()[j]).isCloseTo(closed, within(1e-12 * Math.max(1, closed)));
                worst = Math.max(worst, Math.abs(grid.loss()[j][i] - closed));
            }
        }
        // The grid is not trivial: it holds the saddle's level (1 at w1·w2 = 0) and points near the minimum valley.
        double min = java.util.Arrays.stream(grid.loss()).flatMapToDouble(java.util.Arrays::stream).min().orElseThrow();
        double max = java.util.Arrays.stream(grid.loss()).flatMapToDouble(java.util.Arrays::stream).max().orElseThrow();
        assertThat(min).isLessThan(0.05);
        assertThat(max).isGreaterThan(1);
    }

    /** Projections of the snapshots: θ_0 at (0, 0), θ_T at (‖θ_T − θ_0‖, 0), an off-line snapshot at its exact offset. */
    @Test
    void snapshotsProjectToTheirCoordinates() {
        List<float[]> snapshots = List.of(new float[] {0, 0, 0}, new float[] {1, 2, 0}, new float[] {4, 0, 0});
        SubspaceView.Plane plane = SubspaceView.plane(snapshots, 1);
        assertThat(plane.project(snapshots.get(0))).containsExactly(new double[] {0, 0}, within(1e-12));
        assertThat(plane.project(snapshots.get(2))).containsExactly(new double[] {4, 0}, within(1e-12));
        assertThat(plane.project(snapshots.get(1))).containsExactly(new double[] {1, 2}, within(1e-12));
        // A point off the plane projects to its in-plane part.
        assertThat(plane.project(new float[] {2, 1, 5})).containsExactly(new double[] {2, 1}, within(1e-12));
    }

    @Test
    void straightPathsGetASeededRandomSecondDirection() {
        List<float[]> line = List.of(new float[] {0, 0, 0, 0}, new float[] {1, 1, 0, 0}, new float[] {2, 2, 0, 0});
        SubspaceView.Plane plane = SubspaceView.plane(line, 3);
        assertThat(plane.secondDirection()).startsWith("a random direction (seed 3)");
        assertThat(dot(plane.u(), plane.v())).isCloseTo(0, within(1e-12));
        assertThat(SubspaceView.plane(line, 3).v()).containsExactly(plane.v(), within(0.0));
    }

    @Test
    void aRunThatDidNotMoveHasNoPlane() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SubspaceView.plane(List.of(new float[] {1, 2}, new float[] {1, 2}), 1))
                .hasMessageContaining("did not move");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SubspaceView.plane(List.of(new float[] {1, 2}), 1))
                .hasMessageContaining("at least 2 snapshots");
    }

    /** Batch PCA of a planted trajectory: a known 2-D curve in 50 dimensions has explained variance exactly its two axes'. */
    @Test
    void trajectoryPcaRecoversAPlantedPlane() {
        java.util.Random r = new java.util.Random(5);
        double[] e1 = new double[50];
        double[] e2 = new double[50];
        for (int i = 0; i < 50; i++) {
            e1[i] = r.nextGaussian();
            e2[i] = r.nextGaussian();
        }
        normalizeAgainst(e1, null);
        normalizeAgainst(e2, e1);
        List<TrajectoryView.Point> points = new java.util.ArrayList<>();
        double[] x = new double[40];
        double[] y = new double[40];
        for (int t = 0; t < 40; t++) {
            x[t] = 3.0 * t / 39 - 1.5; // variance along e1
            y[t] = 0.5 * Math.sin(Math.PI * t / 39); // a bend along e2
            float[] theta = new float[50];
            for (int i = 0; i < 50; i++) {
                theta[i] = (float) (x[t] * e1[i] + y[t] * e2[i] + 7);
            }
            points.add(new TrajectoryView.Point(t * 10L, theta));
        }
        TrajectoryView view = TrajectoryView.of(points, 3);
        double mx = java.util.Arrays.stream(x).average().orElseThrow();
        double my = java.util.Arrays.stream(y).average().orElseThrow();
        double vx = java.util.Arrays.stream(x).map(v -> (v - mx) * (v - mx)).sum();
        double vy = java.util.Arrays.stream(y).map(v -> (v - my) * (v - my)).sum();
        // float32 positions: ratios to 1e-5.
        assertThat(view.explained()[0]).isCloseTo(vx / (vx + vy), within(1e-5));
        assertThat(view.explained()[1]).isCloseTo(vy / (vx + vy), within(1e-5));
        assertThat(view.explained()[2]).isCloseTo(0, within(1e-5));
        for (int t = 0; t < 40; t++) {
            assertThat(view.pc1()[t]).isCloseTo(x[t] - mx, within(1e-4));
            assertThat(Math.abs(view.pc2()[t])).isCloseTo(Math.abs(y[t] - my), within(1e-4));
        }
    }

    private static void normalizeAgainst(double[] v, double[] against) {
        if (against != null) {
            double d = dot(v, against);
            for (int i = 0; i < v.length; i++) {
                v[i] -= d * against[i];
            }
        }
        double n = Math.sqrt(dot(v, v));
        for (int i = 0; i < v.length; i++) {
            v[i] /= n;
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
